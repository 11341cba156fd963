"""The window as a new instructor on a hall laptop meets it: messages and dialogs that stay readable."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QDialogButtonBox, QLabel
from qt_wait import settle

from escape_desktop.ui.safety.passphrase_dialog import ChoosePassphraseDialog


@pytest.mark.parametrize("large", [False, True])
def test_first_run_passphrase_message_does_not_squeeze_the_dialog(qtbot, qapp, large):
    from escape_desktop.ui.common import style

    style.apply(qapp, large)
    dialog = ChoosePassphraseDialog()
    qtbot.addWidget(dialog)
    # As on the first run: a fourth button widens the dialog, so the intro wraps differently.
    box = dialog.findChild(QDialogButtonBox)
    box.addButton("Restore from a backup…", QDialogButtonBox.ButtonRole.ResetRole)
    dialog.show()
    qtbot.waitExposed(dialog)
    intro = dialog.findChildren(QLabel)[0]
    before = dialog.size()
    dialog.new.setText("short")
    dialog.confirm.setText("short")
    dialog.try_accept()
    qtbot.waitUntil(dialog.error.isVisible)
    settle()
    # The dialog did not move under the pointer, and the text above still has its full height.
    assert dialog.size() == before
    assert intro.height() >= intro.heightForWidth(intro.width())
    assert dialog.error.height() >= dialog.error.heightForWidth(dialog.error.width())
    style.apply(qapp, False)


def test_enrol_dialog_opens_tall_enough_for_the_form_and_the_screening(qtbot, demo_ctx):
    from escape_desktop.db.models import Course
    from escape_desktop.ui.common.change_bus import ChangeBus
    from escape_desktop.ui.people.participant_dialog import EnrolDialog
    from escape_desktop.ui.people.people_ops import PeopleOps

    with demo_ctx.db.read() as s:
        cid = s.query(Course.id).order_by(Course.id).first()[0]
    dialog = EnrolDialog(None, demo_ctx, PeopleOps(demo_ctx, ChangeBus()), cid, course_label="x")
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    available = dialog.screen().availableGeometry().height()
    needed = dialog.body.minimumHeight()
    # The whole form shows without scrolling where the screen is tall enough, and the dialog
    # uses the screen's height (less a title bar) where it is not, the form getting all of it
    # but the dialog's own lines and buttons.
    shown = dialog.body_scroll.viewport().height()
    assert shown >= needed or dialog.frameGeometry().height() >= available - 80, shown
    assert shown >= min(needed, available - 240)
    assert dialog.frameGeometry().height() <= available


def test_second_launch_on_windows_lends_the_foreground_to_the_open_window(
    qtbot, tmp_path, monkeypatch
):
    import ctypes
    import sys
    from types import SimpleNamespace

    from PySide6.QtCore import QLockFile

    from escape_desktop.ui.app import single_instance

    calls: list[int] = []
    fake_user32 = SimpleNamespace(AllowSetForegroundWindow=lambda who: calls.append(who))
    monkeypatch.setattr(sys, "platform", "win32")
    monkeypatch.setattr(ctypes, "windll", SimpleNamespace(user32=fake_user32), raising=False)
    held = QLockFile(str(tmp_path / single_instance.LOCK_FILENAME))
    assert held.tryLock(100)  # the open window holds the folder
    try:
        second = single_instance.SingleInstance(tmp_path)
        assert not second.acquire()
    finally:
        held.unlock()
    # Windows only lets the process the user just started bring a window to the front.
    assert calls == [single_instance.ASFW_ANY]


def test_circuit_cell_takes_done_pain_effort_typed_with_spaces(qtbot):
    from PySide6.QtWidgets import QApplication

    from escape_desktop.ui.circuit.cell_editor import CellEditor

    editor = CellEditor()
    qtbot.addWidget(editor)
    editor.show()
    qtbot.waitExposed(editor)
    editor.activateWindow()
    editor.fields["dose_achieved"].setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is editor.fields["dose_achieved"])
    for ch in "7 2 5":
        qtbot.keyClicks(QApplication.focusWidget(), ch)
    assert editor.values() == {"dose_achieved": "7", "pain": "2", "effort": "5"}


def test_class_day_opens_with_todays_column_in_view_on_a_small_screen(
    qtbot, make_window, demo_ctx, monkeypatch
):
    from datetime import date

    from PySide6.QtCore import QRect

    from escape_desktop.ui.app import main_window

    # A 1024x768 hall laptop (less its taskbar): today's column is far to the right.
    monkeypatch.setattr(
        main_window.MainWindow, "available_geometry", lambda self: QRect(0, 0, 1024, 728)
    )
    window = make_window(demo_ctx, date(2026, 11, 27))  # session 6 of the running course
    qtbot.waitExposed(window)
    settle()
    table = window.course_view.register.table
    current = table.currentIndex()
    assert current.isValid() and current.column() > 0
    # The instructor sees the cell the first key will mark, without scrolling to find it.
    assert table.viewport().rect().intersects(table.visualRect(current))


def test_todays_column_stays_in_view_when_the_window_shrinks_to_the_screen(
    qtbot, make_window, demo_ctx
):
    from datetime import date

    window = make_window(demo_ctx, date(2026, 11, 27))  # opens on session 6 of the course
    qtbot.waitExposed(window)
    window.resize(1900, 1000)
    settle()
    table = window.course_view.register.table
    current = table.currentIndex()
    assert current.isValid() and current.column() > 0
    window.resize(1000, 700)  # maximised on a 1024x768 laptop, after the class day opened
    settle()
    assert table.viewport().rect().intersects(table.visualRect(current))


def test_register_help_names_the_apologies_key_the_screen_names():
    from escape_desktop.ui.app.help_dialog import page_text

    # The register's own hint says "S apologies sent"; the guide said "L for apologies".
    text = " ".join(page_text("register").split())
    assert "S for sent apologies" in text and "L for apologies" not in text
