"""Entering start and end measures: what a course uses, who still needs what, one person's set."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session as OrmSession

from escape_desktop.context import AppContext
from escape_desktop.db.models import (
    TIMEPOINTS,
    Assessment,
    CourseInstrument,
    Enrolment,
    Participant,
    Session,
)
from escape_desktop.programme.content import Instrument

from ..assessments import checked_value, upsert_assessment
from ..changes import Changes, Done, nothing
from ..common import audit, parse_date
from ..errors import NotFound, ValidationError

TIMEPOINT_LABELS = {"start": "Start", "end": "End", "follow_up": "Follow-up"}


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


def _session_bounds(
    s: OrmSession, course_ids: Sequence[int]
) -> dict[int, tuple[date | None, date | None]]:
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


# One person's measures at one time point, column by column: what an undo puts back exactly.
MeasuresState = tuple[tuple[object, ...], ...]

_ASSESSMENT_COLUMNS = tuple(c.key for c in Assessment.__table__.columns)


def measures_state(ctx: AppContext, enrolment_id: int, timepoint: str) -> MeasuresState:
    """Every stored measure of one enrolment at one time point, as plain values (read only)."""
    with ctx.db.read() as s:
        rows = s.scalars(
            select(Assessment)
            .where(Assessment.enrolment_id == enrolment_id, Assessment.timepoint == timepoint)
            .order_by(Assessment.id)
        ).all()
        return tuple(tuple(getattr(r, c) for c in _ASSESSMENT_COLUMNS) for r in rows)


def restore_measures_state(
    ctx: AppContext, enrolment_id: int, timepoint: str, state: MeasuresState
) -> None:
    """Put one set of measures back as ``measures_state`` read them (undo and redo)."""
    with ctx.db.transaction() as s:
        if s.get(Enrolment, enrolment_id) is None:
            raise NotFound("That person is no longer on this course.")
        for row in s.scalars(
            select(Assessment).where(
                Assessment.enrolment_id == enrolment_id, Assessment.timepoint == timepoint
            )
        ).all():
            s.delete(row)
        s.flush()
        for values in state:
            s.add(Assessment(**dict(zip(_ASSESSMENT_COLUMNS, values, strict=True))))
        s.flush()
        audit(s, ctx.actor, "restore_measures", "enrolment", enrolment_id, f"{timepoint}: undo")


# --------------------------------------------------------------------------- for the window


def record(
    ctx: AppContext,
    enrolment_id: int,
    timepoint: str,
    entries: Mapping[str, MeasureInput],
    assessed_on: date | str | None,
    *,
    who: str = "",
) -> Done[int]:
    """``record_measures``, saying what it did: undo puts the set back exactly as it was.

    The value is the number of measures saved; ``who`` names the person in the Edit menu.
    """
    before = measures_state(ctx, enrolment_id, timepoint)
    count = record_measures(ctx, enrolment_id, timepoint, entries, assessed_on)
    after = measures_state(ctx, enrolment_id, timepoint)
    if after == before:
        return nothing(count)
    word = TIMEPOINT_LABELS.get(timepoint, timepoint).lower()
    label = f"{word} measures for {who}" if who else f"{word} measures"
    done = _measures_put_back(ctx, enrolment_id, timepoint, label, before, after, count)
    saved = f"Saved {count} {word} measure{'s' if count != 1 else ''}"
    return replace(done, message=f"{saved} for {who}." if who else f"{saved}.")


def _measures_put_back(
    ctx: AppContext,
    enrolment_id: int,
    timepoint: str,
    label: str,
    state: MeasuresState,
    other: MeasuresState,
    count: int,
) -> Done[int]:
    """The Done of a set standing at ``other``: its undo puts ``state`` back."""

    def undo() -> Done[int]:
        restore_measures_state(ctx, enrolment_id, timepoint, state)
        return _measures_put_back(ctx, enrolment_id, timepoint, label, other, state, count)

    return Done(count, Changes.ASSESSMENT, (enrolment_id,), label=label, undo=undo)
