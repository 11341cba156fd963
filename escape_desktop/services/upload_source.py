"""Who goes into an upload and what is known of them: the reading half of the upload export.

A handful of queries for the whole export (courses, people, sessions, marks, measures); the
profile's include rules (consent, statuses, course status) decide who goes out. The rows
themselves are built by export/upload_rows.py from the records read here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session as OrmSession

from escape_desktop.db.models import (
    Assessment,
    Course,
    Enrolment,
    Participant,
    Session,
    Setting,
    Venue,
)
from escape_desktop.export.upload_manifest import CourseCounts
from escape_desktop.export.upload_profile import JOINTS, Profile
from escape_desktop.export.upload_rows import (
    UploadCourse,
    UploadData,
    UploadPerson,
    UploadScope,
    UploadSource,
    build_rows,
)
from escape_desktop.i18n import _
from escape_desktop.programme.delivery import (
    attended_online,
    attended_online_count,
    session_online,
)
from escape_desktop.programme.followup import POINTS
from escape_desktop.programme.measure_taken import TAKEN_CODE, change_counts
from escape_desktop.programme.referral_codes import referral_code_for
from escape_desktop.programme.rounding import percent
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

from . import followups, settings_registry
from .figures import decide_courses, read_delivery, read_facts

__all__ = ["build_upload", "read_upload_source", "NO_CONSENT", "NOT_ASKED"]

# The manifest's reasons for leaving a person out (export.upload_manifest.LEFT_OUT_KEYS).
NO_CONSENT = "did_not_agree_to_share"
NOT_ASKED = "not_asked_yet"

Progress = Callable[[int, int, str], None]


def _course_rows(s: OrmSession, scope: UploadScope) -> dict[int, dict[str, Any]]:
    """The courses in scope with their venue and first and last live session, in one query.

    A course starts on its first session not cancelled (its planned start when it has none),
    as the course list shows it; the scope's date range is read against that day.
    """
    live = select(Session.date).where(
        Session.course_id == Course.id, Session.cancelled.is_not(True)
    )
    q = select(
        Course.id,
        Course.code,
        Course.title,
        Course.programme_key,
        Venue.name,
        Course.start_date,
        Course.delivery_mode,
        live.with_only_columns(func.min(Session.date)).scalar_subquery(),
        live.with_only_columns(func.max(Session.date)).scalar_subquery(),
    ).outerjoin(Venue, Venue.id == Course.venue_id)
    if scope.course_id is not None:
        q = q.where(Course.id == scope.course_id)
    out: dict[int, dict[str, Any]] = {}
    for cid, code, title, key, venue, planned_start, mode, first, last in s.connection().execute(q):
        start = first if first is not None else planned_start
        if scope.date_from is not None and start < scope.date_from:
            continue
        if scope.date_to is not None and start > scope.date_to:
            continue
        out[cid] = {
            "course.code": code,
            "course.title": title,
            "course.programme": key,
            "course.venue": venue or "",
            "course.start_date": start,
            "course.end_date": last,
            "course.delivery_mode": mode,
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
    site_name: str = "",
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
    tick(0, 4, _("Reading courses"))
    courses = _course_rows(s, scope)
    # The facts are read, and each course decided, once for the whole export: the
    # follow-up states below are worked out from the same decisions.
    known = read_facts(s, list(courses))
    sessions, facts = known
    decided = decide_courses(s, list(courses), today, facts=known)
    moved, joined = read_delivery(s, list(courses))
    figures: dict[int, tuple[CourseSummary, dict[Any, PersonStatus]]] = {}
    held_until: dict[int, date] = {}  # a course closed early held nothing after closing
    for cid, course in courses.items():
        row, summary, statuses = decided[cid]
        day = held_until[cid] = decision_day(today, row.closed_on)[0]
        figures[cid] = (summary, statuses)
        course["_status"] = summary.phase
        course["course.status"] = summary.phase
        course["course.sessions_delivered"] = summary.sessions_delivered
        template_planned = (planned_for or {}).get(course["course.programme"], 0)
        course["course.sessions_planned"] = max(template_planned, summary.sessions_planned)
        mode = course["course.delivery_mode"]
        course["course.sessions_online"] = sum(
            1
            for x in sessions[cid]
            if not x.cancelled and x.date <= day and session_online(mode, x.key in moved)
        )
        course["site.code"] = site_code
        course["site.name"] = site_name
    course_filter = Enrolment.course_id.in_(list(courses)) if scope.course_id is not None else None
    wanted = set(only_enrolments) if only_enrolments is not None else None

    def in_scope(q: Any) -> Any:
        if course_filter is not None:
            return q.where(course_filter)
        return q

    tick(1, 4, _("Reading people"))
    people = (
        s.connection()
        .execute(
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
        )
        .all()
    )
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

    tick(2, 4, _("Reading the register and measures"))
    conn = s.connection()  # plain Core rows: the ORM adds nothing for tuples
    # Sessions held by today, or by the closing day (cancelled ones included), for the
    # attendance file.
    sessions_by_course: dict[int, list[tuple[int, int, date, bool]]] = {}
    sq = select(Session.id, Session.course_id, Session.number, Session.date, Session.cancelled)
    if scope.course_id is not None:
        sq = sq.where(Session.course_id == scope.course_id)
    for sid, cid, number, day, cancelled in conn.execute(sq.order_by(Session.number)).all():
        if day <= held_until.get(cid, today):
            sessions_by_course.setdefault(cid, []).append((sid, number, day, bool(cancelled)))
    held_live = {
        cid: {sid for sid, _, _, cancelled in rows if not cancelled}
        for cid, rows in sessions_by_course.items()
    }
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
    for eid, key, timepoint, score, adapted, on, taken in conn.execute(ass_q).all():
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
        for e in followups.entries_in(
            s, list(courses), today, followups.enabled_points_in(s), known=(known, decided)
        )
        if e.enrolment_id in ids
    }
    for (eid, point), e in followed.items():
        for key, value in e.scores.items():
            scores.setdefault(eid, {})[(key, f"month{point}")] = (value, False, e.contacted_on)

    no_marks: Mapping[Any, str] = {}
    no_sids: frozenset[int] = frozenset()
    course_sids: dict[int, frozenset[int]] = {}
    course_online: dict[int, frozenset[int]] = {}
    joins_count: dict[int, bool] = {}
    for cid, c in courses.items():
        mode = c["course.delivery_mode"]
        held_here = [sid for sid, *_x in sessions_by_course.get(cid, ())]
        course_sids[cid] = frozenset(held_here)
        course_online[cid] = frozenset(
            sid for sid in held_here if session_online(mode, sid in moved)
        )
        # Joining a hall session over video makes a presence online only where the rule says
        # so for a session not moved (a hybrid course).
        joins_count[cid] = attended_online(mode, False, True)
    no_scores: dict[tuple[str, str], tuple[float | None, bool, date | None]] = {}
    out_people = []
    in_file: dict[int, list[PersonStatus]] = {}
    for p in chosen:
        eid, cid = p[0], p[1]
        summary, statuses = figures[cid]
        person = statuses[eid]
        in_file.setdefault(cid, []).append(person)
        person_marks = marks.get(eid, no_marks)
        # Where this person's presence was over video (programme.delivery.attended_online):
        # every session the course held over video, and the hall sessions they joined over
        # video where joining counts (a hybrid course): worked out per course, not per cell.
        online = course_online[cid]
        joined_here = joined.get(eid)
        if joined_here and joins_count[cid]:
            online = online | (course_sids[cid] & joined_here)
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
                person_marks,
                held_live.get(cid, no_sids),
                online,  # the sessions over video for this person (moved or joined)
                no_sids,
            ),
            "enrolment.attendance_percent": (
                # Half away from zero, as everywhere: 5 of 8 is 63, not round()'s 62.
                percent(person.attended, person.held) if person.held else None
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
        out_people.append(
            UploadPerson(
                eid,
                cid,
                values,
                person_marks,
                scores.get(eid, no_scores),
                online,
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
                course_online[cid],
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
    site_name: str = "",
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
        site_name=site_name,
        planned_for=planned_for,
    )
    return build_rows(source, profile, progress)
