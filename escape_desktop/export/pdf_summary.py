"""Class summary for commissioners (portrait A4): attendance, completion and class outcomes."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from reportlab.platypus import KeepTogether, PageBreak, Paragraph, Spacer, Table, TableStyle

from escape_desktop.i18n import N_, Translator, ui_translator
from escape_desktop.programme.completion import NATIONAL_COMPLETION, NATIONAL_COMPLETION_SOURCE
from escape_desktop.programme.delivery import ModeFigures
from escape_desktop.programme.rounding import format_number
from escape_desktop.programme.status import CourseSummary, Ratio

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
from .pdf_words import course_dates, label_words, measure_name, registers_missing

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


def delivery_text(words: str, f: ModeFigures, tr: Translator | None = None) -> str:
    """One sentence: where the sessions were held, and attendance in the hall and online."""
    tr = tr or ui_translator()
    return tr._(
        "Delivery: {words}. Sessions held in the hall: {hall}; online: {online}. Attendance "
        "in the hall {hall_rate}, online {online_rate}; {video} of {all} attendances were "
        "over video."
    ).format(
        words=label_words(words, tr) if words else tr._("in person"),
        hall=f.sessions_in_hall,
        online=f.sessions_online,
        hall_rate=pct(f.attendance_in_hall),
        online_rate=pct(f.attendance_online_sessions),
        video=f.attended_online,
        all=f.attended_online + f.attended_in_room,
    )


def taken_text(
    taken: dict[str, int],
    video_tests_counted: bool,
    left_out: int,
    over_video: int,
    tr: Translator | None = None,
) -> str:
    """Where the start and end measures were taken, and what the site's setting did with
    physical tests watched over video; "" when every measure was taken in person."""
    tr = tr or ui_translator()
    remote, video = taken.get("remote", 0), taken.get("video", 0)
    if not remote and not video:
        return ""
    text = tr._(
        "Where measured: {in_person} in person, {remote} remote (questionnaires on the call or "
        "a form sent beforehand), {video} over video (physical tests watched on the call)."
    ).format(in_person=taken.get("in_person", 0), remote=remote, video=video)
    if video_tests_counted:
        return (
            text
            + " "
            + tr.ngettext(
                "This site counts physical tests watched over video in the change figures "
                "(counted in: {n} person).",
                "This site counts physical tests watched over video in the change figures "
                "(counted in: {n} people).",
                over_video,
            ).format(n=over_video)
        )
    return (
        text
        + " "
        + tr.ngettext(
            "This site leaves physical tests watched over video out of the change figures "
            "(left out: {n} person).",
            "This site leaves physical tests watched over video out of the change figures "
            "(left out: {n} people).",
            left_out,
        ).format(n=left_out)
    )


def pct(r: Ratio | None) -> str:
    """Every percentage on the page: whole numbers, halves away from zero; a dash for none."""
    value = None if r is None else r.percent(0)
    return "–" if value is None else f"{format_number(value, 0)}%"  # as the bars print it


def count_of(r: Ratio | None, tr: Translator | None = None) -> str:
    if r is None or not r.denominator:
        return "–"
    tr = tr or ui_translator()
    return tr._("{part} of {whole} ({percent})").format(
        part=r.numerator, whole=r.denominator, percent=pct(r)
    )


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


def _counts_table(
    title: str, items: tuple[tuple[str, int], ...], width: float, tr: Translator
) -> list:
    rows: list[list] = [[para(title, Styles.head), para(tr._("People"), Styles.head_center)]]
    rows += [[para(label_words(label, tr)), small(n)] for label, n in items] or [
        [para(tr._("None")), ""]
    ]
    return [table(rows, [width - 46, 46], extra=[("ALIGN", (1, 1), (1, -1), "CENTER")])]


def render_summary(
    info: CourseInfo, data: SummaryData, path: Path, tr: Translator | None = None
) -> int:
    """Write the class summary to ``path`` in ``tr``'s language (the instructor's by
    default); returns the page count."""
    tr = tr or ui_translator()
    _ = tr._
    x = data.figures
    doc = document(
        path, PORTRAIT, title=_("{code} class summary").format(code=info.code), subject=info.title
    )
    width = PORTRAIT[0] - 2 * MARGIN
    provider = data.site_name or _("Not set (Settings: Provider or site name)")
    if data.site_code:
        provider += " " + _("(ODS {code})").format(code=data.site_code)
    facts = [
        (_("Provider"), provider),
        (_("Programme"), _(info.programme_title) if info.programme_title else ""),
        (_("Venue"), info.venue),
        (_("Dates"), course_dates(info, tr)),
        (_("Staff"), info.staff_text()),
    ]
    story = heading(_("Class summary — {code}").format(code=info.code), info.title, facts)

    # The funnel in the registry report's words: enrolled -> started -> completed (of starters).
    finished = x.completers is not None
    boxes = [
        (str(x.enrolled), _("enrolled")),
        (str(x.started), _("started (came at least once)")),
    ]
    if finished:
        c = x.completion
        rate_label = _("completion rate, of starters")
        if c is not None:
            rate_label = _("completion rate, of starters ({part} of {whole})").format(
                part=c.numerator, whole=c.denominator
            )
        boxes += [(str(x.completers), _("completed")), (pct(x.completion), rate_label)]
    else:
        boxes += [
            (str(x.on_track or 0), _("on track (still running)")),
            ("–", _("completion: when finished")),
        ]
    held = _("{held} of {planned}").format(held=x.sessions_delivered, planned=info.planned)
    boxes.append((held, _("sessions held")))
    story.append(_figures(boxes, width))
    story.append(Spacer(1, 4))
    funnel = _("Enrolled {enrolled} → started {started} →").format(
        enrolled=x.enrolled, started=x.started
    )
    if finished:
        funnel += " " + _("completed {n}.").format(n=x.completers)
    else:
        funnel += " " + _("completion decided when the course ends.")
    funnel += " " + _("Did not start: {n}. Withdrawn: {withdrawn}.").format(
        n=x.did_not_start, withdrawn=x.withdrawn
    )
    if data.agreed_to_share is not None:
        funnel += " " + _("Agreed to share their coded data: {part} of {whole}.").format(
            part=data.agreed_to_share, whole=x.enrolled
        )
    if x.not_started_yet:
        funnel += " " + _("Not started yet (no session of theirs held): {n}.").format(
            n=x.not_started_yet
        )
    if not finished and x.on_track is not None:
        funnel += " " + _(
            "While it runs: {on_track} on track, {more} need more sessions, {cannot} cannot "
            "reach 75 %."
        ).format(on_track=x.on_track, more=x.needs_more or 0, cannot=x.cannot_complete or 0)
    definition = _(
        "Completed means attending at least {percent} of the sessions held while enrolled, "
        "decided once the course has finished. The completion rate counts completers out of "
        "starters (people who came to at least one session), not everyone enrolled. For "
        "comparison, {national} completed nationally across 110+ sites, 2014–2018 ({source})."
    ).format(
        percent="75 %", national=f"{NATIONAL_COMPLETION:g} %", source=NATIONAL_COMPLETION_SOURCE
    )
    story.append(Paragraph(esc(funnel), Styles.body))
    if data.registers_not_taken:
        # Completion counts a forgotten register as held for everyone: said, never hidden.
        missing = registers_missing(data.registers_not_taken, tr)
        story.append(Paragraph(f"<b>{esc(missing)}</b>", Styles.body))
    if data.by_place is not None and (data.delivery_words or data.by_place.sessions_online):
        said = delivery_text(data.delivery_words, data.by_place, tr)
        story.append(Paragraph(esc(said), Styles.body))
    story.append(Paragraph(esc(definition), Styles.note))

    story.append(Paragraph(esc(_("Attendance at each session")), Styles.h2))
    held_counts = [v for v in data.present if v is not None]
    people = max([x.enrolled] + held_counts)
    chart = attendance_chart(data.numbers, data.present, people, width, 108, tr)
    note = _("No sessions held yet.")
    rate = data.attendance
    if rate is not None and rate.denominator:
        said = _(
            "Attendance rate: {percent} ({part} of the {whole} sessions held while people were "
            "enrolled were attended)."
        ).format(percent=pct(rate), part=rate.numerator, whole=rate.denominator)
        story.append(Paragraph(esc(said), Styles.body))
    if held_counts:
        mean = format_number(sum(held_counts) / len(held_counts), 1)
        note = tr.ngettext(
            "On average {mean} people came to each of the {n} session held.",
            "On average {mean} people came to each of the {n} sessions held.",
            len(held_counts),
        ).format(mean=mean, n=len(held_counts))
        note += " " + _("A dash marks a session cancelled or not held yet.")
    story.append(KeepTogether([chart, Paragraph(esc(note), Styles.note)]))

    story.append(Paragraph(esc(_("Class outcomes")), Styles.h2))
    bars: list[tuple[str, float | None, str]] = []
    for d in data.domains:
        said = label_words(d.label, tr)
        if not d.measured:
            bars.append((_("{headline} (not measured)").format(headline=said), None, ""))
            continue
        # Meaningful improvement where the measure has a threshold (any improvement only
        # where none is published), rounded as in the table below.
        shown = d.meaningful if d.meaningful is not None else d.improved
        detail = _("{part} of {whole}").format(part=shown.numerator, whole=shown.denominator)
        if d.meaningful is None:
            said = _("{headline} (any improvement)").format(headline=said)
        bars.append((said, shown.percent(0), detail if shown.denominator else ""))
    story.append(
        Paragraph(
            esc(
                _(
                    "Meaningful improvement, of people measured at start and end (any "
                    "improvement where the measure has no published threshold)"
                )
            ),
            Styles.note,
        )
    )
    story.append(proportion_bars(bars, width, tr))
    rows: list[list] = [
        [
            para(_("Headline"), Styles.head),
            para(_("Measure"), Styles.head),
            para(_("Improved at all"), Styles.head_center),
            para(_("Meaningful improvement"), Styles.head_center),
            para(_("Got worse"), Styles.head_center),
        ]
    ]
    thresholds = []
    for d in data.domains:
        if not d.measured:
            rows.append(
                [
                    para(label_words(d.label, tr)),
                    para(_("not measured on this programme")),
                    "–",
                    "–",
                    "–",
                ]
            )
            continue
        name = ", ".join(measure_name(n, tr) for n in d.instrument_names)
        if d.left_out:
            name_left = _("{measures}; {n} over video left out").format(measures=name, n=d.left_out)
        else:
            name_left = name
        rows.append(
            [
                para(label_words(d.label, tr)),
                para(name_left),
                para(count_of(d.improved, tr), Styles.cell_center),
                para(
                    _("not available") if d.meaningful is None else count_of(d.meaningful, tr),
                    Styles.cell_center,
                ),
                para(count_of(d.worse, tr), Styles.cell_center),
            ]
        )
        if d.threshold is not None:
            points = format_number(d.threshold, 1)
            if d.threshold_percent:
                said = _("{measures}: {points} points or {percent} of the start value").format(
                    measures=name,
                    points=points,
                    percent=f"{format_number(d.threshold_percent, 0)} %",
                )
            else:
                said = _("{measures}: {points} points").format(measures=name, points=points)
            if d.threshold_source:
                said += f" ({tr._(d.threshold_source)})"
            thresholds.append(said)
    story.append(Spacer(1, 4))
    col = (width - 150) / 4
    story.append(table(rows, [110, col + 40, col - 10, col - 10, col - 20]))
    explain = _(
        "Each headline counts people with both a start and an end value on its measure. "
        "Improved at all: any change in the better direction (as the programme's published "
        "figures count). Meaningful improvement: a change at least the measure's published "
        "threshold. Got worse: any change in the worse direction."
    )
    if thresholds:
        explain += " " + _("Thresholds: {thresholds}.").format(thresholds="; ".join(thresholds))
    story.append(Spacer(1, 2))
    story.append(Paragraph(esc(explain), Styles.note))
    starters = x.started
    if data.headline_measured:
        completeness = tr.ngettext(
            "Data completeness: {part} of {n} starter gave start and end values on every "
            "headline measure.",
            "Data completeness: {part} of {n} starters gave start and end values on every "
            "headline measure.",
            starters,
        ).format(part=data.complete_measures, n=starters)
    else:
        completeness = _("Data completeness: this programme maps no headline measure.")
    story.append(Paragraph(esc(completeness), Styles.body))
    where = taken_text(
        dict(data.taken),
        data.video_tests_counted,
        data.changes_left_out,
        data.changes_over_video,
        tr,
    )
    if where:
        story.append(Paragraph(esc(where), Styles.body))

    if finished:  # nobody is followed up before a course ends
        story.extend(_follow_up_section(data.follow_up, width, tr))

    # Everyone enrolled is counted here (the tables add up to the funnel's first figure),
    # including people who never came: a heading saying "came" would contradict the funnel
    enrolled = data.figures.enrolled
    who_title = tr.ngettext(
        "Who enrolled ({n} person)", "Who enrolled ({n} people)", enrolled
    ).format(n=enrolled)
    who_block: list = [Paragraph(esc(who_title), Styles.h2)]
    third = (width - 16) / 3
    who = Table(
        [
            [
                _counts_table(_("Age band (on the first day)"), data.age_bands, third, tr),
                _counts_table(_("Sex"), data.sexes, third, tr),
                _counts_table(_("Referred by"), data.referral_sources, third, tr),
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
                    _(
                        "Withdrawn: {n}. Their reasons, typed in their own words, stay with the "
                        "service."
                    ).format(n=small(x.withdrawn))
                ),
                Styles.body,
            )
        )
    else:
        story.append(Paragraph(esc(_("Nobody withdrew.")), Styles.body))

    summaries = [m for m in data.measures if m.n_start or m.n_end]
    if summaries:
        story.append(Paragraph(esc(_("Every measure")), Styles.h2))
        rows = [
            [
                _("Measure"),
                para(_("Both taken"), Styles.head_center),
                para(_("Mean start"), Styles.head_center),
                para(_("Mean end"), Styles.head_center),
                para(_("Mean change"), Styles.head_center),
                para(_("Better"), Styles.head_center),
                # "Meaning- ful*": a narrow column's heading split where a reader expects it
                para(_("Meaning- ful*"), Styles.head_center),
            ]
        ]
        for m in summaries:
            said = measure_name(m.name, tr) + (f" ({label_words(m.unit, tr)})" if m.unit else "")
            if m.n_left_out:
                said = _("{measures}; {n} over video left out").format(
                    measures=said, n=m.n_left_out
                )
            rows.append(
                [
                    para(said),
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
                esc(
                    _(
                        "Means count only people with both values and are shown to one more "
                        "decimal than the measure records. *Meaningful: a change at least the "
                        "measure's published threshold, where one is published."
                    )
                ),
                Styles.note,
            )
        )
        panels = [
            StartEnd(
                measure_name(m.name, tr),
                m.mean_start,
                m.mean_end,
                m.minimum,
                m.maximum,
                m.decimals + 1,  # as the table beside it: one rounding, one figure
                _("higher is better") if m.direction == "higher_better" else _("lower is better"),
            )
            for m in summaries
            if m.n_both
        ]
        if panels:
            title = _("Mean start and end, people with both values")
            block: list = [Paragraph(esc(title), Styles.h2)]
            for i in range(0, len(panels), 6):
                block.append(start_end_panels(panels[i : i + 6], width, 92, tr))
            story.append(KeepTogether(block))
    else:
        story.append(Paragraph(esc(_("No start or end measures recorded yet.")), Styles.note))
    story.append(PageBreak())
    story.extend(glossary(tr))
    footer = _("{code} class summary · printed {date}").format(
        code=info.code, date=tr.date(info.today, "short")
    )
    return build(doc, story, footer=footer, tr=tr)


def _follow_up_section(points: tuple[SummaryFollowUp, ...], width: float, tr: Translator) -> list:
    """Does it last? Each point's response and the change from the start to that point."""
    _ = tr._
    if not points:
        return []
    out: list = [Paragraph(esc(_("Does it last? Follow-up after the course")), Styles.h2)]
    if not any(p.followed for p in points):
        out.append(
            Paragraph(
                esc(
                    _(
                        "Nobody on this course is followed up yet: only people who completed "
                        "and agreed to be contacted afterwards are asked, 3 and 12 months after "
                        "the last session."
                    )
                ),
                Styles.note,
            )
        )
        return out

    def months(n: int) -> str:
        return tr.ngettext("{n} month", "{n} months", n).format(n=n)

    rows: list[list] = [
        [
            para(_("Follow-up"), Styles.head),
            para(_("Due so far"), Styles.head_center),
            para(_("Reached"), Styles.head_center),
            para(_("Could not reach"), Styles.head_center),
            para(_("Declined"), Styles.head_center),
            para(_("Still to do"), Styles.head_center),
        ]
    ]
    for p in points:
        rows.append(
            [
                para(
                    _("{months} (of {n} followed up)").format(months=months(p.point), n=p.followed)
                ),
                str(p.counted),
                para(count_of(p.response, tr), Styles.cell_center),
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
            para(_("Start to"), Styles.head),
            para(_("Headline"), Styles.head),
            para(_("Improved at all"), Styles.head_center),
            para(_("Meaningful improvement"), Styles.head_center),
            para(_("Got worse"), Styles.head_center),
        ]
    ]
    for p in points:
        for d in p.domains:
            said = label_words(d.label, tr)
            if not d.measured:
                change.append(
                    [
                        para(months(p.point)),
                        para(_("{headline}: not asked").format(headline=said)),
                        "–",
                        "–",
                        "–",
                    ]
                )
                continue
            change.append(
                [
                    para(months(p.point)),
                    para(f"{said} ({', '.join(measure_name(n, tr) for n in d.instrument_names)})"),
                    para(count_of(d.improved, tr), Styles.cell_center),
                    para(
                        _("not available") if d.meaningful is None else count_of(d.meaningful, tr),
                        Styles.cell_center,
                    ),
                    para(count_of(d.worse, tr), Styles.cell_center),
                ]
            )
    col = (width - 60 - 150) / 3
    out.append(table(change, [60, 150, col, col, col]))
    out.append(Spacer(1, 2))
    out.append(
        Paragraph(
            esc(
                _(
                    "Followed up: people who completed and agreed to be contacted. Due so far: "
                    "their follow-up date has come (or something is recorded). Reached: "
                    "measures taken then, by phone, post or email; the sit-to-stand is not "
                    "repeated, so daily function is not asked. Each change counts people with a "
                    "start value and a value at that point, judged by the same thresholds as "
                    "start to end."
                )
            ),
            Styles.note,
        )
    )
    return out


