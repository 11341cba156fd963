"""The circuit in a few keys: "did what was set" for many cells, and accepting every suggestion.

On paper people write on their own cards as they go round and only the exceptions take a
pen; here the instructor confirms what was set for a cell, a person or a station in one key
and types only what differed. People marked absent or sending apologies are skipped, and a
request that only reaches them is refused with a sentence. Each call is one transaction and
returns a ``Done`` whose undo puts every touched person's circuit rows back.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import select

from escape_desktop.context import AppContext
from escape_desktop.db.models import Attendance, Enrolment, ExerciseRecord, Session
from escape_desktop.i18n import N_, _, ngettext
from escape_desktop.programme.progression import format_dose

from ..changes import Changes, Done
from ..common import audit, now, station_row
from ..errors import NotFound, ValidationError
from ..exercise import present_if_unmarked
from .grid import CircuitGrid, CircuitRow, circuit_grid
from .recording import (
    ExerciseState,
    _decide_in,
    exercise_state,
    restore_states,
    restore_with_marks,
)

AWAY = ("absent", "apologies")  # register marks that mean "not here today"
# Why someone is not here today, each a whole sentence (the mark's words were English
# inside it, and Welsh cannot put a verb phrase after the name as English does).
AWAY_SENTENCES = {
    "absent": N_(
        "{name} was marked absent at session {number}, so nothing is recorded for them; mark "
        "them present on the register first if they came."
    ),
    "apologies": N_(
        "{name} sent apologies for session {number}, so nothing is recorded for them; mark "
        "them present on the register first if they came."
    ),
}
AWAY_ELSE = N_(
    "{name} was away at session {number}, so nothing is recorded for them; mark them present "
    "on the register first if they came."
)


def away_sentence(row: CircuitRow, session_number: int) -> str:
    """Why nothing is recorded for someone not at the class, and what to do about it."""
    said = AWAY_SENTENCES.get(row.attendance or "", AWAY_ELSE)
    return _(said).format(name=row.name, number=session_number)


def _checked_grid(ctx: AppContext, course_id: int, session_number: int) -> CircuitGrid:
    grid = circuit_grid(ctx, course_id, session_number)
    if grid.session_cancelled:
        raise ValidationError(
            "session", _("This session was cancelled, so nothing can be recorded in it.")
        )
    return grid


# Register marks a change set with its results: (session id, people, mark before, mark after).
Marked = tuple[int, tuple[int, ...], str | None, str | None]


def _undoable(
    ctx: AppContext,
    before: Mapping[int, ExerciseState],
    label: str,
    message: str,
    marked: Marked | None = None,
) -> Done[None]:
    """The Done of putting ``before`` back (and the marks the change set); its own undo
    makes the change again (redo)."""
    after = {eid: exercise_state(ctx, eid) for eid in before}
    if marked is None:
        restore_states(ctx, before)
        flipped = None
    else:
        session_id, who, then, later = marked
        restore_with_marks(ctx, before, session_id, who, then)
        flipped = (session_id, who, later, then)
    return Done(
        None,
        Changes.EXERCISE if marked is None else Changes.EXERCISE | Changes.ATTENDANCE,
        tuple(before),
        label=label,
        message=message,
        undo=lambda: _undoable(ctx, after, label, f"Done again: {label}", flipped),
    )


@dataclass(frozen=True)
class SetDone:
    """What "did what was set" recorded: how many cells, and who was skipped as away."""

    cells: int
    people: int
    skipped: tuple[str, ...]  # names of people away today


def did_as_set(
    ctx: AppContext,
    course_id: int,
    session_number: int,
    cells: Sequence[tuple[int, str]],
) -> Done[SetDone]:
    """Record "did what was set" (the dose done = the target, at the level shown) for each
    (enrolment id, station key) that has no results yet. Cells with results are left as they
    are; people away today and people waiting for a screening review are skipped. Refused
    with a sentence when nothing is left to record because everyone asked for is away."""
    grid = _checked_grid(ctx, course_id, session_number)
    rows = {r.enrolment_id: r for r in grid.rows}
    todo: list[tuple[CircuitRow, str]] = []
    away: dict[int, CircuitRow] = {}
    review: dict[int, CircuitRow] = {}
    for eid, key in cells:
        row = rows.get(eid)
        if row is None or key not in row.cells:
            continue
        if row.attendance in AWAY:
            away[eid] = row
        elif row.needs_review:
            review[eid] = row
        elif not row.cells[key].has_results:
            todo.append((row, key))
    if not todo:
        if away and not review:
            raise ValidationError(
                "attendance", away_sentence(next(iter(away.values())), session_number)
            )
        if review:
            name = next(iter(review.values())).name
            raise ValidationError(
                "screening",
                _(
                    "{name} needs review before starting; clear the screening review on the register "
                    "first."
                ).format(name=name),
            )
        return Done(SetDone(0, 0, tuple(r.name for r in away.values())))
    people = {row.enrolment_id for row, _key in todo}
    before = {eid: exercise_state(ctx, eid) for eid in people}
    # A result for someone with no mark marks them present (they came, they exercised).
    unmarked = (
        sorted(eid for eid in people if rows[eid].attendance is None)
        if grid.session_date <= now().date()
        else []
    )
    with ctx.db.transaction() as s:
        for row, key in todo:
            cell = row.cells[key]
            if s.get(Enrolment, row.enrolment_id) is None:
                raise NotFound(_("That person is no longer on this course."))
            rec = station_row(s, ExerciseRecord, row.enrolment_id, grid.session_id, key)
            rec.level = cell.level
            rec.target_dose = cell.target_dose
            rec.dose_achieved = cell.target_dose
            rec.updated_at = now()
        s.flush()
        marked = tuple(eid for eid in unmarked if present_if_unmarked(s, eid, grid.session_id))
        for eid in marked:
            audit(
                s, ctx.actor, "mark", "attendance", eid, f"session {session_number}: - -> present"
            )
        audit(
            s,
            ctx.actor,
            "did_as_set",
            "session",
            grid.session_id,
            f"{len(todo)} cells for {len(people)} people",
        )
    names = sorted({row.name for row, _key in todo})
    who = (
        names[0]
        if len(names) == 1
        else ngettext("{n} person", "{n} people", len(names)).format(n=len(names))
    )
    stations = {key for _row, key in todo}
    where = grid.station(next(iter(stations))).name if len(stations) == 1 else _("the circuit")
    label = ngettext(
        "did what was set: {who} at {where} ({n} result)",
        "did what was set: {who} at {where} ({n} results)",
        len(todo),
    ).format(who=who, where=where, n=len(todo))
    skipped = tuple(r.name for r in away.values())
    message = _("Saved: {what}.").format(what=label)
    if skipped:
        message += " " + _("Skipped, away today: {names}.").format(names=", ".join(skipped))
    if marked:
        present = ", ".join(rows[eid].name for eid in marked)
        message += " " + _("Marked present at session {number} (they exercised): {names}.").format(
            number=session_number, names=present
        )
    undo_marks: Marked | None = (grid.session_id, marked, None, "present") if marked else None
    return Done(
        SetDone(len(todo), len(people), skipped),
        Changes.EXERCISE | Changes.ATTENDANCE if marked else Changes.EXERCISE,
        tuple(sorted(people)),
        label=label,
        message=message,
        undo=lambda: _undoable(
            ctx, before, label, _("Undone: {what}").format(what=label), undo_marks
        ),
    )


@dataclass(frozen=True)
class OpenSuggestion:
    """A suggestion nobody has accepted or ignored yet, as the list before "accept all" shows it."""

    enrolment_id: int
    name: str
    station_key: str
    station_name: str
    action: str  # progress / step_back
    words: str  # "Sit to stand: Level 2, 10 reps (target reached at 2 sessions ...)"


def open_suggestions(
    ctx: AppContext,
    course_id: int,
    session_number: int,
    enrolment_ids: Sequence[int] | None = None,
) -> list[OpenSuggestion]:
    """Every suggestion to move on or step back still open in a session (for some people)."""
    grid = circuit_grid(ctx, course_id, session_number, enrolment_ids=enrolment_ids)
    if grid.session_cancelled:
        return []
    out = []
    for row in grid.rows:
        if row.needs_review or row.attendance in AWAY:
            continue
        for st in grid.stations:
            cell = row.cells[st.key]
            idea = cell.suggestion
            if idea is None or idea.action == "hold" or cell.decision is not None:
                continue
            station = grid.station(st.key)
            level = station.levels[idea.level].name if idea.level < len(station.levels) else ""
            out.append(
                OpenSuggestion(
                    row.enrolment_id,
                    row.name,
                    st.key,
                    st.name,
                    idea.action,
                    f"{st.name}: {level}, {format_dose(station, idea.target_dose)} "
                    f"({idea.reason.rstrip('.')})",
                )
            )
    return out


def accept_suggestions(
    ctx: AppContext, session_id: int, items: Sequence[tuple[int, str]]
) -> Done[int]:
    """Accept each (enrolment id, station key) suggestion in one transaction; value: how many.
    Each is worked out again from the stored results, as ``decide`` does."""
    if not items:
        return Done(0)
    people = sorted({eid for eid, _key in items})
    before = {eid: exercise_state(ctx, eid) for eid in people}
    with ctx.db.transaction() as s:
        sess = s.get(Session, session_id)
        if sess is None:
            raise NotFound(_("That session no longer exists."))
        marks = dict(
            s.execute(
                select(Attendance.enrolment_id, Attendance.mark).where(
                    Attendance.session_id == session_id, Attendance.enrolment_id.in_(people)
                )
            ).all()
        )
        done = 0
        for eid, key in items:
            if marks.get(eid) in AWAY:
                continue
            _decide_in(ctx, s, eid, session_id, key, accept=True)
            done += 1
    who = ngettext("{n} person", "{n} people", len(people)).format(n=len(people))
    label = ngettext(
        "accept {n} suggestion for {who}", "accept {n} suggestions for {who}", done
    ).format(n=done, who=who)
    return Done(
        done,
        Changes.EXERCISE,
        tuple(people),
        label=label,
        message=ngettext(
            "Accepted {n} suggestion for {who}; next session starts from it.",
            "Accepted {n} suggestions for {who}; next session starts from them.",
            done,
        ).format(n=done, who=who),
        undo=lambda: _undoable(ctx, before, label, _("Undone: {what}").format(what=label)),
    )
