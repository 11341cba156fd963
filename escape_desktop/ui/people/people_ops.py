"""Changes to who is on a course, through the one operation path; enrol, import and withdraw undo."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date

from PySide6.QtWidgets import QWidget

from escape_desktop.context import AppContext
from escape_desktop.services import importing, participants
from escape_desktop.services import screening as screen
from escape_desktop.services.changes import Changes
from escape_desktop.services.importing import ImportPreview
from escape_desktop.services.participants import ParticipantInput
from escape_desktop.ui.common.change_bus import ChangeBus
from escape_desktop.ui.common.operation import UndoStep, raise_to_caller, run_op


class PeopleOps:
    """Enrol, import, edit, withdraw and move people; each announces ENROLMENT or PARTICIPANT."""

    def __init__(self, ctx: AppContext, bus: ChangeBus, parent: QWidget | None = None):
        self.ctx = ctx
        self.bus = bus
        self.parent = parent

    def enrol(
        self, course_id: int, data: ParticipantInput, screening: Mapping[str, bool] | None = None
    ) -> int:
        """Enrol a new person (raises ValidationError for the form to show). Returns the enrolment id.

        ``screening``: the answers to the course's checklist, recorded with the enrolment (a
        yes marks them "needs review before starting"); one undo takes back both.
        """
        name = f"{data.first_name.strip()} {data.last_name.strip()}"
        state: dict[str, int] = {}
        review: dict[str, bool] = {}

        def enrol() -> int:
            _, state["enrolment_id"] = participants.enrol_participant(self.ctx, course_id, data)
            if screening is not None:
                try:
                    answered = screen.record_screening(self.ctx, state["enrolment_id"], screening)
                except Exception:  # all or nothing: no enrolment without its screening
                    participants.remove_enrolment(self.ctx, state["enrolment_id"])
                    raise
                review["needed"] = answered.keeps_off_circuit
            return state["enrolment_id"]

        def saved(_id: int) -> str:
            if review.get("needed"):
                return f"Saved: {name} enrolled; needs review before starting"
            return f"Saved: {name} enrolled"

        op = run_op(
            self.parent,
            enrol,
            bus=self.bus,
            changes=Changes.ENROLMENT,
            ids=lambda enrolment_id: [enrolment_id],
            message=saved,
            undo=UndoStep(
                f"enrol {name}",
                undo=lambda: participants.remove_enrolment(self.ctx, state["enrolment_id"]),
                redo=enrol,
                undone=f"Undone: {name} enrolled",
                redone=f"Saved: {name} enrolled",
                ids=lambda: [state["enrolment_id"]],
            ),
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
        state: dict[str, list[int]] = {}

        def add() -> list[int]:
            state["ids"] = importing.import_participants(
                self.ctx,
                preview,
                enrol_existing=enrol_existing,
                add_as_new=add_as_new,
                leave_out=leave_out,
            )
            return state["ids"]

        def step(ids: list[int]) -> UndoStep:
            label = f"{len(ids)} {'person' if len(ids) == 1 else 'people'} from the list"
            return UndoStep(
                f"import {label}",
                undo=lambda: participants.remove_enrolments(self.ctx, state["ids"]),
                redo=add,
                undone=f"Undone: {label} added",
                redone=f"Saved: {label} added",
                ids=lambda: state["ids"],
            )

        op = run_op(
            self.parent,
            add,
            bus=self.bus,
            changes=Changes.ENROLMENT,
            ids=lambda ids: ids,
            message=lambda ids: (
                f"Saved: {len(ids)} {'person' if len(ids) == 1 else 'people'} added from the list"
            ),
            undo=step,
        )
        return op.value if op.ok else None

    def withdraw(self, enrolment_id: int, reason: str, name: str, on: date | None = None) -> bool:
        return run_op(
            self.parent,
            lambda: participants.withdraw(self.ctx, enrolment_id, reason, on),
            bus=self.bus,
            changes=Changes.ENROLMENT,
            ids=[enrolment_id],
            message=f"Saved: {name} withdrawn",
            undo=UndoStep(
                f"withdraw {name}",
                undo=lambda: participants.reinstate(self.ctx, enrolment_id),
                redo=lambda: participants.withdraw(self.ctx, enrolment_id, reason, on),
                undone=f"Undone: {name} withdrawn",
                redone=f"Saved: {name} withdrawn",
            ),
        ).ok

    def edit_participant(self, participant_id: int, data: ParticipantInput) -> None:
        """Save a person's details (raises ValidationError for the form to show)."""
        name = f"{data.first_name.strip()} {data.last_name.strip()}"
        run_op(
            self.parent,
            lambda: participants.edit_participant(self.ctx, participant_id, data),
            bus=self.bus,
            changes=Changes.PARTICIPANT,
            ids=[participant_id],
            message=f"Saved: {name}'s details",
            failure=raise_to_caller,
        )

    def move(self, enrolment_id: int, course_id: int, name: str, course_code: str) -> bool:
        return run_op(
            self.parent,
            lambda: participants.move_enrolment(self.ctx, enrolment_id, course_id),
            bus=self.bus,
            changes=Changes.ENROLMENT,
            ids=lambda new_id: [enrolment_id, new_id],
            message=f"Saved: {name} moved to {course_code}",
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
        return run_op(
            self.parent,
            lambda: screen.review(self.ctx, enrolment_id, note, answers),
            bus=self.bus,
        ).ok
