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

from escape_desktop.i18n import ENGLISH, Translator, translator
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
    make_style,
    number,
    table,
)
from .pdf_words import DOSE_UNITS, course_dates, dose_words

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
    # A test done at home over video ("start", "end" or "both"), and whether the class's
    # figures leave it out (the services decide: programme.measure_taken); printed after
    # the sentence, in the reader's language.
    video_at: str = ""
    video_left_out: bool = False


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
        return self.first_text(ENGLISH)

    @property
    def last(self) -> str:
        return self.last_text(ENGLISH)

    def first_text(self, tr: Translator) -> str:
        return _level_dose(self.first_level, self.first_dose, self.unit, tr)

    def last_text(self, tr: Translator) -> str:
        return _level_dose(self.last_level, self.last_dose, self.unit, tr)

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
    language: str | None = None  # the person's own; None: the site's default (English)


def counted(text: str, unit: str, tr: Translator = ENGLISH) -> str:
    """A printed number with its counted unit in the reader's language, the plural form from
    the catalogue ("1 day", "3 days"; Welsh "un diwrnod", "tri diwrnod", "chwe diwrnod")."""
    whole = text.replace("−", "-")
    n = int(whole) if whole.lstrip("-").isdigit() else None
    if unit == "days":
        if n is None:  # "2.5 days": a fraction takes the language's general plural
            return tr._("{n} days (a part)").format(n=text)
        return tr.ngettext("{n} day", "{n} days", abs(n)).format(n=text)
    if unit == "stands":
        if n is None:
            return tr._("{n} stands (a part)").format(n=text)
        return tr.ngettext("{n} stand", "{n} stands", abs(n)).format(n=text)
    if unit in DOSE_UNITS:
        return tr._(DOSE_UNITS[unit]).format(n=text)
    return with_unit(text, unit)


def _level_dose(level: int, dose: float | None, unit: str, tr: Translator) -> str:
    text = tr._("Level {n}").format(n=level + 1)
    amount = _dose(dose, unit, tr)
    return tr._("{level}, {dose}").format(level=text, dose=amount) if amount else text


def _dose(value: float | None, unit: str, tr: Translator = ENGLISH) -> str:
    if value is None:
        return ""
    text = str(int(value)) if float(value).is_integer() else f"{value:g}"
    return counted(text, unit, tr)


def sentence(m: MeasureLine, tr: Translator = ENGLISH) -> str:
    """'Your knee function score went from 34 to 26 — lower is better, so this is ...'."""
    text = _first_sentence(m, tr)
    if m.follow_up is not None:
        text += " " + tr._("At the follow-up it was {value}.").format(
            value=counted(number(m.follow_up, m.decimals), m.unit, tr)
        )
    if m.video_at:
        text += (
            " "
            + {
                "both": tr._("You did this test at home over video at the start and at the end."),
                "start": tr._("You did this test at home over video at the start."),
                "end": tr._("You did this test at home over video at the end."),
            }[m.video_at]
        )
        if m.video_left_out:
            text += " " + tr._("It is not counted in the class's figures.")
    return text


def _first_sentence(m: MeasureLine, tr: Translator) -> str:
    _ = tr._

    def value(x: float | None) -> str:  # "1 day", "3 days", "26" (one helper for every count)
        return counted(number(x, m.decimals), m.unit, tr)

    if (
        m.start is not None
        and m.end is not None
        and number(m.start, m.decimals) == number(m.end, m.decimals)
    ):
        return _("Your {measure} stayed at {value}: about the same.").format(
            measure=m.plain, value=value(m.start)
        )
    if m.start is not None and m.end is not None:
        if m.direction == "higher_better":
            text = _(
                "Your {measure} went from {start} to {end} — higher is better, so this is {verdict}."
            )
        else:
            text = _(
                "Your {measure} went from {start} to {end} — lower is better, so this is {verdict}."
            )
        return text.format(
            measure=m.plain, start=number(m.start, m.decimals), end=value(m.end), verdict=m.phrase
        )
    if m.start is not None:
        return _("Your {measure} was {value} at the start.").format(
            measure=m.plain, value=value(m.start)
        )
    return _("Your {measure} was {value} at the end.").format(measure=m.plain, value=value(m.end))


