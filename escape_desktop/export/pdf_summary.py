"""Class summary for commissioners (portrait A4): attendance, completion and class outcomes."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from reportlab.platypus import KeepTogether, PageBreak, Paragraph, Spacer, Table, TableStyle

from escape_desktop.i18n import ui_date
from escape_desktop.programme.completion import NATIONAL_COMPLETION, NATIONAL_COMPLETION_SOURCE
from escape_desktop.programme.delivery import ModeFigures
from escape_desktop.programme.rounding import format_number, plural
from escape_desktop.programme.status import CourseSummary, Ratio, registers_not_taken_text

from .pdf_charts import StartEnd, attendance_chart, proportion_bars, start_end_panels
from .pdf_data import CourseInfo
from .pdf_style import (
    FONT,
    FONT_BOLD,
    INK,
    LIGHT,
    MARGIN,
    PORTRAIT,
    Styles,
    build,
    document,
    esc,
    heading,
    make_style,
    para,
    table,
)

figure_num = make_style("figure_num", fontName=FONT_BOLD, fontSize=18, leading=22, alignment=1)
figure_label = make_style("figure_label", fontSize=9, leading=11, alignment=1)


@dataclass(frozen=True)
class SummaryDomain:
    """One headline domain: improved at all, meaningful improvement and worse (programme.outcomes)."""

    label: str
    measured: bool  # False: the programme maps no measure to this domain
    instrument_names: tuple[str, ...]
    threshold: float | None
    threshold_percent: float | None
    threshold_source: str
    improved: Ratio
    meaningful: Ratio | None  # None when the measure has no published threshold
    worse: Ratio
    left_out: int = 0  # people with both values watched over video, left out of the above


@dataclass(frozen=True)
class SummaryMeasure:
    """One measure's class figures (means count only people with a start and an end value)."""

    instrument_key: str
    name: str
    unit: str
    direction: str
    decimals: int
    n_start: int
    n_end: int
    n_both: int
    mean_start: float | None
    mean_end: float | None
    mean_change: float | None
    n_improved: int
    n_reaching_mid: int | None  # None when the measure has no MID
    minimum: float  # the measure's scale, for the start/end panels
    maximum: float
    n_left_out: int = 0  # people with both values watched over video, left out of the above

    def fmt(self, value: float | None, *, signed: bool = False) -> str:
        """A mean as printed: one more decimal than the measure's own, halves away from zero."""
        if value is None:
            return ""
        text = format_number(value, self.decimals + 1)
        return f"+{text}" if signed and not text.startswith("-") else text


@dataclass(frozen=True)
class SummaryData:
    """The class figures the summary prints, worked out by services (never here)."""

    site_name: str
    site_code: str
    figures: CourseSummary  # the funnel, from programme.status
    completion_rate: float | None
    domains: tuple[SummaryDomain, ...]
    measures: tuple[SummaryMeasure, ...]
    present: tuple[int | None, ...]  # per session, None when cancelled or not held yet
    numbers: tuple[int, ...]
    age_bands: tuple[tuple[str, int], ...] = ()
    sexes: tuple[tuple[str, int], ...] = ()
    referral_sources: tuple[tuple[str, int], ...] = ()
    withdrawal_reasons: tuple[tuple[str, int], ...] = ()  # not printed: free text stays here
    attendance: Ratio | None = None  # sessions attended of those held while enrolled
    agreed_to_share: int | None = None  # enrolled people who agreed to share coded data
    complete_measures: int = 0  # starters with start and end values on every headline measure
    headline_measured: bool = True
    registers_not_taken: tuple[int, ...] = ()  # past sessions nobody was marked in (numbers)
    follow_up: tuple[SummaryFollowUp, ...] = ()  # each follow-up point the site uses
    # How the class was delivered: its mode's words, and sessions and attendance by place
    # (programme.delivery); None for a course held wholly in the hall.
    delivery_words: str = ""
    by_place: ModeFigures | None = None
    # Where the start and end measures were taken (programme.measure_taken): counts of
    # in_person / remote / video, the site's choice for tests over video, and how many
    # people's changes that left out (or counted in).
    taken: tuple[tuple[str, int], ...] = ()
    video_tests_counted: bool = False
    changes_left_out: int = 0
    changes_over_video: int = 0


