"""Use case: mark the register."""

from __future__ import annotations

from sqlalchemy import select

from escape_desktop.context import AppContext
from escape_desktop.db.models import ATTENDANCE_MARKS, Attendance, Enrolment, Session

from .common import audit, now
from .errors import NotFound, ValidationError


def mark_attendance(
    ctx: AppContext, enrolment_id: int, session_id: int, mark: str | None
) -> str | None:
    """Set (or clear, with None) one register mark. Returns the previous mark, for undo."""
    if mark is not None and mark not in ATTENDANCE_MARKS:
        raise ValidationError("mark", "A register mark is present, absent or apologies.")
    with ctx.db.transaction() as s:
        enrolment = s.get(Enrolment, enrolment_id)
        session = s.get(Session, session_id)
        if enrolment is None or session is None:
            raise NotFound("That person or session no longer exists.")
        if enrolment.course_id != session.course_id:
            raise ValidationError("session", "That session belongs to another course.")
        if session.cancelled and mark is not None:
            raise ValidationError(
                "session", f"Session {session.number} was cancelled; reinstate it to mark it."
            )
        row = s.scalar(
            select(Attendance).where(
                Attendance.enrolment_id == enrolment_id, Attendance.session_id == session_id
            )
        )
        previous = row.mark if row else None
        if previous == mark:
            return previous
        if mark is None:
            if row is not None:
                s.delete(row)
        elif row is None:
            s.add(
                Attendance(
                    enrolment_id=enrolment_id, session_id=session_id, mark=mark, updated_at=now()
                )
            )
        else:
            row.mark = mark
            row.updated_at = now()
        audit(
            s,
            ctx.actor,
            "mark",
            "attendance",
            enrolment_id,
            f"session {session.number}: {previous or '-'} -> {mark or '-'}",
        )
        return previous
