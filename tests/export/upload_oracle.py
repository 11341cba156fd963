"""The upload as the row-by-row implementation built it before issue 29 (item 3): an oracle.

A frozen copy of services/upload_source.py and export/upload_rows.py as they were before the
upload was rebuilt on set-based SQL; tests/export/test_upload_oracle.py asserts that the
rebuilt upload writes the very same bytes. Not to be changed with the app: it is the
reference the new code is checked against.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from fractions import Fraction
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session as OrmSession

from escape_desktop.db.models import Assessment, Enrolment, Participant, Session, Setting
from escape_desktop.db.queries import course_summaries
from escape_desktop.export.csv_safety import safe_text
from escape_desktop.export.upload_manifest import CourseCounts
from escape_desktop.export.upload_profile import JOINTS, ColumnSpec, FileSpec, Profile
from escape_desktop.programme.delivery import (
    attended_online,
    attended_online_count,
    session_online,
)
from escape_desktop.programme.followup import POINTS
from escape_desktop.programme.measure_taken import TAKEN_CODE, change_counts
from escape_desktop.programme.referral_codes import referral_code_for
from escape_desktop.programme.rounding import round_half_away
from escape_desktop.programme.status import (
    COMPLETED,
    DID_NOT_COMPLETE,
    FINISHED,
    IN_PROGRESS,
    NOT_STARTED_YET,
    WITHDRAWN,
    CourseSummary,
    PersonStatus,
    decision_day,
)
from escape_desktop.services import followups, settings_registry
from escape_desktop.services.figures import decide_courses, read_delivery, read_facts

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
        if self.course_id is not None:
            what = f"course {course_code or self.course_id}"
        elif self.date_from or self.date_to:
            lo = self.date_from.isoformat() if self.date_from else "the first course"
            hi = self.date_to.isoformat() if self.date_to else "now"
            what = f"courses starting {lo} to {hi}"
        else:
            what = "all courses"
        return what + (", changes since the last upload" if self.changed_only else "")


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
    line_breaks = profile.line_breaks
    mapping = dict(col.mapping)
    default = col.default

    if source.startswith("instrument."):
        _, key, part = source.split(".")
        decimals = col.decimals

        def raw(r: _Row) -> Any:
            if part.endswith("adapted"):
                got = r.scores.get((key, part.split("_")[0]))
                return None if got is None else got[1]
            if part.endswith("_date"):
                got = r.scores.get((key, part.split("_")[0]))
                return None if got is None else got[2]
            if part.endswith("change"):
                first = r.scores.get((key, "start"))
                later = r.scores.get(
                    (key, {"change": "end", "follow_up_change": "follow_up"}.get(part, part[:-7]))
                )
                if first is None or later is None or first[0] is None or later[0] is None:
                    return None
                return round(later[0] - first[0], decimals)
            got = r.scores.get((key, part))
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

    render = _renderer(col, profile)
    if mapping:

        def cell(r: _Row) -> str:
            value = raw(r)
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

        return cell

    def plain(r: _Row) -> str:
        return render(raw(r))

    return plain


def _renderer(col: ColumnSpec, profile: Profile) -> Callable[[Any], str]:
    """Turn a stored value into its cell text, by column type (built once per column)."""
    if col.type == "date":
        fmt = profile.date_format
        seen: dict[date, str] = {}

        def as_date(value: Any) -> str:
            if value is None:
                return ""
            text = seen.get(value)
            if text is None:
                text = seen[value] = value.strftime(fmt)
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


_SESSION_SOURCES = ("session.number", "session.date", "session.cancelled", "session.online")


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
        person = self._cells_for("person", row)
        kinds = list(enumerate(self.kinds))
        values = row.values
        for sid, number, day, cancelled in sessions:
            by_session = self.session_cells.get(sid)
            if by_session is None:
                values["session.number"] = number
                values["session.date"] = day
                values["session.cancelled"] = cancelled
                values["session.online"] = sid in session_online
                by_session = self.session_cells[sid] = self._cells_for("session", row)
            mark = marks.get(sid, "")
            by_mark = self.mark_cells.get(mark)
            if by_mark is None:
                values["attendance.mark"] = mark
                by_mark = self.mark_cells[mark] = self._cells_for("mark", row)
            there = (sid in online) if mark == "present" else None
            by_online = self.online_cells.get(there)
            if by_online is None:
                values["attendance.online"] = there
                by_online = self.online_cells[there] = self._cells_for("online", row)
            cells = {"person": person, "session": by_session, "mark": by_mark, "online": by_online}
            out.append([cells[k][i] for i, k in kinds])


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
    tick(3, 4, "Writing rows")
    main_fns = _compile(profile.main, profile)
    att_plan = _AttendancePlan(profile.attendance, profile) if profile.attendance else None
    for p in source.people:
        course = source.courses[p.course_id]
        row = _Row({**course.values, **p.values}, course.start_date, p.scores)
        data.rows.append([fn(row) for fn in main_fns])
        if att_plan is not None and data.attendance_rows is not None:
            att_plan.add_rows(
                data.attendance_rows,
                row,
                course.sessions,
                p.marks,
                course.online_sessions,
                p.online,
            )
    tick(4, 4, "Rows ready")
    return data


# ---- services/upload_source.py as it was


# The manifest's reasons for leaving a person out (export.upload_manifest.LEFT_OUT_KEYS).
NO_CONSENT = "did_not_agree_to_share"
NOT_ASKED = "not_asked_yet"

Progress = Callable[[int, int, str], None]


def _course_rows(s: OrmSession, scope: UploadScope, today: date) -> dict[int, dict[str, Any]]:
    """The courses in scope with their dates, counts and status, from the course list's query."""
    out: dict[int, dict[str, Any]] = {}
    for c in course_summaries(s, today):
        if scope.course_id is not None and c.id != scope.course_id:
            continue
        if scope.date_from is not None and c.start_date < scope.date_from:
            continue
        if scope.date_to is not None and c.start_date > scope.date_to:
            continue
        out[c.id] = {
            "course.code": c.code,
            "course.title": c.title,
            "course.programme": c.programme,
            "course.venue": c.venue,
            "course.start_date": c.start_date,
            "course.end_date": c.end_date,
            "course.sessions_planned": c.sessions_planned,
            "course.sessions_delivered": c.sessions_delivered,
            "course.delivery_mode": c.delivery_mode,
            "course.sessions_online": c.by_place.sessions_online if c.by_place else 0,
            "_status": c.status,
        }
    return out


