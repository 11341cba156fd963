"""Start and end measures: what a course uses, entry of a person's set, results and class outcomes."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, select

from escape_desktop.context import AppContext
from escape_desktop.db.models import (
    TIMEPOINTS,
    Assessment,
    Attendance,
    Course,
    CourseInstrument,
    Enrolment,
    Participant,
    Session,
)
from escape_desktop.programme.completion import is_completer
from escape_desktop.programme.content import Instrument
from escape_desktop.programme.scoring import ScoreError, change, improved, reaches_mid

from .assessments import checked_value, upsert_assessment
from .common import audit, parse_date
from .errors import NotFound, ValidationError

__all__ = [
    "DOMAIN_LABELS",
    "TIMEPOINT_LABELS",
    "MeasureInput",
    "StoredMeasure",
    "PersonProgress",
    "InstrumentResult",
    "ParticipantOutcome",
    "InstrumentSummary",
    "Proportion",
    "CourseOutcomes",
    "course_instruments",
    "default_assessment_date",
    "entry_overview",
    "person_measures",
    "record_measures",
    "participant_results",
    "course_outcomes",
    "outcomes_for_range",
    "course_programme",
]

TIMEPOINT_LABELS = {"start": "Start", "end": "End", "follow_up": "Follow-up"}

# The three figures the national programme reported, in the order it reported them.
DOMAIN_LABELS = {
    "function": "Improved daily function",
    "pain": "Less pain",
    "wellbeing": "Better quality of life or wellbeing",
}


# --------------------------------------------------------------------------- entry


@dataclass(frozen=True)
class MeasureInput:
    """What was typed for one instrument: a total, or item answers; blank means 'not measured'."""

    score: float | str | None = None
    answers: Mapping[str, int | str | None] | None = None
    adapted: bool = False

    def is_blank(self) -> bool:
        if self.answers is not None:
            return all(
                v is None or (isinstance(v, str) and not v.strip()) for v in self.answers.values()
            )
        return self.score is None or (isinstance(self.score, str) and not self.score.strip())


@dataclass(frozen=True)
class StoredMeasure:
    id: int
    instrument_key: str
    timepoint: str
    assessed_on: date
    score: float | None
    answers: dict | None
    adapted: bool


@dataclass(frozen=True)
class PersonProgress:
    """One person in the entry list: how many of the course's measures are in at each timepoint."""

    enrolment_id: int
    participant_code: str
    name: str
    status: str
    done: dict[str, int]  # timepoint -> measures with a value
    total: int  # measures the course uses


def course_instruments(ctx: AppContext, course_id: int) -> list[Instrument]:
    """The measures a course uses, in its order (definitions no longer installed are left out)."""
    with ctx.db.read() as s:
        keys = list(
            s.scalars(
                select(CourseInstrument.instrument_key)
                .where(CourseInstrument.course_id == course_id)
                .order_by(CourseInstrument.position, CourseInstrument.instrument_key)
            )
        )
    return [ctx.library.instruments[k] for k in keys if k in ctx.library.instruments]


def _session_bounds(s, course_ids: Sequence[int]) -> dict[int, tuple[date | None, date | None]]:  # type: ignore[no-untyped-def]
    rows = s.execute(
        select(Session.course_id, func.min(Session.date), func.max(Session.date))
        .where(Session.course_id.in_(course_ids), Session.cancelled.is_(False))
        .group_by(Session.course_id)
    ).all()
    return {cid: (first, last) for cid, first, last in rows}


def default_assessment_date(
    ctx: AppContext, course_id: int, timepoint: str, today: date | None = None
) -> date:
    """First session for start, last session for end, today for a follow-up."""
    today = today or date.today()
    if timepoint == "follow_up":
        return today
    with ctx.db.read() as s:
        first, last = _session_bounds(s, [course_id]).get(course_id, (None, None))
    day = first if timepoint == "start" else last
    return day or today


