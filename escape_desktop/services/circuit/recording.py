"""Recording the circuit: a cell's results, and accepting, declining or undoing a suggestion."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TypeVar

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session as OrmSession

from escape_desktop.context import AppContext
from escape_desktop.db.models import (
    Attendance,
    Enrolment,
    ExerciseRecord,
    Participant,
    ProgressionDecision,
    Session,
)
from escape_desktop.i18n import _
from escape_desktop.programme.content import Station
from escape_desktop.programme.progression import Suggestion, format_dose
from escape_desktop.programme.status import PRESENT

from ..changes import Changes, Done, nothing
from ..common import audit, now, station_row
from ..errors import NotFound, ValidationError
from ..exercise import ExerciseInput, Recorded, checked_input, record_in, record_result
from .grid import (
    CircuitGrid,
    CircuitRow,
    _cell,
    _course,
    _resolve,
    _rules,
    _tracks,
    grid_rows_in,
    level_name,
)

T = TypeVar("T")

# --------------------------------------------------------------------------- use cases


def save_cell(
    ctx: AppContext,
    enrolment_id: int,
    session_id: int,
    station_key: str,
    *,
    level: int,
    target_dose: float | str,
    dose_achieved: float | str | None,
    pain: int | str | None,
    effort: int | str | None,
    note: str = "",
) -> Recorded:
    """Record one cell (``level`` 0-based); one transaction. Returns the record's id and
    whether the register gained a mark: a result (dose, pain or effort) for someone with no
    mark at the session marks them present in the same transaction (they came).

    Raises ValidationError naming the field (dose_achieved, pain, effort, level, ...); results
    for someone marked absent or sending apologies at this session are refused with a sentence.
    """
    results = any(v is not None and str(v).strip() for v in (dose_achieved, pain, effort))
    if results:
        _refuse_if_away(ctx, enrolment_id, session_id)
    return record_result(
        ctx,
        enrolment_id,
        session_id,
        station_key,
        ExerciseInput(
            level=level + 1,
            target_dose=target_dose,
            dose_achieved=dose_achieved,
            pain=pain,
            effort=effort,
            note=note,
        ),
        mark_present=results,
    )


@dataclass(frozen=True)
class CellSaved:
    """What a cell typed in the grid did: the record, and its person's row as the grid shows
    it now, read in the save's own transaction (None when nothing changed)."""

    recorded: Recorded
    row: CircuitRow | None


def save_grid_cell(
    ctx: AppContext,
    grid: CircuitGrid,
    enrolment_id: int,
    station_key: str,
    *,
    level: int,
    target_dose: float | str,
    dose_achieved: float | str | None,
    pain: int | str | None,
    effort: int | str | None,
    note: str = "",
    label: str,
    message: str = "",
) -> Done[CellSaved]:
    """One cell typed in the circuit grid on screen, undoably, in ONE transaction (issue 29):
    the person's circuit rows read for undo before and after, the result recorded (as
    ``save_cell``: refused for someone away, a mark of present added for someone unmarked)
    and their row of ``grid`` read again, so the window needs no read of its own. ``label``
    names the change in the Edit menu; undo puts the rows back exactly (``undoable``)."""
    results = any(v is not None and str(v).strip() for v in (dose_achieved, pain, effort))
    checked = checked_input(
        grid.station(station_key),
        ExerciseInput(
            level=level + 1,
            target_dose=target_dose,
            dose_achieved=dose_achieved,
            pain=pain,
            effort=effort,
            note=note,
        ),
    )
    with ctx.db.transaction() as s:
        before = _state_in(s, enrolment_id)
        if results:
            _refuse_if_away_in(s, enrolment_id, grid.session_id)
        recorded = record_in(
            ctx, s, enrolment_id, grid.session_id, station_key, checked, mark_present=results
        )
        after = _state_in(s, enrolment_id)
        if after == before:
            return nothing(CellSaved(recorded, None))
        rows = grid_rows_in(s, grid, [enrolment_id], station_key)
    saved = CellSaved(recorded, rows[0] if rows else None)
    if recorded.marked_present:
        marked = (recorded.session_id, None, PRESENT)
        done = _put_back(ctx, enrolment_id, label, before, after, saved, marked)
        return replace(
            done, message=recorded.told(message or _("Saved: {what}.").format(what=label))
        )
    return replace(_put_back(ctx, enrolment_id, label, before, after, saved), message=message)


