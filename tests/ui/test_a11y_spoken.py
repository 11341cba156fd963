"""Heard, not only seen: results, refusals and field errors reach a screen reader, and table cells
say in words what they show in colour, arrows and icons (issue 24, "Spoken")."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAccessible, QAccessibleAnnouncementEvent
from PySide6.QtWidgets import QLabel, QLineEdit, QWidget
from qt_wait import settle
from sqlalchemy import select

from escape_desktop.db import queries
from escape_desktop.db.models import Course
from escape_desktop.services import circuit
from escape_desktop.services.changes import Changes
from escape_desktop.services.errors import ValidationError
from escape_desktop.ui.circuit.circuit_model import CircuitModel
from escape_desktop.ui.common import announce, style
from escape_desktop.ui.common.change_bus import ChangeBus
from escape_desktop.ui.people.participant_dialog import ParticipantDialog
from escape_desktop.ui.register.register_model import COL_NAME, FIRST_SESSION, RegisterModel

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")


@pytest.fixture
def heard(qapp):
    """Everything announced during the test, as (text, assertive)."""
    said: list[tuple[str, bool]] = []
    announce._last.clear()
    announce.announcer.said.connect(lambda text, loud: said.append((text, loud)))
    yield said
    announce.announcer.said.disconnect()
    announce._last.clear()


def _course(ctx, code: str) -> int:
    with ctx.db.read() as s:
        return queries.course_by_code(s, code).id


def test_say_sends_a_qt_announcement_with_its_politeness(qtbot, heard, monkeypatch):
    sent: list[tuple[str, object, object]] = []

    def spy(event):  # read now: Qt owns the event once the call returns
        if isinstance(event, QAccessibleAnnouncementEvent):
            sent.append((event.message(), event.politeness(), event.object()))

    monkeypatch.setattr(QAccessible, "updateAccessibility", spy)
    host = QWidget()
    qtbot.addWidget(host)
    assert announce.say(host, "Saved: Ada present at session 3")
    assert announce.refuse(host, "Session 9 is not held yet")
    assert not announce.say(host, "   ")  # nothing to say, nothing sent
    assert sent == [
        ("Saved: Ada present at session 3", QAccessible.AnnouncementPoliteness.Polite, host),
        ("Session 9 is not held yet", QAccessible.AnnouncementPoliteness.Assertive, host),
    ]


def test_every_operation_result_is_spoken_politely(qapp, heard):
    bus = ChangeBus()
    bus.announce(Changes.COURSE, message="Saved: new course created")
    assert heard == [("Saved: new course created", False)]


def test_window_speaks_a_saved_mark_and_a_refusal_at_once(qtbot, heard, demo_ctx, make_window):
    # A class day: present can be marked on today's session, not on one still to come.
    window = make_window(demo_ctx, today=date(2026, 11, 27))
    qtbot.waitUntil(lambda: window.is_ready, timeout=5000)
    window.open_course(_course(demo_ctx, "KH-2026-002"))
    reg = window.course_view.register
    model, table = reg.model, reg.table
    today = model.today_column()
    later = next(
        c
        for c in range(FIRST_SESSION, model.columnCount())
        if model.session_at(c).date > model.today
    )
    table.setFocus()
    table.setCurrentIndex(model.index(0, later))
    qtbot.keyClick(table, Qt.Key.Key_P)
    refusals = [text for text, loud in heard if loud]
    assert refusals and "not held yet" in refusals[-1]
    table.setCurrentIndex(model.index(1, today))
    qtbot.keyClick(table, Qt.Key.Key_A)
    polite = [text for text, loud in heard if not loud]
    assert any(text.startswith("Saved") for text in polite)
    # Said once, though the status bar shows it too.
    assert len([t for t, _ in heard if t == polite[-1]]) == 1


def test_any_status_bar_line_is_spoken(qtbot, heard, demo_ctx, make_window):
    window = make_window(demo_ctx, today=date(2026, 11, 26))
    window.statusBar().showMessage("Backed up to the USB stick", 3000)
    assert ("Backed up to the USB stick", False) in heard


def test_a_form_error_is_spoken_at_once_and_tied_to_its_field(qtbot, heard):
    dialog = ParticipantDialog(None, lambda _d: None, today=date(2026, 11, 26))
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.show_error(ValidationError("nhs_number", "This NHS number is not ten digits."))
    qtbot.waitUntil(lambda: any(loud for _t, loud in heard), timeout=2000)
    assert ("This NHS number is not ten digits.", True) in heard
    assert "not ten digits" in dialog.nhs.accessibleDescription()


def test_a_bad_nhs_number_is_described_on_the_box_and_shown_in_the_error_colour(qtbot, heard):
    dialog = ParticipantDialog(None, lambda _d: None, today=date(2026, 11, 26))
    qtbot.addWidget(dialog)
    dialog.show()
    assert "Not valid" not in dialog.nhs.accessibleDescription()
    qtbot.keyClicks(dialog.nhs, "943 476 5918")  # a wrong check digit
    dialog._refresh()
    assert "check digit" in dialog.nhs.accessibleDescription()
    # The sentence under the box is the error colour, not the grey of a hint.
    shown = dialog.nhs_hint.palette().color(dialog.nhs_hint.foregroundRole())
    assert shown == style.color("bad")
    assert not heard  # typing is not interrupted: the reader finds it on the box
    dialog.nhs.clear()
    qtbot.keyClicks(dialog.nhs, "943 476 5919")
    dialog._refresh()
    assert "Not valid" not in dialog.nhs.accessibleDescription()


def test_a_live_label_speaks_each_new_text_and_errors_assertively(qtbot, heard):
    host = QWidget()
    qtbot.addWidget(host)
    note = announce.LiveLabel("", host)
    error = announce.LiveLabel("", host)
    error.setObjectName("error")
    host.show()
    note.setText("Saved 12 rows to upload.csv")
    error.setText("That file is not a spreadsheet.")
    qtbot.waitUntil(lambda: len(heard) == 2, timeout=2000)
    assert heard == [
        ("Saved 12 rows to upload.csv", False),
        ("That file is not a spreadsheet.", True),
    ]
    plain = QLabel("old labels say nothing", host)
    plain.setText("still nothing")
    settle()  # anything it would announce is delivered by now
    assert len(heard) == 2


def test_circuit_cells_say_absent_today_and_the_suggestion(demo_ctx):
    with demo_ctx.db.read() as s:
        cid = s.scalar(select(Course.id).where(Course.code == "KH-2026-002"))
    model = CircuitModel(demo_ctx)
    model.set_grid(circuit.circuit_grid(demo_ctx, cid, 3))
    grid = model.grid
    spoken = {
        (r, c): model.data(model.index(r, c), Qt.ItemDataRole.AccessibleTextRole)
        for r in range(model.rowCount())
        for c in range(model.columnCount())
    }
    for r, row in enumerate(grid.rows):
        absent = row.attendance in ("absent", "apologies")
        for c, station in enumerate(grid.stations):
            text = spoken[(r, c)]
            assert text.startswith(row.name)
            assert ("absent today" in text or "apologies" in text) == absent
            cell = row.cells[station.key]
            if cell.suggestion is not None and cell.suggestion.action != "hold":
                word = "Move on" if cell.suggestion.action == "progress" else "Step back"
                assert word in text
                assert (cell.decision or "not yet decided") in text
    assert any(r.attendance == "absent" for r in grid.rows)


def test_register_names_say_their_reminder_and_marks_say_today(demo_ctx, demo_today):
    model = RegisterModel(today=demo_today + timedelta(days=1))
    with demo_ctx.db.read() as s:
        model.set_register(queries.register(s, _course(demo_ctx, "KH-2026-002")))
    first = model.rows[0]
    model.not_asked = {first.enrolment_id}
    name = model.data(model.index(0, COL_NAME), Qt.ItemDataRole.AccessibleTextRole)
    assert first.name in name and "consent" in name
    today = model.today_column()
    mark = model.data(model.index(1, today), Qt.ItemDataRole.AccessibleTextRole)
    assert "today" in mark
    other = model.data(model.index(1, FIRST_SESSION), Qt.ItemDataRole.AccessibleTextRole)
    assert "today" not in other


def test_a_circuit_cell_refusal_is_spoken(qtbot, heard):
    from escape_desktop.ui.circuit.cell_editor import CellEditor

    editor = CellEditor(None)
    qtbot.addWidget(editor)
    editor.show_error("pain", "Pain is 0 to 10.")
    assert ("Pain is 0 to 10.", True) in heard  # before: only a tooltip, never heard
    edit = editor.fields["pain"]
    assert isinstance(edit, QLineEdit) and "0 to 10" in edit.accessibleDescription()


def test_scroll_areas_never_take_focus_unnamed(qtbot, demo_ctx, demo_today, make_window):
    from PySide6.QtWidgets import QAbstractScrollArea, QScrollArea

    from escape_desktop.ui.safety.settings_dialog import SettingsDialog

    settings = SettingsDialog(demo_ctx, ChangeBus())
    qtbot.addWidget(settings)
    settings.show()
    qtbot.waitExposed(settings)
    settings.activateWindow()
    qtbot.waitUntil(lambda: settings.focusWidget() is not None, timeout=2000)
    assert not isinstance(settings.focusWidget(), QScrollArea)  # it opened on one
    enrol = ParticipantDialog(None, lambda _d: None, today=demo_today)
    qtbot.addWidget(enrol)
    window = make_window(demo_ctx, today=demo_today)
    qtbot.waitUntil(lambda: window.is_ready, timeout=5000)
    window.open_course(_course(demo_ctx, "KH-2026-002"))
    for section in range(window.course_view.tabs.count()):
        window.course_view.show_section(section)
    silent = [
        f"{type(area).__name__} in {type(top).__name__}"
        for top in (settings, enrol, window)
        for area in top.findChildren(QScrollArea)
        if area.focusPolicy() != Qt.FocusPolicy.NoFocus and not area.accessibleName()
    ]
    assert silent == []
    # Tables and lists are scroll areas too, and rightly take focus: they are not counted.
    assert any(
        a.focusPolicy() != Qt.FocusPolicy.NoFocus for a in window.findChildren(QAbstractScrollArea)
    )


def test_a_wizard_refusal_is_spoken_and_described_on_its_box(qtbot, heard, ctx):
    from escape_desktop.ui.courses.course_wizard import CourseWizard

    wizard = CourseWizard(ctx, None, today=date(2026, 11, 26), bus=ChangeBus())
    qtbot.addWidget(wizard)
    wizard.show()
    wizard.next()
    wizard.next()  # on the dates page, where saving fails
    wizard.dates._failed(ValidationError("code", "That course code is already used."))
    qtbot.waitUntil(lambda: any(loud for _t, loud in heard), timeout=2000)
    assert ("That course code is already used.", True) in heard
    assert "already used" in wizard.when.fields["code"].accessibleDescription()
