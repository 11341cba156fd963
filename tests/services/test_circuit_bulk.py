"""The circuit in a few keys: "did what was set", accept all suggestions, people away refused."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from escape_desktop.db.models import ExerciseRecord, ProgressionDecision, Session
from escape_desktop.services import circuit, courses, participants
from escape_desktop.services.attendance import mark_attendance
from escape_desktop.services.changes import Changes
from escape_desktop.services.courses import CourseInput
from escape_desktop.services.errors import ValidationError
from escape_desktop.services.participants import ParticipantInput

STATIONS = ["sit_to_stand", "step_ups", "balance"]


@pytest.fixture
def course(ctx):
    cid = courses.create_course(
        ctx,
        CourseInput(
            title="Tuesday knees", programme_key="knee_hip", start_date="2026-01-05",
            weekdays=[1, 4],
        ),
    )  # fmt: skip
    ids = [
        participants.enrol_participant(
            ctx, cid, ParticipantInput(first_name=f, last_name=last, consent_programme=True)
        )[1]
        for f, last in (("Ada", "Demo-Abbott"), ("Bill", "Demo-Brennan"), ("Cy", "Demo-Cole"))
    ]
    circuit.set_course_stations(ctx, cid, STATIONS)
    with ctx.db.read() as s:
        sessions = dict(
            s.execute(select(Session.number, Session.id).where(Session.course_id == cid)).all()
        )
    return cid, ids, sessions


def _records(ctx):
    with ctx.db.read() as s:
        return {
            (r.enrolment_id, r.session_id, r.station_key): (r.level, r.target_dose, r.dose_achieved)
            for r in s.scalars(select(ExerciseRecord))
        }


def test_did_what_was_set_for_a_person_and_a_station_skips_people_away(ctx, course):
    cid, (ada, bill, cy), sessions = course
    mark_attendance(ctx, ada, sessions[1], "present")
    mark_attendance(ctx, bill, sessions[1], "apologies")
    # Ada: the whole person in one call; every station at the target it shows.
    done = circuit.did_as_set(ctx, cid, 1, [(ada, k) for k in STATIONS])
    grid = circuit.circuit_grid(ctx, cid, 1)
    assert done.value.cells == 3 and done.changes == Changes.EXERCISE and done.ids == (ada,)
    row = grid.rows[0]
    assert all(c.dose_achieved == c.target_dose for c in row.cells.values())
    # A station for everyone: Ada's cell has results already (left alone), Bill sent
    # apologies (skipped and said), Cy has no mark yet (recorded).
    circuit.save_cell(
        ctx, ada, sessions[1], "step_ups", level=0, target_dose=8, dose_achieved=5, pain=4, effort=6
    )
    done = circuit.did_as_set(ctx, cid, 1, [(e, "step_ups") for e in (ada, bill, cy)])
    assert done.value.cells == 1 and done.value.skipped == ("Bill Demo-Brennan",)
    assert "Bill" in done.said
    stored = _records(ctx)
    assert stored[(ada, sessions[1], "step_ups")][2] == 5  # an exception typed is kept
    assert (bill, sessions[1], "step_ups") not in stored
    assert stored[(cy, sessions[1], "step_ups")][2] == stored[(cy, sessions[1], "step_ups")][1]
    # Only Bill asked for: refused with a sentence saying why and what to do.
    with pytest.raises(ValidationError) as refused:
        circuit.did_as_set(ctx, cid, 1, [(bill, k) for k in STATIONS])
    assert "Bill" in str(refused.value) and "register" in str(refused.value)
    # Typing a result for him is refused too; nothing written.
    with pytest.raises(ValidationError):
        circuit.save_cell(
            ctx, bill, sessions[1], "balance", level=0, target_dose=20, dose_achieved=20,
            pain=None, effort=None,
        )  # fmt: skip
    assert not any(k[0] == bill for k in _records(ctx))


def test_did_what_was_set_undoes_and_redoes_in_one_step(ctx, course):
    cid, people, _sessions = course
    before = _records(ctx)
    done = circuit.did_as_set(ctx, cid, 1, [(e, k) for e in people for k in STATIONS])
    after = _records(ctx)
    assert len(after) == 9
    undone = done.undo()
    # Nobody was marked at session 1, so the results marked them present: undo takes both.
    assert _records(ctx) == before and undone.changes == Changes.EXERCISE | Changes.ATTENDANCE
    undone.undo()  # redo
    assert _records(ctx) == after


def test_accept_all_lists_first_then_accepts_every_open_suggestion(ctx, course):
    cid, (ada, bill, _cy), sessions = course
    for n in (1, 2):
        circuit.did_as_set(ctx, cid, n, [(e, k) for e in (ada, bill) for k in STATIONS])
    listed = circuit.open_suggestions(ctx, cid, 2)
    # Two sessions at target with no pain: each station of Ada and Bill suggests moving on.
    assert {(s.enrolment_id, s.station_key) for s in listed} == {
        (e, k) for e in (ada, bill) for k in STATIONS
    }
    assert all(s.action == "progress" and s.words for s in listed)
    only_ada = circuit.open_suggestions(ctx, cid, 2, [ada])
    done = circuit.accept_suggestions(
        ctx, sessions[2], [(s.enrolment_id, s.station_key) for s in only_ada]
    )
    assert done.value == 3
    with ctx.db.read() as s:
        decided = s.scalars(select(ProgressionDecision)).all()
        assert {(d.enrolment_id, d.accepted) for d in decided} == {(ada, True)}
    grid3 = circuit.circuit_grid(ctx, cid, 3)
    ada_row = next(r for r in grid3.rows if r.enrolment_id == ada)
    assert all(c.level == 1 for c in ada_row.cells.values())  # next session starts from them
    assert circuit.open_suggestions(ctx, cid, 2, [ada]) == []
    done.undo()
    assert len(circuit.open_suggestions(ctx, cid, 2, [ada])) == 3


def test_did_what_was_set_marks_unmarked_people_present_and_undo_unmarks(ctx, course):
    """Issue 26 follow-up: "did what was set" is a result too; a blank mark does not hide it."""
    from escape_desktop.db.models import Attendance

    def marks():
        with ctx.db.read() as s:
            return dict(
                s.execute(
                    select(Attendance.enrolment_id, Attendance.mark).where(
                        Attendance.session_id == sessions[2]
                    )
                ).all()
            )

    cid, (ada, bill, cy), sessions = course
    mark_attendance(ctx, ada, sessions[2], "present")
    mark_attendance(ctx, bill, sessions[2], "absent")
    done = circuit.did_as_set(ctx, cid, 2, [(e, "step_ups") for e in (ada, bill, cy)])
    assert marks() == {ada: "present", bill: "absent", cy: "present"}
    assert done.changes & Changes.ATTENDANCE and cy in done.ids
    assert "Marked present" in done.said and "Cy Demo-Cole" in done.said
    assert "Ada" not in done.said.split("Marked present")[1]
    back = done.undo()
    assert marks() == {ada: "present", bill: "absent"}
    assert back.changes & Changes.ATTENDANCE
    back.undo()  # redo
    assert marks() == {ada: "present", bill: "absent", cy: "present"}


def test_a_row_read_again_is_the_row_the_whole_grid_reads(ctx, course):
    """grid_rows (a saved cell's row, read with the grid's own stations and rules: issue 29)
    gives exactly what circuit_grid gives for that person: marks, results, carried levels and
    suggestions, session after session; a withdrawn person has no row."""
    cid, (ada, bill, _cy), sessions = course
    mark_attendance(ctx, bill, sessions[2], "absent")
    for number, done in ((1, 10), (2, 12), (3, 9)):
        for key in STATIONS:
            circuit.save_cell(
                ctx, ada, sessions[number], key, level=0, target_dose=8,
                dose_achieved=done, pain=2, effort=5,
            )  # fmt: skip
    for number in (1, 2, 3, 4):
        grid = circuit.circuit_grid(ctx, cid, number)
        for i, row in enumerate(grid.rows):
            assert circuit.grid_rows(ctx, grid, [row.enrolment_id]) == [grid.rows[i]]
    participants.withdraw(ctx, bill, "moved away")
    assert circuit.grid_rows(ctx, grid, [bill]) == []