def _video_tests_counted(s: OrmSession) -> bool:
    """The site's setting (settings_registry.VIDEO_TESTS_IN_CHANGE), within the upload's read."""
    setting = settings_registry.VIDEO_TESTS_IN_CHANGE
    row = s.get(Setting, setting.key)
    return setting.default if row is None else setting.decode(row.value)


def read_upload_source(
    s: OrmSession,
    profile: Profile,
    scope: UploadScope,
    *,
    today: date | None = None,
    only_enrolments: Iterable[int] | None = None,
    progress: Progress | None = None,
    site_code: str = "",
    planned_for: Mapping[str, int] | None = None,
) -> UploadSource:
    """The people who go out under ``profile`` in ``scope``, counted by why others do not.

    Every status, "started", held and attended count and completion comes from
    programme.status (through services.figures.read_facts), as on every other surface.
    ``only_enrolments`` narrows the export to those enrolments (the "changes since the
    last upload" option); ``planned_for`` gives each programme's planned session count.
    """
    today = today or date.today()
    tick = progress or (lambda done, total, message: None)
    tick(0, 4, "Reading courses")
    courses = _course_rows(s, scope, today)
    sessions, facts = read_facts(s, list(courses))
    decided = decide_courses(s, list(courses), today, facts=(sessions, facts))
    figures: dict[int, tuple[CourseSummary, dict[Any, PersonStatus]]] = {}
    held_until: dict[int, date] = {}  # a course closed early held nothing after closing
    for cid, course in courses.items():
        row, summary, statuses = decided[cid]
        held_until[cid] = decision_day(today, row.closed_on)[0]
        figures[cid] = (summary, statuses)
        course["_status"] = summary.phase
        course["course.status"] = summary.phase
        course["course.sessions_delivered"] = summary.sessions_delivered
        template_planned = (planned_for or {}).get(course["course.programme"], 0)
        course["course.sessions_planned"] = max(template_planned, summary.sessions_planned)
        course["site.code"] = site_code
    course_filter = Enrolment.course_id.in_(list(courses)) if scope.course_id is not None else None
    wanted = set(only_enrolments) if only_enrolments is not None else None

    def in_scope(q: Any) -> Any:
        if course_filter is not None:
            return q.where(course_filter)
        return q

    tick(1, 4, "Reading people")
    people = s.execute(
        in_scope(
            select(
                Enrolment.id,
                Enrolment.course_id,
                Enrolment.status,
                Enrolment.enrolled_on,
                Enrolment.withdrawn_on,
                Enrolment.withdrawn_reason,
                Participant.code,
                Participant.sex,
                Participant.date_of_birth,
                Participant.joints,
                Participant.referral_source,
                Participant.consent_share,
                Participant.first_name,
                Participant.last_name,
                Participant.nhs_number,
                Participant.phone,
                Participant.email,
                Participant.notes,
                Participant.referral_code,
                Participant.consent_follow_up,
                Participant.ethnic_category,
                Participant.stated_sex,
                Participant.gender_identity,
            ).join(Participant, Participant.id == Enrolment.participant_id)
        )
    ).all()
    excluded_by_rules = excluded_no_consent = excluded_not_asked = excluded_unchanged = 0
    left_out: dict[int, dict[str, int]] = {}
    chosen: list[tuple[Any, ...]] = []
    for rec in people:
        if rec[1] not in courses:
            continue
        course = courses[rec[1]]
        if course["_status"] not in profile.course_statuses or rec[2] not in profile.statuses:
            excluded_by_rules += 1
            continue
        if profile.consent_required and rec[11] is not True:
            # "Not asked yet" is its own reason, never folded into "did not agree".
            reason = NOT_ASKED if rec[11] is None else NO_CONSENT
            counts = left_out.setdefault(rec[1], {})
            counts[reason] = counts.get(reason, 0) + 1
            if rec[11] is None:
                excluded_not_asked += 1
            else:
                excluded_no_consent += 1
            continue
        if wanted is not None and rec[0] not in wanted:
            excluded_unchanged += 1
            continue
        chosen.append(tuple(rec))
    if wanted is not None:
        # "Only what changed": the people left out for consent are told of only on the courses
        # being sent, not every course the site has ever run (the manifest's counts per course
        # stay as they are).
        sending = {p[1] for p in chosen}
        excluded_no_consent = sum(left_out.get(c, {}).get(NO_CONSENT, 0) for c in sending)
        excluded_not_asked = sum(left_out.get(c, {}).get(NOT_ASKED, 0) for c in sending)
    chosen.sort(
        key=lambda p: (courses[p[1]]["course.start_date"], courses[p[1]]["course.code"], p[6])
    )
    ids = {p[0] for p in chosen}

    tick(2, 4, "Reading the register and measures")
    conn = s.connection()  # plain Core rows: the ORM adds nothing for tuples
    # Sessions held by today, or by the closing day (cancelled ones included), for the
    # attendance file.
    sessions_by_course: dict[int, list[tuple[int, int, date, bool]]] = {}
    sq = select(Session.id, Session.course_id, Session.number, Session.date, Session.cancelled)
    if scope.course_id is not None:
        sq = sq.where(Session.course_id == scope.course_id)
    for sid, cid, number, day, cancelled in conn.execute(sq.order_by(Session.number)):
        if day <= held_until.get(cid, today):
            sessions_by_course.setdefault(cid, []).append((sid, number, day, bool(cancelled)))
    held_live = {
        cid: {sid for sid, _, _, cancelled in rows if not cancelled}
        for cid, rows in sessions_by_course.items()
    }
    moved, joined = read_delivery(s, list(courses))
    # The register marks were read once with the facts the figures are decided from.
    marks: dict[int, Mapping[Any, str]] = {
        int(f.key): f.marks  # type: ignore[call-overload]
        for cid in courses
        for f in facts[cid]
        if f.key in ids
    }
    scores: dict[int, dict[tuple[str, str], tuple[float | None, bool, date | None]]] = {}
    ass_q = select(
        Assessment.enrolment_id,
        Assessment.instrument_key,
        Assessment.timepoint,
        Assessment.score,
        Assessment.adapted,
        Assessment.assessed_on,
        Assessment.taken,
    )
    if course_filter is not None:
        ass_q = ass_q.join(Enrolment, Enrolment.id == Assessment.enrolment_id).where(course_filter)
    where: dict[tuple[int, str], dict[str, str]] = {}  # (enrolment, measure) -> start/end -> taken
    for eid, key, timepoint, score, adapted, on, taken in conn.execute(ass_q):
        if eid in ids and timepoint != "follow_up":  # follow-up: from its one home, below
            scores.setdefault(eid, {})[(key, timepoint)] = (score, bool(adapted), on)
            if timepoint in ("start", "end") and score is not None:
                where.setdefault((eid, key), {})[timepoint] = taken
    # The single "follow_up" columns: each person's latest follow-up done (as the Measures
    # tab and the progress report show it).
    for eid, latest in followups.latest_scores_in(s, course_ids=list(courses)).items():
        if eid in ids:
            for key, (value, on, _point) in latest.items():
                scores.setdefault(eid, {})[(key, "follow_up")] = (value, False, on)
    # Where each was taken (coded), and whether the site counts the change (a physical test
    # watched over video may be left out: programme.measure_taken), as instrument parts.
    video_counted = _video_tests_counted(s)
    for (eid, key), taken_at in where.items():
        for timepoint, taken in taken_at.items():
            scores[eid][(key, f"{timepoint}_taken")] = (TAKEN_CODE.get(taken), False, None)
        if len(taken_at) == 2:
            keep = change_counts(taken_at["start"], taken_at["end"], video_counted)
            scores[eid][(key, "change_counted")] = (keep, False, None)

    # Follow-up at 3 and 12 months: states and scores as services.followups decides them.
    followed = {
        (e.enrolment_id, e.point): e
        for e in followups.entries_in(s, list(courses), today, followups.enabled_points_in(s))
        if e.enrolment_id in ids
    }
    for (eid, point), e in followed.items():
        for key, value in e.scores.items():
            scores.setdefault(eid, {})[(key, f"month{point}")] = (value, False, e.contacted_on)

    no_marks: Mapping[Any, str] = {}
    no_scores: dict[tuple[str, str], tuple[float | None, bool, date | None]] = {}
    out_people = []
    in_file: dict[int, list[PersonStatus]] = {}
    for p in chosen:
        eid, cid = p[0], p[1]
        summary, statuses = figures[cid]
        person = statuses[eid]
        in_file.setdefault(cid, []).append(person)
        joints = {j.strip() for j in (p[9] or "").split(",")}
        values = {
            "enrolment.status": person.status,
            "enrolment.record_status": p[2],
            "enrolment.enrolled_on": p[3],
            "enrolment.withdrawn_on": p[4],
            "enrolment.withdrawn_reason": p[5],
            "participant.code": p[6],
            "participant.sex": p[7],
            "participant.date_of_birth": p[8],
            "participant.joints": p[9],
            "participant.referral_source": p[10],
            "participant.referral_code": p[18] or referral_code_for(p[10]),
            "participant.consent_share": bool(p[11]),
            "participant.first_name": p[12],
            "participant.last_name": p[13],
            "participant.nhs_number": p[14],
            "participant.phone": p[15],
            "participant.email": p[16],
            "participant.notes": p[17],
            "enrolment.sessions_attended": person.attended,
            "enrolment.sessions_held": person.held,
            "enrolment.sessions_attended_online": attended_online_count(
                courses[cid]["course.delivery_mode"],
                marks.get(eid, no_marks),
                held_live.get(cid, set()),
                moved,
                joined.get(eid, set()),
            ),
            "enrolment.attendance_percent": (
                # Half away from zero, as everywhere: 5 of 8 is 63, not round()'s 62.
                int(round_half_away(Fraction(100 * person.attended, person.held)))
                if person.held
                else None
            ),
            # Decided only once the course is finished: blank (None) while it runs.
            "enrolment.completed": person.completed if summary.phase == FINISHED else None,
        }
        for joint in JOINTS:
            values[f"participant.joint.{joint}"] = joint in joints
        values["participant.consent_follow_up"] = p[19]
        values["participant.ethnic_category"] = p[20] or ""
        values["participant.stated_sex"] = p[21] or ""
        values["participant.gender_identity"] = p[22] or ""
        for point in POINTS:
            at = followed.get((eid, point))
            values[f"follow_up.{point}.state"] = at.state if at else "not_followed"
            values[f"follow_up.{point}.date"] = at.contacted_on if at else None
        mode = courses[cid]["course.delivery_mode"]
        out_people.append(
            UploadPerson(
                eid,
                cid,
                values,
                marks.get(eid, no_marks),
                scores.get(eid, no_scores),
                frozenset(
                    sid
                    for sid, *_x in sessions_by_course.get(cid, ())
                    if attended_online(mode, sid in moved, sid in joined.get(eid, ()))
                ),
            )
        )
    counted = sorted(
        set(in_file) | set(left_out),
        key=lambda cid: (courses[cid]["course.start_date"], courses[cid]["course.code"]),
    )
    course_counts = tuple(
        CourseCounts(
            course_code=courses[cid]["course.code"],
            course_status=courses[cid]["_status"],
            delivery_mode=courses[cid]["course.delivery_mode"],
            status=_status_counts(in_file.get(cid, [])),
            left_out={
                NO_CONSENT: left_out.get(cid, {}).get(NO_CONSENT, 0),
                NOT_ASKED: left_out.get(cid, {}).get(NOT_ASKED, 0),
            },
        )
        for cid in counted
    )
    return UploadSource(
        courses={
            cid: UploadCourse(
                c,
                c["course.start_date"],
                tuple(sessions_by_course.get(cid, ())),
                frozenset(
                    sid
                    for sid, *_x in sessions_by_course.get(cid, ())
                    if session_online(c["course.delivery_mode"], sid in moved)
                ),
            )
            for cid, c in courses.items()
        },
        people=out_people,
        course_codes={cid: c["course.code"] for cid, c in courses.items()},
        excluded_no_consent=excluded_no_consent,
        excluded_by_rules=excluded_by_rules,
        excluded_unchanged=excluded_unchanged,
        excluded_not_asked=excluded_not_asked,
        course_counts=course_counts,
    )


def _status_counts(people: Sequence[PersonStatus]) -> dict[str, int]:
    """The manifest's counts for the people in the file, from their decided statuses."""

    def count(status: str) -> int:
        return sum(1 for x in people if x.status == status)

    return {
        "enrolled": len(people),
        "started": sum(1 for x in people if x.started),
        "did_not_start": sum(1 for x in people if not x.started and x.status != NOT_STARTED_YET),
        "in_progress": count(IN_PROGRESS),
        "completed": count(COMPLETED),
        "did_not_complete": count(DID_NOT_COMPLETE),
        "withdrawn": count(WITHDRAWN),
    }


def build_upload(
    s: OrmSession,
    profile: Profile,
    scope: UploadScope,
    *,
    today: date | None = None,
    only_enrolments: Iterable[int] | None = None,
    progress: Progress | None = None,
    site_code: str = "",
    planned_for: Mapping[str, int] | None = None,
) -> UploadData:
    """The rows of the upload, in a handful of queries for the whole export."""
    source = read_upload_source(
        s,
        profile,
        scope,
        today=today,
        only_enrolments=only_enrolments,
        progress=progress,
        site_code=site_code,
        planned_for=planned_for,
    )
    return build_rows(source, profile, progress)
