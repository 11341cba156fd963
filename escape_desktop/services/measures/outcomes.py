"""Class outcomes: completion and, per measure and headline domain, who got better."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, select

from escape_desktop.context import AppContext
from escape_desktop.db.models import (
    Attendance,
    Course,
    Enrolment,
    Participant,
    Session,
)
from escape_desktop.programme.completion import is_completer
from escape_desktop.programme.content import Instrument

from ..errors import NotFound, ValidationError
from .entry import _session_bounds
from .results import (
    InstrumentResult,
    _chosen_keys,
    _instrument_order,
    _result,
    _round,
    _values_by_enrolment,
)

# The three figures the national programme reported, in the order it reported them.
DOMAIN_LABELS = {
    "function": "Improved daily function",
    "pain": "Less pain",
    "wellbeing": "Better quality of life or wellbeing",
}


# --------------------------------------------------------------------------- class outcomes


@dataclass(frozen=True)
class ParticipantOutcome:
    enrolment_id: int
    participant_code: str
    name: str
    course_code: str
    status: str
    attended: int
    completer: bool
    results: list[InstrumentResult]

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

    def fmt(self, value: float | None, *, signed: bool = False) -> str:
        if value is None:
            return ""
        places = self.decimals + 1
        return f"{value:+.{places}f}" if signed else f"{value:.{places}f}"


@dataclass(frozen=True)
class Proportion:
    """One headline figure: people better on the domain's measure, of those with both values."""

    domain: str  # "function" | "pain" | "wellbeing"
    label: str
    instruments: tuple[str, ...]  # measure keys used (one for a course; several across programmes)
    instrument_names: tuple[str, ...]
    numerator: int
    denominator: int

    @property
    def percent(self) -> float | None:
        if not self.denominator:
            return None
        return round(100.0 * self.numerator / self.denominator, 1)


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
    started: int  # everyone who did not fail to start: the completion-rate denominator
    completers: int
    sessions_delivered: int
    range_start: date | None = None
    range_end: date | None = None
    instruments: list[str] = field(default_factory=list)

    @property
    def completion_rate(self) -> float | None:
        """Completers as a percentage of those who started; None before any session is held."""
        if not self.started or not self.sessions_delivered:
            return None
        return round(100.0 * self.completers / self.started, 1)

    def summary(self, key: str) -> InstrumentSummary | None:
        return next((x for x in self.summaries if x.instrument_key == key), None)


def _mean(values: list[float], decimals: int) -> float | None:
    if not values:
        return None
    return _round(sum(values) / len(values), decimals + 1)


def _summaries(
    instruments: list[Instrument], rows: list[ParticipantOutcome]
) -> list[InstrumentSummary]:
    out = []
    for inst in instruments:
        results = [r for row in rows if (r := row.result(inst.key)) is not None]
        both = [r for r in results if r.has_both]
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
            )
        )
    return out


def _status(first: date | None, last: date | None, today: date) -> str:
    if first is None or today < first:
        return "upcoming"
    if last is not None and today > last:
        return "finished"
    return "running"


