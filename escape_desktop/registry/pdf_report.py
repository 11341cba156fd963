"""The registry report as a PDF (ReportLab, the house styles of export/pdf_style), from typed data."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from reportlab.graphics.shapes import Circle, Drawing, Line, PolyLine, String
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import CondPageBreak, KeepTogether, Paragraph, Spacer

from escape_desktop.export.pdf_style import (
    DARK,
    FONT,
    INK,
    LIGHT,
    MID,
    PORTRAIT,
    Styles,
    build,
    document,
    esc,
    heading,
    table,
    write_atomically,
)
from escape_desktop.export.pdf_words import measure_name
from escape_desktop.i18n import _, ngettext, ui_translator
from escape_desktop.programme.completion import NATIONAL_COMPLETION, NATIONAL_COMPLETION_SOURCE
from escape_desktop.programme.equality import ETHNIC_CATEGORIES, GENDER_IDENTITIES, STATED_SEXES
from escape_desktop.programme.rounding import format_number

from .figures import (
    SMALL_CELL,
    Z95,
    Z998,
    Fraction,
    GroupFigures,
    ReportData,
    funnel_band,
    funnel_limits,
    secondary_suppression,
)

if TYPE_CHECKING:
    from .equality import EqualityReport, EqualityRow

ROWS_PER_CHART = 40
LABEL_WIDTH = 190.0  # the ranked charts' column of site names
# A row's height by the lines its longest site name takes (names wrap, never cut).
ROW_HEIGHT = {1: 13.0, 2: 22.0, 3: 30.0}


def _name_lines(groups: Sequence[GroupFigures]) -> list[list[str]]:
    from reportlab.lib.utils import simpleSplit

    return [simpleSplit(f"{g.code}  {g.name}", FONT, 8, LABEL_WIDTH - 8)[:3] for g in groups]


def rows_per_chart(groups: Sequence[GroupFigures]) -> int:
    """Sites a ranked chart holds on one page: 40, fewer when names take two or three lines."""
    lines = max((len(x) for x in _name_lines(groups)), default=1)
    return min(ROWS_PER_CHART, int(600 // ROW_HEIGHT[max(lines, 1)]))


def _whole(n: float) -> str:
    """A whole number with the reader's locale's thousands separator (Babel)."""
    from babel.numbers import format_decimal

    return str(format_decimal(n, format="#,##0", locale=ui_translator().locale))


def _percent(f: Fraction) -> str:
    return _("{percent} %").format(percent=f.percent_text())


def _pct(f: Fraction | None, *, n: bool = True) -> str:
    """A percentage with its numerator and denominator; a group of under 5 is not shown."""
    if f is None:
        return _("not available")
    if f.percent is None:
        return "–"
    if f.denominator < SMALL_CELL:
        return _("fewer than 5 people")
    if not n:
        return _percent(f)
    return _("{percent} % ({numerator}/{denominator})").format(
        percent=f.percent_text(), numerator=_whole(f.numerator), denominator=_whole(f.denominator)
    )


def _count(n: int) -> str:
    """A count as printed: thousands separated, 1 to 4 suppressed."""
    return "<5" if 0 < n < SMALL_CELL else _whole(n)


def _courses(n: int) -> str:
    return ngettext("{n} course", "{n} courses", n).format(n=_whole(n))


def _ci(f: Fraction) -> str:
    ci = f.interval
    return "" if ci is None else f"{format_number(ci[0])}–{format_number(ci[1])}"


def _fit(text: str, width: float, size: float) -> str:
    from reportlab.pdfbase.pdfmetrics import stringWidth

    if stringWidth(text, FONT, size) <= width:
        return text
    while text and stringWidth(text + "…", FONT, size) > width:
        text = text[:-1]
    return text + "…"


def ranked_chart(
    groups: Sequence[GroupFigures],
    value: Callable[[GroupFigures], Fraction],
    overall: Fraction,
    width: float,
    benchmark: tuple[float, str] | None = None,
) -> Drawing:
    """Sites ranked by a proportion, each a dot with its 95 % Wilson interval as a line;
    ``benchmark``: a published figure (percent, label) drawn as a dotted line."""

    from reportlab.pdfbase.pdfmetrics import stringWidth

    def share(f: Fraction) -> str:
        return _("{percent} % of {people}").format(
            percent=f.percent_text(), people=_whole(f.denominator)
        )

    # The column right of the chart is as wide as its longest share in this language.
    widest = max((stringWidth(share(value(g)), FONT, 7) for g in groups), default=0.0)
    top, bottom, label_w = (16.0 if benchmark else 6.0), 22.0, LABEL_WIDTH
    right_w = max(70.0, widest + 10)
    # Site names are wrapped onto up to three lines: the rows are as tall as they need.
    labels = _name_lines(groups)
    row_h = ROW_HEIGHT[max((len(x) for x in labels), default=1) or 1]
    height = top + bottom + row_h * len(groups)
    d = Drawing(width, height)
    x0, x1 = label_w, width - right_w

    def x(pct: float) -> float:
        return x0 + (x1 - x0) * pct / 100.0

    for tick in (0, 25, 50, 75, 100):
        d.add(Line(x(tick), bottom, x(tick), height - top, strokeColor=LIGHT, strokeWidth=0.5))
        d.add(
            String(
                x(tick),
                bottom - 10,
                _("{percent} %").format(percent=tick),
                fontName=FONT,
                fontSize=7,
                textAnchor="middle",
                fillColor=DARK,
            )
        )
    if benchmark is not None:
        d.add(
            Line(
                x(benchmark[0]),
                bottom,
                x(benchmark[0]),
                height - top,
                strokeColor=INK,
                strokeWidth=0.8,
                strokeDashArray=[1, 2],
            )
        )
        d.add(
            String(
                x(benchmark[0]),
                height - 10,
                benchmark[1],
                fontName=FONT,
                fontSize=7,
                textAnchor="end" if benchmark[0] > 60 else "start",
                fillColor=DARK,
            )
        )
    if overall.percent is not None:
        d.add(
            Line(
                x(overall.percent),
                bottom,
                x(overall.percent),
                height - top,
                strokeColor=MID,
                strokeWidth=1,
                strokeDashArray=[3, 2],
            )
        )
        d.add(
            String(
                x(overall.percent),
                2,
                _("all sites {percent} %").format(percent=overall.percent_text()),
                fontName=FONT,
                fontSize=7,
                textAnchor="middle",
                fillColor=DARK,
            )
        )
    for i, g in enumerate(groups):
        f = value(g)
        y = height - top - row_h * (i + 0.5)
        lines = labels[i]
        for j, line in enumerate(lines):
            d.add(
                String(
                    2,
                    y - 3 + (len(lines) - 1) * 4.5 - j * 9,
                    line,
                    fontName=FONT,
                    fontSize=8 if len(lines) < 3 else 7,
                    fillColor=INK,
                )
            )
        if f.percent is None:
            d.add(
                String(
                    x0 + 2, y - 3, _("no one to count"), fontName=FONT, fontSize=7, fillColor=DARK
                )
            )
            continue
        lo, hi = f.interval  # type: ignore[misc]
        d.add(Line(x(lo), y, x(hi), y, strokeColor=INK, strokeWidth=1.2))
        d.add(Line(x(lo), y - 3, x(lo), y + 3, strokeColor=INK, strokeWidth=1))
        d.add(Line(x(hi), y - 3, x(hi), y + 3, strokeColor=INK, strokeWidth=1))
        d.add(Circle(x(f.percent), y, 2.6, fillColor=INK, strokeColor=INK))
        d.add(
            String(
                x1 + 6,
                y - 3,
                share(f),
                fontName=FONT,
                fontSize=7,
                fillColor=INK,
            )
        )
    return d


def _nice_step(span: float, ticks: int = 5) -> float:
    """A round step (1, 2, 2.5 or 5 times a power of ten) giving about ``ticks`` ticks."""
    import math

    raw = max(span / ticks, 1e-9)
    power = 10 ** math.floor(math.log10(raw))
    for m in (1, 2, 2.5, 5, 10):
        if raw <= m * power:
            return m * power
    return 10 * power


def funnel_chart(groups: Sequence[GroupFigures], overall: Fraction, width: float) -> Drawing:
    """Completion rate of each site against its size (starters on finished courses), with
    the 95 % and 99.8 % control limits around the overall rate. Sites under SMALL_CELL
    starters are left off (their rate is not shown anywhere)."""
    shown = [g for g in groups if g.completion.denominator >= SMALL_CELL]
    height = 105 * mm
    left, right, top, bottom = 34.0, 8.0, 8.0, 34.0
    from reportlab.lib.utils import simpleSplit

    key = _(
        "Solid line: all sites, {percent} %. Dashed: 95 % limits. "
        "Outer lines: 99.8 % limits. Black dots: outside the 95 % limits (named below)."
    ).format(percent=overall.percent_text())
    # The key under the axis, whole: a longer language's takes a second line (never cut).
    key_lines = simpleSplit(key, FONT, 7, width - left - right)[:3]
    bottom += 8 * (len(key_lines) - 1)
    d = Drawing(width, height)
    if not shown or not overall.denominator:
        d.add(String(left, height / 2, _("No site has 5 or more people to plot."), fontName=FONT))
        return d
    p0 = overall.numerator / overall.denominator
    n_max = max(g.completion.denominator for g in shown)
    step_x = _nice_step(n_max)
    x_top = step_x * (int(n_max / step_x) + 1)
    # The rates' own range (down to the tenth below the lowest): the limits are clipped to
    # it, so the sites' differences are not squeezed into a band by the smallest sizes' limits.
    lowest = min(g.completion.numerator / g.completion.denominator for g in shown)
    lowest = min(lowest, p0) - 0.05
    y_low = max(0.0, int(lowest * 10) / 10.0)
    x0, x1, y0, y1 = left, width - right, bottom, height - top

    def x(n: float) -> float:
        return x0 + (x1 - x0) * n / x_top

    def y(p: float) -> float:
        return y0 + (y1 - y0) * (p - y_low) / (1.0 - y_low)

    small = {"fontName": FONT, "fontSize": 7, "fillColor": DARK}
    tick = y_low
    while tick <= 1.0001:
        d.add(Line(x0, y(tick), x1, y(tick), strokeColor=LIGHT, strokeWidth=0.5))
        d.add(
            String(
                x0 - 3,
                y(tick) - 2.5,
                _("{percent} %").format(percent=f"{tick * 100:.0f}"),
                textAnchor="end",
                **small,
            )
        )
        tick += 0.1
    n = 0.0
    while n <= x_top + 1e-9:
        d.add(Line(x(n), y0, x(n), y0 - 3, strokeColor=DARK, strokeWidth=0.5))
        d.add(String(x(n), y0 - 11, _whole(round(n)), textAnchor="middle", **small))
        n += step_x
    d.add(Line(x0, y0, x1, y0, strokeColor=DARK, strokeWidth=0.7))
    d.add(Line(x0, y0, x0, y1, strokeColor=DARK, strokeWidth=0.7))
    d.add(
        String(
            (x0 + x1) / 2,
            y0 - 22,
            _("People who started, on finished courses (site size)"),
            textAnchor="middle",
            **small,
        )
    )
    # The limits, drawn from the smallest size shown to the axis' end.
    sizes = [SMALL_CELL + (x_top - SMALL_CELL) * (i / 120) ** 2 for i in range(121)]
    for z, dash, colour in ((Z95, [3, 2], MID), (Z998, None, DARK)):
        for side in (0, 1):
            pts: list[float] = []
            for size in sizes:
                limit = funnel_limits(p0, max(int(size), 1), z)[side]
                if limit >= y_low:  # the lower limit enters the chart as sites grow
                    pts += [x(size), y(limit)]
            if len(pts) >= 4:
                d.add(PolyLine(pts, strokeColor=colour, strokeWidth=0.9, strokeDashArray=dash))
    d.add(Line(x0, y(p0), x1, y(p0), strokeColor=INK, strokeWidth=1))
    from reportlab.pdfbase.pdfmetrics import stringWidth

    placed: list[tuple[float, float, float, float]] = []  # labels' boxes, none overprinted
    flagged = []
    for g in shown:
        f = g.completion
        band = funnel_band(f.numerator, f.denominator, p0)
        px, py = x(f.denominator), y(f.numerator / f.denominator)
        if band == "within":
            d.add(Circle(px, py, 2.2, fillColor=MID, strokeColor=DARK, strokeWidth=0.4))
        else:
            d.add(Circle(px, py, 3.0, fillColor=INK, strokeColor=INK))
            flagged.append((px, py, g.code))
    for px, py, code in sorted(flagged, key=lambda t: (-abs(t[1] - y(p0)), t[2])):
        w, h = stringWidth(code, FONT, 6.5), 7.0
        for dx, dy in ((4, 2), (4, -8), (-4 - w, 2), (-4 - w, -8), (4, 10), (4, -16)):
            box = (px + dx - 1, py + dy - 1, px + dx + w + 1, py + dy + h)
            free = all(
                box[2] < b[0] or b[2] < box[0] or box[3] < b[1] or b[3] < box[1] for b in placed
            )
            if free and box[0] >= 0 and box[2] <= width and y0 <= box[1] and box[3] <= height:
                placed.append(box)
                d.add(String(px + dx, py + dy, code, fontName=FONT, fontSize=6.5, fillColor=INK))
                break  # no free place: the table under the chart names it
    for i, line in enumerate(key_lines):
        d.add(String(x0, 3 + 8 * (len(key_lines) - 1 - i), line, **small))
    return d


def _funnel_section(data: ReportData, width: float) -> list:
    """The funnel plot page: the chart, then the sites outside its limits by name."""
    overall = data.overall.completion
    if not overall.denominator:
        return []
    p0 = overall.numerator / overall.denominator
    shown = [g for g in data.sites if g.completion.denominator >= SMALL_CELL]
    too_few = len(data.sites) - len(shown)
    story: list = [
        CondPageBreak(130 * mm),
        Paragraph(esc(_("Completion by site against its size (funnel plot)")), Styles.h2),
        funnel_chart(data.sites, overall, width - 12),  # inside the frame's padding
        Spacer(1, 2 * mm),
    ]
    order = {"below 99.8 %": 0, "below 95 %": 1, "above 95 %": 2, "above 99.8 %": 3}
    outside = sorted(
        ((funnel_band(g.completion.numerator, g.completion.denominator, p0), g) for g in shown),
        key=lambda bg: (order.get(bg[0], 9), bg[1].code),
    )
    outside = [(b, g) for b, g in outside if b != "within"]
    if outside:
        head = [
            _("Site"),
            _("Started (finished courses)"),
            _("Completion rate"),
            _("Against the limits"),
        ]
        rows: list[list] = [[Paragraph(esc(h), HEAD_SMALL) for h in head]]
        for band, g in outside:
            where = {
                (True, True): _("below the 99.8 % limit"),
                (True, False): _("below the 95 % limit"),
                (False, True): _("above the 99.8 % limit"),
                (False, False): _("above the 95 % limit"),
            }[(band.startswith("below"), "99.8" in band)]
            rows.append(
                [
                    Paragraph(f"{esc(g.name)} ({esc(g.code)})", Styles.cell),
                    _num_cell(_whole(g.completion.denominator)),
                    _num_cell(_pct(g.completion)),
                    Paragraph(esc(where), Styles.cell),
                ]
            )
        story.append(table(rows, [w * width / 510 for w in (230, 80, 110, 90)]))
    else:
        story.append(
            Paragraph(esc(_("Every site plotted is within the 95 % limits.")), Styles.note)
        )
    story.append(
        Paragraph(
            esc(
                _(
                    "A site outside the 99.8 % limits differs from the national rate by more "
                    "than chance is likely to explain; outside the 95 % limits, one site in "
                    "twenty would be by chance alone. Limits: the overall rate ± 1.96 and "
                    "± 3.09 standard errors for a site of that size."
                )
                + (
                    " "
                    + ngettext(
                        "Not plotted (fewer than 5 people who started on finished courses): "
                        "{n} site.",
                        "Not plotted (fewer than 5 people who started on finished courses): "
                        "{n} sites.",
                        too_few,
                    ).format(n=_whole(too_few))
                    if too_few
                    else ""
                )
            ),
            Styles.note,
        )
    )
    return story


def _ranked(
    groups: Sequence[GroupFigures], value: Callable[[GroupFigures], Fraction]
) -> list[GroupFigures]:
    return sorted(
        groups,
        key=lambda g: (
            value(g).percent is None,
            -(value(g).percent or 0),
            -value(g).denominator,
            g.code,
        ),
    )


# The house header style, a point smaller so "Completed" fits a number column unbroken.
HEAD_SMALL = ParagraphStyle("registry_head", parent=Styles.head, fontSize=8, leading=9.5)


def _site_cell(g: GroupFigures, overall: GroupFigures) -> Paragraph:
    courses = _courses(g.courses)
    if g is overall:
        return Paragraph(f"{esc(_(g.name))}<br/>{courses}", Styles.cell_bold)
    return Paragraph(f"{esc(g.name)} ({esc(g.code)})<br/>{courses}", Styles.cell)


NUMBER_CELL = ParagraphStyle("registry_number", parent=Styles.cell, alignment=2)


def _num_cell(text: str) -> Paragraph:
    """A figure in a cell that wraps rather than runs into its neighbour."""
    return Paragraph(esc(text), NUMBER_CELL)


def _summary_table(data: ReportData, width: float) -> list:
    # One vocabulary with the class summary: enrolled (on the course lists), agreed to share
    # (in the uploads), started, completed; rates on finished courses only.
    head = [
        _("Site"),
        _("Enrolled"),
        _("Agreed to share"),
        _("Started"),
        _("Completed (finished courses)"),
        _("Completion rate (finished courses)"),
        _("95 % CI"),
        _("Start and end measures (finished courses)"),
    ]
    rows: list[list] = [[Paragraph(esc(h), HEAD_SMALL) for h in head]]
    for g in list(data.sites) + [data.overall]:
        rows.append(
            [
                _site_cell(g, data.overall),
                _num_cell(_count(g.referred)),
                _num_cell(_count(g.enrolled)),
                _num_cell(_count(g.started)),
                _num_cell(_count(g.finished_completers)),
                _num_cell(_pct(g.completion)),
                _num_cell(_ci(g.completion) if g.completion.denominator >= SMALL_CELL else ""),
                _num_cell(_pct(g.completeness)),
            ]
        )
    widths = [w * width / 510 for w in (112, 46, 50, 46, 60, 72, 52, 72)]
    return [table(rows, widths)]


def _headline_table(data: ReportData, width: float) -> list:
    labels = [h.label for h in data.overall.headlines]
    head = [_("Site")] + [
        _("{headline}: meaningful / any improvement").format(headline=_(lab)) for lab in labels
    ]
    rows: list[list] = [[Paragraph(esc(h), HEAD_SMALL) for h in head]]
    for g in list(data.sites) + [data.overall]:
        cells: list = [_site_cell(g, data.overall)]
        for h in g.headlines:
            # Meaningful first: it is the change that matters to a person; each share with
            # its own numerator and denominator, as they can differ.
            cells.append(
                Paragraph(
                    esc(_("meaningful {share}").format(share=_pct(h.meaningful)))
                    + "<br/>"
                    + esc(_("any {share}").format(share=_pct(h.improved))),
                    Styles.cell,
                )
            )
        rows.append(cells)
    widths = [0.25 * width] + [0.25 * width] * len(labels)
    return [table(rows, widths)]


def _follow_up_table(data: ReportData, width: float) -> list:
    """Response at each follow-up point per site: reached of those due so far."""
    groups = [g for g in list(data.sites) + [data.overall] if g.follow_up]
    if not groups:
        return []
    head = [_("Site"), _("Follow-up"), _("Due so far"), _("Reached"), _("Response rate"),
            _("Could not reach"), _("Declined"), _("Still to do")]  # fmt: skip
    rows: list[list] = [[Paragraph(esc(h), HEAD_SMALL) for h in head]]
    for g in groups:
        for c in g.follow_up:
            r = c.response
            # The four parts add up to "due so far": a part of 1 to 4 people is hidden, and
            # so are as many more as it takes for none to be worked out from the total.
            parts = (c.done, c.unreachable, c.declined, c.due + c.overdue)
            hide = secondary_suppression(parts)
            shown = [
                _count(n) if not h or 0 < n < SMALL_CELL else _("not shown")
                for n, h in zip(parts, hide, strict=True)
            ]
            rows.append(
                [
                    _site_cell(g, data.overall),
                    _num_cell(ngettext("{n} month", "{n} months", c.point).format(n=c.point)),
                    _num_cell(_count(c.counted)),
                    _num_cell(shown[0]),
                    # a rate would give back a hidden count: not shown either
                    _num_cell(
                        _("fewer than 5 reached")
                        if 0 < c.done < SMALL_CELL
                        else _("not shown")
                        if hide[0]
                        else _pct(Fraction(r.numerator, r.denominator))
                    ),
                    _num_cell(shown[1]),
                    _num_cell(shown[2]),
                    _num_cell(shown[3]),
                ]
            )
    widths = [w * width / 510 for w in (112, 56, 50, 50, 70, 60, 56, 56)]
    return [
        CondPageBreak(40 * mm),
        Paragraph(esc(_("Does it last? Follow-up at 3 and 12 months")), Styles.h2),
        table(rows, widths),
        Paragraph(
            esc(
                _(
                    "Due so far: people who completed and agreed to be contacted, whose "
                    "follow-up date has come (or is recorded). Response rate: reached and "
                    "measured, of those. Only uploads made with profile version 4 or later "
                    "carry follow-up."
                )
            ),
            Styles.note,
        ),
        Paragraph(
            esc(
                _(
                    "Not shown: a count hidden so that a count of fewer than 5 people cannot "
                    "be worked out by taking the others from the total."
                )
            ),
            Styles.note,
        ),
    ]


def _modes_table(data: ReportData, width: float) -> list:
    """The same funnel, completion and headline figures for each delivery mode's courses."""
    if not data.modes:
        return []
    labels = [h.label for h in data.overall.headlines]
    head = [
        _("Delivery mode"),
        _("Enrolled"),
        _("Started"),
        _("Completion rate (finished courses)"),
        _("95 % CI"),
    ] + [_("{headline}: meaningful / any").format(headline=_(lab)) for lab in labels]
    rows: list[list] = [[Paragraph(esc(h), HEAD_SMALL) for h in head]]
    for g in data.modes:
        cells: list = [
            Paragraph(f"{esc(_(g.name))}<br/>{esc(_courses(g.courses))}", Styles.cell),
            _num_cell(_count(g.referred)),
            _num_cell(_count(g.started)),
            _num_cell(_pct(g.completion)),
            _num_cell(_ci(g.completion) if g.completion.denominator >= SMALL_CELL else ""),
        ]
        for h in g.headlines:
            cells.append(
                Paragraph(
                    esc(_("meaningful {share}").format(share=_pct(h.meaningful)))
                    + "<br/>"
                    + esc(_("any {share}").format(share=_pct(h.improved))),
                    Styles.cell,
                )
            )
        rows.append(cells)
    fixed = (112, 46, 46, 62, 52)
    rest = (510 - sum(fixed)) / max(1, len(labels))
    widths = [w * width / 510 for w in (*fixed, *([rest] * len(labels)))]
    return [
        Spacer(1, 4 * mm),
        Paragraph(esc(_("By delivery mode: in the hall, over video, or both")), Styles.h2),
        table(rows, widths),
    ]


