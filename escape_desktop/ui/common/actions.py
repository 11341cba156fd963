"""User actions that change data: each calls a service, tells the change bus, and can be undone."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from PySide6.QtGui import QUndoCommand, QUndoStack
from PySide6.QtWidgets import QWidget

from escape_desktop.context import AppContext
from escape_desktop.services import attendance, importing, participants
from escape_desktop.services.importing import ImportPreview
from escape_desktop.services.participants import ParticipantInput
from escape_desktop.ui.common import error_dialog
from escape_desktop.ui.common.change_bus import ChangeBus
from escape_desktop.ui.common.style import MARK_WORD


class ServiceCommand(QUndoCommand):
    """A change already made by a service; undo/redo call the services that reverse/repeat it."""

    def __init__(
        self,
        text: str,
        redo_fn: Callable[[], None],
        undo_fn: Callable[[], None],
        on_error: Callable[[BaseException], None],
    ):
        super().__init__(text)
        self._redo_fn = redo_fn
        self._undo_fn = undo_fn
        self._on_error = on_error
        self._first = True

    def redo(self) -> None:
        if self._first:  # the change was made before the command was pushed
            self._first = False
            return
        self._run(self._redo_fn)

    def undo(self) -> None:
        self._run(self._undo_fn)

    def _run(self, fn: Callable[[], None]) -> None:
        try:
            fn()
        except Exception as e:  # e.g. the row was changed elsewhere meanwhile
            self.setObsolete(True)
            self._on_error(e)


class Actions:
    """The changes the window makes, in one place: service call, undo entry, bus message."""

    def __init__(self, ctx: AppContext, bus: ChangeBus, parent: QWidget | None = None):
        self.ctx = ctx
        self.bus = bus
        self.parent = parent
        self.stack = QUndoStack(parent)
        self.stack.setUndoLimit(200)

    def _error(self, e: BaseException) -> None:
        error_dialog.report(self.parent, e)

    # --- the register -------------------------------------------------------------------
    def mark(
        self,
        enrolment_id: int,
        session_id: int,
        mark: str | None,
        who: str = "",
        session_no: int = 0,
    ) -> bool:
        """Set one register mark (None clears it). Returns False when it could not be saved."""
        ok, previous = error_dialog.guarded(
            self.parent, attendance.mark_attendance, self.ctx, enrolment_id, session_id, mark
        )
        if not ok:
            return False
        if previous == mark:
            return True
        what = MARK_WORD.get(mark or "", "cleared")
        label = f"{who}: {what.lower()} at session {session_no}" if who else f"mark {what.lower()}"

        def apply(value: str | None, message: str) -> None:
            attendance.mark_attendance(self.ctx, enrolment_id, session_id, value)
            self.bus.notify("attendance", [enrolment_id], message)

        self.stack.push(
            ServiceCommand(
                label,
                lambda: apply(mark, f"Saved: {label}"),
                lambda: apply(previous, f"Undone: {label}"),
                self._error,
            )
        )
        self.bus.notify("attendance", [enrolment_id], f"Saved: {label}")
        return True

    # --- people -------------------------------------------------------------------------
    def enrol(self, course_id: int, data: ParticipantInput) -> int:
        """Enrol a new person (raises ValidationError for the form to show). Returns the enrolment id."""
        _, enrolment_id = participants.enrol_participant(self.ctx, course_id, data)
        state = {"enrolment_id": enrolment_id}
        name = f"{data.first_name.strip()} {data.last_name.strip()}"

        def undo() -> None:
            participants.remove_enrolment(self.ctx, state["enrolment_id"])
            self.bus.notify("enrolment", [state["enrolment_id"]], f"Undone: {name} enrolled")

        def redo() -> None:
            _, state["enrolment_id"] = participants.enrol_participant(self.ctx, course_id, data)
            self.bus.notify("enrolment", [state["enrolment_id"]], f"Saved: {name} enrolled")

        self.stack.push(ServiceCommand(f"enrol {name}", redo, undo, self._error))
        self.bus.notify("enrolment", [enrolment_id], f"Saved: {name} enrolled")
        return enrolment_id

    def imported(self, preview: ImportPreview, enrolment_ids: list[int]) -> None:
        """Put an import that already happened on the stack, so Ctrl+Z takes the list back."""
        state = {"ids": list(enrolment_ids)}
        n = len(enrolment_ids)
        label = f"{n} {'person' if n == 1 else 'people'} from the list"

        def undo() -> None:
            participants.remove_enrolments(self.ctx, state["ids"])
            self.bus.notify("enrolment", state["ids"], f"Undone: {label} added")

        def redo() -> None:
            state["ids"] = importing.import_participants(self.ctx, preview)
            self.bus.notify("enrolment", state["ids"], f"Saved: {label} added")

        self.stack.push(ServiceCommand(f"import {label}", redo, undo, self._error))

    def withdraw(self, enrolment_id: int, reason: str, name: str, on: date | None = None) -> None:
        participants.withdraw(self.ctx, enrolment_id, reason, on)

        def undo() -> None:
            participants.reinstate(self.ctx, enrolment_id)
            self.bus.notify("enrolment", [enrolment_id], f"Undone: {name} withdrawn")

        def redo() -> None:
            participants.withdraw(self.ctx, enrolment_id, reason, on)
            self.bus.notify("enrolment", [enrolment_id], f"Saved: {name} withdrawn")

        self.stack.push(ServiceCommand(f"withdraw {name}", redo, undo, self._error))
        self.bus.notify("enrolment", [enrolment_id], f"Saved: {name} withdrawn")

    def edit_participant(self, participant_id: int, data: ParticipantInput) -> None:
        participants.edit_participant(self.ctx, participant_id, data)
        name = f"{data.first_name.strip()} {data.last_name.strip()}"
        self.bus.notify("participant", [participant_id], f"Saved: {name}'s details")

    def move(self, enrolment_id: int, course_id: int, name: str, course_code: str) -> int:
        new_id = participants.move_enrolment(self.ctx, enrolment_id, course_id)
        self.bus.notify(
            "enrolment", [enrolment_id, new_id], f"Saved: {name} moved to {course_code}"
        )
        return new_id

    def enrol_existing(self, participant_id: int, course_id: int, name: str, code: str) -> int:
        enrolment_id = participants.enrol_existing(self.ctx, participant_id, course_id)
        self.bus.notify("enrolment", [enrolment_id], f"Saved: {name} enrolled on {code}")
        return enrolment_id
