"""Keyboard rules every window shares: Tab leaves read-only tables, Ctrl+Tab editable grids."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QAbstractButton, QAbstractItemView, QApplication

from escape_desktop.i18n import _

FILTER_NAME = "escape_keyboard_rules"
_TAB_KEYS = (Qt.Key.Key_Tab, Qt.Key.Key_Backtab)


def tab_moves_between_cells(view: QAbstractItemView) -> bool:
    """Tab stays inside a view only to go from one cell that can be typed in to the next.

    Qt's tables move Tab from cell to cell by default, so Tab never left a read-only table
    (and in the course list each row it passed opened another course). Arrows move inside;
    Tab goes on to the next control. Editable grids (the circuit) keep Tab between cells.
    """
    if not view.tabKeyNavigation():
        return False
    index = view.currentIndex()
    return index.isValid() and bool(index.flags() & Qt.ItemFlag.ItemIsEditable)


def _name_qt_parts(obj: QObject) -> None:
    """Name the buttons Qt adds by itself, which a screen reader would read as "button"."""
    if (
        isinstance(obj, QAbstractButton)
        and obj.objectName() == "qt_tableview_cornerbutton"
        and not obj.accessibleName()
    ):
        obj.setAccessibleName(_("Select all"))


_POLISH = QEvent.Type.Polish
_KEY_PRESS = QEvent.Type.KeyPress


class KeyboardRules(QObject):
    """An application event filter applying the shared keyboard rules to every window."""

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.setObjectName(FILTER_NAME)
        self._resending = False

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        # Every event of the application passes here: a type check in Python costs about as
        # much as the call, and asking an event's type makes a Python enum each time, so the
        # cheap isinstance tests decide first. The buttons Qt adds are named as they are
        # polished; of the key events, only presses are acted on.
        if not isinstance(event, QKeyEvent):
            if isinstance(obj, QAbstractButton) and event.type() == _POLISH:
                _name_qt_parts(obj)
            return False
        if event.type() != _KEY_PRESS:
            return False
        if self._leave_grid(obj, event):
            return True
        if (
            self._resending
            or not isinstance(obj, QAbstractItemView)
            or not isinstance(event, QKeyEvent)
            or event.key() not in _TAB_KEYS
            or event.modifiers()
            & (Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier)
            or not obj.tabKeyNavigation()
            or tab_moves_between_cells(obj)
        ):
            return False
        # The same key again, with cell-to-cell Tab off for it: the focus moves on.
        obj.setTabKeyNavigation(False)
        self._resending = True
        try:
            again = QKeyEvent(event.type(), event.key(), event.modifiers(), event.text())
            QApplication.sendEvent(obj, again)
        finally:
            self._resending = False
            obj.setTabKeyNavigation(True)
        return True

    def _leave_grid(self, obj: QObject, event: QEvent) -> bool:
        """Ctrl+Tab (Ctrl+Shift+Tab back) leaves a grid where Tab goes from cell to cell.

        An editable grid (the circuit) keeps Tab for its cells; this is the way out that a
        keyboard user needs (as Qt's text boxes that take Tab do), so no grid is a trap.
        """
        if (
            event.type() != QEvent.Type.KeyPress
            or not isinstance(obj, QAbstractItemView)
            or not isinstance(event, QKeyEvent)
            or event.key() not in _TAB_KEYS
            or not event.modifiers() & Qt.KeyboardModifier.ControlModifier
            or not obj.tabKeyNavigation()
        ):
            return False
        back = event.key() == Qt.Key.Key_Backtab or bool(
            event.modifiers() & Qt.KeyboardModifier.ShiftModifier
        )
        target = obj.previousInFocusChain() if back else obj.nextInFocusChain()
        while target is not None and target is not obj:
            if (
                target.isVisible()
                and target.isEnabled()
                and target.focusPolicy() & Qt.FocusPolicy.TabFocus
                and not obj.isAncestorOf(target)
                and target.window() is obj.window()
            ):
                target.setFocus(
                    Qt.FocusReason.BacktabFocusReason if back else Qt.FocusReason.TabFocusReason
                )
                return True
            target = target.previousInFocusChain() if back else target.nextInFocusChain()
        return False


def install(app: QApplication | None = None) -> None:
    """Apply the rules to the whole application (once)."""
    app = app or QApplication.instance()  # type: ignore[assignment]
    if isinstance(app, QApplication) and app.findChild(KeyboardRules, FILTER_NAME) is None:
        app.installEventFilter(KeyboardRules(app))