@dataclass(frozen=True)
class SummaryFollowUp:
    """One follow-up point (3 or 12 months after the course) as the summary prints it."""

    point: int
    followed: int  # completers who agreed to be contacted
    counted: int  # of those, due by now or recorded
    done: int
    unreachable: int
    declined: int
    outstanding: int  # counted, nothing recorded yet (due or overdue)
    response: Ratio  # done of counted
    completeness: Ratio  # any outcome of counted
    domains: tuple[SummaryDomain, ...]  # start -> this point


def delivery_text(words: str, f: ModeFigures) -> str:
    """One sentence: where the sessions were held, and attendance in the hall and online."""
    text = (
        f"Delivery: {words or 'in person'}. Sessions held in the hall: {f.sessions_in_hall}; online: "
        f"{f.sessions_online}. Attendance in the hall {pct(f.attendance_in_hall)}, online "
        f"{pct(f.attendance_online_sessions)}; {f.attended_online} of "
        f"{f.attended_online + f.attended_in_room} attendances were over video."
    )
    return text


def taken_text(
    taken: dict[str, int], video_tests_counted: bool, left_out: int, over_video: int
) -> str:
    """Where the start and end measures were taken, and what the site's setting did with
    physical tests watched over video; "" when every measure was taken in person."""
    remote, video = taken.get("remote", 0), taken.get("video", 0)
    if not remote and not video:
        return ""
    text = (
        f"Where measured: {taken.get('in_person', 0)} in person, {remote} remote "
        f"(questionnaires on the call or a form sent beforehand), {video} over video "
        "(physical tests watched on the call)."
    )
    if video_tests_counted:
        return text + (
            " This site counts physical tests watched over video in the change figures "
            f"(counted in: {plural(over_video, 'person', 'people')})."
        )
    return text + (
        " This site leaves physical tests watched over video out of the change figures "
        f"(left out: {plural(left_out, 'person', 'people')})."
    )


def pct(r: Ratio | None) -> str:
    """Every percentage on the page: whole numbers, halves away from zero; a dash for none."""
    value = None if r is None else r.percent(0)
    return "–" if value is None else f"{format_number(value, 0)}%"  # as the bars print it


def count_of(r: Ratio | None) -> str:
    if r is None or not r.denominator:
        return "–"
    return f"{r.numerator} of {r.denominator} ({pct(r)})"


SMALL_CELL = 5  # NHS statistical disclosure practice: groups of 1 to 4 people are not shown


def small(n: int) -> str:
    return "<5" if 0 < n < SMALL_CELL else str(n)


def _figures(items: list[tuple[str, str]], width: float) -> Table:
    row1 = [Paragraph(esc(v), figure_num) for v, _ in items]
    row2 = [Paragraph(esc(label), figure_label) for _, label in items]
    t = Table([row1, row2], colWidths=[width / len(items)] * len(items))
    t.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), FONT, 9),
                ("BOX", (0, 0), (-1, -1), 1, INK),
                ("LINEAFTER", (0, 0), (-2, -1), 0.5, LIGHT),
                ("TOPPADDING", (0, 0), (-1, 0), 6),
                ("BOTTOMPADDING", (0, -1), (-1, -1), 6),
            ]
        )
    )
    return t


def _counts_table(title: str, items: tuple[tuple[str, int], ...], width: float) -> list:
    rows: list[list] = [[para(title, Styles.head), para("People", Styles.head_center)]]
    rows += [[para(label), small(n)] for label, n in items] or [[para("None"), ""]]
    return [table(rows, [width - 46, 46], extra=[("ALIGN", (1, 1), (1, -1), "CENTER")])]


