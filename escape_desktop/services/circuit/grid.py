"""The circuit read model: the grid of levels and targets, station history, the home plan.

What the Circuit section, the session sheet and the ``circuit`` command show. No Qt here.

Where a level and dose come from (the carry-forward rule): a person's cell in session N
shows what was recorded in session N; with nothing recorded yet it shows the latest of
(a) the level and target of their last recorded session before N and (b) a suggestion
the instructor accepted before N (a suggestion accepted in session M was decided after
M's results, so it wins over M's record). With no history at all: the first level and
its target dose.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, NamedTuple

from sqlalchemy import String, func, or_, select, type_coerce
from sqlalchemy.orm import Session as OrmSession

from escape_desktop.context import AppContext
from escape_desktop.db.models import (
    Attendance,
    Course,
    CourseStation,
    CustomStation,
    Enrolment,
    ExerciseRecord,
    Participant,
    ProgressionDecision,
    Session,
)
from escape_desktop.i18n import _
from escape_desktop.programme.content import Level, ProgressionRules, Station
from escape_desktop.programme.delivery import attended_online, session_online
from escape_desktop.programme.progression import StationResult, Suggestion, format_dose, suggest

from ..errors import NotFound
from ..exercise import custom_to_station

NEEDS_REVIEW = "needs_review"  # Enrolment.screening_status, as services.screening sets it

# --------------------------------------------------------------------------- data


class GridStation(NamedTuple):
    """A column of the circuit: (key, name, dose_unit, level names)."""

    key: str
    name: str
    dose_unit: str
    level_names: tuple[str, ...]


@dataclass(frozen=True)
class HistoryPoint(StationResult):
    """A StationResult with what a chart or report also needs: the date and level name."""

    session_date: date
    level_name: str


@dataclass
class Cell:
    """One person at one station in one session.

    ``level`` is 0-based (shown as level_name); ``level``/``target_dose`` are carried
    forward when nothing is recorded yet (see the module docstring). ``suggestion`` is the
    rule engine's idea for next time, from results up to this session; ``decision`` is
    "accepted", "ignored" or None.
    """

    station_key: str
    level: int
    level_name: str
    target_dose: float
    dose_achieved: float | None = None
    pain: int | None = None
    effort: int | None = None
    note: str = ""
    suggestion: Suggestion | None = None
    decision: str | None = None
    recorded: bool = False  # a row exists for this session
    dose_text: str = ""  # target with its unit, e.g. "10 reps"
    decided_level: int | None = None  # what an accepted/ignored decision said
    decided_target: float | None = None

    @property
    def has_results(self) -> bool:
        return self.dose_achieved is not None or self.pain is not None or self.effort is not None


@dataclass
class CircuitRow:
    enrolment_id: int
    participant_id: int
    name: str
    code: str
    status: str
    attendance: str | None  # present / absent / apologies / None (not marked)
    cells: dict[str, Cell] = field(default_factory=dict)
    # Screening said "needs review before starting": shown, not recorded, until cleared.
    needs_review: bool = False
    # Doing the circuit at home over video (the session is online, or they joined a hybrid
    # course's hall session online): each station's home version, same level and dose.
    at_home: bool = False


@dataclass
class CircuitGrid:
    """The circuit of one session: stations across, one row per enrolment not withdrawn."""

    course_id: int
    course_code: str
    session_id: int
    session_number: int
    session_date: date
    session_topic: str
    session_cancelled: bool
    stations: list[GridStation]
    rows: list[CircuitRow]
    rules: ProgressionRules
    station_defs: dict[str, Station] = field(default_factory=dict, repr=False)
    inactive: frozenset[str] = frozenset()  # stations shown only because they have results
    delivery_mode: str = "in_person"
    session_online: bool = False  # held over video: everyone does the home versions

    def station(self, key: str) -> Station:
        return self.station_defs[key]

    def home_version(self, key: str) -> str:
        """How to do a station at home with household items ("" when the same as in class)."""
        return self.station_defs[key].home


class SessionChoice(NamedTuple):
    id: int
    number: int
    date: date
    topic: str
    cancelled: bool


class HomePlanItem(NamedTuple):
    """(station name, level name, level description, target dose with unit e.g. "12 reps")."""

    station_name: str
    level_name: str
    level_description: str
    dose_text: str
    home: str = ""  # how to do it at home (the library's home version), empty: as in class


@dataclass
class HomePlan:
    """What a person carries on with at home: their final level and dose per station."""

    enrolment_id: int
    participant_name: str
    items: list[HomePlanItem]


# --------------------------------------------------------------------------- helpers


def level_name(station: Station, level: int) -> str:
    """A level's name as the library gives it, or 'Level N' past the library's last."""
    if 0 <= level < len(station.levels):
        return station.levels[level].name
    return f"Level {level + 1}"


def _missing_station(key: str) -> Station:
    """Stand-in for a station no longer in the library, so its history still shows."""
    return Station(
        key=key,
        # In the instructor's language, as the library's own names are shown.
        name=_("{name} (not in the library)").format(name=key.replace("_", " ").capitalize()),
        dose_kind="repetitions",
        dose_unit="",
        levels=tuple(Level(_("Level {n}").format(n=i), "", 10.0) for i in range(1, 11)),
    )


def _resolve(ctx: AppContext, s: OrmSession, keys: Iterable[str]) -> dict[str, Station]:
    """Stations by key from the library, then the site's custom exercises, in one query."""
    result: dict[str, Station] = {}
    missing = []
    for key in keys:
        if key in ctx.library.stations:
            result[key] = ctx.library.stations[key]
        else:
            missing.append(key)
    if missing:
        for row in s.scalars(select(CustomStation).where(CustomStation.key.in_(missing))):
            result[row.key] = custom_to_station(row)
        for key in missing:
            result.setdefault(key, _missing_station(key))
    return result


