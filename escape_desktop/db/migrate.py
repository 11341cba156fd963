"""Schema versions: checked at start without Alembic or SQLAlchemy; Alembic upgrades when needed."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from escape_desktop.i18n import _

from .backup import backups_dir, make_backup
from .engine import Database
from .errors import KnownError, NewerDatabase
from .schema_version import HEAD, KNOWN_REVISIONS, schema_state

if TYPE_CHECKING:
    from sqlalchemy import Connection

__all__ = ["HEAD", "KNOWN_REVISIONS", "MIGRATIONS_DIR", "schema_state", "ensure_schema", "upgrade"]

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def alembic_config(connection: Connection):  # type: ignore[no-untyped-def]
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["connection"] = connection
    return cfg


def copy_before_migrating(db: Database) -> Path | None:
    """A verified backup (encrypted like the data) in the backups folder, before the schema
    changes. Raises BackupFailed, and nothing is migrated, when the data fails its check."""
    if not db.path.exists():
        return None
    made = make_backup(db, backups_dir(db.path.parent), "before-migration")
    log.info("Backup before migrating: %s", made.name)
    return made


def ensure_schema(db: Database) -> str:
    """Bring the schema to HEAD. Returns the state found. Refuses a newer database untouched."""
    state = schema_state(db)
    if state == "current":
        return state
    log.info("Schema state of %s: %s (this version's head: %s)", db.path.name, state, HEAD)
    if state == "newer":
        raise NewerDatabase(
            _(
                "This data file was written by a newer version of escape-desktop; "
                "install the newer version to open it. The file has not been changed."
            )
        )
    if state == "foreign":
        raise KnownError(
            _(
                "This file is a database, but not an escape-desktop one; "
                "choose another data folder. The file has not been changed."
            )
        )
    if state == "behind":
        copy_before_migrating(db)
    upgrade(db)
    return state


def upgrade(db: Database, target: str = "head") -> None:
    from alembic import command

    log.info("Upgrading the schema of %s to %s", db.path.name, target)
    with db.engine.connect() as conn:
        # SQLite's own recipe for changing a table: foreign keys off (only possible outside a
        # transaction), so batch mode's copy-and-drop of a parent table does not cascade into
        # its children; checked again before the change is committed.
        driver = conn.connection.driver_connection
        assert driver is not None
        driver.execute("PRAGMA foreign_keys = OFF")
        try:
            with conn.begin():
                command.upgrade(alembic_config(conn), target)
                broken = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                if broken:
                    raise KnownError(
                        _(
                            "The data could not be brought up to date (links between records "
                            "broke); nothing was changed. Please report this."
                        )
                    )
        finally:
            driver.execute("PRAGMA foreign_keys = ON")
    log.info("Schema upgraded")