def render_summary(info: CourseInfo, data: SummaryData, path: Path) -> int:
    x = data.figures
    doc = document(path, PORTRAIT, title=f"{info.code} class summary", subject=info.title)
    width = PORTRAIT[0] - 2 * MARGIN
    provider = data.site_name or "Not set (Settings: Provider or site name)"
    if data.site_code:
        provider += f" (ODS {data.site_code})"
    facts = [
        ("Provider", provider),
        ("Programme", info.programme_title),
        ("Venue", info.venue),
        ("Dates", info.dates_text()),
        ("Staff", info.staff_text()),
    ]
    story = heading(f"Class summary — {info.code}", info.title, facts)

    # The funnel in the registry report's words: enrolled -> started -> completed (of starters).
    finished = x.completers is not None
    boxes = [
        (str(x.enrolled), "enrolled"),
        (str(x.started), "started (came at least once)"),
    ]
    if finished:
        c = x.completion
        of = f" ({c.numerator} of {c.denominator})" if c is not None else ""
        boxes += [
            (str(x.completers), "completed"),
            (pct(x.completion), f"completion rate, of starters{of}"),
        ]
    else:
        boxes += [
            (str(x.on_track or 0), "on track (still running)"),
            ("–", "completion: when finished"),
        ]
    boxes.append((f"{x.sessions_delivered} of {info.planned}", "sessions held"))
    story.append(_figures(boxes, width))
    story.append(Spacer(1, 4))
    shared = (
        f" Agreed to share their coded data: {data.agreed_to_share} of {x.enrolled}."
        if data.agreed_to_share is not None
        else ""
    )
    funnel = (
        f"Enrolled {x.enrolled} → started {x.started} → "
        + (f"completed {x.completers}." if finished else "completion decided when the course ends.")
        + f" Did not start: {x.did_not_start}. Withdrawn: {x.withdrawn}."
        + shared
    )
    if x.not_started_yet:
        funnel += f" Not started yet (no session of theirs held): {x.not_started_yet}."
    if not finished and x.on_track is not None:
        funnel += (
            f" While it runs: {x.on_track} on track, {x.needs_more or 0} need more sessions, "
            f"{x.cannot_complete or 0} cannot reach 75 %."
        )
    definition = (
        "Completed means attending at least 75 % of the sessions held while enrolled, decided "
        "once the course has finished. The completion rate counts completers out of starters "
        "(people who came to at least one session), not everyone enrolled. For comparison, "
        f"{NATIONAL_COMPLETION:g} % completed nationally across 110+ sites, 2014–2018 "
        f"({NATIONAL_COMPLETION_SOURCE})."
    )
    story.append(Paragraph(esc(funnel), Styles.body))
    if data.registers_not_taken:
        # Completion counts a forgotten register as held for everyone: said, never hidden.
        missing = registers_not_taken_text(data.registers_not_taken)
        story.append(Paragraph(f"<b>{esc(missing)}</b>", Styles.body))
    if data.by_place is not None and (data.delivery_words or data.by_place.sessions_online):
        story.append(Paragraph(esc(delivery_text(data.delivery_words, data.by_place)), Styles.body))
    story.append(Paragraph(esc(definition), Styles.note))

    story.append(Paragraph("Attendance at each session", Styles.h2))
    held_counts = [v for v in data.present if v is not None]
    people = max([x.enrolled] + held_counts)
    chart = attendance_chart(data.numbers, data.present, people, width, 108)
    note = "No sessions held yet."
    rate = data.attendance
    if rate is not None and rate.denominator:
        story.append(
            Paragraph(
                esc(
                    f"Attendance rate: {pct(rate)} ({rate.numerator} of the {rate.denominator} "
                    "sessions held while people were enrolled were attended)."
                ),
                Styles.body,
            )
        )
    if held_counts:
        mean = format_number(sum(held_counts) / len(held_counts), 1)
        note = (
            f"On average {mean} people came to each of the {len(held_counts)} sessions held."
            " A dash marks a session cancelled or not held yet."
        )
    story.append(KeepTogether([chart, Paragraph(note, Styles.note)]))

    story.append(Paragraph("Class outcomes", Styles.h2))
    bars: list[tuple[str, float | None, str]] = []
    for d in data.domains:
        if not d.measured:
            bars.append((f"{d.label} (not measured)", None, ""))
            continue
        # Meaningful improvement where the measure has a threshold (any improvement only
        # where none is published), rounded as in the table below.
        shown = d.meaningful if d.meaningful is not None else d.improved
        detail = f"{shown.numerator} of {shown.denominator}"
        label = d.label if d.meaningful is not None else f"{d.label} (any improvement)"
        bars.append((label, shown.percent(0), detail if shown.denominator else ""))
    story.append(
        Paragraph(
            "Meaningful improvement, of people measured at start and end (any improvement "
            "where the measure has no published threshold)",
            Styles.note,
        )
    )
    story.append(proportion_bars(bars, width))
    rows: list[list] = [
        [
            para("Headline", Styles.head),
            para("Measure", Styles.head),
            para("Improved at all", Styles.head_center),
            para("Meaningful improvement", Styles.head_center),
            para("Got worse", Styles.head_center),
        ]
    ]
    thresholds = []
    for d in data.domains:
        if not d.measured:
            rows.append([para(d.label), para("not measured on this programme"), "–", "–", "–"])
            continue
        name = ", ".join(d.instrument_names)
        left = f"; {d.left_out} over video left out" if d.left_out else ""
        rows.append(
            [
                para(d.label),
                para(name + left),
                para(count_of(d.improved), Styles.cell_center),
                para(
                    "not available" if d.meaningful is None else count_of(d.meaningful),
                    Styles.cell_center,
                ),
                para(count_of(d.worse), Styles.cell_center),
            ]
        )
        if d.threshold is not None:
            extra = (
                f" or {format_number(d.threshold_percent, 0)} % of the start value"
                if d.threshold_percent
                else ""
            )
            source = f" ({d.threshold_source})" if d.threshold_source else ""
            thresholds.append(f"{name}: {format_number(d.threshold, 1)} points{extra}{source}")
    story.append(Spacer(1, 4))
    col = (width - 150) / 4
    story.append(table(rows, [110, col + 40, col - 10, col - 10, col - 20]))
    explain = (
        "Each headline counts people with both a start and an end value on its measure. "
        "Improved at all: any change in the better direction (as the programme's published "
        "figures count). Meaningful improvement: a change at least the measure's published "
        "threshold. Got worse: any change in the worse direction."
    )
    if thresholds:
        explain += " Thresholds: " + "; ".join(thresholds) + "."
    story.append(Spacer(1, 2))
    story.append(Paragraph(esc(explain), Styles.note))
    starters = x.started
    if data.headline_measured:
        completeness = (
            f"Data completeness: {data.complete_measures} of {starters} starters gave start and "
            "end values on every headline measure."
        )
    else:
        completeness = "Data completeness: this programme maps no headline measure."
    story.append(Paragraph(esc(completeness), Styles.body))
    where = taken_text(
        dict(data.taken), data.video_tests_counted, data.changes_left_out, data.changes_over_video
    )
    if where:
        story.append(Paragraph(esc(where), Styles.body))

    if finished:  # nobody is followed up before a course ends
        story.extend(_follow_up_section(data.follow_up, width))

    # Everyone enrolled is counted here (the tables add up to the funnel's first figure),
    # including people who never came: a heading saying "came" would contradict the funnel
    enrolled = data.figures.enrolled
    who_block: list = [
        Paragraph(f"Who enrolled ({plural(enrolled, 'person', 'people')})", Styles.h2)
    ]
    third = (width - 16) / 3
    who = Table(
        [
            [
                _counts_table("Age band (on the first day)", data.age_bands, third),
                _counts_table("Sex", data.sexes, third),
                _counts_table("Referred by", data.referral_sources, third),
            ]
        ],
        colWidths=[third + 8, third, third + 8],
    )
    who.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), FONT, 9),  # only embedded fonts, even for no text
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
            ]
        )
    )
    who_block += [who, Spacer(1, 4)]
    story.append(KeepTogether(who_block))
    if x.withdrawn:
        story.append(
            Paragraph(
                esc(
                    f"Withdrawn: {small(x.withdrawn)}. Their reasons, typed in their own words, "
                    "stay with the service."
                ),
                Styles.body,
            )
        )
    else:
        story.append(Paragraph("Nobody withdrew.", Styles.body))

    summaries = [m for m in data.measures if m.n_start or m.n_end]
    if summaries:
        story.append(Paragraph("Every measure", Styles.h2))
        rows = [
            [
                "Measure",
                para("Both taken", Styles.head_center),
                para("Mean start", Styles.head_center),
                para("Mean end", Styles.head_center),
                para("Mean change", Styles.head_center),
                para("Better", Styles.head_center),
                para("Meaning- ful*", Styles.head_center),
            ]
        ]
        for m in summaries:
            unit = f" ({m.unit})" if m.unit else ""
            left = f"; {m.n_left_out} over video left out" if m.n_left_out else ""
            rows.append(
                [
                    para(m.name + unit + left),
                    str(m.n_both),
                    m.fmt(m.mean_start),
                    m.fmt(m.mean_end),
                    m.fmt(m.mean_change, signed=True).replace("-", "−"),
                    str(m.n_improved),
                    "–" if m.n_reaching_mid is None else str(m.n_reaching_mid),
                ]
            )
        num_w = 56
        story.append(
            table(
                rows,
                [width - 6 * num_w] + [num_w] * 6,
                extra=[("ALIGN", (1, 1), (-1, -1), "CENTER")],
            )
        )
        story.append(Spacer(1, 3))
        story.append(
            Paragraph(
                "Means count only people with both values and are shown to one more decimal "
                "than the measure records. *Meaningful: a change at least the measure's "
                "published threshold, where one is published.",
                Styles.note,
            )
        )
        panels = [
            StartEnd(
                m.name,
                m.mean_start,
                m.mean_end,
                m.minimum,
                m.maximum,
                m.decimals + 1,  # as the table beside it: one rounding, one figure
                "higher is better" if m.direction == "higher_better" else "lower is better",
            )
            for m in summaries
            if m.n_both
        ]
        if panels:
            block: list = [Paragraph("Mean start and end, people with both values", Styles.h2)]
            for i in range(0, len(panels), 6):
                block.append(start_end_panels(panels[i : i + 6], width, 92))
            story.append(KeepTogether(block))
    else:
        story.append(Paragraph("No start or end measures recorded yet.", Styles.note))
    story.append(PageBreak())
    story.extend(glossary())
    return build(doc, story, footer=f"{info.code} class summary · printed {ui_date(info.today)}")