def _rules(ctx: AppContext, programme_key: str) -> ProgressionRules:
    try:
        return ctx.library.template(programme_key).progression
    except KeyError:
        return ProgressionRules()


def _course(s: OrmSession, course_id: int) -> Course:
    course = s.get(Course, course_id)
    if course is None:
        raise NotFound(_("That course no longer exists; choose another course."))
    return course


def _circuit_keys(ctx: AppContext, s: OrmSession, course: Course) -> tuple[list[str], list[str]]:
    """(active station keys in circuit order, inactive keys). A course with no rows of its
    own uses its programme template's stations."""
    rows = s.execute(
        select(CourseStation.station_key, CourseStation.active)
        .where(CourseStation.course_id == course.id)
        .order_by(CourseStation.position, CourseStation.id)
    ).all()
    if not rows:
        try:
            return list(ctx.library.template(course.programme_key).stations), []
        except KeyError:
            return [], []
    return [k for k, a in rows if a], [k for k, a in rows if not a]


@dataclass
class _Track:
    """One person's results and decisions at one station."""

    points: list[HistoryPoint] = field(default_factory=list)  # by session number
    records: dict[int, Any] = field(default_factory=dict)  # session number -> record row
    decisions: dict[int, Any] = field(default_factory=dict)  # session number -> decision row

    def carried(self, before: int | None, station: Station) -> tuple[int, float]:
        """Level and target for a session numbered ``before`` (None: after the last)."""
        best: tuple[tuple[int, int], int, float] | None = None
        for p in self.points:
            if before is None or p.session_number < before:
                k = (p.session_number, 0)
                if best is None or k > best[0]:
                    best = (k, p.level, p.target_dose)
        for number, d in self.decisions.items():
            if d.accepted and (before is None or number < before):
                k = (number, 1)
                if best is None or k > best[0]:
                    best = (k, d.level, d.target_dose)
        if best is None:
            return 0, station.levels[0].target_dose if station.levels else 0.0
        level = min(max(best[1], 0), max(len(station.levels) - 1, 0))
        return level, best[2]


