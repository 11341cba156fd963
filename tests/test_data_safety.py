"""The data layer's own safety rules: no import circle, a log support can read (with no
secrets in it), Windows and macOS file rules emulated here, and all-or-nothing encryption,
restore and thinning."""

from __future__ import annotations

import ast
import logging
from pathlib import Path

import pytest

from escape_desktop.context import AppContext
from escape_desktop.db import backup as B
from escape_desktop.db import keys
from escape_desktop.db.encryption import encrypt_existing
from escape_desktop.db.models import Participant

FAST = 2**12
PASS = "kettle on at half nine"
DB_PACKAGE = Path(__file__).resolve().parent.parent / "escape_desktop" / "db"


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
    import fcntl
    import os
    import stat

    real = os.fsync
    refused: list[int] = []

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

    folder = tmp_path / "a share # with ? marks"
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
    made = B.make_backup(demo_ctx.db, tmp_path / "USB #1 ? 100%", "manual")
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

    assert pragmas(ctx.db) == (0, 0)  # Linux and Windows: fsync is enough
    monkeypatch.setattr("sys.platform", "darwin")
    db = Database(ctx.db.path, None)
    try:
        assert pragmas(db) == (1, 1)
        assert db.pragma("PRAGMA fullfsync") == [(1,)]  # the engine's connections too
    finally:
        db.dispose()
