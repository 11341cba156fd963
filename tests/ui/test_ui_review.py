"""Things that tripped up a first instructor using the app by mouse and keyboard."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QDataStream, Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QPushButton, QWizard
from qt_wait import settle

from escape_desktop.services.demo import generate_demo
from escape_desktop.ui.app.main_window import MainWindow
from escape_desktop.ui.common import style
from escape_desktop.ui.people.participant_dialog import ParticipantDialog

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")


def catch_dialogs(window: MainWindow) -> list:
    """The dialogs the window opens, each closed at once instead of run modally."""
    opened: list = []

    def run(dialog) -> None:
        opened.append(dialog)
        dialog.reject()

    window._open_dialog = run  # type: ignore[method-assign]
    return opened


def test_enter_on_the_focused_welcome_button_opens_the_wizard(qtbot, make_window, ctx, demo_today):
    window = make_window(ctx, demo_today)
    opened = catch_dialogs(window)
    window.welcome.create_button.setFocus()
    qtbot.keyClick(window.welcome.create_button, Qt.Key.Key_Return)
    assert len(opened) == 1 and isinstance(opened[0], QWizard)


def test_enrol_dialog_says_in_plain_sight_why_save_is_greyed_out(qtbot, demo_today):
    dialog = ParticipantDialog(None, lambda _data: None, today=demo_today)
    qtbot.addWidget(dialog)
    dialog.show()
    save = dialog.buttons.button(QDialogButtonBox.StandardButton.Save)
    qtbot.keyClicks(dialog.first_name, "Ada")
    qtbot.keyClicks(dialog.last_name, "Demo")
    dialog.consent_programme.button(1).click()
    assert not save.isEnabled()
    assert dialog.ready_hint.isVisible()
    assert "consent" in dialog.ready_hint.text()
    dialog.consent_share.button(0).click()
    assert save.isEnabled()
    assert dialog.ready_hint.text() == ""
    qtbot.keyClicks(dialog.nhs, "9434765918")
    assert not save.isEnabled()
    assert dialog.messages.currentWidget() is dialog.ready_hint
    assert dialog.ready_hint.isVisible() and "red" in dialog.ready_hint.text()


def darkest(button: QPushButton) -> int:
    image = button.grab().toImage()
    return min(
        QColor(image.pixel(x, y)).lightness()
        for x in range(image.width())
        for y in range(image.height())
    )


def test_a_greyed_out_button_looks_greyed_out_under_the_house_style(qtbot):
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    before = app.styleSheet()
    app.setStyleSheet(style.stylesheet())
    try:
        on, off = QPushButton("Save"), QPushButton("Save")
        off.setEnabled(False)
        for b in (on, off):
            qtbot.addWidget(b)
            b.show()
        # The enabled text is near black; greyed-out text is clearly lighter.
        assert darkest(off) > darkest(on) + 60
    finally:
        app.setStyleSheet(before)


def saved_splitter_sizes(window: MainWindow) -> list[int]:
    """The sizes inside QSplitter.saveState(): marker, version, then the list of sizes."""
    stream = QDataStream(window.settings.value("window/splitter"))
    stream.readInt32(), stream.readInt32()
    return [stream.readInt32() for _ in range(stream.readInt32())]


def test_the_course_list_keeps_the_width_it_had_when_the_app_closed(
    qtbot, make_window, ctx, demo_today
):
    window = make_window(ctx, demo_today)  # first run: the welcome page hides the course list
    window.resize(1366, 768)
    settle()
    generate_demo(ctx, today=demo_today)
    window.courses.reload()
    window.open_course(window.courses.first_course_id())
    qtbot.waitUntil(lambda: window.splitter.sizes()[0] > 300)
    shown = window.splitter.sizes()
    window.close()
    assert saved_splitter_sizes(window) == shown
