"""Class summary for commissioners (portrait A4): attendance, completion and class outcomes."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from reportlab.platypus import KeepTogether, Paragraph, Spacer, Table, TableStyle

from .pdf_charts import StartEnd, attendance_chart, proportion_bars, start_end_panels
from .pdf_data import CourseInfo
from .pdf_style import (
    FONT,
    FONT_BOLD,
    INK,
    LIGHT,
    MARGIN,
    PORTRAIT,
    Styles,
    build,
    document,
    esc,
    heading,
    make_style,
    para,
    table,
)

figure_num = make_style("figure_num", fontName=FONT_BOLD, fontSize=18, leading=22, alignment=1)
figure_label = make_style("figure_label", fontSize=9, leading=11, alignment=1)


@dataclass(frozen=True)
class SummaryBar:
    """One headline proportion: people better on a domain's measure, of those with both."""

    label: str
    percent: float | None
    numerator: int
    denominator: int
    instrument_names: tuple[str, ...]


@dataclass(frozen=True)
class SummaryMeasure:
    """One measure's class figures (means count only people with a start and an end value)."""

    instrument_key: str
    name: str
    unit: str
    direction: str
    decimals: int
    n_start: int
    n_end: int
    n_both: int
    mean_start: float | None
    mean_end: float | None
    mean_change: float | None
    n_improved: int
    n_reaching_mid: int | None  # None when the measure has no MID
    minimum: float  # the measure's scale, for the start/end panels
    maximum: float

    def fmt(self, value: float | None, *, signed: bool = False) -> str:
        """A mean as printed: one more decimal than the measure's own."""
        if value is None:
            return ""
        places = self.decimals + 1
        return f"{value:+.{places}f}" if signed else f"{value:.{places}f}"


@dataclass(frozen=True)
class SummaryData:
    """The class figures the summary prints, worked out by services/documents.py."""

    participants: int  # enrolled and not withdrawn
    withdrawn: int
    started: int
    completers: int
    completion_rate: float | None
    bars: tuple[SummaryBar, ...]
    measures: tuple[SummaryMeasure, ...]
    present: tuple[int | None, ...]  # per session, None when cancelled or not held yet
    numbers: tuple[int, ...]


def _figures(items: list[tuple[str, str]], width: float) -> Table:
    row1 = [Paragraph(esc(v), figure_num) for v, _ in items]
    row2 = [Paragraph(esc(label), figure_label) for _, label in items]
    t = Table([row1, row2], colWidths=[width / len(items)] * len(items))
    t.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), FONT, 9),
                ("BOX", (0, 0), (-1, -1), 1, INK),
                ("LINEAFTER", (0, 0), (-2, -1), 0.5, LIGHT),
                ("TOPPADDING", (0, 0), (-1, 0), 6),
                ("BOTTOMPADDING", (0, -1), (-1, -1), 6),
            ]
        )
    )
    return t


def render_summary(info: CourseInfo, data: SummaryData, path: Path) -> int:
    out = data
    doc = document(path, PORTRAIT, title=f"{info.code} class summary", subject=info.title)
    width = PORTRAIT[0] - 2 * MARGIN
    facts = [
        ("Programme", info.programme_title),
        ("Venue", info.venue),
        ("Dates", info.dates_text()),
        ("Staff", info.staff_text()),
    ]
    story = heading(f"Class summary — {info.code}", info.title, facts)

    rate = out.completion_rate
    held = info.delivered()
    story.append(
        _figures(
            [
                (str(out.participants + out.withdrawn), "people enrolled"),
                (str(out.started), "started"),
                (str(out.completers), "completed"),
                ("–" if rate is None else f"{rate:.0f}%", "completion rate"),
                (f"{held} of {info.planned}", "sessions held"),
            ],
            width,
        )
    )
    story.append(Spacer(1, 4))
    story.append(
        Paragraph(
            "Completed means attending at least 75% of the sessions held; the completion rate "
            f"counts those who started. Withdrawn: {out.withdrawn}.",
            Styles.note,
        )
    )

    story.append(Paragraph("Attendance at each session", Styles.h2))
    held_counts = [v for v in data.present if v is not None]
    people = max([out.participants + out.withdrawn] + held_counts)
    chart = attendance_chart(data.numbers, data.present, people, width, 108)
    note = "No sessions held yet."
    if held_counts:
        mean = sum(held_counts) / len(held_counts)
        note = (
            f"On average {mean:.1f} people came to each of the {len(held_counts)} sessions held."
            " A dash marks a session cancelled or not held yet."
        )
    story.append(KeepTogether([chart, Paragraph(note, Styles.note)]))

    story.append(Paragraph("Class outcomes", Styles.h2))
    bars = []
    used = []
    for p in out.bars:
        detail = f"{p.numerator} of {p.denominator}" if p.denominator else ""
        bars.append((p.label, p.percent, detail))
        if p.instrument_names:
            used.append(f"{p.label.lower()}: {', '.join(p.instrument_names)}")
    story.append(proportion_bars(bars, width))
    explain = "Share of people with a start and an end value who got better on the measure used"
    explain += f" ({'; '.join(used)})." if used else "."
    story.append(Paragraph(esc(explain), Styles.note))

    summaries = [s for s in out.measures if s.n_start or s.n_end]
    if summaries:
        story.append(Spacer(1, 6))
        rows = [
            [
                "Measure",
                para("Both taken", Styles.head_center),
                para("Mean start", Styles.head_center),
                para("Mean end", Styles.head_center),
                para("Mean change", Styles.head_center),
                para("Better", Styles.head_center),
                para("Clear gain*", Styles.head_center),
            ]
        ]
        for s in summaries:
            unit = f" ({s.unit})" if s.unit else ""
            rows.append(
                [
                    para(s.name + unit),
                    str(s.n_both),
                    s.fmt(s.mean_start),
                    s.fmt(s.mean_end),
                    s.fmt(s.mean_change, signed=True).replace("-", "−"),
                    str(s.n_improved),
                    "–" if s.n_reaching_mid is None else str(s.n_reaching_mid),
                ]
            )
        num_w = 56
        story.append(
            table(
                rows,
                [width - 6 * num_w] + [num_w] * 6,
                extra=[("ALIGN", (1, 1), (-1, -1), "CENTER")],
            )
        )
        story.append(Spacer(1, 3))
        story.append(
            Paragraph(
                "Means count only people with both values. *Clear gain: a change at least as big "
                "as the measure's minimal important difference, where one is defined.",
                Styles.note,
            )
        )
        panels = [
            StartEnd(
                s.name,
                s.mean_start,
                s.mean_end,
                s.minimum,
                s.maximum,
                s.decimals,
                "higher is better" if s.direction == "higher_better" else "lower is better",
            )
            for s in summaries
            if s.n_both
        ]
        if panels:
            block: list = [Paragraph("Mean start and end, people with both values", Styles.h2)]
            for i in range(0, len(panels), 6):
                block.append(start_end_panels(panels[i : i + 6], width, 92))
            story.append(KeepTogether(block))
    else:
        story.append(Paragraph("No start or end measures recorded yet.", Styles.note))
    return build(doc, story, footer=f"{info.code} class summary · printed {info.today:%d %b %Y}")


__all__ = ["SummaryBar", "SummaryData", "SummaryMeasure", "render_summary", "FONT"]
