"""Backups: verified copies, thinning, restore identical to the original, CLI."""

from __future__ import annotations

import os
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from escape_desktop.cli import main as cli_main
from escape_desktop.context import AppContext
from escape_desktop.db import backup as B
from escape_desktop.db.engine import Database
from escape_desktop.db.migrate import copy_before_migrating
from escape_desktop.services import backups as S
from escape_desktop.services import data_safety, safety_settings
from escape_desktop.services.attendance import mark_attendance


def dump(db: Database) -> dict[str, list[tuple]]:
    """Every row of every table, in a stable order: 'identical in content'."""
    with db.engine.connect() as conn:
        tables = [
            r[0]
            for r in conn.execute(
                text(
                    "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'"
                )
            )
        ]
        return {
            t: sorted(map(tuple, conn.execute(text(f'SELECT * FROM "{t}"'))), key=repr)
            for t in tables
        }


def some_attendance(ctx: AppContext) -> tuple[int, int]:
    with ctx.db.engine.connect() as conn:
        row = conn.execute(
            text(
                "SELECT e.id, s.id FROM enrolments e JOIN sessions s ON s.course_id = e.course_id "
                "WHERE s.cancelled = 0 ORDER BY e.id, s.number LIMIT 1"
            )
        ).one()
    return row[0], row[1]


def test_backup_is_checked_and_restores_identical(demo_ctx: AppContext) -> None:
    original = dump(demo_ctx.db)
    result = S.backup_now(demo_ctx, "manual")
    assert result.path.parent == B.backups_dir(demo_ctx.data_dir)
    assert B.verify_backup(result.path, None) == []
    assert not list(result.path.parent.glob("*.partial"))
    enrolment, session = some_attendance(demo_ctx)
    mark_attendance(demo_ctx, enrolment, session, "absent")
    mark_attendance(demo_ctx, enrolment, session, "apologies")
    assert dump(demo_ctx.db) != original
    kept = data_safety.restore(demo_ctx, result.path).value
    restored = dump(demo_ctx.db)
    audit_table = "audit_events"
    # the restore itself is logged afterwards; everything else is exactly the backup
    assert {k: v for k, v in restored.items() if k != audit_table} == {
        k: v for k, v in original.items() if k != audit_table
    }
    assert restored[audit_table][: len(original[audit_table])] == original[audit_table][
        : len(original[audit_table])
    ] or set(original[audit_table]) <= set(restored[audit_table])
    # the data that was replaced is kept, and holds the later change
    assert kept is not None and kept.exists()
    replaced = Database(kept, None, read_only=True)
    with replaced.engine.connect() as conn:
        mark = conn.execute(
            text("SELECT mark FROM attendance WHERE enrolment_id=:e AND session_id=:s"),
            {"e": enrolment, "s": session},
        ).scalar()
    replaced.dispose()
    assert mark == "apologies"


def test_restore_refuses_a_damaged_backup_and_changes_nothing(demo_ctx: AppContext) -> None:
    good = S.backup_now(demo_ctx, "manual").path
    bad = good.with_name("escape-20200101-000000-manual.db")
    blob = bytearray(good.read_bytes())
    blob[4096 * 3 : 4096 * 3 + 2000] = b"\xff" * 2000
    bad.write_bytes(bytes(blob))
    before = dump(demo_ctx.db)
    with pytest.raises(B.BackupFailed, match="Nothing was changed"):
        data_safety.restore(demo_ctx, bad)
    assert dump(demo_ctx.db) == before
    assert B.newest_good_backup(good.parent, None).path == good


def test_backup_of_a_damaged_database_is_refused(tmp_path: Path, demo_ctx: AppContext) -> None:
    demo_ctx.db.checkpoint()
    demo_ctx.close()
    path = demo_ctx.db_path
    blob = bytearray(path.read_bytes())
    blob[4096 * 5 : 4096 * 5 + 3000] = b"\x00\x13" * 1500
    path.write_bytes(bytes(blob))
    db = Database(path, None)
    try:
        with pytest.raises(B.BackupFailed, match="no backup was made"):
            B.make_backup(db, tmp_path / "b", "manual")
    finally:
        db.dispose()
    assert B.list_backups(tmp_path / "b") == []


def test_copy_to_a_second_folder_with_key_file(demo_ctx: AppContext, tmp_path: Path) -> None:
    stick = tmp_path / "usb"
    safety_settings.set_backup_folder(demo_ctx, str(stick))
    result = S.backup_now(demo_ctx, "close")
    assert result.copied_to == B.laptop_folder(stick, demo_ctx.data_dir) / result.path.name
    assert B.verify_backup(result.copied_to, None) == []
    assert [b.path.name for b in S.list_all_backups(demo_ctx)] == [result.path.name]


