"""Progress reports: one portrait page per participant, to take home.

Start and end measures with a small chart, each exercise from first to last session, and
the "continue at home" plan with the final levels.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from reportlab.platypus import KeepInFrame, PageBreak, Paragraph, Spacer

from .pdf_charts import StartEnd, start_end_panels
from .pdf_data import CourseInfo, RegisterRow
from .pdf_style import (
    MARGIN,
    PORTRAIT,
    Styles,
    build,
    document,
    esc,
    heading,
    para,
    table,
)


@dataclass(frozen=True)
class MeasureLine:
    name: str
    unit: str
    start: float | None
    end: float | None
    change: float | None
    improved: bool | None
    decimals: int
    minimum: float
    maximum: float
    direction: str
    follow_up: float | None = None


@dataclass(frozen=True)
class StationLine:
    """One exercise from the person's first session at it to their last."""

    name: str
    unit: str  # the dose's unit, e.g. "reps"; empty for a station gone from the library
    first_level: int  # 0-based
    first_dose: float | None
    last_level: int
    last_dose: float | None
    sessions: int

    @property
    def first(self) -> str:
        """'Level 1 · 8 reps'"""
        return f"Level {self.first_level + 1} · {_dose(self.first_dose, self.unit)}"

    @property
    def last(self) -> str:
        return f"Level {self.last_level + 1} · {_dose(self.last_dose, self.unit)}"

    @property
    def moved(self) -> int:
        """Levels gained (negative: stepped back)."""
        return self.last_level - self.first_level


@dataclass(frozen=True)
class HomeLine:
    station: str
    level: str
    description: str
    dose: str


@dataclass(frozen=True)
class PersonProgress:
    row: RegisterRow
    attended: int
    measures: tuple[MeasureLine, ...] = ()
    stations: tuple[StationLine, ...] = ()
    home: tuple[HomeLine, ...] = ()


def _dose(value: float | None, unit: str) -> str:
    if value is None:
        return ""
    text = str(int(value)) if float(value).is_integer() else f"{value:g}"
    return f"{text} {unit}".strip()


def _person_story(info: CourseInfo, p: PersonProgress, width: float) -> list:
    facts = [
        ("Course", f"{info.code}, {info.venue}" if info.venue else info.code),
        ("Dates", info.dates_text()),
        ("Sessions attended", f"{p.attended} of {info.delivered()}"),
    ]
    story = heading(f"Your progress: {p.row.name}", info.programme_title, facts)

    story.append(Paragraph("Start and end measures", Styles.h2))
    if p.measures:
        panels = [
            StartEnd(
                m.name,
                m.start,
                m.end,
                m.minimum,
                m.maximum,
                m.decimals,
                "higher is better" if m.direction == "higher_better" else "lower is better",
            )
            for m in p.measures
        ]
        for i in range(0, len(panels), 6):
            story.append(start_end_panels(panels[i : i + 6], width, 96))
            story.append(Spacer(1, 4))
        follow = any(m.follow_up is not None for m in p.measures)  # a column only when used
        data = [["Measure", "Start", "End", "Change", ""] + (["Follow-up"] if follow else [])]
        for m in p.measures:
            fmt = f"{{:.{m.decimals}f}}"
            change = (
                "" if m.change is None else ("+" if m.change > 0 else "") + fmt.format(m.change)
            )
            verdict = {True: "Better", False: "Not better", None: ""}[m.improved]
            unit = f" ({m.unit})" if m.unit else ""
            line = [
                para(m.name + unit),
                "" if m.start is None else fmt.format(m.start),
                "" if m.end is None else fmt.format(m.end),
                change.replace("-", "−"),
                verdict,
            ]
            if follow:
                line.append("" if m.follow_up is None else fmt.format(m.follow_up))
            data.append(line)
        columns = 6 if follow else 5
        story.append(
            table(
                data,
                [width - (columns - 1) * 62] + [62] * (columns - 1),
                extra=[("ALIGN", (1, 0), (3, -1), "CENTER"), ("ALIGN", (5, 0), (5, -1), "CENTER")],
            )
        )
    else:
        story.append(Paragraph("No start or end measures were recorded.", Styles.note))

    story.append(Paragraph("Your exercises", Styles.h2))
    if p.stations:
        data = [["Exercise", "First session", "Last session", "Sessions"]]
        for s in p.stations:
            data.append([para(s.name), s.first, s.last, str(s.sessions)])
        story.append(
            table(
                data,
                [width - 2 * 120 - 60, 120, 120, 60],
                extra=[("ALIGN", (3, 0), (3, -1), "CENTER")],
            )
        )
    else:
        story.append(Paragraph("No exercises were recorded.", Styles.note))

    story.append(Paragraph("Continue at home", Styles.h2))
    if p.home:
        data = [["Exercise", "Your level and how to do it", "Aim for"]]
        for h in p.home:
            text = f"<b>{esc(h.level)}</b>"
            if h.description:
                text += f"<br/>{esc(h.description)}"
            data.append([para(h.station), Paragraph(text, Styles.cell), para(h.dose)])
        story.append(table(data, [130, width - 130 - 95, 95]))
        story.append(Spacer(1, 4))
        story.append(
            Paragraph(
                "Try these two or three times a week. If an exercise leaves your pain much worse "
                "for more than a day, go back a level for a while, then build up again.",
                Styles.note,
            )
        )
    else:
        story.append(
            Paragraph("No home plan yet: it needs at least one exercise session.", Styles.note)
        )
    return story


def render_progress(info: CourseInfo, people: list[PersonProgress], path: Path) -> int:
    """One page per person (shrunk to fit if a long plan would spill); returns the page count."""
    doc = document(path, PORTRAIT, title=f"{info.code} progress reports", subject=info.title)
    width = PORTRAIT[0] - 2 * MARGIN
    height = doc.height
    story: list = []
    for i, p in enumerate(people):
        if i:
            story.append(PageBreak())
        story.append(KeepInFrame(width, height, _person_story(info, p, width), mode="shrink"))
    return build(doc, story, footer=f"{info.code} · progress report", numbered=False)
