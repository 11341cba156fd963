"""Changes made from the register, through the one operation path: a mark, undoable."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from escape_desktop.context import AppContext
from escape_desktop.services import attendance
from escape_desktop.ui.common.change_bus import ChangeBus
from escape_desktop.ui.common.changes import Changes
from escape_desktop.ui.common.operation import UndoStep, run_op
from escape_desktop.ui.common.style import MARK_WORD


class RegisterOps:
    """The register's writes: each runs a service, announces ATTENDANCE, and can be undone."""

    def __init__(self, ctx: AppContext, bus: ChangeBus, parent: QWidget | None = None):
        self.ctx = ctx
        self.bus = bus
        self.parent = parent

    def mark(
        self,
        enrolment_id: int,
        session_id: int,
        mark: str | None,
        who: str = "",
        session_no: int = 0,
        initiator: object | None = None,
    ) -> bool:
        """Set one register mark (None clears it). Returns False when it could not be saved."""
        what = MARK_WORD.get(mark or "", "cleared")
        label = f"{who}: {what.lower()} at session {session_no}" if who else f"mark {what.lower()}"

        def set_mark(value: str | None) -> str | None:
            return attendance.mark_attendance(self.ctx, enrolment_id, session_id, value)

        def step(previous: str | None) -> UndoStep | None:
            if previous == mark:
                return None  # nothing changed: nothing to undo
            return UndoStep(
                label,
                undo=lambda: set_mark(previous),
                redo=lambda: set_mark(mark),
                undone=f"Undone: {label}",
                redone=f"Saved: {label}",
            )

        op = run_op(
            self.parent,
            lambda: set_mark(mark),
            bus=self.bus,
            changes=lambda previous: Changes.NONE if previous == mark else Changes.ATTENDANCE,
            ids=[enrolment_id],
            initiator=initiator,
            message=lambda previous: "" if previous == mark else f"Saved: {label}",
            undo=step,
        )
        return op.ok
