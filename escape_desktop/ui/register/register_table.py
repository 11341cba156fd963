"""The register grid: P, A, S mark and move on; Space changes; Delete clears; a click cycles."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtGui import QKeyEvent, QMouseEvent, QResizeEvent
from PySide6.QtWidgets import QAbstractItemView, QTableView, QWidget

from escape_desktop.programme.status import ABSENT, APOLOGIES, PRESENT
from escape_desktop.ui.register.register_keys import mark_for_key
from escape_desktop.ui.register.register_model import FIRST_SESSION, RegisterModel

# The English letters are programme.status's MARK_LETTER (P present, A absent, S apologies
# sent); L still means apologies for instructors used to the earlier key. The keys the grid
# answers come from register_keys, in the window language (these, in English).
KEY_MARKS: dict[int, str] = {
    Qt.Key.Key_P: PRESENT,
    Qt.Key.Key_A: ABSENT,
    Qt.Key.Key_S: APOLOGIES,
    Qt.Key.Key_L: APOLOGIES,
    Qt.Key.Key_1: "present",
    Qt.Key.Key_2: "absent",
    Qt.Key.Key_3: "apologies",
}
CLEAR = "clear"
ONLINE = "online"  # O: "joined online" on or off (a present mark on a hybrid course)
CYCLE = "cycle"
CLICK = "click"  # a mouse click cycles too, but the cursor stays where the mouse is


class RegisterTable(QTableView):
    """A grid that turns keys and clicks on session cells into mark requests."""

    markRequested = Signal(QModelIndex, str)  # mark, "cycle" or "clear"
    openPerson = Signal(QModelIndex)
    sessionActivated = Signal(int)  # column

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectItems)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setTabKeyNavigation(False)
        self.setWordWrap(False)
        self.setAlternatingRowColors(False)
        self.verticalHeader().setVisible(False)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.horizontalHeader().sectionDoubleClicked.connect(self.sessionActivated.emit)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        # The cell the next key marks stays in sight: on a class day the window opens on
        # today's column, then shrinks to the laptop's screen (maximised), which left the
        # column scrolled out of view at 1024x768.
        index = self.currentIndex()
        if index.isValid() and event.size().width() < event.oldSize().width():
            self.scrollTo(index, QAbstractItemView.ScrollHint.EnsureVisible)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        index = self.currentIndex()
        key = event.key()
        mods = event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
        if index.isValid() and mods == Qt.KeyboardModifier.NoModifier:
            if index.column() >= FIRST_SESSION:
                mark = mark_for_key(key, event.text())
                if mark is not None:
                    self.markRequested.emit(index, mark)
                    return
                if key == Qt.Key.Key_Space:
                    self.markRequested.emit(index, CYCLE)
                    return
                if key == Qt.Key.Key_O:
                    self.markRequested.emit(index, ONLINE)
                    return
                if key in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace):
                    self.markRequested.emit(index, CLEAR)
                    return
            if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                if index.column() < FIRST_SESSION:
                    self.openPerson.emit(index)
                else:
                    self.move_down()
                return
        super().keyPressEvent(event)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        super().mousePressEvent(event)
        if event.button() != Qt.MouseButton.LeftButton:
            return
        index = self.indexAt(event.position().toPoint())
        if index.isValid() and index.column() >= FIRST_SESSION:
            self.markRequested.emit(index, CLICK)

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        index = self.indexAt(event.position().toPoint())
        if index.isValid() and index.column() < FIRST_SESSION:
            self.openPerson.emit(index)
            return
        # A second quick click on a session cell is another click: it cycles again.
        if index.isValid():
            self.markRequested.emit(index, CLICK)

    def move_down(self) -> None:
        index = self.currentIndex()
        model = self.model()
        if not index.isValid() or not isinstance(model, RegisterModel):
            return
        row = index.row() + 1
        # Skip withdrawn people: they are not on the register any more.
        while row < model.rowCount() and not model.is_editable_cell(
            model.index(row, index.column())
        ):
            row += 1
        if row < model.rowCount():
            self.setCurrentIndex(model.index(row, index.column()))
