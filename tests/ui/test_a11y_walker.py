"""Walk every screen and dialog as a screen reader and a keyboard would (issue 24, 7a).

Through QAccessible: each control that takes the keyboard has a name and a role; each table
says what its columns are. By Tab alone: the focus visits every enabled control and comes
back round to where it started (no trap).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtGui import QAccessible
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractScrollArea,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QDialog,
    QMessageBox,
    QPushButton,
    QRadioButton,
    QTabBar,
    QTextEdit,
    QWidget,
    QWizard,
)
from qt_wait import settle

from escape_desktop.ui.common import keyboard

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints", "raise", "grabbing")

R = QAccessible.Role
# Roles a person acts on: each must say what it is.
INTERACTIVE = {
    R.Button, R.CheckBox, R.RadioButton, R.ComboBox, R.EditableText, R.SpinBox, R.Slider,
    R.Table, R.List, R.Tree, R.PageTabList, R.ButtonMenu, R.ButtonDropDown, R.Link,
}  # fmt: skip


def tab_stops(window: QWidget) -> list[QWidget]:
    """The controls Tab should reach: shown, enabled, taking focus by Tab."""
    stops = []
    for w in window.findChildren(QWidget):
        if (
            w.isVisible()
            and w.isEnabled()
            and w.window() is window
            and w.focusPolicy() & Qt.FocusPolicy.TabFocus
            and w.focusProxy() is None
            and w.objectName() != "qt_scrollarea_viewport"
        ):
            stops.append(w)
    return stops


def describe(w: QWidget) -> str:
    text = getattr(w, "text", None)
    label = text() if callable(text) else ""
    return f"{type(w).__name__}({w.objectName() or label!r})"


def is_scroll_frame(w: QWidget) -> bool:
    """A scroll area round a form or chart (not a list or table)."""
    return isinstance(w, QAbstractScrollArea) and not isinstance(w, QAbstractItemView | QTextEdit)


def unnamed(window: QWidget, frames: bool = False) -> list[str]:
    """Interactive widgets a screen reader would announce with no name.

    The text box inside an editable combo box is heard as the combo box, by its name.
    ``frames``: only the scroll areas round forms and charts, which are checked on their own.
    """
    found = []
    for w in [window, *window.findChildren(QWidget)]:
        if not w.isVisible() or w.window() is not window:
            continue
        if is_scroll_frame(w) != frames:
            continue
        if isinstance(w.parentWidget(), QComboBox | QAbstractSpinBox):
            w = w.parentWidget()
        node = QAccessible.queryAccessibleInterface(w)
        if node is None or not node.isValid():
            found.append(f"{describe(w)} has no accessible interface")
            continue
        takes_keys = bool(w.focusPolicy() & Qt.FocusPolicy.TabFocus) and w.isEnabled()
        if node.role() in INTERACTIVE or (takes_keys and w.focusProxy() is None):
            if not node.text(QAccessible.Text.Name).strip():
                found.append(f"{describe(w)} role {node.role().name}")
    return found


def headless_tables(window: QWidget) -> list[str]:
    """Tables whose columns have no header a screen reader can read."""
    found = []
    for view in window.findChildren(QAbstractItemView):
        if not view.isVisible() or view.model() is None:
            continue
        node = QAccessible.queryAccessibleInterface(view)
        if node is None or node.role() != R.Table:
            continue
        headers = [
            node.child(i)
            for i in range(node.childCount())
            if node.child(i) is not None and node.child(i).role() == R.ColumnHeader
        ]
        if not headers or not any(h.text(QAccessible.Text.Name) for h in headers):
            found.append(describe(view))
    return found


def tab_round(qtbot, window: QWidget) -> tuple[list[QWidget], list[QWidget]]:  # type: ignore[no-untyped-def]
    """Press Tab from the first stop until the focus comes back; (visited, missed)."""
    stops = tab_stops(window)
    assert stops, f"nothing in {describe(window)} takes the keyboard"
    start = QApplication.focusWidget()
    if start is None or start.window() is not window:
        start = stops[0]
        start.setFocus(Qt.FocusReason.TabFocusReason)
    visited = [start]
    for _ in range(len(stops) * 3 + 10):
        focus = QApplication.focusWidget()
        assert focus is not None
        if isinstance(focus, QAbstractItemView) and keyboard.tab_moves_between_cells(focus):
            # A grid that takes Tab for its cells (the circuit) is left with Ctrl+Tab.
            qtbot.keyClick(focus, Qt.Key.Key_Tab, Qt.KeyboardModifier.ControlModifier)
        else:
            qtbot.keyClick(focus, Qt.Key.Key_Tab)
        now = QApplication.focusWidget()
        if now is start and len(visited) > 1:
            break
        if now is not visited[-1]:  # a date box takes Tab for its day, month, then year
            visited.append(now)
    else:
        stuck = visited[-3:]
        pytest.fail(f"Tab never came back round in {describe(window)}: ends in {stuck}")
    missed = [w for w in stops if w not in visited and not _reached_as_group(w, visited)]
    return visited, missed


def _reached_as_group(w: QWidget, visited: list[QWidget]) -> bool:
    """Tab stops once on a group of radio buttons; the arrows choose within it."""
    if isinstance(w, QWidget) and any(v.focusProxy() is w for v in visited):
        return True
    if not isinstance(w, QRadioButton):
        return False
    group = w.group()
    return any(
        isinstance(v, QRadioButton)
        and (v.group() is group if group is not None else v.parentWidget() is w.parentWidget())
        for v in visited
    )


QT_PARTS = {
    "qt_tableview_cornerbutton",
    "qt_spinbox_lineedit",
    "ScrollLeftButton",
    "ScrollRightButton",
}


def out_of_reach(window: QWidget) -> list[str]:
    """Controls one can click but never reach by Tab (their focus policy leaves Tab out)."""
    found = []
    for w in window.findChildren(QWidget):
        if not w.isVisible() or not w.isEnabled() or w.window() is not window:
            continue
        if w.objectName() in QT_PARTS or isinstance(w.parentWidget(), QComboBox | QAbstractSpinBox):
            continue
        if isinstance(w, QAbstractButton) and isinstance(w.parentWidget(), QTabBar):
            continue  # the tab bar's own scroll arrows; arrows keys scroll it
        if isinstance(w, QAbstractItemView) and w.focusProxy() is not None:
            continue
        node = QAccessible.queryAccessibleInterface(w)
        if node is None or node.role() not in INTERACTIVE or node.role() == R.PageTabList:
            continue
        if not w.focusPolicy() & Qt.FocusPolicy.TabFocus and w.focusProxy() is None:
            found.append(describe(w))
    return found


def out_of_order(window: QWidget, visited: list[QWidget]) -> list[str]:
    """Steps where Tab goes back up the page to something not to the right: not reading order.

    Going on to a column further right, or round from the last control to the first, is
    reading order; going back up to the left (or straight up) is not.
    """

    def page(w: QWidget) -> QWidget:
        """What ``w`` is laid out on: the nearest scrolled content, or the window."""
        cur = w.parentWidget()
        while cur is not None and cur is not window:
            area = cur.parentWidget().parentWidget() if cur.parentWidget() is not None else None
            if isinstance(area, QAbstractScrollArea) and cur.parentWidget() is area.viewport():
                return cur
            cur = cur.parentWidget()
        return window

    def at(w: QWidget) -> QRect:
        return QRect(w.mapTo(page(w), QPoint(0, 0)), w.size())

    stops = [w for w in visited if not is_scroll_frame(w)]  # the frames are being taken out
    if not stops:
        return []
    backwards = []
    for a, b in zip(stops, stops[1:] + stops[:1], strict=True):  # the whole round
        if page(a) is not page(b):
            continue  # into or out of a scrolled part: positions on different pages
        ra, rb = at(a), at(b)
        if rb.bottom() < ra.top() and rb.left() < ra.right():
            backwards.append((ra.top() - rb.top(), f"{describe(a)} then {describe(b)} above it"))
    backwards.sort(reverse=True)
    return [text for _jump, text in backwards[1:]]  # the longest jump up is the round's wrap


def twice_used_alt_letters(window: QWidget) -> list[str]:
    """Alt+letter used by two controls (or a control and a menu) shown together."""
    import re

    from PySide6.QtWidgets import QGroupBox, QLabel, QMainWindow, QTabWidget

    def letter(text: str) -> str | None:
        found = re.search(r"&([^&\s])", text.replace("&&", ""))
        return found.group(1).lower() if found else None

    texts: list[str] = []
    if isinstance(window, QMainWindow):
        texts += [a.text() for a in window.menuBar().actions()]
    for w in window.findChildren(QWidget):
        if not w.isVisible() or w.window() is not window:
            continue
        if isinstance(w, QAbstractButton):
            texts.append(w.text())
        elif isinstance(w, QLabel) and w.buddy() is not None:
            texts.append(w.text())
        elif isinstance(w, QGroupBox):
            texts.append(w.title())
        elif isinstance(w, QTabWidget):
            texts += [w.tabText(i) for i in range(w.count())]
    seen: dict[str, list[str]] = {}
    for text in texts:
        if (key := letter(text)) is not None:
            seen.setdefault(key, []).append(text)
    return [f"Alt+{k.upper()} for {v}" for k, v in seen.items() if len(v) > 1]


def walk(qtbot, window: QWidget, what: str) -> list[str]:  # type: ignore[no-untyped-def]
    problems = [f"{what}: unnamed {u}" for u in unnamed(window)]
    problems += [f"{what}: {t}" for t in twice_used_alt_letters(window)]
    problems += [f"{what}: Tab can never reach {u}" for u in out_of_reach(window)]
    problems += [f"{what}: table without headers {t}" for t in headless_tables(window)]
    # In a dialog, Enter presses the default button (Save, Export...), wherever Tab has been.
    default = (
        [b for b in window.findChildren(QPushButton) if b.isDefault() and b.isVisible()]
        if isinstance(window, QDialog)
        else []
    )
    visited, missed = tab_round(qtbot, window)
    problems += [f"{what}: Tab never reaches {describe(m)}" for m in missed]
    if True:  # every window
        problems += [
            f"{what}: Tab out of reading order: {o}" for o in out_of_order(window, visited)
        ]
    if QApplication.focusWidget() is not None and QApplication.focusWidget().window() is window:
        QApplication.focusWidget().clearFocus()  # as when the focus is in a text box again
    after = [b for b in window.findChildren(QPushButton) if b.isDefault() and b.isVisible()]
    if default and after[:1] != default[:1]:
        problems.append(
            f"{what}: once Tab passed the buttons, Enter presses "
            f"{describe(after[0]) if after else 'nothing'}, not {describe(default[0])}"
        )
    return problems


def activate(qtbot, window: QWidget) -> None:  # type: ignore[no-untyped-def]
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=3000)


@pytest.fixture
def on_open(monkeypatch):  # type: ignore[no-untyped-def]
    """Dialogs run ``on_open[0](dialog)`` instead of blocking; message boxes answer at once."""
    hook: list = [lambda _d: None]

    def exec_(self):  # type: ignore[no-untyped-def]
        self.show()
        hook[0](self)
        return 0

    monkeypatch.setattr(QDialog, "exec", exec_)
    for name in ("information", "warning", "critical", "about"):
        monkeypatch.setattr(QMessageBox, name, lambda *a, **k: QMessageBox.StandardButton.Ok)
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.No)
    return hook


def test_every_main_screen_is_named_has_headers_and_tabs_round(
    qtbot, demo_ctx, demo_today, make_window
) -> None:  # type: ignore[no-untyped-def]
    window = make_window(demo_ctx, demo_today)
    qtbot.waitUntil(lambda: window.is_ready)
    activate(qtbot, window)
    problems = []
    for index in range(4):
        window.course_view.show_section(index)
        settle()
        problems += walk(qtbot, window, f"section {index + 1}")
    assert not problems, "\n".join(problems)


def test_the_welcome_page_is_named_and_tabs_round(qtbot, ctx, demo_today, make_window) -> None:  # type: ignore[no-untyped-def]
    window = make_window(ctx, demo_today)
    qtbot.waitUntil(lambda: window.is_ready)
    activate(qtbot, window)
    assert walk(qtbot, window, "welcome") == []


def open_course_with_room(window) -> None:  # type: ignore[no-untyped-def]
    """A running course with places left, so enrol and import can add someone."""
    row = next(r for r in window.courses.model.rows if r.participants < r.capacity)
    window.open_course(row.id)


DIALOG_ACTIONS = (
    "new_course_action", "settings_action", "find_action", "enrol_action", "edit_course_action",
    "edit_session_action", "week_action", "keys_action", "import_action",
)  # fmt: skip


def test_every_dialog_and_wizard_page_is_named_and_tabs_round(
    qtbot, demo_ctx, demo_today, make_window, on_open, monkeypatch, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    from escape_desktop.ui.common import file_dialogs
    from escape_desktop.ui.safety import safety_menu

    referrals = tmp_path / "referrals.csv"
    referrals.write_text(
        "first_name,last_name,date_of_birth,consent_programme\nAlex,Demo-Import,1950-01-02,yes\n",
        encoding="utf-8",
    )
    monkeypatch.setattr(file_dialogs, "open_file", lambda *a, **k: str(referrals))
    window = make_window(demo_ctx, demo_today)
    qtbot.waitUntil(lambda: window.is_ready)
    open_course_with_room(window)
    actions = [getattr(window, name) for name in DIALOG_ACTIONS]
    c = safety_menu.controller(window)
    assert c is not None
    actions += [c.backups_action, c.audit_action, c.retention_action, c.encrypt_action]
    actions.append(window.export_action)
    problems: list[str] = []
    walked: list[str] = []

    def look(dialog: QDialog) -> None:
        name = f"{type(dialog).__name__}"
        walked.append(name)
        activate(qtbot, dialog)
        problems.extend(walk(qtbot, dialog, name))
        if isinstance(dialog, QWizard):
            while dialog.currentId() != dialog.pageIds()[-1] and dialog.validateCurrentPage():
                dialog.next()
                problems.extend(
                    walk(qtbot, dialog, f"{name} page {dialog.currentPage().title()!r}")
                )
        dialog.hide()

    on_open[0] = look
    for action in actions:
        before = len(walked)
        action.trigger()
        qtbot.waitUntil(lambda b=before: len(walked) > b, timeout=3000)
    assert len(walked) == len(actions)
    assert not problems, "\n".join(problems)


def test_the_passphrase_boxes_of_unlock_restore_and_lock_have_names(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from escape_desktop.ui.app.restore_flow import RestoreDialog
    from escape_desktop.ui.safety.passphrase_dialog import UnlockDialog

    backup = tmp_path / "backup.escape"
    backup.write_bytes(b"\0" * 64)  # not plain SQLite: it asks for the passphrase
    unlock = UnlockDialog(tmp_path)
    restore = RestoreDialog(backup)
    for dialog in (unlock, restore):
        qtbot.addWidget(dialog)
    # Named in their own right, not only by a placeholder that disappears as one types.
    assert unlock.passphrase.accessibleName() == "Passphrase"
    assert "Passphrase" in restore.passphrase.accessibleName()
    assert restore.recovery.accessibleName() == "Recovery key"
    for dialog in (unlock, restore):
        dialog.show()
        activate(qtbot, dialog)
        assert walk(qtbot, dialog, type(dialog).__name__) == []


def test_no_scroll_area_round_a_form_takes_focus_unnamed(
    qtbot, demo_ctx, demo_today, make_window, on_open
) -> None:  # type: ignore[no-untyped-def]
    window = make_window(demo_ctx, demo_today)
    qtbot.waitUntil(lambda: window.is_ready)
    problems = []
    for index in range(4):
        window.course_view.show_section(index)
        problems += unnamed(window, frames=True)
    found: list[QDialog] = []
    on_open[0] = found.append
    for action in (window.settings_action, window.enrol_action, window.export_action):
        action.trigger()
        problems += unnamed(found[-1], frames=True)
        found[-1].hide()
    assert not problems, "\n".join(problems)


def test_tab_reaches_the_controls_it_never_reached(
    qtbot, demo_ctx, demo_today, make_window, on_open, monkeypatch, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    """Section tabs, the circuit, the measures form, the import's Add, the export's buttons."""
    from escape_desktop.ui.common import file_dialogs

    referrals = tmp_path / "referrals.csv"
    referrals.write_text(
        "first_name,last_name,date_of_birth,consent_programme\nAlex,Demo-Import,1950-01-02,yes\n",
        encoding="utf-8",
    )
    monkeypatch.setattr(file_dialogs, "open_file", lambda *a, **k: str(referrals))
    window = make_window(demo_ctx, demo_today)
    qtbot.waitUntil(lambda: window.is_ready)
    open_course_with_room(window)
    activate(qtbot, window)
    view = window.course_view
    view.show_section(0)
    visited, _ = tab_round(qtbot, window)
    for w in (view.tabs.tabBar(), view.register.table, view.register.enrol_button):
        assert w in visited, f"Tab never reaches {describe(w)}"
    circuit = view.section(1)
    view.show_section(1)
    visited, _ = tab_round(qtbot, window)
    assert circuit.table in visited
    assert [w for w in visited if circuit.isAncestorOf(w) and w is not circuit.table], (
        "Tab never gets past the circuit grid"
    )
    measures = view.section(2)
    view.show_section(2)
    visited, _ = tab_round(qtbot, window)
    form = measures.entry.form_host
    fields = [w for w in form.findChildren(QWidget) if w.isVisible() and w in tab_stops(window)]
    assert fields and all(f in visited for f in fields), "Tab never reaches the measures form"
    seen: dict[str, list[QWidget]] = {}

    def look(dialog: QDialog) -> None:
        activate(qtbot, dialog)
        seen[type(dialog).__name__] = tab_round(qtbot, dialog)[0]
        dialog.hide()

    on_open[0] = look
    window.import_action.trigger()
    window.export_action.trigger()
    qtbot.waitUntil(lambda: len(seen) == 2, timeout=3000)
    dialogs = {
        type(d).__name__: d for d in QApplication.topLevelWidgets() if isinstance(d, QDialog)
    }
    imp, exp = dialogs["ImportDialog"], dialogs["ExportDialog"]
    assert imp.add_button.isEnabled() and imp.add_button in seen["ImportDialog"]
    assert exp.browse in seen["ExportDialog"]
    assert exp.export_button in seen["ExportDialog"] or not exp.export_button.isEnabled()


def shown_dialogs() -> list[QDialog]:
    return [w for w in QApplication.topLevelWidgets() if isinstance(w, QDialog) and w.isVisible()]


def test_the_dialogs_a_screen_opens_are_named_and_tab_round(
    qtbot, demo_ctx, demo_today, make_window, on_open
) -> None:  # type: ignore[no-untyped-def]
    """Details, withdraw, move, session, stations, progress, measures chosen, print preview."""
    window = make_window(demo_ctx, demo_today)
    qtbot.waitUntil(lambda: window.is_ready)
    open_course_with_room(window)
    view = window.course_view
    reg = view.register
    reg.table.setCurrentIndex(reg.model.index(0, reg.model.today_column() or 3))
    circuit, measures, documents = view.section(1), view.section(2), view.section(3)
    problems: list[str] = []
    walked: list[str] = []

    def look(dialog: QDialog) -> None:
        walked.append(type(dialog).__name__)
        activate(qtbot, dialog)
        problems.extend(walk(qtbot, dialog, type(dialog).__name__))
        dialog.hide()

    on_open[0] = look
    buttons = [
        (0, reg.edit_button), (0, reg.withdraw_button), (0, reg.move_button),
        (0, reg.session_button), (1, circuit.stations_button), (1, circuit.history_button),
        (2, measures.choose_button), (3, documents.print_button),
    ]  # fmt: skip
    for section, button in buttons:
        view.show_section(section)
        qtbot.waitUntil(button.isVisible)
        before = len(walked)
        if button.isEnabled():
            button.click()
            if len(walked) == before:  # opened with open() or show(), not exec()
                qtbot.waitUntil(lambda: bool(shown_dialogs()), timeout=10000)
                for dialog in shown_dialogs():
                    look(dialog)
                    dialog.close()
    assert len(walked) == 8, walked
    assert not problems, "\n".join(problems)


def test_the_walker_sees_a_tab_order_that_is_not_the_reading_order(qtbot) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtWidgets import QLineEdit, QVBoxLayout

    dialog = QDialog()
    qtbot.addWidget(dialog)
    layout = QVBoxLayout(dialog)
    edits = [QLineEdit(dialog) for _ in range(4)]
    for i, e in enumerate(edits):
        e.setAccessibleName(f"Box {i + 1}")
        layout.addWidget(e)
    dialog.show()
    activate(qtbot, dialog)
    edits[0].setFocus()
    assert walk(qtbot, dialog, "in order") == []
    QWidget.setTabOrder(edits[0], edits[2])  # 1, 3, 2, 4: back up from 3 to 2
    QWidget.setTabOrder(edits[2], edits[1])
    QWidget.setTabOrder(edits[1], edits[3])
    edits[0].setFocus()
    assert [p for p in walk(qtbot, dialog, "shuffled") if "reading order" in p]