def _years_section(data: ReportData, width: float) -> list:
    """Each site's figures and all sites' for each financial year (1 April to 31 March, by
    the course's first session); a site of under 5 people shows its counts without rates."""
    if len(data.years) < 2:
        return []  # one year (or none known): the tables above are that year's
    labels = [h.label for h in data.overall.headlines]
    head = [
        _("Site"),
        _("Enrolled"),
        _("Started"),
        _("Completion rate (finished courses)"),
        _("Start and end measures (finished courses)"),
    ] + [_("{headline}: meaningful").format(headline=_(lab)) for lab in labels]
    fixed = (104, 44, 44, 66, 66)
    rest = (510 - sum(fixed)) / max(1, len(labels))
    widths = [w * width / 510 for w in (*fixed, *([rest] * len(labels)))]
    story: list = [
        CondPageBreak(40 * mm),
        Paragraph(esc(_("By financial year")), Styles.h2),
        Paragraph(
            esc(
                _(
                    "A course counts in the financial year (1 April to 31 March) of its first "
                    "session; courses whose upload gives no start date are in no year."
                )
            ),
            Styles.note,
        ),
    ]
    for year in data.years:
        rows: list[list] = [[Paragraph(esc(h), HEAD_SMALL) for h in head]]
        for g in (*year.sites, year.overall):
            cells: list = [
                _site_cell(g, year.overall),
                _num_cell(_count(g.referred)),
                _num_cell(_count(g.started)),
                _num_cell(_pct(g.completion)),
                _num_cell(_pct(g.completeness)),
            ]
            cells += [_num_cell(_pct(h.meaningful)) for h in g.headlines]
            rows.append(cells)
        story += [
            CondPageBreak(30 * mm),
            Spacer(1, 3 * mm),
            Paragraph(esc(_("Financial year {year}").format(year=year.year)), Styles.head),
            table(rows, widths),
        ]
    return story