def entry_overview(ctx: AppContext, course_id: int) -> list[PersonProgress]:
    """Everyone enrolled on the course with a count of measures entered at each timepoint."""
    keys = {i.key for i in course_instruments(ctx, course_id)}
    with ctx.db.read() as s:
        people = s.execute(
            select(
                Enrolment.id,
                Participant.code,
                Participant.first_name,
                Participant.last_name,
                Enrolment.status,
            )
            .join(Participant, Participant.id == Enrolment.participant_id)
            .where(Enrolment.course_id == course_id)
            .order_by(Participant.last_name, Participant.first_name, Enrolment.id)
        ).all()
        done: dict[int, dict[str, int]] = {}
        for eid, tp, key in s.execute(
            select(Assessment.enrolment_id, Assessment.timepoint, Assessment.instrument_key)
            .join(Enrolment, Enrolment.id == Assessment.enrolment_id)
            .where(Enrolment.course_id == course_id, Assessment.score.is_not(None))
        ):
            if key in keys:
                counts = done.setdefault(eid, {})
                counts[tp] = counts.get(tp, 0) + 1
    return [
        PersonProgress(
            enrolment_id=eid,
            participant_code=code,
            name=f"{first} {last}".strip(),
            status=status,
            done={tp: done.get(eid, {}).get(tp, 0) for tp in TIMEPOINTS},
            total=len(keys),
        )
        for eid, code, first, last, status in people
    ]


def person_measures(ctx: AppContext, enrolment_id: int, timepoint: str) -> dict[str, StoredMeasure]:
    """What is stored for one person at one timepoint, keyed by instrument."""
    with ctx.db.read() as s:
        rows = s.scalars(
            select(Assessment).where(
                Assessment.enrolment_id == enrolment_id, Assessment.timepoint == timepoint
            )
        ).all()
        return {
            r.instrument_key: StoredMeasure(
                r.id,
                r.instrument_key,
                r.timepoint,
                r.assessed_on,
                r.score,
                dict(r.answers) if r.answers else None,
                bool(r.adapted),
            )
            for r in rows
        }


def record_measures(
    ctx: AppContext,
    enrolment_id: int,
    timepoint: str,
    entries: Mapping[str, MeasureInput],
    assessed_on: date | str | None,
) -> int:
    """Save one person's set of measures at a timepoint, all or nothing.

    Every value is checked first; the first bad one raises ValidationError with
    ``field`` set to the instrument key, and nothing is written. A blank entry
    removes a measure stored earlier (the form was cleared). Returns how many
    measures are now stored from this set.
    """
    if timepoint not in TIMEPOINTS:
        raise ValidationError("timepoint", "Choose start, end or follow-up.")
    day = parse_date(assessed_on, "assessed_on", "Date of the measures")
    assert day is not None
    if day.year < 1900 or day > date(9999, 1, 1):
        raise ValidationError("assessed_on", "Date of the measures looks wrong; check the year.")
    checked: list[tuple[Instrument, float | None, dict | None, bool]] = []
    blanks: list[str] = []
    for key, entry in entries.items():
        try:
            instrument = ctx.library.instrument(key)
        except KeyError:
            raise ValidationError(key, f"Unknown measure '{key}'.") from None
        if entry.is_blank():
            blanks.append(key)
            continue
        try:
            value, answers = checked_value(instrument, score=entry.score, answers=entry.answers)
        except ValidationError as e:
            raise ValidationError(key, e.message) from None
        checked.append((instrument, value, answers, entry.adapted))
    with ctx.db.transaction() as s:
        if s.get(Enrolment, enrolment_id) is None:
            raise NotFound("That person is no longer on this course.")
        for instrument, value, answers, adapted in checked:
            upsert_assessment(
                s, ctx.actor, enrolment_id, timepoint, instrument, value, answers, adapted, day
            )
        if blanks:
            for row in s.scalars(
                select(Assessment).where(
                    Assessment.enrolment_id == enrolment_id,
                    Assessment.timepoint == timepoint,
                    Assessment.instrument_key.in_(blanks),
                )
            ):
                s.delete(row)
                audit(
                    s,
                    ctx.actor,
                    "delete_assessment",
                    "assessment",
                    row.id,
                    f"{row.instrument_key} {timepoint} cleared",
                )
    return len(checked)


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class InstrumentResult:
    """One measure for one person: start, end, follow-up and the change in the measure's units."""

    instrument_key: str
    name: str
    unit: str
    direction: str  # "higher_better" | "lower_better"
    decimals: int
    minimum: float
    maximum: float
    start: float | None
    end: float | None
    follow_up: float | None
    start_on: date | None
    end_on: date | None
    follow_up_on: date | None
    change: float | None  # end - start (not adjusted for direction)
    improved: bool | None  # None without both values
    reaches_mid: bool | None  # None without both values or without a MID for the measure
    mid: float | None
    mid_source: str
    start_adapted: bool = False
    end_adapted: bool = False
    follow_up_adapted: bool = False

    @property
    def has_both(self) -> bool:
        return self.start is not None and self.end is not None

    @property
    def adapted_differs(self) -> bool:
        """Measured one way at the start and another at the end (e.g. hands used only once)."""
        return self.has_both and self.start_adapted != self.end_adapted

    def fmt(self, value: float | None, *, signed: bool = False) -> str:
        if value is None:
            return ""
        text = f"{value:+.{self.decimals}f}" if signed else f"{value:.{self.decimals}f}"
        return "0" if signed and float(text) == 0 and self.decimals == 0 else text

    def as_json(self) -> dict:
        return {
            "instrument": self.instrument_key,
            "name": self.name,
            "unit": self.unit,
            "direction": self.direction,
            "start": self.start,
            "end": self.end,
            "follow_up": self.follow_up,
            "start_on": self.start_on.isoformat() if self.start_on else None,
            "end_on": self.end_on.isoformat() if self.end_on else None,
            "follow_up_on": self.follow_up_on.isoformat() if self.follow_up_on else None,
            "change": self.change,
            "improved": self.improved,
            "reaches_mid": self.reaches_mid,
            "mid": self.mid,
            "start_adapted": self.start_adapted,
            "end_adapted": self.end_adapted,
            "follow_up_adapted": self.follow_up_adapted,
        }


