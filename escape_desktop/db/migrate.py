"""Schema versions: check at start without Alembic; upgrade with Alembic only when needed."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Connection, text

from .engine import Database
from .errors import KnownError, NewerDatabase

# Every revision in db/migrations/versions, oldest first. A test keeps this in step with
# Alembic's own view, so start-up can decide "current" without importing Alembic.
KNOWN_REVISIONS: tuple[str, ...] = ("0001_baseline",)
HEAD = KNOWN_REVISIONS[-1]
MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def current_revision(conn: Connection) -> str | None:
    has_table = conn.execute(
        text("SELECT 1 FROM sqlite_master WHERE type='table' AND name='alembic_version'")
    ).first()
    if not has_table:
        return None
    return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


def has_user_tables(conn: Connection) -> bool:
    return (
        conn.execute(
            text(
                "SELECT count(*) FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'"
            )
        ).scalar()
        or 0
    ) > 0


def schema_state(db: Database) -> str:
    """'current', 'empty', 'behind', 'newer' or 'foreign' (tables, but not ours)."""
    with db.engine.connect() as conn:
        rev = current_revision(conn)
        if rev is None:
            return "empty" if not has_user_tables(conn) else "foreign"
    if rev == HEAD:
        return "current"
    if rev in KNOWN_REVISIONS:
        return "behind"
    return "newer"


def alembic_config(connection: Connection):  # type: ignore[no-untyped-def]
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["connection"] = connection
    return cfg


def copy_before_migrating(db: Database) -> Path | None:
    """A verified backup (encrypted like the data) in the backups folder, before the schema
    changes. Raises BackupFailed, and nothing is migrated, when the data fails its check."""
    from .backup import backups_dir, make_backup

    if not db.path.exists():
        return None
    return make_backup(db, backups_dir(db.path.parent), "before-migration")


def ensure_schema(db: Database) -> str:
    """Bring the schema to HEAD. Returns the state found. Refuses a newer database untouched."""
    state = schema_state(db)
    if state == "current":
        return state
    if state == "newer":
        raise NewerDatabase(
            "This data file was written by a newer version of escape-desktop; "
            "install the newer version to open it. The file has not been changed."
        )
    if state == "foreign":
        raise KnownError(
            "This file is a database, but not an escape-desktop one; "
            "choose another data folder. The file has not been changed."
        )
    if state == "behind":
        copy_before_migrating(db)
    upgrade(db)
    return state


def upgrade(db: Database, target: str = "head") -> None:
    from alembic import command

    with db.engine.begin() as conn:
        command.upgrade(alembic_config(conn), target)
