"""Courses and sessions: created with their schedule, edited, rescheduled, cancelled."""

from datetime import date

import pytest
from sqlalchemy import func, select

from escape_desktop.db.models import (
    AuditEvent,
    Course,
    CourseInstrument,
    CourseStation,
    Session,
)
from escape_desktop.db.queries import course_summaries, register
from escape_desktop.services import courses
from escape_desktop.services.courses import CourseInput
from escape_desktop.services.errors import ValidationError


def _input(**changes) -> CourseInput:
    values = dict(
        title="Tuesday knees",
        programme_key="knee_hip",
        start_date="2026-01-05",
        weekdays=[1, 4],
        venue="Riverside Leisure Centre",
        start_time="10:00",
        capacity=12,
        instructors=["Sam Demo-Physio", "Alex Demo-Instructor"],
    )
    values.update(changes)
    return CourseInput(**values)


def test_create_course_makes_twelve_sessions_with_topics_and_circuit(ctx):
    course_id = courses.create_course(ctx, _input())
    template = ctx.library.template("knee_hip")
    with ctx.db.read() as s:
        course = s.get(Course, course_id)
        sessions = s.scalars(select(Session).where(Session.course_id == course_id)).all()
        assert course.code == "KH-2026-001"
        assert [x.number for x in sessions] == list(range(1, 13))
        assert all(x.date.weekday() in (1, 4) for x in sessions)
        assert sessions[0].date == date(2026, 1, 6)  # first Tuesday on or after the start
        assert [x.topic for x in sessions] == [p.topic for p in template.sessions]
        stations = s.scalars(
            select(CourseStation.station_key)
            .where(CourseStation.course_id == course_id)
            .order_by(CourseStation.position)
        ).all()
        assert tuple(stations) == template.stations
        n_instruments = s.scalar(
            select(func.count())
            .select_from(CourseInstrument)
            .where(CourseInstrument.course_id == course_id)
        )
        assert n_instruments == len(template.instruments)
        assert sorted(i.name for i in course.instructors) == [
            "Alex Demo-Instructor",
            "Sam Demo-Physio",
        ]
        assert s.scalar(select(AuditEvent.action).where(AuditEvent.entity_id == course_id)) == (
            "create_course"
        )


def test_course_codes_count_up_per_programme_and_year(ctx):
    first = courses.create_course(ctx, _input())
    second = courses.create_course(ctx, _input(title="Thursday knees"))
    backs = courses.create_course(ctx, _input(programme_key="back", title="Backs"))
    with ctx.db.read() as s:
        codes = [s.get(Course, i).code for i in (first, second, backs)]
    assert codes == ["KH-2026-001", "KH-2026-002", "BK-2026-001"]


def test_closure_dates_are_skipped(ctx):
    courses.add_closure(ctx, "2026-01-06", "Hall closed for voting")
    dates = courses.planned_dates(ctx, date(2026, 1, 5), [1, 4], 12)
    assert date(2026, 1, 6) not in dates
    assert dates[0] == date(2026, 1, 9)
    assert len(dates) == 12


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"title": "  "}, "title", "Course title is needed"),
        ({"programme_key": "yoga"}, "programme_key", "Choose a programme"),
        ({"weekdays": []}, "weekdays", "days of the week"),
        ({"weekdays": [7]}, "weekdays", "days of the week"),
        ({"start_time": "25:00"}, "start_time", "10:00"),
        ({"start_time": "ten"}, "start_time", "10:00"),
        ({"capacity": 0}, "capacity", "from 1 to 40"),
        ({"capacity": "lots"}, "capacity", "whole number"),
        ({"start_date": "31/02/2026"}, "start_date", "not a date"),
        ({"code": "=cmd|calc"}, "code", "letters, digits"),
    ],
)
def test_bad_course_input_names_the_field_and_saves_nothing(ctx, changes, field, words):
    with pytest.raises(ValidationError) as err:
        courses.create_course(ctx, _input(**changes))
    assert err.value.field == field
    assert words in err.value.message
    with ctx.db.read() as s:
        assert s.scalar(select(func.count()).select_from(Course)) == 0


def test_duplicate_code_is_refused(ctx):
    courses.create_course(ctx, _input(code="MINE-1"))
    with pytest.raises(ValidationError, match="already used"):
        courses.create_course(ctx, _input(code="MINE-1"))


def test_capacity_warning_above_sixteen_or_above_ten_with_one_member_of_staff():
    assert courses.capacity_warning(16) is None
    assert "16" in courses.capacity_warning(17)
    assert courses.capacity_warning(12, staff=2) is None
    assert courses.capacity_warning(12, staff=0) is None  # nobody named yet
    assert "one member of staff" in courses.capacity_warning(12, staff=1)
    assert courses.capacity_warning(10, staff=1) is None


def test_reschedule_refuses_a_clash_and_moves_otherwise(ctx):
    course_id = courses.create_course(ctx, _input())
    with ctx.db.read() as s:
        reg = register(s, course_id)
    first, second = reg.sessions[0], reg.sessions[1]
    with pytest.raises(ValidationError, match="Session 2 is already"):
        courses.reschedule_session(ctx, first.id, second.date)
    courses.reschedule_session(ctx, first.id, "2026-01-07")
    with ctx.db.read() as s:
        assert s.get(Session, first.id).date == date(2026, 1, 7)


def test_cancelled_session_is_not_delivered(ctx):
    course_id = courses.create_course(ctx, _input())
    with ctx.db.read() as s:
        reg = register(s, course_id)
    courses.cancel_session(ctx, reg.sessions[2].id, "Snow")
    today = reg.sessions[5].date
    with ctx.db.read() as s:
        summary = course_summaries(s, today)[0]
        assert summary.sessions_delivered == 5  # six dated so far, one cancelled
        assert summary.status == "running"
    courses.reinstate_session(ctx, reg.sessions[2].id)
    with ctx.db.read() as s:
        assert course_summaries(s, today)[0].sessions_delivered == 6


def test_session_topic_notes_and_staff_are_saved(ctx):
    course_id = courses.create_course(ctx, _input())
    with ctx.db.read() as s:
        sid = register(s, course_id).sessions[0].id
    courses.set_session_topic(ctx, sid, "Our own topic: pacing")
    courses.set_session_notes(ctx, sid, "Bring ice packs\nand towels")
    courses.set_staff_present(ctx, sid, ["Sam", " Alex "])
    with ctx.db.read() as s:
        row = s.get(Session, sid)
        assert (row.topic, row.notes, row.staff_present) == (
            "Our own topic: pacing",
            "Bring ice packs\nand towels",
            "Sam, Alex",
        )


def test_course_status_follows_its_dates(ctx):
    courses.create_course(ctx, _input())
    with ctx.db.read() as s:
        assert course_summaries(s, date(2026, 1, 1))[0].status == "upcoming"
        assert course_summaries(s, date(2026, 1, 20))[0].status == "running"
        assert course_summaries(s, date(2026, 6, 1))[0].status == "finished"
