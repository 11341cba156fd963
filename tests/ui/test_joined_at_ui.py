"""Details shows the session a person joined at, and saving a new one changes their completion."""

from __future__ import annotations

from datetime import date, timedelta

from PySide6.QtWidgets import QDialogButtonBox

from escape_desktop.services import participants
from escape_desktop.services.courses import CourseInput, create_course
from escape_desktop.services.participants import ParticipantInput
from escape_desktop.ui.people.participant_dialog import ParticipantDialog


def test_details_sets_the_session_joined_at(qtbot, ctx):
    cid = create_course(
        ctx,
        CourseInput(
            title="Knees",
            programme_key="knee_hip",
            start_date=date.today() - timedelta(days=200),
            weekdays=[0, 3],
        ),
    )
    pid, eid = participants.enrol_participant(
        ctx, cid, ParticipantInput(first_name="Ann", last_name="Demo-Late", consent_programme=True)
    )
    joined = participants.joined_at(ctx, eid)
    assert joined.joined_at == 1 and joined.sessions == 12  # typed in after it ran
    dialog = ParticipantDialog(
        None,
        lambda data: participants.edit_participant(ctx, pid, data),
        initial=participants.participant_input(ctx, pid),
        joined=joined,
        set_joined=lambda n: participants.set_joined_at(ctx, eid, n),
    )
    qtbot.addWidget(dialog)
    assert dialog.joined_at is not None and dialog.joined_at.maximum() == 12
    assert dialog.joined_at in dialog.tab_chain  # reachable from the keyboard
    dialog.joined_at.setValue(5)
    dialog.buttons.button(QDialogButtonBox.StandardButton.Save).click()
    assert dialog.saved
    assert participants.joined_at(ctx, eid).joined_at == 5


def test_details_without_a_course_has_no_joined_field(qtbot, ctx):
    dialog = ParticipantDialog(None, lambda data: None)
    qtbot.addWidget(dialog)
    assert dialog.joined_at is None


def test_the_window_details_saves_joined_at_with_undo(qtbot, make_window, demo_ctx, demo_today):
    from escape_desktop.db import queries

    window = make_window(demo_ctx, demo_today)
    with demo_ctx.db.read() as s:
        cid = queries.course_by_code(s, "KH-2026-002").id
    window.open_course(cid)
    eid = window._view.register.model.rows[0].enrolment_id
    before = participants.joined_at(demo_ctx, eid).joined_at

    def run(dialog) -> None:
        dialog.show()
        dialog.joined_at.setValue(before + 2)
        dialog.buttons.button(QDialogButtonBox.StandardButton.Save).click()

    window._open_dialog = run  # type: ignore[method-assign]
    window.edit_person(eid)
    assert participants.joined_at(demo_ctx, eid).joined_at == before + 2
    window.bus.undo_stack.undo()
    assert participants.joined_at(demo_ctx, eid).joined_at == before