# One vocabulary for commissioners: the class summary, the registry report and the upload.
GLOSSARY: tuple[tuple[str, str], ...] = (
    (N_("Enrolled"), N_("given a place on the course (everyone on the course list).")),
    (
        N_("Agreed to share"),
        N_("enrolled and agreed that their coded data (no name) may go to the programme team."),
    ),
    (N_("Started"), N_("came to at least one session.")),
    (N_("Did not start"), N_("enrolled, had sessions held, and came to none.")),
    (
        N_("Completed"),
        N_(
            "came to three quarters (75 %) or more of the sessions held while enrolled (from the "
            "session they joined at); decided only once the course has finished."
        ),
    ),
    (N_("Completion rate"), N_("completers out of starters, on finished courses only.")),
    (
        N_("Attendance rate"),
        N_("sessions attended out of the sessions held while people were enrolled."),
    ),
    (
        N_("Improved at all"),
        N_("any change in the better direction between the start and end measures."),
    ),
    (
        N_("Meaningful improvement"),
        N_("a change at least the measure's published minimal important change."),
    ),
    (N_("Got worse"), N_("any change in the worse direction.")),
    (
        N_("Not available"),
        N_("no threshold for a meaningful change could be confirmed from a published source."),
    ),
    ("<5", N_("1 to 4 people: not shown, as NHS statistical disclosure practice asks.")),
)


def glossary(tr: Translator | None = None) -> list:
    """The glossary page every commissioner document carries, in ``tr``'s language."""
    tr = tr or ui_translator()
    out: list = [Paragraph(esc(tr._("Glossary: what the words mean")), Styles.h2)]
    for word, meaning in GLOSSARY:
        said = f"<b>{esc(tr._(word) if word != '<5' else word)}</b>: {esc(tr._(meaning))}"
        out.append(Paragraph(said, Styles.body))
    out.append(
        Paragraph(
            esc(
                tr._(
                    "Every percentage is given with the two counts it is made of. Means are "
                    "shown to one more decimal than the measure records."
                )
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