def _round(value: float, decimals: int) -> float:
    return round(value + 0.0, decimals) + 0.0


def _compare(inst: Instrument, start: float, end: float) -> tuple[float, bool, bool | None]:
    try:
        return change(inst, start, end), improved(inst, start, end), reaches_mid(inst, start, end)
    except ScoreError:
        # A value stored before the definition's range changed: compare it as it is.
        diff = _round(end - start, inst.decimals)
        gain = diff if inst.direction == "higher_better" else -diff
        mid = None if inst.mid is None else gain >= inst.mid - 1e-9
        return diff, gain > 0, mid


def _result(
    inst: Instrument, by_tp: Mapping[str, tuple[float | None, date, bool]]
) -> InstrumentResult:
    def get(tp: str) -> tuple[float | None, date | None, bool]:
        return by_tp.get(tp, (None, None, False))  # type: ignore[return-value]

    (start, start_on, start_ad), (end, end_on, end_ad), (fu, fu_on, fu_ad) = (
        get("start"),
        get("end"),
        get("follow_up"),
    )
    diff = better = mid = None
    if start is not None and end is not None:
        diff, better, mid = _compare(inst, start, end)
    return InstrumentResult(
        instrument_key=inst.key,
        name=inst.name,
        unit=inst.unit,
        direction=inst.direction,
        decimals=inst.decimals,
        minimum=inst.min,
        maximum=inst.max,
        start=start,
        end=end,
        follow_up=fu,
        start_on=start_on,
        end_on=end_on,
        follow_up_on=fu_on,
        change=diff,
        improved=better,
        reaches_mid=mid,
        mid=inst.mid,
        mid_source=inst.mid_source,
        start_adapted=start_ad,
        end_adapted=end_ad,
        follow_up_adapted=fu_ad,
    )


def _instrument_order(
    ctx: AppContext, chosen: Iterable[str], recorded: Iterable[str]
) -> list[Instrument]:
    """The course's measures first, then any others that have values, installed ones only."""
    keys = list(dict.fromkeys([*chosen, *sorted(set(recorded))]))
    return [ctx.library.instruments[k] for k in keys if k in ctx.library.instruments]