def _tracks(
    s: OrmSession,
    course_id: int,
    stations: dict[str, Station],
    *,
    up_to: int | None = None,
    enrolment_ids: Sequence[int] | None = None,
    station_key: str | None = None,
) -> dict[tuple[int, str], _Track]:
    """Every record and decision of a course (or some enrolments, or one station), by
    (enrolment, station)."""
    tracks: dict[tuple[int, str], _Track] = {}
    if enrolment_ids is None:
        enrolment_ids = list(
            s.scalars(select(Enrolment.id).where(Enrolment.course_id == course_id))
        )
    ids = list(enrolment_ids)
    if not ids:
        return tracks
    # Plain columns, not ORM objects: this runs for every cell shown.
    q = (
        select(
            ExerciseRecord.enrolment_id,
            ExerciseRecord.station_key,
            ExerciseRecord.level,
            ExerciseRecord.target_dose,
            ExerciseRecord.dose_achieved,
            ExerciseRecord.pain,
            ExerciseRecord.effort,
            ExerciseRecord.note,
            Session.number,
            type_coerce(Session.date, String).label("day"),  # as stored: parsed once below
        )
        .join(Session, Session.id == ExerciseRecord.session_id)
        .where(Session.course_id == course_id, ExerciseRecord.enrolment_id.in_(ids))
        .order_by(Session.number)
    )
    # Filtering decisions by enrolment lets SQLite use their unique index (no table scan).
    dq = (
        select(
            ProgressionDecision.enrolment_id,
            ProgressionDecision.station_key,
            ProgressionDecision.accepted,
            ProgressionDecision.level,
            ProgressionDecision.target_dose,
            Session.number,
        )
        .join(Session, Session.id == ProgressionDecision.session_id)
        .where(Session.course_id == course_id, ProgressionDecision.enrolment_id.in_(ids))
    )
    if up_to is not None:
        q = q.where(Session.number <= up_to)
        dq = dq.where(Session.number <= up_to)
    if station_key is not None:
        q = q.where(ExerciseRecord.station_key == station_key)
        dq = dq.where(ProgressionDecision.station_key == station_key)
    conn = s.connection()  # plain rows: no ORM layer for what every cell shown reads
    # Every row at once (one fetch, not one per row), a track made only when first met and
    # each level's name looked up once: this runs for every record of the history (issue 29).
    names: dict[tuple[str, int], str] = {}
    # Each session's date parsed once, not again on every record (SQLite keeps it as text).
    dates: dict[str, date] = {}
    for rec in conn.execute(q).all():
        key = (rec.enrolment_id, rec.station_key)
        t = tracks.get(key)
        if t is None:
            st = stations.get(rec.station_key)
            if st is None:
                continue
            t = tracks[key] = _Track()
        number, level = rec.number, rec.level
        t.records[number] = rec
        name = names.get((rec.station_key, level))
        if name is None:
            name = names[rec.station_key, level] = level_name(stations[rec.station_key], level)
        t.points.append(
            _history_point(
                number,
                level,
                rec.target_dose,
                rec.dose_achieved,
                rec.pain,
                rec.effort,
                dates.get(rec.day)
                or dates.setdefault(rec.day, date.fromisoformat(str(rec.day)[:10])),
                name,
            )
        )
    for dec in conn.execute(dq).all():
        key = (dec.enrolment_id, dec.station_key)
        t = tracks.get(key)
        if t is None:
            t = tracks[key] = _Track()
        t.decisions[dec.number] = dec
    return tracks


class HistoryCache:
    """One course's circuit history (every record and decision, by person), kept between
    reads of its grid so that choosing another session does not read it again (issue 29).

    The screen that owns it says what changed: ``drop(ids)`` after an EXERCISE change of
    those enrolments, ``clear()`` after anything else that reaches the history (sessions,
    stations, enrolments, a restore). A grid read through the cache shows exactly what a
    read without it shows (tests/services/test_circuit_history_cache.py).
    """

    def __init__(self) -> None:
        self.course_id: int | None = None
        self.keys: frozenset[str] = frozenset()  # the stations the tracks were read with
        self.people: dict[int, dict[str, _Track]] = {}  # enrolment id -> station -> track
        self.reads = 0  # history reads made (for tests and benchmarks)

    def clear(self) -> None:
        self.people.clear()

    def drop(self, enrolment_ids: Iterable[int]) -> None:
        for e_id in enrolment_ids:
            self.people.pop(e_id, None)

    def tracks(
        self, s: OrmSession, course_id: int, stations: dict[str, Station], ids: Sequence[int]
    ) -> dict[tuple[int, str], _Track]:
        """The tracks of ``ids`` at ``stations``: those kept, the rest read (whole history)."""
        if course_id != self.course_id or not set(stations) <= self.keys:
            self.people.clear()
            self.course_id, self.keys = course_id, frozenset(stations)
        missing = [e for e in ids if e not in self.people]
        if missing:
            self.reads += 1
            fresh = _tracks(s, course_id, stations, enrolment_ids=missing)
            for e_id in missing:
                self.people[e_id] = {}
            for (e_id, key), t in fresh.items():
                self.people[e_id][key] = t
        return {(e, k): t for e in ids for k, t in self.people.get(e, {}).items()}


