"""Completion certificates: one designed A4 page a person, the whole course in one PDF.

A page worth keeping: a colour border and an emblem drawn as vector shapes (no stock
images), the site's own logo when one is set, the person's name always the largest text,
their sessions attended, the programme named once, and a signature line for each member of
staff with their role. The layout is fixed: every element has its own place on the page, so
nothing moves with the length of a name (a long name wraps to two lines, then shrinks).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader, simpleSplit
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen import canvas as rl_canvas

from escape_desktop.i18n import ENGLISH, Translator, translator

from .pdf_data import CourseInfo, RegisterRow
from .pdf_style import (
    APP_NAME,
    DARK,
    FONT,
    FONT_BOLD,
    FONT_ITALIC,
    INK,
    MID,
    PORTRAIT,
    draw_name,
    fit_name,
    register_fonts,
)
from .pdf_words import course_dates, role_words

TEAL = colors.Color(0.05, 0.36, 0.45)
GOLD = colors.Color(0.84, 0.60, 0.13)
PALE = colors.Color(0.93, 0.96, 0.97)
TITLE_PT = 30
NAME_MAX_PT = 42
NAME_BOX = (470, 640, 110)  # width, top, height: the name's fixed place on the page
TEXT_WIDTH = 440  # the widest a line of text may run inside the border (A4 is 595 wide)


@dataclass(frozen=True)
class Signatory:
    name: str
    role: str  # "physiotherapist", "exercise instructor"; printed in the reader's language


@dataclass(frozen=True)
class CertificateCourse:
    """What every certificate of the course says (gathered by the services)."""

    planned_sessions: int  # the programme's planned number, from the figures
    signatories: tuple[Signatory, ...] = ()
    logo: Path | None = None  # the site's own logo (PNG or JPEG), checked readable


def name_size(name: str, width: float = NAME_BOX[0]) -> tuple[float, list[str]]:
    """The name's size and lines: never below the title's size while two lines will do."""
    size, lines = fit_name(name, width, size=NAME_MAX_PT, floor=TITLE_PT + 1, font=FONT_BOLD)
    # A very long name (four lines and more) gets smaller rather than run over the lines
    # above and below its box: the layout stays fixed whatever the name.
    while len(lines) * size * 1.18 > NAME_BOX[2] and size > 12:
        size, lines = fit_name(name, width, size=size - 1, floor=size - 1, font=FONT_BOLD)
    return size, lines


def _star(c: rl_canvas.Canvas, cx: float, cy: float, r: float) -> None:
    import math

    p = c.beginPath()
    for i in range(10):
        radius = r if i % 2 == 0 else r * 0.42
        angle = math.pi / 2 + i * math.pi / 5
        x, y = cx + radius * math.cos(angle), cy + radius * math.sin(angle)
        if i == 0:
            p.moveTo(x, y)
        else:
            p.lineTo(x, y)
    p.close()
    c.drawPath(p, stroke=0, fill=1)


def _emblem(c: rl_canvas.Canvas, cx: float, cy: float) -> None:
    """A rosette: ribbon tails, a gold ring of petals, a teal medal and a white star."""
    import math

    c.saveState()
    c.setFillColor(TEAL)
    for side in (-1, 1):
        p = c.beginPath()
        p.moveTo(cx + side * 6, cy - 10)
        p.lineTo(cx + side * 30, cy - 70)
        p.lineTo(cx + side * 20, cy - 62)
        p.lineTo(cx + side * 12, cy - 76)
        p.lineTo(cx - side * 8, cy - 18)
        p.close()
        c.drawPath(p, stroke=0, fill=1)
    c.setFillColor(GOLD)
    for i in range(16):
        a = i * math.pi / 8
        c.circle(cx + 36 * math.cos(a), cy + 36 * math.sin(a), 9, stroke=0, fill=1)
    c.circle(cx, cy, 38, stroke=0, fill=1)
    c.setFillColor(TEAL)
    c.circle(cx, cy, 31, stroke=0, fill=1)
    c.setStrokeColor(colors.white)
    c.setLineWidth(1)
    c.circle(cx, cy, 27, stroke=1, fill=0)
    c.setFillColor(colors.white)
    _star(c, cx, cy + 1, 19)
    c.restoreState()


def _border(c: rl_canvas.Canvas, w: float, h: float) -> None:
    c.saveState()
    c.setFillColor(PALE)
    c.rect(0, 0, w, h, stroke=0, fill=1)
    c.setFillColor(colors.white)
    c.roundRect(11 * mm, 11 * mm, w - 22 * mm, h - 22 * mm, 6 * mm, stroke=0, fill=1)
    c.setStrokeColor(TEAL)
    c.setLineWidth(5)
    c.roundRect(11 * mm, 11 * mm, w - 22 * mm, h - 22 * mm, 6 * mm, stroke=1, fill=0)
    c.setStrokeColor(GOLD)
    c.setLineWidth(1.2)
    c.roundRect(14.5 * mm, 14.5 * mm, w - 29 * mm, h - 29 * mm, 4 * mm, stroke=1, fill=0)
    c.setFillColor(GOLD)
    for x in (14.5 * mm, w - 14.5 * mm):
        for y in (14.5 * mm, h - 14.5 * mm):
            p = c.beginPath()
            p.moveTo(x, y + 6)
            p.lineTo(x + 6, y)
            p.lineTo(x, y - 6)
            p.lineTo(x - 6, y)
            p.close()
            c.drawPath(p, stroke=0, fill=1)
    c.restoreState()


def _logo(c: rl_canvas.Canvas, logo: Path | None, w: float, h: float) -> None:
    if logo is None:
        return
    try:
        image = ImageReader(str(logo))
        iw, ih = image.getSize()
    except Exception:  # a missing or unreadable file: the page prints without it
        return
    box = 26 * mm
    scale = min(box / iw, box / ih)
    c.drawImage(
        image,
        w - 22 * mm - iw * scale,
        h - 22 * mm - ih * scale,
        iw * scale,
        ih * scale,
        mask="auto",
    )


def _centred_fit(
    c: rl_canvas.Canvas,
    text: str,
    cx: float,
    y: float,
    font: str,
    size: float,
    width: float = TEXT_WIDTH,
) -> None:
    """One centred line, smaller rather than wider than ``width`` (Welsh runs a quarter
    longer than English, and a translation must never run into the border)."""
    while size > 7 and stringWidth(text, font, size) > width:
        size -= 0.5
    c.setFont(font, size)
    c.drawCentredString(cx, y, text)


def _centred_lines(
    c: rl_canvas.Canvas,
    text: str,
    cx: float,
    y: float,
    size: float,
    max_lines: int = 2,
    font: str = FONT,
) -> float:
    """Draw ``text`` centred, wrapped to the text width (smaller rather than more lines);
    returns the baseline of the last line."""
    while True:
        lines = simpleSplit(text, font, size, TEXT_WIDTH)
        if len(lines) <= max_lines or size <= 9:
            break
        size -= 0.5
    c.setFont(font, size)
    for i, line in enumerate(lines[:max_lines]):
        c.drawCentredString(cx, y - i * size * 1.25, line)
    return y - (min(len(lines), max_lines) - 1) * size * 1.25


def _page(
    c: rl_canvas.Canvas,
    info: CourseInfo,
    row: RegisterRow,
    attended: int,
    course: CertificateCourse,
    issued_on: date,
    completed: bool = True,
    tr: Translator = ENGLISH,
) -> None:
    _ = tr._
    w, h = PORTRAIT
    cx = w / 2
    _border(c, w, h)
    _logo(c, course.logo, w, h)
    c.setFillColor(TEAL)
    c.setFont(FONT_BOLD, TITLE_PT)
    # Someone who did not complete gets a certificate of attendance, in its own words.
    title = _("Certificate of Completion") if completed else _("Certificate of Attendance")
    _centred_fit(c, title, cx, 725, FONT_BOLD, TITLE_PT, TEXT_WIDTH + 40)
    c.setStrokeColor(GOLD)
    c.setLineWidth(1.5)
    c.line(cx - 80, 710, cx + 80, 710)
    c.setFillColor(DARK)
    _centred_fit(c, _("This certificate is presented to"), cx, 668, FONT, 14)

    # The name: in its fixed box, centred on the box's middle line, however many lines.
    width, top, height = NAME_BOX
    size, lines = name_size(row.name, width)
    block = size * 1.18 * len(lines)
    c.setFillColor(INK)
    draw_name(
        c,
        row.name,
        cx - width / 2,
        top - (height - block) / 2,
        width,
        size=size,
        floor=size,
        font=FONT_BOLD,
        max_lines=len(lines),
        centred=True,
    )

    c.setFillColor(DARK)
    if completed:
        text = _("for completing the {n}-session programme").format(n=course.planned_sessions)
    else:
        text = _("for taking part in the exercise and education classes")
    _centred_fit(c, text, cx, 495, FONT, 14)
    c.setFillColor(TEAL)
    _centred_fit(c, _(info.programme_title), cx, 468, FONT_BOLD, 19)
    c.setFillColor(DARK)
    planned = course.planned_sessions
    line = (
        tr.ngettext(
            "attending {attended} of its {n} session",
            "attending {attended} of its {n} sessions",
            planned,
        ).format(attended=attended, n=planned)
        if completed
        else tr.ngettext(
            "and coming to {n} session", "and coming to {n} sessions", attended
        ).format(n=attended)
    )
    _centred_fit(c, line, cx, 440, FONT, 13)
    # The venue and the dates each have their own line; a long venue wraps, never runs off.
    y = 420.0
    if info.venue:
        y = _centred_lines(c, _("at {venue}").format(venue=info.venue), cx, y, 13) - 17
    dates = course_dates(info, tr)
    if dates:
        _centred_fit(c, dates, cx, y, FONT, 13)

    _emblem(c, cx, 330)
    c.setFillColor(DARK)
    _centred_lines(
        c,
        _("Well done! Keep the exercises going at home: they keep working for you."),
        cx,
        232,
        12,
        font=FONT_ITALIC,
    )

    # Signature lines: one per member of staff (two at most), each with their role.
    people = list(course.signatories[:2]) or [Signatory("", "instructor")]
    col = 200.0
    gap = 60.0
    total = col * len(people) + gap * (len(people) - 1)
    x = cx - total / 2
    for person in people:
        c.setStrokeColor(INK)
        c.setLineWidth(0.8)
        c.line(x, 165, x + col, 165)
        c.setFillColor(INK)
        if person.name:
            draw_name(c, person.name, x, 158, col, size=11, floor=8, centred=True, max_lines=1)
        c.setFillColor(DARK)
        _centred_fit(c, role_words(person.role, tr), x + col / 2, 128, FONT, 10, col)
        x += col + gap
    c.setFillColor(DARK)
    _centred_fit(c, _("Date: {date}").format(date=tr.date(issued_on, "medium")), cx, 95, FONT, 11)
    c.setFillColor(MID)
    _centred_fit(c, _("Course {code}").format(code=info.code), cx, 14.5 * mm + 8, FONT, 7.5)


def render_certificates(
    info: CourseInfo,
    rows: list[RegisterRow],
    path: Path,
    issued_on: date,
    course: CertificateCourse | None = None,
    attended: Sequence[int] | None = None,
    completed: Sequence[bool] | None = None,
    languages: Sequence[str | None] | None = None,
) -> int:
    """Write one certificate page per row to ``path``; returns the page count.

    ``completed``: per row, whether the person completed; a row that did not gets a
    certificate of attendance (default: everyone completed). ``languages``: per row, the
    language of that person's certificate (default: English).
    """
    register_fonts()
    course = course or CertificateCourse(planned_sessions=info.planned)
    counts = list(attended) if attended is not None else [info.attended(r) for r in rows]
    c = rl_canvas.Canvas(str(path), pagesize=PORTRAIT, initialFontName=FONT)
    c.setTitle(f"{info.code} certificates")
    c.setAuthor(APP_NAME)
    c.setCreator(APP_NAME)
    c.setSubject(info.programme_title)
    done = list(completed) if completed is not None else [True] * len(rows)
    langs = list(languages) if languages is not None else [None] * len(rows)
    for row, n, ok, lang in zip(rows, counts, done, langs, strict=True):
        _page(c, info, row, n, course, issued_on, ok, translator(lang))
        c.showPage()
    c.save()
    return len(rows)
