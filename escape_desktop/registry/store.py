"""The registry's data folder and database: a plain (unencrypted) SQLite file of its own,
or a database on a PostgreSQL server (``--url`` or ESCAPE_DESKTOP_REGISTRY_URL).

Plain because it holds only pseudonymised upload rows (codes, age bands, scores), never
names; whoever keeps it should still keep it on an encrypted disk. The file goes through the
app's one engine factory (same driver, pragmas and transactions) with its own tables; a
server registry through ``server.ServerDatabase``, with the same tables made the same way.
"""

from __future__ import annotations

from pathlib import Path
from typing import TypeAlias

from escape_desktop.db.engine import Database
from escape_desktop.db.errors import KnownError
from escape_desktop.db.files import (
    folder_is_writable,
    make_private,
    make_private_folder,
    touch_private,
)
from escape_desktop.i18n import _

from .models import SCHEMA_VERSION
from .server import SCHEMA_TABLE, ServerDatabase, is_server_url, server_schema_version

REGISTRY_DIR_ENV = "ESCAPE_DESKTOP_REGISTRY_DIR"
REGISTRY_URL_ENV = "ESCAPE_DESKTOP_REGISTRY_URL"
RegistryDatabase: TypeAlias = Database | ServerDatabase
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


def resolve_registry_url(explicit: str | None = None) -> str | None:
    """The server registry's URL (``--url``, else ESCAPE_DESKTOP_REGISTRY_URL); None: the
    SQLite file in the registry folder, the default. A ``sqlite:///FILE`` URL names that file."""
    import os

    url = (explicit or os.environ.get(REGISTRY_URL_ENV) or "").strip()
    return url or None


def open_registry_at(
    folder: Path, url: str | None = None, *, create: bool = True
) -> RegistryDatabase:
    """The one way into a registry: the server at ``url``, or the SQLite file in ``folder``
    (``url`` ``sqlite:///path/to/registry.db`` names another file's folder)."""
    if url is None:
        return open_registry(folder, create=create)
    if is_server_url(url):
        return open_server_registry(url, create=create)
    if url.startswith("sqlite:///") and url.endswith("/" + DB_NAME):
        return open_registry(Path(url[len("sqlite:///") :]).parent, create=create)
    raise KnownError(
        _(
            "A registry URL is postgresql+psycopg://USER@HOST:PORT/DATABASE (or "
            "sqlite:///FOLDER/{name}); check --url."
        ).format(name=DB_NAME)
    )


def open_server_registry(url: str, *, create: bool = True) -> ServerDatabase:
    """The registry on a PostgreSQL server, its tables made on first use by an account
    allowed to (the owner), and an older registry's upgraded in place by the same account;
    a reader's account opens one of this version."""
    db = ServerDatabase(url)
    try:
        version = server_schema_version(db)
        if version is None and not create:
            raise KnownError(
                _(
                    "There is no registry in that server database yet; load uploads with "
                    "'registry add' first."
                )
            )
        if version is not None and version > SCHEMA_VERSION:
            raise KnownError(
                _("This registry was made by a newer escape-desktop; update the app to read it.")
            )
        if version != SCHEMA_VERSION:
            _migrate_server_schema(db, upgrading=version is not None)
    except BaseException:
        db.dispose()  # no connection left open behind a refusal
        raise
    return db


def _migrate_server_schema(db: ServerDatabase, *, upgrading: bool) -> None:
    """The tables made, or an older registry's brought up to this version (Alembic,
    migrate.py), in one transaction under a transaction-wide advisory lock: loaders starting
    at once take turns, and the later ones find it done. Takes an account allowed to change
    the tables (the owner's); a reader or loader is told to ask the owner."""
    from sqlalchemy import insert, inspect, select, text, update

    from .migrate import bring_up_to_date
    from .server import SCHEMA_META, ReadOnlyAccount

    try:
        with db.transaction() as s:
            con = s.connection()
            con.execute(text("SELECT pg_advisory_xact_lock(hashtext('escape-registry:schema'))"))
            held = inspect(con).has_table(SCHEMA_TABLE.name)
            version = con.execute(select(SCHEMA_TABLE.c.version)).scalar() if held else None
            if version == SCHEMA_VERSION:
                return  # another loader did it while this one waited
            if version is not None and version > SCHEMA_VERSION:
                raise KnownError(
                    _(
                        "This registry was made by a newer escape-desktop; update the app to "
                        "read it."
                    )
                )
            bring_up_to_date(con, version or 0)
            SCHEMA_META.create_all(con)
            if version is None:
                made_by = con.execute(text("SELECT current_user")).scalar() or ""
                con.execute(
                    insert(SCHEMA_TABLE).values(id=1, version=SCHEMA_VERSION, made_by=made_by)
                )
            else:
                con.execute(update(SCHEMA_TABLE).values(version=SCHEMA_VERSION))
    except ReadOnlyAccount:
        if not upgrading:
            raise
        raise KnownError(
            _(
                "This registry was made by an earlier escape-desktop and this account may not "
                "change its tables; ask the registry's owner to run 'registry add' once with "
                "the owner's account, which brings it up to date."
            )
        ) from None


def open_registry(folder: Path, *, create: bool = True) -> Database:
    """The registry database in ``folder``, made (with its tables) on first use."""
    path = Path(folder) / DB_NAME
    if not path.exists():
        if not create:
            raise KnownError(
                _(
                    "There is no registry in {folder} yet; load uploads with 'registry add' first."
                ).format(folder=folder)
            )
        if (Path(folder) / "escape.db").exists():
            raise KnownError(
                _(
                    "{folder} holds an instructor's class data; give the registry a folder of its "
                    "own."
                ).format(folder=folder)
            )
        # Its own folder, private like the class data's (and so is a parent made for it).
        for made in (path.parent.parent, path.parent):
            make_private_folder(made)
        touch_private(path)  # SQLite makes the -wal and -shm with the main file's mode
    if not folder_is_writable(path.parent):
        # A registry on a read-only share or stick: report, export and sites read it as it is,
        # if it is of this version (an older one cannot be upgraded there, and this version's
        # report reads columns it lacks).
        db = Database(path, read_only=True)
        version = db.pragma("PRAGMA user_version")[0][0]
        if version != SCHEMA_VERSION:
            db.dispose()
            raise KnownError(
                _("This registry was made by a newer escape-desktop; update the app to read it.")
                if version > SCHEMA_VERSION
                else _(
                    "This registry was made by an earlier escape-desktop and its folder cannot "
                    "be written, so it cannot be brought up to date; run 'registry add' or "
                    "'registry report' once where the folder can be written."
                )
            )
        return db
    for suffix in ("", "-wal", "-shm"):  # a registry made by an earlier version: 0644
        make_private(Path(str(path) + suffix))
    db = Database(path)
    version = db.pragma("PRAGMA user_version")[0][0]
    if version > SCHEMA_VERSION:
        raise KnownError(
            _("This registry was made by a newer escape-desktop; update the app to read it.")
        )
    if version < SCHEMA_VERSION:
        # One transaction under the write lock (BEGIN IMMEDIATE): loaders starting a new
        # registry at once take turns, and the later ones find the tables made or upgraded.
        from .migrate import bring_up_to_date

        with db.engine.begin() as con:
            version = con.exec_driver_sql("PRAGMA user_version").scalar() or 0
            if version < SCHEMA_VERSION:
                bring_up_to_date(con, version)  # Alembic (migrate.py), in this transaction
                con.exec_driver_sql(f"PRAGMA user_version = {SCHEMA_VERSION}")
    return db
