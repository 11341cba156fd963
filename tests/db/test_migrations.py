"""Schema versions: a new folder is migrated; a newer or foreign file is refused untouched."""

import hashlib
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text

from escape_desktop.context import AppContext
from escape_desktop.db.engine import DB_FILENAME, Database
from escape_desktop.db.errors import KnownError, NewerDatabase
from escape_desktop.db.migrate import HEAD, KNOWN_REVISIONS, MIGRATIONS_DIR, schema_state
from escape_desktop.db.models import Base


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_known_revisions_match_alembic_scripts():
    from alembic.script import ScriptDirectory

    scripts = ScriptDirectory(str(MIGRATIONS_DIR))
    ordered = [r.revision for r in reversed(list(scripts.walk_revisions()))]
    assert tuple(ordered) == KNOWN_REVISIONS
    assert scripts.get_current_head() == HEAD


def test_new_folder_is_migrated_to_head(tmp_path):
    ctx = AppContext.open(tmp_path / "new")
    try:
        assert schema_state(ctx.db) == "current"
        with ctx.db.read() as s:
            tables = set(s.scalars(text("SELECT name FROM sqlite_master WHERE type='table'")).all())
        assert set(Base.metadata.tables) <= tables
    finally:
        ctx.close()


def test_migrations_produce_exactly_the_models(ctx):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    with ctx.db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []


def test_newer_database_is_refused_and_left_untouched(ctx):
    folder = ctx.data_dir
    with ctx.db.transaction() as s:
        s.execute(text("UPDATE alembic_version SET version_num = '9999_from_the_future'"))
    ctx.db.checkpoint()
    ctx.close()
    before = _digest(folder / DB_FILENAME)
    with pytest.raises(NewerDatabase, match="newer version"):
        AppContext.open(folder)
    assert _digest(folder / DB_FILENAME) == before
    assert not list(folder.glob("*before-migration*"))


def test_foreign_sqlite_file_is_refused(tmp_path):
    folder = tmp_path / "foreign"
    folder.mkdir()
    db = Database(folder / DB_FILENAME)
    with db.transaction() as s:
        s.execute(text("CREATE TABLE recipes (id INTEGER PRIMARY KEY, name TEXT)"))
    db.checkpoint()
    db.dispose()
    before = _digest(folder / DB_FILENAME)
    with pytest.raises(KnownError, match="not an escape-desktop"):
        AppContext.open(folder)
    assert _digest(folder / DB_FILENAME) == before


def test_opening_a_current_database_does_not_import_alembic(ctx):
    folder = ctx.data_dir
    ctx.close()
    code = (
        "import sys\n"
        "from escape_desktop.context import AppContext\n"
        f"c = AppContext.open({str(folder)!r})\n"
        "c.close()\n"
        "print('alembic' in sys.modules, 'sqlalchemy' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False False"  # the version is read with plain SQL


def test_the_light_revision_list_is_the_one_migrate_uses(ctx):
    from escape_desktop.db import schema_version

    assert (HEAD, KNOWN_REVISIONS) == (schema_version.HEAD, schema_version.KNOWN_REVISIONS)
    with ctx.db.raw_read() as conn:
        assert schema_version.state_of(conn) == "current"
    with ctx.db.transaction() as s:
        s.execute(text("UPDATE alembic_version SET version_num = '9999_later'"))
    with ctx.db.raw_read() as conn:
        assert schema_version.state_of(conn) == "newer"


def test_raw_connections_get_the_same_pragmas_as_the_engine(ctx):
    with ctx.db.raw_read() as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        assert conn.execute("PRAGMA synchronous").fetchone()[0] == 2
        assert conn.execute("PRAGMA secure_delete").fetchone()[0] == 1


def test_pragmas_are_set(ctx):
    with ctx.db.read() as s:
        assert s.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert s.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert s.execute(text("PRAGMA synchronous")).scalar() == 2  # FULL
        assert s.execute(text("PRAGMA busy_timeout")).scalar() >= 1000
        assert s.execute(text("SELECT sqlite_version()")).scalar() >= "3.44"
