"""Completion certificates: one portrait A4 page a person, the whole course in one PDF."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path

from reportlab.lib.enums import TA_CENTER
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import (
    HRFlowable,
    KeepTogether,
    PageBreak,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from .pdf_data import CourseInfo, RegisterRow
from .pdf_style import (
    DARK,
    FONT,
    FONT_BOLD,
    INK,
    MID,
    PORTRAIT,
    document,
    esc,
    make_style,
)

BORDER = 12 * mm
INNER = 26 * mm  # page margin of the text frame
NAME_MAX_PT = 32
NAME_MIN_PT = 16

kicker = make_style("cert_kicker", fontSize=12, leading=16, alignment=TA_CENTER, textColor=DARK)
big_title = make_style(
    "cert_title", fontName=FONT_BOLD, fontSize=28, leading=34, alignment=TA_CENTER
)
line = make_style("cert_line", fontSize=13, leading=19, alignment=TA_CENTER)
programme = make_style(
    "cert_programme", fontName=FONT_BOLD, fontSize=17, leading=22, alignment=TA_CENTER
)
sign = make_style("cert_sign", fontSize=10, leading=13, alignment=TA_CENTER, textColor=DARK)


def name_size(name: str, width: float) -> float:
    """The largest size (32 pt down to 16 pt) at which the name fits on one line."""
    size = float(NAME_MAX_PT)
    while size > NAME_MIN_PT and stringWidth(name, FONT_BOLD, size) > width:
        size -= 1
    return size


def _border(c, doc) -> None:  # type: ignore[no-untyped-def]
    w, h = doc.pagesize
    c.saveState()
    c.setStrokeColor(INK)
    c.setLineWidth(2.2)
    c.rect(BORDER, BORDER, w - 2 * BORDER, h - 2 * BORDER)
    c.setLineWidth(0.6)
    gap = 2.5 * mm
    c.rect(BORDER + gap, BORDER + gap, w - 2 * (BORDER + gap), h - 2 * (BORDER + gap))
    c.restoreState()


def _signatures(instructors: Sequence[str], width: float) -> Table:
    """One signature line per instructor (at most two), a gap between them."""
    names = list(instructors[:2]) or [""]
    gap = 14 * mm
    col = (width - gap * (len(names) - 1)) / len(names)
    blank = Paragraph("&nbsp;", sign)
    rows: list[list] = [[], [], []]
    widths: list[float] = []
    for i, n in enumerate(names):
        if i:
            for r in rows:
                r.append("")
            widths.append(gap)
        rows[0].append(blank)
        rows[1].append(Paragraph(esc(n) if n else "&nbsp;", sign))
        rows[2].append(Paragraph("Instructor signature", sign))
        widths.append(col)
    t = Table(rows, colWidths=widths, rowHeights=[28, None, None])
    cmds: list[tuple] = [
        ("FONT", (0, 0), (-1, -1), FONT, 10),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("TOPPADDING", (0, 0), (-1, -1), 1),
    ]
    for i in range(0, len(widths), 2):
        cmds.append(("LINEBELOW", (i, 0), (i, 0), 0.8, INK))
    t.setStyle(TableStyle(cmds))
    return t


def certificate_story(
    info: CourseInfo, row: RegisterRow, issued_on: date, text_width: float
) -> list:
    name = row.name
    size = name_size(name, text_width - 8)
    name_style = make_style(
        "cert_name", fontName=FONT_BOLD, fontSize=size, leading=size * 1.25, alignment=TA_CENTER
    )
    sessions = info.planned
    venue_line = f"at {esc(info.venue)}" if info.venue else ""
    story: list = [
        Spacer(1, 8 * mm),
        Paragraph(esc(info.programme_title), kicker),
        Spacer(1, 4 * mm),
        Paragraph("Certificate of Completion", big_title),
        Spacer(1, 3 * mm),
        HRFlowable(width="35%", thickness=0.8, color=MID, hAlign="CENTER"),
        Spacer(1, 16 * mm),
        Paragraph("This certificate is presented to", line),
        Spacer(1, 5 * mm),
        Paragraph(esc(name), name_style),
        Spacer(1, 6 * mm),
        Paragraph("for taking part in and completing", line),
        Spacer(1, 3 * mm),
        Paragraph(esc(info.programme_title), programme),
        Spacer(1, 3 * mm),
        Paragraph(f"a course of {sessions} sessions of group education and exercise", line),
    ]
    if venue_line:
        story.append(Paragraph(venue_line, line))
    if info.dates_text():
        story.append(Paragraph(esc(info.dates_text()), line))
    story += [
        Spacer(1, 12 * mm),
        Paragraph(
            "Well done! Keep the exercises going at home: they keep working for you.",
            make_style("cert_kind", fontSize=11, leading=15, alignment=TA_CENTER, textColor=DARK),
        ),
        Spacer(1, 22 * mm),
        KeepTogether(
            [
                _signatures(info.reg.instructors, text_width),
                Spacer(1, 8 * mm),
                Paragraph(f"Date: {issued_on.day} {issued_on:%B %Y}", sign),
            ]
        ),
    ]
    return story


def render_certificates(
    info: CourseInfo, rows: list[RegisterRow], path: Path, issued_on: date
) -> int:
    """Write one certificate page per row to ``path``; returns the page count."""
    doc = document(
        path,
        PORTRAIT,
        title=f"{info.code} certificates",
        subject=info.programme_title,
        margins=(INNER, INNER, INNER, INNER),
    )
    width = PORTRAIT[0] - 2 * INNER
    story: list = []
    for i, row in enumerate(rows):
        if i:
            story.append(PageBreak())
        story += certificate_story(info, row, issued_on, width)

    def furniture(c, d) -> None:  # type: ignore[no-untyped-def]
        _border(c, d)
        c.saveState()
        c.setFont(FONT, 7.5)
        c.setFillColor(MID)
        c.drawCentredString(d.pagesize[0] / 2, BORDER + 5 * mm, f"Course {info.code}")
        c.restoreState()

    doc.build(story, onFirstPage=furniture, onLaterPages=furniture)
    return int(doc.page)
