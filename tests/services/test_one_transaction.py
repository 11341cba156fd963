"""A composite action is one service call and one transaction: when a later step fails, nothing
of the earlier steps is left behind, and the service says what it did (a Done) so Ctrl+Z works."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from escape_desktop.db.errors import KnownError
from escape_desktop.db.models import AuditEvent, Enrolment, Participant, Session
from escape_desktop.services import courses, participants, screening
from escape_desktop.services.changes import Changes
from escape_desktop.services.courses import CourseInput, SessionEdit
from escape_desktop.services.participants import ParticipantInput


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


def _people(ctx) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    with ctx.db.read() as s:
        return (
            len(s.scalars(select(Enrolment.id)).all()),
            len(s.scalars(select(Participant.id)).all()),
        )


def _answers(ctx, course_id: int, yes: bool = False) -> dict[str, bool]:  # type: ignore[no-untyped-def]
    checklist = screening.checklist_for_course(ctx, course_id)
    assert checklist is not None
    return {q.key: yes for q in checklist.questions}


ADA = ParticipantInput("Ada", "Demo-Screen", consent_programme=True)


def test_enrolling_with_screening_is_one_transaction(ctx, course_id, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """A fault while the answers are stored (a full disk, a crash) leaves no enrolment behind."""
    before = _people(ctx)

    def fault(*_a, **_k):  # type: ignore[no-untyped-def]
        raise OSError("disk full while storing the answers")

    monkeypatch.setattr(participants, "record_in", fault)
    with pytest.raises(OSError):
        participants.enrol(ctx, course_id, ADA, _answers(ctx, course_id))
    assert _people(ctx) == before
    with ctx.db.read() as s:
        assert not s.scalars(select(AuditEvent).where(AuditEvent.action == "enrol")).all()


def test_enrolling_with_unanswered_screening_enrols_nobody(ctx, course_id) -> None:  # type: ignore[no-untyped-def]
    before = _people(ctx)
    with pytest.raises(KnownError):
        participants.enrol(ctx, course_id, ADA, {})
    assert _people(ctx) == before


def test_enrolling_with_screening_undoes_and_redoes_together(ctx, course_id) -> None:  # type: ignore[no-untyped-def]
    before = _people(ctx)
    done = participants.enrol(ctx, course_id, ADA, _answers(ctx, course_id, yes=True))
    assert done.changes == Changes.ENROLMENT and done.ids == (done.value,)
    assert "review" in done.said  # the status bar says they need a review first
    assert screening.screening_state(ctx, done.value).keeps_off_circuit
    assert done.undo is not None
    back = done.undo()
    assert _people(ctx) == before
    assert back.undo is not None
    again = back.undo()
    assert _people(ctx) == (before[0] + 1, before[1] + 1)
    assert screening.screening_state(ctx, again.value).keeps_off_circuit


def test_closing_a_course_undoes_to_open_and_redoes_on_the_same_day(ctx, course_id) -> None:  # type: ignore[no-untyped-def]
    day = _session(ctx, course_id, 4).date
    done = courses.close_course(ctx, course_id, day)
    assert done.value == day and done.changes == Changes.COURSE and done.ids == (course_id,)
    assert done.undo is not None
    back = done.undo()
    assert courses.course_closed_on(ctx, course_id) is None
    assert back.undo is not None
    back.undo()
    assert courses.course_closed_on(ctx, course_id) == day  # not today: the day it was closed


def test_reopening_undoes_to_the_earlier_closing_day(ctx, course_id) -> None:  # type: ignore[no-untyped-def]
    day = _session(ctx, course_id, 4).date
    courses.close_course(ctx, course_id, day)
    done = courses.reopen_course(ctx, course_id)
    assert courses.course_closed_on(ctx, course_id) is None
    assert done.undo is not None
    done.undo()
    assert courses.course_closed_on(ctx, course_id) == day


def test_changing_the_circuit_is_undone_and_redone(ctx, course_id) -> None:  # type: ignore[no-untyped-def]
    from escape_desktop.services.circuit import course_stations
    from escape_desktop.services.circuit.stations import choose_stations

    def active() -> list[str]:
        return [c.key for c in course_stations(ctx, course_id) if c.active]

    before = active()
    done = choose_stations(ctx, course_id, before[:2][::-1])
    assert done.changes == Changes.STATION and done.ids == (course_id,)
    assert active() == before[:2][::-1]
    assert done.undo is not None
    back = done.undo()
    assert active() == before
    assert back.undo is not None
    back.undo()
    assert active() == before[:2][::-1]


def test_choosing_a_course_s_measures_is_undone(ctx, course_id) -> None:  # type: ignore[no-untyped-def]
    from escape_desktop.db.models import CourseInstrument

    def keys() -> list[str]:
        with ctx.db.read() as s:
            return list(
                s.scalars(
                    select(CourseInstrument.instrument_key)
                    .where(CourseInstrument.course_id == course_id)
                    .order_by(CourseInstrument.position)
                )
            )

    before = keys()
    done = courses.set_course_instruments(ctx, course_id, ["pain_nrs"])
    assert keys() == ["pain_nrs"] and done.changes == Changes.COURSE
    assert done.undo is not None
    done.undo()
    assert keys() == before
