"""Class outcomes: completion and, per measure and headline domain, who got better.

Every count (status, started, completers, on track) comes from services.figures
(programme.status); every headline proportion from programme.outcomes.domain_proportions.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from fractions import Fraction

from sqlalchemy import func, select

from escape_desktop.context import AppContext
from escape_desktop.db.models import (
    Course,
    Enrolment,
    Participant,
    Session,
)
from escape_desktop.i18n import N_, _, ui_date
from escape_desktop.programme.content import Instrument
from escape_desktop.programme.delivery import DELIVERY_MODES, ModeFigures, sum_mode_figures
from escape_desktop.programme.measure_taken import TAKEN
from escape_desktop.programme.outcomes import DomainProportions, domain_proportions
from escape_desktop.programme.rounding import format_number, round_half_away
from escape_desktop.programme.status import FINISHED, RUNNING, Ratio, registers_not_taken_text

from ..errors import NotFound, ValidationError
from ..figures import CourseFigures, figures_for_courses
from ..followups import FollowUpFigures, follow_up_figures
from .entry import _session_bounds
from .results import (
    InstrumentResult,
    _chosen_keys,
    _instrument_order,
    _result,
    _values_by_enrolment,
    video_tests_counted,
)

# The three figures the national programme reported, in the order it reported them.
DOMAIN_LABELS = {  # marked for the catalogue; translated with _() where printed in words
    "function": N_("Improved daily function"),
    "pain": N_("Less pain"),
    "wellbeing": N_("Better quality of life or wellbeing"),
}


# --------------------------------------------------------------------------- class outcomes


@dataclass(frozen=True)
class ParticipantOutcome:
    enrolment_id: int
    participant_code: str
    name: str
    course_code: str
    status: str  # programme.status's person status
    attended: int
    completer: bool
    results: list[InstrumentResult]
    progress: str | None = None  # while the course runs: on_track / needs_more / cannot_reach

    def result(self, key: str) -> InstrumentResult | None:
        return next((r for r in self.results if r.instrument_key == key), None)


@dataclass(frozen=True)
class InstrumentSummary:
    instrument_key: str
    name: str
    unit: str
    direction: str
    decimals: int
    n_start: int  # people with a start value
    n_end: int
    n_both: int  # people with both: the only ones counted below
    mean_start: float | None
    mean_end: float | None
    mean_change: float | None
    n_improved: int
    n_reaching_mid: int | None  # None when the measure has no MID
    mid: float | None
    mid_source: str
    # Physical tests watched over video (programme.measure_taken): people with both values
    # left out of the counts above by the site's setting, or counted in them (n_over_video).
    n_left_out: int = 0
    n_over_video: int = 0

    def fmt(self, value: float | None, *, signed: bool = False) -> str:
        if value is None:
            return ""
        text = format_number(value, self.decimals + 1)  # halves away from zero, as in the PDF
        return f"+{text}" if signed and not text.startswith("-") else text


@dataclass(frozen=True)
class Proportion:
    """One headline domain: improved at all (numerator/denominator), meaningful and worse.

    Counts come from programme.outcomes.domain_proportions, one course (one measure) at a
    time; across courses the counts are added up.
    """

    domain: str  # "function" | "pain" | "wellbeing"
    label: str
    instruments: tuple[str, ...]  # measure keys used (one for a course; several across programmes)
    instrument_names: tuple[str, ...]
    numerator: int  # improved at all
    denominator: int  # people with both a start and an end value
    meaningful: Ratio | None = None  # None when the measure has no published threshold
    worse: Ratio = Ratio(0, 0)
    threshold: float | None = None
    threshold_percent: float | None = None
    threshold_source: str = ""
    # People with a start and an end value watched over video: left out of the counts above
    # by the site's setting, or counted in them (programme.measure_taken).
    left_out: int = 0
    over_video: int = 0

    @property
    def improved(self) -> Ratio:
        return Ratio(self.numerator, self.denominator)

    @property
    def measured(self) -> bool:
        return bool(self.instruments)

    @property
    def percent(self) -> float | None:
        return self.improved.percent(1)


def _add(a: Ratio | None, b: Ratio | None) -> Ratio | None:
    if a is None:
        return b
    if b is None:
        return a
    return Ratio(a.numerator + b.numerator, a.denominator + b.denominator)


def _combine(
    domain: str, label: str, parts: list[DomainProportions], names: dict[str, str]
) -> Proportion:
    """Several courses' proportions for one domain, added up (a measure is named once)."""
    measured = [p for p in parts if p.instrument_key is not None]
    keys = tuple(dict.fromkeys(p.instrument_key for p in measured if p.instrument_key))
    improved = Ratio(0, 0)
    worse = Ratio(0, 0)
    meaningful: Ratio | None = None
    for p in measured:
        improved = Ratio(
            improved.numerator + p.improved.numerator, improved.denominator + p.improved.denominator
        )
        worse = Ratio(worse.numerator + p.worse.numerator, worse.denominator + p.worse.denominator)
        meaningful = _add(meaningful, p.meaningful)
    one = measured[0] if len(keys) == 1 else None
    return Proportion(
        domain,
        label,
        keys,
        tuple(names.get(k, k) for k in keys),
        improved.numerator,
        improved.denominator,
        meaningful,
        worse,
        one.threshold if one else None,
        one.threshold_percent if one else None,
        one.threshold_source if one else "",
    )


