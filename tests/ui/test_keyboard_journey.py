"""A course run from the keyboard alone (issue 24, 7b).

Every change is made by key presses sent to whatever has the focus (QTest.keyClick and
keyClicks on QApplication.focusWidget()), never by calling the app's methods. Only the
system's file dialogs are answered in code: they are the operating system's, not the app's.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QDialog, QMessageBox, QWidget

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints", "raise", "grabbing")

CLASS_DAY = date(2026, 11, 27)  # KH-2026-002's sixth session in the demo: a class being held
C = Qt.KeyboardModifier.ControlModifier
A = Qt.KeyboardModifier.AltModifier
S = Qt.KeyboardModifier.ShiftModifier


def focus() -> QWidget:
    popup = QApplication.activePopupWidget()
    if popup is not None:  # an open menu takes the keys
        return popup
    if QApplication.focusWidget() is None:  # a dialog just closed: the window takes the keys back
        for _ in range(200):
            QTest.qWait(10)
            if QApplication.focusWidget() is not None:
                break
    widget = QApplication.focusWidget()
    assert widget is not None, "nothing has the keyboard"
    return widget


def key(k: Qt.Key, mods: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier) -> None:
    QTest.keyClick(focus(), k, mods)


def type_(text: str) -> None:
    QTest.keyClicks(focus(), text)


def tab_to(qtbot, want: Callable[[QWidget], bool], limit: int = 60) -> QWidget:  # type: ignore[no-untyped-def]
    """Press Tab until the focus is on a widget ``want`` accepts."""
    for _ in range(limit):
        if want(focus()):
            return focus()
        key(Qt.Key.Key_Tab)
    pytest.fail(f"Tab never reached it; the focus is on {focus()!r}")


def count(ctx, sql: str) -> int:  # type: ignore[no-untyped-def]
    with ctx.db.raw_read() as conn:
        return int(conn.execute(sql).fetchone()[0])


def rows(ctx, table: str) -> list[tuple]:  # type: ignore[no-untyped-def]
    with ctx.db.raw_read() as conn:
        return conn.execute(f"SELECT * FROM {table} ORDER BY id").fetchall()


@pytest.fixture
def dialogs(qtbot, monkeypatch):  # type: ignore[no-untyped-def]
    """Each dialog, when it opens, is handed to the handler for its class (keys only)."""
    handlers: dict[str, Callable[[QDialog], None]] = {}
    opened: list[str] = []

    def exec_(self):  # type: ignore[no-untyped-def]
        name = type(self).__name__
        opened.append(name)
        self.show()
        self.activateWindow()
        qtbot.waitUntil(lambda: QApplication.focusWidget() is not None and focus().window() is self)
        handler = handlers.get(name)
        assert handler is not None, f"{name} opened and nobody expected it"
        handler(self)
        self.hide()
        parent = self.parentWidget()
        if parent is not None:  # as the system does when a dialog closes
            parent.window().activateWindow()
        return self.result()

    monkeypatch.setattr(QDialog, "exec", exec_)
    for name in ("information", "warning", "critical", "question"):
        monkeypatch.setattr(QMessageBox, name, lambda *a, **k: QMessageBox.StandardButton.Ok)
    handlers["__opened__"] = opened  # type: ignore[assignment]
    return handlers


def test_a_course_run_from_the_keyboard_alone(
    qtbot, demo_ctx, make_window, dialogs, monkeypatch, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    from escape_desktop.ui.common import file_dialogs

    referrals = tmp_path / "referrals.csv"
    referrals.write_text(
        "first_name,last_name,date_of_birth,consent_programme\n"
        "Ada,Demo-Keys,1951-05-06,yes\nBill,Demo-Keys,1949-01-02,yes\n",
        encoding="utf-8",
    )
    monkeypatch.setattr(file_dialogs, "open_file", lambda *a, **k: str(referrals))
    saved: list[Path] = []

    def save_file(_parent, _data_dir, _title, suggested, *_a, **_k):  # type: ignore[no-untyped-def]
        path = tmp_path / Path(str(suggested)).name
        saved.append(path)
        return str(path)

    monkeypatch.setattr(file_dialogs, "save_file", save_file)
    window = make_window(demo_ctx, CLASS_DAY)
    qtbot.waitUntil(lambda: window.is_ready)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    courses = count(demo_ctx, "SELECT count(*) FROM courses")

    # 1. A new course: Ctrl+N, then the wizard by Enter and typing.
    def wizard(w: QDialog) -> None:
        key(Qt.Key.Key_Return)  # the programme suggested
        qtbot.waitUntil(lambda: w.currentId() == 1)
        type_("Demo Keyboard Hall")  # the venue box has the focus, its text chosen
        key(Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: w.currentId() == 2)
        key(Qt.Key.Key_Return)  # Create course

    dialogs["CourseWizard"] = wizard
    key(Qt.Key.Key_N, C)
    assert count(demo_ctx, "SELECT count(*) FROM courses") == courses + 1
    assert (
        count(
            demo_ctx,
            "SELECT count(*) FROM courses JOIN venues ON venues.id = venue_id WHERE venues.name = 'Demo Keyboard Hall'",
        )
        == 1
    )
    new_course = window.current_course_id()

    # 2. The referral list: Ctrl+I, the system's file dialog gives the file, Tab to Add.
    def importer(d: QDialog) -> None:
        qtbot.waitUntil(lambda: d.add_button.isEnabled(), timeout=5000)
        tab_to(qtbot, lambda w: w is d.add_button)
        key(Qt.Key.Key_Space)

    dialogs["ImportDialog"] = importer
    key(Qt.Key.Key_I, C)
    enrolled = count(demo_ctx, f"SELECT count(*) FROM enrolments WHERE course_id = {new_course}")
    assert enrolled == 2

    # 3. Today's class (Ctrl+T) opens on its register: P marks the first person present.
    key(Qt.Key.Key_T, C)
    reg = window.course_view.register
    qtbot.waitUntil(reg.table.hasFocus)
    person = reg.current_row()
    session = reg.current_session_id()
    assert person is not None and session is not None
    before = count(
        demo_ctx,
        f"SELECT count(*) FROM attendance WHERE enrolment_id = {person.enrolment_id} "
        f"AND session_id = {session} AND mark = 'present'",
    )
    key(Qt.Key.Key_P)
    after = count(
        demo_ctx,
        f"SELECT count(*) FROM attendance WHERE enrolment_id = {person.enrolment_id} "
        f"AND session_id = {session} AND mark = 'present'",
    )
    assert (before, after) == (0, 1)

    # 4. The circuit (Ctrl+2): Tab to the grid, type a dose, Enter saves it.
    records = count(demo_ctx, "SELECT count(*) FROM exercise_records")
    key(Qt.Key.Key_2, C)
    circuit = window.course_view.section(1)
    qtbot.waitUntil(circuit.isVisible)
    tab_to(qtbot, lambda w: w is circuit.table)
    type_("9")
    for _ in range(3):  # done, pain, effort: Enter moves on, then saves the cell
        key(Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: count(demo_ctx, "SELECT count(*) FROM exercise_records") > records)
    key(Qt.Key.Key_Escape)

    # 5. The measures (Ctrl+3): Tab to the form, type a value, Ctrl+S saves.
    assessments = rows(demo_ctx, "assessments")
    key(Qt.Key.Key_3, C)
    measures = window.course_view.section(2)
    qtbot.waitUntil(measures.isVisible)
    host = measures.entry.form_host
    # A box with nothing in it yet (replacing a value asks first).
    tab_to(
        qtbot,
        lambda w: (
            host.isAncestorOf(w) and w.metaObject().className() == "QLineEdit" and not w.text()
        ),  # type: ignore[attr-defined]
    )
    type_("5")
    key(Qt.Key.Key_S, C)
    qtbot.waitUntil(lambda: rows(demo_ctx, "assessments") != assessments)

    # 6. A document (Ctrl+4): Tab to Save PDF, Space; the system's save dialog names the file.
    key(Qt.Key.Key_4, C)
    documents = window.course_view.section(3)
    qtbot.waitUntil(documents.isVisible)
    if documents.open_check.isChecked():  # no PDF viewer here: do not open it when ready
        tab_to(qtbot, lambda w: w is documents.open_check)
        key(Qt.Key.Key_Space)
    assert not documents.open_check.isChecked()
    tab_to(qtbot, lambda w: w is documents.save_button)
    key(Qt.Key.Key_Space)
    qtbot.waitUntil(
        lambda: bool(saved) and saved[-1].is_file() and saved[-1].stat().st_size > 0, timeout=20000
    )
    assert saved[-1].read_bytes().startswith(b"%PDF")

    # 7. The upload (File menu by Alt+F, then E): type where to save it, Enter exports.
    upload = tmp_path / "upload.csv"

    def exporter(d: QDialog) -> None:
        tab_to(qtbot, lambda w: w is d.path)
        key(Qt.Key.Key_A, C)
        type_(str(upload))
        key(Qt.Key.Key_Return)  # Export is the default, after Tab has passed Choose… too
        qtbot.waitUntil(upload.is_file, timeout=20000)
        qtbot.waitUntil(lambda: d._job is None, timeout=20000)
        key(Qt.Key.Key_Escape)

    dialogs["ExportDialog"] = exporter

    key(Qt.Key.Key_F, A)
    qtbot.waitUntil(lambda: QApplication.activePopupWidget() is not None)
    key(Qt.Key.Key_E)
    assert upload.is_file() and upload.stat().st_size > 0

    # 8. A backup (Data menu by Alt+D; its first entry, Back up now, by Enter).
    from escape_desktop.db.backup import backups_dir, list_backups

    made = len(list_backups(backups_dir(demo_ctx.data_dir)))

    def backups(d: QDialog) -> None:
        qtbot.waitUntil(
            lambda: len(list_backups(backups_dir(demo_ctx.data_dir))) > made, timeout=20000
        )
        key(Qt.Key.Key_Escape)

    dialogs["BackupsDialog"] = backups
    key(Qt.Key.Key_D, A)
    qtbot.waitUntil(lambda: QApplication.activePopupWidget() is not None)
    key(Qt.Key.Key_Return)
    assert len(list_backups(backups_dir(demo_ctx.data_dir))) == made + 1
