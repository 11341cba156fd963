"""Use case: record one person's result at one station in one session."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.dialects.sqlite import insert
from sqlalchemy.orm import Session as OrmSession

from escape_desktop.context import AppContext
from escape_desktop.db.models import Attendance, CustomStation, ExerciseRecord
from escape_desktop.i18n import N_, _
from escape_desktop.programme.content import Level, Station

from .common import audit, clean_text, now, parse_float, parse_int, place_at_session, station_row
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
        return f"{message}; marked present at session {self.session_number} (they exercised)"


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
    st = station(ctx, station_key)
    level = parse_int(data.level, "level", N_("Level"), 1, len(st.levels))
    assert level is not None
    target = parse_float(data.target_dose, "target_dose", N_("Target dose"), 0, MAX_DOSE)
    achieved = parse_float(
        data.dose_achieved, "dose_achieved", N_("Dose achieved"), 0, MAX_DOSE, required=False
    )
    pain = parse_int(data.pain, "pain", N_("Pain"), 0, 10, required=False)
    effort = parse_int(data.effort, "effort", N_("Effort"), 0, 10, required=False)
    note = clean_text(data.note, "note", N_("Note"), max_len=1000)
    with ctx.db.transaction() as s:
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
        row = station_row(s, ExerciseRecord, enrolment_id, session_id, station_key)
        row.level = level - 1  # stored 0-based; people see "Level 1"
        row.target_dose = target
        row.dose_achieved = achieved
        row.pain = pain
        row.effort = effort
        row.note = note
        row.updated_at = now()
        s.flush()
        audit(s, ctx.actor, "record_exercise", "exercise_record", row.id, station_key)
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
        return Recorded(row.id, marked, session.id, session.number)


def present_if_unmarked(s: OrmSession, enrolment_id: int, session_id: int) -> bool:
    """One statement, no read: a present mark unless the register already has one.
    True when the mark was added."""
    added = s.execute(
        insert(Attendance)
        .values(enrolment_id=enrolment_id, session_id=session_id, mark="present", updated_at=now())
        .on_conflict_do_nothing(index_elements=["enrolment_id", "session_id"])
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
