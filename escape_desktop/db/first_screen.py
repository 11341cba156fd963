"""What the window's first screen reads (the courses list, the large-text setting), in plain
SQL through the DB-API driver, so it paints before SQLAlchemy is imported.

``course_summaries`` is the only implementation of the courses list: db/queries.py re-exports
it, and it accepts a DB-API connection (``Database.raw_read()``) or an ORM session.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from escape_desktop.programme.completion import sessions_needed


@dataclass(frozen=True)
class CourseSummary:
    id: int
    code: str
    title: str
    programme: str
    venue: str
    start_date: date
    end_date: date | None
    weekdays: str
    start_time: str
    capacity: int
    status: str  # upcoming / running / finished
    sessions_planned: int
    sessions_delivered: int
    participants: int
    completers: int

    def as_json(self) -> dict:
        return {
            "code": self.code,
            "title": self.title,
            "programme": self.programme,
            "venue": self.venue,
            "start_date": self.start_date.isoformat(),
            "end_date": self.end_date.isoformat() if self.end_date else None,
            "status": self.status,
            "sessions_planned": self.sessions_planned,
            "sessions_delivered": self.sessions_delivered,
            "participants": self.participants,
            "completers": self.completers,
            "capacity": self.capacity,
        }


def course_status(first: date | None, last: date | None, today: date) -> str:
    if first is None or today < first:
        return "upcoming"
    if last is not None and today > last:
        return "finished"
    return "running"


def dbapi(conn: Any) -> Any:
    """The driver connection behind an ORM session (inside its transaction), or ``conn``."""
    connection = getattr(conn, "connection", None)
    if callable(connection):  # a SQLAlchemy Session: its Connection's pooled driver connection
        return connection().connection.driver_connection
    return conn


def _day(value: Any) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


# Per course: its sessions' span and counts, and the people enrolled (not withdrawn).
# Dates are stored as ISO text, so they compare as text.
_COURSES_SQL = """
SELECT c.id, c.code, c.title, c.programme_key, v.name, c.start_date, c.weekdays,
       c.start_time, c.capacity, s.first, s.last, s.planned, s.delivered, e.n
FROM courses c
LEFT JOIN venues v ON v.id = c.venue_id
LEFT JOIN (
    SELECT course_id,
           min(CASE WHEN cancelled = 0 THEN date END) AS first,
           max(CASE WHEN cancelled = 0 THEN date END) AS last,
           count(*) AS planned,
           sum(CASE WHEN cancelled = 0 AND date <= :today THEN 1 ELSE 0 END) AS delivered
    FROM sessions GROUP BY course_id
) s ON s.course_id = c.id
LEFT JOIN (
    SELECT course_id, count(*) AS n FROM enrolments WHERE status != 'withdrawn'
    GROUP BY course_id
) e ON e.course_id = c.id
{where}
ORDER BY c.start_date DESC, c.code
"""

# Sessions attended (present, in sessions not cancelled) by each person still enrolled on a
# finished course: the course's last session before today.
_ATTENDED_SQL = """
SELECT e.course_id, (
    SELECT count(*) FROM attendance a JOIN sessions x ON x.id = a.session_id
    WHERE a.enrolment_id = e.id AND a.mark = 'present' AND x.cancelled = 0
)
FROM enrolments e
WHERE e.status != 'withdrawn' AND e.course_id IN (
    SELECT course_id FROM sessions WHERE cancelled = 0
    GROUP BY course_id HAVING max(date) < :today
)
"""


def course_summaries(
    conn: Any, today: date, *, search: str = "", codes: list[str] | None = None
) -> list[CourseSummary]:
    """Every course (matching ``search`` in code, title or venue; or only ``codes``), newest
    first, with its status on ``today``, counts and, once finished, its completers."""
    raw = dbapi(conn)
    params: dict[str, Any] = {"today": today.isoformat()}
    where = []
    if search:
        params["like"] = f"%{search}%"
        where.append(
            "(lower(c.code) LIKE lower(:like) OR lower(c.title) LIKE lower(:like)"
            " OR lower(v.name) LIKE lower(:like))"
        )
    if codes is not None:
        names = [f"code{i}" for i in range(len(codes))]
        params.update(zip(names, codes, strict=True))
        where.append(f"c.code IN ({', '.join(':' + n for n in names)})" if names else "0")
    sql = _COURSES_SQL.format(where=("WHERE " + " AND ".join(where)) if where else "")
    rows = raw.execute(sql, params).fetchall()
    result = []
    finished: dict[int, int] = {}  # course id -> sessions needed to complete
    for (
        cid,
        code,
        title,
        key,
        venue,
        start,
        weekdays,
        time_,
        cap,
        first,
        last,
        planned,
        held,
        n,
    ) in rows:
        first_day, last_day = _day(first), _day(last)
        status = course_status(first_day, last_day, today)
        if status == "finished":
            finished[cid] = sessions_needed(int(held or 0)) if held else -1
        result.append(
            CourseSummary(
                id=cid,
                code=code,
                title=title,
                programme=key,
                venue=venue or "",
                start_date=first_day or _day(start),  # type: ignore[arg-type]
                end_date=last_day,
                weekdays=weekdays,
                start_time=time_,
                capacity=cap,
                status=status,
                sessions_planned=int(planned or 0),
                sessions_delivered=int(held or 0),
                participants=int(n or 0),
                completers=0,
            )
        )
    if not finished:
        return result
    completers: dict[int, int] = {}
    for cid, attended in raw.execute(_ATTENDED_SQL, {"today": params["today"]}):
        needed = finished.get(cid)
        if needed is not None and needed >= 0 and attended >= needed:
            completers[cid] = completers.get(cid, 0) + 1
    return [replace(r, completers=completers[r.id]) if r.id in completers else r for r in result]


LARGE_TEXT = "large_text"  # the same key as services.settings.LARGE_TEXT (a test keeps them equal)


def setting(conn: Any, key: str, default: str = "") -> str:
    """One site setting (services/settings.py owns their meaning and writing)."""
    row = dbapi(conn).execute("SELECT value FROM settings WHERE key = ?", (key,)).fetchone()
    return row[0] if row else default
