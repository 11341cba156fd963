"""Word boxes of a PDF read back through pdfium: which words overprint, cross the margins.

The same checks as the shared `pdf-fit` tool (poppler's word boxes), made with pypdfium2 (a
dependency already: it draws the print preview), so the test runs wherever the app does.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pypdfium2 as pdfium

# Text must keep this far from the paper's edge (points): office printers cannot print the
# outer 4-5 mm of a sheet.
MARGIN = 12.0


@dataclass(frozen=True)
class Word:
    page: int
    text: str
    left: float
    bottom: float
    right: float
    top: float


Box = tuple[float, float, float, float]


def _word(page: int, chars: list[tuple[str, Box]]) -> Word:
    boxes = [b for _, b in chars]
    return Word(
        page,
        "".join(c for c, _ in chars),
        min(b[0] for b in boxes),
        min(b[1] for b in boxes),
        max(b[2] for b in boxes),
        max(b[3] for b in boxes),
    )


def _page_words(page_no: int, chars: list[tuple[str, Box]]) -> list[Word]:
    """Runs of non-space characters on one line; a jump back, to another line or across a
    wide gap starts a new word."""
    out: list[Word] = []
    current: list[tuple[str, Box]] = []
    for ch, box in chars:
        if current:
            prev = current[-1][1]
            new_word = (
                not ch.strip()
                or box[0] < prev[0] - 0.5
                or abs(box[1] - prev[1]) > 2
                or box[0] - prev[2] > 3
            )
            if new_word:
                out.append(_word(page_no, current))
                current = []
        if ch.strip():
            current.append((ch, box))
    if current:
        out.append(_word(page_no, current))
    return out


def words(path: Path) -> tuple[list[Word], list[tuple[float, float]]]:
    """Every word with its box (points, origin bottom left), and each page's size."""
    pdf = pdfium.PdfDocument(str(path))
    out: list[Word] = []
    sizes = []
    try:
        for pno in range(len(pdf)):
            page = pdf[pno]
            sizes.append(page.get_size())
            tp = page.get_textpage()
            chars = [(tp.get_text_range(i, 1), tp.get_charbox(i)) for i in range(tp.count_chars())]
            out.extend(_page_words(pno + 1, chars))
            tp.close()
            page.close()
    finally:
        pdf.close()
    return out, sizes


def problems(path: Path, margin: float = MARGIN) -> list[str]:
    """Words that overprint one another or come closer to the paper's edge than ``margin``."""
    found: list[str] = []
    all_words, sizes = words(path)
    by_page: dict[int, list[Word]] = {}
    for w in all_words:
        by_page.setdefault(w.page, []).append(w)
    for pno, items in by_page.items():
        width, height = sizes[pno - 1]
        for w in items:
            if (
                w.left < margin
                or w.bottom < margin
                or w.right > width - margin
                or w.top > height - margin
            ):
                found.append(f"page {pno}: '{w.text}' crosses the margin")
        items = sorted(items, key=lambda w: w.left)
        for i, a in enumerate(items):
            for b in items[i + 1 :]:
                if b.left >= a.right - 0.8:
                    break
                overlap_y = min(a.top, b.top) - max(a.bottom, b.bottom)
                smaller = min(a.top - a.bottom, b.top - b.bottom)
                if (
                    smaller > 0
                    and overlap_y > 0.5 * smaller
                    and min(a.right, b.right) - b.left > 0.8
                ):
                    found.append(f"page {pno}: '{a.text}' overprints '{b.text}'")
    return found