def _refuse_if_away(ctx: AppContext, enrolment_id: int, session_id: int) -> None:
    """Results for someone the register says was not at the class are refused (issue 25)."""
    with ctx.db.read() as s:
        _refuse_if_away_in(s, enrolment_id, session_id)


def _refuse_if_away_in(s: OrmSession, enrolment_id: int, session_id: int) -> None:
    """``_refuse_if_away`` inside an open transaction."""
    row = (
        s.connection()
        .execute(
            select(Attendance.mark, Session.number, Participant.first_name, Participant.last_name)
            .join(Session, Session.id == Attendance.session_id)
            .join(Enrolment, Enrolment.id == Attendance.enrolment_id)
            .join(Participant, Participant.id == Enrolment.participant_id)
            .where(Attendance.enrolment_id == enrolment_id, Attendance.session_id == session_id)
        )
        .first()
    )
    if row is None or row.mark not in ("absent", "apologies"):
        return
    name = f"{row.first_name} {row.last_name}".strip()
    # One whole sentence per mark, as circuit.bulk says it ('was marked absent' and 'sent
    # apologies' were English inside a translated sentence).
    said = (
        _(
            "{name} was marked absent at session {number}, so nothing is recorded for them; mark "
            "them present on the register first if they came."
        )
        if row.mark == "absent"
        else _(
            "{name} sent apologies for session {number}, so nothing is recorded for them; mark "
            "them present on the register first if they came."
        )
    )
    raise ValidationError("attendance", said.format(name=name, number=row.number))


def _suggestion_now(
    ctx: AppContext, s: OrmSession, enrolment: Enrolment, sess: Session, station_key: str
) -> tuple[Station, Suggestion | None]:
    course = _course(s, enrolment.course_id)
    st = _resolve(ctx, s, [station_key])[station_key]
    track = _tracks(
        s, course.id, {station_key: st}, up_to=sess.number, enrolment_ids=[enrolment.id]
    )
    t = track.get((enrolment.id, station_key))
    if t is None or sess.number not in t.records:
        return st, None
    return st, _cell(st, t, sess.number, _rules(ctx, course.programme_key)).suggestion


def decide(
    ctx: AppContext, enrolment_id: int, session_id: int, station_key: str, *, accept: bool
) -> Suggestion:
    """Accept or ignore the suggestion for one cell; remembered per enrolment×session×station.

    The suggestion is worked out again here from the stored results, so what is saved is
    what the rules say now. Accepting sets the level and target dose carried into the
    next session (and into its record if one exists with no dose yet).
    """
    with ctx.db.transaction() as s:
        return _decide_in(ctx, s, enrolment_id, session_id, station_key, accept=accept)


def _decide_in(
    ctx: AppContext,
    s: OrmSession,
    enrolment_id: int,
    session_id: int,
    station_key: str,
    *,
    accept: bool,
) -> Suggestion:
    """``decide`` inside an open transaction (accepting many is one transaction)."""
    enrolment = s.get(Enrolment, enrolment_id)
    sess = s.get(Session, session_id)
    if enrolment is None or sess is None:
        raise NotFound(_("That person or session no longer exists."))
    st, idea = _suggestion_now(ctx, s, enrolment, sess, station_key)
    if idea is None:
        raise ValidationError(
            "suggestion", _("There is no suggestion here yet; enter today's dose first.")
        )
    if idea.action == "hold":
        raise ValidationError(
            "suggestion",
            _("The suggestion is to stay as they are, so there is nothing to change."),
        )
    row = station_row(s, ProgressionDecision, enrolment_id, session_id, station_key)
    row.action, row.accepted = idea.action, accept
    row.level, row.target_dose, row.reason = idea.level, idea.target_dose, idea.reason
    row.decided_at = now()
    if accept:
        nxt = _next_record(s, enrolment_id, station_key, sess)
        if nxt is not None and nxt.dose_achieved is None:
            nxt.level, nxt.target_dose, nxt.updated_at = idea.level, idea.target_dose, now()
    s.flush()
    audit(
        s,
        ctx.actor,
        "accept_suggestion" if accept else "ignore_suggestion",
        "progression_decision",
        row.id,
        f"{station_key}: {idea.action} to {level_name(st, idea.level)}, "
        f"{format_dose(st, idea.target_dose)}",
    )
    return idea


