"""House style of every printed document: embedded fonts, text styles, tables, page furniture.

Everything is black, white and greys so a document prints the same on any office printer.
The font is DejaVu Sans (shipped under resources/fonts with its licence), embedded as a
TrueType subset, so names such as Łukasz, Siân, Zoë and Nguyễn print correctly.
"""

from __future__ import annotations

import os
import re
import tempfile
import threading
import unicodedata
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import Any

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas as rl_canvas
from reportlab.platypus import Flowable, Paragraph, Table, TableStyle
from reportlab.platypus.doctemplate import SimpleDocTemplate

from escape_desktop.db.files import FileHeld, replace_file
from escape_desktop.i18n import ENGLISH, N_, Translator, _
from escape_desktop.paths import resource_path
from escape_desktop.programme.rounding import format_number

from .pdf_errors import DocumentError

FONT = "DejaVuSans"
FONT_BOLD = "DejaVuSans-Bold"
FONT_ITALIC = "DejaVuSans-Oblique"
FONT_BOLD_ITALIC = "DejaVuSans-BoldOblique"
_FONT_FILES = {
    FONT: "DejaVuSans.ttf",
    FONT_BOLD: "DejaVuSans-Bold.ttf",
    FONT_ITALIC: "DejaVuSans-Oblique.ttf",
    FONT_BOLD_ITALIC: "DejaVuSans-BoldOblique.ttf",
}

PORTRAIT = A4
LANDSCAPE = landscape(A4)
MARGIN = 15 * mm

INK = colors.black
DARK = colors.Color(0.25, 0.25, 0.25)
MID = colors.Color(0.55, 0.55, 0.55)
LIGHT = colors.Color(0.82, 0.82, 0.82)
FAINT = colors.Color(0.94, 0.94, 0.94)

APP_NAME = "escape-desktop"

_fonts_lock = threading.Lock()
_fonts_ready = False


def register_fonts() -> None:
    """Register DejaVu Sans with ReportLab once per process (safe from worker threads)."""
    global _fonts_ready
    if _fonts_ready:
        return
    with _fonts_lock:
        if _fonts_ready:
            return
        for name, filename in _FONT_FILES.items():
            path = resource_path("fonts", filename)
            if not path.is_file():
                raise DocumentError(
                    _("The font file {file} is missing from the app; please reinstall it.").format(
                        file=filename
                    )
                )
            pdfmetrics.registerFont(TTFont(name, str(path)))
        pdfmetrics.registerFontFamily(
            FONT, normal=FONT, bold=FONT_BOLD, italic=FONT_ITALIC, boldItalic=FONT_BOLD_ITALIC
        )
        # Charts start each drawing in this font: make it ours so no unembedded
        # Helvetica is ever referenced (only export/ uses ReportLab in this app).
        from reportlab import rl_config

        rl_config.defaultGraphicsFontName = FONT
        _fonts_ready = True


def make_style(name: str, **kw: Any) -> ParagraphStyle:
    base = {"fontName": FONT, "fontSize": 10, "leading": 13, "textColor": INK}
    base.update(kw)
    return ParagraphStyle(name, **base)


class Styles:
    """The paragraph styles of the house; 9 pt is the smallest text a participant reads."""

    title = make_style("title", fontName=FONT_BOLD, fontSize=18, leading=22, spaceAfter=2)
    subtitle = make_style("subtitle", fontSize=11, leading=14, textColor=DARK)
    h2 = make_style("h2", fontName=FONT_BOLD, fontSize=12, leading=15, spaceBefore=8, spaceAfter=4)
    body = make_style("body", fontSize=10, leading=13.5)
    note = make_style("note", fontSize=9, leading=11.5, textColor=DARK)
    cell = make_style("cell", fontSize=9, leading=10.5)
    cell_bold = make_style("cell_bold", fontName=FONT_BOLD, fontSize=9, leading=10.5)
    # Kept for documents not yet on name_paragraph (breaks a too-long part at a hyphen).
    name = make_style("name", fontSize=9, leading=10.5, embeddedHyphenation=1)
    cell_center = make_style("cell_center", fontSize=9, leading=10.5, alignment=TA_CENTER)
    cell_right = make_style("cell_right", fontSize=9, leading=10.5, alignment=TA_RIGHT)
    head = make_style("head", fontName=FONT_BOLD, fontSize=9, leading=10.5)
    head_center = make_style(
        "head_center", fontName=FONT_BOLD, fontSize=9, leading=10.5, alignment=TA_CENTER
    )


