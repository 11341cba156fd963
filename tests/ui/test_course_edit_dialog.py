"""The course details dialog: edit by typing, mistakes shown on their field, nothing half-saved."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication
from sqlalchemy import select

from escape_desktop.db.models import AuditEvent, Course, Session
from escape_desktop.services import courses
from escape_desktop.services.changes import Changes
from escape_desktop.services.courses import CourseInput
from escape_desktop.ui.common.change_bus import ChangeBus
from escape_desktop.ui.courses.course_edit_dialog import CourseEditDialog, edit_course

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")


@pytest.fixture
def course_id(ctx):
    return courses.create_course(
        ctx,
        CourseInput(
            title="Tuesday knees",
            programme_key="knee_hip",
            start_date="2026-11-03",
            weekdays=[1, 4],
            venue="Parkview Gym",
            start_time="10:00",
            capacity=12,
            instructors=["Jo Demo-Physio"],
            notes="Bring water",
        ),
    )


def _course(ctx, cid):
    with ctx.db.read() as s:
        c = s.get(Course, cid)
        dates = list(s.scalars(select(Session.date).where(Session.course_id == cid)))
        return (
            c.title,
            c.code,
            c.capacity,
            c.venue.name if c.venue else "",
            c.start_time,
            sorted(i.name for i in c.instructors),
            c.notes,
            c.weekdays,
            dates,
        )


def _dialog(qtbot, ctx, cid) -> CourseEditDialog:
    dialog = CourseEditDialog(ctx, cid, courses.course_input(ctx, cid))
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    return dialog


def _retype(qtbot, edit, text: str) -> None:
    edit.setFocus()
    edit.selectAll()
    qtbot.keyClick(edit, Qt.Key.Key_Delete)
    qtbot.keyClicks(edit, text)


def test_form_opens_with_the_stored_details(qtbot, ctx, course_id):
    dialog = _dialog(qtbot, ctx, course_id)
    assert dialog.title.text() == "Tuesday knees"
    assert dialog.venue.currentText() == "Parkview Gym"
    assert dialog.capacity.text() == "12"
    assert dialog.instructors.text() == "Jo Demo-Physio"
    assert dialog.notes.toPlainText() == "Bring water"
    assert dialog.code.text().startswith("KH-2026-")


def test_edit_title_capacity_venue_and_instructors(qtbot, ctx, course_id):
    before = _course(ctx, course_id)
    dialog = _dialog(qtbot, ctx, course_id)
    _retype(qtbot, dialog.title, "Tuesday & Friday knees")
    _retype(qtbot, dialog.capacity, "14")
    _retype(qtbot, dialog.venue.lineEdit(), "St Aidan's Hall")
    _retype(qtbot, dialog.instructors, "Jo Demo-Physio, Sam Demo-Coach")
    qtbot.keyClick(dialog.capacity, Qt.Key.Key_Return)  # Enter saves (Save is the default)
    assert dialog.saved and dialog.result() == dialog.DialogCode.Accepted
    after = _course(ctx, course_id)
    assert after[0] == "Tuesday & Friday knees"
    assert after[2] == 14
    assert after[3] == "St Aidan's Hall"
    assert after[5] == ["Jo Demo-Physio", "Sam Demo-Coach"]
    # What the dialog does not show stays as it was: code, time, notes, days, dates.
    assert (after[1], after[4], after[6], after[7], after[8]) == (
        before[1],
        before[4],
        before[6],
        before[7],
        before[8],
    )


@pytest.mark.parametrize("typed", ["0", "45", "ten"])
def test_bad_capacity_is_refused_on_its_field_and_nothing_saved(qtbot, ctx, course_id, typed):
    before = _course(ctx, course_id)
    dialog = _dialog(qtbot, ctx, course_id)
    _retype(qtbot, dialog.title, "Changed title")
    _retype(qtbot, dialog.capacity, typed)
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert not dialog.saved and dialog.isVisible()
    assert dialog.error.isVisible()
    assert dialog.error.text() == "Capacity must be a whole number from 1 to 40."
    assert dialog.capacity.property("invalid") is True
    assert dialog.focusWidget() is dialog.capacity
    assert _course(ctx, course_id) == before  # not even the title


def test_more_than_sixteen_places_warns_but_saves(qtbot, ctx, course_id):
    dialog = _dialog(qtbot, ctx, course_id)
    assert "one member of staff" in dialog.capacity_note.text()  # 12 places, one instructor
    _retype(qtbot, dialog.instructors, "Jo Demo-Physio, Sam Demo-Coach")
    assert not dialog.capacity_note.isVisible()
    _retype(qtbot, dialog.capacity, "18")
    assert dialog.capacity_note.isVisible()
    assert "16" in dialog.capacity_note.text()
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert dialog.saved
    assert _course(ctx, course_id)[2] == 18


def test_a_code_already_used_is_refused_on_the_code_field(qtbot, ctx, course_id):
    other = courses.create_course(
        ctx,
        CourseInput(title="Backs", programme_key="back", start_date="2026-11-04", weekdays=[2]),
    )
    taken = courses.course_input(ctx, other).code
    dialog = _dialog(qtbot, ctx, course_id)
    _retype(qtbot, dialog.code, taken)
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert not dialog.saved
    assert taken in dialog.error.text() and "already used" in dialog.error.text()
    assert dialog.code.property("invalid") is True
    assert _course(ctx, course_id)[1] != taken


def test_edit_course_saves_and_tells_the_bus(qtbot, ctx, course_id):
    bus = ChangeBus()
    heard: list[tuple[Changes, tuple[int, ...]]] = []
    messages: list[str] = []
    bus.changed.connect(lambda change, _by: heard.append((change.changes, change.ids)))
    bus.saved.connect(messages.append)

    def fill_in() -> None:
        dialog = QApplication.activeModalWidget()
        assert isinstance(dialog, CourseEditDialog)
        _retype(qtbot, dialog.title, "Renamed class")
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)

    QTimer.singleShot(0, fill_in)
    assert edit_course(ctx, bus, None, course_id) is True
    assert _course(ctx, course_id)[0] == "Renamed class"
    assert heard == [(Changes.COURSE, (course_id,))]
    assert messages == ["Saved: course details"]
    with ctx.db.read() as s:
        assert s.scalar(select(AuditEvent).where(AuditEvent.action == "edit_course")) is not None


def test_cancel_saves_nothing_and_stays_quiet(qtbot, ctx, course_id):
    bus = ChangeBus()
    heard: list[Changes] = []
    bus.changed.connect(lambda change, _by: heard.append(change.changes))
    before = _course(ctx, course_id)

    def cancel() -> None:
        dialog = QApplication.activeModalWidget()
        assert isinstance(dialog, CourseEditDialog)
        _retype(qtbot, dialog.title, "Not kept")
        qtbot.keyClick(dialog.title, Qt.Key.Key_Escape)

    QTimer.singleShot(0, cancel)
    assert edit_course(ctx, bus, None, course_id) is False
    assert _course(ctx, course_id) == before and heard == []