HIDDEN = "*"  # an equality count not shown (equality.py): never "<5", it may be more


def _equality_labels() -> dict[str, tuple[str, dict[str, str]]]:
    """Each item's heading and its codes' labels, in the reader's language."""
    return {
        "ethnic_category": (_("Ethnic category"), ETHNIC_CATEGORIES),
        "stated_sex": (_("Stated sex"), STATED_SEXES),
        "gender_identity": (_("Gender identity"), GENDER_IDENTITIES),
    }


def _hidden_or(n: int | None) -> str:
    return HIDDEN if n is None else _whole(n)


def _equality_section(data: ReportData, width: float) -> list:
    """All sites' people by ethnic category, stated sex and gender identity, for the period
    and, when it covers several, for each financial year; suppressed as the JSON is."""
    eq: EqualityReport | None = data.equality
    if eq is None or not eq.tables:
        return []
    intro: list = [
        Paragraph(esc(_("Equality monitoring: all sites")), Styles.h2),
        Paragraph(
            esc(
                _(
                    "People on a course, each as they answered at enrolment, coded as the NHS "
                    "Data Dictionary codes them. Not recorded: not asked, or the site's "
                    "software was older than these questions. A * is a count not shown: 1 to "
                    "4 people, or a count hidden with one so that it cannot be worked out "
                    "from the totals. Each site's own counts are in the figure files "
                    "(registry report --csv or --json-file), hidden the same way."
                )
            ),
            Styles.note,
        ),
    ]
    story: list = []
    for item, (heading_text, labels) in _equality_labels().items():
        table_ = eq.table(item)
        years_table = eq.year_table(item)
        if table_ is None:
            continue
        columns: list[tuple[str, EqualityRow]] = []
        if years_table is not None and len(years_table.years) > 1:
            for r in years_table.years:
                name = _("No start date") if r.code == "none" else r.code
                columns.append((name, r))
        columns.append((_("All years") if columns else _("People"), table_.overall))
        head = [_("Code"), heading_text] + [c[0] for c in columns]
        rows: list[list] = [[Paragraph(esc(h), HEAD_SMALL) for h in head]]
        for code, _n in table_.overall.counts:
            label = _(labels[code]) if code in labels else _("Not recorded")
            cells: list = [
                Paragraph(esc(code or "–"), Styles.cell),
                Paragraph(esc(label), Styles.cell),
            ]
            for _name, r in columns:
                cells.append(_num_cell(_hidden_or(dict(r.counts).get(code))))
            rows.append(cells)
        total: list = [
            Paragraph("", Styles.cell),
            Paragraph(esc(_("All people")), Styles.cell_bold),
        ]
        total += [_num_cell(_whole(r.total)) for _name, r in columns]
        rows.append(total)
        label_width = 0.42 * width if len(columns) > 1 else 0.6 * width
        code_width = 0.07 * width
        rest = (width - label_width - code_width) / len(columns)
        block = [
            Spacer(1, 3 * mm),
            Paragraph(esc(heading_text), Styles.head),
            table(rows, [code_width, label_width] + [rest] * len(columns)),
        ]
        # The section's heading and note stay with its first table; each table on one page.
        story.append(KeepTogether([*intro, *block] if not story else block))
    return story