def _next_record(
    s: OrmSession, enrolment_id: int, station_key: str, sess: Session
) -> ExerciseRecord | None:
    """The person's record at this station in the next session held after ``sess``, if any."""
    return s.scalar(
        select(ExerciseRecord)
        .join(Session, Session.id == ExerciseRecord.session_id)
        .where(
            ExerciseRecord.enrolment_id == enrolment_id,
            ExerciseRecord.station_key == station_key,
            Session.course_id == sess.course_id,
            Session.number > sess.number,
            Session.cancelled.is_(False),
        )
        .order_by(Session.number)
        .limit(1)
    )


def undo_decision(ctx: AppContext, enrolment_id: int, session_id: int, station_key: str) -> bool:
    """Forget an accept/ignore, so the suggestion is open again. True if there was one.

    Undoing an accept also puts back the next session's level and aim if accepting had set
    them and nothing has been recorded there since.
    """
    with ctx.db.transaction() as s:
        row = s.scalar(
            select(ProgressionDecision).where(
                ProgressionDecision.enrolment_id == enrolment_id,
                ProgressionDecision.session_id == session_id,
                ProgressionDecision.station_key == station_key,
            )
        )
        if row is None:
            return False
        sess = s.get(Session, session_id)
        current = s.scalar(
            select(ExerciseRecord).where(
                ExerciseRecord.enrolment_id == enrolment_id,
                ExerciseRecord.session_id == session_id,
                ExerciseRecord.station_key == station_key,
            )
        )
        if row.accepted and sess is not None and current is not None:
            nxt = _next_record(s, enrolment_id, station_key, sess)
            if (
                nxt is not None
                and nxt.dose_achieved is None
                and (nxt.level, nxt.target_dose) == (row.level, row.target_dose)
            ):
                nxt.level, nxt.target_dose = current.level, current.target_dose
                nxt.updated_at = now()
        s.delete(row)
        audit(s, ctx.actor, "undo_suggestion_decision", "enrolment", enrolment_id, station_key)
        return True


# --------------------------------------------------------------------------- undo support

# One person's circuit rows, column by column: what an undo puts back exactly (ids included).
ExerciseState = tuple[tuple[tuple[object, ...], ...], tuple[tuple[object, ...], ...]]

_RECORD_COLUMNS = tuple(c.key for c in ExerciseRecord.__table__.columns)
_DECISION_COLUMNS = tuple(c.key for c in ProgressionDecision.__table__.columns)
_RECORDS_OF = (
    select(*ExerciseRecord.__table__.columns)
    .where(ExerciseRecord.enrolment_id == bindparam("enrolment_id"))
    .order_by(ExerciseRecord.id)
)
_DECISIONS_OF = (
    select(*ProgressionDecision.__table__.columns)
    .where(ProgressionDecision.enrolment_id == bindparam("enrolment_id"))
    .order_by(ProgressionDecision.id)
)


def exercise_state(ctx: AppContext, enrolment_id: int) -> ExerciseState:
    """Every circuit result and decision of one enrolment, as plain values (read only)."""
    # Plain rows of the tables' columns (the same typed values as the mapped objects'
    # attributes), not objects: read before and after every cell saved (issue 29).
    with ctx.db.read() as s:
        return _state_in(s, enrolment_id)


def _state_in(s: OrmSession, enrolment_id: int) -> ExerciseState:
    """``exercise_state`` inside an open session (a save reads it in its own transaction)."""
    s.flush()  # what this transaction wrote is part of the state
    conn = s.connection()  # plain rows of Core statements: no ORM layer on the save's path
    records = conn.execute(_RECORDS_OF, {"enrolment_id": enrolment_id}).all()
    decisions = conn.execute(_DECISIONS_OF, {"enrolment_id": enrolment_id}).all()
    return tuple(tuple(r) for r in records), tuple(tuple(d) for d in decisions)


def restore_exercise_state(ctx: AppContext, enrolment_id: int, state: ExerciseState) -> None:
    """Put one enrolment's circuit rows back as ``exercise_state`` read them (undo and redo)."""
    restore_states(ctx, {enrolment_id: state})


