"""The start-up's quick check runs in plain SQL on a driver connection (issue 29: no
SQLAlchemy before the window is ready to mark); it must find what the SQLAlchemy check finds:
nothing on a healthy file, damage on a scribbled one, records pointing nowhere."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

from escape_desktop.context import AppContext
from escape_desktop.db.engine import DB_FILENAME, Database
from escape_desktop.db.integrity import integrity_problems


def _copy(ctx: AppContext, to: Path) -> Path:
    ctx.db.checkpoint()
    to.mkdir()
    shutil.copy2(ctx.data_dir / DB_FILENAME, to / DB_FILENAME)
    return to / DB_FILENAME


def _both(path: Path) -> tuple[list[str], list[str]]:
    db = Database(path, None, read_only=True)
    try:
        return (
            integrity_problems(db, full=False, plain=True),
            integrity_problems(db, full=False),
        )
    finally:
        db.dispose()


def test_a_healthy_file_passes_both(demo_ctx: AppContext, tmp_path: Path) -> None:
    assert _both(_copy(demo_ctx, tmp_path / "a")) == ([], [])


def test_damage_is_found_without_sqlalchemy_as_with_it(
    demo_ctx: AppContext, tmp_path: Path
) -> None:
    path = _copy(demo_ctx, tmp_path / "a")
    data = bytearray(path.read_bytes())
    for i in range(4096, len(data), 4096):  # scribble over every page after the first
        data[i + 100 : i + 400] = b"\xff" * 300
    path.write_bytes(bytes(data))
    plain, orm = _both(path)
    assert plain and plain == orm


def test_records_pointing_nowhere_are_found_without_sqlalchemy(
    demo_ctx: AppContext, tmp_path: Path
) -> None:
    path = _copy(demo_ctx, tmp_path / "a")
    conn = sqlite3.connect(path)  # foreign keys are off by default here: the damage goes in
    conn.execute("PRAGMA journal_mode = DELETE")
    conn.execute(
        "UPDATE attendance SET session_id = 999999 WHERE id = (SELECT min(id) FROM attendance)"
    )
    conn.commit()
    conn.close()
    plain, orm = _both(path)
    assert any("attendance" in p for p in plain)
    assert plain == orm