class Clipboard:
    """Styles for the instructor's sheets read at a clipboard's distance: nothing under 10 pt."""

    cell = make_style("clip_cell", fontSize=10, leading=12)
    cell_bold = make_style("clip_cell_bold", fontName=FONT_BOLD, fontSize=10, leading=12)
    cell_right = make_style("clip_cell_right", fontSize=10, leading=12, alignment=TA_RIGHT)
    head = make_style("clip_head", fontName=FONT_BOLD, fontSize=10, leading=12)
    head_center = make_style(
        "clip_head_center", fontName=FONT_BOLD, fontSize=10, leading=12, alignment=TA_CENTER
    )
    note = make_style("clip_note", fontSize=10, leading=12.5, textColor=DARK)


class CellParagraph(Paragraph):
    """A Paragraph that keeps its line breaks for the last width it was wrapped to.

    A Table wraps every cell twice, once to size its row and again to draw it, and
    breaking lines is most of a paragraph's cost; the second wrap at the same width is
    then free. The page is the same: the lines depend only on the width, text and style.
    """

    _wrapped: tuple[float, object] | None = None  # (width, the line breaks made for it)

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        done = self._wrapped
        # split() may drop the line breaks when it pushes the paragraph on to the next page
        if done is not None and done[0] == availWidth and getattr(self, "blPara", None) is done[1]:
            return self.width, self.height
        size = super().wrap(availWidth, availHeight)
        self._wrapped = (availWidth, self.blPara)
        return size


def person_name_style(name: str, width: float) -> ParagraphStyle:
    """Older cell style for a name; new code uses name_paragraph (fit_name's one rule)."""
    longest = max((pdfmetrics.stringWidth(part, FONT, 9) for part in name.split()), default=0)
    return Styles.name if longest > width else Styles.cell


def esc(text: object) -> str:
    """Text made safe for a ReportLab Paragraph (its markup is XML-like)."""
    return (
        str(text if text is not None else "")
        .replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
    )


def para(text: object, style: ParagraphStyle = Styles.cell) -> Paragraph:
    return Paragraph(esc(text), style)


def long_date(day: date | None, tr: Translator = ENGLISH) -> str:
    """'Thursday 26 November 2026' ('Dydd Iau 26 Tachwedd 2026'): in the reader's language."""
    return tr.date(day, "long")


def short_date(day: date | None, tr: Translator = ENGLISH) -> str:
    """'26 Nov 2026' ('26 Tach 2026'): in the reader's language."""
    return tr.date(day, "short")


def tiny_date(day: date | None) -> str:
    """'26/11': for narrow register columns."""
    if day is None:
        return ""
    return f"{day.day:02d}/{day.month:02d}"


def fit_cell(
    text: str, width: float, size: float = 10, floor: float = 6, bold: bool = False
) -> str | Paragraph:
    """A short cell's text (a register key, a column's one word) at the table's ``size``, or
    smaller, down to ``floor``, where a language says it in more letters than the column
    holds (a longer one still wraps rather than running into the next cell)."""
    font = FONT_BOLD if bold else FONT
    need = stringWidth(text, font, size)
    if need <= width:
        return text  # a plain cell: never wrapped
    # half a point to spare: a cell's room, worked out by the table, can come out a hair
    # (1e-14) under ``width``, and a word that exactly fills it then wraps at its last letter
    size = max(floor, size * (width - 0.5) / need)
    style = ParagraphStyle(
        f"fit_{font}_{size:.2f}", fontName=font, fontSize=size, leading=size + 1.5, alignment=1
    )
    return Paragraph(esc(text), style)


def level_label(level: int | None) -> str:
    """Stored levels are 0-based; people count from 1."""
    return "" if level is None else f"Level {level + 1}"


def number(value: float | None, decimals: int = 1) -> str:
    """A figure as printed: rounded half away from zero (an f-string would print 2.5 as "2"),
    trailing zeros dropped, a true minus sign."""
    if value is None:
        return "–"
    text = format_number(value, decimals)
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text.replace("-", "−")


