"""Follow-up documents: the postal letter with its questionnaire (one per person, clear print,
in the person's documents language) and the list of follow-ups due for the instructor."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from reportlab.platypus import KeepTogether, PageBreak, Paragraph, Spacer, Table, TableStyle

from escape_desktop.i18n import N_, Translator, translator, ui_translator
from escape_desktop.i18n import _ as ui_

from .pdf_style import (
    FONT,
    FONT_BOLD,
    LANDSCAPE,
    MARGIN,
    PORTRAIT,
    Styles,
    TickBox,
    build,
    document,
    esc,
    heading,
    long_date,
    make_style,
    para,
    short_date,
    table,
)

# Clear print for participants: 12 pt or larger (RNIB), plain words.
letter_body = make_style("fu_letter_body", fontName=FONT, fontSize=12.5, leading=17)
letter_head = make_style("fu_letter_head", fontName=FONT_BOLD, fontSize=16, leading=20)
question = make_style("fu_question", fontName=FONT_BOLD, fontSize=12.5, leading=17, spaceBefore=6)
answer = make_style("fu_answer", fontName=FONT, fontSize=12.5, leading=17)
letter_bullet = make_style(
    "fu_letter_bullet", fontName=FONT, fontSize=12.5, leading=16, leftIndent=14, spaceAfter=4
)


HIGHER_BETTER = N_("higher is better")
LOWER_BETTER = N_("lower is better")
NOBODY_DUE = N_("Nobody is due for a follow-up letter.")  # the instructor's language


@dataclass(frozen=True)
class LetterQuestion:
    """One measure asked by post: its name, what a participant calls it and the scale."""

    name: str  # the measure's own name ("KOOS-PS (knee function)"), printed as known
    minimum: float
    maximum: float
    better: str  # HIGHER_BETTER / LOWER_BETTER, translated where printed
    plain: str = ""  # the catalogue's plain words ("knee function score"); "" prints name

    def heading(self, tr: Translator) -> str:
        """'Knee function score (KOOS-PS)' in the reader's language; the name as known when
        there are no plain words for it."""
        if not self.plain:
            return self.name
        words = tr._(self.plain)
        words = words[:1].upper() + words[1:]
        short = self.name.split(" (")[0].strip() if " (" in self.name else ""
        return f"{words} ({short})" if short else words


@dataclass(frozen=True)
class FollowUpLetter:
    first_name: str
    last_name: str
    participant_code: str
    point: int  # months
    course_title: str
    course_ended: date
    questions: tuple[LetterQuestion, ...]
    language: str = "en"  # the person's documents language (i18n.LANGUAGES)


@dataclass(frozen=True)
class DueRow:
    state: str  # in words
    point: int
    name: str
    course: str
    due_on: date
    contact: str
    also_open: tuple[int, ...] = ()  # the person's earlier point still open (one row a person)


# An address of more lines than an envelope takes runs its last ones together, so the letter
# and its questions stay on the one page that is sent back.
ADDRESS_LINES = 8


def _address_lines(reply_to: str) -> list[str]:
    """The reply address line by line (the envelope is written from them), escaped."""
    lines = [line.strip() for line in reply_to.splitlines() if line.strip()]
    if len(lines) > ADDRESS_LINES:
        lines = [*lines[: ADDRESS_LINES - 1], ", ".join(lines[ADDRESS_LINES - 1 :])]
    return [esc(line) for line in lines]


def render_letters(
    letters: list[FollowUpLetter], site_name: str, reply_to: str, today: date, path: Path
) -> int:
    """One letter per person (and per language: a bilingual site's Welsh letter is followed by
    the same in English) with the questions and a reply address, each in its ``language``;
    returns pages."""
    doc = document(path, PORTRAIT, title="Follow-up letters", subject=site_name)
    story: list = []
    for i, x in enumerate(letters):
        tr = translator(x.language)
        _ = tr._
        if i:
            story.append(PageBreak())
        story.append(Paragraph(esc(site_name or _("Your exercise class team")), letter_head))
        story.append(Paragraph(esc(tr.date(today)), letter_body))
        story.append(Spacer(1, 10))
        name = f"{x.first_name} {x.last_name}".strip()
        story.append(Paragraph(esc(_("Dear {name},").format(name=name)), letter_body))
        story.append(Spacer(1, 6))
        intro = tr.ngettext(
            "You finished the exercise class “{course}” on {ended}. When you joined, you said "
            "we could ask how you are {point} month later. It helps us know whether the class "
            "still helps people after it ends, and helps us keep it running.",
            "You finished the exercise class “{course}” on {ended}. When you joined, you said "
            "we could ask how you are {point} months later. It helps us know whether the class "
            "still helps people after it ends, and helps us keep it running.",
            x.point,
        ).format(course=x.course_title, ended=tr.date(x.course_ended), point=x.point)
        story.append(Paragraph(esc(intro), letter_body))
        story.append(
            Paragraph(
                esc(
                    _(
                        "Please answer the questions below and send this page back to us. It "
                        "takes about five minutes. You do not have to answer: if you would "
                        "rather not, you can ignore this letter or tell us, and we will not "
                        "ask again."
                    )
                ),
                letter_body,
            )
        )
        story.append(Spacer(1, 6))
        for q in x.questions:
            scale = _("Write a number from {low} to {high} ({better}):").format(
                low=f"{q.minimum:g}", high=f"{q.maximum:g}", better=_(q.better)
            )
            story.append(
                KeepTogether(
                    [
                        Paragraph(esc(q.heading(tr)), question),
                        Paragraph(esc(scale) + " _______", answer),
                    ]
                )
            )
        story.append(Spacer(1, 8))
        story.append(
            KeepTogether(
                [
                    Paragraph(esc(_("Would you like us to phone you instead?")), question),
                    _tick_row([_("Yes, please phone me"), _("No, thank you")]),
                ]
            )
        )
        story.append(Spacer(1, 10))
        send_back = _("Please send this page back to:")
        story.append(Paragraph(f"<b>{esc(send_back)}</b>", letter_body))
        story.append(Paragraph("<br/>".join(_address_lines(reply_to)), letter_body))
        story.append(Spacer(1, 6))
        story.append(
            Paragraph(
                esc(
                    _(
                        "If your pain has got worse or you are worried about it, please "
                        "contact your GP. Thank you for your help."
                    )
                ),
                letter_body,
            )
        )
        story.append(Spacer(1, 6))
        story.append(
            Paragraph(
                esc(_("Reference (for our records): {code}").format(code=x.participant_code)),
                Styles.note,
            )
        )
    if not letters:
        story.append(Paragraph(esc(ui_(NOBODY_DUE)), letter_body))
    # one footer for the file: in each language its letters are in (Welsh not left out)
    languages: list[str | None] = list(dict.fromkeys(x.language for x in letters)) or [None]
    footer = " · ".join(dict.fromkeys(translator(lang)._("Follow-up letter") for lang in languages))
    return build(doc, story, footer=footer, numbered=False, footer_size=10)


def _tick_row(labels: list[str]) -> object:
    cells: list = []
    for label in labels:
        cells += [TickBox(14), para(label, answer)]
    t = Table([cells], colWidths=[22, 180, 22, 180], hAlign="LEFT")
    t.setStyle(
        TableStyle([("FONT", (0, 0), (-1, -1), FONT, 12), ("VALIGN", (0, 0), (-1, -1), "MIDDLE")])
    )
    return t


def render_due_list(
    rows: list[DueRow], site_name: str, today: date, path: Path, tr: Translator | None = None
) -> int:
    """The follow-ups due and overdue on one list, to work through by phone or post: the
    instructor's list, in the window's language (``tr``)."""
    tr = tr or ui_translator()
    _ = tr._
    doc = document(path, LANDSCAPE, title=_("Follow-ups due"), subject=site_name)
    story = heading(
        _("Follow-ups due"),
        site_name,
        [(_("Printed"), long_date(today, tr)), (_("People"), str(len(rows)))],
    )
    if not rows:
        story.append(Paragraph(esc(_("Nobody is due for a follow-up this week.")), Styles.body))
    else:
        head = [
            _("State"),
            _("Follow-up"),
            _("Name"),
            _("Course"),
            _("Due"),
            _("How to contact"),
            _("Outcome"),
        ]
        data: list[list] = [[para(h, Styles.head) for h in head]]
        for r in rows:
            point = tr.ngettext("{n} month", "{n} months", r.point).format(n=r.point)
            if r.also_open:
                point += tr._("  ({other} months not recorded)").format(
                    other=", ".join(str(p) for p in r.also_open)
                )
            data.append(
                [
                    para(tr._(r.state)),
                    para(point),
                    para(r.name, Styles.name),
                    para(r.course),
                    para(short_date(r.due_on, tr)),
                    para(r.contact),
                    para(_("done / could not reach / declined"), Styles.note),
                ]
            )
        width = LANDSCAPE[0] - 2 * MARGIN
        widths = [60, 60, 170, 80, 70, 180]
        widths.append(width - sum(widths))
        story.append(table(data, widths))
        story.append(Spacer(1, 4))
        story.append(
            Paragraph(
                esc(
                    _(
                        "Record each one in the app (Today: Follow-ups) once done. Ask only the "
                        "questions on the letter; the sit-to-stand is not repeated."
                    )
                ),
                Styles.note,
            )
        )
    footer = _("Follow-ups due · printed {day}").format(day=short_date(today, tr))
    return build(doc, story, footer=footer, tr=tr)


@dataclass(frozen=True)
class ResultsLetter:
    """The letter to a participant after their 12-month follow-up: their figures in words."""

    first_name: str
    last_name: str
    participant_code: str
    course_title: str
    course_ended: date
    contacted_on: date | None
    # One a measure: the progress report's sentence (start -> end, "At the follow-up it was
    # ..."), then whether it lasted, start -> 12 months; in ``language``.
    sentences: tuple[str, ...]
    language: str = "en"  # the person's documents language (i18n.LANGUAGES)


def render_results_letters(
    letters: list[ResultsLetter], site_name: str, contact: str, today: date, path: Path
) -> int:
    """One short personal letter a person in their own language, clear print; returns pages."""
    doc = document(path, PORTRAIT, title="12-month results letters", subject=site_name)
    story: list = []
    for i, x in enumerate(letters):
        tr = translator(x.language)
        _ = tr._
        team = site_name or _("Your exercise class team")
        if i:
            story.append(PageBreak())
        story.append(Paragraph(esc(team), letter_head))
        story.append(Paragraph(esc(tr.date(today)), letter_body))
        story.append(Spacer(1, 10))
        name = f"{x.first_name} {x.last_name}".strip()
        story.append(Paragraph(esc(_("Dear {name},").format(name=name)), letter_body))
        story.append(Spacer(1, 6))
        if x.contacted_on:
            intro = _(
                "Thank you for telling us on {day} how you are, 12 months after your exercise "
                "class “{course}” ended ({ended}). Here is how your answers compare with the "
                "start and the end of the class:"
            )
        else:
            intro = _(
                "Thank you for telling us how you are, 12 months after your exercise class "
                "“{course}” ended ({ended}). Here is how your answers compare with the start "
                "and the end of the class:"
            )
        words = intro.format(
            day=tr.date(x.contacted_on), course=x.course_title, ended=tr.date(x.course_ended)
        )
        story.append(Paragraph(esc(words), letter_body))
        story.append(Spacer(1, 4))
        for text in x.sentences:
            story.append(Paragraph(esc(text), letter_bullet, bulletText="•"))
        if not x.sentences:
            story.append(
                Paragraph(esc(_("We have no scores from the class to compare with.")), letter_body)
            )
        story.append(Spacer(1, 8))
        story.append(
            Paragraph(
                esc(
                    _(
                        "Keep going with your home exercises at a level that feels manageable. "
                        "If your pain is getting worse or you are worried about it, please "
                        "contact your GP, or get in touch with us:"
                    )
                ),
                letter_body,
            )
        )
        # The site's own words print as typed; the shipped default is in the catalogue.
        story.append(Paragraph(esc(_(contact) if contact else ""), letter_body))
        story.append(Spacer(1, 6))
        story.append(Paragraph(esc(_("With best wishes, your exercise class team.")), letter_body))
        story.append(
            Paragraph(
                esc(_("Reference (for our records): {code}").format(code=x.participant_code)),
                Styles.note,
            )
        )
    languages = {x.language for x in letters}
    footer = translator(languages.pop() if len(languages) == 1 else None)._(
        "12-month results letter"
    )
    return build(doc, story, footer=footer, numbered=False, footer_size=10)
