"""People's rights over their records: keep for a set time, purge, erase, and export all.

A purge or an erasure really deletes: the rows go (the database cascades to the register,
exercise records, measures and certificates), audit entries that could name the person are
blanked, and the file is vacuumed so the old bytes are not left in free pages.
"""

from __future__ import annotations

import errno
import json
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import delete, func, inspect, or_, select, update
from sqlalchemy.orm import Session as OrmSession

from escape_desktop.context import AppContext
from escape_desktop.db.errors import disk_full_sentence
from escape_desktop.db.files import fsync_dir, replace_file, write_pending
from escape_desktop.db.models import (
    Assessment,
    Attendance,
    AuditEvent,
    CertificateIssued,
    Course,
    Enrolment,
    ExerciseRecord,
    ExportBatch,
    Participant,
    ProgressionDecision,
    Session,
)
from escape_desktop.i18n import N_, _, ngettext

from .changes import Changes, Done
from .common import audit, clean_text
from .errors import NotFound, ValidationError
from .safety_settings import get_settings

ERASED = "(erased)"


@dataclass(frozen=True)
class PurgeCandidate:
    participant_id: int
    code: str
    name: str
    last_course_ended: date | None  # None: never on a course
    courses: int


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def purge_candidates(
    ctx: AppContext, today: date | None = None, years: int | None = None
) -> list[PurgeCandidate]:
    """People whose last course ended more than the retention period ago, oldest first."""
    today = today or date.today()
    years = years if years is not None else get_settings(ctx).retention_years
    cutoff = _years_before(today, years)
    course_end = (
        select(Session.course_id, func.max(Session.date).label("ended"))
        .group_by(Session.course_id)
        .subquery()
    )
    last = (
        select(Enrolment.participant_id, func.max(course_end.c.ended).label("last"),
               func.count(Enrolment.id).label("n"))
        .join(course_end, course_end.c.course_id == Enrolment.course_id)
        .group_by(Enrolment.participant_id)
        .subquery()
    )  # fmt: skip
    q = (
        select(Participant, last.c.last, last.c.n)
        .outerjoin(last, last.c.participant_id == Participant.id)
        .order_by(last.c.last, Participant.id)
    )
    found = []
    with ctx.db.read() as s:
        for person, ended, n in s.execute(q):
            if ended is not None:
                if ended >= cutoff:
                    continue
            elif person.created_at.date() >= cutoff:
                continue  # on no course, but added recently
            found.append(PurgeCandidate(person.id, person.code, person.full_name, ended, n or 0))
    return found


def _ids_about(s: OrmSession, participant_id: int) -> dict[str, list[int]]:
    enrolments = list(
        s.scalars(select(Enrolment.id).where(Enrolment.participant_id == participant_id))
    )
    return {
        "enrolment": enrolments,
        "assessment": list(
            s.scalars(select(Assessment.id).where(Assessment.enrolment_id.in_(enrolments)))
        ),
        "exercise_record": list(
            s.scalars(select(ExerciseRecord.id).where(ExerciseRecord.enrolment_id.in_(enrolments)))
        ),
    }


def _audit_filter(person: Participant, ids: dict[str, list[int]]):  # type: ignore[no-untyped-def]
    """Audit events that are about this person (by row id or by their code in the text)."""
    return or_(
        (AuditEvent.entity == "participant") & (AuditEvent.entity_id == person.id),
        (AuditEvent.entity.in_(("enrolment", "attendance"))) & (AuditEvent.entity_id.in_(ids["enrolment"])),
        (AuditEvent.entity == "assessment") & (AuditEvent.entity_id.in_(ids["assessment"])),
        (AuditEvent.entity == "exercise_record") & (AuditEvent.entity_id.in_(ids["exercise_record"])),
        AuditEvent.detail.contains(person.code),
    )  # fmt: skip