@dataclass(frozen=True)
class ModeGroup:
    """The courses of one delivery mode among those taken together: completion, attendance
    and the headline proportions, each decided by the same rules as the whole."""

    mode: str  # in_person / virtual / hybrid
    courses: list[str]
    started: int
    completers: int | None  # None while none of these courses is finished
    completion_started: int  # starters on the finished ones
    attendance: Ratio  # sessions attended of sessions held while enrolled
    proportions: list[Proportion]

    @property
    def completion(self) -> Ratio | None:
        return None if self.completers is None else Ratio(self.completers, self.completion_started)


@dataclass(frozen=True)
class CourseOutcomes:
    """A class's (or several classes') measures and completion, ready to show, print or export."""

    code: str
    title: str
    courses: list[str]
    status: str  # "upcoming" | "running" | "finished" | "" for a date range
    today: date
    rows: list[ParticipantOutcome]
    summaries: list[InstrumentSummary]
    proportions: list[Proportion]
    participants: int  # enrolled and not withdrawn (as in the course list)
    withdrawn: int
    started: int  # attended at least one session: the completion-rate denominator
    completers: int | None  # None while no course in it is finished
    sessions_delivered: int
    range_start: date | None = None
    range_end: date | None = None
    instruments: list[str] = field(default_factory=list)
    enrolled: int = 0
    did_not_start: int = 0
    not_started_yet: int = 0
    on_track: int | None = None  # only while a course runs
    needs_more: int | None = None
    cannot_complete: int | None = None
    completion_started: int = 0  # starters on the finished courses: what completers are out of
    attended_sessions: int = 0  # sessions attended, summed over everyone enrolled
    held_sessions: int = 0  # sessions held while each of them was enrolled, summed
    agreed_to_share: int = 0  # enrolled people who agreed to share coded data
    # One course only: past sessions nobody was marked in, which completion counts as held.
    registers_not_taken: tuple[int, ...] = ()
    # Follow-up at 3 and 12 months (services.followups): completeness, response, sustained change.
    follow_up: FollowUpFigures | None = None
    # One course: its mode; several: "" (see by_mode). by_place: sessions and attendance in
    # the hall and online, over all the courses; by_mode: the figures for each mode's courses.
    delivery_mode: str = ""
    by_place: ModeFigures | None = None
    by_mode: list[ModeGroup] = field(default_factory=list)
    # Where the start and end measures were taken (programme.measure_taken): how many of each
    # way, and whether the site counts physical tests watched over video in change.
    taken: dict[str, int] = field(default_factory=dict)
    video_tests_counted: bool = False

    @property
    def changes_left_out(self) -> int:
        """Start-to-end changes left out of the figures: tests watched over video."""
        return sum(x.n_left_out for x in self.summaries)

    @property
    def attendance(self) -> Ratio:
        """Sessions attended of the sessions held while each person was enrolled (as printed
        on the class summary)."""
        return Ratio(self.attended_sessions, self.held_sessions)

    @property
    def completion(self) -> Ratio | None:
        """Completers of starters (on finished courses); None while no course is finished."""
        if self.completers is None:
            return None
        return Ratio(self.completers, self.completion_started)

    @property
    def completion_rate(self) -> float | None:
        """Completers as a percentage of starters (1 decimal); None while running or with no starters."""
        ratio = self.completion
        return None if ratio is None else ratio.percent(1)

    def summary(self, key: str) -> InstrumentSummary | None:
        return next((x for x in self.summaries if x.instrument_key == key), None)


