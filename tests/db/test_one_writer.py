"""One writer at a time: the window and every command that changes data share one lock; a
window whose file was replaced, or whose disk filled, stops writing and never says "Saved";
the command line refuses to change data that fails its check."""

from __future__ import annotations

import hashlib
import sqlite3
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from escape_desktop.cli import main
from escape_desktop.context import AppContext
from escape_desktop.db import backup as B
from escape_desktop.db.engine import BUSY_TIMEOUT_MS, DB_FILENAME
from escape_desktop.db.errors import DAMAGED_SENTENCE, WritesStopped
from escape_desktop.db.models import Attendance, Enrolment, Participant
from escape_desktop.db.queries import course_by_code
from escape_desktop.db.writer import WriterLock
from escape_desktop.services import attendance

PASS = "kettle on at half nine"
CSV = "first_name,last_name,date_of_birth\nAda,Demo-Import,1950-02-03\n"


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _a_mark(ctx: AppContext) -> tuple[int, int]:
    with ctx.db.read() as s:
        course = course_by_code(s, "KH-2026-003")
        enrolment = s.scalars(select(Enrolment).where(Enrolment.course_id == course.id)).first()
        assert enrolment is not None
        return enrolment.id, course.sessions[0].id


def _commands(folder: Path, tmp_path: Path) -> list[list[str]]:
    people = tmp_path / "people.csv"
    people.write_text(CSV, encoding="utf-8")
    secret = tmp_path / "new.txt"
    secret.write_text(PASS + "\n", encoding="utf-8")
    where = ["--data-dir", str(folder)]
    return [
        ["import", "participants", "--course", "KH-2026-003", str(people), *where],
        ["retention", "purge", *where],
        ["backup", *where],
        ["encrypt", "--new-passphrase-file", str(secret), *where],
        ["demo", *where],
        ["restore", str(tmp_path / "any.db"), *where],
    ]


