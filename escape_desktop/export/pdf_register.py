"""The course register on landscape A4: every session's marks, totals and completion per person."""

from __future__ import annotations

from pathlib import Path

from reportlab.platypus import Paragraph, Spacer

from .pdf_data import CourseInfo
from .pdf_style import (
    FAINT,
    FONT,
    FONT_ITALIC,
    LANDSCAPE,
    LIGHT,
    MARGIN,
    Styles,
    build,
    document,
    esc,
    heading,
    name_paragraph,
    para,
    table,
    tiny_date,
)

MARK_SYMBOL = {"present": "✓", "absent": "✗", "apologies": "A"}


def render_register(info: CourseInfo, path: Path) -> int:
    """Write the register PDF to ``path``; returns the page count."""
    doc = document(path, LANDSCAPE, title=f"{info.code} register", subject=info.title)
    width = LANDSCAPE[0] - 2 * MARGIN
    sessions = info.sessions
    n = len(sessions)
    session_w = 36 if n <= 12 else max(24, 432 / n)
    fixed = 18 + 62 + 100
    name_w = max(120, width - fixed - session_w * n)
    widths = [18, name_w] + [session_w] * n + [62, 100]

    head = ["", Paragraph("Name", Styles.head)]
    for x in sessions:
        head.append(Paragraph(f"{x.number}<br/>{tiny_date(x.date)}", Styles.head_center))
    head += [Paragraph("Attended", Styles.head_center), Paragraph("Completion", Styles.head)]
    data: list[list] = [head]
    extra: list[tuple] = []
    delivered = info.delivered()
    for i, row in enumerate(info.reg.rows, start=1):
        gone = row.status in ("withdrawn", "did_not_start")
        name = name_paragraph(row.name, name_w - 6, font=FONT_ITALIC if gone else FONT)
        line = [para(i, Styles.cell_right), name]
        for x in sessions:
            line.append("—" if x.cancelled else MARK_SYMBOL.get(row.marks.get(x.id, ""), ""))
        line.append(f"{info.attended(row)} of {delivered}")
        line.append(para(info.completion_text(row)))
        data.append(line)
    totals = ["", Paragraph("Present", Styles.head)]
    for x in sessions:
        if x.cancelled:
            totals.append("—")
        elif x.date > info.today and not any(x.id in r.marks for r in info.reg.rows):
            totals.append("")
        else:
            totals.append(str(sum(1 for r in info.reg.rows if r.marks.get(x.id) == "present")))
    completed = len(info.completers())
    totals += ["", para(f"{completed} completed" if info.finished else "", Styles.cell_bold)]
    data.append(totals)

    for col, x in enumerate(sessions, start=2):
        if x.cancelled:
            extra.append(("BACKGROUND", (col, 1), (col, -1), LIGHT))
    last = len(data) - 1
    extra += [
        ("ALIGN", (2, 1), (2 + n, -1), "CENTER"),
        ("FONT", (0, last), (-1, last), "DejaVuSans-Bold", 9),
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
    story = heading(f"Register — {info.code}", info.title, facts)
    story.append(table(data, widths, extra=extra))
    story.append(Spacer(1, 6))
    legend = (
        "✓ present · A apologies given · ✗ absent · — session cancelled (grey column). "
        f"Completion means attending at least 75% of the sessions held: {delivered} held so far"
        f" of {info.planned} planned."
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
    story.append(Paragraph(esc(legend), Styles.note))
    return build(doc, story, footer=f"{info.code} register · printed {info.today:%d %b %Y}")
