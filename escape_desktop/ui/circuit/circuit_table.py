"""The circuit grid: typing starts the editor, Enter and Delete act on the cell."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QTableView


class CircuitTable(QTableView):
    """A table where typing, Enter or F2 opens the current cell's editor (``start_edit``)."""

    start_edit = Signal(str)  # the text typed to open it ("" for Enter/F2/double-click)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        text = event.text()
        plain = not event.modifiers() & (
            Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier
        )
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
