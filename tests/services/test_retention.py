"""Retention, erasure and subject access: deleted means gone from the file, and logged."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from sqlalchemy import func, select

from escape_desktop.context import AppContext
from escape_desktop.db.models import Attendance, AuditEvent, Enrolment, ExerciseRecord, Participant
from escape_desktop.services import audit as audit_log
from escape_desktop.services import retention
from escape_desktop.services.participants import edit_participant, participant_input
from escape_desktop.services.safety_settings import get_settings, set_retention_years


def file_bytes(ctx: AppContext) -> bytes:
    wal = Path(str(ctx.db_path) + "-wal")
    return ctx.db_path.read_bytes() + (wal.read_bytes() if wal.exists() else b"")


def someone_with_records(ctx: AppContext) -> Participant:
    with ctx.db.read() as s:
        return s.scalars(
            select(Participant)
            .join(Enrolment)
            .join(ExerciseRecord, ExerciseRecord.enrolment_id == Enrolment.id)
            .order_by(Participant.id)
        ).first()


def test_retention_defaults_to_eight_years(demo_ctx: AppContext) -> None:
    assert get_settings(demo_ctx).retention_years == 8


def course_ends(ctx: AppContext) -> list[date]:
    from escape_desktop.db.models import Session

    with ctx.db.read() as s:
        return sorted(s.scalars(select(func.max(Session.date)).group_by(Session.course_id)))


def between_courses(ctx: AppContext) -> date:
    """A day 8 years after all but the last course ended, so only some people are due."""
    ends = course_ends(ctx)
    return ends[-1].replace(year=ends[-1].year + 8)


def test_purge_waits_for_the_retention_period(demo_ctx: AppContext) -> None:
    ends = course_ends(demo_ctx)
    assert retention.purge_candidates(demo_ctx, ends[0].replace(year=ends[0].year + 8)) == []
    due = retention.purge_candidates(demo_ctx, between_courses(demo_ctx))
    with demo_ctx.db.read() as s:
        everyone = s.scalar(select(func.count(Participant.id)))
    assert 0 < len(due) < everyone  # people on the last course are not yet due
    set_retention_years(demo_ctx, 20)
    assert retention.purge_candidates(demo_ctx, between_courses(demo_ctx)) == []


def test_purge_really_deletes_and_vacuums(demo_ctx: AppContext) -> None:
    today = between_courses(demo_ctx)
    due = retention.purge_candidates(demo_ctx, today)
    gone_names = {c.name.split(" ", 1)[1].encode() for c in due}
    with demo_ctx.db.read() as s:
        everyone = s.scalar(select(func.count(Participant.id)))
        due_ids = {c.participant_id for c in due}
        keep_names = {p.last_name.encode() for p in s.query(Participant) if p.id not in due_ids}
    assert any(n in file_bytes(demo_ctx) for n in gone_names)
    assert retention.purge_expired(demo_ctx, today=today) == len(due)
    with demo_ctx.db.read() as s:
        assert s.scalar(select(func.count(Participant.id))) == everyone - len(due)
        ids = [c.participant_id for c in due]
        assert s.scalar(select(func.count()).where(Participant.id.in_(ids))) == 0
        orphans = s.scalar(
            select(func.count()).select_from(Attendance).outerjoin(
                Enrolment, Enrolment.id == Attendance.enrolment_id
            ).where(Enrolment.id.is_(None))
        )  # fmt: skip
        assert orphans == 0
        event = s.scalars(select(AuditEvent).where(AuditEvent.action == "purge")).one()
    blob = file_bytes(demo_ctx)
    only_gone = gone_names - keep_names
    assert only_gone and not any(n in blob for n in only_gone)
    assert not any(n.decode() in event.detail for n in gone_names)
    assert "8-year" in event.detail


def test_erase_one_person_on_request(demo_ctx: AppContext) -> None:
    person = someone_with_records(demo_ctx)
    unique = "Zzyzx-Erasable"
    data = participant_input(demo_ctx, person.id)
    data.last_name = unique
    edit_participant(demo_ctx, person.id, data)
    demo_ctx.db.checkpoint()
    assert unique.encode() in file_bytes(demo_ctx)
    retention.erase_participant(demo_ctx, person.id, "asked at session 4")
    assert unique.encode() not in file_bytes(demo_ctx)
    assert person.code.encode() not in file_bytes(demo_ctx)
    with demo_ctx.db.read() as s:
        assert s.get(Participant, person.id) is None
        event = s.scalars(select(AuditEvent).where(AuditEvent.action == "erase")).one()
        assert "asked at session 4" in event.detail
        assert person.first_name not in event.detail and unique not in event.detail


def test_subject_access_holds_every_row_about_them(demo_ctx: AppContext, tmp_path: Path) -> None:
    from escape_desktop.services.participants import withdraw

    person = someone_with_records(demo_ctx)
    with demo_ctx.db.read() as s:
        first_enrolment = s.scalars(
            select(Enrolment.id).where(Enrolment.participant_id == person.id)
        ).first()
    withdraw(demo_ctx, first_enrolment, "moved away", "2026-11-20")
    out = retention.write_subject_access(demo_ctx, person.id, tmp_path / "sar.json")
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["participant"]["code"] == person.code
    assert data["participant"]["last_name"] == person.last_name
    with demo_ctx.db.read() as s:
        enrolments = list(
            s.scalars(select(Enrolment.id).where(Enrolment.participant_id == person.id))
        )
        n_att = s.scalar(select(func.count()).where(Attendance.enrolment_id.in_(enrolments)))
        n_ex = s.scalar(select(func.count()).where(ExerciseRecord.enrolment_id.in_(enrolments)))
    assert [e["id"] for e in data["enrolments"]] == enrolments
    assert len(data["attendance"]) == n_att > 0
    assert len(data["exercise_records"]) == n_ex > 0
    assert all("session" in r for r in data["exercise_records"])
    assert any(
        ev["action"] == "withdraw" and ev["detail"] == "moved away" for ev in data["audit_events"]
    )
    # the export itself is logged
    assert audit_log.audit_events(demo_ctx, action="subject_access")[0].entity_id == person.id


def test_audit_log_filters(demo_ctx: AppContext) -> None:
    set_retention_years(demo_ctx, 10)
    rows = audit_log.audit_events(demo_ctx, "retention_years")
    assert rows and rows[0].action == "set_setting" and "-> 10" in rows[0].detail
    assert audit_log.audit_events(demo_ctx, "set setting")[0].id == rows[0].id
    assert audit_log.audit_events(demo_ctx, "100%_nothing") == []
    assert "set_setting" in audit_log.audit_actions(demo_ctx)
    newest_first = audit_log.audit_events(demo_ctx)
    assert [r.at for r in newest_first] == sorted((r.at for r in newest_first), reverse=True)
