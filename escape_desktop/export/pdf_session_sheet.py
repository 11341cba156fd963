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

from escape_desktop.programme.status import ATTENDANCE_MARKS, MARK_LETTER, MARK_MEANING

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
    long_date,
    make_style,
    name_paragraph,
)

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
            # one line, "L2 10": the level in bold, then the dose
            text.setTextOrigin(mid_x - (wl + wd) / 2, mid_y)
            text.setFont(FONT_BOLD, 10)
            text.textOut(level + " ")
            text.setFont(FONT, 10)
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


_LEVEL_PREFIX = re.compile(r"^\s*level\s*\d+\s*[:.\-–]\s*", re.IGNORECASE)


def short_level_name(name: str) -> str:
    """'Level 2: normal chair, hands help' -> 'normal chair, hands help'."""
    return _LEVEL_PREFIX.sub("", name).strip() or name


def _parts(n: int, per_part: int) -> list[range]:
    """Stations split into balanced parts (10 by 5 a part: 5 and 5, never 5, 4 and 1)."""
    if n == 0:
        return [range(0)]
    count = math.ceil(n / max(1, per_part))
    size = math.ceil(n / count)
    return [range(i, min(n, i + size)) for i in range(0, n, size)]


def _banner(due: MeasuresDue, width: float, past: bool = False) -> Table:
    what = ", ".join(due.measures) if due.measures else "the course's measures"
    when = "were due at this session" if past else "today"
    lines: list = [CellParagraph(f"{esc(due.when)} measures {when}: {esc(what)}", banner_style)]
    if due.people:
        shown = list(due.people[:6])
        more = len(due.people) - len(shown)
        who = ", ".join(shown) + (f" and {more} more" if more > 0 else "")
        lines.append(CellParagraph(f"Still needed from: {esc(who)}", banner_small))
    else:
        lines.append(CellParagraph("Everyone's are in already.", banner_small))
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


