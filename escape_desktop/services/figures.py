"""Read a course's sessions, places and marks once, and apply programme.status to them.

Every surface that shows a status, "started", completers or a completion rate gets them
from `course_figures` / `figures_for_courses`, never from its own query.
"""

from __future__ import annotations

from collections.abc import Collection, Hashable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session as OrmSession

from escape_desktop.context import AppContext
from escape_desktop.db.models import Assessment, Attendance, Course, Enrolment, Session
from escape_desktop.i18n import _
from escape_desktop.programme.content import OUTCOME_DOMAINS
from escape_desktop.programme.delivery import IN_PERSON, ModeFigures, mode_figures
from escape_desktop.programme.outcomes import DomainProportions, domain_proportions
from escape_desktop.programme.status import (
    WITHDRAWN,
    CourseSummary,
    EnrolmentFact,
    PersonStatus,
    SessionFact,
    course_summary,
    decision_day,
    registers_not_taken,
)

from .errors import NotFound

__all__ = [
    "CourseFigures",
    "Decided",
    "Facts",
    "course_figures",
    "figures_for_courses",
    "headline_proportions",
    "read_facts",
]


@dataclass(frozen=True)
class CourseFigures:
    """One course's summary and each person's status, by enrolment id, as of `today`."""

    course_id: int
    code: str
    programme_key: str
    today: date
    summary: CourseSummary
    people: dict[int, PersonStatus] = field(hash=False)
    planned_sessions: int  # the programme's planned number (the template's, else as scheduled)
    # Session numbers whose day has passed with nobody marked: completion counts them as held.
    registers_not_taken: tuple[int, ...] = ()
    # in_person / virtual / hybrid, and sessions and attendance by where they happened
    delivery_mode: str = IN_PERSON
    by_place: ModeFigures | None = None

    def status_of(self, enrolment_id: int) -> PersonStatus:
        return self.people[enrolment_id]


# What read_facts gives (sessions, and places with their marks, by course id) and what
# decide_courses makes of it (each course's row, summary and statuses, by course id).
Facts = tuple[dict[int, list[SessionFact]], dict[int, list[EnrolmentFact]]]
Decided = dict[int, tuple[Any, CourseSummary, dict[Hashable, PersonStatus]]]


def read_facts(s: OrmSession, course_ids: Collection[int]) -> Facts:
    """Sessions and places (with their marks) of some courses, in three queries."""
    ids = list(course_ids)
    sessions: dict[int, list[SessionFact]] = {i: [] for i in ids}
    for sid, cid, day, cancelled, number in s.connection().execute(
        select(Session.id, Session.course_id, Session.date, Session.cancelled, Session.number)
        .where(Session.course_id.in_(ids))
        .order_by(Session.course_id, Session.number)
    ):
        sessions[cid].append(SessionFact(sid, day, bool(cancelled), number))
    marks: dict[int, dict[Hashable, str]] = {}
    for eid, sid, mark in s.connection().execute(
        select(Attendance.enrolment_id, Attendance.session_id, Attendance.mark)
        .join(Enrolment, Enrolment.id == Attendance.enrolment_id)
        .where(Enrolment.course_id.in_(ids))
    ):
        marks.setdefault(eid, {})[sid] = mark
    people: dict[int, list[EnrolmentFact]] = {i: [] for i in ids}
    for eid, cid, status, enrolled_on, withdrawn_on, joined in s.connection().execute(
        select(
            Enrolment.id,
            Enrolment.course_id,
            Enrolment.status,
            Enrolment.enrolled_on,
            Enrolment.withdrawn_on,
            Enrolment.joined_session,
        )
        .where(Enrolment.course_id.in_(ids))
        .order_by(Enrolment.id)
    ):
        people[cid].append(
            EnrolmentFact(
                key=eid,
                enrolled_on=enrolled_on,
                marks=marks.get(eid, {}),
                withdrawn=status == WITHDRAWN,
                withdrawn_on=withdrawn_on,
                joined_at=joined or 1,
            )
        )
    return sessions, people