def _mean(values: list[float], decimals: int) -> float | None:
    """The mean to one more decimal than the measure, summed on the recorded digits: in
    floats 10.1 + 10.2 + 10.2 + 10.2 is 40.6999..., whose mean 10.175 would round down."""
    if not values:
        return None
    exact = sum((Fraction(Decimal(repr(float(v)))) for v in values), Fraction(0)) / len(values)
    return round_half_away(exact, decimals + 1) + 0.0


def _summaries(
    instruments: list[Instrument], rows: list[ParticipantOutcome]
) -> list[InstrumentSummary]:
    out = []
    for inst in instruments:
        results = [r for row in rows if (r := row.result(inst.key)) is not None]
        both = [r for r in results if r.has_both and r.counted]
        out.append(
            InstrumentSummary(
                instrument_key=inst.key,
                name=inst.name,
                unit=inst.unit,
                direction=inst.direction,
                decimals=inst.decimals,
                n_start=sum(1 for r in results if r.start is not None),
                n_end=sum(1 for r in results if r.end is not None),
                n_both=len(both),
                mean_start=_mean([r.start for r in both if r.start is not None], inst.decimals),
                mean_end=_mean([r.end for r in both if r.end is not None], inst.decimals),
                mean_change=_mean([r.change for r in both if r.change is not None], inst.decimals),
                n_improved=sum(1 for r in both if r.improved),
                n_reaching_mid=None if inst.mid is None else sum(1 for r in both if r.reaches_mid),
                mid=inst.mid,
                mid_source=inst.mid_source,
                n_left_out=sum(1 for r in results if r.has_both and not r.counted),
                n_over_video=sum(1 for r in both if r.over_video),
            )
        )
    return out


def _counts(figures: list[CourseFigures]) -> dict:
    """The funnel over some courses, each decided by programme.status."""
    sums = [f.summary for f in figures]
    finished = [x for x in sums if x.phase == FINISHED]
    running = [x for x in sums if x.phase == RUNNING]

    def total(name: str, among: list) -> int | None:
        return sum(getattr(x, name) for x in among) if among else None

    return {
        "enrolled": sum(x.enrolled for x in sums),
        "participants": sum(x.participants for x in sums),
        "withdrawn": sum(x.withdrawn for x in sums),
        "started": sum(x.started for x in sums),
        "did_not_start": sum(x.did_not_start for x in sums),
        "not_started_yet": sum(x.not_started_yet for x in sums),
        "completers": total("completers", finished),
        "completion_started": sum(x.started for x in finished),
        "on_track": total("on_track", running),
        "needs_more": total("needs_more", running),
        "cannot_complete": total("cannot_complete", running),
    }


