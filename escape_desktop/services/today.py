"""Today's class: the session to open on, who is due, who needs measures, who has missed two.

Read-only queries in plain SQL (db/class_day.py), so the window's Today panel is shown as it
opens, before SQLAlchemy is imported; the "This week" list reads the same way.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from escape_desktop.context import AppContext
from escape_desktop.db import class_day
from escape_desktop.i18n import _
from escape_desktop.programme import status as st
from escape_desktop.programme.delivery import HYBRID, session_online
from escape_desktop.programme.today import ClassTime, measures_due, todays_class, week_of

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
    weeks before today), oldest first: one query, in plain SQL (the window shows it as it opens).

    The same rule as programme.status.registers_not_taken: a live session before today,
    nobody marked in it, that counts for someone enrolled and not withdrawn (joined at or
    before it). Completion counts such a session as held for everyone, so it is named.
    """
    with ctx.db.raw_read() as conn:
        rows = class_day.registers_not_taken(conn, today, RECENT_WEEKS)
    return [MissingRegister(*row) for row in rows]


def _class_times(ctx: AppContext, first: date | None = None) -> list[ClassTime]:
    with ctx.db.raw_read() as conn:
        return [ClassTime(*row) for row in class_day.class_times(conn, first)]


def todays_session(ctx: AppContext, now: datetime) -> int | None:
    """The session id of today's class (or one starting within a few hours), else None."""
    found = todays_class(_class_times(ctx, now.date()), now)
    return found.session_id if found is not None else None


def brief(ctx: AppContext, session_id: int) -> TodayBrief:
    """Who is due at this session and who needs something from the instructor there.

    Plain SQL (db/class_day.py): the Today panel is shown as the window opens, before
    SQLAlchemy is imported."""
    with ctx.db.raw_read() as conn:
        found = class_day.session_course(conn, session_id)
        if found is None:
            from .errors import NotFound

            raise NotFound(_("That session no longer exists."))
        (sid, number, day, topic, cancelled, online, online_reason,
         course_id, code, title, start_time, mode) = found  # fmt: skip
        sessions = class_day.course_sessions(conn, course_id)  # (id, number, cancelled)
        out = TodayBrief(
            course_id, code, title, sid, number, len(sessions), day, start_time, topic, cancelled
        )
        out.online = session_online(mode, online)
        out.online_reason = online_reason
        out.hybrid = mode == HYBRID and not out.online
        people = class_day.people(conn, course_id)
        measured = class_day.measured(conn, course_id)
        held_before = [x for x in sessions if x[1] < number and not x[2]][-2:]
        marks = class_day.marks_at(conn, [x[0] for x in held_before])
        live = [x for x in sessions if not x[2]]
        numbers = [x[1] for x in live]
        out.last = bool(live) and live[-1][0] == sid
        # Each person's first class attended: start measures are due there (programme.today).
        first_came = class_day.first_came(conn, course_id)
        review = class_day.needing_review(conn, course_id)
    for eid, first, last, status in people:
        if status in _GONE:
            continue
        p = Person(eid, f"{first} {last}".strip())
        out.due.append(p)
        due = measures_due(numbers, number, first_came.get(eid))
        if due == "start" and (eid, "start") not in measured:
            out.start_measures.append(p)
        if due == "end" and (eid, "end") not in measured:
            out.end_measures.append(p)
        if len(held_before) == 2 and all(
            marks.get((eid, x[0])) in (st.ABSENT, st.APOLOGIES) for x in held_before
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
    with ctx.db.raw_read() as conn:
        rows = class_day.sessions_in(conn, ids)
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
