"""The data layer's own safety rules: no import circle, a log support can read (with no
secrets in it), Windows and macOS file rules emulated here, and all-or-nothing encryption,
restore and thinning."""

from __future__ import annotations

import ast
import logging
import sys
from pathlib import Path

import pytest

from escape_desktop.context import AppContext
from escape_desktop.db import backup as B
from escape_desktop.db import keys
from escape_desktop.db.encryption import encrypt_existing
from escape_desktop.db.models import Participant

FAST = 2**12
# '?' ends the path in a URI, the case these names test; NTFS refuses it in a file name.
QUERY_MARK = "&" if sys.platform == "win32" else "?"
PASS = "kettle on at half nine"
DB_PACKAGE = Path(__file__).resolve().parents[2] / "escape_desktop" / "db"


def _db_imports(path: Path) -> set[str]:
    """The db modules ``path`` imports anywhere in it, inside functions too."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level == 1 and node.module:
                found.add(node.module.split(".")[0])
            elif node.level == 1:
                found.update(a.name for a in node.names)
            elif node.module and node.module.startswith("escape_desktop.db."):
                found.add(node.module.split(".")[2])
            elif node.module == "escape_desktop.db":
                found.update(a.name for a in node.names)
    return found


def test_the_db_modules_import_each_other_without_a_circle() -> None:
    graph = {p.stem: _db_imports(p) - {p.stem} for p in DB_PACKAGE.glob("*.py")}

    def reaches(start: str, goal: str, seen: set[str]) -> bool:
        for nxt in graph.get(start, ()):
            if nxt == goal or (nxt not in seen and reaches(nxt, goal, seen | {nxt})):
                return True
        return False

    circles = sorted(name for name in graph if reaches(name, name, {name}))
    assert circles == []


def test_the_log_says_a_backup_was_made_and_never_holds_a_secret(
    demo_ctx: AppContext, caplog: pytest.LogCaptureFixture
) -> None:
    with demo_ctx.db.read() as s:
        surnames = [p.last_name for p in s.query(Participant)]
    caplog.set_level(logging.DEBUG)
    db, made = encrypt_existing(demo_ctx.db, PASS, n=FAST)
    demo_ctx.db = db
    path = B.make_backup(db, B.backups_dir(demo_ctx.data_dir), "manual")
    keys.change_passphrase(demo_ctx.data_dir, PASS, PASS + " again")
    log = "\n".join(r.getMessage() for r in caplog.records)
    assert "Backup made" in log and path.name in log
    assert "Encrypted" in log
    for secret in (PASS, made.key.hex(), made.recovery_code, *surnames):
        assert secret not in log


# ---- Windows and macOS rules, emulated here ----------------------------------------------------


@pytest.fixture
def windows_fsync(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """os.fsync as on Windows: FlushFileBuffers refuses a file handle not opened for writing.

    (Folders are not flushed at all on Windows; on Linux the code still syncs them read-only.)
    """
    import errno
    import os
    import stat

    real = os.fsync
    refused: list[int] = []
    if sys.platform == "win32":
        return refused  # Windows' own fsync refuses already: nothing to emulate
    import fcntl  # POSIX only, hence here and not at the top of the module

    def fsync(fd: int) -> None:
        writable = fcntl.fcntl(fd, fcntl.F_GETFL) & os.O_ACCMODE in (os.O_WRONLY, os.O_RDWR)
        if stat.S_ISREG(os.fstat(fd).st_mode) and not writable:
            refused.append(fd)
            raise OSError(errno.EBADF, "Bad file descriptor")
        real(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    return refused


def test_backup_copy_restore_and_encrypt_work_where_fsync_needs_a_writable_handle(
    demo_ctx: AppContext, tmp_path: Path, windows_fsync: list[int]
) -> None:
    from escape_desktop.db.restore import restore_backup

    made = B.make_backup(demo_ctx.db, B.backups_dir(demo_ctx.data_dir), "manual")
    stick = tmp_path / "stick"
    copied = B.copy_backup(made, stick, None, demo_ctx.data_dir)
    assert B.verify_backup(copied, None) == []
    db, kept = restore_backup(demo_ctx.db, made)
    assert kept is not None
    db, _new = encrypt_existing(db, PASS, n=FAST)
    demo_ctx.db = db
    assert (
        B.verify_backup(B.make_backup(db, B.backups_dir(demo_ctx.data_dir), "manual"), db.key) == []
    )
    assert windows_fsync == []  # nothing was flushed through a read-only handle
    assert not list(demo_ctx.data_dir.rglob("*.partial"))
    assert not list(demo_ctx.data_dir.glob("*.restoring"))


def test_a_network_share_path_becomes_a_uri_sqlite_accepts() -> None:
    from pathlib import PureWindowsPath

    from escape_desktop.db.files import sqlite_uri

    share = PureWindowsPath(r"\\server\share\ESCAPE backups\escape.db")
    assert share.as_uri() == "file://server/share/ESCAPE%20backups/escape.db"  # what failed
    assert (
        sqlite_uri(share, "mode=ro") == "file:////server/share/ESCAPE%20backups/escape.db?mode=ro"
    )
    drive = PureWindowsPath(r"C:\Users\Sam\ESCAPE #2\escape.db")
    assert sqlite_uri(drive) == "file:///C:/Users/Sam/ESCAPE%20%232/escape.db"


def test_sqlite_refuses_a_uri_authority_and_takes_the_empty_one(tmp_path: Path) -> None:
    """The driver's own rule, on this machine: 'file://server/…' fails, 'file:////…' opens."""
    import sqlcipher3.dbapi2 as sqlcipher

    from escape_desktop.db.files import sqlite_uri

    folder = tmp_path / f"a share # with {QUERY_MARK} marks"
    folder.mkdir()
    path = folder / "x.db"
    sqlcipher.connect(str(path)).close()
    with pytest.raises(sqlcipher.OperationalError, match="authority"):
        sqlcipher.connect("file://server" + str(path) + "?mode=ro", uri=True)
    conn = sqlcipher.connect("file:///" + sqlite_uri(path, "mode=ro")[len("file://") :], uri=True)
    conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    conn.close()


