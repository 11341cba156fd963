"""Changes to who is on a course, through the one operation path; enrol, import and withdraw undo."""

from __future__ import annotations

from datetime import date

from PySide6.QtWidgets import QWidget

from escape_desktop.context import AppContext
from escape_desktop.services import importing, participants
from escape_desktop.services.importing import ImportPreview
from escape_desktop.services.participants import ParticipantInput
from escape_desktop.ui.common.change_bus import ChangeBus
from escape_desktop.ui.common.changes import Changes
from escape_desktop.ui.common.operation import UndoStep, raise_to_caller, run_op


class PeopleOps:
    """Enrol, import, edit, withdraw and move people; each announces ENROLMENT or PARTICIPANT."""

    def __init__(self, ctx: AppContext, bus: ChangeBus, parent: QWidget | None = None):
        self.ctx = ctx
        self.bus = bus
        self.parent = parent

    def enrol(self, course_id: int, data: ParticipantInput) -> int:
        """Enrol a new person (raises ValidationError for the form to show). Returns the enrolment id."""
        name = f"{data.first_name.strip()} {data.last_name.strip()}"
        state: dict[str, int] = {}

        def enrol() -> int:
            _, state["enrolment_id"] = participants.enrol_participant(self.ctx, course_id, data)
            return state["enrolment_id"]

        op = run_op(
            self.parent,
            enrol,
            bus=self.bus,
            changes=Changes.ENROLMENT,
            ids=lambda enrolment_id: [enrolment_id],
            message=f"Saved: {name} enrolled",
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

    def import_list(self, preview: ImportPreview) -> list[int] | None:
        """Add everyone on a checked referral list, undoable as one step; None if it failed."""
        state: dict[str, list[int]] = {}

        def add() -> list[int]:
            state["ids"] = importing.import_participants(self.ctx, preview)
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
