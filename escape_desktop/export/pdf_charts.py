"""Small charts for the printed documents, readable in black and white.

Start values are light grey bars, end values are black bars, every bar carries its number,
so a photocopy still says everything.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.graphics.shapes import Drawing, Line, Rect, String
from reportlab.pdfbase.pdfmetrics import stringWidth

from escape_desktop.i18n import ENGLISH, Translator

from .pdf_style import DARK, FONT, FONT_BOLD, INK, LIGHT, MID, number, register_fonts


@dataclass(frozen=True)
class StartEnd:
    """One measure for the start/end chart."""

    name: str
    start: float | None
    end: float | None
    minimum: float
    maximum: float
    decimals: int = 0
    better: str = ""  # "higher is better" / "lower is better"


def _fit(text: str, font: str, size: float, width: float) -> str:
    from reportlab.pdfbase.pdfmetrics import stringWidth

    if stringWidth(text, font, size) <= width:
        return text
    while text and stringWidth(text + "…", font, size) > width:
        text = text[:-1]
    return text.rstrip() + "…"


def _wrapped(
    text: str, font: str, size: float, width: float, max_lines: int = 2
) -> tuple[list[str], float]:
    """A chart label on at most ``max_lines`` lines, never cut: smaller (to 7 pt) before it is cut.
    A word longer than the panel ('(cyhyrysgerbydol)') makes it smaller too, or it would run
    into the next panel's title."""
    from reportlab.lib.utils import simpleSplit
    from reportlab.pdfbase.pdfmetrics import stringWidth

    while True:
        lines = simpleSplit(text, font, size, width) or [""]
        fits = all(stringWidth(line, font, size) <= width for line in lines)
        if (len(lines) <= max_lines and fits) or size <= 7:
            break
        size -= 0.5
    if len(lines) > max_lines:
        lines = lines[: max_lines - 1] + [" ".join(lines[max_lines - 1 :])]
    return [_fit(line, font, size, width) for line in lines], size


def start_end_panels(
    items: Sequence[StartEnd], width: float, height: float = 120, tr: Translator = ENGLISH
) -> Drawing:
    """One small panel per measure: a grey start bar and a black end bar on the measure's scale."""
    register_fonts()
    d = Drawing(width, height)
    items = list(items)
    if not items:
        return d
    gap = 10
    panel = (width - gap * (len(items) - 1)) / len(items)
    title_pt = 9 if panel >= 100 else 8
    # Titles wrap onto a second line rather than being cut ("30-second chair stand"), a
    # third where a language's name is longer ("KOOS-PS (gweithrediad y pen-glin)").
    titles = [_wrapped(it.name, FONT_BOLD, title_pt, panel, max_lines=3) for it in items]
    extra = 9 * (max(len(lines) for lines, _ in titles) - 1)
    for i, it in enumerate(items):
        x0 = i * (panel + gap)
        lines, size = titles[i]
        for j, line in enumerate(lines):
            d.add(
                String(
                    x0 + panel / 2,
                    height - 10 - j * (size + 1),
                    line,
                    fontName=FONT_BOLD,
                    fontSize=size,
                    textAnchor="middle",
                    fillColor=INK,
                )
            )
        if it.better:
            d.add(
                String(
                    x0 + panel / 2,
                    height - 21 - extra,
                    _fit(it.better, FONT, 8, panel),
                    fontName=FONT,
                    fontSize=8,
                    textAnchor="middle",
                    fillColor=DARK,
                )
            )
        base_y, top_y = 16, height - 38 - extra
        span = (it.maximum - it.minimum) or 1.0
        d.add(Line(x0 + 4, base_y, x0 + panel - 4, base_y, strokeColor=INK, strokeWidth=0.8))
        bar_w = min(28.0, panel / 4)
        for j, (label, value, fill) in enumerate(
            ((tr._("Start"), it.start, LIGHT), (tr._("End"), it.end, INK))
        ):
            spread = max(bar_w + 10, panel * 0.45)
            cx = x0 + panel / 2 + (j - 0.5) * spread
            # "Start" and "End" side by side: smaller where a language's words are longer
            size = 8.0
            while size > 5 and stringWidth(label, FONT, size) > spread - 3:
                size -= 0.5
            d.add(
                String(
                    cx,
                    base_y - 11,
                    label,
                    fontName=FONT,
                    fontSize=size,
                    textAnchor="middle",
                    fillColor=DARK,
                )
            )
            if value is None:
                d.add(
                    String(
                        cx,
                        base_y + 4,
                        tr._("not taken"),
                        fontName=FONT,
                        fontSize=7,
                        textAnchor="middle",
                        fillColor=DARK,
                    )
                )
                continue
            frac = max(0.0, min(1.0, (value - it.minimum) / span))
            h = max(1.0, frac * (top_y - base_y))
            d.add(
                Rect(
                    cx - bar_w / 2,
                    base_y,
                    bar_w,
                    h,
                    fillColor=fill,
                    strokeColor=INK,
                    strokeWidth=0.6,
                )
            )
            d.add(
                String(
                    cx,
                    base_y + h + 3,
                    number(value, it.decimals),
                    fontName=FONT_BOLD,
                    fontSize=9 if panel >= 100 else 8,
                    textAnchor="middle",
                    fillColor=INK,
                )
            )
    return d


