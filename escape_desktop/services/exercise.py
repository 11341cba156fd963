"""Use case: record one person's result at one station in one session."""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

from sqlalchemy import Table, select
from sqlalchemy.dialects.sqlite import insert
from sqlalchemy.orm import Session as OrmSession

from escape_desktop.context import AppContext
from escape_desktop.db.models import Attendance, CustomStation, ExerciseRecord
from escape_desktop.i18n import N_, _
from escape_desktop.programme.content import Level, Station

from .common import audit, clean_text, now, parse_float, parse_int, place_at_session
from .errors import NotFound, ValidationError

MAX_DOSE = 10000.0


@dataclass
class ExerciseInput:
    level: int | str
    target_dose: float | str
    dose_achieved: float | str | None = None
    pain: int | str | None = None
    effort: int | str | None = None
    note: str = ""


def station(ctx: AppContext, key: str) -> Station:
    """A station from the shipped library or the site's custom exercises."""
    try:
        return ctx.library.station(key)
    except KeyError:
        pass
    with ctx.db.read() as s:
        row = s.scalar(select(CustomStation).where(CustomStation.key == key))
        if row is None:
            raise NotFound(_("Exercise '{key}' is not in the library.").format(key=key))
        return custom_to_station(row)


@dataclass(frozen=True)
class Recorded:
    """What recording one result did: its record, and whether it marked the person present."""

    record_id: int
    marked_present: bool = False  # they had no mark at the session: now present
    session_id: int = 0
    session_number: int = 0

    def told(self, message: str) -> str:
        """``message`` with what the register gained, when it gained anything."""
        if not self.marked_present:
            return message
        return _("{message}; marked present at session {n} (they exercised)").format(
            message=message, n=self.session_number
        )


def record_exercise(
    ctx: AppContext, enrolment_id: int, session_id: int, station_key: str, data: ExerciseInput
) -> int:
    """Create or update the record; returns its id."""
    return record_result(ctx, enrolment_id, session_id, station_key, data).record_id


def record_result(
    ctx: AppContext,
    enrolment_id: int,
    session_id: int,
    station_key: str,
    data: ExerciseInput,
    *,
    mark_present: bool = False,
) -> Recorded:
    """Create or update the record. With ``mark_present``, someone with no register mark at a
    session whose day has come is marked present in the same transaction: they were there,
    they exercised (a mark already there, of any kind, is left as it is)."""
    checked = checked_input(station(ctx, station_key), data)
    with ctx.db.transaction() as s:
        return record_in(ctx, s, enrolment_id, session_id, station_key, checked, mark_present)


@dataclass(frozen=True)
class CheckedInput:
    """An ExerciseInput checked and parsed (level 1-based, as typed)."""

    level: int
    target: float
    achieved: float | None
    pain: int | None
    effort: int | None
    note: str


def checked_input(st: Station, data: ExerciseInput) -> CheckedInput:
    """``data`` checked against the station (its levels); ValidationError names the field."""
    level = parse_int(data.level, "level", N_("Level"), 1, len(st.levels))
    assert level is not None
    target = parse_float(data.target_dose, "target_dose", N_("Target dose"), 0, MAX_DOSE)
    achieved = parse_float(
        data.dose_achieved, "dose_achieved", N_("Dose achieved"), 0, MAX_DOSE, required=False
    )
    pain = parse_int(data.pain, "pain", N_("Pain"), 0, 10, required=False)
    effort = parse_int(data.effort, "effort", N_("Effort"), 0, 10, required=False)
    note = clean_text(data.note, "note", N_("Note"), max_len=1000)
    return CheckedInput(level, target, achieved, pain, effort, note)


def record_in(
    ctx: AppContext,
    s: OrmSession,
    enrolment_id: int,
    session_id: int,
    station_key: str,
    data: CheckedInput,
    mark_present: bool = False,
) -> Recorded:
    """``record_result`` inside an open transaction (a grid's save does more in the same one)."""
    enrolment, session = place_at_session(s, enrolment_id, session_id)
    if enrolment.screening_status == "needs_review":
        # Screening at enrolment said to see a doctor first: no exercise until cleared.
        raise ValidationError(
            "screening",
            _(
                "This person needs review before starting; clear the screening review on the "
                "register first."
            ),
        )
    # One statement: the row added, or its values replaced (same id), whichever is due.
    record_id = (
        s.connection()
        .execute(
            _UPSERT_RECORD,
            {
                "enrolment_id": enrolment_id,
                "session_id": session_id,
                "station_key": station_key,
                "level": data.level - 1,  # stored 0-based; people see "Level 1"
                "target_dose": data.target,
                "dose_achieved": data.achieved,
                "pain": data.pain,
                "effort": data.effort,
                "note": data.note,
                "updated_at": now(),
            },
        )
        .scalar_one()
    )
    audit(s, ctx.actor, "record_exercise", "exercise_record", record_id, station_key)
    marked = (
        mark_present
        and session.date <= now().date()
        and present_if_unmarked(s, enrolment_id, session_id)
    )
    if marked:
        audit(
            s,
            ctx.actor,
            "mark",
            "attendance",
            enrolment_id,
            f"session {session.number}: - -> present (a circuit result was recorded)",
        )
    return Recorded(record_id, marked, session.id, session.number)


_RECORD_VALUES = ("level", "target_dose", "dose_achieved", "pain", "effort", "note", "updated_at")
_upsert = insert(cast(Table, ExerciseRecord.__table__))
_UPSERT_RECORD = _upsert.on_conflict_do_update(
    index_elements=["enrolment_id", "session_id", "station_key"],
    set_={c: _upsert.excluded[c] for c in _RECORD_VALUES},
).returning(ExerciseRecord.__table__.c.id)
_PRESENT_IF_UNMARKED = (
    insert(cast(Table, Attendance.__table__))
    .values(mark="present")
    .on_conflict_do_nothing(index_elements=["enrolment_id", "session_id"])
)


def present_if_unmarked(s: OrmSession, enrolment_id: int, session_id: int) -> bool:
    """One statement, no read: a present mark unless the register already has one.
    True when the mark was added."""
    added = s.connection().execute(
        _PRESENT_IF_UNMARKED,
        {"enrolment_id": enrolment_id, "session_id": session_id, "updated_at": now()},
    )
    return bool(getattr(added, "rowcount", 0))


def custom_to_station(row: CustomStation) -> Station:
    """A site's own exercise, as the library's Station (the circuit and documents read both)."""
    return Station(
        key=row.key,
        name=row.name,
        dose_kind=row.dose_kind,
        dose_unit=row.dose_unit,
        levels=tuple(
            Level(str(lv["name"]), str(lv.get("description", "")), float(lv["target_dose"]))
            for lv in row.levels
        ),
        description=row.description,
    )
