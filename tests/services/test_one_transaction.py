"""A composite action is one service call and one transaction: when a later step fails, nothing
of the earlier steps is left behind, and the service says what it did (a Done) so Ctrl+Z works."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from escape_desktop.db.errors import KnownError
from escape_desktop.db.models import Session
from escape_desktop.services import courses
from escape_desktop.services.changes import Changes
from escape_desktop.services.courses import CourseInput, SessionEdit


@pytest.fixture
def course_id(ctx) -> int:  # type: ignore[no-untyped-def]
    return courses.create_course(
        ctx,
        CourseInput(
            title="Thursday knees",
            programme_key="knee_hip",
            start_date="2026-11-02",
            weekdays=[0, 3],
            venue="Parkview Gym",
            capacity=12,
        ),
    )


def _session(ctx, course_id: int, number: int) -> Session:  # type: ignore[no-untyped-def]
    with ctx.db.read() as s:
        row = s.scalar(
            select(Session).where(Session.course_id == course_id, Session.number == number)
        )
        s.expunge(row)
        return row


def test_a_session_edit_with_one_bad_field_saves_none_of_them(ctx, course_id) -> None:  # type: ignore[no-untyped-def]
    before = _session(ctx, course_id, 3)
    later = before.date.replace(day=before.date.day + 1)
    with pytest.raises(KnownError) as err:
        courses.edit_session(
            ctx,
            before.id,
            SessionEdit(date=later, topic="Pacing", staff_present="x" * 600, notes="Cold hall"),
        )
    assert getattr(err.value, "field", "") == "staff_present"
    after = _session(ctx, course_id, 3)
    assert (after.date, after.topic, after.notes) == (before.date, before.topic, before.notes)


def test_a_session_edit_clashing_with_another_session_saves_nothing(ctx, course_id) -> None:  # type: ignore[no-untyped-def]
    third, fourth = _session(ctx, course_id, 3), _session(ctx, course_id, 4)
    with pytest.raises(KnownError):
        courses.edit_session(ctx, third.id, SessionEdit(topic="Pacing", date=fourth.date))
    assert _session(ctx, course_id, 3).topic == third.topic


def test_a_session_edit_is_undone_and_redone_whole(ctx, course_id) -> None:  # type: ignore[no-untyped-def]
    before = _session(ctx, course_id, 3)
    done = courses.edit_session(ctx, before.id, SessionEdit(topic="Pacing", notes="Cold hall"))
    assert done.changes == Changes.SESSION and done.ids == (before.id,)
    assert "topic" in done.label and "notes" in done.label
    assert done.undo is not None
    back = done.undo()
    after_undo = _session(ctx, course_id, 3)
    assert (after_undo.topic, after_undo.notes) == (before.topic, before.notes)
    assert back.undo is not None
    back.undo()
    again = _session(ctx, course_id, 3)
    assert (again.topic, again.notes) == ("Pacing", "Cold hall")


def test_saving_a_session_unchanged_is_no_change(ctx, course_id) -> None:  # type: ignore[no-untyped-def]
    third = _session(ctx, course_id, 3)
    done = courses.edit_session(ctx, third.id, SessionEdit(topic=third.topic, date=third.date))
    assert done.changes == Changes.NONE and done.undo is None