def _outcomes(
    ctx: AppContext, course_ids: list[int], today: date
) -> tuple[list[Course], list[ParticipantOutcome], list[Instrument], list[Proportion], dict]:
    """Everything for a set of courses in a handful of queries."""
    with ctx.db.read() as s:
        courses = list(
            s.scalars(
                select(Course)
                .where(Course.id.in_(course_ids))
                .order_by(Course.start_date, Course.code)
            )
        )
        ids = [c.id for c in courses]
        delivered = dict(
            s.execute(
                select(Session.course_id, func.count())
                .where(
                    Session.course_id.in_(ids),
                    Session.cancelled.is_(False),
                    Session.date <= today,
                )
                .group_by(Session.course_id)
            ).all()
        )
        bounds = _session_bounds(s, ids)
        attended = dict(
            s.execute(
                select(Attendance.enrolment_id, func.count())
                .join(Session, Session.id == Attendance.session_id)
                .where(
                    Session.course_id.in_(ids),
                    Attendance.mark == "present",
                    Session.cancelled.is_(False),
                    Session.date <= today,
                )
                .group_by(Attendance.enrolment_id)
            ).all()
        )
        people = s.execute(
            select(
                Enrolment.id,
                Enrolment.course_id,
                Enrolment.status,
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
        for c in courses:
            s.expunge(c)
    recorded = {k for per in values.values() for k in per}
    instruments = _instrument_order(ctx, [k for cid in ids for k in chosen.get(cid, [])], recorded)
    code_of = {c.id: c.code for c in courses}
    rows: list[ParticipantOutcome] = []
    counts = {"participants": 0, "withdrawn": 0, "started": 0, "completers": 0}
    for eid, cid, status, pcode, first, last in people:
        held = int(delivered.get(cid, 0))
        came = min(int(attended.get(eid, 0)), held)
        done = status != "withdrawn" and is_completer(came, held)
        if status == "withdrawn":
            counts["withdrawn"] += 1
        else:
            counts["participants"] += 1
        if status != "did_not_start":
            counts["started"] += 1
            counts["completers"] += int(done)
        per = values.get(eid, {})
        rows.append(
            ParticipantOutcome(
                enrolment_id=eid,
                participant_code=pcode,
                name=f"{first} {last}".strip(),
                course_code=code_of[cid],
                status=status,
                attended=came,
                completer=done,
                results=[_result(inst, per.get(inst.key, {})) for inst in instruments],
            )
        )
    # The three headline proportions: each course counts with its own programme's measure.
    proportions = []
    course_of = {eid: cid for eid, cid, *_ in people}
    by_id = {c.id: c for c in courses}
    for domain, label in DOMAIN_LABELS.items():
        used: list[str] = []
        num = den = 0
        key_of = {cid: _outcome_key(ctx, c, domain) for cid, c in by_id.items()}
        for row in rows:
            key = key_of[course_of[row.enrolment_id]]
            if key is None:
                continue
            if key not in used:
                used.append(key)
            r = row.result(key)
            if r is not None and r.has_both:
                den += 1
                num += int(bool(r.improved))
        if not used:
            for course in courses:
                key = _outcome_key(ctx, course, domain)
                if key is not None and key not in used:
                    used.append(key)
        names = tuple(
            ctx.library.instruments[k].name if k in ctx.library.instruments else k for k in used
        )
        proportions.append(Proportion(domain, label, tuple(used), names, num, den))
    extra = {
        "counts": counts,
        "delivered": sum(int(delivered.get(i, 0)) for i in ids),
        "bounds": bounds,
    }
    return courses, rows, instruments, proportions, extra


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
        raise NotFound("That course no longer exists.")
    course = courses[0]
    first, last = extra["bounds"].get(course.id, (None, None))
    return CourseOutcomes(
        code=course.code,
        title=course.title,
        courses=[course.code],
        status=_status(first, last, today),
        today=today,
        rows=rows,
        summaries=_summaries(instruments, rows),
        proportions=proportions,
        sessions_delivered=extra["delivered"],
        instruments=[i.key for i in instruments],
        **extra["counts"],
    )


def outcomes_for_range(
    ctx: AppContext, start: date, end: date, today: date | None = None
) -> CourseOutcomes:
    """All courses whose first session falls from ``start`` to ``end`` (inclusive), taken together."""
    today = today or date.today()
    if end < start:
        raise ValidationError("range", "The end of the period is before its start; swap the dates.")
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
            "counts": {"participants": 0, "withdrawn": 0, "started": 0, "completers": 0},
            "delivered": 0,
        }
        proportions = [Proportion(d, label, (), (), 0, 0) for d, label in DOMAIN_LABELS.items()]
    return CourseOutcomes(
        code="",
        title=f"Courses starting {start:%d %b %Y} to {end:%d %b %Y}",
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
        **extra["counts"],
    )


def course_programme(ctx: AppContext, course_id: int) -> str:
    """The programme key of a course ("" when the course no longer exists)."""
    with ctx.db.read() as s:
        return s.scalar(select(Course.programme_key).where(Course.id == course_id)) or ""
