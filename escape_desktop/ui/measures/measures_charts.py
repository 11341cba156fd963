"""Charts of the Measures section: one small chart per measure for a person, and the class's headline bars."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QBrush, QFont, QFontMetrics, QPainter, QPen
from PySide6.QtWidgets import QGridLayout, QLabel, QSizePolicy, QWidget

from escape_desktop.i18n import N_, _
from escape_desktop.services.measures import (
    InstrumentResult,
    InstrumentSummary,
    Proportion,
    ratio_text,
)
from escape_desktop.ui.common import style
from escape_desktop.ui.common.charts import LineChart, PaintedChart, Series
from escape_desktop.ui.measures import measure_words

TICKS = [(0.0, N_("Start")), (1.0, N_("End")), (2.0, N_("Follow-up"))]


class PersonChart(QWidget):
    """One small line chart per measure: this person at start, end and follow-up, beside the class mean."""

    COLUMNS = 3

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._grid = QGridLayout(self)
        self._grid.setContentsMargins(0, 0, 0, 0)
        self._grid.setSpacing(6)
        self.charts: list[LineChart] = []
        self._empty = QLabel(_("Choose a person to see their charts."))
        self._empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._grid.addWidget(self._empty, 0, 0)

    def set_results(
        self,
        results: Sequence[InstrumentResult],
        class_means: dict[str, InstrumentSummary] | None = None,
    ) -> None:
        for chart in self.charts:
            self._grid.removeWidget(chart)
            chart.deleteLater()
        self.charts = []
        shown = [
            r
            for r in results
            if r.start is not None or r.end is not None or r.follow_up is not None
        ]
        self._empty.setVisible(not shown)
        if not results:
            self._empty.setText(_("Choose a person to see their charts."))
        elif not shown:
            self._empty.setText(_("No measures entered for this person yet."))
        for i, r in enumerate(shown):
            better = (
                _("Higher is better") if r.direction == "higher_better" else _("Lower is better")
            )
            chart = LineChart(self, title=measure_words.name(r.name), x_label=better)
            has_fu = r.follow_up is not None
            points = [(0.0, r.start), (1.0, r.end)] + ([(2.0, r.follow_up)] if has_fu else [])
            series = [Series(_("This person"), points, marker="circle", dash=Qt.PenStyle.SolidLine)]
            mean = (class_means or {}).get(r.instrument_key)
            if mean is not None and mean.n_both:
                series.append(
                    Series(
                        _("Class mean (n={n})").format(n=mean.n_both),
                        [(0.0, mean.mean_start), (1.0, mean.mean_end)],
                        marker="square",
                        dash=Qt.PenStyle.DashLine,
                        filled=False,
                    )
                )
            chart.set_series(series)
            chart.set_y_range(r.minimum, r.maximum)
            chart.set_x_range(-0.3, 2.3 if has_fu else 1.3)
            ticks = [(x, _(word)) for x, word in TICKS]
            chart.set_x_ticks(ticks if has_fu else ticks[:2])
            self._grid.addWidget(chart, i // self.COLUMNS, i % self.COLUMNS)
            self.charts.append(chart)


class ProportionBars(PaintedChart):
    """The three headline figures as horizontal bars with the count written on each."""

    BAR_H = 26

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._rows: list[Proportion] = []
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)

    def set_proportions(self, rows: Sequence[Proportion]) -> None:
        self._rows = list(rows)
        text = "; ".join(f"{p.label}: {_count_text(p)}" for p in self._rows)
        self.setToolTip(text)
        self.setAccessibleName(_("Class outcomes"))
        self.setAccessibleDescription(text)
        self.updateGeometry()
        self.update()

    def sizeHint(self) -> QSize:
        return QSize(520, self._height())

    def minimumSizeHint(self) -> QSize:
        return QSize(320, self._height())

    def _height(self) -> int:
        line = QFontMetrics(self.font()).height()
        return max(1, len(self._rows)) * (line + 4 + self.BAR_H + 18) + 8

    def paint(self, p: QPainter, area: QRectF) -> None:
        pal = self.palette()
        text_colour = pal.color(pal.ColorRole.WindowText)
        font = QFont(self.font())
        p.setFont(font)
        fm = QFontMetrics(font)
        y = area.top() + 4
        width = area.width() - 8
        for row in self._rows:
            names = ", ".join(measure_words.name(n) for n in row.instrument_names)
            label = (
                _("{outcome}: measured by {measures}").format(outcome=row.label, measures=names)
                if names
                else _("{outcome}: no measure set").format(outcome=row.label)
            )
            p.setPen(text_colour)
            p.drawText(
                QRectF(area.left() + 4, y, width, fm.height() + 2),
                Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                fm.elidedText(label, Qt.TextElideMode.ElideRight, int(width)),
            )
            y += fm.height() + 4
            bar = QRectF(area.left() + 4, y, width, self.BAR_H)
            p.setPen(QPen(style.color("chart_frame"), 1))
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.drawRect(bar)
            percent = row.percent
            if percent is not None and percent > 0:
                filled = QRectF(bar.left(), bar.top(), bar.width() * percent / 100.0, bar.height())
                p.setPen(Qt.PenStyle.NoPen)
                p.setBrush(style.color("chart_bar"))
                p.drawRect(filled)
                # Hatched on top: the bar still reads on a grey printout.
                p.setBrush(QBrush(style.color("chart_hatch"), Qt.BrushStyle.BDiagPattern))
                p.drawRect(filled)
            text = _count_text(row)
            p.setPen(text_colour)
            tw = fm.horizontalAdvance(text) + 8
            inside = percent is not None and bar.width() * percent / 100.0 > tw + 8
            if inside:
                box = QRectF(bar.left() + 4, bar.top() + 3, tw, bar.height() - 6)
                p.setBrush(style.color("chart_label"))
                p.setPen(Qt.PenStyle.NoPen)
                p.drawRoundedRect(box, 3, 3)
                p.setPen(style.color("text"))
                p.drawText(box, Qt.AlignmentFlag.AlignCenter, text)
            else:
                left = bar.left() + (bar.width() * (percent or 0) / 100.0) + 6
                p.drawText(
                    QRectF(left, bar.top(), bar.right() - left, bar.height()),
                    Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                    text,
                )
            y += self.BAR_H + 18


def _count_text(p: Proportion) -> str:
    if not p.measured:
        return _("not measured on this programme")
    if not p.denominator:
        return _("nobody measured at start and end yet")
    improved = _("improved {ratio}").format(ratio=ratio_text(p.improved))
    worse = _("worse {ratio}").format(ratio=ratio_text(p.worse))
    if p.meaningful is None:
        return f"{improved}; {worse}"
    meaningful = _("meaningful {ratio}").format(ratio=ratio_text(p.meaningful))
    return f"{improved}; {meaningful}; {worse}"
