"""Small line charts painted with QPainter (PySide6-Essentials has no QtCharts).

Readable in black and white: every series has its own marker shape and dash style as
well as a colour, so a printout or a colour-blind reader can still tell them apart.

Stable API (other sections reuse it)::

    chart = LineChart(title="Sit to stand", x_label="Session", y_label="Reps")
    chart.set_series([
        Series("Target", [(1, 8), (2, 8), (3, 10)]),
        Series("Done", [(1, 6), (2, None), (3, 10)]),   # None leaves a gap
    ])
    chart.set_y_range(0, 12)                  # optional; otherwise fitted to the data
    chart.set_x_ticks([(1, "1"), (2, "2")])   # optional; otherwise whole numbers
    chart.set_y_ticks([(0, "Level 1"), (1, "Level 2")])  # optional
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPainterPath, QPen, QPolygonF
from PySide6.QtWidgets import QSizePolicy, QWidget

from escape_desktop.i18n import _
from escape_desktop.ui.common import style

__all__ = ["LineChart", "Series", "MARKERS", "DASHES", "nice_ticks"]

MARKERS: tuple[str, ...] = ("circle", "square", "triangle", "diamond", "cross", "plus")
DASHES: tuple[Qt.PenStyle, ...] = (
    Qt.PenStyle.SolidLine,
    Qt.PenStyle.DashLine,
    Qt.PenStyle.DotLine,
    Qt.PenStyle.DashDotLine,
    Qt.PenStyle.DashDotDotLine,
)
# The series colours are the style module's (style.series_colours): one set for light, one
# for dark, each with distinct lightness so they stay apart when printed in grey.

Point = tuple[float, float | None]


@dataclass
class Series:
    """One named line. ``y`` may be None for a session with nothing recorded (a gap)."""

    name: str
    points: Sequence[Point]
    marker: str | None = None  # one of MARKERS; None: chosen by position
    dash: Qt.PenStyle | None = None  # None: chosen by position
    colour: str | None = None
    filled: bool = True


def nice_ticks(lo: float, hi: float, count: int = 5) -> list[float]:
    """Round tick values covering lo..hi (1, 2, 5 times a power of ten apart)."""
    if hi <= lo:
        hi = lo + 1
    raw = (hi - lo) / max(1, count)
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    first = math.floor(lo / step + 1e-9)
    last = math.ceil(hi / step - 1e-9)
    return [round(i * step, 10) for i in range(first, last + 1)]


def _fmt(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


class PaintedChart(QWidget):
    """A widget drawn by its ``paint(painter, area)``, which also serves printing and images."""

    def paintEvent(self, _event: object) -> None:
        p = QPainter(self)
        try:
            p.setRenderHint(QPainter.RenderHint.Antialiasing)
            self.paint(p, QRectF(self.rect()))
        finally:
            p.end()

    def paint(self, p: QPainter, area: QRectF) -> None:
        raise NotImplementedError


class LineChart(PaintedChart):
    """Several named series of (x, y | None) points, with axes, axis labels and a legend."""

    def __init__(
        self,
        parent: QWidget | None = None,
        *,
        title: str = "",
        x_label: str = "",
        y_label: str = "",
    ):
        super().__init__(parent)
        self._title = title
        self._x_label = x_label
        self._y_label = y_label
        self._series: list[Series] = []
        self._y_range: tuple[float, float] | None = None
        self._x_range: tuple[float, float] | None = None
        self._x_ticks: list[tuple[float, str]] | None = None
        self._y_ticks: list[tuple[float, str]] | None = None
        self._empty_text = _("Nothing recorded yet.")
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(self.minimumSizeHint())
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)

    # ------------------------------------------------------------------ API

    def set_title(self, title: str) -> None:
        self._title = title
        self._changed()

    def set_axis_labels(self, x_label: str, y_label: str) -> None:
        self._x_label, self._y_label = x_label, y_label
        self._changed()

    def set_series(self, series: Sequence[Series]) -> None:
        self._series = list(series)
        self._changed()

    def add_series(self, name: str, points: Sequence[Point], **style: object) -> Series:
        s = Series(name, list(points), **style)  # type: ignore[arg-type]
        self._series.append(s)
        self._changed()
        return s

    def clear(self) -> None:
        self._series = []
        self._changed()

    def series(self) -> list[Series]:
        return list(self._series)

    def set_y_range(self, lo: float | None, hi: float | None = None) -> None:
        """Fix the y axis (None: fit to the data)."""
        self._y_range = None if lo is None or hi is None else (float(lo), float(hi))
        self._changed()

    def set_x_range(self, lo: float | None, hi: float | None = None) -> None:
        self._x_range = None if lo is None or hi is None else (float(lo), float(hi))
        self._changed()

    def set_x_ticks(self, ticks: Sequence[tuple[float, str]] | None) -> None:
        self._x_ticks = list(ticks) if ticks is not None else None
        self._changed()

    def set_y_ticks(self, ticks: Sequence[tuple[float, str]] | None) -> None:
        self._y_ticks = list(ticks) if ticks is not None else None
        self._changed()

    def set_empty_text(self, text: str) -> None:
        self._empty_text = text
        self._changed()

    def summary_text(self) -> str:
        """The chart in words (tooltip and screen readers)."""
        parts = []
        for s in self._series:
            values = ", ".join(f"{_fmt(x)}: {'-' if y is None else _fmt(y)}" for x, y in s.points)
            parts.append(f"{s.name}: {values}" if values else _("{name}: none").format(name=s.name))
        head = self._title or _("Chart")
        return head + (" — " + "; ".join(parts) if parts else " — " + self._empty_text)

    def style_of(self, index: int) -> tuple[str, Qt.PenStyle, QColor]:
        """Marker, dash and colour used for the series at ``index``."""
        s = self._series[index]
        marker = s.marker or MARKERS[index % len(MARKERS)]
        dash = s.dash if s.dash is not None else DASHES[index % len(DASHES)]
        colours = style.series_colours()
        colour = QColor(s.colour or colours[index % len(colours)])
        return marker, dash, colour

    # ------------------------------------------------------------------ Qt

    def sizeHint(self) -> QSize:
        return QSize(420, 260)

    def minimumSizeHint(self) -> QSize:
        return QSize(220, 150)

    def _changed(self) -> None:
        text = self.summary_text()
        self.setToolTip(text)
        self.setAccessibleName(self._title or _("Chart"))
        self.setAccessibleDescription(text)
        self.update()

    def _ranges(self) -> tuple[float, float, float, float] | None:
        xs = [x for s in self._series for x, _y in s.points]
        ys = [y for s in self._series for _x, y in s.points if y is not None]
        if not xs or not ys:
            return None
        if self._x_range is not None:
            x0, x1 = self._x_range
        else:  # a little room so end markers do not sit on the axis
            x0, x1 = min(xs), max(xs)
            pad = max(0.3, (x1 - x0) * 0.04)
            x0, x1 = x0 - pad, x1 + pad
        if x1 <= x0:
            x0, x1 = x0 - 1, x1 + 1
        if self._y_range is not None:
            y0, y1 = self._y_range
        else:
            y0, y1 = min(0.0, min(ys)), max(ys)
            if y1 <= y0:
                y1 = y0 + 1
            ticks = nice_ticks(y0, y1)
            y0, y1 = min(y0, ticks[0]), max(y1, ticks[-1])
        return x0, x1, y0, y1

    def paint(self, p: QPainter, area: QRectF) -> None:
        """Draw the whole chart into ``area`` (also usable for printing or images)."""
        pal = self.palette()
        text_colour = pal.color(pal.ColorRole.WindowText)
        p.fillRect(area, pal.color(pal.ColorRole.Base))
        font = QFont(self.font())
        fm = QFontMetrics(font)
        line_h = fm.height()
        pad = 8.0

        top = area.top() + pad
        if self._title:
            bold = QFont(font)
            bold.setBold(True)
            p.setFont(bold)
            p.setPen(text_colour)
            p.drawText(
                QRectF(area.left() + pad, top, area.width() - 2 * pad, line_h),
                Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                self._title,
            )
            top += line_h + 4
        p.setFont(font)

        # Legend: one row of entries under the title, wrapping when needed.
        legend_items = [(i, s.name) for i, s in enumerate(self._series)]
        x = area.left() + pad
        legend_top = top
        sample_w = 34.0
        for i, name in legend_items:
            w = sample_w + 6 + fm.horizontalAdvance(name) + 16
            if x + w > area.right() - pad and x > area.left() + pad:
                x = area.left() + pad
                legend_top += line_h + 2
            y_mid = legend_top + line_h / 2
            self._draw_sample(p, i, QPointF(x, y_mid), QPointF(x + sample_w, y_mid))
            p.setPen(text_colour)
            p.drawText(QPointF(x + sample_w + 6, legend_top + fm.ascent()), name)
            x += w
        if legend_items:
            top = legend_top + line_h + 6

        ranges = self._ranges()
        y_ticks = self._y_ticks
        if ranges is not None and y_ticks is None:
            y_ticks = [(v, _fmt(v)) for v in nice_ticks(ranges[2], ranges[3])]
        tick_w = max((fm.horizontalAdvance(t) for _v, t in (y_ticks or [])), default=0)
        left = area.left() + pad + tick_w + 6 + (line_h + 4 if self._y_label else 0)
        bottom = area.bottom() - pad - line_h - 4 - (line_h + 2 if self._x_label else 0)
        right = area.right() - pad - 6
        plot = QRectF(QPointF(left, top), QPointF(right, bottom))

        axis_pen = QPen(text_colour, 1)
        p.setPen(axis_pen)
        if self._y_label:
            p.save()
            p.translate(area.left() + pad + line_h / 2, plot.center().y())
            p.rotate(-90)
            p.drawText(
                QRectF(-plot.height() / 2, -line_h / 2, plot.height(), line_h),
                Qt.AlignmentFlag.AlignCenter,
                self._y_label,
            )
            p.restore()
        if self._x_label:
            p.drawText(
                QRectF(plot.left(), area.bottom() - pad - line_h, plot.width(), line_h),
                Qt.AlignmentFlag.AlignCenter,
                self._x_label,
            )
        if plot.width() < 20 or plot.height() < 20:
            return
        p.drawLine(plot.bottomLeft(), plot.bottomRight())
        p.drawLine(plot.bottomLeft(), plot.topLeft())
        if ranges is None:
            p.drawText(plot, Qt.AlignmentFlag.AlignCenter, self._empty_text)
            return
        x0, x1, y0, y1 = ranges

        def to_px(xv: float, yv: float) -> QPointF:
            return QPointF(
                plot.left() + (xv - x0) / (x1 - x0) * plot.width(),
                plot.bottom() - (yv - y0) / (y1 - y0) * plot.height(),
            )

        grid_pen = QPen(QColor(text_colour.red(), text_colour.green(), text_colour.blue(), 40))
        grid_pen.setStyle(Qt.PenStyle.DotLine)
        for value, label in y_ticks or []:
            if not y0 - 1e-9 <= value <= y1 + 1e-9:
                continue
            pt = to_px(x0, value)
            p.setPen(grid_pen)
            p.drawLine(QPointF(plot.left(), pt.y()), QPointF(plot.right(), pt.y()))
            p.setPen(axis_pen)
            p.drawLine(QPointF(plot.left() - 4, pt.y()), QPointF(plot.left(), pt.y()))
            p.drawText(
                QRectF(plot.left() - 6 - tick_w, pt.y() - line_h / 2, tick_w, line_h),
                Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                label,
            )
        x_ticks = self._x_ticks
        if x_ticks is None:
            span = x1 - x0
            step = max(1, math.ceil(span / max(1, plot.width() / 40)))
            x_ticks = [(float(v), _fmt(v)) for v in range(math.ceil(x0), math.floor(x1) + 1, step)]
        last_right = -1e9
        for value, label in x_ticks:
            if not x0 - 1e-9 <= value <= x1 + 1e-9:
                continue
            pt = to_px(value, y0)
            p.drawLine(QPointF(pt.x(), plot.bottom()), QPointF(pt.x(), plot.bottom() + 4))
            w = fm.horizontalAdvance(label)
            if pt.x() - w / 2 > last_right + 4:  # skip labels that would overlap
                p.drawText(QPointF(pt.x() - w / 2, plot.bottom() + 4 + fm.ascent()), label)
                last_right = pt.x() + w / 2

        p.save()
        p.setClipRect(plot.adjusted(-6, -6, 6, 6))
        for i, s in enumerate(self._series):
            marker, dash, colour = self.style_of(i)
            pen = QPen(colour, 2)
            pen.setStyle(dash)
            path = QPainterPath()
            started = False
            for xv, yv in sorted(s.points, key=lambda pt: pt[0]):
                if yv is None:
                    started = False
                    continue
                pt = to_px(xv, yv)
                if started:
                    path.lineTo(pt)
                else:
                    path.moveTo(pt)
                    started = True
            p.setPen(pen)
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.drawPath(path)
            for xv, yv in s.points:
                if yv is not None:
                    self._draw_marker(p, marker, to_px(xv, yv), colour, s.filled)
        p.restore()

    def _draw_sample(self, p: QPainter, index: int, a: QPointF, b: QPointF) -> None:
        marker, dash, colour = self.style_of(index)
        pen = QPen(colour, 2)
        pen.setStyle(dash)
        p.setPen(pen)
        p.drawLine(a, b)
        self._draw_marker(p, marker, (a + b) / 2, colour, self._series[index].filled)

    @staticmethod
    def _draw_marker(p: QPainter, marker: str, c: QPointF, colour: QColor, filled: bool) -> None:
        r = 4.0
        p.setPen(QPen(colour, 1.5))
        p.setBrush(colour if filled else style.color("base"))
        if marker == "circle":
            p.drawEllipse(c, r, r)
        elif marker == "square":
            p.drawRect(QRectF(c.x() - r, c.y() - r, 2 * r, 2 * r))
        elif marker == "triangle":
            p.drawPolygon(
                QPolygonF(
                    [
                        QPointF(c.x(), c.y() - r - 1),
                        QPointF(c.x() - r - 1, c.y() + r),
                        QPointF(c.x() + r + 1, c.y() + r),
                    ]
                )
            )
        elif marker == "diamond":
            p.drawPolygon(
                QPolygonF(
                    [
                        QPointF(c.x(), c.y() - r - 1),
                        QPointF(c.x() + r + 1, c.y()),
                        QPointF(c.x(), c.y() + r + 1),
                        QPointF(c.x() - r - 1, c.y()),
                    ]
                )
            )
        elif marker == "cross":
            p.setPen(QPen(colour, 2))
            p.drawLine(QPointF(c.x() - r, c.y() - r), QPointF(c.x() + r, c.y() + r))
            p.drawLine(QPointF(c.x() - r, c.y() + r), QPointF(c.x() + r, c.y() - r))
        else:  # plus
            p.setPen(QPen(colour, 2))
            p.drawLine(QPointF(c.x() - r - 1, c.y()), QPointF(c.x() + r + 1, c.y()))
            p.drawLine(QPointF(c.x(), c.y() - r - 1), QPointF(c.x(), c.y() + r + 1))
