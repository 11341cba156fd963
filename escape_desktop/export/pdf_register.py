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


def render_register(info: CourseInfo, path: Path) -> int:
    """Write the register PDF to ``path``; returns the page count."""
    doc = document(path, LANDSCAPE, title=f"{info.code} register", subject=info.title)
    width = LANDSCAPE[0] - 2 * MARGIN
    sessions = info.sessions
    n = len(sessions)
    fixed = 18 + 62 + 100
    # As wide as a date needs while the names keep 120 pt (a made-up 13th session fits too).
    session_w = max(24.0, min(36.0, (width - fixed - 120) / max(1, n)))
    name_w = max(120, width - fixed - session_w * n)
    widths = [18, name_w] + [session_w] * n + [62, 100]

    head = ["", Paragraph("Name", Clipboard.head)]
    for x in sessions:
        head.append(Paragraph(f"{x.number}<br/>{tiny_date(x.date)}", Clipboard.head_center))
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
            line.append("—" if x.cancelled else MARK_SYMBOL.get(row.marks.get(x.id, ""), ""))
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
    story.append(Paragraph(esc(legend), Clipboard.note))
    return build(
        doc,
        story,
        footer=f"{info.code} register · printed {info.today:%d %b %Y}",
        footer_size=10,
    )
