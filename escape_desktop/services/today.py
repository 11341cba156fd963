"""Today's class: the session to open on, who is due, who needs measures, who has missed two.

Read-only queries; the window's Today panel and the "This week" list show them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import exists, func, select

from escape_desktop.context import AppContext
from escape_desktop.db.models import Assessment, Attendance, Course, Enrolment, Participant, Session
from escape_desktop.i18n import _
from escape_desktop.programme import status as st
from escape_desktop.programme.delivery import HYBRID, session_online
from escape_desktop.programme.today import ClassTime, measures_due, todays_class, week_of

from .screening import needing_review

# People no longer expected at the class.
_GONE = (st.WITHDRAWN,)

# How far back the Today panel looks for registers not taken: a recent course's forgotten
# register is still on the instructor's clipboard; older ones the course's figures name.
RECENT_WEEKS = 6


@dataclass(frozen=True)
class Person:
    enrolment_id: int
    name: str


@dataclass
class TodayBrief:
    """What the instructor needs at the door for one session."""

    course_id: int
    code: str
    title: str
    session_id: int
    number: int
    sessions: int
    day: date
    start_time: str
    topic: str
    cancelled: bool
    due: list[Person] = field(default_factory=list)
    start_measures: list[Person] = field(default_factory=list)
    end_measures: list[Person] = field(default_factory=list)
    missed_two: list[Person] = field(default_factory=list)
    review: list[Person] = field(default_factory=list)
    last: bool = False  # the course's last class: finished once its register is taken
    # Held over video (a virtual course, or moved online with the reason), or a hybrid
    # course's hall session some may join over video (programme.delivery).
    online: bool = False
    online_reason: str = ""
    hybrid: bool = False


@dataclass(frozen=True)
class WeekSession:
    course_id: int
    code: str
    title: str
    session_id: int
    number: int
    day: date
    start_time: str
    topic: str
    cancelled: bool


@dataclass(frozen=True)
class MissingRegister:
    """A session whose day has passed with nobody marked in it (programme.status's rule)."""

    course_id: int
    code: str
    title: str
    session_id: int
    number: int
    day: date


def registers_not_taken(ctx: AppContext, today: date) -> list[MissingRegister]:
    """Registers not taken on recent courses (not closed, sessions in the last RECENT_WEEKS
    weeks before today), oldest first: one query.

    The same rule as programme.status.registers_not_taken: a live session before today,
    nobody marked in it, that counts for someone enrolled and not withdrawn (joined at or
    before it). Completion counts such a session as held for everyone, so it is named.
    """
    marked = exists().where(Attendance.session_id == Session.id)
    counts_for_someone = exists().where(
        Enrolment.course_id == Session.course_id,
        Enrolment.status != st.WITHDRAWN,
        func.coalesce(Enrolment.joined_session, 1) <= Session.number,
    )
    with ctx.db.read() as s:
        rows = s.execute(
            select(Course.id, Course.code, Course.title, Session.id, Session.number, Session.date)
            .join(Course, Course.id == Session.course_id)
            .where(
                Course.closed_on.is_(None),
                Session.cancelled.is_(False),
                Session.date < today,
                Session.date >= today - timedelta(weeks=RECENT_WEEKS),
                ~marked,
                counts_for_someone,
            )
            .order_by(Session.date, Course.code, Session.number)
        ).all()
    return [MissingRegister(*row) for row in rows]


def _class_times(ctx: AppContext, first: date | None = None) -> list[ClassTime]:
    with ctx.db.read() as s:
        q = select(
            Session.id, Session.course_id, Session.date, Course.start_time, Session.cancelled
        )
        q = q.join(Course, Course.id == Session.course_id)
        if first is not None:
            q = q.where(Session.date >= first)
        return [ClassTime(sid, cid, d, t or "", bool(c)) for sid, cid, d, t, c in s.execute(q)]


def todays_session(ctx: AppContext, now: datetime) -> int | None:
    """The session id of today's class (or one starting within a few hours), else None."""
    found = todays_class(_class_times(ctx, now.date()), now)
    return found.session_id if found is not None else None


def brief(ctx: AppContext, session_id: int) -> TodayBrief:
    """Who is due at this session and who needs something from the instructor there."""
    review = None
    with ctx.db.read() as s:
        sess = s.get(Session, session_id)
        if sess is None:
            from .errors import NotFound

            raise NotFound(_("That session no longer exists."))
        course = sess.course
        sessions = sorted(course.sessions, key=lambda x: x.number)
        out = TodayBrief(
            course.id, course.code, course.title, sess.id, sess.number, len(sessions),
            sess.date, course.start_time, sess.topic, sess.cancelled,
        )  # fmt: skip
        out.online = session_online(course.delivery_mode, sess.online)
        out.online_reason = sess.online_reason
        out.hybrid = course.delivery_mode == HYBRID and not out.online
        people = s.execute(
            select(Enrolment.id, Participant.first_name, Participant.last_name, Enrolment.status)
            .join(Participant, Participant.id == Enrolment.participant_id)
            .where(Enrolment.course_id == course.id)
            .order_by(Participant.last_name, Participant.first_name, Enrolment.id)
        ).all()
        measured = {
            (eid, tp)
            for eid, tp in s.execute(
                select(Assessment.enrolment_id, Assessment.timepoint)
                .join(Enrolment, Enrolment.id == Assessment.enrolment_id)
                .where(Enrolment.course_id == course.id)
            )
        }
        held_before = [x for x in sessions if x.number < sess.number and not x.cancelled][-2:]
        marks = {
            (eid, sid): mark
            for eid, sid, mark in s.execute(
                select(Attendance.enrolment_id, Attendance.session_id, Attendance.mark).where(
                    Attendance.session_id.in_([x.id for x in held_before] or [-1])
                )
            )
        }
        live = [x for x in sessions if not x.cancelled]
        numbers = [x.number for x in live]
        out.last = bool(live) and live[-1].id == sess.id
        # Each person's first class attended: start measures are due there (programme.today).
        first_came = dict(
            s.execute(
                select(Attendance.enrolment_id, func.min(Session.number))
                .join(Session, Session.id == Attendance.session_id)
                .where(
                    Session.course_id == course.id,
                    Session.cancelled.is_(False),
                    Attendance.mark == st.PRESENT,
                )
                .group_by(Attendance.enrolment_id)
            ).all()
        )
        review = needing_review(ctx, course.id)
        for eid, first, last, status in people:
            if status in _GONE:
                continue
            p = Person(eid, f"{first} {last}".strip())
            out.due.append(p)
            due = measures_due(numbers, sess.number, first_came.get(eid))
            if due == "start" and (eid, "start") not in measured:
                out.start_measures.append(p)
            if due == "end" and (eid, "end") not in measured:
                out.end_measures.append(p)
            if len(held_before) == 2 and all(
                marks.get((eid, x.id)) in (st.ABSENT, st.APOLOGIES) for x in held_before
            ):
                out.missed_two.append(p)
            if eid in review:
                out.review.append(p)
    return out


def this_week(ctx: AppContext, today: date) -> list[WeekSession]:
    """Every course's sessions from today to six days on, in time order."""
    times = week_of(_class_times(ctx, today), today)
    if not times:
        return []
    ids = [t.session_id for t in times]
    with ctx.db.read() as s:
        rows = {
            sid: (cid, code, title, number, topic)
            for sid, cid, code, title, number, topic in s.execute(
                select(
                    Session.id, Course.id, Course.code, Course.title, Session.number, Session.topic
                )
                .join(Course, Course.id == Session.course_id)
                .where(Session.id.in_(ids))
            )
        }
    return [
        WeekSession(
            rows[t.session_id][0],
            rows[t.session_id][1],
            rows[t.session_id][2],
            t.session_id,
            rows[t.session_id][3],
            t.day,
            t.start_time,
            rows[t.session_id][4],
            t.cancelled,
        )  # fmt: skip
        for t in times
    ]
