"""Changes made from the register, through the one operation path: a mark, undoable."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QWidget

from escape_desktop.context import AppContext
from escape_desktop.i18n import _
from escape_desktop.ui.common import error_dialog
from escape_desktop.ui.common.change_bus import ChangeBus
from escape_desktop.ui.common.operation import replacing_sentence, run_op


class RegisterOps:
    """The register's writes: each runs a service, announces ATTENDANCE, and can be undone."""

    def __init__(self, ctx: AppContext, bus: ChangeBus, parent: QWidget | None = None):
        self.ctx = ctx
        self.bus = bus
        self.parent = parent
        # Marks typed while the start-up quick check runs: saved, in order, once it passed;
        # never written when it found damage (see hold and release). None: not holding.
        self.held: list[Callable[[], bool]] | None = None

    def hold(self) -> None:
        """From now on queue marks instead of writing them (the quick check is running)."""
        if self.held is None:
            self.held = []

    def release(self, write: bool) -> int:
        """Stop holding: with ``write`` save the queued marks now (the check passed); without
        it drop them unwritten (damage found). Returns how many were dropped."""
        held, self.held = self.held, None
        if not held:
            return 0
        if not write:
            return len(held)
        for again in held:
            again()
        return 0

    def _held(self, again: Callable[[], bool]) -> bool | None:
        """Queue ``again`` while holding (True), refuse while the data file is replaced
        (False), or None: not holding, write now."""
        if self.held is None:
            return None
        sentence = replacing_sentence(self.bus)
        if sentence is not None:
            error_dialog.show_message(self.parent, _(error_dialog.COULD_NOT), sentence)
            return False
        self.held.append(again)
        return True

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
        queued = self._held(
            lambda: self.mark(enrolment_id, session_id, mark, who, session_no, initiator)
        )
        if queued is not None:
            return queued
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
        queued = self._held(lambda: self.joined_online(enrolment_id, session_id, joined, initiator))
        if queued is not None:
            return queued
        from escape_desktop.services import attendance

        op = run_op(
            self.parent,
            lambda: attendance.set_joined_online(self.ctx, enrolment_id, session_id, joined),
            bus=self.bus,
            initiator=initiator,
        )
        return op.ok