def _history_point(
    number: int,
    level: int,
    target: float,
    achieved: float | None,
    pain: int | None,
    effort: int | None,
    day: date,
    name: str,
) -> HistoryPoint:
    """``HistoryPoint(...)`` without the frozen dataclass's ``__init__`` (one
    ``object.__setattr__`` a field: about four times the cost), for the hundreds a grid reads;
    equal to, and hashed and shown as, the one ``__init__`` makes (tests/services)."""
    point = object.__new__(HistoryPoint)
    point.__dict__.update(
        session_number=number,
        level=level,
        target_dose=target,
        dose_achieved=achieved,
        pain=pain,
        effort=effort,
        session_date=day,
        level_name=name,
    )
    return point


def _cell(station: Station, track: _Track | None, number: int, rules: ProgressionRules) -> Cell:
    track = track or _Track()
    rec = track.records.get(number)
    if rec is not None:
        level, target = min(max(rec.level, 0), max(len(station.levels) - 1, 0)), rec.target_dose
    else:
        level, target = track.carried(number, station)
    cell = Cell(
        station_key=station.key,
        level=level,
        level_name=level_name(station, level),
        target_dose=target,
        recorded=rec is not None,
        dose_text=format_dose(station, target),
    )
    if rec is not None:
        cell.dose_achieved, cell.pain, cell.effort, cell.note = (
            rec.dose_achieved,
            rec.pain,
            rec.effort,
            rec.note,
        )
        if cell.dose_achieved is not None or cell.pain is not None:
            history = [p for p in track.points if p.session_number <= number]
            cell.suggestion = suggest(station, history, rules)
    dec = track.decisions.get(number)
    if dec is not None:
        cell.decision = "accepted" if dec.accepted else "ignored"
        cell.decided_level, cell.decided_target = dec.level, dec.target_dose
    return cell


# --------------------------------------------------------------------------- read models


def course_sessions(ctx: AppContext, course_id: int) -> list[SessionChoice]:
    """The course's sessions in order, for a session picker."""
    with ctx.db.read() as s:
        return [
            SessionChoice(*row)
            for row in s.execute(
                select(Session.id, Session.number, Session.date, Session.topic, Session.cancelled)
                .where(Session.course_id == course_id)
                .order_by(Session.number)
            )
        ]


def default_session_number(sessions: Sequence[SessionChoice], today: date) -> int | None:
    """Today's session, else the next one not cancelled, else the last one held."""
    live = [x for x in sessions if not x.cancelled] or list(sessions)
    if not live:
        return None
    for x in live:
        if x.date >= today:
            return x.number
    return live[-1].number


def _people_of(course_id: int) -> Any:
    """The grid's people columns (enrolment, person, name, code, status, screening) of a
    course, for the whole grid and for the rows a save reads again."""
    return (
        select(
            Enrolment.id,
            Participant.id,
            Participant.first_name,
            Participant.last_name,
            Participant.code,
            Enrolment.status,
            Enrolment.screening_status,
        )
        .join(Participant, Participant.id == Enrolment.participant_id)
        .where(Enrolment.course_id == course_id)
    )


def circuit_grid(
    ctx: AppContext,
    course_id: int,
    session_number: int,
    *,
    enrolment_ids: Sequence[int] | None = None,
    withdrawn_who_came: bool = False,
    history: HistoryCache | None = None,
) -> CircuitGrid:
    """The circuit for one session of a course (see Cell and the carry-forward rule).

    Stations are the course's active stations in order, then any removed station that has
    results in this session (so nothing recorded disappears). Rows: every enrolment not
    withdrawn, by surname; ``enrolment_ids`` limits the rows (to refresh one person).
    ``history`` keeps the course's history between calls (the screen drops what changed).
    """
    with ctx.db.read() as s:
        course = _course(s, course_id)
        sess = None
        if 0 < session_number < 2**31:  # larger numbers do not fit SQLite's integer
            sess = s.execute(
                select(Session).where(
                    Session.course_id == course_id, Session.number == session_number
                )
            ).scalar_one_or_none()
        if sess is None:
            count = s.scalar(select(func.count()).where(Session.course_id == course_id)) or 0
            raise NotFound(
                _(
                    "Course {code} has no session {session_number}; choose a session from 1 to "
                    "{count}."
                ).format(code=course.code, session_number=session_number, count=count)
            )
        active, inactive = _circuit_keys(ctx, s, course)
        used_here = set(
            s.scalars(
                select(ExerciseRecord.station_key)
                .where(ExerciseRecord.session_id == sess.id)
                .distinct()
            )
        )
        shown_inactive = [k for k in inactive if k in used_here]
        extra = sorted(used_here - set(active) - set(inactive))
        keys = active + shown_inactive + extra
        defs = _resolve(ctx, s, keys)
        rules = _rules(ctx, course.programme_key)
        people_q = _people_of(course_id).order_by(
            Participant.last_name, Participant.first_name, Enrolment.id
        )
        still_on = Enrolment.status != "withdrawn"
        if withdrawn_who_came:
            # A sheet "as recorded" shows everyone who came that day, withdrawn since or not.
            came = select(Attendance.enrolment_id).where(
                Attendance.session_id == sess.id, Attendance.mark == "present"
            )
            still_on = or_(still_on, Enrolment.id.in_(came))
        people_q = people_q.where(still_on)
        if enrolment_ids is not None:
            people_q = people_q.where(Enrolment.id.in_(list(enrolment_ids)))
        mode = course.delivery_mode
        online = session_online(mode, sess.online)
        rows = _rows(
            s, s.execute(people_q).all(), course_id, sess, mode, keys, defs, rules, history
        )
        return CircuitGrid(
            course_id=course.id,
            course_code=course.code,
            session_id=sess.id,
            session_number=sess.number,
            session_date=sess.date,
            session_topic=sess.topic,
            session_cancelled=sess.cancelled,
            stations=[
                GridStation(
                    k, defs[k].name, defs[k].dose_unit, tuple(lv.name for lv in defs[k].levels)
                )
                for k in keys
            ],
            rows=rows,
            rules=rules,
            station_defs=defs,
            inactive=frozenset(shown_inactive + extra),
            delivery_mode=mode,
            session_online=online,
        )


