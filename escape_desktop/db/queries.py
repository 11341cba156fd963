"""Read models: what screens, documents and the command line show, in few queries each."""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session as OrmSession

# The courses list is plain SQL, so the window's first screen can read it before SQLAlchemy
# is imported; it lives there and is re-exported here for everyone else.
from escape_desktop.programme.status import (
    WITHDRAWN,
    EnrolmentFact,
    PersonStatus,
    SessionFact,
    decision_day,
)
from escape_desktop.programme.status import CourseSummary as StatusSummary
from escape_desktop.programme.status import course_summary as course_summary

from .first_screen import CourseSummary as CourseSummary
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


@dataclass(frozen=True)
class SessionInfo:
    id: int
    number: int
    date: date
    topic: str
    cancelled: bool
    cancel_reason: str
    staff_present: str
    notes: str


@dataclass
class RegisterRow:
    enrolment_id: int
    participant_id: int
    code: str
    first_name: str
    last_name: str
    status: str
    withdrawn_reason: str
    marks: dict[int, str] = field(default_factory=dict)  # session id -> mark
    enrolled_on: date | None = None
    withdrawn_on: date | None = None
    joined_at: int = 1  # the session they joined at

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


@dataclass
class Register:
    course_id: int
    code: str
    title: str
    programme: str
    venue: str
    start_time: str
    capacity: int
    instructors: list[str]
    sessions: list[SessionInfo]
    rows: list[RegisterRow]
    closed_on: date | None = None  # closed early: finished from this day

    def delivered(self, today: date) -> int:
        day, _ = decision_day(today, self.closed_on)
        return sum(1 for x in self.sessions if not x.cancelled and x.date <= day)

    def figures(self, today: date) -> tuple[StatusSummary, dict[Hashable, PersonStatus]]:
        """The course's counts and each person's status (by enrolment id) from programme.status,
        on the marks as they stand in this register (the screen updates them in place)."""
        sessions = [SessionFact(x.id, x.date, x.cancelled, x.number) for x in self.sessions]
        people = [
            EnrolmentFact(
                key=r.enrolment_id,
                enrolled_on=r.enrolled_on,
                marks=r.marks,
                withdrawn=r.status == WITHDRAWN,
                withdrawn_on=r.withdrawn_on,
                joined_at=r.joined_at,
            )
            for r in self.rows
        ]
        day, closed = decision_day(today, self.closed_on)
        return course_summary(people, sessions, day, closed=closed)

    def attended(self, row: RegisterRow) -> int:
        held = {x.id for x in self.sessions if not x.cancelled}
        return sum(1 for sid, m in row.marks.items() if m == "present" and sid in held)


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
            x.id, x.number, x.date, x.topic, x.cancelled, x.cancel_reason, x.staff_present, x.notes
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
        .order_by(Participant.last_name, Participant.first_name)
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
        for e_id, sid, mark in s.execute(
            select(Attendance.enrolment_id, Attendance.session_id, Attendance.mark)
            .join(Enrolment, Enrolment.id == Attendance.enrolment_id)
            .where(Enrolment.course_id == course_id)
        ):
            rows[e_id].marks[sid] = mark
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
    )


@dataclass(frozen=True)
class ParticipantHit:
    participant_id: int
    enrolment_id: int | None
    code: str
    name: str
    date_of_birth: date | None
    course_id: int | None
    course_code: str
    status: str


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
