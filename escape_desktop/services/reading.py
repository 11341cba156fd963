"""Reads for the window's screens, each in its own read: a course's register, a person search,
a course's code. The window asks here instead of opening database sessions itself."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from escape_desktop.context import AppContext
from escape_desktop.db import queries
from escape_desktop.db.models import Course
from escape_desktop.db.queries import (
    CourseListRow,
    ParticipantHit,
    Register,
    RegisterRow,
    SessionInfo,
)

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
]


def course_register(ctx: AppContext, course_id: int) -> Register | None:
    """The course's register (people, sessions, marks), or None when the course is gone."""
    with ctx.db.read() as s:
        return queries.register(s, course_id)


def course_summaries(ctx: AppContext, today: date) -> list[CourseListRow]:
    """Every course with its status and counts, as ``escape-desktop courses`` lists them."""
    with ctx.db.read() as s:
        return queries.course_summaries(s, today)


def find_people(ctx: AppContext, text: str) -> list[ParticipantHit]:
    """People matching a name, code, NHS number or phone, one line per enrolment."""
    with ctx.db.read() as s:
        return queries.search_participants(s, text)


def course_heading(ctx: AppContext, course_id: int) -> tuple[str, str] | None:
    """The course's code and title, or None when the course is gone."""
    with ctx.db.read() as s:
        row = s.execute(select(Course.code, Course.title).where(Course.id == course_id)).first()
    return (row[0], row[1]) if row is not None else None


def course_code(ctx: AppContext, course_id: int) -> str:
    """The course's code ("" when the course is gone)."""
    with ctx.db.read() as s:
        return s.scalar(select(Course.code).where(Course.id == course_id)) or ""


def enrolment_by_code(ctx: AppContext, course_id: int, person: str) -> tuple[int, str] | None:
    """(enrolment id, name) of the person with this pseudonymous code on the course, or None."""
    from sqlalchemy import func

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
    from escape_desktop.db.models import Session

    with ctx.db.read() as s:
        found = s.scalar(
            select(Session.id).where(Session.course_id == course_id, Session.number == number)
        )
    return None if found is None else int(found)


def course_dates(ctx: AppContext, course_id: int) -> tuple[str, list[date]]:
    """A course's code and its sessions' dates, in session order."""
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
