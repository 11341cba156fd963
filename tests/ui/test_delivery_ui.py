"""Virtual and hybrid classes in the window: choose the mode in course details, move a session
online with its reason from the keyboard, undo it; every new control has a name."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox
from sqlalchemy import select

from escape_desktop.db.models import Course, Session
from escape_desktop.services import courses, reading
from escape_desktop.services.courses import CourseInput
from escape_desktop.ui.common.change_bus import ChangeBus
from escape_desktop.ui.courses.course_edit_dialog import CourseEditDialog
from escape_desktop.ui.courses.session_dialog import SessionDialog

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
        ),
    )


def _mode(ctx, cid) -> str:
    with ctx.db.read() as s:
        return s.get(Course, cid).delivery_mode


def _session(ctx, cid, number):
    reg = reading.course_register(ctx, cid)
    return next(x for x in reg.sessions if x.number == number)


def test_course_details_choose_the_mode_by_keyboard(qtbot, ctx, course_id):
    dialog = CourseEditDialog(ctx, course_id, courses.course_input(ctx, course_id))
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    assert dialog.delivery.currentData() == "in_person"
    assert dialog.delivery.accessibleName()
    dialog.delivery.setFocus()
    qtbot.keyClick(dialog.delivery, Qt.Key.Key_Down)
    qtbot.keyClick(dialog.delivery, Qt.Key.Key_Down)
    assert dialog.delivery.currentData() == "hybrid"
    qtbot.keyClick(dialog.delivery, Qt.Key.Key_Return)  # Enter saves
    assert dialog.saved
    assert _mode(ctx, course_id) == "hybrid"


def test_a_session_moves_online_with_its_reason_and_undo_brings_it_back(qtbot, ctx, course_id):
    bus = ChangeBus()
    info = _session(ctx, course_id, 4)
    dialog = SessionDialog(ctx, bus, info, [])
    qtbot.addWidget(dialog)
    assert dialog.online_button is not None and dialog.online_button.accessibleName()
    assert dialog.online_button.text() == "Move online…"
    dialog.ask_online_reason = lambda: ("Hall flooded", True)  # type: ignore[method-assign]
    dialog.online_button.setFocus()
    qtbot.keyClick(dialog.online_button, Qt.Key.Key_Space)
    moved = _session(ctx, course_id, 4)
    assert moved.online and moved.moved_online and moved.online_reason == "Hall flooded"
    assert "online" in bus.undo_stack.undoText()
    bus.undo_stack.undo()
    assert not _session(ctx, course_id, 4).online
    bus.undo_stack.redo()
    again = SessionDialog(ctx, bus, _session(ctx, course_id, 4), [])
    qtbot.addWidget(again)
    assert "online (Hall flooded)" in again.state.text()
    assert again.online_button is not None and again.online_button.text() == "Back in the hall"
    again.online_button.click()
    with ctx.db.read() as s:
        assert not s.scalar(select(Session.online).where(Session.id == info.id))


def test_a_virtual_course_has_no_button_to_move_a_session(qtbot, ctx, course_id):
    form = courses.course_input(ctx, course_id)
    form.delivery_mode = "virtual"
    courses.edit_course(ctx, course_id, form)
    info = _session(ctx, course_id, 2)
    assert info.online and not info.moved_online
    dialog = SessionDialog(ctx, ChangeBus(), info, [])
    qtbot.addWidget(dialog)
    assert dialog.online_button is None
    assert "online" in dialog.state.text()
    roles = [dialog.buttons.buttonRole(b) for b in dialog.buttons.buttons()]
    assert QDialogButtonBox.ButtonRole.AcceptRole in roles


def test_the_register_says_who_joined_a_hybrid_session_online(qtbot, demo_ctx, demo_today):
    from datetime import timedelta

    from escape_desktop.db import queries
    from escape_desktop.db.models import Attendance
    from escape_desktop.ui.register.register_ops import RegisterOps
    from escape_desktop.ui.register.register_section import RegisterSection

    bus = ChangeBus()
    view = RegisterSection(
        demo_ctx, bus, RegisterOps(demo_ctx, bus), today=demo_today + timedelta(days=1)
    )
    qtbot.addWidget(view)
    view.resize(1200, 700)
    view.show()
    with demo_ctx.db.read() as s:
        hybrid = s.scalar(select(Course.id).where(Course.delivery_mode == "hybrid"))
        in_person = queries.course_by_code(s, "KH-2026-001").id
    view.set_course(hybrid)
    table = view.table
    table.setFocus()
    index = table.currentIndex()
    session = view.model.session_at(index.column())
    assert not session.online
    person = view.model.rows[index.row()]
    qtbot.keyClick(table, Qt.Key.Key_P)  # present, and on to the next person
    qtbot.keyClick(table, Qt.Key.Key_Up)
    qtbot.keyClick(table, Qt.Key.Key_O)

    def joined() -> bool:
        with demo_ctx.db.read() as s:
            return s.scalar(
                select(Attendance.joined_online).where(
                    Attendance.enrolment_id == person.enrolment_id,
                    Attendance.session_id == session.id,
                )
            )

    assert joined()
    cell = view.model.index(index.row(), index.column())
    assert cell.data() == "P*" and "joined online" in cell.data(Qt.ItemDataRole.AccessibleTextRole)
    qtbot.keyClick(table, Qt.Key.Key_O)  # and back: in the room
    assert not joined() and cell.data() == "P"
    # An in-person course has no video link: O says why and saves nothing.
    said: list[str] = []
    view.message.connect(said.append)
    view.set_course(in_person)
    table.setFocus()
    qtbot.keyClick(table, Qt.Key.Key_O)
    assert said  # one sentence: not present, or not a hybrid course
    with demo_ctx.db.read() as s:
        assert not s.scalar(
            select(Attendance.id)
            .join(Session, Session.id == Attendance.session_id)
            .where(Session.course_id == in_person, Attendance.joined_online.is_(True))
        )


def test_the_circuit_of_a_virtual_session_offers_the_home_versions(qtbot, ctx, course_id):
    from datetime import date

    from escape_desktop.services.participants import ParticipantInput, enrol_participant
    from escape_desktop.ui.circuit.circuit_model import COL_FIRST_STATION
    from escape_desktop.ui.circuit.circuit_section import CircuitSection

    enrol_participant(ctx, course_id, ParticipantInput("Ann", "Demo-Lee"))
    form = courses.course_input(ctx, course_id)
    form.delivery_mode = "virtual"
    courses.edit_course(ctx, course_id, form)
    widget = CircuitSection(ctx, ChangeBus(), today=date(2026, 11, 3))
    qtbot.addWidget(widget)
    widget.resize(900, 600)
    widget.show()
    widget.set_course(course_id)
    qtbot.waitUntil(lambda: widget.model.grid is not None)
    assert "held online" in widget.session_info.text()
    tip = widget.model.headerData(
        COL_FIRST_STATION, Qt.Orientation.Horizontal, Qt.ItemDataRole.ToolTipRole
    )
    station = widget.model.grid.stations[0]
    assert f"At home: {ctx.library.station(station.key).home}" in tip


def test_the_today_panel_says_an_online_session(qtbot, ctx, course_id):
    from escape_desktop.services.today import brief
    from escape_desktop.ui.app.today_panel import TodayPanel

    info = _session(ctx, course_id, 1)
    courses.move_session_online(ctx, info.id, "Hall shut")
    panel = TodayPanel()
    qtbot.addWidget(panel)
    panel.show_brief(brief(ctx, info.id), info.date)
    assert "Online" in panel.body.text() and "Hall shut" in panel.body.text()
