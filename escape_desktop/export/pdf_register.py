"""The course register on landscape A4: every session's marks, totals and completion per person."""

from __future__ import annotations

from pathlib import Path

from reportlab.platypus import Paragraph, Spacer

from escape_desktop.i18n import Translator, ui_translator
from escape_desktop.programme.status import ATTENDANCE_MARKS, MARK_LETTER

from .pdf_data import CourseInfo
from .pdf_style import (
    FAINT,
    FONT,
    FONT_ITALIC,
    LANDSCAPE,
    LIGHT,
    MARGIN,
    Clipboard,
    build,
    document,
    esc,
    fit_cell,
    heading,
    name_paragraph,
    para,
    table,
    tiny_date,
)
from .pdf_words import MARK_MEANINGS, completion_words, course_dates, mark_key, registers_missing

# One attendance vocabulary (programme.status): A is absent here as on screen and in the CSV;
# the letters themselves come from the catalogue (pdf_words.MARK_KEYS).
MARK_SYMBOL = MARK_LETTER  # the English keys (the Welsh ones: P, A, Y)
JOINED_ONLINE_STAR = "*"


def _online_word(tr: Translator) -> str:
    """Said in place of a moved session's date, in a column a few letters wide."""
    return tr.pgettext("register column: the session was moved online", "online")


def _session_reason(number: int, reason: str, tr: Translator) -> str:
    if reason:
        return tr._("session {n}, {reason}").format(n=number, reason=reason)
    return tr._("session {n}").format(n=number)


def online_key(info: CourseInfo, tr: Translator | None = None) -> str:
    """The key to a virtual or hybrid course's register (programme.delivery): P*, sessions
    moved online and why; "" for a course held wholly in the hall."""
    tr = tr or ui_translator()
    said = ""
    if info.reg.delivery_mode == "virtual":
        said += " " + tr._("Every session was held over video (a virtual course).")
    moved = [x for x in info.sessions if x.moved_online and not x.cancelled]
    if moved:
        said += " " + tr._("{online}: session moved online ({which}).").format(
            online=_online_word(tr),
            which="; ".join(_session_reason(x.number, x.online_reason, tr) for x in moved),
        )
    if any(row.marks.get(sid) == "present" for row in info.reg.rows for sid in row.joined_online):
        said += " " + tr._("{key} present, joined over video.").format(
            key=mark_key("present", tr) + JOINED_ONLINE_STAR
        )
    return said


