"""One change signal that every screen listens to, instead of screens calling each other."""

from PySide6.QtCore import QObject, Signal


class ChangeBus(QObject):
    """Emit ``changed(kind, ids)`` after a service call succeeds.

    kind is one of "course", "session", "enrolment", "participant", "attendance",
    "exercise", "assessment", "station", "document", "export", "settings", "all";
    ids are the affected row ids (empty list: "anything of that kind").
    """

    changed = Signal(str, list)
    saved = Signal(str)  # a short status-bar message, e.g. "Saved: Ada present at session 3"

    def notify(self, kind: str, ids: list[int] | None = None, message: str = "") -> None:
        self.changed.emit(kind, list(ids or []))
        if message:
            self.saved.emit(message)