def _follow_up_section(points: tuple[SummaryFollowUp, ...], width: float) -> list:
    """Does it last? Each point's response and the change from the start to that point."""
    if not points:
        return []
    out: list = [Paragraph("Does it last? Follow-up after the course", Styles.h2)]
    if not any(p.followed for p in points):
        out.append(
            Paragraph(
                "Nobody on this course is followed up yet: only people who completed and agreed "
                "to be contacted afterwards are asked, 3 and 12 months after the last session.",
                Styles.note,
            )
        )
        return out
    rows: list[list] = [
        [
            para("Follow-up", Styles.head),
            para("Due so far", Styles.head_center),
            para("Reached", Styles.head_center),
            para("Could not reach", Styles.head_center),
            para("Declined", Styles.head_center),
            para("Still to do", Styles.head_center),
        ]
    ]
    for p in points:
        rows.append(
            [
                para(f"{p.point} months (of {p.followed} followed up)"),
                str(p.counted),
                para(count_of(p.response), Styles.cell_center),
                str(p.unreachable),
                str(p.declined),
                str(p.outstanding),
            ]
        )
    col = (width - 150) / 5
    out.append(table(rows, [150] + [col] * 5, extra=[("ALIGN", (1, 1), (-1, -1), "CENTER")]))
    out.append(Spacer(1, 4))
    change: list[list] = [
        [
            para("Start to", Styles.head),
            para("Headline", Styles.head),
            para("Improved at all", Styles.head_center),
            para("Meaningful improvement", Styles.head_center),
            para("Got worse", Styles.head_center),
        ]
    ]
    for p in points:
        for d in p.domains:
            if not d.measured:
                change.append(
                    [para(f"{p.point} months"), para(f"{d.label}: not asked"), "–", "–", "–"]
                )
                continue
            change.append(
                [
                    para(f"{p.point} months"),
                    para(f"{d.label} ({', '.join(d.instrument_names)})"),
                    para(count_of(d.improved), Styles.cell_center),
                    para(
                        "not available" if d.meaningful is None else count_of(d.meaningful),
                        Styles.cell_center,
                    ),
                    para(count_of(d.worse), Styles.cell_center),
                ]
            )
    col = (width - 60 - 150) / 3
    out.append(table(change, [60, 150, col, col, col]))
    out.append(Spacer(1, 2))
    out.append(
        Paragraph(
            "Followed up: people who completed and agreed to be contacted. Due so far: their "
            "follow-up date has come (or something is recorded). Reached: measures taken then, "
            "by phone, post or email; the sit-to-stand is not repeated, so daily function is "
            "not asked. Each change counts people with a start value and a value at that point, "
            "judged by the same thresholds as start to end.",
            Styles.note,
        )
    )
    return out


