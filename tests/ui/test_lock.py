"""A lock that locks (issue 24, 7c): while locked no key, shortcut or screen reader reaches the data."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import ENCRYPTED_DEMO_PASSPHRASE
from PySide6.QtCore import Qt
from PySide6.QtGui import QAccessible
from PySide6.QtWidgets import QApplication, QWidget

from escape_desktop.context import AppContext
from escape_desktop.ui.safety import safety_menu

FAST = 2**12
PASS = "kettle on at half nine"
TABLES = ("attendance", "enrolments", "participants", "sessions", "courses")
pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints", "raise", "grabbing", "window opacity")


@pytest.fixture
def enc_ctx(tmp_path: Path, encrypted_demo_copy) -> Iterator[AppContext]:  # type: ignore[no-untyped-def]
    """The small demo of seed 3 behind a key of passphrase PASS."""
    assert PASS == ENCRYPTED_DEMO_PASSPHRASE
    ctx = AppContext.open(encrypted_demo_copy(tmp_path / "enc"), passphrase=PASS)
    yield ctx
    ctx.close()


def snapshot(ctx: AppContext) -> dict[str, list[tuple]]:
    with ctx.db.raw_read() as conn:
        return {t: conn.execute(f"SELECT * FROM {t} ORDER BY id").fetchall() for t in TABLES}


def accessible_tree(widget: QWidget) -> list[QAccessible.QAccessibleInterface]:  # type: ignore[name-defined]
    """Every node a screen reader can reach from the window, the window itself left out."""
    root = QAccessible.queryAccessibleInterface(widget)
    found = []
    todo = [root.child(i) for i in range(root.childCount())]
    while todo:
        node = todo.pop()
        if node is None or not node.isValid():
            continue
        found.append(node)
        todo.extend(node.child(i) for i in range(node.childCount()))
    return found


def texts(node) -> list[str]:  # type: ignore[no-untyped-def]
    kinds = (QAccessible.Text.Name, QAccessible.Text.Value, QAccessible.Text.Description)
    return [t for t in (node.text(k) for k in kinds) if t]


def focus() -> QWidget:
    widget = QApplication.focusWidget()
    assert widget is not None
    return widget


def test_a_locked_window_ignores_every_key_and_shows_a_screen_reader_only_the_lock(
    qtbot, enc_ctx: AppContext, demo_today, make_window
) -> None:  # type: ignore[no-untyped-def]
    window = make_window(enc_ctx, demo_today)
    qtbot.waitUntil(lambda: window.is_ready)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    reg = window.course_view.register
    names = [r.name for r in reg.model.rows]
    assert names
    # The cursor on a cell that a single key would change: the first person, today's column.
    column = reg.model.today_column()
    assert column is not None
    reg.table.setCurrentIndex(reg.model.index(0, column))
    reg.table.setFocus()
    qtbot.waitUntil(reg.table.hasFocus)
    before = snapshot(enc_ctx)

    qtbot.keyClick(reg.table, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    c = safety_menu.controller(window)
    assert c is not None and c.locked and c.overlay is not None

    # Tab walks only the lock screen; the keys that mark, clear, undo, switch section, enrol,
    # and open menus all change nothing wherever the focus is.
    for _ in range(30):
        qtbot.keyClick(focus(), Qt.Key.Key_Tab)
        assert c.overlay.isAncestorOf(focus()), f"Tab reached {focus()!r} under the lock"
    for _ in range(5):
        qtbot.keyClick(focus(), Qt.Key.Key_Tab)
        for key in (Qt.Key.Key_S, Qt.Key.Key_A, Qt.Key.Key_Space, Qt.Key.Key_Delete):
            qtbot.keyClick(focus(), key)
    for key in ("Ctrl+1", "Ctrl+R", "Ctrl+Z", "Ctrl+E", "Ctrl+Shift+S", "Alt+F", "Alt+C"):
        mods, letter = key.rsplit("+", 1)
        m = Qt.KeyboardModifier.NoModifier
        if "Ctrl" in mods:
            m |= Qt.KeyboardModifier.ControlModifier
        if "Shift" in mods:
            m |= Qt.KeyboardModifier.ShiftModifier
        if "Alt" in mods:
            m |= Qt.KeyboardModifier.AltModifier
        qtbot.keyClick(focus(), getattr(Qt.Key, f"Key_{letter}"), m)
        assert c.overlay.isAncestorOf(focus()), f"{key} took the focus to {focus()!r}"
        for key2 in (Qt.Key.Key_S, Qt.Key.Key_Return):
            qtbot.keyClick(focus(), key2)
        assert c.locked and QApplication.activeModalWidget() is None
    # Nothing under the lock can take a key, even one sent to it (as a stale focus would).
    assert not reg.table.isVisible()
    assert snapshot(enc_ctx) == before

    # A screen reader walking the window finds the lock screen and nothing of the class.
    tree = accessible_tree(window)
    shown = [n for n in tree if not n.state().invisible]
    assert shown, "the lock screen itself is exposed"
    for node in shown:
        obj = node.object()
        assert isinstance(obj, QWidget) and (obj is c.overlay or c.overlay.isAncestorOf(obj)), (
            f"{node.role()} {texts(node)} is exposed while locked"
        )
    everything = " ".join(t for n in tree for t in texts(n))
    assert not [n for n in names if n in everything]
    assert "Passphrase to unlock" in texts(
        QAccessible.queryAccessibleInterface(c.overlay.passphrase)
    )

    # Unlocking gives the window back with the focus where it was.
    c.overlay.passphrase.clear()
    qtbot.keyClicks(c.overlay.passphrase, PASS)
    qtbot.keyClick(c.overlay.passphrase, Qt.Key.Key_Return)
    assert not c.locked
    qtbot.waitUntil(reg.table.isVisible)
    qtbot.waitUntil(reg.table.hasFocus)
    assert reg.table.currentIndex() == reg.model.index(0, column)
    assert window.menuBar().isVisible() and window.menuBar().isEnabled()
    qtbot.keyClick(reg.table, Qt.Key.Key_S)  # and the register answers keys again
    assert snapshot(enc_ctx) != before


def test_a_dialog_open_when_the_lock_comes_is_silent_until_unlock(
    qtbot, enc_ctx: AppContext, demo_today, make_window
) -> None:  # type: ignore[no-untyped-def]
    from escape_desktop.ui.people.withdraw_dialog import WithdrawDialog

    window = make_window(enc_ctx, demo_today)
    qtbot.waitUntil(lambda: window.is_ready)
    name = window.course_view.register.model.rows[0].name
    dialog = WithdrawDialog(window, name)  # open, with a person's name in it, as the lock comes
    dialog.show()
    qtbot.waitExposed(dialog)
    shown = [w for w in dialog.findChildren(QWidget) if w.isVisible()]
    c = safety_menu.controller(window)
    assert c is not None
    c.lock()
    heard = [t for n in accessible_tree(dialog) if not n.state().invisible for t in texts(n)]
    assert not [t for t in heard if name in t], "a screen reader still reads the dialog"
    assert c.unlock(PASS)
    assert dialog.isEnabled() and [
        t for n in accessible_tree(dialog) for t in texts(n) if name in t
    ]
    assert [w for w in dialog.findChildren(QWidget) if w.isVisible()] == shown  # as it was