def got_worse_words(
    worse: Sequence[MeasureLine],
    every: Sequence[MeasureLine],
    site: ReportSite,
    tr: Translator = ENGLISH,
) -> str:
    """Kind words for someone whose scores went the wrong way, and who to talk to."""
    _ = tr._
    which = ", ".join(m.plain for m in worse)
    if len(worse) == len(every):
        start = _("Your scores this time ({which}) are not where you hoped.").format(which=which)
    else:
        start = _("Some of your scores ({which}) went the wrong way this time.").format(which=which)
    # The site's own words print as typed; the shipped default is in the catalogue.
    contact = _(site.contact.strip()) if site.contact.strip() else ""
    contact = contact or _("Ask your instructor for the best way to get in touch.")
    return (
        start
        + " "
        + _(
            "That is common and not your fault: joint pain goes up and down, and one "
            "day's score can be off. Coming to the classes and keeping active still does your "
            "joints good, and many people notice the difference later on. Keep going with your "
            "home exercises at a level that feels manageable. If you are worried, or your pain "
            "keeps getting worse, please talk to us: {contact}"
        ).format(contact=contact)
    )


def scale_chart(m: MeasureLine, width: float, tr: Translator = ENGLISH) -> Drawing:
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
    worse_word, better_word = tr._("(worse)"), tr._("(better)")
    worse_end = worse_word if m.direction == "higher_better" else better_word
    better_end = better_word if m.direction == "higher_better" else worse_word
    d.add(String(left + 22, 2, worse_end, fontName=FONT, fontSize=CHART_PT, fillColor=DARK))
    d.add(
        String(
            right - 22,
            2,
            better_end,
            fontName=FONT,
            fontSize=CHART_PT,
            textAnchor="end",
            fillColor=DARK,
        )
    )
    marks = []
    if m.start is not None:
        marks.append((m.start, START_COLOUR, tr._("Start {value}")))
    if m.end is not None:
        marks.append((m.end, END_COLOUR, tr._("End {value}")))
    for v, colour, _ in marks:
        d.add(Circle(x_of(v), y, 5, fillColor=colour, strokeColor=INK, strokeWidth=0.6))
    labels: list[tuple[float, str, str]] = []  # x, text, anchor
    if len(marks) == 2 and number(marks[0][0], m.decimals) == number(marks[1][0], m.decimals):
        both = tr._("Start and end {value}").format(value=number(marks[0][0], m.decimals))
        labels.append((x_of(marks[0][0]), both, "middle"))
    elif len(marks) == 2:
        # the lower mark's label runs left, the higher one's right: they never overlap
        lo, hi = sorted(marks, key=lambda t: t[0])
        lo_text = lo[2].format(value=number(lo[0], m.decimals))
        hi_text = hi[2].format(value=number(hi[0], m.decimals))
        labels.append((x_of(lo[0]) - 3, lo_text, "end"))
        labels.append((x_of(hi[0]) + 3, hi_text, "start"))
    else:
        for v, _colour, label in marks:
            labels.append((x_of(v), label.format(value=number(v, m.decimals)), "middle"))
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
    info: CourseInfo,
    p: PersonProgress,
    width: float,
    site: ReportSite,
    today: date,
    tr: Translator = ENGLISH,
) -> list:
    _ = tr._
    size, lines = fit_name(p.row.name, width, size=20, floor=14, font=FONT_BOLD)
    title = make_style(f"pr_title_{size}", fontName=FONT_BOLD, fontSize=size, leading=size * 1.2)
    story: list = [Paragraph("<br/>".join(esc(x) for x in lines), title)]
    story.append(
        Paragraph(
            esc(_("Your progress on {programme}").format(programme=_(info.programme_title))),
            body_bold,
        )
    )
    delivered = info.delivered()
    if info.venue:
        came = tr.ngettext(
            "You came to {attended} of the {n} session at {venue} ({dates}).",
            "You came to {attended} of the {n} sessions at {venue} ({dates}).",
            delivered,
        )
    else:
        came = tr.ngettext(
            "You came to {attended} of the {n} session ({dates}).",
            "You came to {attended} of the {n} sessions ({dates}).",
            delivered,
        )
    text = came.format(
        attended=p.attended, n=delivered, venue=info.venue, dates=course_dates(info, tr)
    )
    story.append(Paragraph(esc(text), body))

    story.append(Paragraph(esc(_("How you have changed")), h2))
    if p.measures:
        for m in p.measures:
            story.append(
                KeepTogether(
                    [Paragraph(esc(sentence(m, tr)), body), scale_chart(m, width, tr), Spacer(1, 6)]
                )
            )
    else:
        story.append(Paragraph(esc(_("No start or end measures were recorded for you.")), body))
    worse = [m for m in p.measures if m.verdict == "worse"]
    if worse:
        story.append(Spacer(1, 2))
        story.append(Paragraph(esc(got_worse_words(worse, p.measures, site, tr)), body))

    story.append(Paragraph(esc(_("Your exercises in class")), h2))
    if p.stations:
        heads = (_("Exercise"), _("First time"), _("Last time"))
        data = [[Paragraph(esc(x), cell_head) for x in heads]]
        for s in p.stations:
            data.append(
                [
                    Paragraph(esc(_(s.name)), cell),
                    Paragraph(esc(s.first_text(tr)), cell),
                    Paragraph(esc(s.last_text(tr)), cell),
                ]
            )
        story.append(table(data, [width - 2 * 150, 150, 150]))
    else:
        story.append(Paragraph(esc(_("No exercises were recorded for you.")), body))

    story.append(Paragraph(esc(_("Keep going at home")), h2))
    if p.home:
        story.append(
            Paragraph(
                esc(
                    _(
                        "Do these two or three times a week. If an exercise leaves your pain much "
                        "worse for more than a day, go back a level for a while, then build up "
                        "again."
                    )
                ),
                body_next,
            )
        )
        story.append(Spacer(1, 4))
        heads = (_("Exercise"), _("How to do it at home"), _("Aim for"))
        data = [[Paragraph(esc(x), cell_head) for x in heads]]
        for h in p.home:
            text = f"<b>{esc(_(h.level))}</b>"
            if h.description:
                text += f"<br/>{esc(h.description)}"
            data.append(
                [
                    Paragraph(esc(_(h.station)), cell),
                    Paragraph(text, cell),
                    Paragraph(esc(dose_words(h.dose, tr)), cell),
                ]
            )
        story.append(table(data, [125, width - 125 - 100, 100]))
    else:
        story.append(Paragraph(esc(_("Your instructor will give you a home plan.")), body))

    # "What next", who to contact and the small print travel together: a report never ends
    # on a page holding only the last few lines of a paragraph.
    closing: list = [Paragraph(esc(_("What next")), h2)]
    if site.what_next:
        closing.append(Paragraph(esc(_(site.what_next)), body))
    staff = ", ".join(info.reg.instructors)
    contact = []
    if staff:
        who = tr.ngettext(
            "Your instructor: {names}.", "Your instructors: {names}.", len(info.reg.instructors)
        )
        contact.append(esc(who.format(names=staff)))
    if site.site_name:
        contact.append(esc(site.site_name) + ".")
    if site.contact:
        contact.append(esc(_(site.contact)))
    if contact:
        closing.append(Spacer(1, 4))
        closing.append(Paragraph(" ".join(contact), body))
    closing.append(Paragraph(esc(_("Written on {date}.").format(date=tr.date(today))), body))

    if p.measures:
        closing.append(Spacer(1, 8))
        small_print = _("Small print.")  # (outside the f-string, where pybabel finds it)
        notes = [f"<b>{esc(small_print)}</b>"]
        for m in p.measures:
            line = _("{measure}: {name}, scale {low} to {high}").format(
                measure=m.plain[:1].upper() + m.plain[1:],
                name=m.name,
                low=number(m.minimum, 0),
                high=number(m.maximum, 0),
            )
            if m.threshold:
                line += "; " + m.threshold
            notes.append(esc(line + "."))
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
        tr = translator(p.language)
        story.append(_Whose(tr._("Progress report for {name}").format(name=p.row.name)))
        story += _person_story(info, p, width, site, today or info.today, tr)

    def name_in_footer() -> None:
        # A stack of reports is handed out by name: a second page must say whose it is
        whose = getattr(doc.canv, "_escape_whose", "")
        if whose:
            doc.canv.saveState()
            doc.canv.setFont(FONT, 8)
            doc.canv.setFillColor(DARK)
            doc.canv.drawRightString(PORTRAIT[0] - MARGIN, 8 * mm, whose)
            doc.canv.restoreState()

    doc.afterPage = name_in_footer
    # The footer's words go with each person's report (a stack may mix languages): the course
    # code on the left, "Progress report for ..." in the reader's language on the right.
    return build(doc, story, footer=info.code, numbered=False)


class _Whose(Flowable):
    """Marks whose report the following pages are (takes no room); read by the footer."""

    def __init__(self, text: str):
        super().__init__()
        self.name = text  # "Progress report for Siân Demo", in the reader's language

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        return 0, 0

    def draw(self) -> None:
        self.canv._escape_whose = self.name
