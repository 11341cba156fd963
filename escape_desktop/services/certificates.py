"""Use case: record that completion certificates were issued (printed) for some people."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select

from escape_desktop.context import AppContext
from escape_desktop.db.models import CertificateIssued, Enrolment

from .common import audit, now
from .errors import NotFound, ValidationError


def record_issued(
    ctx: AppContext, course_id: int, enrolment_ids: Sequence[int], *, issued_by: str = ""
) -> int:
    """One certificates_issued row and one audit event per person, in one transaction.

    Returns the number recorded. Every id must belong to ``course_id``.
    """
    ids = list(dict.fromkeys(int(x) for x in enrolment_ids))
    if not ids:
        raise ValidationError("enrolment_ids", "Choose at least one person for a certificate.")
    stamp = now()
    who = issued_by or ctx.actor
    with ctx.db.transaction() as s:
        found = dict(
            s.execute(select(Enrolment.id, Enrolment.course_id).where(Enrolment.id.in_(ids))).all()
        )
        missing = [x for x in ids if x not in found]
        if missing:
            raise NotFound("Some of those people are no longer on the course; refresh and retry.")
        if any(found[x] != course_id for x in ids):
            raise ValidationError("enrolment_ids", "Some of those people are on another course.")
        for enrolment_id in ids:
            s.add(CertificateIssued(enrolment_id=enrolment_id, issued_at=stamp, issued_by=who))
            audit(
                s, ctx.actor, "issue_certificate", "enrolment", enrolment_id, f"course {course_id}"
            )
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
