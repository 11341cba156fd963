"""Enrolment, editing, withdrawal, moves, the register and recorded results."""

from datetime import date

import pytest
from sqlalchemy import func, select

from escape_desktop.db.models import Attendance, Enrolment, ExerciseRecord, Participant
from escape_desktop.db.queries import course_summaries, register, search_participants
from escape_desktop.services import attendance, courses, participants
from escape_desktop.services.assessments import record_assessment
from escape_desktop.services.errors import ValidationError
from escape_desktop.services.exercise import ExerciseInput, record_exercise
from escape_desktop.services.participants import ParticipantInput


@pytest.fixture
def course_id(ctx):
    return courses.create_course(
        ctx,
        courses.CourseInput(
            title="Knees",
            programme_key="knee_hip",
            start_date="2026-01-05",
            weekdays=[0, 3],
            capacity=3,
        ),
    )


def _person(**changes) -> ParticipantInput:
    values = dict(
        first_name="Siân",
        last_name="Demo-Łukaszewicz",
        date_of_birth="1955-03-14",
        sex="female",
        nhs_number="943 476 5919",
        joints="knee, hip",
        consent_programme=True,
        consent_share=True,
    )
    values.update(changes)
    return ParticipantInput(**values)


def test_enrol_stores_the_person_exactly_with_a_random_code(ctx, course_id):
    pid, eid = participants.enrol_participant(ctx, course_id, _person())
    with ctx.db.read() as s:
        p = s.get(Participant, pid)
        assert (p.first_name, p.last_name) == ("Siân", "Demo-Łukaszewicz")
        assert p.nhs_number == "9434765919"
        assert p.joints == "knee,hip"
        assert p.code.startswith("P-") and len(p.code) == 10
        assert "Si" not in p.code
        assert s.get(Enrolment, eid).status == "enrolled"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"first_name": ""}, "first_name"),
        ({"nhs_number": "943 476 5918"}, "nhs_number"),
        ({"nhs_number": "12345"}, "nhs_number"),
        ({"date_of_birth": "2090-01-01"}, "date_of_birth"),
        ({"date_of_birth": "yesterday"}, "date_of_birth"),
        ({"consent_programme": False}, "consent_programme"),
        ({"joints": "elbow"}, "joints"),
        ({"email": "not an email"}, "email"),
        ({"last_name": "Demo\x00Null"}, "last_name"),
        ({"first_name": "x" * 201}, "first_name"),
    ],
)
def test_bad_person_is_refused_naming_the_field(ctx, course_id, changes, field):
    with pytest.raises(ValidationError) as err:
        participants.enrol_participant(ctx, course_id, _person(**changes))
    assert err.value.field == field
    with ctx.db.read() as s:
        assert s.scalar(select(func.count()).select_from(Participant)) == 0


def test_same_nhs_number_twice_is_refused(ctx, course_id):
    participants.enrol_participant(ctx, course_id, _person())
    with pytest.raises(ValidationError, match="already on file"):
        participants.enrol_participant(ctx, course_id, _person(first_name="Other"))


def test_a_full_course_refuses_one_more(ctx, course_id):
    for i in range(3):
        participants.enrol_participant(ctx, course_id, _person(first_name=f"P{i}", nhs_number=""))
    with pytest.raises(ValidationError, match="full"):
        participants.enrol_participant(ctx, course_id, _person(first_name="Late", nhs_number=""))


def test_withdraw_needs_a_reason_and_frees_the_place(ctx, course_id):
    _, eid = participants.enrol_participant(ctx, course_id, _person())
    with pytest.raises(ValidationError, match="Reason"):
        participants.withdraw(ctx, eid, "  ")
    participants.withdraw(ctx, eid, "Moved away", on="2026-02-01")
    with ctx.db.read() as s:
        e = s.get(Enrolment, eid)
        assert (e.status, e.withdrawn_reason, e.withdrawn_on) == (
            "withdrawn",
            "Moved away",
            date(2026, 2, 1),
        )
        assert course_summaries(s, date(2026, 1, 1))[0].participants == 0
    participants.reinstate(ctx, eid)
    with ctx.db.read() as s:
        assert s.get(Enrolment, eid).status == "enrolled"


def test_move_to_another_course(ctx, course_id):
    other = courses.create_course(
        ctx,
        courses.CourseInput(
            title="Later", programme_key="knee_hip", start_date="2026-03-02", weekdays=[1, 4]
        ),
    )
    pid, eid = participants.enrol_participant(ctx, course_id, _person())
    new_eid = participants.move_enrolment(ctx, eid, other).value
    with ctx.db.read() as s:
        assert s.get(Enrolment, eid).status == "withdrawn"
        assert s.get(Enrolment, eid).withdrawn_reason.startswith("Moved to KH-2026-002")
        assert s.get(Enrolment, new_eid).course_id == other
        assert s.get(Enrolment, new_eid).participant_id == pid


