"""The course register on landscape A4: every session's marks, totals and completion per person."""

from __future__ import annotations

from pathlib import Path

from reportlab.platypus import Paragraph, Spacer

from escape_desktop.programme.status import ATTENDANCE_MARKS, MARK_LETTER, MARK_MEANING

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
    heading,
    name_paragraph,
    para,
    table,
    tiny_date,
)

# One attendance vocabulary (programme.status): A is absent here as on screen and in the CSV.
MARK_SYMBOL = MARK_LETTER
JOINED_ONLINE_STAR = "*"


def online_key(info: CourseInfo) -> str:
    """The key to a virtual or hybrid course's register (programme.delivery): P*, sessions
    moved online and why; "" for a course held wholly in the hall."""
    said = ""
    if info.reg.delivery_mode == "virtual":
        said += " Every session was held over video (a virtual course)."
    moved = [x for x in info.sessions if x.moved_online and not x.cancelled]
    if moved:
        said += (
            " online: session moved online ("
            + "; ".join(
                f"session {x.number}" + (f", {x.online_reason}" if x.online_reason else "")
                for x in moved
            )
            + ")."
        )
    if any(row.marks.get(sid) == "present" for row in info.reg.rows for sid in row.joined_online):
        said += f" P{JOINED_ONLINE_STAR} present, joined over video."
    return said


def render_register(info: CourseInfo, path: Path) -> int:
    """Write the register PDF to ``path``; returns the page count."""
    doc = document(path, LANDSCAPE, title=f"{info.code} register", subject=info.title)
    width = LANDSCAPE[0] - 2 * MARGIN
    sessions = info.sessions
    n = len(sessions)
    fixed = 18 + 62 + 100
    # As wide as a date needs while the names keep 120 pt (a made-up 13th session fits too).
    session_w = max(24.0, min(37.0, (width - fixed - 120) / max(1, n)))
    name_w = max(120, width - fixed - session_w * n)
    widths = [18, name_w] + [session_w] * n + [62, 100]

    head = ["", Paragraph("Name", Clipboard.head)]
    for x in sessions:
        # Moved online: said in place of the date, as the screen's register does.
        when = "online" if x.moved_online and not x.cancelled else tiny_date(x.date)
        head.append(Paragraph(f"{x.number}<br/>{when}", Clipboard.head_center))
    head += [Paragraph("Attended", Clipboard.head_center), Paragraph("Completion", Clipboard.head)]
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
            line.append("—" if x.cancelled else MARK_SYMBOL.get(mark, "") + star)
        person = info.status(row)
        # Of the sessions held while they were enrolled (a late joiner is not charged earlier ones).
        line.append(f"{person.attended} of {person.held}")
        line.append(para(info.completion_text(row), Clipboard.cell))
        data.append(line)
    totals = ["", Paragraph("Present", Clipboard.head)]
    for x in sessions:
        if x.cancelled:
            totals.append("—")
        elif x.date > info.held_until and not any(x.id in r.marks for r in info.reg.rows):
            totals.append("")
        else:
            totals.append(str(sum(1 for r in info.reg.rows if r.marks.get(x.id) == "present")))
    completed = len(info.completers())
    totals += ["", para(f"{completed} completed" if info.finished else "", Clipboard.cell_bold)]
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
        ("Programme", info.programme_title),
        ("Venue", info.venue),
        ("Dates", info.dates_text()),
        ("Start time", info.reg.start_time),
        ("Staff", info.staff_text()),
    ]
    story = heading(f"Register — {info.code}", info.title, facts, Clipboard.note)
    story.append(table(data, widths, extra=extra))
    story.append(Spacer(1, 6))
    marks = " · ".join(f"{MARK_LETTER[m]} {MARK_MEANING[m]}" for m in ATTENDANCE_MARKS)
    legend = (
        f"{marks} · — session cancelled (grey column). "
        "Completion means attending at least 75% of the sessions held while enrolled, decided "
        + (
            f"when the course has finished: {delivered} held of the {info.planned} planned."
            if info.finished
            else f"when the course has finished: {delivered} held so far of the {info.planned} planned."
        )
    )
    if cancelled:
        reasons = "; ".join(
            f"session {x.number}" + (f" ({x.cancel_reason})" if x.cancel_reason else "")
            for x in cancelled
        )
        legend += f" Cancelled: {reasons}."
    withdrawn = [r for r in info.reg.rows if r.status == "withdrawn"]
    if withdrawn:
        legend += (
            " Withdrawn: "
            + "; ".join(
                r.name + (f" ({r.withdrawn_reason})" if r.withdrawn_reason else "")
                for r in withdrawn
            )
            + "."
        )
    legend += online_key(info)
    story.append(Paragraph(esc(legend), Clipboard.note))
    return build(
        doc,
        story,
        footer=f"{info.code} register · printed {info.today:%d %b %Y}",
        footer_size=10,
    )