def attendance_chart(
    numbers: Sequence[int],
    present: Sequence[int | None],
    people: int,
    width: float,
    height: float = 130,
    tr: Translator = ENGLISH,
) -> Drawing:
    """People present at each session (None: cancelled or not held yet)."""
    register_fonts()
    d = Drawing(width, height)
    chart = VerticalBarChart()
    chart.x, chart.y = 30, 28
    chart.width, chart.height = width - 40, height - 40
    # A cancelled or future session has no bar and no "0" label: the dash below marks it.
    shown = list(present) if any(v is not None for v in present) else [0 for _ in present]
    chart.data = [shown]
    chart.categoryAxis.categoryNames = [str(n) for n in numbers]
    chart.categoryAxis.labels.fontName = FONT
    chart.categoryAxis.labels.fontSize = 9
    chart.valueAxis.labels.fontName = FONT
    chart.valueAxis.labels.fontSize = 9
    chart.valueAxis.valueMin = 0
    step = max(1, (people + 5) // 6)
    chart.valueAxis.valueMax = (people // step + 1) * step  # head-room for the bar labels
    chart.valueAxis.valueStep = step
    chart.valueAxis.gridStrokeColor = LIGHT
    chart.valueAxis.visibleGrid = True
    chart.bars[0].fillColor = MID
    chart.bars[0].strokeColor = INK
    chart.bars[0].strokeWidth = 0.5
    chart.barLabelFormat = "%d"
    chart.barLabels.fontName = FONT
    chart.barLabels.fontSize = 8
    chart.barLabels.nudge = 6
    d.add(chart)
    step = chart.width / max(1, len(numbers))
    for i, v in enumerate(present):
        if v is None:
            d.add(
                String(
                    chart.x + step * (i + 0.5),
                    chart.y + 4,
                    "–",
                    fontName=FONT,
                    fontSize=9,
                    textAnchor="middle",
                    fillColor=DARK,
                )
            )
    d.add(
        String(
            chart.x + chart.width / 2,
            4,
            tr._("Session"),
            fontName=FONT,
            fontSize=9,
            textAnchor="middle",
            fillColor=DARK,
        )
    )
    return d


def proportion_bars(
    items: Sequence[tuple[str, float | None, str]], width: float, tr: Translator = ENGLISH
) -> Drawing:
    """Horizontal 0–100% bars: (label, percent or None, detail such as '7 of 10')."""
    register_fonts()
    row_h = 22
    height = row_h * max(1, len(items)) + 6
    d = Drawing(width, height)
    label_w = min(190.0, width * 0.38)
    bar_w = width - label_w - 90
    for i, (label, pct, detail) in enumerate(items):
        y = height - (i + 1) * row_h
        lines, size = _wrapped(label, FONT, 9, label_w - 6)
        for j, line in enumerate(lines):
            d.add(
                String(
                    0,
                    y + 6 + (len(lines) - 1) * 5 - j * (size + 1),
                    line,
                    fontName=FONT,
                    fontSize=size,
                    fillColor=INK,
                )
            )
        d.add(Rect(label_w, y + 2, bar_w, 14, fillColor=None, strokeColor=INK, strokeWidth=0.6))
        if pct is not None:
            d.add(
                Rect(
                    label_w,
                    y + 2,
                    bar_w * max(0.0, min(100.0, pct)) / 100,
                    14,
                    fillColor=MID,
                    strokeColor=INK,
                    strokeWidth=0.6,
                )
            )
        text = f"{pct:.0f}%" if pct is not None else tr._("no data")
        d.add(
            String(label_w + bar_w + 6, y + 6, text, fontName=FONT_BOLD, fontSize=9, fillColor=INK)
        )
        if detail:
            d.add(
                String(
                    label_w + bar_w + 40, y + 6, detail, fontName=FONT, fontSize=8, fillColor=DARK
                )
            )
    return d
