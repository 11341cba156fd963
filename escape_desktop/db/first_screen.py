"""What the window's first screen reads (the courses list, the large-text setting), in plain
SQL through the DB-API driver, so it paints before SQLAlchemy is imported.

``course_summaries`` is the only implementation of the courses list: db/queries.py re-exports
it, and it accepts a DB-API connection (``Database.raw_read()``) or an ORM session. It reads
the plain facts and lets ``programme.status.course_summary`` decide every figure.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from escape_desktop.programme import delivery as programme_delivery
from escape_desktop.programme import status as programme_status
from escape_desktop.programme.status import EnrolmentFact, SessionFact, decision_day


@dataclass(frozen=True)
class CourseListRow:
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
    status: str  # upcoming / running / finished (programme.status's course phase)
    sessions_planned: int  # scheduled and not cancelled
    sessions_delivered: int
    participants: int  # enrolled, not withdrawn
    completers: int | None  # None until the course is finished
    figures: programme_status.CourseSummary  # the whole funnel, from programme.status
    closed_on: date | None = None
    # Session numbers whose day has passed with nobody marked (programme.status): completion
    # counts them as held, so they are named until their registers are taken or cancelled.
    registers_not_taken: tuple[int, ...] = ()
    # in_person / virtual / hybrid, and sessions and attendance by place (programme.delivery)
    delivery_mode: str = programme_delivery.IN_PERSON
    by_place: programme_delivery.ModeFigures | None = None

    def as_json(self) -> dict:
        x = self.figures
        return {
            "code": self.code,
            "title": self.title,
            "programme": self.programme,
            "venue": self.venue,
            "start_date": self.start_date.isoformat(),
            "end_date": self.end_date.isoformat() if self.end_date else None,
            "closed_on": self.closed_on.isoformat() if self.closed_on else None,
            "status": self.status,
            "sessions_planned": self.sessions_planned,
            "sessions_delivered": self.sessions_delivered,
            "sessions_cancelled": x.sessions_cancelled,
            "enrolled": x.enrolled,
            "participants": self.participants,
            "withdrawn": x.withdrawn,
            "started": x.started,
            "did_not_start": x.did_not_start,
            "completers": self.completers,
            "completion_rate": x.completion_rate,
            "completion_denominator": "started",
            "on_track": x.on_track,
            "needs_more": x.needs_more,
            "cannot_complete": x.cannot_complete,
            "capacity": self.capacity,
            "registers_not_taken": list(self.registers_not_taken),
            "delivery_mode": self.delivery_mode,
            "sessions_online": self.by_place.sessions_online if self.by_place else 0,
            "by_place": self.by_place.as_json() if self.by_place else None,
        }


def course_status(first: date | None, last: date | None, today: date) -> str:
    """Phase from a course's first and last live session (no cancellations or closing known)."""
    sessions = [SessionFact(i, d) for i, d in enumerate((first, last)) if d is not None]
    return programme_status.course_phase(sessions, today)


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


_COURSES_SQL = """
SELECT c.id, c.code, c.title, c.programme_key, v.name, c.start_date, c.weekdays,
       c.start_time, c.capacity, c.closed_on, c.delivery_mode
FROM courses c
LEFT JOIN venues v ON v.id = c.venue_id
{where}
ORDER BY c.start_date DESC, c.code
"""

# The same facts services/figures.read_facts reads, in plain SQL: sessions, places, marks.
_SESSIONS_SQL = (
    "SELECT id, course_id, date, cancelled, number, online FROM sessions ORDER BY course_id, number"
)
_ENROLMENTS_SQL = (
    "SELECT id, course_id, status, enrolled_on, withdrawn_on, joined_session"
    " FROM enrolments ORDER BY id"
)
_MARKS_SQL = "SELECT enrolment_id, session_id, mark, joined_online FROM attendance"


