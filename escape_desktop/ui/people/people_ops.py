"""Changes to who is on a course, through the one operation path; enrol, import and withdraw undo."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QWidget

from escape_desktop.context import AppContext
from escape_desktop.ui.common.change_bus import ChangeBus
from escape_desktop.ui.common.operation import raise_to_caller, run_op

if TYPE_CHECKING:  # the list reader is loaded when a list is imported, not as the window opens
    from escape_desktop.services.importing import ImportPreview
    from escape_desktop.services.participants import ParticipantInput


def _participants():  # type: ignore[no-untyped-def]
    """services.participants, imported at the first change to who is on a course: it loads
    SQLAlchemy, which the window no longer needs before it is ready to mark (issue 29)."""
    from escape_desktop.services import participants

    return participants


class PeopleOps:
    """Enrol, import, edit, withdraw and move people; each service says what it changed."""

    def __init__(self, ctx: AppContext, bus: ChangeBus, parent: QWidget | None = None):
        self.ctx = ctx
        self.bus = bus
        self.parent = parent

    def enrol(
        self, course_id: int, data: ParticipantInput, screening: Mapping[str, bool] | None = None
    ) -> int:
        """Enrol a new person (raises ValidationError for the form to show). Returns the enrolment id.

        ``screening``: the answers to the course's checklist, recorded with the enrolment in
        the same transaction (a yes marks them "needs review before starting"); one undo
        takes back both.
        """
        op = run_op(
            self.parent,
            lambda: _participants().enrol(self.ctx, course_id, data, screening),
            bus=self.bus,
            failure=raise_to_caller,
        )
        assert op.value is not None
        return op.value

    def import_list(
        self,
        preview: ImportPreview,
        *,
        enrol_existing: Sequence[int] = (),
        add_as_new: Sequence[int] = (),
        leave_out: Sequence[int] = (),
    ) -> list[int] | None:
        """Add everyone on a checked referral list, undoable as one step; None if it failed.

        ``enrol_existing`` / ``add_as_new``: lines of people who may be on file, as the
        instructor chose for each.
        """
        from escape_desktop.services import importing

        op = run_op(
            self.parent,
            lambda: importing.import_list(
                self.ctx,
                preview,
                enrol_existing=enrol_existing,
                add_as_new=add_as_new,
                leave_out=leave_out,
            ),
            bus=self.bus,
        )
        return op.value if op.ok else None

    def withdraw(self, enrolment_id: int, reason: str, name: str, on: date | None = None) -> bool:
        return run_op(
            self.parent,
            lambda: _participants().withdraw(self.ctx, enrolment_id, reason, on),
            bus=self.bus,
        ).ok

    def edit_participant(self, participant_id: int, data: ParticipantInput) -> None:
        """Save a person's details (raises ValidationError for the form to show)."""
        run_op(
            self.parent,
            lambda: _participants().edit_participant(self.ctx, participant_id, data),
            bus=self.bus,
            failure=raise_to_caller,
        )

    def move(self, enrolment_id: int, course_id: int, name: str, course_code: str) -> bool:
        return run_op(
            self.parent,
            lambda: _participants().move_enrolment(self.ctx, enrolment_id, course_id),
            bus=self.bus,
        ).ok

    def clear_review(
        self,
        enrolment_id: int,
        note: str,
        name: str,
        answers: Mapping[str, bool] | None = None,
    ) -> bool:
        """Review "needs review before starting": the screening answers of someone added
        without them, and a note (audit logged); the service says what it did, undoably."""
        from escape_desktop.services import screening as screen

        return run_op(
            self.parent,
            lambda: screen.review(self.ctx, enrolment_id, note, answers),
            bus=self.bus,
        ).ok
