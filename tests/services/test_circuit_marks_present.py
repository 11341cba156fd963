"""A circuit result for someone with no register mark marks them present (issue 26 follow-up):
they were there, they exercised; a blank mark must not hide a result from the figures."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select

from escape_desktop.cli import main
from escape_desktop.db.models import Attendance, Course, ExerciseRecord, Session
from escape_desktop.services import attendance, circuit, courses, participants
from escape_desktop.services.changes import Changes
from escape_desktop.services.circuit.recording import undoable
from escape_desktop.services.courses import CourseInput
from escape_desktop.services.errors import ValidationError
from escape_desktop.services.figures import course_figures
from escape_desktop.services.participants import ParticipantInput

START = date(2026, 1, 5)


@pytest.fixture
def course(ctx):
    """A knee & hip course that ran from START, with two people: (course id, ids, sessions)."""
    cid = courses.create_course(
        ctx,
        CourseInput(
            title="Tuesday knees",
            programme_key="knee_hip",
            start_date=START.isoformat(),
            weekdays=[1, 4],
            venue="Riverside Leisure Centre",
            start_time="10:00",
            capacity=12,
            instructors=["Sam Demo-Physio"],
        ),
    )
    ids = [
        participants.enrol_participant(
            ctx, cid, ParticipantInput(first_name=f, last_name=last, consent_programme=True)
        )[1]
        for f, last in (("Ada", "Demo-Abbott"), ("Bill", "Demo-Brennan"))
    ]
    with ctx.db.read() as s:
        sessions = dict(
            s.execute(select(Session.number, Session.id).where(Session.course_id == cid)).all()
        )
    return cid, ids, sessions


def mark_of(ctx, eid, sid):
    with ctx.db.read() as s:
        return s.scalar(
            select(Attendance.mark).where(
                Attendance.enrolment_id == eid, Attendance.session_id == sid
            )
        )


def save(ctx, eid, sid, **results):
    cell = next(
        r for r in circuit.circuit_grid(ctx, _course_of(ctx, sid), _number(ctx, sid)).rows
        if r.enrolment_id == eid
    ).cells["sit_to_stand"]  # fmt: skip
    return circuit.save_cell(
        ctx, eid, sid, "sit_to_stand", level=cell.level, target_dose=cell.target_dose,
        dose_achieved=results.get("done"), pain=results.get("pain"), effort=results.get("effort"),
    )  # fmt: skip


def _course_of(ctx, sid):
    with ctx.db.read() as s:
        return s.scalar(select(Session.course_id).where(Session.id == sid))


def _number(ctx, sid):
    with ctx.db.read() as s:
        return s.scalar(select(Session.number).where(Session.id == sid))


@pytest.mark.parametrize("field", ["done", "pain", "effort"])
def test_a_result_for_someone_unmarked_marks_them_present(ctx, course, field):
    cid, (ada, bill), sess = course
    before = course_figures(ctx, cid).people[ada].attended
    got = save(ctx, ada, sess[2], **{field: 3})
    assert got.marked_present and got.session_number == 2
    assert mark_of(ctx, ada, sess[2]) == "present"
    assert mark_of(ctx, bill, sess[2]) is None  # nobody else is touched
    # The figures now count the session Ada exercised at as attended.
    assert course_figures(ctx, cid).people[ada].attended == before + 1


def test_a_mark_already_there_is_left_as_it_is(ctx, course):
    cid, (ada, _), sess = course
    attendance.mark_attendance(ctx, ada, sess[1], "present")
    got = save(ctx, ada, sess[1], done=8, pain=2, effort=5)
    assert not got.marked_present and mark_of(ctx, ada, sess[1]) == "present"


@pytest.mark.parametrize("away", ["absent", "apologies"])
def test_results_for_someone_away_stay_refused(ctx, course, away):
    _, (ada, _), sess = course
    attendance.mark_attendance(ctx, ada, sess[1], away)
    with pytest.raises(ValidationError) as e:
        save(ctx, ada, sess[1], done=8)
    assert e.value.field == "attendance"
    assert mark_of(ctx, ada, sess[1]) == away
    with ctx.db.read() as s:
        assert s.scalar(select(ExerciseRecord.id)) is None


def test_a_level_change_without_results_marks_nobody(ctx, course):
    cid, (ada, _), sess = course
    circuit.save_cell(ctx, ada, sess[1], "sit_to_stand", level=1, target_dose=10,
                      dose_achieved=None, pain=None, effort=None)  # fmt: skip
    assert mark_of(ctx, ada, sess[1]) is None


def test_a_session_still_to_come_is_not_marked(ctx, course, clock):
    _, (ada, _), sess = course
    clock.at = datetime.combine(START - timedelta(days=3), datetime.min.time())
    got = save(ctx, ada, sess[3], done=8)
    assert not got.marked_present and mark_of(ctx, ada, sess[3]) is None


def test_the_windows_change_says_so_updates_the_register_and_undoes_both(ctx, course):
    cid, (ada, _), sess = course
    done = undoable(ctx, ada, "sit to stand", lambda: save(ctx, ada, sess[4], done=8),
                    "Saved: done 8 for Ada Demo-Abbott at Sit to stand")  # fmt: skip
    # The register on screen reads attendance again; the status bar says what happened.
    assert done.changes & Changes.ATTENDANCE and done.changes & Changes.EXERCISE
    assert ada in done.ids
    assert "marked present" in done.said and "session 4" in done.said
    assert mark_of(ctx, ada, sess[4]) == "present"
    assert done.undo is not None
    back = done.undo()
    assert mark_of(ctx, ada, sess[4]) is None
    with ctx.db.read() as s:
        assert s.scalar(select(ExerciseRecord.id)) is None
    assert back.changes & Changes.ATTENDANCE and back.undo is not None
    back.undo()  # redo: the result and the mark both come back
    assert mark_of(ctx, ada, sess[4]) == "present"
    with ctx.db.read() as s:
        assert s.scalar(select(ExerciseRecord.dose_achieved)) == 8


def test_no_mark_no_attendance_change(ctx, course):
    _, (ada, _), sess = course
    attendance.mark_attendance(ctx, ada, sess[4], "present")
    done = undoable(ctx, ada, "sit to stand", lambda: save(ctx, ada, sess[4], done=8))
    assert done.changes == Changes.EXERCISE and "marked present" not in done.said


def test_command_line_record_says_it_marked_present(ctx, course, capsys):
    cid, (ada, _), _ = course
    with ctx.db.read() as s:
        code = s.scalar(select(Course.code).where(Course.id == cid))
    person = circuit.circuit_grid(ctx, cid, 5).rows[0].code
    args = ["circuit", "record", "--course", code, "--session", "5", "--person", person,
            "--station", "sit_to_stand", "--done", "8", "--data-dir", str(ctx.data_dir)]  # fmt: skip
    assert main([*args, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["marked_present"] is True
    assert main(args) == 0  # the second time the mark is there already
    assert "marked present" not in capsys.readouterr().out
