"""Reads for the window's screens, each in its own read: a course's register, a person search,
a course's code. The window asks here instead of opening database sessions itself.

What a class day's first screen shows (the register, its heading, its reminders) is read in
plain SQL (db/class_day.py), so the window is ready to mark before SQLAlchemy is imported
(issue 29); the rest imports SQLAlchemy when first asked. ``orm_register`` is the same
register read through SQLAlchemy (db/queries.py), the reference the plain read is tested
against (tests/db/test_class_day_reads.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from escape_desktop.context import AppContext
from escape_desktop.db import class_day
from escape_desktop.db.class_day import ParticipantHit
from escape_desktop.db.first_screen import CourseListRow
from escape_desktop.programme.register import Register, RegisterRow, SessionInfo

__all__ = [
    "CourseListRow",
    "ParticipantHit",
    "Register",
    "RegisterRow",
    "SessionInfo",
    "course_code",
    "course_heading",
    "course_register",
    "course_summaries",
    "find_people",
    "reminders",
]


def course_register(ctx: AppContext, course_id: int) -> Register | None:
    """The course's register (people, sessions, marks), or None when the course is gone."""
    with ctx.db.raw_read() as conn:
        return class_day.register(conn, course_id)


def orm_register(ctx: AppContext, course_id: int) -> Register | None:
    """The same register read through SQLAlchemy (db/queries.register: the CLI and documents)."""
    from escape_desktop.db import queries

    with ctx.db.read() as s:
        return queries.register(s, course_id)


def reminders(ctx: AppContext, course_id: int) -> tuple[set[int], set[int]]:
    """Enrolment ids on the course with a consent not yet asked, and those whose screening
    needs review before they start (the register's reminder line)."""
    with ctx.db.raw_read() as conn:
        return class_day.not_asked_ids(conn, course_id), class_day.needing_review(conn, course_id)


def register_marks(
    ctx: AppContext, enrolment_ids: Sequence[int]
) -> dict[int, tuple[dict[int, str], set[int]]]:
    """Some people's register marks (session id -> mark, sessions joined online), by
    enrolment id: what a register on screen reads when one person's marks changed."""
    from escape_desktop.db import queries

    with ctx.db.read() as s:
        return queries.register_marks(s, enrolment_ids)


def course_summaries(ctx: AppContext, today: date) -> list[CourseListRow]:
    """Every course with its status and counts, as ``escape-desktop courses`` lists them."""
    from escape_desktop.db import queries

    with ctx.db.read() as s:
        return queries.course_summaries(s, today)


def find_people(ctx: AppContext, text: str) -> list[ParticipantHit]:
    """People matching a name, code, NHS number or phone, one line per enrolment."""
    from escape_desktop.db import queries

    with ctx.db.read() as s:
        return queries.search_participants(s, text)


def course_heading(ctx: AppContext, course_id: int) -> tuple[str, str] | None:
    """The course's code and title, or None when the course is gone."""
    with ctx.db.raw_read() as conn:
        return class_day.course_heading(conn, course_id)


def course_code(ctx: AppContext, course_id: int) -> str:
    """The course's code ("" when the course is gone)."""
    heading = course_heading(ctx, course_id)
    return heading[0] if heading is not None else ""


def enrolment_by_code(ctx: AppContext, course_id: int, person: str) -> tuple[int, str] | None:
    """(enrolment id, name) of the person with this pseudonymous code on the course, or None."""
    from sqlalchemy import func, select

    from escape_desktop.db.models import Enrolment, Participant

    with ctx.db.read() as s:
        row = s.execute(
            select(Enrolment.id, Participant.first_name, Participant.last_name)
            .join(Participant, Participant.id == Enrolment.participant_id)
            .where(
                Enrolment.course_id == course_id,
                func.upper(Participant.code) == person.strip().upper(),
            )
        ).first()
    return None if row is None else (int(row[0]), f"{row[1]} {row[2]}")


def session_id(ctx: AppContext, course_id: int, number: int) -> int | None:
    """The id of a course's session by its number, or None."""
    from sqlalchemy import select

    from escape_desktop.db.models import Session

    with ctx.db.read() as s:
        found = s.scalar(
            select(Session.id).where(Session.course_id == course_id, Session.number == number)
        )
    return None if found is None else int(found)


def course_dates(ctx: AppContext, course_id: int) -> tuple[str, list[date]]:
    """A course's code and its sessions' dates, in session order."""
    from escape_desktop.db.models import Course

    with ctx.db.read() as s:
        course = s.get(Course, course_id)
        if course is None:
            return "", []
        return course.code, [x.date for x in course.sessions]


def participant_code(ctx: AppContext, enrolment_id: int) -> str:
    """The pseudonymous code of the person on an enrolment ("" if it no longer exists)."""
    from escape_desktop.db.models import Enrolment

    with ctx.db.read() as s:
        enrolment = s.get(Enrolment, enrolment_id)
        return enrolment.participant.code if enrolment is not None else ""