def test_every_data_changing_command_is_refused_while_the_window_holds_the_data(
    demo_ctx: AppContext,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from escape_desktop.commands import safety

    monkeypatch.setattr(safety, "BACKUP_QUEUE_SECONDS", 0.2)  # backup waits a little first
    # ...as set when it runs: a parser built earlier in the process (the tests build one per
    # language) made every backup here wait the full 60 s before it was refused.
    waits: list[float] = []
    real = WriterLock.try_acquire

    def try_acquire(self: WriterLock, wait: float = 0) -> bool:
        waits.append(wait)
        return real(self, wait)

    monkeypatch.setattr(WriterLock, "try_acquire", try_acquire)
    folder = demo_ctx.data_dir
    demo_ctx.close()
    before = _digest(folder / DB_FILENAME)
    window = WriterLock(folder)  # what the window's SingleInstance takes when it opens
    assert window.try_acquire()
    try:
        for argv in _commands(folder, tmp_path):
            (tmp_path / "any.db").write_bytes((folder / DB_FILENAME).read_bytes())
            assert main(argv) == 1, argv
            err = capsys.readouterr().err.strip()
            assert "\n" not in err and "Traceback" not in err
            assert "changing this data" in err and "Nothing was changed" in err, argv
    finally:
        window.release()
    assert max(waits[1:]) == 0.2  # the backup's queue; the others refuse at once
    assert _digest(folder / DB_FILENAME) == before
    assert not B.list_backups(B.backups_dir(folder))
    assert main(["retention", "purge", "--data-dir", str(folder)]) == 0  # free again


def test_reading_commands_still_run_while_the_window_is_open(
    demo_ctx: AppContext, capsys: pytest.CaptureFixture[str]
) -> None:
    window = WriterLock(demo_ctx.data_dir)
    assert window.try_acquire()
    try:
        assert main(["courses", "--data-dir", str(demo_ctx.data_dir)]) == 0
        assert main(["retention", "list", "--data-dir", str(demo_ctx.data_dir)]) == 0
    finally:
        window.release()


def test_the_window_will_not_open_while_a_command_is_changing_the_data(
    qtbot,
    tmp_path: Path,  # type: ignore[no-untyped-def]
) -> None:
    from escape_desktop.ui.app.single_instance import SingleInstance

    command = WriterLock(tmp_path)
    assert command.try_acquire()
    guard = SingleInstance(tmp_path)
    try:
        assert not guard.acquire()
        assert "wait for it to finish" in guard.reason
    finally:
        command.release()
    assert guard.acquire()  # and the refused launch did not keep the window lock
    assert not WriterLock(tmp_path).try_acquire()
    guard.release()


def test_a_window_whose_file_was_replaced_refuses_the_write_and_announces_nothing(
    qtbot,
    demo_ctx: AppContext,
    monkeypatch: pytest.MonkeyPatch,  # type: ignore[no-untyped-def]
) -> None:
    from escape_desktop.ui.common import error_dialog
    from escape_desktop.ui.common.change_bus import ChangeBus
    from escape_desktop.ui.common.operation import run_op

    enrolment_id, session_id = _a_mark(demo_ctx)
    attendance.mark_attendance(demo_ctx, enrolment_id, session_id, "present")  # opens the pool
    path = demo_ctx.db.path
    # what restore and encrypt do: a new file renamed into place, under the open window
    other = path.with_name("incoming.db")
    demo_ctx.db.checkpoint()
    other.write_bytes(path.read_bytes())
    import os

    os.replace(other, path)
    shown: list[str] = []
    monkeypatch.setattr(
        error_dialog, "show_message", lambda parent, title, text, error=False: shown.append(text)
    )
    bus = ChangeBus()
    heard: list[object] = []
    bus.changed.connect(lambda change, by: heard.append(change))
    op = run_op(
        None,
        lambda: attendance.mark(demo_ctx, enrolment_id, session_id, "absent"),
        bus=bus,
    )
    assert not op.ok and heard == []
    assert len(shown) == 1 and "replaced" in shown[0]
    with pytest.raises(WritesStopped):  # and it stays read-only
        attendance.mark_attendance(demo_ctx, enrolment_id, session_id, None)
    fresh = AppContext.open(demo_ctx.data_dir)
    try:
        with fresh.db.read() as s:
            mark = s.scalar(
                select(Attendance.mark).where(
                    Attendance.enrolment_id == enrolment_id, Attendance.session_id == session_id
                )
            )
        assert mark == "present"  # the live file holds what was acknowledged, nothing else
    finally:
        fresh.close()


def test_a_full_disk_mid_write_says_where_and_leaves_the_window_read_only(
    qtbot,
    demo_ctx: AppContext,
    monkeypatch: pytest.MonkeyPatch,  # type: ignore[no-untyped-def]
) -> None:

    enrolment_id, session_id = _a_mark(demo_ctx)

    from sqlalchemy.engine import Connection

    real_execute = Connection.execute

    def full(self: Connection, statement, *args, **kwargs):  # type: ignore[no-untyped-def]
        # The disk fills at the write itself (a mark is plain statements, no ORM flush).
        if str(statement).lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE")):
            raise sqlite3.OperationalError("database or disk is full")
        return real_execute(self, statement, *args, **kwargs)

    monkeypatch.setattr(Connection, "execute", full)
    with pytest.raises(WritesStopped) as stopped:
        attendance.mark_attendance(demo_ctx, enrolment_id, session_id, "present")
    said = str(stopped.value)
    assert str(demo_ctx.data_dir) in said and "MB" in said and "read-only" in said
    monkeypatch.undo()
    with pytest.raises(WritesStopped):  # no second try until the app is opened again
        attendance.mark_attendance(demo_ctx, enrolment_id, session_id, "present")
    with demo_ctx.db.read() as s:  # reading goes on
        assert s.scalar(select(func.count()).select_from(Participant))


def _flip(path: Path, offsets: list[int]) -> None:
    """Rot: change bytes without the file's time changing (the disk, not a program, did it)."""
    st = path.stat()
    data = bytearray(path.read_bytes())
    for at in offsets:
        data[at] ^= 0x01  # an ASCII letter stays a letter: the page still looks valid
    path.write_bytes(bytes(data))
    import os

    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))