def grid_style(header_rows: int = 1, *, zebra: bool = True, font_size: float = 9) -> TableStyle:
    """The house table: hairline grid, grey header, light zebra rows that survive photocopying."""
    cmds: list[tuple] = [
        ("FONT", (0, 0), (-1, -1), FONT, font_size),
        ("FONT", (0, 0), (-1, header_rows - 1), FONT_BOLD, font_size),
        ("GRID", (0, 0), (-1, -1), 0.5, MID),
        ("BOX", (0, 0), (-1, -1), 1, INK),
        ("BACKGROUND", (0, 0), (-1, header_rows - 1), LIGHT),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
    ]
    if zebra:
        cmds.append(("ROWBACKGROUNDS", (0, header_rows), (-1, -1), [colors.white, FAINT]))
    return TableStyle(cmds)


def table(
    data: Sequence[Sequence[Any]],
    col_widths: Sequence[float] | None = None,
    *,
    header_rows: int = 1,
    zebra: bool = True,
    extra: Sequence[tuple] = (),
    row_heights: Sequence[float] | float | None = None,
) -> Table:
    t = Table(
        [list(r) for r in data],
        colWidths=col_widths,
        rowHeights=row_heights,
        repeatRows=header_rows,
        hAlign="LEFT",
    )
    style = grid_style(header_rows, zebra=zebra)
    for cmd in extra:
        style.add(*cmd)
    t.setStyle(style)
    return t


class TickBox(Flowable):
    """An empty square to tick with a pen."""

    def __init__(self, size: float = 10, line: float = 0.8):
        super().__init__()
        self.size = size
        self.line = line
        self.width = self.height = size

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        return self.size, self.size

    def draw(self) -> None:
        c = self.canv
        c.setStrokeColor(INK)
        c.setLineWidth(self.line)
        c.rect(0, 0, self.size, self.size, stroke=1, fill=0)


class _NumberedCanvas(rl_canvas.Canvas):
    """Writes 'Page n of N' once the total is known (pages are kept until save())."""

    footer_left = ""
    footer_size = 8.0
    page_words = N_("Page {n} of {total}")  # in the reader's language (build() sets it)

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self._saved_pages: list[dict] = []

    def showPage(self) -> None:
        self._saved_pages.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        total = len(self._saved_pages)
        for state in self._saved_pages:
            self.__dict__.update(state)
            self._draw_page_number(total)
            super().showPage()
        super().save()

    def _draw_page_number(self, total: int) -> None:
        width = self._pagesize[0]
        self.saveState()
        self.setFont(FONT, self.footer_size)
        self.setFillColor(DARK)
        self.drawRightString(
            width - MARGIN, 8 * mm, self.page_words.format(n=self._pageNumber, total=total)
        )
        self.restoreState()


def page_furniture(
    left: str, right: str = "", size: float = 8
) -> Callable[[rl_canvas.Canvas, Any], None]:
    """A footer: what the document is on the left, a hairline above it."""

    def draw(c: rl_canvas.Canvas, doc: Any) -> None:
        width = doc.pagesize[0]
        c.saveState()
        c.setStrokeColor(MID)
        c.setLineWidth(0.5)
        c.line(MARGIN, 12 * mm, width - MARGIN, 12 * mm)
        c.setFont(FONT, size)
        c.setFillColor(DARK)
        c.drawString(MARGIN, 8 * mm, left)
        if right:
            c.drawCentredString(width / 2, 8 * mm, right)
        c.restoreState()

    return draw


def document(
    path: Path | str,
    pagesize: tuple[float, float],
    *,
    title: str,
    subject: str = "",
    margins: tuple[float, float, float, float] | None = None,
) -> SimpleDocTemplate:
    """A platypus document with the house margins and metadata (left, right, top, bottom)."""
    register_fonts()
    left, right, top, bottom = margins or (MARGIN, MARGIN, MARGIN, 16 * mm)
    return SimpleDocTemplate(
        str(path),
        pagesize=pagesize,
        leftMargin=left,
        rightMargin=right,
        topMargin=top,
        bottomMargin=bottom,
        title=title,
        author=APP_NAME,
        subject=subject,
        creator=APP_NAME,
        initialFontName=FONT,  # else every page starts in Helvetica, which is not embedded
        initialFontSize=10,
    )


