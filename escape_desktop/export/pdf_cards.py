"""Circuit cards: one A5 card a participant, two to a landscape A4 sheet with a cut line.

In a circuit a dozen people move between ten stations at once; each carries their own card
(as in GLA:D training diaries): their name, each station with today's level in words, a
one-line how-to and the aim, then a row per session to write done, pain and effort. Rows
for sessions when the start or end measures are taken are shaded and marked.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen import canvas as rl_canvas

from .pdf_data import CourseInfo
from .pdf_style import (
    APP_NAME,
    DARK,
    FAINT,
    FONT,
    FONT_BOLD,
    INK,
    LANDSCAPE,
    LIGHT,
    MID,
    draw_name,
    register_fonts,
    short_date,
)

CARD_W = LANDSCAPE[0] / 2  # A5 portrait: half a landscape A4
CARD_H = LANDSCAPE[1]
PAD = 9 * mm
DIARY_ROW = 6.2 * mm


@dataclass(frozen=True)
class CardStation:
    """One station as the person does it this session."""

    name: str
    level: str  # "Level 2: normal chair, hands help"
    how_to: str  # one line, from the exercise library
    aim: str  # "10 reps"


@dataclass(frozen=True)
class CardSession:
    number: int
    date: date
    measures: str = ""  # "Start measures" / "End measures" when they are due


@dataclass(frozen=True)
class Card:
    name: str
    stations: tuple[CardStation, ...]


def _fit(text: str, font: str, size: float, width: float, floor: float) -> tuple[str, float]:
    """Shrink a line to ``floor``, then shorten it at a word with an ellipsis."""
    s = size
    while s > floor and stringWidth(text, font, s) > width:
        s -= 0.25
    if stringWidth(text, font, s) <= width:
        return text, s
    words = text.split()
    while len(words) > 1 and stringWidth(" ".join(words) + "…", font, s) > width:
        words.pop()
    return " ".join(words) + "…", s


def _card(
    c: rl_canvas.Canvas,
    x0: float,
    info: CourseInfo,
    card: Card,
    sessions: Sequence[CardSession],
    for_session: CardSession | None,
) -> None:
    left, right = x0 + PAD, x0 + CARD_W - PAD
    width = right - left
    top = CARD_H - PAD
    c.setFillColor(INK)
    used = draw_name(c, card.name, left, top, width, size=17, floor=12, font=FONT_BOLD)
    y = top - used - 3
    c.setFont(FONT, 9)
    c.setFillColor(DARK)
    sub = f"{info.code} · {info.programme_title}"
    if for_session is not None:
        sub += f" · levels for session {for_session.number}, {short_date(for_session.date)}"
    text, size = _fit(sub, FONT, 9, width, 7.5)
    c.setFont(FONT, size)
    c.drawString(left, y - 9, text)
    y -= 16

    # Stations: number and name, level in words, the aim on the right; the how-to below.
    n = max(1, len(card.stations))
    diary_h = DIARY_ROW * (len(sessions) + 1) + 14
    room = y - PAD - diary_h - 8
    row_h = min(12.5 * mm, room / n)
    aim_w = 31 * mm
    c.setStrokeColor(MID)
    c.setLineWidth(0.5)
    c.line(left, y, right, y)
    for i, st in enumerate(card.stations):
        c.setFillColor(INK)
        line1, s1 = _fit(
            f"{i + 1}. {st.name} — {st.level}", FONT_BOLD, 10, width - aim_w - 4 * mm, 7.5
        )
        c.setFont(FONT_BOLD, s1)
        c.drawString(left, y - 11, line1)
        aim, sa = _fit(st.aim, FONT_BOLD, 11, aim_w, 7.5)
        c.setFont(FONT_BOLD, sa)
        c.drawRightString(right, y - 11.5, aim)
        if st.how_to:
            c.setFillColor(DARK)
            how, sh = _fit(st.how_to, FONT, 9, width, 7.5)
            c.setFont(FONT, sh)
            c.drawString(left + 9, y - 22, how)
        y -= row_h
        c.line(left, y, right, y)

    # The diary: a row per session to write done, pain and effort.
    y -= 8
    c.setFillColor(INK)
    c.setFont(FONT_BOLD, 10)
    c.drawString(left, y - 10, "Each session, write:")
    y -= 14
    cols = [("Session", 30 * mm), ("Done all? ✓", 24 * mm), ("Pain 0–10", 19 * mm)]
    cols += [("Effort 0–10", 21 * mm)]
    cols.append(("Notes", width - sum(w for _, w in cols)))
    xs = [left]
    for _, w in cols:
        xs.append(xs[-1] + w)
    c.setFillColor(LIGHT)
    c.rect(left, y - DIARY_ROW, width, DIARY_ROW, stroke=0, fill=1)
    c.setFillColor(INK)
    c.setFont(FONT_BOLD, 8.5)
    for (label, _), x in zip(cols, xs, strict=False):
        c.drawString(x + 2, y - DIARY_ROW + 5, label)
    rows_top = y
    y -= DIARY_ROW
    for sess in sessions:
        if sess.measures:
            c.setFillColor(FAINT)
            c.rect(left, y - DIARY_ROW, width, DIARY_ROW, stroke=0, fill=1)
        c.setFillColor(INK)
        c.setFont(FONT_BOLD if sess.measures else FONT, 9)
        c.drawString(left + 2, y - DIARY_ROW + 5, f"{sess.number}  {short_date(sess.date)}")
        if sess.measures:
            c.setFont(FONT_BOLD, 8.5)
            c.drawString(xs[4] + 2, y - DIARY_ROW + 5, f"★ {sess.measures}")
        y -= DIARY_ROW
    c.setStrokeColor(MID)
    c.setLineWidth(0.5)
    for i in range(len(sessions) + 2):
        yy = rows_top - i * DIARY_ROW
        c.line(left, yy, right, yy)
    for x in xs:
        c.line(x, rows_top, x, y)
    c.setStrokeColor(INK)
    c.setLineWidth(1)
    c.rect(left, y, width, rows_top - y, stroke=1, fill=0)
    c.setFont(FONT, 7.5)
    c.setFillColor(DARK)
    c.drawString(
        left,
        y - 10,
        "Pain: 0 none, 10 worst imaginable. Effort: 0 very easy, 10 as hard as can be.",
    )


def render_cards(
    info: CourseInfo,
    cards: Sequence[Card],
    sessions: Sequence[CardSession],
    path: Path,
    for_session: CardSession | None = None,
) -> int:
    """Two cards to a landscape A4 page with a dashed cut line; returns the page count."""
    register_fonts()
    c = rl_canvas.Canvas(str(path), pagesize=LANDSCAPE, initialFontName=FONT)
    c.setTitle(f"{info.code} circuit cards")
    c.setAuthor(APP_NAME)
    c.setCreator(APP_NAME)
    c.setSubject(info.title)
    pages = 0
    for i in range(0, max(1, len(cards)), 2):
        for j, card in enumerate(cards[i : i + 2]):
            _card(c, j * CARD_W, info, card, sessions, for_session)
        c.saveState()
        c.setStrokeColor(MID)
        c.setLineWidth(0.5)
        c.setDash(4, 3)
        c.line(CARD_W, 6 * mm, CARD_W, CARD_H - 6 * mm)
        c.setFont(FONT, 7)
        c.setFillColor(MID)
        c.drawCentredString(CARD_W, 2.5 * mm, "✂ cut here")
        c.restoreState()
        c.showPage()
        pages += 1
    c.save()
    return pages