def restore_states(ctx: AppContext, states: Mapping[int, ExerciseState]) -> None:
    """Put several enrolments' circuit rows back, in one transaction (undo and redo)."""
    with ctx.db.transaction() as s:
        _restore_in(ctx, s, states)


def restore_with_marks(
    ctx: AppContext,
    states: Mapping[int, ExerciseState],
    session_id: int,
    marked: Sequence[int],
    mark: str | None,
) -> None:
    """Put circuit rows back and set (or clear, with None) the register mark of ``marked``
    people at one session (the marks circuit results added), in one transaction."""
    with ctx.db.transaction() as s:
        _restore_in(ctx, s, states)
        for enrolment_id in marked:
            row = s.scalar(
                select(Attendance).where(
                    Attendance.enrolment_id == enrolment_id, Attendance.session_id == session_id
                )
            )
            if row is not None:
                s.delete(row)
                s.flush()
            if mark is not None:
                s.add(
                    Attendance(
                        enrolment_id=enrolment_id,
                        session_id=session_id,
                        mark=mark,
                        updated_at=now(),
                    )
                )
            audit(s, ctx.actor, "mark", "attendance", enrolment_id, f"undo or redo: {mark or '-'}")


def _restore_in(ctx: AppContext, s: OrmSession, states: Mapping[int, ExerciseState]) -> None:
    for enrolment_id, (records, decisions) in states.items():
        if s.get(Enrolment, enrolment_id) is None:
            raise NotFound(_("That person is no longer on this course."))
        for model in (ExerciseRecord, ProgressionDecision):
            for row in s.scalars(select(model).where(model.enrolment_id == enrolment_id)).all():
                s.delete(row)
        s.flush()
        for values in records:
            s.add(ExerciseRecord(**dict(zip(_RECORD_COLUMNS, values, strict=True))))
        for values in decisions:
            s.add(ProgressionDecision(**dict(zip(_DECISION_COLUMNS, values, strict=True))))
        s.flush()
        audit(s, ctx.actor, "restore_exercise", "enrolment", enrolment_id, "undo or redo")


# --------------------------------------------------------------------------- for the window


def undoable(
    ctx: AppContext, enrolment_id: int, label: str, change: Callable[[], T], message: str = ""
) -> Done[T]:
    """Make one change to a person's circuit (a cell, a choice) and say what it did.

    The person's rows are read before and after; undo puts them back exactly (ids
    included), and its own undo makes the change again. No change, no undo step.
    """
    before = exercise_state(ctx, enrolment_id)
    value = change()
    after = exercise_state(ctx, enrolment_id)
    if after == before:
        return nothing(value)
    recorded = value if isinstance(value, Recorded) else None
    if recorded is not None and recorded.marked_present:
        # The result marked them present: the register changed too, and undo unmarks them.
        marked = (recorded.session_id, None, PRESENT)
        done = _put_back(ctx, enrolment_id, label, before, after, value, marked)
        return replace(
            done,
            value=value,
            message=recorded.told(message or _("Saved: {what}.").format(what=label)),
        )
    done = _put_back(ctx, enrolment_id, label, before, after, value)
    return replace(done, value=value, message=message)


def _put_back(
    ctx: AppContext,
    enrolment_id: int,
    label: str,
    state: ExerciseState,
    other: ExerciseState,
    value: T,
    marked: tuple[int, str | None, str | None] | None = None,
) -> Done[T]:
    """The Done of rows as they stand at ``other``: its undo puts ``state`` back. ``marked``
    (session id, mark at ``state``, mark at ``other``): a register mark the change set too."""

    def undo() -> Done[T]:
        if marked is None:
            restore_exercise_state(ctx, enrolment_id, state)
            return _put_back(ctx, enrolment_id, label, other, state, value)
        session_id, then, now_ = marked
        restore_with_marks(ctx, {enrolment_id: state}, session_id, (enrolment_id,), then)
        return _put_back(ctx, enrolment_id, label, other, state, value, (session_id, now_, then))

    changes = Changes.EXERCISE if marked is None else Changes.EXERCISE | Changes.ATTENDANCE
    return Done(value, changes, (enrolment_id,), label=label, undo=undo)