def _legend(stations: Sequence[SheetStation], used: dict[str, set[int]], first: int) -> list:
    """'1. Sit to stand — L1 high seat, hands help · L2 normal chair, hands help'."""
    out: list = []
    for i, st in enumerate(stations):
        levels = sorted(used.get(st.key, set()))
        if not levels or not st.level_names:
            continue
        parts = [
            f"<b>L{lv + 1}</b> {esc(short_level_name(st.level_names[lv]))}"
            for lv in levels
            if 0 <= lv < len(st.level_names)
        ]
        if parts:
            out.append(
                CellParagraph(
                    f"<b>{first + i + 1}. {esc(st.name)}</b> — " + " · ".join(parts),
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
) -> SheetTable:
    here_w = HERE_W if with_here else 0.0
    station_w = AIM_W + 3 * FIGURE_W
    notes_w = max(NOTES_MIN, width - NUMBER_W - NAME_W - here_w - station_w * len(stations))
    name_w = width - NUMBER_W - here_w - notes_w - station_w * len(stations)

    head1: list = ["", CellParagraph("Name", station_head)]
    head2: list = ["", ""]
    widths: list[float] = [NUMBER_W, name_w]
    spans: list[tuple] = [("SPAN", (0, 0), (0, 1)), ("SPAN", (1, 0), (1, 1))]
    if with_here:
        head1.append(CellParagraph("Here", plain_head))
        head2.append("")
        widths.append(here_w)
        spans.append(("SPAN", (2, 0), (2, 1)))
    first_station_col = len(widths)
    for i, st in enumerate(stations):
        col = first_station_col + 4 * i
        room = station_w - 3
        label = f"{first + i + 1}. {st.name}"
        longest = max((stringWidth(w, FONT_BOLD, 10) for w in label.split()), default=0)
        # A word too long for the column in bold is set in the regular face instead.
        cellv = [CellParagraph(esc(label), station_head if longest <= room else plain_head)]
        if st.unit:
            cellv.append(CellParagraph(f"({esc(st.unit)})", plain_head))
        head1 += [cellv, "", "", ""]
        head2 += ["aim", "done", "pain", "effort"]
        widths += [AIM_W, FIGURE_W, FIGURE_W, FIGURE_W]
        spans.append(("SPAN", (col, 0), (col + 3, 0)))
    notes_col = len(widths)
    head1.append(CellParagraph("Notes", station_head))
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
                line.append(row.here + (JOINED_ONLINE_STAR if row.joined_online else ""))
            else:
                line.append("")
                ticks.append((2, r))
        for st in stations:
            cell = row.cells.get(st.key)
            if cell is None or cell.level is None:
                line += ["", "", "", ""]
                continue
            aims[(len(line), r)] = (f"L{cell.level + 1}", cell.dose)
            line += ["", cell.done, cell.pain, cell.effort]
        line.append(CellParagraph(esc(row.note), Clipboard.cell) if row.note else "")
        data.append(line)
    for _ in range(WALK_IN_ROWS):
        heights.append(ROW_H)
        if with_here:
            ticks.append((2, len(data)))
        data.append(["", CellParagraph("<i>walk-in</i>", plain_head)] + [""] * (len(widths) - 2))

    last = len(data) - 1
    cmds: list[tuple] = [
        ("FONT", (0, 0), (-1, -1), FONT, 10),
        ("FONT", (0, 1), (-1, 1), FONT, 10),
        # "effort" at 10 pt needs all but a point each side of its column
        ("LEFTPADDING", (0, 1), (-1, 1), 1),
        ("RIGHTPADDING", (0, 1), (-1, 1), 1),
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
) -> int:
    """Write the sheet to ``path``; returns the page count.

    ``recorded``: the session is past and the cells carry what was recorded.
    """
    session = info.session(session_number)
    doc = document(
        path,
        LANDSCAPE,
        title=f"{info.code} session {session_number} sheet",
        subject=info.title,
        margins=(SIDE, SIDE, SIDE, 13 * mm),
    )
    width = LANDSCAPE[0] - 2 * SIDE
    station_w = AIM_W + 3 * FIGURE_W
    per_part = int((width - NUMBER_W - NAME_W - HERE_W - NOTES_MIN) // station_w)
    parts = _parts(len(stations), per_part)

    when = long_date(session.date)
    if info.reg.start_time:
        when += f", {info.reg.start_time}"
    title = f"Session {session.number} of {len(info.sessions)}"
    cancelled = sum(1 for x in info.sessions if x.cancelled)
    if cancelled:
        # 13 dates with one cancelled is still the 12-session programme the other pages name
        title += f" ({cancelled} cancelled)"
    title += f" — {info.code}"
    if recorded:
        title += " — as recorded"
    right = make_style("sheet_right", fontSize=10, leading=12.5, alignment=2)
    top = Table(
        [
            [
                CellParagraph(
                    esc(title),
                    make_style("sheet_title", fontName=FONT_BOLD, fontSize=15, leading=18),
                ),
                CellParagraph(
                    f"<b>Topic:</b> {esc(session.topic) or '—'}",
                    make_style("sheet_topic", fontSize=11, leading=14, alignment=2),
                ),
            ],
            [
                CellParagraph(
                    f"{esc(info.title)} &nbsp;·&nbsp; <b>Venue:</b> {esc(info.venue) or '—'}",
                    Clipboard.note,
                ),
                CellParagraph(
                    f"<b>When:</b> {esc(when)} &nbsp;·&nbsp; "
                    f"<b>Staff:</b> {esc(info.staff_text(session)) or '—'}",
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

    if recorded:
        how = (
            "<b>As recorded</b> in the app: <b>Here</b> "
            + ", ".join(f"{MARK_LETTER[m]} {MARK_MEANING[m]}" for m in ATTENDANCE_MARKS)
            + (
                f", {MARK_LETTER['present']}{JOINED_ONLINE_STAR} present, joined over video"
                if any(r.joined_online for r in rows)
                else ""
            )
            + "; <b>done</b> the dose done, <b>pain</b> and <b>effort</b> 0–10."
        )
    else:
        how = (
            "Tick <b>Here</b> for everyone who came. <b>aim</b>: level (L1 = level 1) and the"
            " dose to aim for, in the units under each station. Write the dose <b>done</b>,"
            " <b>pain</b> 0–10 and <b>effort</b> 0–10 (how hard it felt)."
        )
    story: list = []
    for p, part in enumerate(parts):
        if p:
            story.append(PageBreak())
        story += [top, Spacer(1, 4)]
        if due is not None:
            story += [_banner(due, width, recorded), Spacer(1, 4)]
        if session.cancelled:
            reason = f": {session.cancel_reason}" if session.cancel_reason else ""
            story.append(
                CellParagraph(
                    f"<b>This session is marked as cancelled{esc(reason)}.</b> "
                    "Reinstate it in the app before you mark the register.",
                    Styles.body,
                )
            )
            story.append(Spacer(1, 4))
        if session.online and not session.cancelled:
            # Over video: the same levels and aims, each station's home version.
            reason = f" ({session.online_reason})" if session.online_reason else ""
            story.append(
                CellParagraph(
                    f"<b>Held online, over video{esc(reason)}.</b> Everyone does the home "
                    "version of each station (household items) at the level and aim below; "
                    "write what each person reports on the call.",
                    Styles.body,
                )
            )
            story.append(Spacer(1, 4))
        elif info.reg.delivery_mode == "hybrid" and not session.cancelled:
            story.append(
                CellParagraph(
                    "Hybrid class: after the mark of anyone who joins over video, write "
                    "<b>*</b> (P*), so the app records that they joined online.",
                    Styles.body,
                )
            )
            story.append(Spacer(1, 4))
        if not stations:
            story.append(
                CellParagraph(
                    "This course has no exercise stations yet; add them in the Circuit section.",
                    Styles.body,
                )
            )
        if len(parts) > 1:
            story.append(
                CellParagraph(
                    f"<b>Stations {part.start + 1} to {part.stop}</b> (part {p + 1} of "
                    f"{len(parts)})",
                    Clipboard.note,
                )
            )
            story.append(Spacer(1, 2))
        chosen = [stations[i] for i in part]
        story.append(
            _part_table(chosen, part.start, rows, width, with_here=p == 0, recorded=recorded)
        )
        story.append(Spacer(1, 3))
        legend = _legend(chosen, used, part.start)
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
            story.append(KeepTogether([CellParagraph("<b>Levels in use</b>", legend_style), lt]))
    return build(
        doc,
        story,
        footer=f"{info.code} · session {session.number} sheet · {session.date:%d %b %Y}",
        footer_size=10,
    )