def build(
    doc: SimpleDocTemplate,
    story: list,
    *,
    footer: str,
    footer_centre: str = "",
    numbered: bool = True,
    footer_size: float = 8,
    tr: Translator = ENGLISH,
) -> int:
    """Lay the story out; returns the number of pages. ``footer_size``: 10 on the sheets an
    instructor reads at a clipboard's distance; ``tr``: the reader's language ("Page 2 of 3")."""
    furniture = page_furniture(footer, footer_centre, footer_size)
    kwargs: dict[str, Any] = {"onFirstPage": furniture, "onLaterPages": furniture}
    if numbered:
        kwargs["canvasmaker"] = type(
            "_Numbered",
            (_NumberedCanvas,),
            {
                "footer_size": float(footer_size),
                "page_words": tr._("Page {n} of {total}"),
            },
        )
    doc.build(story, **kwargs)
    return int(doc.page)


def write_atomically(
    out_path: Path | str,
    write: Callable[[Path], Any],
    around_replace: Callable[[Callable[[], None]], Any] | None = None,
) -> Any:
    """Call ``write(temp_path)`` then rename the finished file over ``out_path``.

    A crash or error never leaves a half-written PDF under the name the user chose.
    ``around_replace(place)`` (recording certificates as issued) is given the rename and calls
    it inside its own transaction, before committing: if the rename fails nothing is recorded,
    a kill between the rename and the commit leaves no record, and if the commit fails the
    file that took the name is removed again, so a file and its record go together.
    """
    out = Path(out_path).expanduser()
    folder = out.parent if str(out.parent) else Path(".")
    if not folder.is_dir():
        raise DocumentError(
            _("The folder {folder} does not exist; choose another place to save.").format(
                folder=folder
            )
        )
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{out.stem[:40]}-", suffix=".tmp", dir=folder)
    except OSError as e:
        raise DocumentError(
            _("Cannot save in {folder} ({reason}); choose another folder.").format(
                folder=folder, reason=e.strerror or e
            )
        ) from None
    os.close(fd)
    tmp = Path(tmp_name)
    placed = False

    def place() -> None:
        nonlocal placed
        # Asked again for a moment while a scan holds it; a viewer holding it for good is
        # told as before.
        replace_file(tmp, out, retry_for=2.0)
        placed = True

    try:
        result = write(tmp)
        if around_replace is None:
            place()
        else:
            try:
                around_replace(place)
            except BaseException:
                if placed:  # named, but its record never committed: take the file back
                    out.unlink(missing_ok=True)
                raise
    except (PermissionError, FileHeld):
        raise DocumentError(
            _(
                "Cannot write {file}: it may be open in another program; close it and try again."
            ).format(file=out.name)
        ) from None
    except OSError as e:
        raise DocumentError(
            _("Saving {file} failed ({reason}); check there is space and try again.").format(
                file=out.name, reason=e.strerror or e
            )
        ) from None
    finally:
        if tmp.exists():
            tmp.unlink(missing_ok=True)
    return result


def heading(
    title: str,
    subtitle: str = "",
    facts: Sequence[tuple[str, str]] = (),
    facts_style: ParagraphStyle | None = None,
) -> list:
    """A document's title block: title, one subtitle line, then 'label: value' facts in a row."""
    from reportlab.platypus import Spacer

    out: list = [Paragraph(esc(title), Styles.title)]
    if subtitle:
        out.append(Paragraph(esc(subtitle), Styles.subtitle))
    if facts:
        text = " &nbsp;&nbsp;·&nbsp;&nbsp; ".join(
            f"<font name='{FONT_BOLD}'>{esc(label)}:</font> {esc(value)}"
            for label, value in facts
            if value
        )
        out.append(Spacer(1, 3))
        out.append(Paragraph(text, facts_style or Styles.note))
    out.append(Spacer(1, 6))
    return out


# --------------------------------------------------------------------------- names

# Scripts written right to left (Arabic, Hebrew, ...) need shaping and reordering that
# ReportLab does not do: printed as stored, the letters come out unjoined and backwards.
_RIGHT_TO_LEFT = frozenset({"R", "AL"})


