"""On a full disk "Nothing was saved" is true (issue 27, item 5): a subject-access export (a
person's whole health record) leaves no file, no temporary file and no audit entry when the
disk holding the data, or the one it is written to, fills up."""

from __future__ import annotations

import errno
import os

import pytest
import sqlcipher3.dbapi2 as sqlcipher
from sqlalchemy import func, select

from escape_desktop.db.errors import KnownError
from escape_desktop.db.models import AuditEvent, Participant
from escape_desktop.services import retention


def _person(ctx) -> int:
    with ctx.db.read() as s:
        return s.scalars(select(Participant.id).order_by(Participant.id)).first()


def _audits(ctx) -> int:
    with ctx.db.read() as s:
        return s.scalar(select(func.count()).select_from(AuditEvent))


def test_data_disk_full_leaves_no_health_record_behind(demo_ctx, tmp_path, monkeypatch):
    out_dir = tmp_path / "stick"
    out_dir.mkdir()
    pid = _person(demo_ctx)
    before = _audits(demo_ctx)

    def full(*_a, **_k):  # the audit row cannot be saved: the data's disk is full
        raise sqlcipher.OperationalError("database or disk is full")

    monkeypatch.setattr(retention, "audit", full)
    with pytest.raises(KnownError) as told:
        retention.write_subject_access(demo_ctx, pid, out_dir / "sar.json")
    assert "Nothing was saved" in str(told.value)
    assert list(out_dir.iterdir()) == []  # the sentence is true: no file, no temporary file
    monkeypatch.undo()
    assert _audits(demo_ctx) == before


def test_destination_full_leaves_nothing_and_says_so(demo_ctx, tmp_path, monkeypatch):
    out_dir = tmp_path / "stick"
    out_dir.mkdir()
    pid = _person(demo_ctx)
    before = _audits(demo_ctx)
    real_fsync = os.fsync

    def fsync(fd):  # the stick fills as the file is flushed to it
        if os.fstat(fd).st_size > 100:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_fsync(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    with pytest.raises(KnownError) as told:
        retention.write_subject_access(demo_ctx, pid, out_dir / "sar.json")
    monkeypatch.undo()
    assert "full" in str(told.value) and "Nothing was saved" in str(told.value)
    assert list(out_dir.iterdir()) == []
    assert _audits(demo_ctx) == before


def _disk_fills_at_commit(ctx, monkeypatch):
    """The data's disk fills as the transaction commits: Database.check_writable is asked
    before the work and again just before the commit; the second time it is full."""
    from escape_desktop.db.errors import WritesStopped, disk_full_sentence

    real = ctx.db.check_writable
    calls = []

    def check():
        calls.append(1)
        if len(calls) >= 2:
            raise WritesStopped(disk_full_sentence(ctx.data_dir))
        real()

    monkeypatch.setattr(ctx.db, "check_writable", check)


def test_a_hand_over_file_is_taken_back_when_its_record_cannot_be_saved(
    demo_ctx, tmp_path, monkeypatch
):
    from escape_desktop.services.handover import send_course

    out_dir = tmp_path / "stick"
    out_dir.mkdir()
    _disk_fills_at_commit(demo_ctx, monkeypatch)
    with pytest.raises(KnownError) as told:
        send_course(demo_ctx, "KH-2026-001", out_dir / "c.escape", "correct horse battery 42")
    assert "Nothing was saved" in str(told.value)
    assert list(out_dir.iterdir()) == []


def test_an_upload_is_taken_back_when_its_batch_cannot_be_recorded(demo_ctx, tmp_path, monkeypatch):
    from escape_desktop.services.uploads import export_upload, set_site

    set_site(demo_ctx, "Demo Physio", "RX1")
    out_dir = tmp_path / "share"
    out_dir.mkdir()
    _disk_fills_at_commit(demo_ctx, monkeypatch)
    with pytest.raises(KnownError) as told:
        export_upload(demo_ctx, out_dir / "upload.csv")
    assert "Nothing was saved" in str(told.value)
    assert list(out_dir.iterdir()) == []  # no CSV, no manifest, no temporary file