def _means_table(data: ReportData, width: float) -> list:
    """Each measure's mean start, end and change across all sites, people with both values."""
    if not data.means:
        return []
    head = [_("Measure"), _("People with both"), _("Mean start"), _("Mean end"), _("Mean change")]
    rows: list[list] = [[Paragraph(esc(h), HEAD_SMALL) for h in head]]
    for m in data.means:
        better = _("higher is better") if m.direction == "higher_better" else _("lower is better")
        name = Paragraph(
            f"{esc(measure_name(m.name, ui_translator()))}<br/>{esc(better)}", Styles.cell
        )
        if m.n < SMALL_CELL:
            rows.append([name, _num_cell("<5"), _num_cell(""), _num_cell(""), _num_cell("")])
            continue
        d = m.decimals + 1  # one decimal beyond what the measure records, as everywhere

        def f(v: float | None, signed: bool = False, d: int = d) -> str:
            if v is None:
                return ""
            text = format_number(v, d)
            return f"+{text}" if signed and not text.startswith("-") else text

        rows.append(
            [
                name,
                _num_cell(_whole(m.n)),
                _num_cell(f(m.mean_start)),
                _num_cell(f(m.mean_end)),
                _num_cell(f(m.mean_change, signed=True)),
            ]
        )
    widths = [w * width / 510 for w in (190, 80, 80, 80, 80)]
    return [
        CondPageBreak(40 * mm),
        Paragraph(esc(_("Start and end measures: means, all sites")), Styles.h2),
        table(rows, widths),
    ]


