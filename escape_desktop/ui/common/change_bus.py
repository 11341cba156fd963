"""One change signal that every screen listens to, instead of screens calling each other."""

from collections.abc import Sequence
from dataclasses import dataclass

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoStack

from escape_desktop.services.changes import Changes
from escape_desktop.ui.common.announce import say


@dataclass(frozen=True)
class OpChanges:
    """One announcement: what changed, and which rows (empty: any of that kind)."""

    changes: Changes
    ids: tuple[int, ...] = ()

    def touches(self, kinds: Changes) -> bool:
        return bool(self.changes & kinds)


class ChangeBus(QObject):
    """Emit ``changed(OpChanges, initiator)`` once after an operation succeeds.

    The initiator is the screen (or other object) that asked for the change, or None; a screen
    that has already shown its own change compares it with itself and skips it. The bus also
    holds the window's one undo stack, so every operation can put its step on it.
    """

    changed = Signal(object, object)  # OpChanges, initiator (object | None)
    saved = Signal(str)  # a short status-bar message, e.g. "Saved: Ada present at session 3"

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.undo_stack = QUndoStack(self)
        self.undo_stack.setUndoLimit(200)

    def announce(
        self,
        changes: Changes,
        ids: Sequence[int] = (),
        *,
        initiator: object | None = None,
        message: str = "",
    ) -> None:
        if changes:
            self.changed.emit(OpChanges(changes, tuple(ids)), initiator)
        if message:
            # Said to screen readers here, so every operation's result is heard, window or not.
            say(None, message)
            self.saved.emit(message)
