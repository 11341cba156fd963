"""Progress reports: a personal report for each participant who came, to take home.

Written for the participant: plain English first ("Your knee function score went from 34
to 26 ..."), clear print (12 pt body, 10 pt at least in charts), one chart style with a
labelled scale, the exercises with the home version of each, who to contact and what to do
next. Acronyms and thresholds are only in the small print. Every verdict ("better",
"about the same", "worse") comes decided from the services (programme.outcomes).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from reportlab.graphics.shapes import Circle, Drawing, Line, Rect, String
from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Flowable, KeepTogether, PageBreak, Paragraph, Spacer

from escape_desktop.programme.rounding import with_unit

from .pdf_data import CourseInfo, RegisterRow
from .pdf_style import (
    DARK,
    FAINT,
    FONT,
    FONT_BOLD,
    INK,
    MARGIN,
    MID,
    PORTRAIT,
    build,
    document,
    esc,
    fit_name,
    long_date,
    make_style,
    number,
    table,
)

BODY_PT = 12
CHART_PT = 10

body = make_style("pr_body", fontSize=BODY_PT, leading=16)
body_bold = make_style("pr_body_bold", fontName=FONT_BOLD, fontSize=BODY_PT, leading=16)
h1 = make_style("pr_h1", fontName=FONT_BOLD, fontSize=20, leading=25)
# keepWithNext: a heading left alone at the foot of a page reads as a section with nothing in it
h2 = make_style(
    "pr_h2",
    fontName=FONT_BOLD,
    fontSize=15,
    leading=19,
    spaceBefore=10,
    spaceAfter=4,
    keepWithNext=1,
)
body_next = make_style("pr_body_next", fontSize=BODY_PT, leading=16, keepWithNext=1)
cell = make_style("pr_cell", fontSize=BODY_PT, leading=15)
cell_head = make_style("pr_cell_head", fontName=FONT_BOLD, fontSize=BODY_PT, leading=15)
small = make_style("pr_small", fontSize=10, leading=12.5, textColor=DARK)
START_COLOUR = colors.Color(0.62, 0.62, 0.62)
END_COLOUR = colors.Color(0.05, 0.30, 0.55)


@dataclass(frozen=True)
class MeasureLine:
    """One measure, with its plain-English name and the verdict decided by the services."""

    name: str  # the instrument's own name (small print)
    plain: str  # "knee function score"
    unit: str  # counted unit for the sentence ("stands"), empty for a score
    start: float | None
    end: float | None
    decimals: int
    minimum: float
    maximum: float
    direction: str
    verdict: str = ""  # "better" / "about the same" / "worse"; empty without both values
    phrase: str = ""  # "better by more than the usual meaningful change"
    threshold: str = ""  # small print: "meaningful change: 2.2 points (source)"
    follow_up: float | None = None
    # A test done at home over video, and whether the class's figures leave it out (the
    # services decide: programme.measure_taken); printed after the sentence.
    where: str = ""


@dataclass(frozen=True)
class StationLine:
    """One exercise from the person's first session at it to their last."""

    name: str
    unit: str
    first_level: int  # 0-based
    first_dose: float | None
    last_level: int
    last_dose: float | None
    sessions: int

    @property
    def first(self) -> str:
        return f"Level {self.first_level + 1}, {_dose(self.first_dose, self.unit)}"

    @property
    def last(self) -> str:
        return f"Level {self.last_level + 1}, {_dose(self.last_dose, self.unit)}"

    @property
    def moved(self) -> int:
        return self.last_level - self.first_level


@dataclass(frozen=True)
class HomeLine:
    station: str
    level: str
    description: str  # how to do it (the home version when the library has one)
    dose: str


@dataclass(frozen=True)
class ReportSite:
    """What the site prints on every report (Settings)."""

    site_name: str = ""
    contact: str = ""
    what_next: str = ""


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
    return with_unit(text, unit)


def sentence(m: MeasureLine) -> str:
    """'Your knee function score went from 34 to 26 — lower is better, so this is ...'."""
    text = _first_sentence(m)
    if m.follow_up is not None:
        text += f" At the follow-up it was {with_unit(number(m.follow_up, m.decimals), m.unit)}."
    if m.where:
        text += f" {m.where}"
    return text


def _first_sentence(m: MeasureLine) -> str:
    better = "higher" if m.direction == "higher_better" else "lower"

    def value(x: float | None) -> str:  # "1 day", "3 days", "26" (one helper for every count)
        return with_unit(number(x, m.decimals), m.unit)

    if (
        m.start is not None
        and m.end is not None
        and number(m.start, m.decimals) == number(m.end, m.decimals)
    ):
        return f"Your {m.plain} stayed at {value(m.start)}: about the same."
    if m.start is not None and m.end is not None:
        return (
            f"Your {m.plain} went from {number(m.start, m.decimals)} to "
            f"{value(m.end)} — {better} is better, so this is {m.phrase}."
        )
    if m.start is not None:
        return f"Your {m.plain} was {value(m.start)} at the start."
    return f"Your {m.plain} was {value(m.end)} at the end."