def course_summaries(
    conn: Any,
    today: date,
    *,
    search: str = "",
    codes: list[str] | None = None,
    ids: Sequence[int] | None = None,
) -> list[CourseListRow]:
    """Every course (matching ``search`` in code, title or venue; or only ``codes``; or only
    ``ids``), newest first, with its phase and counts on ``today`` decided by programme.status.

    With ``ids`` only those courses' sessions, people and marks are read, so the cost follows
    the courses asked for, not the years of history (the window's list asks a screenful)."""
    raw = dbapi(conn)
    params: dict[str, Any] = {}
    where = []
    if ids is not None:
        names = [f"id{i}" for i in range(len(ids))]
        params.update(zip(names, ids, strict=True))
        where.append(f"c.id IN ({', '.join(':' + n for n in names)})" if names else "0")
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
    if not rows:
        return []
    wanted = {r[0] for r in rows}
    only: tuple[int, ...] = ()
    session_sql, enrolment_sql, marks_sql = _SESSIONS_SQL, _ENROLMENTS_SQL, _MARKS_SQL
    if ids is not None:  # the facts of these courses only (each query uses a course index)
        only = tuple(wanted)
        marks_in = ", ".join("?" * len(only))
        session_sql = _SESSIONS_SQL.replace(
            " ORDER BY", f" WHERE course_id IN ({marks_in}) ORDER BY"
        )
        enrolment_sql = _ENROLMENTS_SQL.replace(
            " ORDER BY", f" WHERE course_id IN ({marks_in}) ORDER BY"
        )
        marks_sql = (
            _MARKS_SQL + " WHERE enrolment_id IN (SELECT id FROM enrolments"
            f" WHERE course_id IN ({marks_in}))"
        )
    sessions: dict[int, list[SessionFact]] = {}
    moved: set[int] = set()
    for sid, cid, day, cancelled, number, online in raw.execute(session_sql, only):
        if online:
            moved.add(sid)
        if cid in wanted:
            sessions.setdefault(cid, []).append(
                SessionFact(sid, _day(day), bool(cancelled), number)  # type: ignore[arg-type]
            )
    marks: dict[int, dict[Hashable, str]] = {}
    online_at: dict[int, set[int]] = {}  # enrolment -> sessions where they joined online
    for eid, sid, mark, joined_online in raw.execute(marks_sql, only):
        marks.setdefault(eid, {})[sid] = mark
        if joined_online:
            online_at.setdefault(eid, set()).add(sid)
    people: dict[int, list[EnrolmentFact]] = {}
    for eid, cid, status, enrolled_on, withdrawn_on, joined in raw.execute(enrolment_sql, only):
        if cid in wanted:
            people.setdefault(cid, []).append(
                EnrolmentFact(
                    key=eid,
                    enrolled_on=_day(enrolled_on),
                    marks=marks.get(eid, {}),
                    withdrawn=status == programme_status.WITHDRAWN,
                    withdrawn_on=_day(withdrawn_on),
                    joined_at=joined or 1,
                )
            )
    result = []
    for cid, code, title, key, venue, start, weekdays, time_, cap, closed, mode in rows:
        facts = sessions.get(cid, [])
        closed_on = _day(closed)
        day, closed_now = programme_status.decision_day(today, closed_on)
        summary, _people = programme_status.course_summary(
            people.get(cid, []), facts, day, closed=closed_now
        )
        untaken = programme_status.registers_not_taken(people.get(cid, []), facts, day)
        live = [x.date for x in facts if not x.cancelled]
        result.append(
            CourseListRow(
                id=cid,
                code=code,
                title=title,
                programme=key,
                venue=venue or "",
                start_date=min(live) if live else _day(start),  # type: ignore[arg-type]
                end_date=max(live) if live else None,
                weekdays=weekdays,
                start_time=time_,
                capacity=cap,
                status=summary.phase,
                sessions_planned=summary.sessions_planned,
                sessions_delivered=summary.sessions_delivered,
                participants=summary.participants,
                completers=summary.completers,
                figures=summary,
                closed_on=closed_on,
                registers_not_taken=tuple(x.number for x in untaken),
                delivery_mode=mode,
                by_place=programme_delivery.mode_figures(
                    mode, facts, people.get(cid, []), moved, online_at, day
                ),
            )
        )
    return result


# The window's courses list: what orders and names every course comes from one query (phase
# from each course's first and last live session, in SQL); the figures (people, sessions held,
# completers) are read by course_summaries only for the rows a screen actually shows, a page
# at a time, so opening the window costs the same after ten years of courses as after one.
_LIST_SQL = """
SELECT c.id, c.code, c.title, c.programme_key, v.name, c.start_date, c.weekdays,
       c.start_time, c.capacity, c.closed_on, c.delivery_mode,
       (SELECT min(s.date) FROM sessions s WHERE s.course_id = c.id AND NOT s.cancelled),
       (SELECT max(s.date) FROM sessions s WHERE s.course_id = c.id AND NOT s.cancelled)
FROM courses c
LEFT JOIN venues v ON v.id = c.venue_id
{where}
ORDER BY c.start_date DESC, c.code
"""
PAGE = 32  # courses whose figures are read together (a screenful and some)
_LAZY = frozenset(
    {
        "sessions_planned",
        "sessions_delivered",
        "participants",
        "completers",
        "figures",
        "registers_not_taken",
        "by_place",
        "as_json",
    }
)


def list_phase(
    first: date | None, last: date | None, today: date, closed_on: date | None
) -> str | None:
    """programme.status's course phase from the first and last live session alone; None on
    the one day it also needs the marks (the last session is today: held once its register
    is taken)."""
    day, closed = decision_day(today, closed_on)
    if closed:
        return programme_status.FINISHED
    if last is None:
        return programme_status.UPCOMING
    if last < day:
        return programme_status.FINISHED
    if last == day:
        return None
    if first is not None and first > day:
        return programme_status.UPCOMING
    return programme_status.RUNNING