def _outcomes(
    ctx: AppContext, course_ids: list[int], today: date
) -> tuple[list[Course], list[ParticipantOutcome], list[Instrument], list[Proportion], dict]:
    """Everything for a set of courses in a handful of queries."""
    figures = figures_for_courses(ctx, course_ids, today)
    with ctx.db.read() as s:
        courses = list(
            s.scalars(
                select(Course)
                .where(Course.id.in_(course_ids))
                .order_by(Course.start_date, Course.code)
            )
        )
        ids = [c.id for c in courses]
        bounds = _session_bounds(s, ids)
        people = s.execute(
            select(
                Enrolment.id,
                Enrolment.course_id,
                Participant.code,
                Participant.first_name,
                Participant.last_name,
            )
            .join(Participant, Participant.id == Enrolment.participant_id)
            .where(Enrolment.course_id.in_(ids))
            .order_by(Participant.last_name, Participant.first_name, Enrolment.id)
        ).all()
        chosen = _chosen_keys(s, ids)
        values = _values_by_enrolment(s, course_ids=ids)
        sharing = s.scalar(
            select(func.count())
            .select_from(Enrolment)
            .join(Participant, Participant.id == Enrolment.participant_id)
            .where(Enrolment.course_id.in_(ids), Participant.consent_share.is_(True))
        )
        for c in courses:
            s.expunge(c)
    recorded = {k for per in values.values() for k in per}
    instruments = _instrument_order(ctx, [k for cid in ids for k in chosen.get(cid, [])], recorded)
    code_of = {c.id: c.code for c in courses}
    counted = video_tests_counted(ctx)
    rows: list[ParticipantOutcome] = []
    for eid, cid, pcode, first, last in people:
        person = figures[cid].status_of(eid)
        per = values.get(eid, {})
        rows.append(
            ParticipantOutcome(
                enrolment_id=eid,
                participant_code=pcode,
                name=f"{first} {last}".strip(),
                course_code=code_of[cid],
                status=person.status,
                attended=person.attended,
                completer=person.completed,
                results=[_result(inst, per.get(inst.key, {}), counted) for inst in instruments],
                progress=person.progress,
            )
        )
    # The three headline proportions: each course counts with its own programme's measure.
    course_of = {eid: cid for eid, cid, *_ in people}
    names = {k: i.name for k, i in ctx.library.instruments.items()}
    proportions = []
    parts_of: dict[int, list[DomainProportions]] = {c.id: [] for c in courses}
    # Per course and domain: people with both values watched over video, left out / counted.
    video_of: dict[tuple[int, str], tuple[int, int]] = {}
    for domain, label in DOMAIN_LABELS.items():
        parts = []
        for course in courses:
            key = _outcome_key(ctx, course, domain)
            instrument = ctx.library.instruments.get(key) if key else None
            theirs = [
                r
                for row in rows
                if key is not None
                and course_of[row.enrolment_id] == course.id
                and (r := row.result(key)) is not None
            ]
            video_of[(course.id, domain)] = (
                sum(1 for r in theirs if r.has_both and not r.counted),
                sum(1 for r in theirs if r.has_both and r.counted and r.over_video),
            )
            pairs = [(r.start, r.end) for r in theirs if r.counted]
            parts.append(domain_proportions(domain, instrument, pairs))
            parts_of[course.id].append(parts[-1])
        proportions.append(_with_video(_combine(domain, label, parts, names), courses, video_of))
    by_mode = []
    for mode in DELIVERY_MODES:
        mine = [c for c in courses if figures[c.id].delivery_mode == mode]
        if not mine:
            continue
        counts = _counts([figures[c.id] for c in mine])
        people_of = [p for c in mine for p in figures[c.id].people.values()]
        by_mode.append(
            ModeGroup(
                mode=mode,
                courses=[c.code for c in mine],
                started=counts["started"],
                completers=counts["completers"],
                completion_started=counts["completion_started"],
                attendance=Ratio(
                    sum(p.attended for p in people_of), sum(p.held for p in people_of)
                ),
                proportions=[
                    _with_video(
                        _combine(domain, label, [parts_of[c.id][i] for c in mine], names),
                        mine,
                        video_of,
                    )
                    for i, (domain, label) in enumerate(DOMAIN_LABELS.items())
                ],
            )
        )
    extra = {
        "counts": _counts([figures[i] for i in ids]),
        "delivered": sum(figures[i].summary.sessions_delivered for i in ids),
        "bounds": bounds,
        "phase": figures[ids[0]].summary.phase if len(ids) == 1 else "",
        "untaken": figures[ids[0]].registers_not_taken if len(ids) == 1 else (),
        "share": {
            "attended_sessions": sum(p.attended for i in ids for p in figures[i].people.values()),
            "held_sessions": sum(p.held for i in ids for p in figures[i].people.values()),
            "agreed_to_share": int(sharing or 0),
            "taken": _taken_counts(values),
            "video_tests_counted": counted,
        },
        "delivery": {
            "by_mode": by_mode,
            "by_place": sum_mode_figures(
                [f.by_place for i in ids if (f := figures[i]).by_place is not None]
            ),
        },
    }
    return courses, rows, instruments, proportions, extra


