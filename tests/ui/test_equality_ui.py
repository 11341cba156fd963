"""The enrol dialog's equality monitoring group (issue 30 item 7), driven by keyboard as an
instructor would: three named boxes, "Not asked" until chosen, saved and shown again."""

from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox

from escape_desktop.db.models import Participant
from escape_desktop.services import participants
from escape_desktop.services.courses import CourseInput, create_course
from escape_desktop.services.participants import ParticipantInput
from escape_desktop.ui.people.participant_dialog import ParticipantDialog

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")

TODAY = date(2026, 12, 4)


def _course(ctx) -> int:  # type: ignore[no-untyped-def]
    return create_course(
        ctx,
        CourseInput(title="Knees", programme_key="knee_hip", start_date=TODAY, weekdays=[0, 3]),
    )


def _dialog(qtbot, ctx, pid: int) -> ParticipantDialog:  # type: ignore[no-untyped-def]
    dialog = ParticipantDialog(
        None,
        lambda data: participants.edit_participant(ctx, pid, data),
        initial=participants.participant_input(ctx, pid),
        today=TODAY,
    )
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def test_the_three_boxes_are_named_reached_by_tab_and_saved(qtbot, ctx):  # type: ignore[no-untyped-def]
    cid = _course(ctx)
    pid, _ = participants.enrol_participant(ctx, cid, ParticipantInput("Ida", "Demo-Equal"))
    dialog = _dialog(qtbot, ctx, pid)
    boxes = dialog.equality.widgets()
    assert len(boxes) == 3
    names = [box.accessibleName() for box in boxes]
    assert all(names) and len(set(names)) == 3
    # Not asked until asked: never a "not stated" the person did not say
    assert all(box.currentData() is None for box in boxes)
    # Tab reaches each box, in order, right after the notes
    chain = dialog.tab_chain
    at = chain.index(dialog.notes)
    assert chain[at + 1 : at + 4] == boxes
    # Chosen by keyboard: the ethnic category box to "Not known" (the last), stated sex "Female"
    ethnic, sex, gender = boxes
    ethnic.setFocus()
    qtbot.keyClick(ethnic, Qt.Key.Key_End)
    sex.setFocus()
    for _step in range(2):  # Not asked, Male, Female
        qtbot.keyClick(sex, Qt.Key.Key_Down)
    assert (ethnic.currentData(), sex.currentData(), gender.currentData()) == ("99", "2", None)
    save = dialog.buttons.button(QDialogButtonBox.StandardButton.Save)
    qtbot.mouseClick(save, Qt.MouseButton.LeftButton)
    with ctx.db.read() as s:
        person = s.get(Participant, pid)
        assert person is not None
        assert (person.ethnic_category, person.stated_sex, person.gender_identity) == (
            "99",
            "2",
            None,
        )
    # Opened again, the dialog shows what was saved
    again = _dialog(qtbot, ctx, pid)
    assert [b.currentData() for b in again.equality.widgets()] == ["99", "2", None]