def got_worse_words(
    worse: Sequence[MeasureLine], every: Sequence[MeasureLine], site: ReportSite
) -> str:
    """Kind words for someone whose scores went the wrong way, and who to talk to."""
    which = ", ".join(m.plain for m in worse)
    if len(worse) == len(every):
        start = f"Your scores this time ({which}) are not where you hoped."
    else:
        start = f"Some of your scores ({which}) went the wrong way this time."
    contact = site.contact.strip() or "Ask your instructor for the best way to get in touch."
    return (
        f"{start} That is common and not your fault: joint pain goes up and down, and one "
        "day's score can be off. Coming to the classes and keeping active still does your "
        "joints good, and many people notice the difference later on. Keep going with your "
        "home exercises at a level that feels manageable. If you are worried, or your pain "
        f"keeps getting worse, please talk to us: {contact}"
    )


def scale_chart(m: MeasureLine, width: float) -> Drawing:
    """The one chart style: the measure's scale with labelled ends, a start and an end mark."""
    height = 44
    d = Drawing(width, height)
    left, right = 8, width - 8
    y = 24
    span = (m.maximum - m.minimum) or 1.0

    def x_of(v: float) -> float:
        return left + (min(max(v, m.minimum), m.maximum) - m.minimum) / span * (right - left)

    d.add(Rect(left, y - 3, right - left, 6, fillColor=FAINT, strokeColor=MID, strokeWidth=0.5))
    for v in (m.minimum, (m.minimum + m.maximum) / 2, m.maximum):
        x = x_of(v)
        d.add(Line(x, y - 6, x, y + 6, strokeColor=MID, strokeWidth=0.6))
        d.add(
            String(
                x,
                2,
                number(v, m.decimals if v != int(v) else 0),
                fontName=FONT,
                fontSize=CHART_PT,
                textAnchor="middle",
                fillColor=DARK,
            )
        )
    worse_end = "worse" if m.direction == "higher_better" else "better"
    better_end = "better" if m.direction == "higher_better" else "worse"
    d.add(String(left + 22, 2, f"({worse_end})", fontName=FONT, fontSize=CHART_PT, fillColor=DARK))
    d.add(
        String(
            right - 22,
            2,
            f"({better_end})",
            fontName=FONT,
            fontSize=CHART_PT,
            textAnchor="end",
            fillColor=DARK,
        )
    )
    marks = []
    if m.start is not None:
        marks.append((m.start, START_COLOUR, "Start"))
    if m.end is not None:
        marks.append((m.end, END_COLOUR, "End"))
    for v, colour, _ in marks:
        d.add(Circle(x_of(v), y, 5, fillColor=colour, strokeColor=INK, strokeWidth=0.6))
    labels: list[tuple[float, str, str]] = []  # x, text, anchor
    if len(marks) == 2 and number(marks[0][0], m.decimals) == number(marks[1][0], m.decimals):
        labels.append(
            (x_of(marks[0][0]), f"Start and end {number(marks[0][0], m.decimals)}", "middle")
        )
    elif len(marks) == 2:
        # the lower mark's label runs left, the higher one's right: they never overlap
        lo, hi = sorted(marks, key=lambda t: t[0])
        labels.append((x_of(lo[0]) - 3, f"{lo[2]} {number(lo[0], m.decimals)}", "end"))
        labels.append((x_of(hi[0]) + 3, f"{hi[2]} {number(hi[0], m.decimals)}", "start"))
    else:
        for v, _, label in marks:
            labels.append((x_of(v), f"{label} {number(v, m.decimals)}", "middle"))
    for x, text, anchor in labels:
        w = stringWidth(text, FONT_BOLD, CHART_PT)
        if anchor == "end":
            x = max(x, left + w)
        elif anchor == "start":
            x = min(x, right - w)
        else:
            x = min(max(x, left + w / 2), right - w / 2)
        d.add(String(x, y + 9, text, fontName=FONT_BOLD, fontSize=CHART_PT, textAnchor=anchor))
    return d