def test_a_read_only_backup_check_opens_a_path_with_odd_characters(
    demo_ctx: AppContext, tmp_path: Path
) -> None:
    made = B.make_backup(demo_ctx.db, tmp_path / f"USB #1 {QUERY_MARK} 100%", "manual")
    assert B.verify_backup(made, None) == []


def test_macos_gets_full_fsync_on_every_connection(
    ctx: AppContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    from escape_desktop.db.engine import Database

    def pragmas(db: Database) -> tuple[int, int]:
        with db.raw_read() as conn:
            return (
                conn.execute("PRAGMA fullfsync").fetchone()[0],
                conn.execute("PRAGMA checkpoint_fullfsync").fetchone()[0],
            )

    # Linux and Windows: fsync is enough; a Mac asks for a full flush on its own.
    assert pragmas(ctx.db) == ((1, 1) if sys.platform == "darwin" else (0, 0))
    monkeypatch.setattr("sys.platform", "linux")
    db = Database(ctx.db.path, None)
    try:
        assert pragmas(db) == (0, 0)
    finally:
        db.dispose()
    monkeypatch.setattr("sys.platform", "darwin")
    db = Database(ctx.db.path, None)
    try:
        assert pragmas(db) == (1, 1)
        assert db.pragma("PRAGMA fullfsync") == [(1,)]  # the engine's connections too
    finally:
        db.dispose()


# ---- #13: encrypt and restore are all or nothing ------------------------------------------------


def _surnames(ctx: AppContext) -> list[str]:
    with ctx.db.read() as s:
        return sorted(p.last_name for p in s.query(Participant))


def _plain_name_anywhere(folder: Path, names: list[str]) -> list[str]:
    """Files in ``folder`` (any depth) holding a participant's surname in clear."""
    hits = []
    for path in folder.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            if any(n.encode() in data for n in names):
                hits.append(path.name)
    return hits


def _files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def test_encrypt_that_cannot_convert_a_backup_changes_nothing(
    demo_ctx: AppContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    from escape_desktop.db import encryption
    from escape_desktop.db.errors import KnownError

    B.make_backup(demo_ctx.db, B.backups_dir(demo_ctx.data_dir), "manual")
    demo_ctx.db.checkpoint()
    real = encryption.export_encrypted

    def fails_on_backups(source: Path, target: Path, key: bytes) -> None:
        if source.parent.name == "backups":
            raise OSError(28, "No space left on device")
        real(source, target, key)

    monkeypatch.setattr(encryption, "export_encrypted", fails_on_backups)
    with pytest.raises(KnownError, match="full"):
        encrypt_existing(demo_ctx.db, PASS, n=FAST)
    assert len(B.list_backups(B.backups_dir(demo_ctx.data_dir))) == 1  # the backup is still there
    assert not keys.is_encrypted(demo_ctx.data_dir)
    assert not list(demo_ctx.data_dir.rglob("*.encrypting"))


def test_encrypt_refuses_before_touching_anything_when_the_disk_is_too_small(
    demo_ctx: AppContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    from escape_desktop.db import encryption
    from escape_desktop.db.errors import DiskFull

    demo_ctx.db.checkpoint()
    before = _files(demo_ctx.data_dir)
    monkeypatch.setattr(encryption, "free_bytes", lambda folder: 1000)
    with pytest.raises(DiskFull) as refused:
        encrypt_existing(demo_ctx.db, PASS, n=FAST)
    message = str(refused.value)
    assert str(demo_ctx.data_dir) in message and "MB" in message and "\n" not in message
    after = {k: v for k, v in _files(demo_ctx.data_dir).items() if k != "maintenance.lock"}
    assert after.keys() == {k for k in before if k != "maintenance.lock"}


@pytest.mark.parametrize("stop_at", ["before the key", "after the key"])
def test_an_interrupted_encrypt_leaves_old_or_new_never_plain_beside_encrypted(
    demo_ctx: AppContext, monkeypatch: pytest.MonkeyPatch, stop_at: str
) -> None:
    from escape_desktop.db import encryption

    folder = demo_ctx.data_dir
    names = _surnames(demo_ctx)
    B.make_backup(demo_ctx.db, B.backups_dir(folder), "manual")

    class PowerCut(BaseException):
        pass

    def cut(*args: object, **kwargs: object) -> None:
        raise PowerCut

    if stop_at == "before the key":
        monkeypatch.setattr(encryption.keys, "create_key", cut)
    else:
        monkeypatch.setattr(encryption, "finish_encryption", cut)
    with pytest.raises(PowerCut):
        encrypt_existing(demo_ctx.db, PASS, n=FAST)
    monkeypatch.undo()
    # The next start: either the plain folder as it was, or everything encrypted.
    reopened = AppContext.open(folder, passphrase=PASS)
    try:
        assert _surnames(reopened) == names
        assert not list(folder.rglob("*.encrypting"))
        if stop_at == "before the key":
            assert reopened.db.key is None
        else:
            assert reopened.db.key is not None
            reopened.db.checkpoint()
            assert _plain_name_anywhere(folder, names) == []
            for info in B.list_backups(B.backups_dir(folder)):
                assert B.verify_backup(info.path, reopened.db.key) == []
    finally:
        reopened.close()


def test_debris_of_an_interrupted_restore_or_backup_is_cleaned_at_the_next_start(
    demo_ctx: AppContext,
) -> None:
    import os

    folder = demo_ctx.data_dir
    demo_ctx.close()
    debris = [
        folder / "escape.db.restoring",
        folder / "escape.db.damaged-20261126-101010.partial",
        B.backups_dir(folder) / "escape-20261126-101010-manual.db.partial",
    ]
    debris[-1].parent.mkdir(exist_ok=True)
    for path in debris:
        path.write_bytes(b"\0" * 4096)
        os.utime(path, (0, 0))
    AppContext.open(folder).close()
    assert [p for p in debris if p.exists()] == []


def test_a_restore_on_a_full_disk_says_where_and_leaves_nothing_half_written(
    demo_ctx: AppContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    import errno

    from escape_desktop.db import files, restore
    from escape_desktop.db.errors import DiskFull

    made = B.make_backup(demo_ctx.db, B.backups_dir(demo_ctx.data_dir), "manual")
    names = _surnames(demo_ctx)
    real = files.shutil.copyfile

    def half_then_full(source: str, target: str) -> None:
        Path(target).write_bytes(Path(source).read_bytes()[:1000])  # a truncated copy
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(files.shutil, "copyfile", half_then_full)
    with pytest.raises(DiskFull) as refused:
        restore.restore_backup(demo_ctx.db, made)
    monkeypatch.setattr(files.shutil, "copyfile", real)
    assert str(demo_ctx.data_dir) in str(refused.value)
    leftovers = [p.name for p in demo_ctx.data_dir.iterdir() if "restoring" in p.name]
    leftovers += [p.name for p in demo_ctx.data_dir.iterdir() if ".damaged-" in p.name]
    assert leftovers == []
    assert _surnames(demo_ctx) == names  # the data is untouched


def test_a_full_disk_is_one_sentence_naming_the_folder(tmp_path: Path) -> None:
    import errno
    import sqlite3

    from escape_desktop.db.errors import DiskFull, explain

    for error in (
        OSError(errno.ENOSPC, "No space left on device"),
        sqlite3.OperationalError("database or disk is full"),
    ):
        known = explain(error, folder=tmp_path, needed=50 * 1024 * 1024)
        assert isinstance(known, DiskFull)
        assert str(tmp_path) in str(known) and "50 MB" in str(known)
    assert "OperationalError" not in str(explain(sqlite3.OperationalError("disk I/O error")))


# ---- #13: the key travels with every backup -----------------------------------------------------


def test_every_backup_carries_the_wrapped_key_and_restores_on_a_new_laptop(
    demo_ctx: AppContext, tmp_path: Path
) -> None:
    from escape_desktop.db.restore import restore_into_new_folder

    names = _surnames(demo_ctx)
    db, made = encrypt_existing(demo_ctx.db, PASS, n=FAST)
    demo_ctx.db = db
    local = B.make_backup(db, B.backups_dir(demo_ctx.data_dir), "manual")
    key_file = (demo_ctx.data_dir / keys.KEY_FILENAME).read_bytes()
    assert (local.parent / keys.KEY_FILENAME).read_bytes() == key_file  # beside the backups
    out = tmp_path / "stick" / "for-the-new-laptop.db"
    out.parent.mkdir()
    B.write_verified_copy(db, out)  # what 'backup --out' does
    assert B.key_copy_path(out).read_bytes() == key_file
    assert made.key.hex().encode() not in key_file  # sealed, never in clear
    for how, secret in (("passphrase", PASS), ("recovery_code", made.recovery_code)):
        laptop = tmp_path / f"new-laptop-{how}"
        restore_into_new_folder(laptop, out, **{how: secret})
        key = keys.unlock_key_path(laptop / keys.KEY_FILENAME, **{how: secret})
        ctx = AppContext.open(laptop, key=key)
        try:
            assert _surnames(ctx) == names
        finally:
            ctx.close()


def test_a_backup_without_its_key_file_is_refused_in_one_sentence(
    demo_ctx: AppContext, tmp_path: Path
) -> None:
    from escape_desktop.db.errors import KnownError
    from escape_desktop.db.restore import restore_into_new_folder

    db, _made = encrypt_existing(demo_ctx.db, PASS, n=FAST)
    demo_ctx.db = db
    out = tmp_path / "alone.db"
    B.write_verified_copy(db, out)
    B.key_copy_path(out).unlink()
    with pytest.raises(KnownError, match="key file"):
        restore_into_new_folder(tmp_path / "laptop", out, passphrase=PASS)
    assert not (tmp_path / "laptop" / "escape.db").exists()


# ---- #13: thinning keeps good backups; concurrent backups queue ---------------------------------


def _damage(path: Path) -> None:
    data = bytearray(path.read_bytes())
    for i in range(4096, len(data), 4096):  # scribble over every page after the first
        data[i + 100 : i + 400] = b"\xff" * 300
    path.write_bytes(bytes(data))


def test_thinning_keeps_the_newest_good_backup_of_a_day_not_a_damaged_one(
    demo_ctx: AppContext,
) -> None:
    from datetime import datetime, timedelta

    folder = B.backups_dir(demo_ctx.data_dir)
    now = datetime(2026, 11, 26, 12, 0)
    day = now - timedelta(days=5)
    older = B.make_backup(demo_ctx.db, folder, "auto", now=day)
    newer = B.make_backup(demo_ctx.db, folder, "auto", now=day + timedelta(hours=3))
    _damage(newer)
    assert B.verify_backup(newer, None) != []
    B.thin_backups(folder, now)
    assert older.exists()  # the good one stays
    assert B.verify_backup(older, None) == []
    # a day where nothing passes its check keeps everything: nothing good would be left
    _damage(older)
    other = B.make_backup(demo_ctx.db, folder, "auto", now=day + timedelta(hours=1))
    _damage(other)
    B.thin_backups(folder, now)
    assert older.exists() and other.exists()


def test_two_backups_in_one_second_both_stay(demo_ctx: AppContext) -> None:
    from datetime import datetime

    folder = B.backups_dir(demo_ctx.data_dir)
    when = datetime(2026, 11, 26, 12, 0)
    first = B.make_backup(demo_ctx.db, folder, "manual", now=when)
    second = B.make_backup(demo_ctx.db, folder, "close", now=when)
    assert first != second
    B.thin_backups(folder, when)
    assert first.exists() and second.exists()
    assert len(B.list_backups(folder)) == 2


def test_two_backups_at_once_queue_rather_than_fail(demo_ctx: AppContext) -> None:
    import threading
    from datetime import datetime

    from escape_desktop.db.engine import Database

    folder = B.backups_dir(demo_ctx.data_dir)
    when = datetime(2026, 11, 26, 12, 0)
    start = threading.Barrier(2)
    made: list[Path] = []
    failed: list[BaseException] = []

    def run() -> None:
        db = Database(demo_ctx.db.path, None)
        try:
            start.wait()
            made.append(B.make_backup(db, folder, "manual", now=when, check_source=False))
        except BaseException as e:
            failed.append(e)
        finally:
            db.dispose()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failed == []
    assert len(set(made)) == 2 and all(B.verify_backup(p, None) == [] for p in made)


# ---- #13: a missing database is never replaced by an empty one ----------------------------------


def test_a_missing_database_with_backups_is_refused_and_names_the_newest_good_backup(
    demo_ctx: AppContext,
) -> None:
    from escape_desktop.db.errors import DatabaseMissing

    folder = demo_ctx.data_dir
    made = B.make_backup(demo_ctx.db, B.backups_dir(folder), "manual")
    demo_ctx.close()
    for suffix in ("", "-wal", "-shm"):
        Path(str(folder / "escape.db") + suffix).unlink(missing_ok=True)
    with pytest.raises(DatabaseMissing) as refused:
        AppContext.open(folder)
    assert made.name in str(refused.value)
    assert not (folder / "escape.db").exists()  # no new, empty database


def test_check_never_crashes_on_a_damaged_file(demo_ctx: AppContext, tmp_path: Path) -> None:
    import random
    import shutil

    from escape_desktop.db.integrity import check_file

    demo_ctx.db.checkpoint()
    demo_ctx.close()
    original = (demo_ctx.data_dir / "escape.db").read_bytes()
    rng = random.Random(13)
    damaged = {
        "truncated": original[: len(original) // 3],
        "header zeroed": b"\0" * 100 + original[100:],
        "empty": b"",
        "garbage": bytes(rng.randrange(256) for _ in range(8192)),
        "page size broken": original[:16] + b"\x00\x03" + original[18:],
    }
    for n in range(6):
        data = bytearray(original)
        for _ in range(40):
            data[rng.randrange(100, len(data))] = rng.randrange(256)
        damaged[f"flipped {n}"] = bytes(data)
    for label, data in damaged.items():
        folder = tmp_path / label.replace(" ", "-")
        folder.mkdir()
        (folder / "escape.db").write_bytes(data)
        problems = check_file(folder / "escape.db", folder, None)  # must not raise
        assert isinstance(problems, list), label
        shutil.rmtree(folder)


# ---- #13: permissions --------------------------------------------------------------------------


@pytest.mark.skipif(__import__("os").name != "posix", reason="POSIX modes")
def test_a_new_data_folder_and_its_files_are_private(tmp_path: Path) -> None:
    import stat

    folder = tmp_path / "new-data"
    ctx = AppContext.open(folder)
    try:
        made = B.make_backup(ctx.db, B.backups_dir(folder), "manual")
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700
        assert stat.S_IMODE((folder / "escape.db").stat().st_mode) == 0o600
        assert stat.S_IMODE(made.parent.stat().st_mode) == 0o700
        assert stat.S_IMODE(made.stat().st_mode) == 0o600
    finally:
        ctx.close()
    # The locks a command takes are this user's only too.
    from escape_desktop.cli import main

    assert main(["backup", "--data-dir", str(folder)]) == 0
    for lock in ("writer.lock", "maintenance.lock"):
        if (folder / lock).exists():
            assert stat.S_IMODE((folder / lock).stat().st_mode) == 0o600, lock


@pytest.mark.skipif(__import__("os").name != "posix", reason="POSIX modes")
def test_a_registry_made_in_a_new_folder_is_private(tmp_path: Path) -> None:
    import stat

    from escape_desktop.registry.store import open_registry

    folder = tmp_path / "escape-desktop" / "registry"
    open_registry(folder).dispose()
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert stat.S_IMODE(folder.parent.stat().st_mode) == 0o700


def test_the_window_offers_the_newest_backup_when_the_data_file_is_missing(
    qtbot, qapp, demo_ctx: AppContext, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    from escape_desktop.ui.app import startup
    from escape_desktop.ui.app.single_instance import SingleInstance
    from escape_desktop.ui.common import error_dialog

    folder = demo_ctx.data_dir
    names = _surnames(demo_ctx)
    B.make_backup(demo_ctx.db, B.backups_dir(folder), "close")
    demo_ctx.close()
    for suffix in ("", "-wal", "-shm"):
        Path(str(folder / "escape.db") + suffix).unlink(missing_ok=True)
    asked: list[str] = []

    def choose_restore(_parent, _title, text, buttons):  # type: ignore[no-untyped-def]
        asked.append(text)
        return buttons.index("Restore the backup")

    def no_new_data(*args: object) -> None:
        raise AssertionError("offered to start new data")

    monkeypatch.setattr(startup, "_ask", choose_restore)
    monkeypatch.setattr(startup, "_first_run_key", no_new_data)
    monkeypatch.setattr(error_dialog, "show_message", lambda *a, **k: None)
    ctx = startup.open_context_interactively(folder)
    try:
        assert ctx is not None and "missing" in asked[0]
        assert _surnames(ctx) == names
    finally:
        if ctx is not None:
            ctx.close()
        guard = qapp.findChild(SingleInstance)
        if guard is not None:
            guard.release()
            guard.setParent(None)


def test_the_key_copy_beside_the_backups_follows_encryption_and_a_new_passphrase(
    demo_ctx: AppContext,
) -> None:
    folder = demo_ctx.data_dir
    B.make_backup(demo_ctx.db, B.backups_dir(folder), "manual")  # a plain backup first
    db, made = encrypt_existing(demo_ctx.db, PASS, n=FAST)
    demo_ctx.db = db
    copy = B.backups_dir(folder) / keys.KEY_FILENAME
    assert keys.unlock_key_path(copy, PASS) == made.key
    keys.change_passphrase(folder, PASS, "a brand new sentence")
    assert keys.unlock_key_path(copy, "a brand new sentence") == made.key
    assert keys.unlock_key_path(copy, recovery_code=made.recovery_code) == made.key


def test_backup_out_restores_on_an_empty_folder_from_the_command_line(
    demo_ctx: AppContext, tmp_path: Path, run_cli
) -> None:
    import json

    run = run_cli
    folder = demo_ctx.data_dir
    db, made = encrypt_existing(demo_ctx.db, PASS, n=FAST)
    db.dispose()
    demo_ctx.db = db
    secret = tmp_path / "pass.txt"
    secret.write_text(PASS + "\n", encoding="utf-8")
    code = tmp_path / "recovery.txt"
    code.write_text(made.recovery_code.lower().replace("-", " ") + "\n", encoding="utf-8")
    out = tmp_path / "stick" / "escape-copy.db"
    out.parent.mkdir()
    done = run(
        "backup", "--data-dir", str(folder), "--passphrase-file", str(secret), "--out", str(out)
    )
    assert done.returncode == 0, done.stderr
    assert "key.json" in done.stdout

    def courses(where: Path) -> list:
        listed = run(
            "courses", "--data-dir", str(where), "--passphrase-file", str(secret), "--json"
        )
        assert listed.returncode == 0, listed.stderr
        return json.loads(listed.stdout)

    original = courses(folder)
    for how, extra in (("passphrase", ["--passphrase-file", str(secret)]),
                       ("recovery", ["--recovery-key-file", str(code)])):  # fmt: skip
        laptop = tmp_path / f"laptop-{how}"
        done = run("restore", "--data-dir", str(laptop), *extra, str(out))
        assert done.returncode == 0, done.stderr
        assert courses(laptop) == original
    wrong = tmp_path / "wrong.txt"
    wrong.write_text("not the passphrase at all\n", encoding="utf-8")
    refused = run("restore", "--data-dir", str(tmp_path / "laptop-3"), "--passphrase-file",
                  str(wrong), str(out))  # fmt: skip
    assert refused.returncode != 0 and len(refused.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "laptop-3" / "escape.db").exists()


def test_on_windows_a_new_data_folder_gets_a_user_only_acl(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import os
    import subprocess

    from escape_desktop.db.files import make_private_folder

    ran: list[list[str]] = []

    def icacls(command: list[str], **kwargs: object) -> subprocess.CompletedProcess:
        ran.append(command)
        return subprocess.CompletedProcess(command, 0)

    monkeypatch.setattr(subprocess, "run", icacls)
    monkeypatch.setenv("USERNAME", "sam")
    monkeypatch.setenv("USERDOMAIN", "LEISURE")
    with monkeypatch.context() as windows:
        windows.setattr(os, "name", "nt")
        make_private_folder(tmp_path / "ESCAPE data")
        make_private_folder(tmp_path / "ESCAPE data")  # already there: left alone
    assert [c[:2] for c in ran] == [["icacls", str(tmp_path / "ESCAPE data")]] * 2
    grant, inheritance = ran
    assert "/grant:r" in grant and "LEISURE\\sam:(OI)(CI)F" in grant
    assert not any("Users" in part or "Everyone" in part for part in grant)
    assert inheritance[2:] == ["/inheritance:r"]  # removed only after the grants are in place


def test_encrypt_on_the_command_line_refuses_while_the_window_is_open(
    demo_ctx: AppContext, tmp_path: Path
) -> None:
    import subprocess
    import sys

    folder = demo_ctx.data_dir
    demo_ctx.db.checkpoint()
    secret = tmp_path / "new.txt"
    secret.write_text(PASS + "\n", encoding="utf-8")
    window = subprocess.Popen(  # alive until the test kills it, however long that takes
        [sys.executable, "-c", "import sys; sys.stdin.read()"], stdin=subprocess.PIPE
    )
    try:
        (folder / "app.lock").write_text(f"{window.pid}\nlaptop\nescape-desktop\n")
        done = subprocess.run(
            [sys.executable, "-m", "escape_desktop", "encrypt", "--data-dir", str(folder),
             "--new-passphrase-file", str(secret)],
            capture_output=True, text=True,
        )  # fmt: skip
    finally:
        window.kill()
        window.communicate()  # closes its stdin too
    assert done.returncode != 0 and "close the window" in done.stderr
    assert not keys.is_encrypted(folder)


def test_a_backup_to_a_full_stick_names_the_folder_and_leaves_nothing(
    demo_ctx: AppContext, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import errno

    from escape_desktop.db import files
    from escape_desktop.db.errors import BackupFailed

    made = B.make_backup(demo_ctx.db, B.backups_dir(demo_ctx.data_dir), "manual")
    stick = tmp_path / "STICK"

    def full(source: str, target: str) -> None:
        Path(target).write_bytes(b"half")
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(files.shutil, "copyfile", full)
    with pytest.raises(BackupFailed) as refused:
        B.copy_backup(made, stick, None, demo_ctx.data_dir)
    assert str(stick) in str(refused.value) and "MB" in str(refused.value)
    assert list(stick.iterdir()) == []