def _improved_on(index: int) -> Callable[[GroupFigures], Fraction]:
    return lambda g: g.headlines[index].improved


def _meaningful_on(index: int) -> Callable[[GroupFigures], Fraction]:
    return lambda g: g.headlines[index].meaningful or Fraction(0, 0)


def _charts(data: ReportData, width: float) -> list:
    out: list = []
    specs: list[
        tuple[str, Callable[[GroupFigures], Fraction], Fraction, tuple[float, str] | None]
    ] = [
        (
            _("Completion rate (finished courses)"),
            lambda g: g.completion,
            data.overall.completion,
            (
                NATIONAL_COMPLETION,
                _("national 2014–2018: {percent} %").format(percent=f"{NATIONAL_COMPLETION:g}"),
            ),
        )
    ]
    for i, h in enumerate(data.overall.headlines):
        # The headline bars show meaningful change where the measure has a threshold.
        if h.meaningful is not None:
            specs.append(
                (
                    _("{headline} (meaningful improvement)").format(headline=_(h.label)),
                    _meaningful_on(i),
                    h.meaningful,
                    None,
                )
            )
        else:
            title = _("{headline} (any improvement)").format(headline=_(h.label))
            specs.append((title, _improved_on(i), h.improved, None))
    per_chart = rows_per_chart(data.sites)
    for title, value, overall, benchmark in specs:
        ranked = _ranked(data.sites, value)
        for start in range(0, max(len(ranked), 1), per_chart):
            part = ranked[start : start + per_chart]
            suffix = (
                " " + _("(sites {first}–{last})").format(first=start + 1, last=start + len(part))
                if len(ranked) > per_chart
                else ""
            )
            out.append(CondPageBreak(60 * mm))
            out.append(
                KeepTogether(
                    [
                        Paragraph(esc(title + suffix), Styles.h2),
                        ranked_chart(part, value, overall, width, benchmark),
                    ]
                )
            )
    return out


