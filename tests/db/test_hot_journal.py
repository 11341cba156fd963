"""A write killed half-way in rollback-journal mode leaves a hot journal (escape.db-journal)
beside the data: re-key and encrypt write their new file that way before it is switched to
WAL. Found by benchmarks/attack_issue27.py (a SIGKILL in `passphrase rekey`): the next
`check`, and every command that only reads, opened the file read-only, could not roll the
journal back, and said "The data file is open read-only; changes cannot be saved" with exit
1. Now the journal is rolled back first (the data as it was before the killed write), as a
read-write open always did."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from escape_desktop.cli import main
from escape_desktop.context import AppContext
from escape_desktop.db import keys
from escape_desktop.db.engine import DB_FILENAME

PASSPHRASE = "tea urn behind the hall door"

# Killed inside a write transaction that has spilled pages to the file: a hot journal.
KILLED_WRITER = r"""
import os, sys
import sqlcipher3.dbapi2 as sqlcipher
path, key = sys.argv[1], sys.argv[2]
conn = sqlcipher.connect(path, isolation_level=None)
if key:
    conn.execute(f"PRAGMA key = \"x'{key}'\"")
conn.execute("PRAGMA journal_mode = DELETE")
conn.execute("PRAGMA cache_size = 1")  # pages reach the file before the commit
conn.execute("BEGIN IMMEDIATE")
conn.execute("UPDATE participants SET first_name = 'Killed' || first_name")
conn.execute("UPDATE audit_events SET detail = detail || ' killed'")
os._exit(9)
"""


def _kill_a_writer(folder: Path, key: bytes | None) -> None:
    done = subprocess.run(
        [sys.executable, "-c", KILLED_WRITER, str(folder / DB_FILENAME), key.hex() if key else ""],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 9, done.stderr
    journal = folder / (DB_FILENAME + "-journal")
    assert journal.is_file() and journal.stat().st_size > 0


def _first_names(folder: Path, key: bytes | None) -> list[str]:
    from sqlalchemy import text

    ctx = AppContext.open(folder, key=key)
    try:
        with ctx.db.read() as s:
            return [r[0] for r in s.execute(text("SELECT first_name FROM participants"))]
    finally:
        ctx.close()


@pytest.fixture
def plain(_demo_template: Path, tmp_path: Path) -> Path:
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / DB_FILENAME).write_bytes(_demo_template.read_bytes())
    return folder


def test_check_rolls_back_a_hot_journal_instead_of_saying_read_only(plain, capsys):
    before = _first_names(plain, None)
    _kill_a_writer(plain, None)
    code = main(["check", "--data-dir", str(plain)])
    said = capsys.readouterr()
    assert code == 0, said.err
    assert "read-only" not in said.err + said.out
    assert not (plain / (DB_FILENAME + "-journal")).exists()
    assert _first_names(plain, None) == before  # the killed write is undone, nothing else


@pytest.mark.parametrize(
    "argv",
    [
        ("courses",),
        ("outcomes", "--course", "KH-2026-001"),
        ("circuit", "--course", "KH-2026-001", "--session", "1"),
    ],  # fmt: skip
    ids=lambda a: a[0],
)
def test_commands_that_only_read_roll_it_back_too(plain, capsys, argv):
    _kill_a_writer(plain, None)
    code = main([*argv, "--data-dir", str(plain)])
    said = capsys.readouterr()
    assert code == 0, said.err
    assert "Killed" not in said.out


def test_encrypted_data_with_a_hot_journal_is_checked_with_its_key(plain, tmp_path, capsys):
    from escape_desktop.db.encryption import encrypt_existing

    ctx = AppContext.open(plain)
    db, _made = encrypt_existing(ctx.db, PASSPHRASE, n=2**12)
    db.dispose()
    keys.confirm_pending_recovery(plain)
    key = keys.unlock(plain, PASSPHRASE)
    before = _first_names(plain, key)
    _kill_a_writer(plain, key)
    secret = tmp_path / "pass.txt"
    secret.write_text(PASSPHRASE + "\n", encoding="utf-8")
    code = main(["check", "--data-dir", str(plain), "--passphrase-file", str(secret)])
    said = capsys.readouterr()
    assert code == 0, said.err
    assert _first_names(plain, key) == before
    assert os.path.exists(plain / DB_FILENAME)


def test_on_read_only_media_a_hot_journal_is_refused_saying_what_to_do(plain, tmp_path):
    """There it cannot be rolled back; read as it stands the file would hold half a write."""
    import shutil
    import stat

    if os.name != "posix":
        pytest.skip("modes emulate read-only media on POSIX only")
    prefix: list[str] = []
    if os.geteuid() == 0:
        setpriv = shutil.which("setpriv")
        if setpriv is None:
            pytest.skip("running as root without setpriv: modes would not bind")
        prefix = [setpriv, "--bounding-set=-all", "--"]
    _kill_a_writer(plain, None)
    stick = tmp_path / "stick"
    stick.mkdir()
    for p in plain.iterdir():
        if p.is_file():
            shutil.copy2(p, stick / p.name)
            os.chmod(stick / p.name, stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)
    os.chmod(stick, 0o555)
    root = Path(__file__).resolve().parents[2]
    try:
        done = subprocess.run(
            [*prefix, sys.executable, "-m", "escape_desktop", "courses", "--data-dir", str(stick)],
            capture_output=True,
            text=True,
            env={**os.environ, "PYTHONPATH": str(root)},
            timeout=120,
        )
    finally:
        os.chmod(stick, 0o755)
    assert done.returncode != 0
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "copy" in lines[0] and "went wrong" not in lines[0], done.stderr
    assert "Killed" not in done.stdout
