"""Changes made from the register, through the one operation path: a mark, undoable."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from escape_desktop.context import AppContext
from escape_desktop.ui.common.change_bus import ChangeBus
from escape_desktop.ui.common.operation import run_op


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
        """Set one register mark (None clears it). Returns False when it could not be saved.

        The service names the change and how to undo it; ``who`` and ``session_no`` are kept
        for callers that still pass them.
        """
        from escape_desktop.services import attendance  # SQLAlchemy: at the first write

        op = run_op(
            self.parent,
            lambda: attendance.mark(self.ctx, enrolment_id, session_id, mark),
            bus=self.bus,
            initiator=initiator,
        )
        return op.ok

    def joined_online(
        self, enrolment_id: int, session_id: int, joined: bool, initiator: object | None = None
    ) -> bool:
        """Say a present person joined a hybrid course's hall session over video (or not)."""
        from escape_desktop.services import attendance

        op = run_op(
            self.parent,
            lambda: attendance.set_joined_online(self.ctx, enrolment_id, session_id, joined),
            bus=self.bus,
            initiator=initiator,
        )
        return op.ok