def _values_by_enrolment(
    s,
    enrolment_ids: Sequence[int] | None = None,
    course_ids: Sequence[int] | None = None,  # type: ignore[no-untyped-def]
) -> dict[int, dict[str, dict[str, tuple[float | None, date, bool]]]]:
    q = select(
        Assessment.enrolment_id,
        Assessment.instrument_key,
        Assessment.timepoint,
        Assessment.score,
        Assessment.assessed_on,
        Assessment.adapted,
    )
    if enrolment_ids is not None:
        q = q.where(Assessment.enrolment_id.in_(enrolment_ids))
    if course_ids is not None:
        q = q.join(Enrolment, Enrolment.id == Assessment.enrolment_id).where(
            Enrolment.course_id.in_(course_ids)
        )
    out: dict[int, dict[str, dict[str, tuple[float | None, date, bool]]]] = {}
    for eid, key, tp, score, day, adapted in s.execute(q):
        out.setdefault(eid, {}).setdefault(key, {})[tp] = (score, day, bool(adapted))
    return out


def _chosen_keys(s, course_ids: Sequence[int]) -> dict[int, list[str]]:  # type: ignore[no-untyped-def]
    out: dict[int, list[str]] = {}
    for cid, key in s.execute(
        select(CourseInstrument.course_id, CourseInstrument.instrument_key)
        .where(CourseInstrument.course_id.in_(course_ids))
        .order_by(CourseInstrument.course_id, CourseInstrument.position)
    ):
        out.setdefault(cid, []).append(key)
    return out


def participant_results(ctx: AppContext, enrolment_id: int) -> list[InstrumentResult]:
    """Start, end, follow-up and change for each measure of the person's course (and any other recorded)."""
    with ctx.db.read() as s:
        course_id = s.scalar(select(Enrolment.course_id).where(Enrolment.id == enrolment_id))
        if course_id is None:
            raise NotFound("That person is no longer on this course.")
        chosen = _chosen_keys(s, [course_id]).get(course_id, [])
        values = _values_by_enrolment(s, enrolment_ids=[enrolment_id]).get(enrolment_id, {})
    return [
        _result(inst, values.get(inst.key, {})) for inst in _instrument_order(ctx, chosen, values)
    ]


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

    def as_json(self) -> dict:
        return {
            "enrolment_id": self.enrolment_id,
            "participant_code": self.participant_code,
            "name": self.name,
            "course": self.course_code,
            "status": self.status,
            "sessions_attended": self.attended,
            "completer": self.completer,
            "measures": [r.as_json() for r in self.results],
        }


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

    def as_json(self) -> dict:
        return {
            "instrument": self.instrument_key,
            "name": self.name,
            "unit": self.unit,
            "direction": self.direction,
            "n_start": self.n_start,
            "n_end": self.n_end,
            "n_both": self.n_both,
            "mean_start": self.mean_start,
            "mean_end": self.mean_end,
            "mean_change": self.mean_change,
            "n_improved": self.n_improved,
            "n_reaching_mid": self.n_reaching_mid,
            "mid": self.mid,
        }


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

    def as_json(self) -> dict:
        return {
            "domain": self.domain,
            "label": self.label,
            "instruments": list(self.instruments),
            "numerator": self.numerator,
            "denominator": self.denominator,
            "percent": self.percent,
        }


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

    def as_json(self) -> dict:
        return {
            "code": self.code,
            "title": self.title,
            "courses": self.courses,
            "status": self.status,
            "today": self.today.isoformat(),
            "range_start": self.range_start.isoformat() if self.range_start else None,
            "range_end": self.range_end.isoformat() if self.range_end else None,
            "sessions_delivered": self.sessions_delivered,
            "participants": self.participants,
            "withdrawn": self.withdrawn,
            "started": self.started,
            "completers": self.completers,
            "completion_rate": self.completion_rate,
            "instruments": self.instruments,
            "summary": [x.as_json() for x in self.summaries],
            "proportions": [p.as_json() for p in self.proportions],
            "participants_detail": [r.as_json() for r in self.rows],
        }


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
                mean_start=_mean([r.start for r in both], inst.decimals),  # type: ignore[misc]
                mean_end=_mean([r.end for r in both], inst.decimals),  # type: ignore[misc]
                mean_change=_mean([r.change for r in both], inst.decimals),  # type: ignore[misc]
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
