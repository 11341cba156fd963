"""Keyboard rules every screen shares: Tab leaves a table unless the cell it is on can be typed in."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QAbstractItemView, QApplication

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


class KeyboardRules(QObject):
    """An application event filter applying the shared keyboard rules to every window."""

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.setObjectName(FILTER_NAME)
        self._resending = False

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if (
            self._resending
            or event.type() != QEvent.Type.KeyPress
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


def install(app: QApplication | None = None) -> None:
    """Apply the rules to the whole application (once)."""
    app = app or QApplication.instance()  # type: ignore[assignment]
    if isinstance(app, QApplication) and app.findChild(KeyboardRules, FILTER_NAME) is None:
        app.installEventFilter(KeyboardRules(app))
