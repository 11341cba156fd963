"""Upload rows: the cells of each upload file, built from typed records and a profile.

services/upload_source.py reads who goes out (and why others do not); this module only turns
those records into the cells a profile asks for. Writing the file is csv_safety's job.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from operator import itemgetter
from typing import Any

from escape_desktop.i18n import _

from .csv_safety import safe_text
from .upload_manifest import CourseCounts
from .upload_profile import ColumnSpec, FileSpec, Profile

__all__ = [
    "UploadCourse",
    "UploadData",
    "UploadPerson",
    "UploadScope",
    "UploadSource",
    "build_rows",
    "format_number",
]

SessionLine = tuple[int, int, date, bool]  # session id, number, date, cancelled
# (instrument, timepoint) -> score, adapted, the day it was taken
Scores = Mapping[tuple[str, str], tuple[float | None, bool, date | None]]


@dataclass(frozen=True)
class UploadScope:
    """Which courses go out: one course, courses starting in a date range, or everything."""

    course_id: int | None = None
    date_from: date | None = None
    date_to: date | None = None
    changed_only: bool = False

    def describe(self, course_code: str = "") -> str:
        """Which courses, in the instructor's language (kept with the upload's record and
        shown beside it later), each a whole phrase."""
        lo = self.date_from.isoformat() if self.date_from else ""
        hi = self.date_to.isoformat() if self.date_to else ""
        if self.course_id is not None:
            what = _("course {code}").format(code=course_code or self.course_id)
        elif lo and hi:
            what = _("courses starting {start} to {end}").format(start=lo, end=hi)
        elif lo:
            what = _("courses starting from {start}").format(start=lo)
        elif hi:
            what = _("courses starting up to {end}").format(end=hi)
        else:
            what = _("all courses")
        if self.changed_only:
            return _("{courses}, changes since the last upload").format(courses=what)
        return what


@dataclass
class UploadData:
    """The rows ready to write, and who was left out and why."""

    profile: Profile
    header: list[str]
    rows: list[list[str]]
    attendance_header: list[str] | None
    attendance_rows: list[list[str]] | None
    enrolment_ids: list[int]
    excluded_no_consent: int = 0  # said no to sharing
    excluded_by_rules: int = 0
    excluded_unchanged: int = 0
    courses: int = 0
    course_codes: dict[int, str] = field(default_factory=dict)
    excluded_not_asked: int = 0  # never asked whether they agree to share
    course_counts: tuple[CourseCounts, ...] = ()  # what the manifest says, by course


def format_number(value: float, decimals: int) -> str:
    """A number as the CSV shows it: no exponent, fixed decimals, never a quote in front."""
    if decimals <= 0:
        return str(int(round(value)))
    text = f"{value:.{decimals}f}"
    return "0" + text[2:] if text.startswith("-0") and float(text) == 0 else text


@dataclass
class _Row:
    """Everything one output row may draw from (an enrolment, maybe one of its sessions)."""

    values: dict[str, Any]
    course_start: date
    scores: Scores


def _compile(spec: FileSpec, profile: Profile) -> list[Callable[[_Row], str]]:
    fns: list[Callable[[_Row], str]] = []
    for col in spec.columns:
        fns.append(_cell_fn(col, profile))
    return fns


def _cell_fn(col: ColumnSpec, profile: Profile) -> Callable[[_Row], str]:
    source = col.source
    mapping = col.mapping

    if source.startswith("instrument."):
        # The part of the measure is decided here, once per column, not once per cell.
        _, key, part = source.split(".")
        decimals = col.decimals
        if part.endswith("adapted") or part.endswith("_date"):
            slot = (key, part.split("_")[0])
            index = 1 if part.endswith("adapted") else 2

            def raw(r: _Row) -> Any:
                got = r.scores.get(slot)
                return None if got is None else got[index]

        elif part.endswith("change"):
            first_slot = (key, "start")
            later_slot = (
                key,
                {"change": "end", "follow_up_change": "follow_up"}.get(part, part[:-7]),
            )

            def raw(r: _Row) -> Any:
                first = r.scores.get(first_slot)
                later = r.scores.get(later_slot)
                if first is None or later is None or first[0] is None or later[0] is None:
                    return None
                return round(later[0] - first[0], decimals)

        else:
            slot = (key, part)

            def raw(r: _Row) -> Any:
                got = r.scores.get(slot)
                return None if got is None else got[0]

    elif col.transform == "age_band":

        def raw(r: _Row) -> Any:
            return profile.age_band(r.values["participant.date_of_birth"], r.course_start)

    elif col.transform == "year":

        def raw(r: _Row) -> Any:
            dob = r.values["participant.date_of_birth"]
            return None if dob is None else dob.year

    else:

        def raw(r: _Row) -> Any:
            return r.values[source]

    render = _finisher(col, profile)  # through the column's mapping when it has one
    if mapping:

        def cell(r: _Row) -> str:
            return render(raw(r))

        return cell

    if not source.startswith("instrument.") and col.transform not in ("age_band", "year"):

        def stored(r: _Row) -> str:  # a stored value as it is: one call a cell, not two
            return render(r.values[source])

        return stored

    def plain(r: _Row) -> str:
        return render(raw(r))

    return plain


def _renderer(col: ColumnSpec, profile: Profile) -> Callable[[Any], str]:
    """Turn a stored value into its cell text, by column type (built once per column)."""
    if col.type == "date":
        fmt = profile.date_format
        iso = fmt == "%Y-%m-%d"
        seen: dict[date, str] = {}

        def as_date(value: Any) -> str:
            if value is None:
                return ""
            text = seen.get(value)
            if text is None:
                if iso and type(value) is date and value.year >= 1000:
                    text = value.isoformat()  # the same text, without strftime's cost
                else:
                    text = value.strftime(fmt)
                seen[value] = text
            return text

        return as_date
    if col.type == "boolean":
        yes, no = profile.true_value, profile.false_value
        return lambda value: "" if value is None else (yes if value else no)
    if col.type == "integer":
        return lambda value: "" if value is None else str(int(value))
    if col.type == "number":
        decimals = col.decimals
        return lambda value: "" if value is None else format_number(float(value), decimals)
    line_breaks = profile.line_breaks
    return lambda value: "" if value is None else safe_text(value, line_breaks)


# Sources that name the course or site, not the person: one value for a whole course.
_COURSE_SOURCES = ("course.", "site.")
_SESSION_SOURCES = ("session.number", "session.date", "session.cancelled", "session.online")


def _finisher(col: ColumnSpec, profile: Profile) -> Callable[[Any], str]:
    """A raw value's cell text: through the column's mapping when it has one."""
    if not col.mapping:
        return _renderer(col, profile)
    mapping = dict(col.mapping)
    default = col.default
    line_breaks = profile.line_breaks

    def mapped(value: Any) -> str:
        if isinstance(value, bool):
            value = "true" if value else "false"
        elif value is None:
            value = ""
        key = str(value)
        if key in mapping:
            return safe_text(mapping[key], line_breaks)
        if default is not None:
            return safe_text(default, line_breaks)
        return safe_text(key, line_breaks)

    return mapped


def _picker(order: list[int]) -> Callable[[tuple[str, ...]], tuple[str, ...]]:
    """A function taking cells[order[0]], cells[order[1]], ... as a tuple (in C)."""
    if len(order) > 1:
        return itemgetter(*order)
    return lambda cells: tuple(cells[i] for i in order)


class _AttendancePlan:
    """Attendance rows fast: a person's cells once, a session's cells once, a mark's once."""

    def __init__(self, spec: FileSpec, profile: Profile):
        self.fns = _compile(spec, profile)
        self.kinds = [
            "session"
            if c.source in _SESSION_SOURCES
            else "mark"
            if c.source == "attendance.mark"
            else "online"
            if c.source == "attendance.online"
            else "person"
            for c in spec.columns
        ]
        self.online_cells: dict[bool | None, list[str]] = {}
        self.session_cells: dict[int, list[str]] = {}
        self.mark_cells: dict[str, list[str]] = {}
        self.shared_cells: dict[tuple[int, str, bool | None], tuple[str, ...]] = {}
        # A row is the person's cells and the shared (session, mark, place) cells, picked
        # into the file's column order by one itemgetter over the two joined (done in C).
        person_at = [i for i, k in enumerate(self.kinds) if k == "person"]
        shared_at = [i for i, k in enumerate(self.kinds) if k != "person"]
        where = {col: n for n, col in enumerate(person_at + shared_at)}
        self.person_at = person_at
        self.shared_at = shared_at
        self.pick = _picker([where[i] for i in range(len(self.kinds))])

    def _cells_for(self, kind: str, row: _Row) -> list[str]:
        return [fn(row) if k == kind else "" for fn, k in zip(self.fns, self.kinds)]

    def add_rows(
        self,
        out: list[list[str]],
        row: _Row,
        sessions: Iterable[tuple[int, int, date, bool]],
        marks: Mapping[int, str],
        session_online: Collection[int] = (),
        online: Collection[int] = (),
    ) -> None:
        """One row a session; ``session_online``: the sessions held over video; ``online``:
        the sessions where this person's presence was over video (programme.delivery)."""
        every = self._cells_for("person", row)
        person = tuple(every[i] for i in self.person_at)
        values = row.values
        pick = self.pick
        shared_cells = self.shared_cells
        for sid, number, day, cancelled in sessions:
            mark = marks.get(sid, "")
            there = (sid in online) if mark == "present" else None
            shared = shared_cells.get((sid, mark, there))
            if shared is None:
                by_session = self.session_cells.get(sid)
                if by_session is None:
                    values["session.number"] = number
                    values["session.date"] = day
                    values["session.cancelled"] = cancelled
                    values["session.online"] = sid in session_online
                    by_session = self.session_cells[sid] = self._cells_for("session", row)
                by_mark = self.mark_cells.get(mark)
                if by_mark is None:
                    values["attendance.mark"] = mark
                    by_mark = self.mark_cells[mark] = self._cells_for("mark", row)
                by_online = self.online_cells.get(there)
                if by_online is None:
                    values["attendance.online"] = there
                    by_online = self.online_cells[there] = self._cells_for("online", row)
                # Each column belongs to one kind and is blank in the others' cells.
                merged = [a or b or c for a, b, c in zip(by_session, by_mark, by_online)]
                shared = shared_cells[(sid, mark, there)] = tuple(merged[i] for i in self.shared_at)
            out.append(list(pick(person + shared)))


