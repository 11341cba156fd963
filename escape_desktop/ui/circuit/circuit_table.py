"""The circuit grid: typing starts the editor, Enter and Delete act on the cell."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QTableView


class CircuitTable(QTableView):
    """A table where typing, Enter or F2 opens the current cell's editor (``start_edit``) and
    Space (Shift+Space) records "did what was set" for the cell (the person): ``did_set``."""

    start_edit = Signal(str)  # the text typed to open it ("" for Enter/F2/double-click)
    # "Did what was set": Space for the cell, Shift+Space for the whole person (issue 25).
    did_set = Signal(str)  # "cell" or "person"

    def keyPressEvent(self, event: QKeyEvent) -> None:
        text = event.text()
        plain = not event.modifiers() & (
            Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier
        )
        if self.currentIndex().isValid() and plain and event.key() == Qt.Key.Key_Space:
            shift = bool(event.modifiers() & Qt.KeyboardModifier.ShiftModifier)
            self.did_set.emit("person" if shift else "cell")
            return
        if self.currentIndex().isValid() and plain:
            if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_F2):
                self.start_edit.emit("")
                return
            if text and text.isprintable() and not text.isspace():
                self.start_edit.emit(text)
                return
        super().keyPressEvent(event)

    def mouseDoubleClickEvent(self, event: Any) -> None:
        super().mouseDoubleClickEvent(event)
        if self.currentIndex().isValid():
            self.start_edit.emit("")
