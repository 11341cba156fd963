"""Read models: what screens, documents and the command line show, in few queries each."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session as OrmSession

# The register's records are defined once, in programme/register.py (export/ prints them).
from escape_desktop.programme.delivery import session_online
from escape_desktop.programme.register import Register as Register
from escape_desktop.programme.register import RegisterRow as RegisterRow
from escape_desktop.programme.register import SessionInfo as SessionInfo

# The courses list is plain SQL, so the window's first screen can read it before SQLAlchemy
# is imported; it lives there and is re-exported here for everyone else.
from escape_desktop.programme.status import course_summary as course_summary

from .class_day import ParticipantHit as ParticipantHit
from .first_screen import CourseListRow as CourseListRow
from .first_screen import course_status as course_status
from .first_screen import course_summaries as course_summaries
from .models import (
    Attendance,
    Course,
    CourseInstructor,
    Enrolment,
    Instructor,
    Participant,
    Session,
    Venue,
)


def attended_counts(s: OrmSession, course_ids: list[int] | None = None) -> dict[int, int]:
    """Sessions attended (present, in sessions not cancelled) per enrolment id."""
    q = (
        select(Attendance.enrolment_id, func.count())
        .join(Session, Session.id == Attendance.session_id)
        .where(Attendance.mark == "present", Session.cancelled.is_(False))
        .group_by(Attendance.enrolment_id)
    )
    if course_ids is not None:
        q = q.where(Session.course_id.in_(course_ids))
    return dict(s.execute(q).all())


def course_by_code(s: OrmSession, code: str) -> Course | None:
    return s.scalar(select(Course).where(Course.code == code))


def register(s: OrmSession, course_id: int) -> Register | None:
    """A course's sessions and every enrolment's marks: three queries."""
    head = s.execute(
        select(Course, Venue.name)
        .outerjoin(Venue, Venue.id == Course.venue_id)
        .where(Course.id == course_id)
    ).first()
    if head is None:
        return None
    course, venue = head
    sessions = [
        SessionInfo(
            x.id,
            x.number,
            x.date,
            x.topic,
            x.cancelled,
            x.cancel_reason,
            x.staff_present,
            x.notes,
            online=session_online(course.delivery_mode, x.online),
            online_reason=x.online_reason,
            moved_online=x.online,
        )
        for x in s.scalars(
            select(Session).where(Session.course_id == course_id).order_by(Session.number)
        )
    ]
    rows: dict[int, RegisterRow] = {}
    for (
        e_id,
        p_id,
        code,
        first,
        last,
        status,
        reason,
        enrolled_on,
        withdrawn_on,
        joined,
    ) in s.execute(
        select(
            Enrolment.id,
            Participant.id,
            Participant.code,
            Participant.first_name,
            Participant.last_name,
            Enrolment.status,
            Enrolment.withdrawn_reason,
            Enrolment.enrolled_on,
            Enrolment.withdrawn_on,
            Enrolment.joined_session,
        )
        .join(Participant, Participant.id == Enrolment.participant_id)
        .where(Enrolment.course_id == course_id)
        .order_by(Participant.last_name, Participant.first_name, Enrolment.id)
    ):
        rows[e_id] = RegisterRow(
            e_id,
            p_id,
            code,
            first,
            last,
            status,
            reason,
            {},
            enrolled_on,
            withdrawn_on,
            joined or 1,
        )
    if rows:
        for e_id, sid, mark, joined_online in s.execute(
            select(
                Attendance.enrolment_id,
                Attendance.session_id,
                Attendance.mark,
                Attendance.joined_online,
            )
            .join(Enrolment, Enrolment.id == Attendance.enrolment_id)
            .where(Enrolment.course_id == course_id)
        ):
            rows[e_id].marks[sid] = mark
            if joined_online:
                rows[e_id].joined_online.add(sid)
    instructors = list(
        s.scalars(
            select(Instructor.name)
            .join(CourseInstructor, CourseInstructor.instructor_id == Instructor.id)
            .where(CourseInstructor.course_id == course_id)
            .order_by(Instructor.name)
        )
    )
    return Register(
        course_id=course.id,
        code=course.code,
        title=course.title,
        programme=course.programme_key,
        venue=venue or "",
        start_time=course.start_time,
        capacity=course.capacity,
        instructors=instructors,
        sessions=sessions,
        rows=list(rows.values()),
        closed_on=course.closed_on,
        delivery_mode=course.delivery_mode,
    )


def register_marks(
    s: OrmSession, enrolment_ids: Sequence[int]
) -> dict[int, tuple[dict[int, str], set[int]]]:
    """Some people's marks, as ``register`` reads them for everyone: by enrolment id, (session
    id -> mark, the sessions they joined online). One query; for a register on screen that
    hears one person's mark changed elsewhere (issue 29)."""
    found: dict[int, tuple[dict[int, str], set[int]]] = {e: ({}, set()) for e in enrolment_ids}
    for e_id, sid, mark, joined_online in s.connection().execute(
        select(
            Attendance.enrolment_id,
            Attendance.session_id,
            Attendance.mark,
            Attendance.joined_online,
        ).where(Attendance.enrolment_id.in_(list(enrolment_ids)))
    ):
        found[e_id][0][sid] = mark
        if joined_online:
            found[e_id][1].add(sid)
    return found


def search_participants(s: OrmSession, text: str, limit: int = 200) -> list[ParticipantHit]:
    """People whose name, code, NHS number or phone contains ``text``, across all courses."""
    like = f"%{text.strip()}%"
    digits = "".join(ch for ch in text if ch.isdigit())
    conds = [
        Participant.first_name.ilike(like),
        Participant.last_name.ilike(like),
        (Participant.first_name + " " + Participant.last_name).ilike(like),
        Participant.code.ilike(like),
    ]
    if len(digits) >= 3:
        conds.append(Participant.nhs_number.like(f"%{digits}%"))
        conds.append(Participant.phone.like(f"%{digits}%"))
    q = (
        select(Participant, Enrolment.id, Course.id, Course.code, Enrolment.status)
        .outerjoin(Enrolment, Enrolment.participant_id == Participant.id)
        .outerjoin(Course, Course.id == Enrolment.course_id)
        .where(or_(*conds))
        .order_by(Participant.last_name, Participant.first_name, Course.start_date.desc())
        .limit(limit)
    )
    return [
        ParticipantHit(
            p.id, e_id, p.code, p.full_name, p.date_of_birth, c_id, c_code or "", status or ""
        )
        for p, e_id, c_id, c_code, status in s.execute(q)
    ]
