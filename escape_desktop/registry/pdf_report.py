"""The registry report as a PDF (ReportLab, the house styles of export/pdf_style), from typed data."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from reportlab.graphics.shapes import Circle, Drawing, Line, String
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import CondPageBreak, KeepTogether, Paragraph, Spacer

from escape_desktop.export.pdf_style import (
    DARK,
    FONT,
    INK,
    LIGHT,
    MID,
    PORTRAIT,
    Styles,
    build,
    document,
    esc,
    heading,
    table,
    write_atomically,
)
from escape_desktop.programme.rounding import format_number

from .figures import Fraction, GroupFigures, ReportData

ROWS_PER_CHART = 40


def _pct(f: Fraction | None, *, n: bool = True) -> str:
    if f is None:
        return "no threshold"
    if f.percent is None:
        return "–"
    text = f"{f.percent_text()} %"
    return f"{text} ({f.numerator}/{f.denominator})" if n else text


def _ci(f: Fraction) -> str:
    ci = f.interval
    return "" if ci is None else f"{format_number(ci[0])}–{format_number(ci[1])}"


def _fit(text: str, width: float, size: float) -> str:
    from reportlab.pdfbase.pdfmetrics import stringWidth

    if stringWidth(text, FONT, size) <= width:
        return text
    while text and stringWidth(text + "…", FONT, size) > width:
        text = text[:-1]
    return text + "…"


def ranked_chart(
    groups: Sequence[GroupFigures],
    value: Callable[[GroupFigures], Fraction],
    overall: Fraction,
    width: float,
) -> Drawing:
    """Sites ranked by a proportion, each a dot with its 95 % Wilson interval as a line."""
    row_h, top, bottom, label_w, right_w = 13.0, 6.0, 22.0, 190.0, 58.0
    height = top + bottom + row_h * len(groups)
    d = Drawing(width, height)
    x0, x1 = label_w, width - right_w

    def x(pct: float) -> float:
        return x0 + (x1 - x0) * pct / 100.0

    for tick in (0, 25, 50, 75, 100):
        d.add(Line(x(tick), bottom, x(tick), height - top, strokeColor=LIGHT, strokeWidth=0.5))
        d.add(
            String(
                x(tick),
                bottom - 10,
                f"{tick} %",
                fontName=FONT,
                fontSize=7,
                textAnchor="middle",
                fillColor=DARK,
            )
        )
    if overall.percent is not None:
        d.add(
            Line(
                x(overall.percent),
                bottom,
                x(overall.percent),
                height - top,
                strokeColor=MID,
                strokeWidth=1,
                strokeDashArray=[3, 2],
            )
        )
        d.add(
            String(
                x(overall.percent),
                2,
                f"all sites {overall.percent_text()} %",
                fontName=FONT,
                fontSize=7,
                textAnchor="middle",
                fillColor=DARK,
            )
        )
    for i, g in enumerate(groups):
        f = value(g)
        y = height - top - row_h * (i + 0.5)
        d.add(
            String(
                2,
                y - 3,
                _fit(f"{g.code}  {g.name}", label_w - 8, 8),
                fontName=FONT,
                fontSize=8,
                fillColor=INK,
            )
        )
        if f.percent is None:
            d.add(
                String(x0 + 2, y - 3, "no one to count", fontName=FONT, fontSize=7, fillColor=DARK)
            )
            continue
        lo, hi = f.interval  # type: ignore[misc]
        d.add(Line(x(lo), y, x(hi), y, strokeColor=INK, strokeWidth=1.2))
        d.add(Line(x(lo), y - 3, x(lo), y + 3, strokeColor=INK, strokeWidth=1))
        d.add(Line(x(hi), y - 3, x(hi), y + 3, strokeColor=INK, strokeWidth=1))
        d.add(Circle(x(f.percent), y, 2.6, fillColor=INK, strokeColor=INK))
        d.add(
            String(
                x1 + 6,
                y - 3,
                f"{f.percent_text()} % of {f.denominator}",
                fontName=FONT,
                fontSize=7,
                fillColor=INK,
            )
        )
    return d


def _ranked(
    groups: Sequence[GroupFigures], value: Callable[[GroupFigures], Fraction]
) -> list[GroupFigures]:
    return sorted(
        groups,
        key=lambda g: (
            value(g).percent is None,
            -(value(g).percent or 0),
            -value(g).denominator,
            g.code,
        ),
    )


# The house header style, a point smaller so "Completed" fits a number column unbroken.
HEAD_SMALL = ParagraphStyle("registry_head", parent=Styles.head, fontSize=8, leading=9.5)


def _site_cell(g: GroupFigures, overall: GroupFigures) -> Paragraph:
    if g is overall:
        return Paragraph(f"{esc(g.name)}<br/>{g.courses} courses", Styles.cell_bold)
    return Paragraph(f"{esc(g.name)} ({esc(g.code)})<br/>{g.courses} courses", Styles.cell)


def _summary_table(data: ReportData, width: float) -> list:
    head = [
        "Site",
        "Referred",
        "Enrolled",
        "Started",
        "Completed",
        "Completion rate",
        "95 % CI",
        "Start and end measures",
    ]
    rows: list[list] = [[Paragraph(esc(h), HEAD_SMALL) for h in head]]
    for g in list(data.sites) + [data.overall]:
        rows.append(
            [
                _site_cell(g, data.overall),
                g.referred,
                g.enrolled,
                g.started,
                g.completed,
                _pct(g.completion),
                _ci(g.completion),
                _pct(g.completeness),
            ]
        )
    widths = [w * width / 510 for w in (120, 50, 50, 50, 56, 70, 48, 66)]
    return [table(rows, widths, extra=[("ALIGN", (1, 1), (-1, -1), "RIGHT")])]


def _headline_table(data: ReportData, width: float) -> list:
    labels = [h.label for h in data.overall.headlines]
    head = ["Site"] + [f"{lab}: any / meaningful" for lab in labels]
    rows: list[list] = [[Paragraph(esc(h), HEAD_SMALL) for h in head]]
    for g in list(data.sites) + [data.overall]:
        cells: list = [_site_cell(g, data.overall)]
        for h in g.headlines:
            cells.append(
                Paragraph(esc(f"{_pct(h.improved)} / {_pct(h.meaningful, n=False)}"), Styles.cell)
            )
        rows.append(cells)
    widths = [0.25 * width] + [0.25 * width] * len(labels)
    return [table(rows, widths)]


def _improved_on(index: int) -> Callable[[GroupFigures], Fraction]:
    return lambda g: g.headlines[index].improved


def _charts(data: ReportData, width: float) -> list:
    out: list = []
    specs: list[tuple[str, Callable[[GroupFigures], Fraction], Fraction]] = [
        ("Completion rate (finished courses)", lambda g: g.completion, data.overall.completion)
    ]
    for i, h in enumerate(data.overall.headlines):
        specs.append((f"{h.label} (any improvement)", _improved_on(i), h.improved))
    for title, value, overall in specs:
        ranked = _ranked(data.sites, value)
        for start in range(0, max(len(ranked), 1), ROWS_PER_CHART):
            part = ranked[start : start + ROWS_PER_CHART]
            suffix = (
                f" (sites {start + 1}–{start + len(part)})" if len(ranked) > ROWS_PER_CHART else ""
            )
            out.append(CondPageBreak(60 * mm))
            out.append(
                KeepTogether(
                    [
                        Paragraph(esc(title + suffix), Styles.h2),
                        ranked_chart(part, value, overall, width),
                    ]
                )
            )
    return out


def _notes(data: ReportData) -> list:
    lines = [
        "Referred: everyone on the sites' course lists, including people left out of the upload "
        "(did not agree to share, or not asked yet). Enrolled: people in the uploads. Started: "
        "everyone but those who did not start. Completed: attended at least 75 % of the sessions "
        "held, counted on finished courses only (on a running course it is not yet final).",
        "Completion rate: completers of those who started, on finished courses only. Start and end "
        "measures: starters with both values on every headline measure of their programme.",
        "Headline proportions: of people with a start and an end value on their programme's measure "
        "for that domain; 'any' counts any improvement, 'meaningful' a gain at least the measure's "
        "threshold. Intervals are 95 % Wilson score intervals; the dashed line is all sites together.",
    ]
    for r in data.rules:
        if r.threshold is None:
            lines.append(
                f"{r.name}: no meaningful-change threshold is set, so only 'any' is given."
            )
        else:
            lines.append(
                f"{r.name}: meaningful change {r.threshold:g} points or more (threshold from the {r.threshold_source})."
            )
    lines.extend(data.notes)
    return [Paragraph(esc(t), Styles.note) for t in lines]


def render_registry_report(data: ReportData, path: Path | str) -> int:
    """Write the report to ``path`` (atomically); returns the number of pages."""

    def write(tmp: Path) -> int:
        doc = document(tmp, PORTRAIT, title=data.title, subject="Registry report")
        width = doc.width
        people = data.overall.enrolled
        story: list = heading(
            data.title,
            f"Per site and overall, {data.period}",
            [
                ("Sites", str(len(data.sites))),
                ("People in the uploads", str(people)),
                ("Uploads loaded", str(data.batches)),
                ("Made on", data.made_on),
            ],
        )
        story.append(Paragraph("Funnel, completion and data completeness", Styles.h2))
        story.extend(_summary_table(data, width))
        story.append(Spacer(1, 4 * mm))
        story.append(Paragraph("Headline proportions", Styles.h2))
        story.extend(_headline_table(data, width))
        story.extend(_charts(data, width))
        story.append(CondPageBreak(40 * mm))
        story.append(Paragraph("How the figures are made", Styles.h2))
        story.extend(_notes(data))
        return build(doc, story, footer=f"{data.title} · {data.period}")

    return int(write_atomically(path, write))
