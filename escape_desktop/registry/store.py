"""The registry's data folder and database: a plain (unencrypted) SQLite file of its own.

Plain because it holds only pseudonymised upload rows (codes, age bands, scores), never
names; whoever keeps it should still keep it on an encrypted disk. It goes through the
app's one engine factory (same driver, pragmas and transactions) with its own tables.
"""

from __future__ import annotations

from pathlib import Path

from escape_desktop.db.engine import Database
from escape_desktop.db.errors import KnownError
from escape_desktop.db.files import (
    folder_is_writable,
    make_private,
    make_private_folder,
    touch_private,
)

from .models import SCHEMA_VERSION, RegistryBase

REGISTRY_DIR_ENV = "ESCAPE_DESKTOP_REGISTRY_DIR"
DB_NAME = "registry.db"


def default_registry_dir() -> Path:
    """A ``registry`` folder in the platform's data folder for the app, beside (never in)
    an instructor's class data; ESCAPE_DESKTOP_DATA_DIR does not move it."""
    from escape_desktop.paths import default_data_dir

    return default_data_dir() / "registry"


def resolve_registry_dir(explicit: str | Path | None = None) -> Path:
    import os

    if explicit:
        return Path(explicit).expanduser().resolve()
    env = os.environ.get(REGISTRY_DIR_ENV)
    if env:
        return Path(env).expanduser().resolve()
    return default_registry_dir()


def open_registry(folder: Path, *, create: bool = True) -> Database:
    """The registry database in ``folder``, made (with its tables) on first use."""
    path = Path(folder) / DB_NAME
    if not path.exists():
        if not create:
            raise KnownError(
                f"There is no registry in {folder} yet; load uploads with 'registry add' first."
            )
        if (Path(folder) / "escape.db").exists():
            raise KnownError(
                f"{folder} holds an instructor's class data; give the registry a folder of its own."
            )
        # Its own folder, private like the class data's (and so is a parent made for it).
        for made in (path.parent.parent, path.parent):
            make_private_folder(made)
        touch_private(path)  # SQLite makes the -wal and -shm with the main file's mode
    if not folder_is_writable(path.parent):
        # A registry on a read-only share or stick: report, export and sites read it as it is.
        return Database(path, read_only=True)
    for suffix in ("", "-wal", "-shm"):  # a registry made by an earlier version: 0644
        make_private(Path(str(path) + suffix))
    db = Database(path)
    version = db.pragma("PRAGMA user_version")[0][0]
    if version > SCHEMA_VERSION:
        raise KnownError(
            "This registry was made by a newer escape-desktop; update the app to read it."
        )
    if version < SCHEMA_VERSION:
        RegistryBase.metadata.create_all(db.engine)  # new tables; existing ones kept
        if version == 1:  # made before signing: its batches were all loaded unsigned
            with db.engine.begin() as con:
                columns = {r[1] for r in con.exec_driver_sql("PRAGMA table_info(batches)")}
                if "signed" not in columns:  # (a kill before user_version was set)
                    con.exec_driver_sql("ALTER TABLE batches ADD COLUMN signed BOOLEAN")
        db.pragma(f"PRAGMA user_version = {SCHEMA_VERSION}")
    return db