class _Figures:
    """Reads the full rows of a list's courses a page at a time, when first asked."""

    def __init__(self, read: Callable[[], Any], today: date, ids: list[int]):
        self.read = read  # a context manager factory giving a DB-API connection (raw_read)
        self.today = today
        self.ids = ids  # in the list's query order, which pages follow
        self.position = {cid: i for i, cid in enumerate(ids)}
        self.full: dict[int, CourseListRow] = {}

    def row(self, course_id: int) -> CourseListRow:
        found = self.full.get(course_id)
        if found is None:
            start = self.position[course_id] // PAGE * PAGE
            self.load([c for c in self.ids[start : start + PAGE] if c not in self.full])
            found = self.full[course_id]
        return found

    def load(self, ids: list[int]) -> None:
        if not ids:
            return
        with self.read() as conn:
            for row in course_summaries(conn, self.today, ids=ids):
                self.full[row.id] = row


class LazyCourseRow:
    """One course of the window's list: what the list orders and names it by at once; its
    figures (the fields of CourseListRow that need the marks) read when first asked."""

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
    status: str
    closed_on: date | None
    delivery_mode: str

    def __init__(self, figures: _Figures, **fields: Any):
        self._figures = figures
        for name, value in fields.items():
            setattr(self, name, value)

    def __getattr__(self, name: str) -> Any:
        if name in _LAZY:
            return getattr(self._figures.row(self.id), name)
        raise AttributeError(name)

    def full(self) -> CourseListRow:
        return self._figures.row(self.id)

    def __repr__(self) -> str:
        return f"LazyCourseRow({self.code!r}, {self.status!r})"


def course_list(read: Callable[[], Any], today: date, *, search: str = "") -> list[LazyCourseRow]:
    """The window's courses list (newest first, matching ``search``): each row's phase and
    names now, from one query; its figures when the row is first shown (see _Figures).

    ``read()`` gives a DB-API connection in a read transaction (``Database.raw_read``); it is
    called again for each page of figures."""
    params: dict[str, Any] = {}
    where = ""
    if search:
        params["like"] = f"%{search}%"
        where = (
            "WHERE (lower(c.code) LIKE lower(:like) OR lower(c.title) LIKE lower(:like)"
            " OR lower(v.name) LIKE lower(:like))"
        )
    with read() as conn:
        rows = dbapi(conn).execute(_LIST_SQL.format(where=where), params).fetchall()
    figures = _Figures(read, today, [r[0] for r in rows])
    result = []
    undecided = []
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
        closed,
        mode,
        first,
        last,
    ) in rows:
        closed_on, first_day, last_day = _day(closed), _day(first), _day(last)
        status = list_phase(first_day, last_day, today, closed_on)
        if status is None:
            undecided.append(cid)
        result.append(
            LazyCourseRow(
                figures,
                id=cid,
                code=code,
                title=title,
                programme=key,
                venue=venue or "",
                start_date=first_day or _day(start),
                end_date=last_day,
                weekdays=weekdays,
                start_time=time_,
                capacity=cap,
                status=status,
                closed_on=closed_on,
                delivery_mode=mode,
            )
        )
    if undecided:  # a last session today: its register decides, so read those courses now
        figures.load(undecided)
        for row in result:
            if row.status is None:
                row.status = figures.full[row.id].status
    return result


def in_order(rows: Sequence[Any]) -> None:
    """Page the figures of a course_list in the order its rows are shown (the window lists
    running courses first), so one page is one screenful."""
    lazy = [r for r in rows if isinstance(r, LazyCourseRow)]
    if lazy:
        figures = lazy[0]._figures
        figures.ids = [r.id for r in lazy if r._figures is figures]
        figures.position = {cid: i for i, cid in enumerate(figures.ids)}


def read_figures(rows: Sequence[Any]) -> None:
    """Read now the figures of these rows of a course_list (the first screenful, so the
    window's first paint reads nothing and a damaged file shows before the window does)."""
    lazy = [r for r in rows if isinstance(r, LazyCourseRow)]
    if lazy:
        figures = lazy[0]._figures
        figures.load([r.id for r in lazy if r._figures is figures and r.id not in figures.full])


def any_course(conn: Any) -> bool:
    """Whether the data holds any course at all."""
    return dbapi(conn).execute("SELECT 1 FROM courses LIMIT 1").fetchone() is not None


LARGE_TEXT = "large_text"  # the same key as services.settings.LARGE_TEXT (a test keeps them equal)


def setting(conn: Any, key: str, default: str = "") -> str:
    """One site setting (services/settings.py owns their meaning and writing)."""
    row = dbapi(conn).execute("SELECT value FROM settings WHERE key = ?", (key,)).fetchone()
    return row[0] if row else default