@dataclass(frozen=True)
class UploadCourse:
    """One course in scope: its ``course.*`` source values and the sessions held so far."""

    values: Mapping[str, Any]  # "course.code", "course.start_date", ...
    start_date: date
    sessions: Sequence[SessionLine] = ()  # held by today, cancelled ones included
    online_sessions: frozenset[int] = frozenset()  # session ids held over video


@dataclass(frozen=True)
class UploadPerson:
    """One enrolment that goes out: its ``participant.*`` and ``enrolment.*`` source values."""

    enrolment_id: int
    course_id: int
    values: Mapping[str, Any]
    marks: Mapping[int, str] = field(default_factory=dict)  # session id -> mark
    scores: Scores = field(default_factory=dict)
    online: frozenset[int] = frozenset()  # session ids where being present was over video


@dataclass(frozen=True)
class UploadSource:
    """Everything an upload is built from, chosen and counted by the services."""

    courses: Mapping[int, UploadCourse]
    people: Sequence[UploadPerson]  # in the order the rows go out
    course_codes: Mapping[int, str]
    excluded_no_consent: int = 0
    excluded_by_rules: int = 0
    excluded_unchanged: int = 0
    excluded_not_asked: int = 0
    course_counts: tuple[CourseCounts, ...] = ()


def build_rows(
    source: UploadSource,
    profile: Profile,
    progress: Callable[[int, int, str], None] | None = None,
) -> UploadData:
    """The cells of the main file (and the attendance file, when the profile has one)."""
    tick = progress or (lambda done, total, message: None)
    data = UploadData(
        profile=profile,
        header=profile.main.header,
        rows=[],
        attendance_header=profile.attendance.header if profile.attendance else None,
        attendance_rows=[] if profile.attendance else None,
        enrolment_ids=[p.enrolment_id for p in source.people],
        excluded_no_consent=source.excluded_no_consent,
        excluded_by_rules=source.excluded_by_rules,
        excluded_unchanged=source.excluded_unchanged,
        courses=len({p.course_id for p in source.people}),
        course_codes=dict(source.course_codes),
        excluded_not_asked=source.excluded_not_asked,
        course_counts=tuple(source.course_counts),
    )
    tick(3, 4, _("Writing rows"))
    att_plan = _AttendancePlan(profile.attendance, profile) if profile.attendance else None
    rows: list[_Row] = []
    for p in source.people:
        course = source.courses[p.course_id]
        rows.append(_Row({**course.values, **p.values}, course.start_date, p.scores))
    # The main file row by row (each person's records are read once, while in the cache):
    # a course's own cells (its code, dates, counts) made once per course, a person's cells
    # by one call each, and the two picked into the file's order by one itemgetter (in C).
    columns = profile.main.columns
    course_at = [i for i, c in enumerate(columns) if c.source.startswith(_COURSE_SOURCES)]
    person_at = [i for i, c in enumerate(columns) if not c.source.startswith(_COURSE_SOURCES)]
    course_fns = [_cell_fn(columns[i], profile) for i in course_at]
    person_fns = [_cell_fn(columns[i], profile) for i in person_at]
    place = {col: n for n, col in enumerate(person_at + course_at)}
    pick = _picker([place[i] for i in range(len(columns))])
    course_cells: dict[int, tuple[str, ...]] = {}
    for p, row in zip(source.people, rows, strict=True):
        known = course_cells.get(p.course_id)
        if known is None:
            known = course_cells[p.course_id] = tuple(fn(row) for fn in course_fns)
        data.rows.append(list(pick(tuple([fn(row) for fn in person_fns]) + known)))
    if att_plan is not None and data.attendance_rows is not None:
        for p, row in zip(source.people, rows, strict=True):
            course = source.courses[p.course_id]
            att_plan.add_rows(
                data.attendance_rows,
                row,
                course.sessions,
                p.marks,
                course.online_sessions,
                p.online,
            )
    tick(4, 4, _("Rows ready"))
    return data