def _person_story(
    info: CourseInfo, p: PersonProgress, width: float, site: ReportSite, today: date
) -> list:
    size, lines = fit_name(p.row.name, width, size=20, floor=14, font=FONT_BOLD)
    title = make_style(f"pr_title_{size}", fontName=FONT_BOLD, fontSize=size, leading=size * 1.2)
    story: list = [Paragraph("<br/>".join(esc(x) for x in lines), title)]
    story.append(Paragraph("Your progress on " + esc(info.programme_title), body_bold))
    where = f" at {esc(info.venue)}" if info.venue else ""
    story.append(
        Paragraph(
            f"You came to {p.attended} of the {info.delivered()} sessions{where}"
            f" ({esc(info.dates_text())}).",
            body,
        )
    )

    story.append(Paragraph("How you have changed", h2))
    if p.measures:
        for m in p.measures:
            story.append(
                KeepTogether(
                    [Paragraph(esc(sentence(m)), body), scale_chart(m, width), Spacer(1, 6)]
                )
            )
    else:
        story.append(Paragraph("No start or end measures were recorded for you.", body))
    worse = [m for m in p.measures if m.verdict == "worse"]
    if worse:
        story.append(Spacer(1, 2))
        story.append(Paragraph(esc(got_worse_words(worse, p.measures, site)), body))

    story.append(Paragraph("Your exercises in class", h2))
    if p.stations:
        data = [[Paragraph(x, cell_head) for x in ("Exercise", "First time", "Last time")]]
        for s in p.stations:
            data.append(
                [
                    Paragraph(esc(s.name), cell),
                    Paragraph(esc(s.first), cell),
                    Paragraph(esc(s.last), cell),
                ]
            )
        story.append(table(data, [width - 2 * 150, 150, 150]))
    else:
        story.append(Paragraph("No exercises were recorded for you.", body))

    story.append(Paragraph("Keep going at home", h2))
    if p.home:
        story.append(
            Paragraph(
                "Do these two or three times a week. If an exercise leaves your pain much "
                "worse for more than a day, go back a level for a while, then build up again.",
                body_next,
            )
        )
        story.append(Spacer(1, 4))
        data = [[Paragraph(x, cell_head) for x in ("Exercise", "How to do it at home", "Aim for")]]
        for h in p.home:
            text = f"<b>{esc(h.level)}</b>"
            if h.description:
                text += f"<br/>{esc(h.description)}"
            data.append(
                [
                    Paragraph(esc(h.station), cell),
                    Paragraph(text, cell),
                    Paragraph(esc(h.dose), cell),
                ]
            )
        story.append(table(data, [125, width - 125 - 100, 100]))
    else:
        story.append(Paragraph("Your instructor will give you a home plan.", body))

    # "What next", who to contact and the small print travel together: a report never ends
    # on a page holding only the last few lines of a paragraph.
    closing: list = [Paragraph("What next", h2)]
    if site.what_next:
        closing.append(Paragraph(esc(site.what_next), body))
    staff = ", ".join(info.reg.instructors)
    contact = []
    if staff:
        contact.append(
            f"Your instructor{'s' if len(info.reg.instructors) > 1 else ''}: {esc(staff)}."
        )
    if site.site_name:
        contact.append(esc(site.site_name) + ".")
    if site.contact:
        contact.append(esc(site.contact))
    if contact:
        closing.append(Spacer(1, 4))
        closing.append(Paragraph(" ".join(contact), body))
    closing.append(Paragraph(f"Written on {esc(long_date(today))}.", body))

    if p.measures:
        closing.append(Spacer(1, 8))
        notes = ["<b>Small print.</b>"]
        for m in p.measures:
            line = f"{esc(m.plain[:1].upper() + m.plain[1:])}: {esc(m.name)}, "
            line += f"scale {number(m.minimum, 0)} to {number(m.maximum, 0)}"
            if m.threshold:
                line += f"; {esc(m.threshold)}"
            notes.append(line + ".")
        closing.append(Paragraph(" ".join(notes), small))
    story.append(KeepTogether(closing))
    return story


def render_progress(
    info: CourseInfo,
    people: list[PersonProgress],
    path: Path,
    site: ReportSite | None = None,
    today: date | None = None,
) -> int:
    """Each person's report from a new page; returns the page count."""
    doc = document(path, PORTRAIT, title=f"{info.code} progress reports", subject=info.title)
    width = PORTRAIT[0] - 2 * MARGIN
    site = site or ReportSite()
    story: list = []
    for i, p in enumerate(people):
        if i:
            story.append(PageBreak())
        story.append(_Whose(p.row.name))
        story += _person_story(info, p, width, site, today or info.today)

    def name_in_footer() -> None:
        # A stack of reports is handed out by name: a second page must say whose it is
        whose = getattr(doc.canv, "_escape_whose", "")
        if whose:
            doc.canv.saveState()
            doc.canv.setFont(FONT, 8)
            doc.canv.setFillColor(DARK)
            doc.canv.drawRightString(PORTRAIT[0] - MARGIN, 8 * mm, f"Report for {whose}")
            doc.canv.restoreState()

    doc.afterPage = name_in_footer
    return build(doc, story, footer=f"{info.code} · progress report", numbered=False)


class _Whose(Flowable):
    """Marks whose report the following pages are (takes no room); read by the footer."""

    def __init__(self, name: str):
        super().__init__()
        self.name = name

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        return 0, 0

    def draw(self) -> None:
        self.canv._escape_whose = self.name