def test_missing_stick_is_a_warning_not_a_failure(demo_ctx: AppContext, tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the stick should be")
    safety_settings.set_backup_folder(demo_ctx, str(blocker / "backups"))
    result = S.backup_now(demo_ctx, "auto")
    assert result.path.exists()
    assert result.warnings and "plugged in" in result.warnings[0]


def test_thinning_schedule() -> None:
    now = datetime(2026, 11, 26, 12, 0)
    stamps = [now - timedelta(minutes=30 * i) for i in range(48)]  # every 30 min today
    stamps += [now - timedelta(days=d, hours=h) for d in range(2, 400) for h in (1, 5)]
    keep = B.backups_to_keep(stamps, now)
    last_day = [s for s in keep if now - s <= timedelta(days=1)]
    assert len(last_day) == 48  # everything from the last day
    daily = {s.date() for s in keep if timedelta(days=1) < now - s <= timedelta(days=14)}
    assert len(daily) == len([s for s in keep if timedelta(days=1) < now - s <= timedelta(days=14)])
    assert len(daily) == 12  # one a day: days 2..13 ago (day 14 is just past two weeks)
    weekly = [s for s in keep if timedelta(days=14) < now - s <= timedelta(days=92)]
    assert len({(s.isocalendar().year, s.isocalendar().week) for s in weekly}) == len(weekly)
    assert 10 <= len(weekly) <= 13
    monthly = [s for s in keep if now - s > timedelta(days=92)]
    assert len({(s.year, s.month) for s in monthly}) == len(monthly)
    assert 9 <= len(monthly) <= 11
    assert max(stamps) in keep
    # in each bucket the newest backup is the one kept
    day = (now - timedelta(days=5)).date()
    assert max(s for s in stamps if s.date() == day) in keep
    # with a maximum age, nothing older survives
    capped = B.backups_to_keep(stamps, now, max_age_days=100)
    assert all(now - s <= timedelta(days=100) for s in capped)


def test_thin_backups_deletes_files(tmp_path: Path, ctx: AppContext) -> None:
    now = datetime(2026, 11, 26, 12, 0)
    for days in (0, 3, 3.1, 40, 41):
        B.make_backup(ctx.db, tmp_path, "auto", now=now - timedelta(days=days), check_source=False)
    leftover = tmp_path / "escape-20261126-000000-auto.db.partial"
    leftover.write_text("crash leftovers")
    os.utime(leftover, (0, 0))  # from a crash long ago, not a backup being written now
    (tmp_path / "notes.txt").write_text("not ours")
    removed = B.thin_backups(tmp_path, now)
    assert len(removed) == 2
    assert len(B.list_backups(tmp_path)) == 3
    assert (tmp_path / "notes.txt").exists()
    assert not list(tmp_path.glob("*.partial"))


def test_copy_before_migrating_is_a_verified_backup(demo_ctx: AppContext) -> None:
    path = copy_before_migrating(demo_ctx.db)
    assert path is not None and path.parent == B.backups_dir(demo_ctx.data_dir)
    assert "before-migration" in path.name
    assert dump(Database(path, None, read_only=True)) == dump(demo_ctx.db)


def test_cli_backup_out_and_restore(demo_ctx: AppContext, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    folder = str(demo_ctx.data_dir)
    original = dump(demo_ctx.db)
    demo_ctx.db.checkpoint()
    out = tmp_path / "copy.db"
    assert cli_main(["backup", "--data-dir", folder, "--out", str(out)]) == 0
    assert "Backup written" in capsys.readouterr().out
    assert cli_main(["backup", "--data-dir", folder, "--out", str(out)]) == 1
    assert "already exists" in capsys.readouterr().err
    enrolment, session = some_attendance(demo_ctx)
    mark_attendance(demo_ctx, enrolment, session, "apologies")
    demo_ctx.close()
    assert cli_main(["restore", "--data-dir", folder, str(out)]) == 0
    assert "kept as" in capsys.readouterr().out
    again = AppContext.open(folder)
    try:
        restored = dump(again.db)
    finally:
        again.close()
    assert {k: v for k, v in restored.items() if k != "audit_events"} == {
        k: v for k, v in original.items() if k != "audit_events"
    }
    assert cli_main(["restore", "--data-dir", folder, str(tmp_path / "nothing.db")]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no backup file" in err


def test_cli_encrypted_demo_end_to_end(tmp_path: Path, run_cli) -> None:
    """demo --passphrase-file makes an encrypted folder; a wrong passphrase is one line."""
    pf = tmp_path / "pass.txt"
    pf.write_text("walk the dog at six\n")
    folder = tmp_path / "data"
    made = run_cli("demo", "--data-dir", str(folder), "--passphrase-file", str(pf))
    assert made.returncode == 0, made.stderr
    assert "Recovery key" in made.stdout
    assert b"Demo-" not in (folder / "escape.db").read_bytes()
    ok = run_cli("backup", "--data-dir", str(folder), "--passphrase-file", str(pf))
    assert ok.returncode == 0, ok.stderr
    for f in (folder / "backups").iterdir():
        assert b"Demo-" not in f.read_bytes()
    pf.write_text("walk the cat at six\n")
    bad = run_cli("courses", "--data-dir", str(folder), "--passphrase-file", str(pf))
    assert bad.returncode == 1
    assert bad.stderr.strip().count("\n") == 0 and "passphrase is not right" in bad.stderr
    assert "Traceback" not in bad.stderr
