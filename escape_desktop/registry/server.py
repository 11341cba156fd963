"""The registry on a database server (PostgreSQL through psycopg 3): engine, transactions, roles.

The same ``transaction()`` / ``read()`` shape as the SQLite ``Database``, so loading,
reporting and exporting do not know which engine they run on. Server errors a national
team can meet (server not reached, an account that may only read, a load that collided
with another loader) become one sentence each.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Column, Integer, MetaData, String, Table
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from escape_desktop.db.errors import KnownError
from escape_desktop.i18n import _

# PostgreSQL's own error codes (SQLSTATE) the registry answers for.
INSUFFICIENT_PRIVILEGE = "42501"
UNDEFINED_OBJECT = "42704"  # e.g. a role granted to that does not exist
RETRYABLE = {
    "40001",  # serialization_failure
    "40P01",  # deadlock_detected
    "23505",  # unique_violation: another loader committed the same key first; run again
}

# The schema's version on a server (SQLite keeps it in PRAGMA user_version).
SCHEMA_META = MetaData()
SCHEMA_TABLE = Table(
    "registry_schema",
    SCHEMA_META,
    Column("id", Integer, primary_key=True),
    Column("version", Integer, nullable=False),
    Column("made_by", String(50), nullable=False),
)


class ReadOnlyAccount(KnownError):
    """The account on the server lacks the right for this (a reader loading, a loader
    registering keys, an account never granted anything)."""


class LoadCollided(Exception):
    """Another loader changed the same rows at the same moment: the whole upload is run again."""


def is_server_url(text: str | None) -> bool:
    """A PostgreSQL URL (the one server engine the registry is tested on)."""
    return str(text or "").startswith(("postgresql://", "postgresql+", "postgres://"))


def where(url: str) -> str:
    """The server and database of a URL, without the password, for a sentence."""
    from sqlalchemy.engine import make_url

    try:
        u = make_url(url)
    except Exception:
        return "the registry's server"
    return f"database {u.database or '?'} on {u.host or 'localhost'}:{u.port or 5432}"


def sqlstate(error: BaseException) -> str | None:
    orig = getattr(error, "orig", None)
    return getattr(orig, "sqlstate", None) or getattr(error, "sqlstate", None)


class ServerDatabase:
    """An open registry on a PostgreSQL server (``postgresql+psycopg://user@host/db``)."""

    read_only = False
    dialect = "postgresql"

    def __init__(self, url: str):
        self.url = url
        self._engine: Engine | None = None
        self._lock = threading.Lock()

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            with self._lock:
                if self._engine is None:
                    from sqlalchemy import create_engine
                    from sqlalchemy.exc import ArgumentError, NoSuchModuleError

                    url = self.url
                    if url.startswith("postgresql://") or url.startswith("postgres://"):
                        # psycopg 3, not the old psycopg2 SQLAlchemy would otherwise look for
                        url = "postgresql+psycopg://" + url.split("://", 1)[1]
                    try:
                        self._engine = create_engine(url, isolation_level="READ COMMITTED")
                    except (NoSuchModuleError, ModuleNotFoundError, ImportError):
                        raise KnownError(
                            _(
                                "This escape-desktop cannot reach PostgreSQL: install it with its "
                                "server part (pip install 'escape-desktop[postgresql]')."
                            )
                        ) from None
                    except (ArgumentError, ValueError):
                        raise KnownError(
                            _(
                                "That registry URL is not one; write it as "
                                "postgresql+psycopg://USER@HOST:PORT/DATABASE."
                            )
                        ) from None
        return self._engine

    def _explain(self, e: BaseException) -> BaseException | None:
        from sqlalchemy import exc

        code = sqlstate(e)
        if code == INSUFFICIENT_PRIVILEGE:
            return ReadOnlyAccount(
                _(
                    "The account in the registry URL is not allowed to do that in {where} (a "
                    "reader may report, export and list sites; loading takes a loader's "
                    "account, keys and grants the owner's); nothing was changed."
                ).format(where=where(self.url))
            )
        if code == UNDEFINED_OBJECT:
            return KnownError(
                _(
                    "A role named in the grant does not exist on the server; ask its "
                    "administrator to make it (CREATE ROLE name LOGIN PASSWORD '...'), then "
                    "grant again."
                )
            )
        if code in RETRYABLE:
            return LoadCollided(str(e))
        if isinstance(e, exc.OperationalError) and code is None:
            reason = str(getattr(e, "orig", e)).strip().splitlines()[0][:200]
            return KnownError(
                _(
                    "Cannot reach {where} ({reason}); check the registry URL and that the server "
                    "is running."
                ).format(where=where(self.url), reason=reason)
            )
        return None

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """One unit of work on the server: committed at the end, rolled back on any error."""
        from sqlalchemy import exc

        try:
            with Session(self.engine, expire_on_commit=False) as session, session.begin():
                yield session
        except exc.DBAPIError as e:
            known = self._explain(e)
            if known is not None:
                raise known from e
            raise

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A session for reading; nothing it does is committed."""
        from sqlalchemy import exc

        try:
            with Session(self.engine, expire_on_commit=False) as session:
                yield session  # closing ends the read transaction; loaded objects stay usable
        except exc.DBAPIError as e:
            known = self._explain(e)
            if known is not None:
                raise known from e
            raise

    def dispose(self) -> None:
        if self._engine is not None:
            self._engine.dispose()


def lock_site(session: Session, site_code: str) -> None:
    """Hold one site's loads apart until this transaction ends (PostgreSQL advisory lock):
    two loaders of the same site's uploads take turns; other sites' loads go on at once."""
    from sqlalchemy import text

    session.execute(
        text("SELECT pg_advisory_xact_lock(hashtext(:key))"),
        {"key": f"escape-registry:{site_code}"},
    )


def server_schema_version(db: ServerDatabase) -> int | None:
    """The registry schema's version on the server, None when there is no registry there yet."""
    from sqlalchemy import inspect, select

    try:
        with db.engine.connect() as con:
            if not inspect(con).has_table(SCHEMA_TABLE.name):
                return None
            return con.execute(select(SCHEMA_TABLE.c.version)).scalar()
    except Exception as e:
        known = db._explain(e)
        if known is not None:
            raise known from e
        raise


# Who may do what: the tables each role needs, as GRANT statements a DBA can read.
def role_grants(tables: list[str], *, reader: str | None, loader: str | None) -> list[str]:
    """The GRANTs that make ``reader`` able to report and export only, and ``loader`` able to
    load uploads too (registering site keys stays with the registry's owner)."""

    def quote(name: str) -> str:
        return '"' + name.replace('"', '""') + '"'

    every = ", ".join([*tables, SCHEMA_TABLE.name])
    sql: list[str] = []
    for role in (reader, loader):
        if role:
            sql += [
                f"GRANT USAGE ON SCHEMA public TO {quote(role)}",
                f"GRANT SELECT ON {every} TO {quote(role)}",
            ]
    if loader:
        loaded = ", ".join(t for t in tables if t != "site_keys")
        sql += [
            f"GRANT INSERT, UPDATE, DELETE ON {loaded} TO {quote(loader)}",
            f"GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO {quote(loader)}",
        ]
    return sql


def grant_roles(db: ServerDatabase, statements: list[str]) -> None:
    from sqlalchemy import text

    with db.transaction() as s:
        for statement in statements:
            s.execute(text(statement))


def current_user(session: Session) -> Any:
    from sqlalchemy import text

    return session.execute(text("SELECT current_user")).scalar()
