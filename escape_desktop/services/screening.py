"""Screening at enrolment: record the answers, mark "needs review before starting", clear it with a note.

Kept on the enrolment and in the audit log only; the upload has no source for any of it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session as OrmSession

from escape_desktop.context import AppContext
from escape_desktop.db.models import Course, Enrolment
from escape_desktop.programme.screening import Screening, needs_review

from .changes import Changes, Done
from .common import audit, clean_text, now
from .errors import NotFound, ValidationError

__all__ = [
    "ScreeningState",
    "checklist_for_course",
    "record_screening",
    "record_in",
    "clear_screening",
    "screening_state",
    "needing_review",
]

NEEDS_REVIEW = "needs review before starting"


@dataclass(frozen=True)
class ScreeningState:
    """What the enrol dialog, register and circuit need to show about one enrolment."""

    enrolment_id: int
    status: str  # "not_screened" | "clear" | "needs_review" | "cleared"
    flagged: tuple[str, ...]  # the questions answered yes, as asked
    advice: str  # one sentence: what to do (empty unless status is "needs_review")
    answered_at: datetime | None
    cleared_at: datetime | None
    cleared_by: str
    note: str

    @property
    def keeps_off_circuit(self) -> bool:
        return self.status == "needs_review"


def checklist_for_course(ctx: AppContext, course_id: int) -> Screening | None:
    """The course's programme checklist, or None when its programme has none."""
    with ctx.db.read() as s:
        course = s.get(Course, course_id)
        if course is None:
            raise NotFound("That course no longer exists.")
        key = course.programme_key
    try:
        return ctx.library.template(key).screening
    except KeyError:
        return None


def _checklist(ctx: AppContext, course: Course) -> Screening:
    try:
        screening = ctx.library.template(course.programme_key).screening
    except KeyError:
        screening = None
    if screening is None:
        raise ValidationError("screening", "This course's programme has no screening questions.")
    return screening


def _state(enrolment: Enrolment, screening: Screening | None) -> ScreeningState:
    answers = enrolment.screening_answers or {}
    flagged: list[str] = []
    for key, yes in answers.items():
        if yes is True:
            try:
                flagged.append(screening.question(key).text if screening else key)
            except KeyError:  # a question the site has since removed: still shown
                flagged.append(key)
    return ScreeningState(
        enrolment_id=enrolment.id,
        status=enrolment.screening_status,
        flagged=tuple(flagged),
        advice=screening.advice
        if screening and enrolment.screening_status == "needs_review"
        else "",
        answered_at=enrolment.screening_at,
        cleared_at=enrolment.screening_cleared_at,
        cleared_by=enrolment.screening_cleared_by,
        note=enrolment.screening_note,
    )


def record_screening(
    ctx: AppContext, enrolment_id: int, answers: Mapping[str, bool]
) -> ScreeningState:
    """Store the yes/no answers; any yes marks the person "needs review before starting".

    Every question must be answered. Answering again replaces the earlier answers (and a
    new yes undoes an earlier clearing).
    """
    with ctx.db.transaction() as s:
        return record_in(s, ctx, enrolment_id, answers)


def record_in(
    s: OrmSession, ctx: AppContext, enrolment_id: int, answers: Mapping[str, bool]
) -> ScreeningState:
    """``record_screening`` inside a transaction the caller holds (enrol with screening)."""
    enrolment = s.get(Enrolment, enrolment_id)
    if enrolment is None:
        raise NotFound("That enrolment no longer exists.")
    screening = _checklist(ctx, enrolment.course)
    missing = [q.text for q in screening.questions if not isinstance(answers.get(q.key), bool)]
    if missing:
        raise ValidationError(
            "screening", f"Answer every screening question (not yet: {missing[0]})."
        )
    stored = {q.key: bool(answers[q.key]) for q in screening.questions}
    yes = needs_review(screening, stored)
    enrolment.screening_answers = stored
    enrolment.screening_at = now()
    enrolment.screening_status = "needs_review" if yes else "clear"
    enrolment.screening_cleared_at = None
    enrolment.screening_cleared_by = ""
    enrolment.screening_note = ""
    detail = f"{NEEDS_REVIEW}: yes to {', '.join(q.key for q in yes)}" if yes else "all answers no"
    audit(s, ctx.actor, "screening", "enrolment", enrolment.id, detail)
    s.flush()
    return _state(enrolment, screening)


def clear_screening(
    ctx: AppContext, enrolment_id: int, note: str, cleared_by: str | None = None
) -> Done[ScreeningState]:
    """An instructor clears "needs review" once the person has been seen; the note is required.

    Not undoable: the clearing is a record of who saw the person (the audit log keeps it).
    """
    why = clean_text(note, "screening_note", "Note", required=True, max_len=1000)
    with ctx.db.transaction() as s:
        enrolment = s.get(Enrolment, enrolment_id)
        if enrolment is None:
            raise NotFound("That enrolment no longer exists.")
        if enrolment.screening_status != "needs_review":
            raise ValidationError("screening", "This person is not waiting for a review.")
        enrolment.screening_status = "cleared"
        enrolment.screening_cleared_at = now()
        enrolment.screening_cleared_by = (cleared_by or ctx.actor or "").strip()[:200]
        enrolment.screening_note = why
        audit(s, ctx.actor, "screening_cleared", "enrolment", enrolment.id, why)
        s.flush()
        try:
            screening = ctx.library.template(enrolment.course.programme_key).screening
        except KeyError:
            screening = None
        state = _state(enrolment, screening)
        who = enrolment.participant.full_name if enrolment.participant else "This person"
    return Done(
        state,
        Changes.ENROLMENT,
        (enrolment_id,),
        message=f"Saved: {who} cleared to start",
    )


def screening_state(ctx: AppContext, enrolment_id: int) -> ScreeningState:
    with ctx.db.read() as s:
        enrolment = s.get(Enrolment, enrolment_id)
        if enrolment is None:
            raise NotFound("That enrolment no longer exists.")
        try:
            screening = ctx.library.template(enrolment.course.programme_key).screening
        except KeyError:
            screening = None
        return _state(enrolment, screening)


def needing_review(ctx: AppContext, course_id: int) -> set[int]:
    """Enrolment ids on a course still marked "needs review before starting" (off the circuit)."""
    with ctx.db.read() as s:
        return set(
            s.scalars(
                select(Enrolment.id).where(
                    Enrolment.course_id == course_id, Enrolment.screening_status == "needs_review"
                )
            )
        )