def _name_offsets(path: Path, n: int) -> list[int]:
    """Offsets of letters inside demo surnames stored in table pages."""
    data = path.read_bytes()
    found, start = [], 0
    while len(found) < n:
        at = data.find(b"Demo-", start)
        assert at >= 0
        found.append(at + 6)
        start = at + 4096  # one per page, far apart
    return found


def test_each_of_five_flipped_bytes_in_plain_data_is_caught_by_check(
    demo_ctx: AppContext, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = demo_ctx.data_dir
    enrolment_id, session_id = _a_mark(demo_ctx)
    attendance.mark_attendance(demo_ctx, enrolment_id, session_id, "present")
    demo_ctx.close()  # the hashes are stored as the data is closed after a change
    path = folder / DB_FILENAME
    assert main(["check", "--data-dir", str(folder)]) == 0
    pristine = path.read_bytes()
    stamp = path.stat()
    for at in _name_offsets(path, 5):
        _flip(path, [at])
        assert main(["check", "--data-dir", str(folder)]) == 1, at
        assert capsys.readouterr().err.strip()
        path.write_bytes(pristine)
        import os

        os.utime(path, ns=(stamp.st_atime_ns, stamp.st_mtime_ns))
    assert main(["check", "--data-dir", str(folder)]) == 0


def test_a_normal_write_is_not_taken_for_rot(
    demo_ctx: AppContext, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = demo_ctx.data_dir
    enrolment_id, session_id = _a_mark(demo_ctx)
    demo_ctx.close()
    for mark in ("absent", "present"):
        ctx = AppContext.open(folder)
        attendance.mark_attendance(ctx, enrolment_id, session_id, mark)
        assert main(["check", "--data-dir", str(folder)]) == 0  # open, not yet closed
        ctx.close()
        assert main(["check", "--data-dir", str(folder)]) == 0


def test_the_command_line_refuses_to_change_data_check_finds_damaged(
    demo_ctx: AppContext, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = demo_ctx.data_dir
    enrolment_id, session_id = _a_mark(demo_ctx)
    attendance.mark_attendance(demo_ctx, enrolment_id, session_id, "present")
    demo_ctx.close()
    path = folder / DB_FILENAME
    _flip(path, _name_offsets(path, 1))
    damaged = _digest(path)
    people = tmp_path / "people.csv"
    people.write_text(CSV, encoding="utf-8")
    for argv in (
        ["import", "participants", "--course", "KH-2026-003", str(people)],
        ["retention", "purge"],
    ):
        assert main([*argv, "--data-dir", str(folder)]) == 1
        assert DAMAGED_SENTENCE in capsys.readouterr().err
    assert _digest(path) == damaged


@pytest.mark.parametrize("kind", ["truncated-wal", "garbage-key", "folder-for-file"])
def test_check_reports_more_kinds_of_damage_in_one_line_each(
    demo_ctx: AppContext, kind: str, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = demo_ctx.data_dir
    enrolment_id, session_id = _a_mark(demo_ctx)
    path = folder / DB_FILENAME
    if kind == "truncated-wal":
        demo_ctx.db.pragma("PRAGMA wal_autocheckpoint = 0")
        attendance.mark_attendance(demo_ctx, enrolment_id, session_id, "absent")
        wal = Path(str(path) + "-wal")
        copy = wal.read_bytes()
        demo_ctx.db.dispose()
        wal.write_bytes(copy[: len(copy) // 2 + 7])
    else:
        demo_ctx.close()
    if kind == "garbage-key":
        (folder / "key.json").write_bytes(b"\x00\xffnot json")
    if kind == "folder-for-file":
        path.unlink()
        for suffix in ("-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
        path.mkdir()
    code = main(["check", "--data-dir", str(folder)])
    err = capsys.readouterr().err
    assert "Traceback" not in err and "Something went wrong" not in err
    if kind == "truncated-wal":  # SQLite drops the half-written frame: the rest is fine
        assert code == 0
    else:
        assert code == 1 and err.strip()
    if kind == "folder-for-file":
        assert "is a folder" in err


@pytest.mark.parametrize(
    "first, last, field",
    [
        ("Ada\u202e", "Demo-Smith", "first_name"),  # right-to-left override
        ("Ada", "Demo-\u2067Smith", "last_name"),  # right-to-left isolate
        ("A\u200bda", "Demo-Smith", "first_name"),  # zero-width space
        ("Ada", "Demo-Smith\ufeff", "last_name"),  # zero-width no-break space (a BOM)
        ("Ada", "Demo-\u2060Smith", "last_name"),  # word joiner
    ],
)
def test_names_refuse_invisible_characters_naming_the_field(
    first: str, last: str, field: str
) -> None:
    from escape_desktop.services.participants import ParticipantInput, participant_problems

    _values, problems = participant_problems(
        ParticipantInput(first_name=first, last_name=last, date_of_birth="1950-02-03")
    )
    assert [p.field for p in problems] == [field]
    assert "invisible character" in str(problems[0])
    assert ("First name" if field == "first_name" else "Last name") in str(problems[0])


def test_an_import_lists_a_name_with_an_invisible_character_as_a_problem(
    demo_ctx: AppContext, demo_today
) -> None:  # type: ignore[no-untyped-def]
    from escape_desktop.services import importing

    with demo_ctx.db.read() as s:
        cid = course_by_code(s, "KH-2026-003").id
    text = "first_name,last_name,date_of_birth\nAda,Demo-\u202eSmith,1950-02-03\nBo,Demo-Ok,1950-02-03\n"
    preview = importing.preview_import(demo_ctx, cid, text, today=demo_today)
    assert [r.name for r in preview.good] == ["Bo Demo-Ok"]
    assert len(preview.bad) == 1 and "invisible" in str(preview.bad[0])


def _encrypted_folder(demo_ctx: AppContext) -> tuple[Path, str]:
    from escape_desktop.db.encryption import encrypt_existing

    folder = demo_ctx.data_dir
    B.make_backup(demo_ctx.db, B.backups_dir(folder), "manual")
    db, made = encrypt_existing(demo_ctx.db, PASS, n=2**12)
    db.dispose()
    return folder, made.recovery_code


def _recovery_code(out: str) -> str:
    """The recovery key a command printed (six groups of four), wherever the line puts it."""
    import re

    found = re.search(r"\b[A-Z2-9]{4}(?:-[A-Z2-9]{4}){5}\b", out)
    assert found, out
    return found.group(0)


def test_rekey_puts_the_data_under_a_new_key_and_old_backups_still_open(
    demo_ctx: AppContext, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    from escape_desktop.db import keys
    from escape_desktop.db.restore import restore_into_new_folder

    folder, old_code = _encrypted_folder(demo_ctx)
    old_key = keys.unlock(folder, PASS)
    old_backups = [b.path for b in B.list_backups(B.backups_dir(folder))]
    monkeypatch.setenv("ESCAPE_DESKTOP_PASSPHRASE", PASS)
    assert main(["passphrase", "rekey", "--data-dir", str(folder)]) == 0
    out = capsys.readouterr().out
    new_code = _recovery_code(out)
    new_key = keys.unlock(folder, PASS)  # the same passphrase opens the new key
    assert new_key != old_key
    assert not B.verify_backup(folder / DB_FILENAME, new_key)
    assert B.verify_backup(folder / DB_FILENAME, old_key)  # the old key opens nothing now
    assert keys.unlock_key_path(folder / "key.json", recovery_code=new_code) == new_key
    with pytest.raises(keys.WrongPassphrase):
        keys.unlock_key_path(folder / "key.json", recovery_code=old_code)
    fresh = [b for b in B.list_backups(B.backups_dir(folder)) if b.reason == "new-key"]
    assert len(fresh) == 1 and not B.verify_backup(fresh[0].path, new_key)
    for i, old in enumerate(old_backups):  # each opens on a new laptop with its own key copy
        target = restore_into_new_folder(tmp_path / f"laptop{i}", old, passphrase=PASS)
        assert target.is_file()
    ctx = AppContext.open(folder, passphrase=PASS)
    try:
        with ctx.db.read() as s:
            assert s.scalar(select(func.count()).select_from(Participant))
    finally:
        ctx.close()


def test_an_interrupted_rekey_leaves_the_old_state_or_the_new(
    demo_ctx: AppContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    from escape_desktop.db import keys, rekey
    from escape_desktop.db.engine import Database

    folder, _code = _encrypted_folder(demo_ctx)
    old_key = keys.unlock(folder, PASS)

    def stopped(at: str) -> None:
        def boom(*_args: object) -> None:
            raise KeyboardInterrupt

        monkeypatch.setattr(at.startswith("k") and keys or rekey, at.split(".")[-1], boom)
        with pytest.raises(KeyboardInterrupt):
            rekey.rekey(Database(folder / DB_FILENAME, keys.unlock(folder, PASS)), PASS, n=2**12)
        monkeypatch.undo()

    stopped("keys.write_atomically")  # before the new key was saved: the old state stands
    ctx = AppContext.open(folder, passphrase=PASS)
    assert ctx.db.key == old_key
    ctx.close()
    assert not list(folder.glob("*.rekeying"))
    stopped("rekey._finish_rekey")  # after it: the next start finishes the swap
    ctx = AppContext.open(folder, passphrase=PASS)
    try:
        assert ctx.db.key not in (None, old_key)
        with ctx.db.read() as s:
            assert s.scalar(select(func.count()).select_from(Participant))
    finally:
        ctx.close()
    assert not list(folder.glob("*.rekeying"))


def test_a_new_recovery_key_replaces_the_old_one_everywhere(
    demo_ctx: AppContext, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from escape_desktop.db import keys

    folder, old_code = _encrypted_folder(demo_ctx)
    monkeypatch.setenv("ESCAPE_DESKTOP_PASSPHRASE", PASS)
    assert main(["passphrase", "new-recovery-key", "--data-dir", str(folder)]) == 0
    new_code = _recovery_code(capsys.readouterr().out)
    key = keys.unlock(folder, PASS)
    for where in (folder / "key.json", B.backups_dir(folder) / "key.json"):
        assert keys.unlock_key_path(where, recovery_code=new_code) == key
        with pytest.raises(keys.WrongPassphrase):
            keys.unlock_key_path(where, recovery_code=old_code)


@pytest.mark.parametrize("at", ["incoming", "aside"])
def test_a_restore_that_fills_the_disk_leaves_no_half_written_file(
    demo_ctx: AppContext, monkeypatch: pytest.MonkeyPatch, at: str
) -> None:
    import errno

    from escape_desktop.db import files, restore
    from escape_desktop.db.errors import BackupFailed, DiskFull, KnownError

    folder = demo_ctx.data_dir
    made = B.make_backup(demo_ctx.db, B.backups_dir(folder), "manual")
    demo_ctx.db.checkpoint()
    before = _digest(folder / DB_FILENAME)
    if at == "aside":  # the current data cannot be backed up, so it is copied aside first

        def no_backup(*_a: object, **_k: object) -> Path:
            raise BackupFailed("no room for a backup")

        monkeypatch.setattr(restore, "make_backup", no_backup)

    def full(source: str, target: str) -> None:
        with open(target, "wb") as f:  # part of it, then the disk is full
            f.write(Path(source).read_bytes()[:8192])
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(files.shutil, "copyfile", full)
    started = time.monotonic()
    with pytest.raises(KnownError) as refused:
        restore.restore_backup(demo_ctx.db, made)
    assert isinstance(refused.value, DiskFull) and str(folder) in str(refused.value)
    # Keeping the data aside never waits on the restore's own write lock (it waited the
    # whole busy timeout for a checkpoint it could not get, then copied the WAL anyway).
    assert time.monotonic() - started < BUSY_TIMEOUT_MS / 1000
    monkeypatch.undo()
    left = [p.name for p in folder.rglob("*") if any(
        mark in p.name for mark in (".restoring", ".partial", ".damaged-")
    )]  # fmt: skip
    assert left == []  # no half-made copy stays to keep the disk full
    assert _digest(folder / DB_FILENAME) == before


def test_a_window_whose_file_was_replaced_makes_no_backup_of_the_old_one(
    demo_ctx: AppContext,
) -> None:
    import os

    from escape_desktop.services import backups

    path = demo_ctx.db.path
    demo_ctx.db.checkpoint()
    other = path.with_name("incoming.db")
    other.write_bytes(path.read_bytes())
    os.replace(other, path)
    with pytest.raises(WritesStopped):
        backups.backup_now(demo_ctx, "close")
    assert B.list_backups(B.backups_dir(demo_ctx.data_dir)) == []


def test_a_backup_waits_for_another_command_to_finish_rather_than_fail(
    demo_ctx: AppContext, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The automatic backup and a manual one, or two scripted ones, meeting: the second
    was refused ("wait for it to finish"); it now queues and both backups are made."""
    import threading

    folder = demo_ctx.data_dir
    demo_ctx.close()
    holding, asked = threading.Event(), threading.Event()
    real = WriterLock.try_acquire

    def try_acquire(self: WriterLock, wait: float = 0) -> bool:
        if threading.current_thread() is threading.main_thread():  # the backup command
            assert not real(self), "the other command's lock was not held"
            asked.set()  # refused right now: the other command may finish
        return real(self, wait)

    monkeypatch.setattr(WriterLock, "try_acquire", try_acquire)

    def another_command() -> None:  # a backup or a receive, finishing once the backup asks
        other = WriterLock(folder)
        assert real(other)
        holding.set()
        asked.wait(10)
        other.release()

    threading.Thread(target=another_command).start()
    assert holding.wait(10)
    assert main(["backup", "--data-dir", str(folder)]) == 0, capsys.readouterr().err
    assert len(B.list_backups(B.backups_dir(folder))) == 1


def test_a_full_disk_is_not_called_damage_by_the_write_guard(
    demo_ctx: AppContext,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`course receive` on a full disk said the data file was damaged and to restore a
    backup; the data was fine and the disk only needed space."""
    from escape_desktop.db import integrity

    folder = demo_ctx.data_dir
    demo_ctx.close()
    before = _digest(folder / DB_FILENAME)
    people = tmp_path / "people.csv"
    people.write_text(CSV, encoding="utf-8")

    def disk_failing(db: object) -> str:
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(integrity, "schema_state", disk_failing)
    argv = ["import", "participants", "--course", "KH-2026-003", str(people)]
    assert main([*argv, "--data-dir", str(folder)]) == 1
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "Traceback" not in err
    assert "disk" in err and "damaged" not in err and "restore" not in err, err
    assert _digest(folder / DB_FILENAME) == before


def test_a_full_disk_while_changing_the_passphrase_is_one_sentence(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import errno

    from escape_desktop.db import keys

    folder = tmp_path / "data"
    old, new = tmp_path / "old.txt", tmp_path / "new.txt"
    old.write_text(PASS + "\n", encoding="utf-8")
    new.write_text("a different long passphrase\n", encoding="utf-8")
    where = ["--data-dir", str(folder), "--passphrase-file", str(old)]
    assert main(["demo", *where]) == 0
    key_before = (folder / "key.json").read_bytes()
    capsys.readouterr()

    def full(path: Path, text: str) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(keys, "write_atomically", full)
    assert main(["passphrase", "change", "--new-passphrase-file", str(new), *where]) == 1
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "Something went wrong" not in err and "Errno" not in err, err
    assert "full" in err and str(folder) in err
    assert (folder / "key.json").read_bytes() == key_before
    monkeypatch.undo()
    assert main(["check", *where]) == 0  # the old passphrase still opens it