def render_register(info: CourseInfo, path: Path, tr: Translator | None = None) -> int:
    """Write the register PDF to ``path`` in ``tr``'s language (the instructor's by
    default); returns the page count."""
    tr = tr or ui_translator()
    _ = tr._
    doc = document(
        path, LANDSCAPE, title=_("{code} register").format(code=info.code), subject=info.title
    )
    width = LANDSCAPE[0] - 2 * MARGIN
    sessions = info.sessions
    n = len(sessions)
    fixed = 18 + 62 + 100
    # As wide as a date needs while the names keep 120 pt (a made-up 13th session fits too).
    session_w = max(24.0, min(37.0, (width - fixed - 120) / max(1, n)))
    name_w = max(120, width - fixed - session_w * n)
    widths = [18, name_w] + [session_w] * n + [62, 100]

    head = ["", Paragraph(esc(_("Name")), Clipboard.head)]
    for x in sessions:
        # Moved online: said in place of the date, as the screen's register does.
        when = esc(_online_word(tr)) if x.moved_online and not x.cancelled else tiny_date(x.date)
        head.append(Paragraph(f"{x.number}<br/>{when}", Clipboard.head_center))
    head += [
        Paragraph(esc(_("Attended")), Clipboard.head_center),
        Paragraph(esc(_("Completion")), Clipboard.head),
    ]
    data: list[list] = [head]
    extra: list[tuple] = []
    delivered = info.delivered()
    for i, row in enumerate(info.reg.rows, start=1):
        gone = info.status(row).status in ("withdrawn", "did_not_start")
        name = name_paragraph(
            row.name,
            name_w - 6,
            size=10,
            floor=10,
            max_lines=3,
            font=FONT_ITALIC if gone else FONT,
        )
        line = [para(i, Clipboard.cell_right), name]
        for x in sessions:
            mark = row.marks.get(x.id, "")
            # P*: present, joined a hybrid course's hall session over video (as on screen).
            star = JOINED_ONLINE_STAR if mark == "present" and x.id in row.joined_online else ""
            line.append("—" if x.cancelled else fit_cell(mark_key(mark, tr) + star, session_w - 3))
        person = info.status(row)
        # Of the sessions held while they were enrolled (a late joiner is not charged earlier ones).
        came = _("{attended} of {held}").format(attended=person.attended, held=person.held)
        line.append(fit_cell(came, 62 - 13, floor=8))
        line.append(para(completion_words(person, tr), Clipboard.cell))
        data.append(line)
    totals = ["", Paragraph(esc(_("Present")), Clipboard.head)]
    for x in sessions:
        if x.cancelled:
            totals.append("—")
        elif x.date > info.held_until and not any(x.id in r.marks for r in info.reg.rows):
            totals.append("")
        else:
            totals.append(str(sum(1 for r in info.reg.rows if r.marks.get(x.id) == "present")))
    completed = len(info.completers())
    done = tr.ngettext("{n} completed", "{n} completed", completed).format(n=completed)
    totals += ["", para(done if info.finished else "", Clipboard.cell_bold)]
    data.append(totals)

    for col, x in enumerate(sessions, start=2):
        if x.cancelled:
            extra.append(("BACKGROUND", (col, 1), (col, -1), LIGHT))
    last = len(data) - 1
    extra += [
        ("ALIGN", (2, 1), (2 + n, -1), "CENTER"),
        ("FONTSIZE", (0, 0), (-1, -1), 10),
        ("FONT", (0, last), (-1, last), "DejaVuSans-Bold", 10),
        ("BACKGROUND", (0, last), (1, last), FAINT),
        ("LINEABOVE", (0, last), (-1, last), 1, "black"),
        ("FONTSIZE", (2, 1), (1 + n, last - 1), 10),
        # Narrow padding where the text is short and 10 pt bold: a day ("20/11"), "online",
        # a row number past 9 stay on one line instead of breaking in two.
        ("LEFTPADDING", (2, 0), (1 + n, -1), 1),
        ("RIGHTPADDING", (2, 0), (1 + n, -1), 1),
        ("LEFTPADDING", (0, 0), (0, -1), 1),
        ("RIGHTPADDING", (0, 0), (0, -1), 2),
    ]

    cancelled = [x for x in sessions if x.cancelled]
    facts = [
        (_("Programme"), _(info.programme_title) if info.programme_title else ""),
        (_("Venue"), info.venue),
        (_("Dates"), course_dates(info, tr)),
        (_("Start time"), info.reg.start_time),
        (_("Staff"), info.staff_text()),
    ]
    title = _("Register — {code}").format(code=info.code)
    story = heading(title, info.title, facts, Clipboard.note)
    story.append(table(data, widths, extra=extra))
    story.append(Spacer(1, 6))
    marks = " · ".join(f"{mark_key(m, tr)} {_(MARK_MEANINGS[m])}" for m in ATTENDANCE_MARKS)
    if info.finished:
        held = tr.ngettext(
            "when the course has finished: {held} held of the {n} planned.",
            "when the course has finished: {held} held of the {n} planned.",
            info.planned,
        )
    else:
        held = tr.ngettext(
            "when the course has finished: {held} held so far of the {n} planned.",
            "when the course has finished: {held} held so far of the {n} planned.",
            info.planned,
        )
    legend = (
        marks
        + " · "
        + _("— session cancelled (grey column).")
        + " "
        + _(
            "Completion means attending at least {percent} of the sessions held while "
            "enrolled, decided {when}"
        ).format(percent="75%", when=held.format(held=delivered, n=info.planned))
    )
    if cancelled:
        reasons = "; ".join(
            _("session {n} ({reason})").format(n=x.number, reason=x.cancel_reason)
            if x.cancel_reason
            else _("session {n}").format(n=x.number)
            for x in cancelled
        )
        legend += " " + _("Cancelled: {sessions}.").format(sessions=reasons)
    withdrawn = [r for r in info.reg.rows if r.status == "withdrawn"]
    if withdrawn:
        people = "; ".join(
            r.name + (f" ({r.withdrawn_reason})" if r.withdrawn_reason else "") for r in withdrawn
        )
        legend += " " + _("Withdrawn: {people}.").format(people=people)
    legend += online_key(info, tr)
    # past sessions nobody was marked at (a course typed in after it ran): completion counts
    # them as held, so the register says so, as the summary does
    missing = registers_missing(info.registers_not_taken, tr)
    if missing:
        legend += " " + missing
    story.append(Paragraph(esc(legend), Clipboard.note))
    footer = _("{code} register · printed {date}").format(
        code=info.code, date=tr.date(info.today, "short")
    )
    return build(doc, story, footer=footer, footer_size=10, tr=tr)
