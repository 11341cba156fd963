"""Encryption at rest: the wrapped key, passphrase changes, recovery, and no names in clear."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from escape_desktop.context import AppContext
from escape_desktop.db import keys
from escape_desktop.db.backup import make_backup
from escape_desktop.db.encryption import encrypt_existing, finish_encryption
from escape_desktop.db.engine import DB_FILENAME, Database
from escape_desktop.db.errors import NotADatabase, WrongPassphrase
from escape_desktop.db.integrity import integrity_problems
from escape_desktop.db.models import Participant

FAST = 2**12  # a cheap scrypt cost keeps the tests quick; the format is the same
PASS = "kettle on at half nine"


def names(ctx: AppContext) -> list[str]:
    with ctx.db.read() as s:
        return [p.last_name for p in s.query(Participant).order_by(Participant.id)]


def test_unlock_returns_the_same_key_and_refuses_a_wrong_passphrase(tmp_path: Path) -> None:
    made = keys.create_key(tmp_path, PASS, n=FAST)
    assert len(made.key) == 32
    assert keys.unlock(tmp_path, PASS) == made.key
    before = (tmp_path / keys.KEY_FILENAME).read_bytes()
    with pytest.raises(WrongPassphrase, match="not right"):
        keys.unlock(tmp_path, PASS + "x")
    with pytest.raises(keys.PassphraseNeeded, match="ESCAPE_DESKTOP_PASSPHRASE"):
        keys.unlock(tmp_path, None)
    assert (tmp_path / keys.KEY_FILENAME).read_bytes() == before  # nothing touched
    assert made.key.hex() not in before.decode()


@pytest.mark.real_key_cost
def test_a_real_folder_gets_keys_at_the_production_cost(tmp_path: Path) -> None:
    """The tests make cheap keys (conftest._cheap_keys); a real folder's key and recovery key
    each cost scrypt n=2**16, and so does a recovery key waiting to be confirmed."""
    made = keys.create_key(tmp_path, "correct horse battery")
    data = json.loads((tmp_path / keys.KEY_FILENAME).read_text(encoding="utf-8"))
    assert data["passphrase"]["n"] == data["recovery"]["n"] == keys.DEFAULT_N == 2**16
    text, _code = keys.new_key_file_text(made.key, "correct horse battery")
    assert json.loads(text)["passphrase"]["n"] == 2**16
    assert keys.seal_pending_recovery.__kwdefaults__["n"] == 2**16


def test_a_folder_without_key_file_is_not_encrypted(tmp_path: Path) -> None:
    assert keys.unlock(tmp_path, "anything at all") is None


def test_short_passphrase_and_second_key_are_refused(tmp_path: Path) -> None:
    with pytest.raises(WrongPassphrase, match="at least 8"):
        keys.create_key(tmp_path, "short", n=FAST)
    assert not keys.is_encrypted(tmp_path)
    keys.create_key(tmp_path, PASS, n=FAST)
    with pytest.raises(Exception, match="already has a key"):
        keys.create_key(tmp_path, PASS, n=FAST)


def test_change_passphrase_rewraps_without_touching_the_database(tmp_path: Path) -> None:
    made = keys.create_key(tmp_path, PASS, n=FAST)
    ctx = AppContext.open(tmp_path, passphrase=PASS)
    ctx.db.checkpoint()
    ctx.close()
    db_bytes = (tmp_path / DB_FILENAME).read_bytes()
    keys.change_passphrase(tmp_path, PASS, "a brand new sentence")
    with pytest.raises(WrongPassphrase):
        keys.unlock(tmp_path, PASS)
    assert keys.unlock(tmp_path, "a brand new sentence") == made.key
    assert (tmp_path / DB_FILENAME).read_bytes() == db_bytes
    assert not list(tmp_path.glob("*.tmp"))  # the atomic write left nothing behind
    with pytest.raises(WrongPassphrase):
        keys.change_passphrase(tmp_path, "not the passphrase", "whatever else here")


def test_recovery_key_resets_a_forgotten_passphrase(tmp_path: Path) -> None:
    made = keys.create_key(tmp_path, PASS, n=FAST)
    typed = " " + made.recovery_code.lower().replace("-", " ") + " "
    keys.reset_passphrase(tmp_path, typed, "remembered this time")
    assert keys.unlock(tmp_path, "remembered this time") == made.key
    with pytest.raises(WrongPassphrase, match="recovery key"):
        keys.reset_passphrase(tmp_path, "AAAA-BBBB-CCCC-DDDD-EEEE-FFFF", "another one please")


def test_damaged_key_file_says_where_a_copy_is(tmp_path: Path) -> None:
    keys.create_key(tmp_path, PASS, n=FAST)
    data = json.loads((tmp_path / keys.KEY_FILENAME).read_text())
    data["passphrase"]["salt"] = "not base64!"
    (tmp_path / keys.KEY_FILENAME).write_text(json.dumps(data))
    with pytest.raises(keys.KeyFileDamaged, match="backup folder"):
        keys.unlock(tmp_path, PASS)
    (tmp_path / keys.KEY_FILENAME).write_text("{half a file")
    with pytest.raises(keys.KeyFileDamaged):
        keys.unlock(tmp_path, PASS)


@pytest.fixture
def encrypted_demo(tmp_path: Path, demo_today) -> AppContext:  # type: ignore[no-untyped-def]
    from escape_desktop.services.demo import generate_demo

    folder = tmp_path / "enc"
    keys.create_key(folder, PASS, n=FAST)
    ctx = AppContext.open(folder, passphrase=PASS)
    generate_demo(ctx, scale="small", seed=3, today=demo_today)
    yield ctx
    ctx.close()


def _clear_names(ctx: AppContext) -> set[bytes]:
    return {n.encode() for n in names(ctx)} | {b"Demo-"}


def test_encrypted_demo_has_no_names_in_file_wal_or_backup(encrypted_demo: AppContext) -> None:
    ctx = encrypted_demo
    needles = _clear_names(ctx)
    wal = Path(str(ctx.db_path) + "-wal")
    assert wal.exists() and wal.stat().st_size > 0  # the WAL is live while the app is open
    backup = make_backup(ctx.db, ctx.data_dir / "backups", "manual")
    for path in (ctx.db_path, wal, backup):
        blob = path.read_bytes()
        assert not any(n in blob for n in needles), path.name
    # the backup opens only with the key, and then passes a full check
    with pytest.raises(NotADatabase):
        with Database(backup, None, read_only=True).read() as s:
            s.query(Participant).count()
    assert integrity_problems(Database(backup, ctx.db.key, read_only=True)) == []


def test_database_does_not_open_without_its_key(encrypted_demo: AppContext) -> None:
    path = encrypted_demo.db_path
    encrypted_demo.db.checkpoint()
    problems = integrity_problems(Database(path, None, read_only=True))
    assert problems and "passphrase" in problems[0]


def test_encrypt_existing_plain_demo(demo_ctx: AppContext) -> None:
    before = names(demo_ctx)
    plain_backup = make_backup(demo_ctx.db, demo_ctx.data_dir / "backups", "manual")
    assert b"Demo-" in plain_backup.read_bytes()
    db, made = encrypt_existing(demo_ctx.db, PASS, n=FAST)
    demo_ctx.db = db
    assert names(demo_ctx) == before
    assert integrity_problems(db) == []
    assert keys.unlock(demo_ctx.data_dir, PASS) == made.key
    db.checkpoint()
    assert b"Demo-" not in demo_ctx.db_path.read_bytes()
    assert b"Demo-" not in plain_backup.read_bytes()  # old plain backups encrypted too
    assert integrity_problems(Database(plain_backup, made.key, read_only=True)) == []
    assert not list(demo_ctx.data_dir.glob("*.encrypting"))


def test_encryption_interrupted_after_the_key_was_saved_is_finished_on_open(
    demo_ctx: AppContext,
) -> None:
    """A crash between writing key.json and swapping the file must not lose the data."""
    folder = demo_ctx.data_dir
    before = names(demo_ctx)
    demo_ctx.db.checkpoint()
    demo_ctx.close()
    staged = Path(str(folder / DB_FILENAME) + ".encrypting")
    scratch = folder.parent / "scratch"
    scratch.mkdir()
    shutil.copy2(folder / DB_FILENAME, scratch / DB_FILENAME)
    ctx = AppContext.open(scratch)
    db, made = encrypt_existing(ctx.db, PASS, n=FAST)
    db.checkpoint()
    db.dispose()
    # rebuild the crash state: plain file still in place, encrypted copy staged, key saved
    shutil.copy2(scratch / DB_FILENAME, staged)
    shutil.copy2(scratch / keys.KEY_FILENAME, folder / keys.KEY_FILENAME)
    reopened = AppContext.open(folder, passphrase=PASS)
    try:
        assert names(reopened) == before
        assert not staged.exists()
        assert not finish_encryption(folder)
    finally:
        reopened.close()


def test_deleted_rows_are_overwritten(ctx: AppContext) -> None:
    assert ctx.db.pragma("PRAGMA secure_delete") == [(1,)]