def _notes(data: ReportData) -> list:
    lines = [
        _(
            "Enrolled: everyone on the sites' course lists, including people left out of the "
            "upload (did not agree to share, or not asked yet). Agreed to share: people in the "
            "uploads; every other figure counts only them. Referred: not known to the registry "
            "(the uploads carry only people who were enrolled). Started: came to at least one "
            "session. Completed: attended at least 75 % of the sessions held, counted on "
            "finished courses only (on a running course it is not yet final)."
        ),
        _(
            "Completion rate: completers of those who started, on finished courses only. Start "
            "and end measures: starters on finished courses with both values on every headline "
            "measure of their programme."
        ),
        _(
            "Headline proportions: of people with a start and an end value on their programme's "
            "measure for that domain; 'meaningful' counts a gain at least the measure's "
            "threshold, 'any' any improvement. Each share gives its own numerator and "
            "denominator. Intervals are 95 % Wilson score intervals; the dashed line is all "
            "sites together."
        ),
        _(
            "Benchmark: the dotted line on the completion chart is the national figure, "
            "{percent} % of people completing across 110+ sites, 2014–2018 ({source})."
        ).format(percent=f"{NATIONAL_COMPLETION:g}", source=NATIONAL_COMPLETION_SOURCE),
        _(
            "Small numbers: a count of 1 to 4 people is shown as <5, and a share of fewer than "
            "5 people is not shown, as NHS statistical disclosure practice asks."
        ),
    ]
    for r in data.rules:
        if r.threshold is None:
            lines.append(
                _(
                    "{measure}: meaningful change not available (no threshold could be "
                    "confirmed from a published source), so only 'any' is given."
                ).format(measure=measure_name(r.name, ui_translator()))
            )
        else:
            lines.append(
                _(
                    "{measure}: meaningful change {threshold} points or more (threshold from "
                    "the {source})."
                ).format(
                    measure=measure_name(r.name, ui_translator()),
                    threshold=f"{r.threshold:g}",
                    source=_(r.threshold_source),
                )
            )
    if data.left_out_over_video:
        n = data.left_out_over_video
        lines.append(
            ngettext(
                "Tests watched over video: {n} start-to-end change is left out of the "
                "headline figures and means, as the sites' own setting said in the upload "
                "(chair_stand_change_counted = 0); its values still count as measured.",
                "Tests watched over video: {n} start-to-end changes are left out of the "
                "headline figures and means, as the sites' own setting said in the upload "
                "(chair_stand_change_counted = 0); their values still count as measured.",
                n,
            ).format(n=_whole(n))
        )
    lines.extend(data.notes)
    return [Paragraph(esc(t), Styles.note) for t in lines]