def _rows(
    s: OrmSession,
    people: Sequence[Any],
    course_id: int,
    sess: Session,
    mode: str,
    keys: Sequence[str],
    defs: dict[str, Station],
    rules: ProgressionRules,
    history: HistoryCache | None = None,
    station_key: str | None = None,
) -> list[CircuitRow]:
    """The grid's rows of ``people`` (enrolment id, participant id, names, code, status,
    screening), with their marks and every station's cell at this session; the history
    from ``history`` where it holds it."""
    ids = [p[0] for p in people]
    marks: dict[int, str] = {}
    joined: set[int] = set()
    for e_id, mark, joined_online in s.connection().execute(
        select(Attendance.enrolment_id, Attendance.mark, Attendance.joined_online).where(
            Attendance.session_id == sess.id, Attendance.enrolment_id.in_(ids)
        )
    ):
        marks[e_id] = mark
        if joined_online:
            joined.add(e_id)
    if history is not None:  # the whole history: a cell reads only up to its session
        tracks = history.tracks(s, course_id, defs, ids)
    else:
        tracks = _tracks(
            s, course_id, defs, up_to=sess.number, enrolment_ids=ids, station_key=station_key
        )
    rows = []
    for e_id, p_id, first, last, code, status, screened in people:
        row = CircuitRow(e_id, p_id, f"{first} {last}".strip(), code, status, marks.get(e_id))
        row.needs_review = screened == NEEDS_REVIEW
        row.at_home = attended_online(mode, sess.online, e_id in joined)
        for key in keys:
            row.cells[key] = _cell(defs[key], tracks.get((e_id, key)), sess.number, rules)
        rows.append(row)
    return rows


def grid_rows(ctx: AppContext, grid: CircuitGrid, enrolment_ids: Sequence[int]) -> list[CircuitRow]:
    """The rows of ``enrolment_ids`` read again for a grid already on screen: its stations,
    their definitions and the programme's rules are the grid's own, not read again (a saved
    cell refreshes its person's row in a few queries; issue 29). Rows are as ``circuit_grid``
    makes them; someone withdrawn or no longer on the course has no row."""
    with ctx.db.read() as s:
        return grid_rows_in(s, grid, enrolment_ids)


def grid_rows_in(
    s: OrmSession, grid: CircuitGrid, enrolment_ids: Sequence[int], station_key: str | None = None
) -> list[CircuitRow]:
    """``grid_rows`` inside an open session: a save reads its person's row again in its own
    transaction, after its write (one unit of work; issue 29). With ``station_key`` only that
    station's cell and the row's own columns (name, mark, review) are read; the other cells
    are the grid's as shown (a save changes one cell and perhaps the mark)."""
    sess = s.get(Session, grid.session_id)
    if sess is None:
        return []
    people = (
        s.connection()
        .execute(
            _people_of(grid.course_id).where(
                Enrolment.status != "withdrawn", Enrolment.id.in_(list(enrolment_ids))
            )
        )
        .all()
    )
    keys = [st.key for st in grid.stations]
    shown = {r.enrolment_id: r for r in grid.rows}
    one = station_key in keys and all(e in shown for e in enrolment_ids)
    rows = _rows(
        s,
        people,
        grid.course_id,
        sess,
        grid.delivery_mode,
        [station_key] if one and station_key is not None else keys,
        grid.station_defs,
        grid.rules,
        station_key=station_key if one else None,
    )
    if one:
        for row in rows:
            fresh, old = row.cells, shown[row.enrolment_id].cells
            row.cells = {
                k: fresh[k] if k == station_key else old[k] for k in keys if k in old or k in fresh
            }
    return rows


