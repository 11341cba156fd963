"""Who goes into an upload and what is known of them: the reading half of the upload export.

A handful of queries for the whole export (courses, people, sessions, marks, measures); the
profile's include rules (consent, statuses, course status) decide who goes out. The rows
themselves are built by export/upload_rows.py from the records read here.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session as OrmSession

from escape_desktop.db.models import Assessment, Attendance, Enrolment, Participant, Session
from escape_desktop.db.queries import course_summaries
from escape_desktop.export.upload_profile import Profile
from escape_desktop.export.upload_rows import (
    UploadCourse,
    UploadData,
    UploadPerson,
    UploadScope,
    UploadSource,
    build_rows,
)
from escape_desktop.programme.completion import is_completer

__all__ = ["build_upload", "read_upload_source"]

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
            "_status": c.status,
        }
    return out


def read_upload_source(
    s: OrmSession,
    profile: Profile,
    scope: UploadScope,
    *,
    today: date | None = None,
    only_enrolments: Iterable[int] | None = None,
    progress: Progress | None = None,
) -> UploadSource:
    """The people who go out under ``profile`` in ``scope``, counted by why others do not.

    ``only_enrolments`` narrows the export to those enrolments (the "changes since the
    last upload" option); the caller works them out.
    """
    today = today or date.today()
    tick = progress or (lambda done, total, message: None)
    tick(0, 4, "Reading courses")
    courses = _course_rows(s, scope, today)
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
            ).join(Participant, Participant.id == Enrolment.participant_id)
        )
    ).all()
    excluded_by_rules = excluded_no_consent = excluded_unchanged = 0
    chosen: list[tuple[Any, ...]] = []
    for rec in people:
        course = courses.get(rec[1])
        if course is None:
            continue
        if course["_status"] not in profile.course_statuses or rec[2] not in profile.statuses:
            excluded_by_rules += 1
            continue
        if profile.consent_required and not rec[11]:
            excluded_no_consent += 1
            continue
        if wanted is not None and rec[0] not in wanted:
            excluded_unchanged += 1
            continue
        chosen.append(tuple(rec))
    chosen.sort(
        key=lambda p: (courses[p[1]]["course.start_date"], courses[p[1]]["course.code"], p[6])
    )
    ids = {p[0] for p in chosen}

    tick(2, 4, "Reading the register and measures")
    conn = s.connection()  # plain Core rows: the ORM adds nothing for tuples
    # Sessions: which were held (for attendance counts) and, per course, those to list.
    held: set[int] = set()
    sessions_by_course: dict[int, list[tuple[int, int, date, bool]]] = {}
    sq = select(Session.id, Session.course_id, Session.number, Session.date, Session.cancelled)
    if scope.course_id is not None:
        sq = sq.where(Session.course_id == scope.course_id)
    for sid, cid, number, day, cancelled in conn.execute(sq.order_by(Session.number)):
        if day <= today:
            if not cancelled:
                held.add(sid)
            sessions_by_course.setdefault(cid, []).append((sid, number, day, bool(cancelled)))
    attended: dict[int, int] = {}
    marks: dict[int, dict[int, str]] = {}
    att_q = select(Attendance.enrolment_id, Attendance.session_id, Attendance.mark)
    if course_filter is not None:
        att_q = att_q.join(Enrolment, Enrolment.id == Attendance.enrolment_id).where(course_filter)
    for eid, sid, mark in conn.execute(att_q):
        if eid not in ids:
            continue
        marks.setdefault(eid, {})[sid] = mark
        if mark == "present" and sid in held:
            attended[eid] = attended.get(eid, 0) + 1
    scores: dict[int, dict[tuple[str, str], tuple[float | None, bool]]] = {}
    ass_q = select(
        Assessment.enrolment_id,
        Assessment.instrument_key,
        Assessment.timepoint,
        Assessment.score,
        Assessment.adapted,
    )
    if course_filter is not None:
        ass_q = ass_q.join(Enrolment, Enrolment.id == Assessment.enrolment_id).where(course_filter)
    for eid, key, timepoint, score, adapted in conn.execute(ass_q):
        if eid in ids:
            scores.setdefault(eid, {})[(key, timepoint)] = (score, bool(adapted))

    completer = functools.lru_cache(maxsize=None)(is_completer)
    no_marks: dict[int, str] = {}
    no_scores: dict[tuple[str, str], tuple[float | None, bool]] = {}
    out_people = []
    for p in chosen:
        eid, cid = p[0], p[1]
        delivered = courses[cid]["course.sessions_delivered"]
        went = min(attended.get(eid, 0), delivered)
        values = {
            "enrolment.status": p[2],
            "enrolment.enrolled_on": p[3],
            "enrolment.withdrawn_on": p[4],
            "enrolment.withdrawn_reason": p[5],
            "participant.code": p[6],
            "participant.sex": p[7],
            "participant.date_of_birth": p[8],
            "participant.joints": p[9],
            "participant.referral_source": p[10],
            "participant.consent_share": bool(p[11]),
            "participant.first_name": p[12],
            "participant.last_name": p[13],
            "participant.nhs_number": p[14],
            "participant.phone": p[15],
            "participant.email": p[16],
            "participant.notes": p[17],
            "enrolment.sessions_attended": went,
            "enrolment.attendance_percent": round(100 * went / delivered) if delivered else None,
            "enrolment.completed": completer(went, delivered),
        }
        out_people.append(
            UploadPerson(eid, cid, values, marks.get(eid, no_marks), scores.get(eid, no_scores))
        )
    return UploadSource(
        courses={
            cid: UploadCourse(c, c["course.start_date"], tuple(sessions_by_course.get(cid, ())))
            for cid, c in courses.items()
        },
        people=out_people,
        course_codes={cid: c["course.code"] for cid, c in courses.items()},
        excluded_no_consent=excluded_no_consent,
        excluded_by_rules=excluded_by_rules,
        excluded_unchanged=excluded_unchanged,
    )


def build_upload(
    s: OrmSession,
    profile: Profile,
    scope: UploadScope,
    *,
    today: date | None = None,
    only_enrolments: Iterable[int] | None = None,
    progress: Progress | None = None,
) -> UploadData:
    """The rows of the upload, in a handful of queries for the whole export."""
    source = read_upload_source(
        s, profile, scope, today=today, only_enrolments=only_enrolments, progress=progress
    )
    return build_rows(source, profile, progress)
