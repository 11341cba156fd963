"""Use cases: who may have a completion certificate, and recording that certificates were issued."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select

from escape_desktop.context import AppContext
from escape_desktop.db.models import Attendance, CertificateIssued, Enrolment, Session
from escape_desktop.i18n import _
from escape_desktop.programme.status import COMPLETED, IN_PROGRESS, PersonStatus

from .common import audit, now
from .errors import NotFound, ValidationError
from .figures import course_figures


@dataclass(frozen=True)
class CertificateFacts:
    """What a certificate says about one person: the planned programme and their own attendance."""

    enrolment_id: int
    planned_sessions: int  # the programme's planned number ("the 12-session programme")
    attended: int  # the person's own sessions attended
    held: int  # sessions held while they were enrolled (what 75 % is counted against)
    early: bool  # printed before the course has finished: they have already attended enough


@dataclass(frozen=True)
class CertificateList:
    """Who may have a certificate now, and whether the course has finished."""

    course_finished: bool
    people: list[CertificateFacts]


def _may_have(status: PersonStatus, last_day_unmarked: bool = False) -> tuple[bool, bool]:
    """(may have one, early): completed on a finished course, or already past 75 % while running.

    Sites hand certificates out at the last session, so they are printed beforehand:
    someone who has already attended enough of the sessions still to be held cannot
    fall below 75 % any more, and may have theirs early.
    """
    if status.status == COMPLETED:
        return True, False
    if status.status == IN_PROGRESS and status.needs == 0:
        return True, True
    if status.status == IN_PROGRESS and last_day_unmarked and status.needs == 1:
        # Printed on the way to the last session: coming today completes them.
        return True, True
    return False, False


def _last_day_unmarked(ctx: AppContext, course_id: int, today: date) -> bool:
    """True on the day of the course's last session, before its register has been marked."""
    with ctx.db.read() as s:
        last = s.execute(
            select(Session.id, Session.date)
            .where(Session.course_id == course_id, Session.cancelled.is_(False))
            .order_by(Session.date.desc())
            .limit(1)
        ).first()
        if last is None or last.date != today:
            return False
        marked = s.scalar(
            select(func.count()).select_from(Attendance).where(Attendance.session_id == last.id)
        )
    return not marked


def certificate_list(ctx: AppContext, course_id: int, today: date | None = None) -> CertificateList:
    """The people who may have a completion certificate, with the facts to print on it."""
    figures = course_figures(ctx, course_id, today)
    last_day = _last_day_unmarked(ctx, course_id, figures.today)
    people = []
    for eid, status in figures.people.items():
        allowed, early = _may_have(status, last_day)
        if allowed:
            people.append(
                CertificateFacts(eid, figures.planned_sessions, status.attended, status.held, early)
            )
    return CertificateList(figures.summary.phase == "finished", people)


def record_issued(
    ctx: AppContext,
    course_id: int,
    enrolment_ids: Sequence[int],
    *,
    issued_by: str = "",
    then: Callable[[], None] | None = None,
) -> int:
    """One certificates_issued row and one audit event per person, in one transaction.

    Returns the number recorded. Every id must belong to ``course_id``. ``then`` (the PDF's
    rename into place) runs inside the transaction once the rows are written and before the
    commit: if it fails nothing is recorded.
    """
    ids = list(dict.fromkeys(int(x) for x in enrolment_ids))
    if not ids:
        raise ValidationError("enrolment_ids", _("Choose at least one person for a certificate."))
    stamp = now()
    who = issued_by or ctx.actor
    with ctx.db.transaction() as s:
        found = dict(
            s.execute(select(Enrolment.id, Enrolment.course_id).where(Enrolment.id.in_(ids))).all()
        )
        missing = [x for x in ids if x not in found]
        if missing:
            raise NotFound(
                _("Some of those people are no longer on the course; refresh and retry.")
            )
        if any(found[x] != course_id for x in ids):
            raise ValidationError("enrolment_ids", _("Some of those people are on another course."))
        for enrolment_id in ids:
            s.add(CertificateIssued(enrolment_id=enrolment_id, issued_at=stamp, issued_by=who))
            audit(
                s, ctx.actor, "issue_certificate", "enrolment", enrolment_id, f"course {course_id}"
            )
        if then is not None:
            s.flush()  # the rows are good before the file takes its name
            then()
    return len(ids)


def issued_for_course(ctx: AppContext, course_id: int) -> dict[int, datetime]:
    """When each person's certificate was last issued, by enrolment id."""
    with ctx.db.read() as s:
        rows = s.execute(
            select(CertificateIssued.enrolment_id, func.max(CertificateIssued.issued_at))
            .join(Enrolment, Enrolment.id == CertificateIssued.enrolment_id)
            .where(Enrolment.course_id == course_id)
            .group_by(CertificateIssued.enrolment_id)
        ).all()
    return {int(e): at for e, at in rows}
