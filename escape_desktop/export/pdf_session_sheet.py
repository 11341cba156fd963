"""The session sheet (landscape A4): who came, and each person's circuit with room to write.

What the app records is what the sheet asks for: per station the aim (level and dose), then
done, pain and effort, each in a box at least 8 mm wide; a notes column; walk-in rows. Ten
stations do not fit one A4 width at that size, so the stations are split into parts (five
and five), each part a table of everyone. A legend under each part says what each level
in use means, so cover staff can run the circuit. Sessions with measures due carry a banner
and who still needs them; a past session prints what was recorded, marked "as recorded".
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import CondPageBreak, KeepTogether, PageBreak, Spacer, Table, TableStyle

from escape_desktop.i18n import Translator, ui_translator
from escape_desktop.programme.status import ATTENDANCE_MARKS, mark_from_letter

from .pdf_data import CourseInfo
from .pdf_register import JOINED_ONLINE_STAR
from .pdf_style import (
    FAINT,
    FONT,
    FONT_BOLD,
    INK,
    LANDSCAPE,
    LIGHT,
    MID,
    CellParagraph,
    Clipboard,
    Styles,
    build,
    document,
    esc,
    fit_cell,
    long_date,
    make_style,
    name_paragraph,
)
from .pdf_words import MARK_MEANINGS, mark_key

SIDE = 10 * mm
ROW_H = 6.5 * mm  # tall enough to write a number in
FIGURE_W = 10.5 * mm  # done, pain, effort: one handwritten figure; "effort" at 10 pt fits
AIM_W = 13 * mm
NUMBER_W = 6 * mm
NAME_W = 40 * mm
HERE_W = 10 * mm
NOTES_MIN = 30 * mm
WALK_IN_ROWS = 2  # a latecomer or a taster: always printed, on a further page if need be
BANNER = colors.Color(0.80, 0.33, 0.0)  # dark orange: shows on a mono copy as a dark band

# Read at a clipboard's distance in a sports hall: nothing on the sheet is under 10 pt.
station_head = make_style("station_head", fontName=FONT_BOLD, fontSize=10, leading=11.5)
plain_head = make_style("plain_head", fontSize=10, leading=11.5, textColor=INK)
sub_head = make_style("sub_head", fontSize=10, leading=11.5, alignment=1)
legend_style = make_style("sheet_legend", fontSize=10, leading=12)
banner_style = make_style(
    "sheet_banner", fontName=FONT_BOLD, fontSize=11, leading=13.5, textColor=colors.white
)
banner_small = make_style("sheet_banner_small", fontSize=10, leading=12, textColor=colors.white)


class SheetTable(Table):
    """The grid, with each aim cell (bold level over the dose) and tick box drawn in one pass
    after the table: far cheaper than a flowable per cell, which kept 16 x 10 slow.
    benchmarks/bench_pdf.py measures it against a bare ReportLab table."""

    def __init__(
        self,
        *args: Any,
        aims: dict[tuple[int, int], tuple[str, str]] | None = None,
        ticks: Sequence[tuple[int, int]] = (),
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.aims: dict[tuple[int, int], tuple[str, str]] = aims or {}
        self.ticks: tuple[tuple[int, int], ...] = tuple(ticks)

    def _drawCell(self, cellval: Any, cellstyle: Any, pos: Any, size: Any) -> None:
        # Most of the grid is empty boxes for the pen: an empty string would still cost a
        # text object each (BT ... ET), so skip it. Nothing visible changes.
        if cellval == "" and not cellstyle.href and not cellstyle.destination:
            return
        super()._drawCell(cellval, cellstyle, pos, size)

    def split(self, availWidth: float, availHeight: float) -> list:
        # ReportLab makes the pieces with this class but without the aims and ticks:
        # hand each piece the ones in its rows (the repeated heading rows hold none).
        parts = super().split(availWidth, availHeight)
        if len(parts) == 2:
            head = self.repeatRows if isinstance(self.repeatRows, int) else 0
            n = len(parts[0]._cellvalues)
            first, second = parts
            first.aims = {k: v for k, v in self.aims.items() if k[1] < n}
            first.ticks = tuple(k for k in self.ticks if k[1] < n)
            shift = n - head
            second.aims = {(c, r - shift): v for (c, r), v in self.aims.items() if r >= n}
            second.ticks = tuple((c, r - shift) for c, r in self.ticks if r >= n)
        return parts

    def draw(self) -> None:
        super().draw()
        c = self.canv
        xs, ys = self._colpositions, self._rowpositions
        c.saveState()
        c.setFillColor(INK)
        # All aims in one text object: a text object per string was most of the drawing
        # time. Each cell still reads level then dose ("L2 12") when the text is copied.
        text = c.beginText()
        widths: dict[tuple[str, str], float] = {}
        for (col, row), pair in self.aims.items():
            mid_x = (xs[col] + xs[col + 1]) / 2
            mid_y = (ys[row] + ys[row + 1]) / 2 - 3.2
            level, dose = pair
            wl = widths.get((level, FONT_BOLD))
            if wl is None:
                wl = widths[(level, FONT_BOLD)] = stringWidth(level + " ", FONT_BOLD, 10)
            wd = widths.get((dose, FONT))
            if wd is None:
                wd = widths[(dose, FONT)] = stringWidth(dose, FONT, 10)
            # one line, "L2 10": the level in bold, then the dose; smaller where a language's
            # word for a level is longer than the cell holds
            size = min(10.0, 10.0 * (xs[col + 1] - xs[col] - 3) / (wl + wd))
            text.setTextOrigin(mid_x - (wl + wd) * size / 20, mid_y)
            text.setFont(FONT_BOLD, size)
            text.textOut(level + " ")
            text.setFont(FONT, size)
            text.textOut(dose)
        c.drawText(text)
        c.setStrokeColor(INK)
        c.setLineWidth(0.8)
        for col, row in self.ticks:
            mid_x = (xs[col] + xs[col + 1]) / 2
            mid_y = (ys[row] + ys[row + 1]) / 2
            c.rect(mid_x - 5.5, mid_y - 5.5, 11, 11, stroke=1, fill=0)
        c.restoreState()


@dataclass(frozen=True)
class SheetStation:
    key: str
    name: str
    unit: str
    level_names: tuple[str, ...] = ()  # the library's names, easiest first


@dataclass(frozen=True)
class SheetCell:
    level: int | None  # 0-based
    dose: str  # the number only; the unit is in the column heading
    done: str = ""  # what was recorded (a past session), else empty for the pen
    pain: str = ""
    effort: str = ""

    @classmethod
    def from_target(cls, level: int | None, target: float | None) -> SheetCell:
        return cls(level, _num(target))


@dataclass(frozen=True)
class SheetRow:
    enrolment_id: int
    name: str
    cells: dict[str, SheetCell] = field(default_factory=dict)
    here: str = ""  # a past session: the register's letter (P present, A absent, S apologies)
    note: str = ""  # a past session: the notes recorded at its stations
    joined_online: bool = False  # a past session: present, joined the hall's session over video


@dataclass(frozen=True)
class MeasuresDue:
    """Start or end measures fall at this session: what to take and who still needs them."""

    when: str  # "Start" or "End"
    measures: tuple[str, ...]  # plain names: "pain", "chair stand", ...
    people: tuple[str, ...]  # who has not given them all yet


def _num(value: float | None) -> str:
    if value is None:
        return ""
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


# "Level 2: " in any language ("Lefel 2: "); what comes before the word (a pseudo-language's
# marker) is kept.
_LEVEL_PREFIX = re.compile(r"^(\W*)[^\W\d_]+\s*\d+\s*[:.\-–]\s*")


def short_level_name(name: str) -> str:
    """'Level 2: normal chair, hands help' -> 'normal chair, hands help'."""
    return _LEVEL_PREFIX.sub(r"\1", name).strip() or name


from escape_desktop.programme.progression import unit_words  # noqa: E402


def _level_short(level: int, tr: Translator) -> str:
    """'L2': a level in a cell a few letters wide."""
    return tr._("L{n}").format(n=level + 1)


def _columns(tr: Translator) -> dict[str, str]:
    """A station's four column headings, each in a box about 28 pt wide: a language whose
    word is longer says it in short ("ymdr."), and the note under the table says it in full."""
    return {
        "aim": tr.pgettext("session sheet column, 5 letters at most", "aim"),
        "done": tr.pgettext("session sheet column, 5 letters at most", "done"),
        "pain": tr.pgettext("session sheet column, 5 letters at most", "pain"),
        "effort": tr.pgettext("session sheet column, 5 letters at most", "effort"),
    }


def _fitted(word: str, width: float) -> str | CellParagraph:
    """A column's one-word heading at 10 pt, smaller (not below 8 pt) where a language's word
    is wider than the column."""
    return fit_cell(word, width, floor=8)


def _parts(n: int, per_part: int) -> list[range]:
    """Stations split into balanced parts (10 by 5 a part: 5 and 5, never 5, 4 and 1)."""
    if n == 0:
        return [range(0)]
    count = math.ceil(n / max(1, per_part))
    size = math.ceil(n / count)
    return [range(i, min(n, i + size)) for i in range(0, n, size)]


def _banner(due: MeasuresDue, width: float, tr: Translator, past: bool = False) -> Table:
    _ = tr._
    what = ", ".join(due.measures) if due.measures else _("the course's measures")
    if due.when == "Start":
        said = _("Start measures were due at this session: {what}") if past else None
        said = said or _("Start measures today: {what}")
    else:
        said = _("End measures were due at this session: {what}") if past else None
        said = said or _("End measures today: {what}")
    lines: list = [CellParagraph(esc(said.format(what=what)), banner_style)]
    if due.people:
        shown = list(due.people[:6])
        more = len(due.people) - len(shown)
        who = ", ".join(shown)
        if more > 0:
            who = tr.ngettext("{people} and {n} more", "{people} and {n} more", more).format(
                people=who, n=more
            )
        lines.append(
            CellParagraph(esc(_("Still needed from: {people}").format(people=who)), banner_small)
        )
    else:
        lines.append(CellParagraph(esc(_("Everyone's are in already.")), banner_small))
    t = Table([[lines]], colWidths=[width], hAlign="LEFT")
    t.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), FONT, 10),
                ("BACKGROUND", (0, 0), (-1, -1), BANNER),
                ("LEFTPADDING", (0, 0), (-1, -1), 6),
                ("TOPPADDING", (0, 0), (-1, -1), 3),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
            ]
        )
    )
    return t


def _legend(
    stations: Sequence[SheetStation], used: dict[str, set[int]], first: int, tr: Translator
) -> list:
    """'1. Sit to stand — L1 high seat, hands help · L2 normal chair, hands help'."""
    out: list = []
    for i, st in enumerate(stations):
        levels = sorted(used.get(st.key, set()))
        if not levels or not st.level_names:
            continue
        parts = [
            f"<b>{esc(_level_short(lv, tr))}</b> {esc(short_level_name(tr._(st.level_names[lv])))}"
            for lv in levels
            if 0 <= lv < len(st.level_names)
        ]
        if parts:
            out.append(
                CellParagraph(
                    f"<b>{first + i + 1}. {esc(tr._(st.name))}</b> — " + " · ".join(parts),
                    legend_style,
                )
            )
    return out


def _part_table(
    stations: Sequence[SheetStation],
    first: int,
    rows: Sequence[SheetRow],
    width: float,
    *,
    with_here: bool,
    recorded: bool,
    tr: Translator,
) -> SheetTable:
    _ = tr._
    here_w = HERE_W if with_here else 0.0
    station_w = AIM_W + 3 * FIGURE_W
    notes_w = max(NOTES_MIN, width - NUMBER_W - NAME_W - here_w - station_w * len(stations))
    name_w = width - NUMBER_W - here_w - notes_w - station_w * len(stations)

    columns = _columns(tr)
    head1: list = ["", CellParagraph(esc(_("Name")), station_head)]
    head2: list = ["", ""]
    widths: list[float] = [NUMBER_W, name_w]
    spans: list[tuple] = [("SPAN", (0, 0), (0, 1)), ("SPAN", (1, 0), (1, 1))]
    if with_here:
        head1.append(_fitted(_("Here"), here_w - 4))
        head2.append("")
        widths.append(here_w)
        spans.append(("SPAN", (2, 0), (2, 1)))
    first_station_col = len(widths)
    for i, st in enumerate(stations):
        col = first_station_col + 4 * i
        room = station_w - 3
        label = f"{first + i + 1}. {_(st.name)}"
        longest = max((stringWidth(w, FONT_BOLD, 10) for w in label.split()), default=0)
        # A word too long for the column in bold is set in the regular face instead.
        cellv = [CellParagraph(esc(label), station_head if longest <= room else plain_head)]
        if st.unit:
            cellv.append(CellParagraph(f"({esc(unit_words(st.unit, tr))})", plain_head))
        head1 += [cellv, "", "", ""]
        head2 += [
            _fitted(columns["aim"], AIM_W - 2),
            _fitted(columns["done"], FIGURE_W - 2),
            _fitted(columns["pain"], FIGURE_W - 2),
            _fitted(columns["effort"], FIGURE_W - 2),
        ]
        widths += [AIM_W, FIGURE_W, FIGURE_W, FIGURE_W]
        spans.append(("SPAN", (col, 0), (col + 3, 0)))
    notes_col = len(widths)
    head1.append(CellParagraph(esc(_("Notes")), station_head))
    head2.append("")
    widths.append(notes_w)
    spans.append(("SPAN", (notes_col, 0), (notes_col, 1)))

    data: list[list] = [head1, head2]
    aims: dict[tuple[int, int], tuple[str, str]] = {}
    ticks: list[tuple[int, int]] = []
    heights: list[float | None] = [None, 11]
    for i, row in enumerate(rows, start=1):
        name = name_paragraph(row.name, name_w - 4, size=10, floor=10, max_lines=3)
        heights.append(max(ROW_H, name.wrap(name_w - 4, ROW_H)[1] + 1.5))
        r = len(data)
        line: list = [str(i), name]
        if with_here:
            if recorded and row.here:
                key = mark_key(mark_from_letter(row.here) or "", tr) or row.here
                key += JOINED_ONLINE_STAR if row.joined_online else ""
                line.append(fit_cell(key, here_w - 4))
            else:
                line.append("")
                ticks.append((2, r))
        for st in stations:
            cell = row.cells.get(st.key)
            if cell is None or cell.level is None:
                line += ["", "", "", ""]
                continue
            aims[(len(line), r)] = (_level_short(cell.level, tr), cell.dose)
            line += ["", cell.done, cell.pain, cell.effort]
        line.append(CellParagraph(esc(row.note), Clipboard.cell) if row.note else "")
        data.append(line)
    for _row in range(WALK_IN_ROWS):
        heights.append(ROW_H)
        if with_here:
            ticks.append((2, len(data)))
        walk_in = CellParagraph("<i>" + esc(_("walk-in")) + "</i>", plain_head)
        data.append(["", walk_in] + [""] * (len(widths) - 2))

    last = len(data) - 1
    cmds: list[tuple] = [
        ("FONT", (0, 0), (-1, -1), FONT, 10),
        ("FONT", (0, 1), (-1, 1), FONT, 10),
        ("ALIGN", (0, 1), (-1, 1), "CENTER"),
        ("ALIGN", (2, 2), (-1, -1), "CENTER"),
        ("ALIGN", (0, 2), (0, -1), "RIGHT"),
        ("VALIGN", (0, 0), (-1, 0), "BOTTOM"),
        ("VALIGN", (0, 1), (-1, -1), "MIDDLE"),
        ("BACKGROUND", (0, 0), (-1, 1), LIGHT),
        ("GRID", (0, 0), (-1, -1), 0.4, MID),
        ("BOX", (0, 0), (-1, -1), 1.2, INK),
        ("LINEBELOW", (0, 1), (-1, 1), 1.0, INK),
        ("LEFTPADDING", (0, 0), (-1, -1), 2),
        ("RIGHTPADDING", (0, 0), (-1, -1), 2),
        ("TOPPADDING", (0, 0), (-1, -1), 1),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 1),
        # "effort" at 10 pt needs all but a point each side of its column; after the
        # padding above, or that wins and a language's short word ("ymdr.") wraps
        ("LEFTPADDING", (0, 1), (-1, 1), 1),
        ("RIGHTPADDING", (0, 1), (-1, 1), 1),
        ("LINEBEFORE", (notes_col, 0), (notes_col, last), 1.0, INK),
        ("ALIGN", (notes_col, 2), (notes_col, -1), "LEFT"),
    ]
    if with_here:
        cmds.append(("LINEBEFORE", (2, 0), (2, last), 1.0, INK))
    for i in range(len(stations)):
        aim_col = first_station_col + 4 * i
        cmds.append(("BACKGROUND", (aim_col, 2), (aim_col, last), FAINT))
        cmds.append(("LINEBEFORE", (aim_col, 0), (aim_col, last), 1.0, INK))
    t = SheetTable(
        data,
        aims=aims,
        ticks=ticks,
        colWidths=widths,
        rowHeights=heights,
        repeatRows=2,
        hAlign="LEFT",
    )
    t.setStyle(TableStyle(cmds + spans))
    return t


def render_session_sheet(
    info: CourseInfo,
    session_number: int,
    stations: list[SheetStation],
    rows: list[SheetRow],
    path: Path,
    *,
    due: MeasuresDue | None = None,
    recorded: bool = False,
    tr: Translator | None = None,
) -> int:
    """Write the sheet to ``path`` in ``tr``'s language (the instructor's by default);
    returns the page count.

    ``recorded``: the session is past and the cells carry what was recorded.
    """
    tr = tr or ui_translator()
    _ = tr._
    session = info.session(session_number)
    doc = document(
        path,
        LANDSCAPE,
        title=_("{code} session {n} sheet").format(code=info.code, n=session_number),
        subject=info.title,
        margins=(SIDE, SIDE, SIDE, 13 * mm),
    )
    width = LANDSCAPE[0] - 2 * SIDE
    station_w = AIM_W + 3 * FIGURE_W
    per_part = int((width - NUMBER_W - NAME_W - HERE_W - NOTES_MIN) // station_w)
    parts = _parts(len(stations), per_part)

    when = long_date(session.date, tr)
    if info.reg.start_time:
        when += f", {info.reg.start_time}"
    title = tr.ngettext(
        "Session {number} of {n}", "Session {number} of {n}", len(info.sessions)
    ).format(number=session.number, n=len(info.sessions))
    cancelled = sum(1 for x in info.sessions if x.cancelled)
    if cancelled:
        # 13 dates with one cancelled is still the 12-session programme the other pages name
        title += " " + tr.ngettext("({n} cancelled)", "({n} cancelled)", cancelled).format(
            n=cancelled
        )
    title += f" — {info.code}"
    if recorded:
        title += " — " + _("as recorded")
    right = make_style("sheet_right", fontSize=10, leading=12.5, alignment=2)
    label = {"topic": _("Topic:"), "venue": _("Venue:"), "when": _("When:"), "staff": _("Staff:")}
    label = {k: esc(v) for k, v in label.items()}
    top = Table(
        [
            [
                CellParagraph(
                    esc(title),
                    make_style("sheet_title", fontName=FONT_BOLD, fontSize=15, leading=18),
                ),
                CellParagraph(
                    f"<b>{label['topic']}</b> {esc(_(session.topic)) or '—'}",
                    make_style("sheet_topic", fontSize=11, leading=14, alignment=2),
                ),
            ],
            [
                CellParagraph(
                    f"{esc(info.title)} &nbsp;·&nbsp; <b>{label['venue']}</b> "
                    f"{esc(info.venue) or '—'}",
                    Clipboard.note,
                ),
                CellParagraph(
                    f"<b>{label['when']}</b> {esc(when)} &nbsp;·&nbsp; "
                    f"<b>{label['staff']}</b> {esc(info.staff_text(session)) or '—'}",
                    right,
                ),
            ],
        ],
        colWidths=[width * 0.5, width * 0.5],
        hAlign="LEFT",
    )
    top.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), FONT, 10),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                ("TOPPADDING", (0, 0), (-1, -1), 0),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 0),
                ("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
            ]
        )
    )
    used: dict[str, set[int]] = {}
    for row in rows:
        for key, cell in row.cells.items():
            if cell.level is not None:
                used.setdefault(key, set()).add(cell.level)

    # Bold words inside a translated sentence: the sentence is escaped, then the column
    # names it quotes are set in bold.
    words = {"here": _("Here")} | _columns(tr)
    bold = {k: f"<b>{esc(v)}</b>" for k, v in words.items()}
    if recorded:
        keys = ", ".join(f"{mark_key(m, tr)} {_(MARK_MEANINGS[m])}" for m in ATTENDANCE_MARKS)
        if any(r.joined_online for r in rows):
            keys += ", " + _("{key} present, joined over video").format(
                key=mark_key("present", tr) + JOINED_ONLINE_STAR
            )
        how = _(
            "As recorded in the app: {here} {keys}; {done} the dose done, {pain} and {effort} 0–10."
        )
        how = esc(how).format(keys=esc(keys), **bold)
    else:
        how = _(
            "Tick {here} for everyone who came. {aim}: level ({level} = level 1) and the dose "
            "to aim for, in the units under each station. Write the dose {done}, {pain} 0–10 "
            "and {effort} 0–10 (how hard it felt)."
        )
        how = esc(how).format(level=esc(_level_short(0, tr)), **bold)
    story: list = []
    for p, part in enumerate(parts):
        if p:
            story.append(PageBreak())
        story += [top, Spacer(1, 4)]
        if due is not None:
            story += [_banner(due, width, tr, recorded), Spacer(1, 4)]
        if session.cancelled:
            if session.cancel_reason:
                said = _("This session is marked as cancelled: {reason}.").format(
                    reason=session.cancel_reason
                )
            else:
                said = _("This session is marked as cancelled.")
            then = _("Reinstate it in the app before you mark the register.")
            story.append(CellParagraph(f"<b>{esc(said)}</b> {esc(then)}", Styles.body))
            story.append(Spacer(1, 4))
        if session.online and not session.cancelled:
            # Over video: the same levels and aims, each station's home version.
            if session.online_reason:
                said = _("Held online, over video ({reason}).").format(reason=session.online_reason)
            else:
                said = _("Held online, over video.")
            then = _(
                "Everyone does the home version of each station (household items) at the "
                "level and aim below; write what each person reports on the call."
            )
            story.append(CellParagraph(f"<b>{esc(said)}</b> {esc(then)}", Styles.body))
            story.append(Spacer(1, 4))
        elif info.reg.delivery_mode == "hybrid" and not session.cancelled:
            said = _(
                "Hybrid class: after the mark of anyone who joins over video, write {star} "
                "({key}), so the app records that they joined online."
            )
            key = mark_key("present", tr) + JOINED_ONLINE_STAR
            story.append(
                CellParagraph(
                    esc(said).format(star=f"<b>{JOINED_ONLINE_STAR}</b>", key=esc(key)),
                    Styles.body,
                )
            )
            story.append(Spacer(1, 4))
        if not stations:
            story.append(
                CellParagraph(
                    esc(
                        _(
                            "This course has no exercise stations yet; add them in the "
                            "Circuit section."
                        )
                    ),
                    Styles.body,
                )
            )
        if len(parts) > 1:
            story.append(
                CellParagraph(
                    "<b>"
                    + esc(
                        _("Stations {first} to {last}").format(first=part.start + 1, last=part.stop)
                    )
                    + "</b> "
                    + esc(_("(part {n} of {total})").format(n=p + 1, total=len(parts))),
                    Clipboard.note,
                )
            )
            story.append(Spacer(1, 2))
        chosen = [stations[i] for i in part]
        story.append(
            _part_table(chosen, part.start, rows, width, with_here=p == 0, recorded=recorded, tr=tr)
        )
        story.append(Spacer(1, 3))
        legend = _legend(chosen, used, part.start, tr)
        if p == 0:  # the same note under every part would only push the legend over
            story.append(CondPageBreak(12 * mm))
            story.append(CellParagraph(how, Clipboard.note))
        if legend:
            story.append(Spacer(1, 2))
            # two columns: half the height, so 16 people and the legend share a page
            half = math.ceil(len(legend) / 2)
            grid = [
                [legend[i], legend[i + half] if i + half < len(legend) else ""] for i in range(half)
            ]
            lt = Table(grid, colWidths=[width / 2, width / 2], hAlign="LEFT")
            lt.setStyle(
                TableStyle(
                    [
                        ("FONT", (0, 0), (-1, -1), FONT, 10),
                        ("VALIGN", (0, 0), (-1, -1), "TOP"),
                        ("LEFTPADDING", (0, 0), (-1, -1), 0),
                        ("RIGHTPADDING", (0, 0), (-1, -1), 6),
                        ("TOPPADDING", (0, 0), (-1, -1), 0.5),
                        ("BOTTOMPADDING", (0, 0), (-1, -1), 0.5),
                    ]
                )
            )
            levels = CellParagraph("<b>" + esc(_("Levels in use")) + "</b>", legend_style)
            story.append(KeepTogether([levels, lt]))
    footer = _("{code} · session {n} sheet · {date}").format(
        code=info.code, n=session.number, date=tr.date(session.date, "short")
    )
    return build(doc, story, footer=footer, footer_size=10, tr=tr)