def station_history(ctx: AppContext, enrolment_id: int) -> dict[str, list[HistoryPoint]]:
    """Per station (circuit order), every recorded session of one person, oldest first.

    Each point is a programme.progression.StationResult (so it can be fed to suggest())
    with the session date and level name added; for charts and the progress report.
    """
    with ctx.db.read() as s:
        enrolment = s.get(Enrolment, enrolment_id)
        if enrolment is None:
            raise NotFound(_("That person is no longer on this course."))
        course = _course(s, enrolment.course_id)
        active, inactive = _circuit_keys(ctx, s, course)
        used = set(
            s.scalars(
                select(ExerciseRecord.station_key)
                .where(ExerciseRecord.enrolment_id == enrolment_id)
                .distinct()
            )
        )
        order = [k for k in active + inactive if k in used] + sorted(used - set(active + inactive))
        defs = _resolve(ctx, s, order)
        tracks = _tracks(s, course.id, defs, enrolment_ids=[enrolment_id])
        return {k: tracks[(enrolment_id, k)].points for k in order if (enrolment_id, k) in tracks}


def pain_by_session(history: dict[str, list[HistoryPoint]]) -> list[tuple[int, int | None]]:
    """The highest pain recorded at any station, per session (None: no pain recorded)."""
    worst: dict[int, int | None] = {}
    for points in history.values():
        for p in points:
            current = worst.get(p.session_number)
            if p.pain is not None and (current is None or p.pain > current):
                worst[p.session_number] = p.pain
            else:
                worst.setdefault(p.session_number, current)
    return sorted(worst.items())


def _plans(ctx: AppContext, s: OrmSession, course: Course, people: list) -> list[HomePlan]:
    active, _inactive = _circuit_keys(ctx, s, course)
    defs = _resolve(ctx, s, active)
    tracks = _tracks(s, course.id, defs, enrolment_ids=[p[0] for p in people])
    plans = []
    for e_id, first, last in people:
        items = []
        for key in active:
            track = tracks.get((e_id, key))
            if track is None or not track.points:
                continue  # never did this station: nothing to carry on with
            st = defs[key]
            level, target = track.carried(None, st)
            lv = st.levels[level] if st.levels else Level(level_name(st, level), "", target)
            items.append(
                HomePlanItem(st.name, lv.name, lv.description, format_dose(st, target), st.home)
            )
        plans.append(HomePlan(e_id, f"{first} {last}".strip(), items))
    return plans


def home_plan(ctx: AppContext, course_id: int) -> list[HomePlan]:
    """Each person's (not withdrawn) final level and dose per active station, by surname.

    "Final" is the carry-forward after the last session: the last recorded level and target,
    or a later accepted suggestion. Stations a person never did are left out.
    """
    with ctx.db.read() as s:
        course = _course(s, course_id)
        people = s.execute(
            select(Enrolment.id, Participant.first_name, Participant.last_name)
            .join(Participant, Participant.id == Enrolment.participant_id)
            .where(Enrolment.course_id == course_id, Enrolment.status != "withdrawn")
            .order_by(Participant.last_name, Participant.first_name, Enrolment.id)
        ).all()
        return _plans(ctx, s, course, list(people))


def home_plan_for(ctx: AppContext, enrolment_id: int) -> HomePlan:
    """One person's home plan (see home_plan)."""
    with ctx.db.read() as s:
        row = s.execute(
            select(Enrolment.id, Participant.first_name, Participant.last_name, Enrolment.course_id)
            .join(Participant, Participant.id == Enrolment.participant_id)
            .where(Enrolment.id == enrolment_id)
        ).first()
        if row is None:
            raise NotFound(_("That person is no longer on this course."))
        course = _course(s, row[3])
        return _plans(ctx, s, course, [tuple(row[:3])])[0]