def _with_video(
    p: Proportion, courses: Sequence[Course], video_of: dict[tuple[int, str], tuple[int, int]]
) -> Proportion:
    """The domain's proportion with its people watched over video (left out, counted in)."""
    got = [video_of.get((c.id, p.domain), (0, 0)) for c in courses]
    return replace(p, left_out=sum(g[0] for g in got), over_video=sum(g[1] for g in got))


def _taken_counts(values: dict[int, dict[str, dict[str, tuple]]]) -> dict[str, int]:
    """Start and end measures by where they were taken (every way named, zero or not)."""
    out = dict.fromkeys(TAKEN, 0)
    for per in values.values():
        for by_tp in per.values():
            for tp in ("start", "end"):
                got = by_tp.get(tp)
                if got is not None and got[0] is not None:
                    out[got[3]] = out.get(got[3], 0) + 1
    return out


def figures_mode(extra: dict) -> str:
    """One course's delivery mode, from its only mode group."""
    groups = extra["delivery"]["by_mode"]
    return groups[0].mode if len(groups) == 1 else ""


def _outcome_key(ctx: AppContext, course: Course, domain: str) -> str | None:
    template = ctx.library.templates.get(course.programme_key)
    if template is None:
        return None
    key = template.outcome_instruments.get(domain)
    return key if key in ctx.library.instruments else None


def course_outcomes(ctx: AppContext, course_id: int, today: date | None = None) -> CourseOutcomes:
    """One course's people with their results, the per-measure summary, headline figures and completion."""
    today = today or date.today()
    courses, rows, instruments, proportions, extra = _outcomes(ctx, [course_id], today)
    if not courses:
        raise NotFound(_("That course no longer exists."))
    course = courses[0]
    return CourseOutcomes(
        code=course.code,
        title=course.title,
        courses=[course.code],
        status=extra["phase"],
        today=today,
        rows=rows,
        summaries=_summaries(instruments, rows),
        proportions=proportions,
        sessions_delivered=extra["delivered"],
        instruments=[i.key for i in instruments],
        registers_not_taken=extra["untaken"],
        follow_up=follow_up_figures(ctx, [course_id], today),
        delivery_mode=figures_mode(extra),
        **extra["delivery"],
        **extra["counts"],
        **extra["share"],
    )


