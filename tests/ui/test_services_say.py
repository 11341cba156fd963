"""The window's writes announce what the service says it did: no screen declares it any more.

Each test changes data the way an instructor does and checks the change set the window's
screens hear (they read again only for the kinds they show), and that Ctrl+Z works where
the service offers an undo.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from escape_desktop.db.models import Enrolment, Session
from escape_desktop.services import courses, participants
from escape_desktop.services.changes import Changes
from escape_desktop.services.courses import CourseInput
from escape_desktop.services.participants import ParticipantInput
from escape_desktop.ui.common.change_bus import ChangeBus
from escape_desktop.ui.people.people_ops import PeopleOps
from escape_desktop.ui.safety.settings_dialog import SettingsDialog

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")


@pytest.fixture
def course(ctx):  # type: ignore[no-untyped-def]
    cid = courses.create_course(
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
    _, eid = participants.enrol_participant(
        ctx, cid, ParticipantInput("Ada", "Demo-Abbott", consent_programme=True)
    )
    return cid, eid


def heard(bus: ChangeBus) -> list[tuple[Changes, tuple[int, ...]]]:
    out: list[tuple[Changes, tuple[int, ...]]] = []
    bus.changed.connect(lambda change, _initiator: out.append((change.changes, change.ids)))
    return out


def test_adding_a_venue_in_settings_tells_the_screens(qtbot, ctx) -> None:  # type: ignore[no-untyped-def]
    bus = ChangeBus()
    dialog = SettingsDialog(ctx, bus)
    qtbot.addWidget(dialog)
    changes = heard(bus)
    dialog.venues.edit.setText("Riverside Leisure Centre")
    dialog.venues._on_add()
    assert [c for c, _ in changes] == [Changes.SETTINGS]
    assert dialog.venues.list.count() >= 1


def test_a_withdrawal_is_announced_and_undone(qtbot, ctx, course) -> None:  # type: ignore[no-untyped-def]
    _cid, eid = course
    bus = ChangeBus()
    changes = heard(bus)
    assert PeopleOps(ctx, bus).withdraw(eid, "moved away", "Ada Demo-Abbott")
    assert changes == [(Changes.ENROLMENT, (eid,))]
    assert "Ada Demo-Abbott" in bus.undo_stack.undoText()
    bus.undo_stack.undo()
    with ctx.db.read() as s:
        assert s.get(Enrolment, eid).status == "enrolled"
    bus.undo_stack.redo()
    with ctx.db.read() as s:
        row = s.get(Enrolment, eid)
        assert (row.status, row.withdrawn_reason) == ("withdrawn", "moved away")


def test_editing_someone_s_details_can_be_undone(qtbot, ctx, course) -> None:  # type: ignore[no-untyped-def]
    _cid, eid = course
    with ctx.db.read() as s:
        pid = s.get(Enrolment, eid).participant_id
    bus = ChangeBus()
    changes = heard(bus)
    data = participants.participant_input(ctx, pid)
    data.first_name = "Adaline"
    PeopleOps(ctx, bus).edit_participant(pid, data)
    assert changes == [(Changes.PARTICIPANT, (pid,))]
    bus.undo_stack.undo()
    assert participants.participant_input(ctx, pid).first_name == "Ada"


def test_session_notes_from_the_register_can_be_undone(qtbot, ctx, course) -> None:  # type: ignore[no-untyped-def]
    cid, _ = course
    with ctx.db.read() as s:
        sid = s.scalar(select(Session.id).where(Session.course_id == cid, Session.number == 1))
    from escape_desktop.ui.common.operation import run_op

    bus = ChangeBus()
    changes = heard(bus)
    run_op(None, lambda: courses.set_session_notes(ctx, sid, "Hall too cold"), bus=bus)
    assert changes == [(Changes.SESSION, (sid,))]
    bus.undo_stack.undo()
    with ctx.db.read() as s:
        assert s.get(Session, sid).notes == ""


def test_the_hand_over_menu_finds_the_course_it_sends(qtbot, ctx, course) -> None:  # type: ignore[no-untyped-def]
    from escape_desktop.ui.courses import handover_dialogs

    cid, _ = course
    code, title = handover_dialogs._course(ctx, cid) or ("", "")
    assert title == "Thursday knees" and code
    assert handover_dialogs._course(ctx, cid + 999) is None


def test_enrolling_with_screening_from_the_window_is_one_undo_step(qtbot, ctx, course) -> None:  # type: ignore[no-untyped-def]
    from escape_desktop.services import screening

    cid, _ = course
    checklist = screening.checklist_for_course(ctx, cid)
    assert checklist is not None
    answers = {q.key: True for q in checklist.questions}
    bus = ChangeBus()
    said: list[str] = []
    bus.saved.connect(said.append)
    changes = heard(bus)
    eid = PeopleOps(ctx, bus).enrol(cid, ParticipantInput("Bea", "Demo-Screen"), answers)
    assert changes == [(Changes.ENROLMENT, (eid,))]
    assert said and "review" in said[-1]  # the status bar says they need a review first
    assert screening.needing_review(ctx, cid) == {eid}
    bus.undo_stack.undo()
    with ctx.db.read() as s:
        assert s.get(Enrolment, eid) is None
    bus.undo_stack.redo()
    assert len(screening.needing_review(ctx, cid)) == 1  # enrolled again, answers and all
