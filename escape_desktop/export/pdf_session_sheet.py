"""The session sheet (landscape A4): who is here, and each person's circuit with boxes to fill in.

16 people by 10 stations fit one page at 9 pt: each station has an "aim" column (level and
target dose for today) and an empty "done" column for the pen.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Spacer, Table, TableStyle

from .pdf_data import CourseInfo
from .pdf_style import (
    FAINT,
    FONT,
    FONT_BOLD,
    INK,
    LANDSCAPE,
    LIGHT,
    MID,
    CellParagraph,
    Styles,
    build,
    document,
    esc,
    long_date,
    make_style,
    person_name_style,
)

SIDE = 10 * mm
ROW_H = 23.0
BLANK_ROWS = 2  # for a latecomer or a taster, when the page has room
MAX_ROWS_ONE_PAGE = 16

station_head = make_style("station_head", fontName=FONT_BOLD, fontSize=9, leading=10)
plain_head = make_style("plain_head", fontSize=9, leading=10, textColor=INK)


class SheetTable(Table):
    """The grid, with each aim cell (bold level over the dose) and tick box drawn in one pass
    after the table: far cheaper than a flowable per cell, which kept 16 x 10 slow.
    benchmarks/bench_pdf.py measures it against a bare ReportLab table."""

    def __init__(
        self,
        *args: Any,
        aims: dict[tuple[int, int], tuple[str, str]] | None = None,
        ticks: Iterable[tuple[int, int]] = (),
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

    def draw(self) -> None:
        super().draw()
        c = self.canv
        xs, ys = self._colpositions, self._rowpositions
        c.saveState()
        c.setFillColor(INK)
        # All aims in one text object: a text object per string (what drawCentredString
        # does) was most of the sheet's drawing time. Each cell still reads level then dose,
        # so copied or read-aloud text stays "L2 12". Widths are cached: a sheet repeats the
        # same few levels and doses.
        text = c.beginText()
        widths: dict[tuple[str, str], float] = {}
        for (col, row), pair in self.aims.items():
            mid_x = (xs[col] + xs[col + 1]) / 2
            mid_y = (ys[row] + ys[row + 1]) / 2
            for s, font, dy in ((pair[0], FONT_BOLD, 1.5), (pair[1], FONT, -8.5)):
                w = widths.get((s, font))
                if w is None:
                    w = widths[(s, font)] = stringWidth(s, font, 9)
                text.setFont(font, 9)
                text.setTextOrigin(mid_x - w / 2, mid_y + dy)
                text.textLine(s)
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


@dataclass(frozen=True)
class SheetCell:
    level: int | None  # 0-based
    dose: str  # the number only; the unit is in the column heading

    @classmethod
    def from_target(cls, level: int | None, target: float | None) -> SheetCell:
        return cls(level, _num(target))


@dataclass(frozen=True)
class SheetRow:
    enrolment_id: int
    name: str
    cells: dict[str, SheetCell] = field(default_factory=dict)


def _num(value: float | None) -> str:
    if value is None:
        return ""
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def render_session_sheet(
    info: CourseInfo,
    session_number: int,
    stations: list[SheetStation],
    rows: list[SheetRow],
    path: Path,
) -> int:
    """Write the sheet to ``path``; returns the page count."""
    session = info.session(session_number)
    doc = document(
        path,
        LANDSCAPE,
        title=f"{info.code} session {session_number} sheet",
        subject=info.title,
        margins=(SIDE, SIDE, SIDE, 13 * mm),
    )
    width = LANDSCAPE[0] - 2 * SIDE
    n = max(1, len(stations))
    fixed = 14 + 30
    per_station = min(90.0, max(50.0, (width - fixed - 106) / n))
    name_w = width - fixed - per_station * n
    aim_w = round(per_station * 0.47, 1)
    done_w = per_station - aim_w

    head1: list = ["", "Name", "Here"]
    head2: list = ["", "", ""]
    widths: list[float] = [14, name_w, 30]
    spans: list[tuple] = [
        ("SPAN", (0, 0), (0, 1)),
        ("SPAN", (1, 0), (1, 1)),
        ("SPAN", (2, 0), (2, 1)),
    ]
    for i, st in enumerate(stations):
        col = 3 + 2 * i
        room = aim_w + done_w - 3
        longest = max(
            (stringWidth(w, FONT_BOLD, 9) for w in f"{i + 1}. {st.name}".split()), default=0
        )
        # A word too long for the column in bold is set in the regular face instead.
        name_style = station_head if longest <= room else plain_head
        # Two single-font paragraphs stacked in the cell (name, then unit on its own line)
        # lay out faster than one paragraph mixing fonts, and print the same.
        cellv = [CellParagraph(f"{i + 1}. {esc(st.name)}", name_style)]
        if st.unit:
            cellv.append(CellParagraph(f"({esc(st.unit)})", plain_head))
        head1 += [cellv, ""]
        head2 += ["aim", "done"]
        widths += [aim_w, done_w]
        spans.append(("SPAN", (col, 0), (col + 1, 0)))

    data: list[list] = [head1, head2]
    people = list(rows)
    aims: dict[tuple[int, int], tuple[str, str]] = {}
    ticks: list[tuple[int, int]] = []
    heights: list[float | None] = [None, 12]
    blanks = BLANK_ROWS if len(people) + BLANK_ROWS <= MAX_ROWS_ONE_PAGE else 0
    for i, row in enumerate(people, start=1):
        name: str | CellParagraph = row.name
        height = ROW_H
        if stringWidth(row.name, FONT, 9) > name_w - 4:
            name = CellParagraph(esc(row.name), person_name_style(row.name, name_w - 4))
            # two lines fit the row; a longer name makes its row taller rather than spill
            height = max(ROW_H, name.wrap(name_w - 4, ROW_H)[1] + 2)
        heights.append(height)
        line: list = [str(i), name, ""]
        r = len(data)
        ticks.append((2, r))
        for st in stations:
            cell = row.cells.get(st.key)
            if cell is None or cell.level is None:
                line += ["", ""]
                continue
            aims[(len(line), r)] = (f"L{cell.level + 1}", cell.dose)
            line += ["", ""]
        data.append(line)
    for _ in range(blanks):
        heights.append(ROW_H)
        ticks.append((2, len(data)))
        data.append(["", "", ""] + ["", ""] * len(stations))

    last = len(data) - 1
    cmds: list[tuple] = [
        ("FONT", (0, 0), (-1, -1), FONT, 9),
        ("FONT", (1, 0), (2, 0), FONT_BOLD, 9, 10.5),
        ("ALIGN", (2, 0), (2, 0), "CENTER"),
        ("TEXTCOLOR", (0, 1), (-1, 1), INK),
        ("ALIGN", (0, 1), (-1, 1), "CENTER"),
        ("ALIGN", (2, 2), (2, -1), "CENTER"),
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
        ("LEFTPADDING", (3, 0), (-1, 0), 1.5),
        ("RIGHTPADDING", (3, 0), (-1, 0), 1.5),
    ]
    for i in range(len(stations)):
        aim_col = 3 + 2 * i
        cmds.append(("BACKGROUND", (aim_col, 2), (aim_col, last), FAINT))
        cmds.append(("LINEBEFORE", (aim_col, 0), (aim_col, last), 1.0, INK))
    cmds.append(("LINEBEFORE", (2, 0), (2, last), 1.0, INK))
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

    when = long_date(session.date)
    if info.reg.start_time:
        when += f", {info.reg.start_time}"
    title = f"Session {session.number} of {len(info.sessions)} — {info.code}"
    right = make_style("sheet_right", fontSize=9, leading=11.5, alignment=2)
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
                    Styles.note,
                ),
                CellParagraph(f"<b>When:</b> {esc(when)}", right),
            ],
            [
                CellParagraph(f"<b>Programme:</b> {esc(info.programme_title)}", Styles.note),
                CellParagraph(f"<b>Staff:</b> {esc(info.staff_text(session)) or '—'}", right),
            ],
        ],
        colWidths=[width * 0.55, width * 0.45],
        hAlign="LEFT",
    )
    top.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), FONT, 9),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                ("TOPPADDING", (0, 0), (-1, -1), 0),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 0),
                ("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
            ]
        )
    )
    story: list = [top, Spacer(1, 5)]
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
    if not stations:
        story.append(
            CellParagraph(
                "This course has no exercise stations yet; add them in the Circuit section.",
                Styles.body,
            )
        )
    story.append(t)
    story.append(Spacer(1, 4))
    story.append(
        CellParagraph(
            "Tick <b>Here</b> for everyone who came. <b>aim</b>: level (L1 = level 1) and the dose"
            " to aim for, in the units under each station. <b>done</b>: write the dose done today;"
            " add pain 0–10 after a slash if you record it, e.g. 10/3.",
            Styles.note,
        )
    )
    return build(
        doc,
        story,
        footer=f"{info.code} · session {session.number} sheet · {session.date:%d %b %Y}",
    )