# One vocabulary for commissioners: the class summary, the registry report and the upload.
GLOSSARY: tuple[tuple[str, str], ...] = (
    ("Enrolled", "given a place on the course (everyone on the course list)."),
    (
        "Agreed to share",
        "enrolled and agreed that their coded data (no name) may go to the programme team.",
    ),
    ("Started", "came to at least one session."),
    ("Did not start", "enrolled, had sessions held, and came to none."),
    (
        "Completed",
        "came to at least 75 % of the sessions held while enrolled (from the session they "
        "joined at); decided only once the course has finished.",
    ),
    ("Completion rate", "completers out of starters, on finished courses only."),
    (
        "Attendance rate",
        "sessions attended out of the sessions held while people were enrolled.",
    ),
    (
        "Improved at all",
        "any change in the better direction between the start and end measures.",
    ),
    (
        "Meaningful improvement",
        "a change at least the measure's published minimal important change.",
    ),
    ("Got worse", "any change in the worse direction."),
    (
        "Not available",
        "no threshold for a meaningful change could be confirmed from a published source.",
    ),
    ("<5", "1 to 4 people: not shown, as NHS statistical disclosure practice asks."),
)


def glossary() -> list:
    """The glossary page every commissioner document carries."""
    out: list = [Paragraph("Glossary: what the words mean", Styles.h2)]
    for word, meaning in GLOSSARY:
        out.append(Paragraph(f"<b>{esc(word)}</b>: {esc(meaning)}", Styles.body))
    out.append(
        Paragraph(
            esc(
                "Every percentage is given with the two counts it is made of. Means are shown "
                "to one more decimal than the measure records."
            ),
            Styles.note,
        )
    )
    return out


__all__ = [
    "SummaryDomain",
    "SummaryData",
    "SummaryMeasure",
    "render_summary",
    "FONT",
    "GLOSSARY",
    "glossary",
]
