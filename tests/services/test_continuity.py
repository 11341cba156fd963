"""Continuity: a backup restores on any install of the same or a newer version, never an older one."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from escape_desktop.cli import main
from escape_desktop.context import AppContext
from escape_desktop.db import backup as B
from escape_desktop.db.engine import DB_FILENAME, Database
from escape_desktop.db.errors import KnownError
from escape_desktop.db.migrate import upgrade
from escape_desktop.db.restore import restore_into_new_folder
from escape_desktop.db.schema_version import schema_state


@pytest.mark.parametrize("revision", ["0001_baseline", "0002_consent_screening"])
def test_a_backup_from_an_older_schema_restores_and_is_brought_up_to_date(
    tmp_path: Path, revision: str, capsys: pytest.CaptureFixture
) -> None:
    old_laptop = tmp_path / "old"
    old_laptop.mkdir()
    db = Database(old_laptop / DB_FILENAME)
    upgrade(db, revision)
    with db.raw_read() as conn:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchone()[0] == revision
    stick = tmp_path / "stick" / "old.db"
    stick.parent.mkdir()
    B.write_verified_copy(db, stick)
    db.dispose()
    new_laptop = tmp_path / "new"
    assert main(["restore", str(stick), "--data-dir", str(new_laptop)]) == 0
    ctx = AppContext.open(new_laptop)
    try:
        assert schema_state(ctx.db) == "current"
    finally:
        ctx.close()
    capsys.readouterr()
    assert main(["courses", "--json", "--data-dir", str(new_laptop)]) == 0
    assert json.loads(capsys.readouterr().out) == []  # opens and answers after migrating


def test_a_backup_from_a_newer_version_is_refused_before_anything_is_written(
    ctx: AppContext, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    stick = tmp_path / "stick.db"
    B.write_verified_copy(ctx.db, stick)
    with sqlite3.connect(stick) as conn:  # as a later version would stamp it
        conn.execute("UPDATE alembic_version SET version_num = '0099_from_the_future'")
    new_laptop = tmp_path / "new"
    with pytest.raises(KnownError, match="newer version"):
        restore_into_new_folder(new_laptop, stick)
    assert not new_laptop.exists()
    assert main(["restore", str(stick), "--data-dir", str(new_laptop)]) != 0
    err = capsys.readouterr().err.strip()
    assert "newer version" in err and len(err.splitlines()) == 1
    assert not new_laptop.exists()
    # Restoring over existing data is refused the same way, and the data is untouched.
    assert main(["restore", str(stick), "--data-dir", str(ctx.data_dir)]) != 0
    assert "newer version" in capsys.readouterr().err
    assert schema_state(ctx.db) == "current"