def cannot_print(text: str) -> bool:
    """True if the document font has no letter for part of the text (it would print as an
    empty box) or the text is in a right-to-left script (it would print backwards)."""
    register_fonts()
    glyphs = pdfmetrics.getFont(FONT).face.charToGlyph
    return any(
        (not ch.isspace() and ord(ch) not in glyphs)
        or unicodedata.bidirectional(ch) in _RIGHT_TO_LEFT
        for ch in text
    )


# Break points inside a name: after a space or after a hyphen (the hyphen stays on its line).
_NAME_PARTS = re.compile(r"[^\s-]+-*|-+")


def _name_tokens(name: str) -> list[tuple[str, bool]]:
    """The name as unbreakable pieces, each with whether a space follows it."""
    out: list[tuple[str, bool]] = []
    for word in name.split():
        parts = _NAME_PARTS.findall(word)
        for i, part in enumerate(parts):
            out.append((part, i == len(parts) - 1))
    return out


def _greedy(tokens: list[tuple[str, bool]], font: str, size: float, width: float) -> list[str]:
    lines: list[str] = []
    current = ""
    for part, spaced in tokens:
        trial = current + part
        if current and stringWidth(trial.rstrip(), font, size) > width:
            lines.append(current.rstrip())
            trial = part
        current = trial + (" " if spaced else "")
    if current.strip():
        lines.append(current.rstrip())
    return lines


def fit_name(
    name: str,
    width: float,
    *,
    size: float = 9,
    floor: float = 7,
    font: str = FONT,
    max_lines: int = 2,
) -> tuple[float, list[str]]:
    """How a person's name fits a cell ``width`` points wide: (font size, lines).

    The one rule for every document: first shrink the name on one line down to ``floor``;
    then break it at spaces or hyphens (largest size first, at most ``max_lines`` lines);
    then wrap onto more lines. A word is never split: only when one piece of the name is
    wider than the cell even at the floor does the size go below it.
    """
    name = " ".join(name.split())
    if not name:
        return size, [""]
    s = size
    while s >= floor:
        if stringWidth(name, font, s) <= width:
            return s, [name]
        s -= 0.5
    # Between words first ("Winston / Demo-Morgan"), at hyphens only when that is not enough.
    words = [(w, True) for w in name.split()]
    tokens = _name_tokens(name)
    widest = max(stringWidth(p, font, 1) for p, _ in tokens)
    s = size
    while s >= floor:
        for pieces in (words, tokens):
            if max(stringWidth(p, font, s) for p, _ in pieces) <= width:
                lines = _greedy(pieces, font, s, width)
                if len(lines) <= max_lines:
                    return s, lines
        s -= 0.5
    # More lines at the floor, or (a single piece too wide) smaller still.
    s = min(floor, width / widest) if widest else floor
    return s, _greedy(tokens, font, s, width)


def name_paragraph(
    name: str,
    width: float,
    *,
    size: float = 9,
    floor: float = 7,
    font: str = FONT,
    max_lines: int = 2,
    alignment: int = 0,
    color: Any = INK,
) -> Paragraph:
    """A person's name laid out by fit_name as a Paragraph (for a table cell or a frame)."""
    s, lines = fit_name(name, width, size=size, floor=floor, font=font, max_lines=max_lines)
    style = make_style(
        f"name_{font}_{s}_{alignment}",
        fontName=font,
        fontSize=s,
        leading=s * 1.18,
        alignment=alignment,
        textColor=color,
        splitLongWords=0,
    )
    # Each line is its own; the paragraph must not re-break inside one.
    return CellParagraph("<br/>".join(esc(x) for x in lines), style)


def draw_name(
    c: rl_canvas.Canvas,
    name: str,
    x: float,
    y_top: float,
    width: float,
    *,
    size: float = 9,
    floor: float = 7,
    font: str = FONT,
    max_lines: int = 2,
    centred: bool = False,
) -> float:
    """Draw a name on a canvas from ``y_top`` down (fit_name's rule); returns the height used."""
    s, lines = fit_name(name, width, size=size, floor=floor, font=font, max_lines=max_lines)
    leading = s * 1.18
    c.setFont(font, s)
    y = y_top - s
    for line in lines:
        if centred:
            c.drawCentredString(x + width / 2, y, line)
        else:
            c.drawString(x, y, line)
        y -= leading
    return leading * len(lines)
