"""Circuit cards: one A4 card a participant, in clear print (12 pt and larger).

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
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen import canvas as rl_canvas

from escape_desktop.i18n import Translator, translator

from .pdf_data import CourseInfo
from .pdf_style import (
    APP_NAME,
    DARK,
    FAINT,
    FONT,
    FONT_BOLD,
    INK,
    LIGHT,
    MID,
    PORTRAIT,
    draw_name,
    register_fonts,
)
from .pdf_words import dose_words

CARD_W, CARD_H = PORTRAIT  # one card a person, on its own A4 page
PAD = 16 * mm
BODY_PT = 12.0  # clear print for older readers: nothing on the card below 12 pt
DIARY_ROW = 7.2 * mm


@dataclass(frozen=True)
class CardStation:
    """One station as the person does it this session."""

    name: str
    level: str  # "Level 2: normal chair, hands help"
    how_to: str  # one line, from the exercise library
    aim: str  # "10 reps"
    home: str = ""  # at home: the station's home version (household items); "" in the hall


@dataclass(frozen=True)
class CardSession:
    number: int
    date: date
    measures: str = ""  # "Start measures" / "End measures" when they are due


@dataclass(frozen=True)
class Card:
    name: str
    stations: tuple[CardStation, ...]
    # The session is online (or the person joins it over video): the home circuit card.
    at_home: bool = False
    enrolment_id: int = 0
    language: str | None = None  # the person's own, or the site's default (English)


def _lines(text: str, font: str, size: float, width: float, max_lines: int) -> list[str]:
    """``text`` wrapped to ``width`` at ``size``; a word too long for the line still wraps, and
    anything beyond ``max_lines`` ends the last line with an ellipsis (never smaller type)."""
    lines = simpleSplit(text, font, size, width) or [""]
    if len(lines) <= max_lines:
        return lines
    kept = lines[:max_lines]
    last = kept[-1]
    while last and stringWidth(last + "…", font, size) > width:
        last = last[:-1].rstrip()
    kept[-1] = last + "…"
    return kept


def _card(
    c: rl_canvas.Canvas,
    info: CourseInfo,
    card: Card,
    sessions: Sequence[CardSession],
    for_session: CardSession | None,
    printed_on: date | None = None,
) -> None:
    tr: Translator = translator(card.language)
    _ = tr._

    def short_date(day: date) -> str:
        return tr.date(day, "short")

    left, right = PAD, CARD_W - PAD
    width = right - left
    top = CARD_H - PAD
    lead = BODY_PT * 1.25
    c.setFillColor(INK)
    used = draw_name(c, card.name, left, top, width, size=20, floor=14, font=FONT_BOLD)
    y = top - used - 4
    c.setFillColor(DARK)
    sub = f"{info.code} · {_(info.programme_title)}"
    for line in _lines(sub, FONT, BODY_PT, width, 2):
        c.setFont(FONT, BODY_PT)
        c.drawString(left, y - BODY_PT, line)
        y -= lead
    if for_session is not None:
        # The levels are those on the day the card was printed: say so, and give a place in
        # the diary to write a new level, so the card stays true after the instructor moves
        # someone up.
        when = short_date(printed_on) if printed_on else short_date(for_session.date)
        note = _(
            "Your levels for session {n} ({date}), as printed on {printed}. When your level "
            "changes, write the new one in the diary."
        ).format(n=for_session.number, date=short_date(for_session.date), printed=when)
        for line in _lines(note, FONT, BODY_PT, width, 3):
            c.setFont(FONT, BODY_PT)
            c.drawString(left, y - BODY_PT, line)
            y -= lead
    if card.at_home:
        note = _(
            "At home over video: the same levels and aims as in the hall, with things you "
            "have at home. Clear a space, keep a sturdy chair or worktop to hold, and stop "
            "if pain is worse than usual."
        )
        c.setFillColor(INK)
        for line in _lines(note, FONT_BOLD, BODY_PT, width, 4):
            c.setFont(FONT_BOLD, BODY_PT)
            c.drawString(left, y - BODY_PT, line)
            y -= lead
    y -= 6

    # Stations: number, name and level in words, the aim on the right; the how-to below.
    aim_w = 36 * mm
    c.setStrokeColor(MID)
    c.setLineWidth(0.5)
    c.line(left, y, right, y)
    for i, st in enumerate(card.stations):
        head = _lines(
            f"{i + 1}. {_(st.name)} — {_(st.level)}", FONT_BOLD, BODY_PT, width - aim_w - 4 * mm, 2
        )
        # The library's own words come from the catalogue too; a site's own station prints
        # as it was typed.
        how = _lines(_(st.how_to), FONT, BODY_PT, width - 9, 2) if st.how_to else []
        if st.home:
            at_home = _("At home: {how}").format(how=_(st.home))
            how += _lines(at_home, FONT, BODY_PT, width - 9, 3)
        c.setFillColor(INK)
        c.setFont(FONT_BOLD, BODY_PT)
        yy = y - BODY_PT - 2
        for line in head:
            c.drawString(left, yy, line)
            yy -= lead
        aim = _lines(dose_words(st.aim, tr), FONT_BOLD, BODY_PT, aim_w, 2)
        ya = y - BODY_PT - 2
        for line in aim:
            c.drawRightString(right, ya, line)
            ya -= lead
        c.setFillColor(DARK)
        c.setFont(FONT, BODY_PT)
        # An aim on two lines (Welsh runs longer) leaves room beside its second line only for
        # a short how-to line; a longer one starts below the aim.
        beside = width - aim_w - 4 * mm - 9
        if ya < yy and how and stringWidth(how[0], FONT, BODY_PT) > beside:
            yy = ya
        for line in how:
            c.drawString(left + 9, yy, line)
            yy -= lead
        y = min(yy, ya) + lead - BODY_PT - 6
        c.setStrokeColor(MID)
        c.line(left, y, right, y)
        if y < PAD + 3 * lead + 12 and i < len(card.stations) - 1:
            # More stations than the page holds: the rest go on the next page.
            c.showPage()
            y = CARD_H - PAD
            c.setStrokeColor(MID)
            c.setLineWidth(0.5)
            c.line(left, y, right, y)

    # The diary: a row per session to write done, level, pain and effort. At 12 pt it does
    # not share a page with ten stations: it goes overleaf (print double-sided), headed with
    # the name so a loose sheet finds its owner.
    if y - 30 - DIARY_ROW * (len(sessions) + 1) - 3 * lead < PAD:
        c.showPage()
        y = CARD_H - PAD
        c.setFillColor(INK)
        used = draw_name(c, card.name, left, y, width, size=16, floor=12, font=FONT_BOLD)
        y -= used + 4
    y -= 10
    c.setFillColor(INK)
    c.setFont(FONT_BOLD, BODY_PT)
    c.drawString(left, y - BODY_PT, _("Each session, write:"))
    y -= BODY_PT + 8
    # The session column as wide as its longest date (41 mm at most), so a longer word in
    # another language still leaves the notes room for its measures mark.
    dated = [f"{x.number}  {short_date(x.date)}" for x in sessions] or [""]
    session_w = min(41 * mm, max(stringWidth(t, FONT_BOLD, BODY_PT) for t in dated) + 8)
    cols = [(_("Session"), session_w), (_("Done?"), 17 * mm), (_("New level"), 25 * mm)]
    cols += [(_("Pain"), 16 * mm), (_("Effort"), 21 * mm)]
    # A heading longer in another language widens its column (at 12 pt, clear print); the
    # notes column gives up the room.
    cols = [(label, max(w, stringWidth(label, FONT_BOLD, BODY_PT) + 6)) for label, w in cols]
    cols.append((_("Notes"), width - sum(w for _label, w in cols)))
    xs = [left]
    for _label, w in cols:
        xs.append(xs[-1] + w)
    c.setFillColor(LIGHT)
    c.rect(left, y - DIARY_ROW, width, DIARY_ROW, stroke=0, fill=1)
    c.setFillColor(INK)
    c.setFont(FONT_BOLD, BODY_PT)
    for (label, w), x in zip(cols, xs, strict=False):
        # a heading never runs into the next column: smaller rather than wider
        size = BODY_PT
        while size > 8 and stringWidth(label, FONT_BOLD, size) > w - 5:
            size -= 0.5
        c.setFont(FONT_BOLD, size)
        c.drawString(x + 3, y - DIARY_ROW + 6, label)
    rows_top = y
    y -= DIARY_ROW
    for sess in sessions:
        if sess.measures:
            c.setFillColor(FAINT)
            c.rect(left, y - DIARY_ROW, width, DIARY_ROW, stroke=0, fill=1)
        c.setFillColor(INK)
        c.setFont(FONT_BOLD if sess.measures else FONT, BODY_PT)
        c.drawString(left + 3, y - DIARY_ROW + 6, f"{sess.number}  {short_date(sess.date)}")
        if sess.measures:
            mark = "★ " + _(sess.measures)
            size = BODY_PT
            while size > 9 and stringWidth(mark, FONT_BOLD, size) > right - xs[5] - 5:
                size -= 0.5
            c.setFont(FONT_BOLD, size)
            c.drawString(xs[5] + 3, y - DIARY_ROW + 6, mark)
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
    c.setFont(FONT, BODY_PT)
    c.setFillColor(DARK)
    for i, line in enumerate(
        _lines(
            _(
                "Pain from 0 (none) to 10 (worst imaginable). Effort from 0 (very easy) to 10 "
                "(as hard as can be)."
            ),
            FONT,
            BODY_PT,
            width,
            2,
        )
    ):
        c.drawString(left, y - BODY_PT - 4 - i * lead, line)


def render_cards(
    info: CourseInfo,
    cards: Sequence[Card],
    sessions: Sequence[CardSession],
    path: Path,
    for_session: CardSession | None = None,
) -> int:
    """One A4 card a person (clear print, 12 pt and larger); returns the page count."""
    register_fonts()
    c = rl_canvas.Canvas(str(path), pagesize=PORTRAIT, initialFontName=FONT)
    home = " (home)" if cards and all(card.at_home for card in cards) else ""
    c.setTitle(f"{info.code} circuit cards{home}")
    c.setAuthor(APP_NAME)
    c.setCreator(APP_NAME)
    c.setSubject(info.title)
    for card in cards or []:
        _card(c, info, card, sessions, for_session, info.today)
        c.showPage()
    pages = c.getPageNumber() - 1
    if not cards:
        c.showPage()
        pages = 1
    c.save()
    return pages