def read_delivery(
    s: OrmSession, course_ids: Collection[int]
) -> tuple[set[int], dict[int, set[int]]]:
    """The ids of sessions moved online, and by enrolment id the sessions where that person
    joined online (programme.delivery decides what each means for the course's mode)."""
    ids = list(course_ids)
    moved = set(
        s.scalars(select(Session.id).where(Session.course_id.in_(ids), Session.online.is_(True)))
    )
    joined: dict[int, set[int]] = {}
    for eid, sid in s.connection().execute(
        select(Attendance.enrolment_id, Attendance.session_id)
        .join(Enrolment, Enrolment.id == Attendance.enrolment_id)
        .where(Enrolment.course_id.in_(ids), Attendance.joined_online.is_(True))
    ):
        joined.setdefault(eid, set()).add(sid)
    return moved, joined


def decide_courses(
    s: OrmSession,
    course_ids: Sequence[int],
    today: date,
    facts: Facts | None = None,
) -> Decided:
    """Within one read: each course's row, summary and people's statuses, by course id.

    The one place a course's figures are decided from the database (a course closed early
    is finished from its closing day on); every surface reads them through here.
    """
    courses = (
        s.connection()
        .execute(
            select(
                Course.id, Course.code, Course.programme_key, Course.closed_on, Course.delivery_mode
            ).where(Course.id.in_(list(course_ids)))
        )
        .all()
    )
    sessions, people = facts if facts is not None else read_facts(s, [c.id for c in courses])
    out = {}
    for row in courses:
        day, closed = decision_day(today, row.closed_on)
        summary, statuses = course_summary(people[row.id], sessions[row.id], day, closed=closed)
        out[row.id] = (row, summary, statuses)
    return out


def figures_for_courses(
    ctx: AppContext, course_ids: Sequence[int], today: date | None = None
) -> dict[int, CourseFigures]:
    """Figures for several courses at once (course list, site reports), by course id."""
    today = today or date.today()
    with ctx.db.read() as s:
        facts = read_facts(s, course_ids)
        found = decide_courses(s, course_ids, today, facts)
        moved, joined = read_delivery(s, course_ids)
    out: dict[int, CourseFigures] = {}
    for cid, (row, summary, statuses) in found.items():
        template = ctx.library.templates.get(row.programme_key)
        planned = len(template.sessions) if template else summary.sessions_planned
        day, _closed = decision_day(today, row.closed_on)
        untaken = registers_not_taken(facts[1][cid], facts[0][cid], day)
        out[cid] = CourseFigures(
            course_id=cid,
            code=row.code,
            programme_key=row.programme_key,
            today=today,
            summary=summary,
            people={int(k): v for k, v in statuses.items()},  # type: ignore[call-overload]
            planned_sessions=planned,
            registers_not_taken=tuple(x.number for x in untaken),
            delivery_mode=row.delivery_mode,
            by_place=mode_figures(
                row.delivery_mode, facts[0][cid], facts[1][cid], moved, joined, day
            ),
        )
    return out


def course_figures(ctx: AppContext, course_id: int, today: date | None = None) -> CourseFigures:
    """One course's summary and per-person statuses."""
    found = figures_for_courses(ctx, [course_id], today)
    if course_id not in found:
        raise NotFound(_("That course no longer exists."))
    return found[course_id]


def headline_proportions(ctx: AppContext, course_id: int) -> list[DomainProportions]:
    """The three headline domains for one course: improved at all, meaningful, worse.

    Each domain uses the one measure the course's programme maps it to (or is "not
    measured"); a person counts only with both a start and an end value.
    """
    with ctx.db.read() as s:
        programme_key = s.scalar(select(Course.programme_key).where(Course.id == course_id))
        if programme_key is None:
            raise NotFound(_("That course no longer exists."))
        rows = s.execute(
            select(
                Assessment.enrolment_id,
                Assessment.instrument_key,
                Assessment.timepoint,
                Assessment.score,
            )
            .join(Enrolment, Enrolment.id == Assessment.enrolment_id)
            .where(Enrolment.course_id == course_id, Assessment.timepoint.in_(("start", "end")))
        ).all()
    values: dict[tuple[str, int], dict[str, float | None]] = {}
    for eid, key, timepoint, score in rows:
        values.setdefault((key, eid), {})[timepoint] = score
    template = ctx.library.templates.get(programme_key)
    mapping = template.outcome_instruments if template else {}
    out = []
    for domain in OUTCOME_DOMAINS:
        mapped = mapping.get(domain)
        instrument = ctx.library.instruments.get(mapped) if mapped else None
        pairs = [
            (v.get("start"), v.get("end"))
            for (k, _), v in values.items()
            if instrument is not None and k == instrument.key
        ]
        out.append(domain_proportions(domain, instrument, pairs))
    return out