def _delete_people(s: OrmSession, people: list[Participant]) -> dict[str, int]:
    counts = {"people": 0, "enrolments": 0}
    for person in people:
        ids = _ids_about(s, person.id)
        s.execute(
            update(AuditEvent)
            .where(_audit_filter(person, ids))
            .values(detail=ERASED)
            .execution_options(synchronize_session=False)
        )
        counts["enrolments"] += len(ids["enrolment"])
        counts["people"] += 1
    # The database cascades to enrolments, the register, exercise, measures and certificates.
    s.execute(
        delete(Participant)
        .where(Participant.id.in_([p.id for p in people]))
        .execution_options(synchronize_session=False)
    )
    return counts


def _scrub_file(ctx: AppContext) -> None:
    """Rewrite the file so deleted rows do not linger in free pages or the WAL."""
    ctx.db.checkpoint()
    ctx.db.pragma("VACUUM")
    ctx.db.checkpoint()


def purge_expired(
    ctx: AppContext, participant_ids: list[int] | None = None, *, today: date | None = None
) -> int:
    """Delete the people past the retention period (only ``participant_ids`` of them, when
    given). Returns how many people were deleted."""
    settings = get_settings(ctx)
    due = {c.participant_id for c in purge_candidates(ctx, today, settings.retention_years)}
    chosen = due if participant_ids is None else due & set(participant_ids)
    if not chosen:
        return 0
    with ctx.db.transaction() as s:
        people = list(s.scalars(select(Participant).where(Participant.id.in_(chosen))))
        counts = _delete_people(s, people)
        audit(
            s,
            ctx.actor,
            "purge",
            "participant",
            None,
            f"{counts['people']} people past the {settings.retention_years}-year retention "
            f"period deleted ({counts['enrolments']} enrolments)",
        )
    _scrub_file(ctx)
    return len(chosen)


def erase_participant(ctx: AppContext, participant_id: int, reason: str = "") -> Done[None]:
    """Erase one person on their request: every record about them, for good."""
    why = clean_text(reason, "reason", N_("Reason"), max_len=200)
    with ctx.db.transaction() as s:
        person = s.get(Participant, participant_id)
        if person is None:
            raise NotFound(_("That person is no longer on file."))
        counts = _delete_people(s, [person])
        audit(
            s,
            ctx.actor,
            "erase",
            "participant",
            None,
            f"one person erased on request ({counts['enrolments']} enrolments)"
            + (f"; reason: {why}" if why and person.first_name not in why else ""),
        )
    _scrub_file(ctx)
    return Done(None, Changes.ALL, message=_("One person erased"))  # for good: no undo


# ---- subject access -------------------------------------------------------------------------


def _row(obj: Any) -> dict[str, Any]:
    out = {}
    for attr in inspect(obj).mapper.column_attrs:
        value = getattr(obj, attr.key)
        out[attr.key] = value.isoformat() if isinstance(value, date | datetime) else value
    return out