def test_remove_enrolment_undoes_a_new_enrolment_completely(ctx, course_id):
    pid, eid = participants.enrol_participant(ctx, course_id, _person())
    participants.remove_enrolment(ctx, eid)
    with ctx.db.read() as s:
        assert s.get(Participant, pid) is None


def test_edit_participant_keeps_code(ctx, course_id):
    pid, _ = participants.enrol_participant(ctx, course_id, _person())
    form = participants.participant_input(ctx, pid)
    form.first_name = "Zoë"
    form.nhs_number = ""
    participants.edit_participant(ctx, pid, form)
    with ctx.db.read() as s:
        p = s.get(Participant, pid)
        assert (p.first_name, p.nhs_number) == ("Zoë", None)
        hits = search_participants(s, "zoë")
    assert [h.participant_id for h in hits] == [pid]


def test_marking_the_register_returns_the_previous_mark_for_undo(ctx, course_id):
    _, eid = participants.enrol_participant(ctx, course_id, _person())
    with ctx.db.read() as s:
        sessions = register(s, course_id).sessions
    assert attendance.mark_attendance(ctx, eid, sessions[0].id, "present") is None
    assert attendance.mark_attendance(ctx, eid, sessions[0].id, "apologies") == "present"
    assert attendance.mark_attendance(ctx, eid, sessions[0].id, None) == "apologies"
    with ctx.db.read() as s:
        assert s.scalar(select(func.count()).select_from(Attendance)) == 0
    with pytest.raises(ValidationError, match="present, absent or apologies"):
        attendance.mark_attendance(ctx, eid, sessions[0].id, "late")


def test_cancelled_session_cannot_be_marked(ctx, course_id):
    _, eid = participants.enrol_participant(ctx, course_id, _person())
    with ctx.db.read() as s:
        sid = register(s, course_id).sessions[1].id
    courses.cancel_session(ctx, sid, "Boiler broke")
    with pytest.raises(ValidationError, match="cancelled"):
        attendance.mark_attendance(ctx, eid, sid, "present")


def test_completers_count_against_delivered_sessions(ctx, course_id):
    _, eid = participants.enrol_participant(ctx, course_id, _person())
    _, eid2 = participants.enrol_participant(ctx, course_id, _person(first_name="B", nhs_number=""))
    with ctx.db.transaction() as s:  # enrolments are dated the real today: date them back
        for e in (eid, eid2):
            s.get(Enrolment, e).enrolled_on = date(2026, 1, 1)
    with ctx.db.read() as s:
        sessions = register(s, course_id).sessions
    courses.cancel_session(ctx, sessions[11].id, "Snow")
    for x in sessions[:9]:  # 9 of 11 delivered: completes
        attendance.mark_attendance(ctx, eid, x.id, "present")
    for x in sessions[:8]:  # 8 of 11 = 72.7%: does not
        attendance.mark_attendance(ctx, eid2, x.id, "present")
    with ctx.db.read() as s:
        summary = course_summaries(s, date(2026, 6, 1))[0]
    assert summary.sessions_delivered == 11
    assert summary.completers == 1


def test_exercise_record_is_upserted_and_range_checked(ctx, course_id):
    _, eid = participants.enrol_participant(ctx, course_id, _person())
    with ctx.db.read() as s:
        sid = register(s, course_id).sessions[0].id
    record_exercise(ctx, eid, sid, "sit_to_stand", ExerciseInput(1, 8, 8, 2, 5))
    record_exercise(ctx, eid, sid, "sit_to_stand", ExerciseInput(2, 10, 9, 3, 6, "wobbly"))
    with ctx.db.read() as s:
        rows = s.scalars(select(ExerciseRecord)).all()
    assert len(rows) == 1
    assert (rows[0].level, rows[0].target_dose, rows[0].dose_achieved, rows[0].note) == (
        1,
        10.0,
        9.0,
        "wobbly",
    )
    for bad, field in [
        (ExerciseInput(1, 8, 8, 11, 5), "pain"),
        (ExerciseInput(99, 8, 8, 1, 5), "level"),
        (ExerciseInput(1, -3, 8, 1, 5), "target_dose"),
        (ExerciseInput(1, 8, 8, 1, "hard"), "effort"),
    ]:
        with pytest.raises(ValidationError) as err:
            record_exercise(ctx, eid, sid, "sit_to_stand", bad)
        assert err.value.field == field


def test_assessment_scores_are_range_checked(ctx, course_id):
    _, eid = participants.enrol_participant(ctx, course_id, _person())
    record_assessment(ctx, eid, "start", "pain_nrs", score="6")
    with pytest.raises(ValidationError):
        record_assessment(ctx, eid, "end", "pain_nrs", score="11")
    with pytest.raises(ValidationError):
        record_assessment(ctx, eid, "end", "pain_nrs", score="six")
    with pytest.raises(ValidationError, match="Unknown measure"):
        record_assessment(ctx, eid, "end", "made_up", score=1)
    record_assessment(ctx, eid, "start", "confidence_items", answers={"c1": 5, "c2": 7})
