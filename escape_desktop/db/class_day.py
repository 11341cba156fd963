"""What the window shows once it is ready to mark, read in plain SQL through the DB-API driver
(``Database.raw_read()``), so a class day's register is on screen before SQLAlchemy is imported
(issue 29: SQLAlchemy alone is about 3x a bare window's start-up and 100 MiB).

The second read model beside db/queries.py (SQLAlchemy): ``register`` must give exactly what
``queries.register`` gives, ``not_asked_ids`` what ``services.participants.consent_not_asked``
names and ``needing_review`` what ``services.screening.needing_review`` gives;
tests/db/test_class_day_reads.py holds them together over generated courses.
Also the Today panel's facts (services/today.py decides what they mean).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from escape_desktop.programme import status as st
from escape_desktop.programme.delivery import session_online
from escape_desktop.programme.register import Register, RegisterRow, SessionInfo


@dataclass(frozen=True)
class ParticipantHit:
    """One line of a person search (db/queries.search_participants reads them)."""

    participant_id: int
    enrolment_id: int | None
    code: str
    name: str
    date_of_birth: date | None
    course_id: int | None
    course_code: str
    status: str


def day(value: Any) -> date | None:
    """A stored date (ISO text, as SQLAlchemy's Date writes it on SQLite) as a date."""
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def _placeholders(values: list[int] | tuple[int, ...]) -> str:
    return ", ".join("?" for _ in values) or "NULL"


def register(conn: Any, course_id: int) -> Register | None:
    """A course's sessions and every enrolment's marks, as ``queries.register`` reads them."""
    head = conn.execute(
        "SELECT c.id, c.code, c.title, c.programme_key, v.name, c.start_time, c.capacity,"
        " c.closed_on, c.delivery_mode"
        " FROM courses c LEFT JOIN venues v ON v.id = c.venue_id WHERE c.id = ?",
        (course_id,),
    ).fetchone()
    if head is None:
        return None
    cid, code, title, programme, venue, start_time, capacity, closed_on, mode = head
    sessions = [
        SessionInfo(
            sid,
            number,
            day(when),  # type: ignore[arg-type]  # NOT NULL
            topic,
            bool(cancelled),
            cancel_reason,
            staff,
            notes,
            online=session_online(mode, bool(online)),
            online_reason=online_reason,
            moved_online=bool(online),
        )
        for sid, number, when, topic, cancelled, cancel_reason, staff, notes, online, online_reason
        in conn.execute(
            "SELECT id, number, date, topic, cancelled, cancel_reason, staff_present, notes,"
            " online, online_reason FROM sessions WHERE course_id = ? ORDER BY number",
            (course_id,),
        )
    ]  # fmt: skip
    rows: dict[int, RegisterRow] = {}
    for (
        e_id,
        p_id,
        p_code,
        first,
        last,
        status,
        reason,
        enrolled_on,
        withdrawn_on,
        joined,
    ) in conn.execute(
        "SELECT e.id, p.id, p.code, p.first_name, p.last_name, e.status, e.withdrawn_reason,"
        " e.enrolled_on, e.withdrawn_on, e.joined_session"
        " FROM enrolments e JOIN participants p ON p.id = e.participant_id"
        " WHERE e.course_id = ? ORDER BY p.last_name, p.first_name, e.id",
        (course_id,),
    ):
        rows[e_id] = RegisterRow(
            e_id,
            p_id,
            p_code,
            first,
            last,
            status,
            reason,
            {},
            day(enrolled_on),
            day(withdrawn_on),
            joined or 1,
        )
    if rows:
        for e_id, sid, mark, joined_online in conn.execute(
            "SELECT a.enrolment_id, a.session_id, a.mark, a.joined_online FROM attendance a"
            " JOIN enrolments e ON e.id = a.enrolment_id WHERE e.course_id = ?",
            (course_id,),
        ):
            rows[e_id].marks[sid] = mark
            if joined_online:
                rows[e_id].joined_online.add(sid)
    instructors = [
        name
        for (name,) in conn.execute(
            "SELECT i.name FROM instructors i"
            " JOIN course_instructors ci ON ci.instructor_id = i.id"
            " WHERE ci.course_id = ? ORDER BY i.name",
            (course_id,),
        )
    ]
    return Register(
        course_id=cid,
        code=code,
        title=title,
        programme=programme,
        venue=venue or "",
        start_time=start_time,
        capacity=capacity,
        instructors=instructors,
        sessions=sessions,
        rows=list(rows.values()),
        closed_on=day(closed_on),
        delivery_mode=mode,
    )


def not_asked_ids(conn: Any, course_id: int) -> set[int]:
    """Enrolments on a course (not withdrawn) whose person has a consent still not asked."""
    return {
        eid
        for (eid,) in conn.execute(
            "SELECT e.id FROM enrolments e JOIN participants p ON p.id = e.participant_id"
            " WHERE e.course_id = ? AND e.status != ?"
            " AND (p.consent_programme IS NULL OR p.consent_share IS NULL)",
            (course_id, st.WITHDRAWN),
        )
    }


def needing_review(conn: Any, course_id: int) -> set[int]:
    """Enrolment ids on a course still marked "needs review before starting"."""
    return {
        eid
        for (eid,) in conn.execute(
            "SELECT id FROM enrolments WHERE course_id = ? AND screening_status = 'needs_review'",
            (course_id,),
        )
    }


def course_heading(conn: Any, course_id: int) -> tuple[str, str] | None:
    """The course's code and title, or None when the course is gone."""
    row = conn.execute("SELECT code, title FROM courses WHERE id = ?", (course_id,)).fetchone()
    return (row[0], row[1]) if row is not None else None


# --- the Today panel's facts ------------------------------------------------------------


def class_times(conn: Any, first: date | None) -> list[tuple[int, int, date, str, bool]]:
    """(session id, course id, day, start time, cancelled) of sessions from ``first`` on."""
    sql = (
        "SELECT s.id, s.course_id, s.date, c.start_time, s.cancelled"
        " FROM sessions s JOIN courses c ON c.id = s.course_id"
    )
    args: tuple[Any, ...] = ()
    if first is not None:
        sql += " WHERE s.date >= ?"
        args = (first.isoformat(),)
    return [
        (sid, cid, day(d), t or "", bool(c))  # type: ignore[misc]
        for sid, cid, d, t, c in conn.execute(sql, args)
    ]


def sessions_in(conn: Any, ids: list[int]) -> dict[int, tuple[int, str, str, int, str]]:
    """Session id -> (course id, code, title, number, topic)."""
    return {
        sid: (cid, code, title, number, topic)
        for sid, cid, code, title, number, topic in conn.execute(
            "SELECT s.id, c.id, c.code, c.title, s.number, s.topic"
            " FROM sessions s JOIN courses c ON c.id = s.course_id"
            f" WHERE s.id IN ({_placeholders(ids)})",
            tuple(ids),
        )
    }


def registers_not_taken(
    conn: Any, today: date, weeks: int
) -> list[tuple[int, str, str, int, int, date]]:
    """(course id, code, title, session id, number, day) of live sessions on courses not
    closed, in the ``weeks`` before ``today``, with nobody marked and counting for someone
    enrolled and not withdrawn (joined at or before it); oldest first."""
    return [
        (cid, code, title, sid, number, day(d))  # type: ignore[misc]
        for cid, code, title, sid, number, d in conn.execute(
            "SELECT c.id, c.code, c.title, s.id, s.number, s.date"
            " FROM sessions s JOIN courses c ON c.id = s.course_id"
            " WHERE c.closed_on IS NULL AND s.cancelled = 0 AND s.date < ? AND s.date >= ?"
            " AND NOT EXISTS (SELECT 1 FROM attendance a WHERE a.session_id = s.id)"
            " AND EXISTS (SELECT 1 FROM enrolments e WHERE e.course_id = s.course_id"
            "   AND e.status != ? AND coalesce(e.joined_session, 1) <= s.number)"
            " ORDER BY s.date, c.code, s.number",
            (today.isoformat(), (today - timedelta(weeks=weeks)).isoformat(), st.WITHDRAWN),
        )
    ]


def session_course(conn: Any, session_id: int) -> tuple[Any, ...] | None:
    """(session id, number, day, topic, cancelled, online, online_reason, course id, code,
    title, start time, delivery mode) of a session, or None."""
    row = conn.execute(
        "SELECT s.id, s.number, s.date, s.topic, s.cancelled, s.online, s.online_reason,"
        " c.id, c.code, c.title, c.start_time, c.delivery_mode"
        " FROM sessions s JOIN courses c ON c.id = s.course_id WHERE s.id = ?",
        (session_id,),
    ).fetchone()
    if row is None:
        return None
    return (row[0], row[1], day(row[2]), row[3], bool(row[4]), bool(row[5]), *row[6:])


def course_sessions(conn: Any, course_id: int) -> list[tuple[int, int, bool]]:
    """(id, number, cancelled) of a course's sessions in number order."""
    return [
        (sid, number, bool(cancelled))
        for sid, number, cancelled in conn.execute(
            "SELECT id, number, cancelled FROM sessions WHERE course_id = ? ORDER BY number",
            (course_id,),
        )
    ]


def people(conn: Any, course_id: int) -> list[tuple[int, str, str, str]]:
    """(enrolment id, first name, last name, status), by name then enrolment."""
    return list(
        conn.execute(
            "SELECT e.id, p.first_name, p.last_name, e.status"
            " FROM enrolments e JOIN participants p ON p.id = e.participant_id"
            " WHERE e.course_id = ? ORDER BY p.last_name, p.first_name, e.id",
            (course_id,),
        )
    )


def measured(conn: Any, course_id: int) -> set[tuple[int, str]]:
    """(enrolment id, timepoint) of every assessment on the course."""
    return {
        (eid, tp)
        for eid, tp in conn.execute(
            "SELECT a.enrolment_id, a.timepoint FROM assessments a"
            " JOIN enrolments e ON e.id = a.enrolment_id WHERE e.course_id = ?",
            (course_id,),
        )
    }


def marks_at(conn: Any, session_ids: list[int]) -> dict[tuple[int, int], str]:
    """(enrolment id, session id) -> mark at these sessions."""
    return {
        (eid, sid): mark
        for eid, sid, mark in conn.execute(
            "SELECT enrolment_id, session_id, mark FROM attendance"
            f" WHERE session_id IN ({_placeholders(session_ids)})",
            tuple(session_ids),
        )
    }


def first_came(conn: Any, course_id: int) -> dict[int, int]:
    """Enrolment id -> number of the first live session they were present at."""
    return dict(
        conn.execute(
            "SELECT a.enrolment_id, min(s.number) FROM attendance a"
            " JOIN sessions s ON s.id = a.session_id"
            " WHERE s.course_id = ? AND s.cancelled = 0 AND a.mark = ?"
            " GROUP BY a.enrolment_id",
            (course_id, st.PRESENT),
        ).fetchall()
    )