def subject_access(ctx: AppContext, participant_id: int) -> dict[str, Any]:
    """Everything held about one person, as plain data (for a JSON file)."""
    with ctx.db.read() as s:
        person = s.get(Participant, participant_id)
        if person is None:
            raise NotFound(_("That person is no longer on file."))
        ids = _ids_about(s, person.id)
        enrolments = []
        for e in s.scalars(select(Enrolment).where(Enrolment.id.in_(ids["enrolment"]))):
            course = s.get(Course, e.course_id)
            item = _row(e)
            item["course"] = {"code": course.code, "title": course.title} if course else None
            enrolments.append(item)
        sessions = {
            sess.id: sess
            for sess in s.scalars(
                select(Session).join(Enrolment, Enrolment.course_id == Session.course_id)
                .where(Enrolment.id.in_(ids["enrolment"]))
            )
        }  # fmt: skip

        def with_session(rows: list) -> list[dict]:
            out = []
            for r in rows:
                item = _row(r)
                sess = sessions.get(getattr(r, "session_id", 0))
                if sess is not None:
                    item["session"] = {"number": sess.number, "date": sess.date.isoformat()}
                out.append(item)
            return out

        by_enrolment = ids["enrolment"]
        batches = [
            {"id": b.id, "created_at": b.created_at.isoformat(), "profile": b.profile,
             "filename": b.filename}
            for b in s.scalars(select(ExportBatch))
            if set(b.enrolment_ids or ()) & set(by_enrolment)
        ]  # fmt: skip
        return {
            "about": _("Everything escape-desktop holds about one person (subject access)."),
            "made_at": datetime.now().replace(microsecond=0).isoformat(),
            "participant": _row(person),
            "enrolments": enrolments,
            "attendance": with_session(
                list(s.scalars(select(Attendance).where(Attendance.enrolment_id.in_(by_enrolment))))
            ),
            "exercise_records": with_session(
                list(
                    s.scalars(
                        select(ExerciseRecord).where(ExerciseRecord.enrolment_id.in_(by_enrolment))
                    )
                )
            ),
            "progression_decisions": with_session(
                list(
                    s.scalars(
                        select(ProgressionDecision).where(
                            ProgressionDecision.enrolment_id.in_(by_enrolment)
                        )
                    )
                )
            ),
            "assessments": [
                _row(a)
                for a in s.scalars(
                    select(Assessment).where(Assessment.enrolment_id.in_(by_enrolment))
                )
            ],
            "certificates": [
                _row(c)
                for c in s.scalars(
                    select(CertificateIssued).where(
                        CertificateIssued.enrolment_id.in_(by_enrolment)
                    )
                )
            ],
            "exports_including_them": batches,
            "audit_events": [
                _row(ev)
                for ev in s.scalars(
                    select(AuditEvent).where(_audit_filter(person, ids)).order_by(AuditEvent.at)
                )
            ],
        }


def write_subject_access(ctx: AppContext, participant_id: int, path: str | Path) -> Path:
    """Write the subject-access JSON file (atomically) and note it in the audit log."""
    target = Path(path)
    if target.is_dir():
        raise ValidationError("path", _("Choose a file name, not a folder."))
    data = subject_access(ctx, participant_id)
    text = json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n"
    # All or nothing: the file is made under a temporary name in the chosen folder, and takes
    # its name inside the transaction that records it; if either fails (a full disk here or
    # there), neither is left, so "Nothing was saved" is true and no health record lies about.
    tmp: Path | None = None
    placed = False
    try:
        tmp = write_pending(target, text)
        with ctx.db.transaction() as s:
            audit(
                s,
                ctx.actor,
                "subject_access",
                "participant",
                participant_id,
                data["participant"]["code"],
            )
            s.flush()
            replace_file(tmp, target)
            placed = True
    except BaseException as e:
        if placed:  # named, but its record could not be committed: take it back
            target.unlink(missing_ok=True)
        if isinstance(e, OSError):
            if e.errno == errno.ENOSPC:
                raise ValidationError("path", disk_full_sentence(target.parent)) from None
            raise ValidationError(
                "path",
                _("Cannot write {name} there; choose another folder. Nothing was saved.").format(
                    name=target.name
                ),
            ) from None
        raise
    finally:
        if tmp is not None:
            tmp.unlink(missing_ok=True)
    fsync_dir(target.parent)
    return target


__all__ = [
    "PurgeCandidate",
    "erase_participant",
    "purge_candidates",
    "purge_expired",
    "subject_access",
    "write_subject_access",
]


def purge(ctx: AppContext, *, today: date | None = None) -> Done[int]:
    """``purge_expired`` for the window, saying what it did (for good: no undo)."""
    count = purge_expired(ctx, today=today)
    return Done(
        count,
        Changes.ALL,
        message=ngettext(
            "{count} person past the keeping period deleted",
            "{count} people past the keeping period deleted",
            count,
        ).format(count=count),
    )


def save_subject_access(ctx: AppContext, participant_id: int, path: str | Path) -> Done[Path]:
    """``write_subject_access`` for the window: a file saved outside the app (no undo)."""
    out = write_subject_access(ctx, participant_id, path)
    with ctx.db.read() as s:
        person = s.get(Participant, participant_id)
        code = person.code if person is not None else "this person"
    return Done(
        out,
        Changes.EXPORT,
        message=_("Saved everything about {code} to {name}").format(code=code, name=out.name),
    )