def outcomes_for_range(
    ctx: AppContext, start: date, end: date, today: date | None = None
) -> CourseOutcomes:
    """All courses whose first session falls from ``start`` to ``end`` (inclusive), taken together."""
    today = today or date.today()
    if end < start:
        raise ValidationError(
            "range", _("The end of the period is before its start; swap the dates.")
        )
    with ctx.db.read() as s:
        firsts = s.execute(
            select(Course.id, func.min(Session.date))
            .outerjoin(Session, (Session.course_id == Course.id) & Session.cancelled.is_(False))
            .group_by(Course.id)
        ).all()
        start_dates = dict(s.execute(select(Course.id, Course.start_date)).all())
    ids = [cid for cid, first in firsts if start <= (first or start_dates[cid]) <= end]
    if ids:
        courses, rows, instruments, proportions, extra = _outcomes(ctx, ids, today)
    else:
        courses, rows, instruments, proportions = [], [], [], []
        extra = {
            "counts": _counts([]),
            "delivered": 0,
            "share": {},
        }
        proportions = [Proportion(d, label, (), (), 0, 0) for d, label in DOMAIN_LABELS.items()]
    return CourseOutcomes(
        code="",
        title=_("Courses starting {start} to {end}").format(
            start=ui_date(start, "short"), end=ui_date(end, "short")
        ),
        courses=[c.code for c in courses],
        status="",
        today=today,
        rows=rows,
        summaries=_summaries(instruments, rows),
        proportions=proportions,
        sessions_delivered=extra["delivered"],
        range_start=start,
        range_end=end,
        instruments=[i.key for i in instruments],
        follow_up=follow_up_figures(ctx, ids, today),
        **extra.get("delivery", {}),
        **extra["counts"],
        **extra["share"],
    )


def course_programme(ctx: AppContext, course_id: int) -> str:
    """The programme key of a course ("" when the course no longer exists)."""
    with ctx.db.read() as s:
        return s.scalar(select(Course.programme_key).where(Course.id == course_id)) or ""


# --------------------------------------------------------------------------- words for the figures


def ratio_text(r: Ratio | None, decimals: int = 0) -> str:
    """ "4 of 7 (57%)", rounded half away from zero; "-" with nobody to count."""
    if r is None or not r.denominator:
        return "-"
    pct = format_number(Fraction(100 * r.numerator, r.denominator), decimals)
    # as the class summary prints it
    return _("{numerator} of {denominator} ({pct}%)").format(
        numerator=r.numerator, denominator=r.denominator, pct=pct
    )


def completion_text(o: CourseOutcomes) -> str:
    """The completion sentence every surface prints: completers of starters, or where a
    running course stands; then the line naming registers not taken, when there are any."""
    missing = registers_not_taken_text(o.registers_not_taken)
    said = _completion_words(o)
    return f"{said} {missing}" if missing else said  # two sentences, each translated


def _completion_words(o: CourseOutcomes) -> str:
    funnel = _(
        "{enrolled} enrolled, {started} started (came at least once), {did_not_start} did not "
        "start."
    ).format(enrolled=o.enrolled, started=o.started, did_not_start=o.did_not_start)
    if o.completion is not None:
        said = _(
            "Completed: {ratio} of those who started came to at least 75 % of the sessions held "
            "while they were enrolled."
        ).format(ratio=ratio_text(o.completion))
    elif o.on_track is not None:
        said = _(
            "Still running, so nobody has completed yet: {on_track} on track, {needs_more} need "
            "more sessions, {cannot} cannot reach 75 %."
        ).format(on_track=o.on_track, needs_more=o.needs_more or 0, cannot=o.cannot_complete)
    else:
        said = _("No sessions held yet, so nobody has completed.")
    return f"{said} {funnel}"


def proportion_text(p: Proportion) -> str:
    """One headline domain in words: improved at all, meaningful improvement, worse."""
    label = _(p.label)
    if not p.measured:
        return _("{label}: not measured on this programme").format(label=label)
    names = ", ".join(p.instrument_names)
    # Tests watched over video that the site's setting leaves out (programme.measure_taken).
    left = "; " + _("{n} over video left out").format(n=p.left_out) if p.left_out else ""
    if not p.denominator:
        if p.left_out:
            return _("{label} ({names}): none counted").format(label=label, names=names) + left
        return _("{label} ({names}): nobody measured at start and end yet").format(
            label=label, names=names
        )
    meaningful = _("no published threshold") if p.meaningful is None else ratio_text(p.meaningful)
    return (
        _(
            "{label} ({names}): improved at all {improved}; meaningful improvement "
            "{meaningful}; worse {worse}"
        ).format(
            label=label,
            names=names,
            improved=ratio_text(p.improved),
            meaningful=meaningful,
            worse=ratio_text(p.worse),
        )
        + left
    )