def _made_on(text: str) -> str:
    """The day the report was made, in the reader's words (an ISO date in the data)."""
    from datetime import date

    try:
        return ui_translator().date(date.fromisoformat(text), "medium")
    except ValueError:  # already words (a test's own)
        return text


def render_registry_report(data: ReportData, path: Path | str) -> int:
    """Write the report to ``path`` (atomically); returns the number of pages."""

    def write(tmp: Path) -> int:
        title = _(data.title)  # the report's English title is data (the JSON's), N_() where made
        doc = document(tmp, PORTRAIT, title=title, subject=_("Registry report"))
        width = doc.width
        people = data.overall.enrolled
        story: list = heading(
            title,
            _("Per site and overall, {period}").format(period=data.period),
            [
                (_("Sites"), _whole(len(data.sites))),
                (_("People in the uploads"), _whole(people)),
                (_("Uploads loaded"), _whole(data.batches)),
                (_("Made on"), _made_on(data.made_on)),
            ],
        )
        story.append(Paragraph(esc(_("Funnel, completion and data completeness")), Styles.h2))
        story.extend(_summary_table(data, width))
        story.append(Spacer(1, 4 * mm))
        story.append(Paragraph(esc(_("Headline proportions")), Styles.h2))
        story.extend(_headline_table(data, width))
        story.extend(_follow_up_table(data, width))
        story.extend(_modes_table(data, width))
        story.extend(_years_section(data, width))
        story.extend(_means_table(data, width))
        story.extend(_equality_section(data, width))
        story.extend(_funnel_section(data, width))
        story.extend(_charts(data, width))
        story.append(CondPageBreak(40 * mm))
        story.append(Paragraph(esc(_("Glossary: what the words and figures mean")), Styles.h2))
        story.extend(_notes(data))
        # Shortened, never under the page number: a Welsh year's period is long (the first
        # page prints it whole).
        footer = _fit(f"{title} · {data.period}", width - 100, 8)
        return build(doc, story, footer=footer, tr=ui_translator())  # 'Page 2 of 9' too

    return int(write_atomically(path, write))
