"""The one place a database connection is made: driver, pragmas, transactions, error mapping."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlcipher3.dbapi2 as sqlcipher
from sqlalchemy import Engine, create_engine, event, exc
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import NullPool, QueuePool

from .errors import DatabaseLocked, DiskFull, KnownError, NotADatabase

DB_FILENAME = "escape.db"
BUSY_TIMEOUT_MS = 5000
READ_OPTION = "escape_read_only_transaction"


def make_engine(path: Path, key: bytes | None = None, *, read_only: bool = False) -> Engine:
    """An engine on the SQLite file at ``path``, encrypted with the raw ``key`` when given.

    Uses the sqlcipher3 driver so every install runs the same modern SQLite, and
    SQLAlchemy's documented recipe so BEGIN is emitted by us, not guessed by the driver.
    """
    if read_only:
        target = path.resolve().as_uri() + "?mode=ro"

        def creator() -> Any:
            return sqlcipher.connect(target, uri=True, check_same_thread=False)
    else:

        def creator() -> Any:
            return sqlcipher.connect(str(path), check_same_thread=False)

    engine = create_engine(
        "sqlite://",
        module=sqlcipher,
        creator=creator,
        poolclass=NullPool if read_only else QueuePool,
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we emit BEGIN ourselves
        cur = dbapi_connection.cursor()
        try:
            if key is not None:
                cur.execute(f"PRAGMA key = \"x'{key.hex()}'\"")
            cur.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            cur.execute("PRAGMA foreign_keys = ON")
            cur.execute("PRAGMA secure_delete = ON")  # deleted rows are overwritten, not left
            if not read_only:
                cur.execute("PRAGMA journal_mode = WAL")
            cur.execute("PRAGMA synchronous = FULL")
        finally:
            cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # Writers take the write lock up front (no deadlock on upgrade); readers never do, so a
        # screen refreshing never waits behind a backup or blocks a save.
        reading = read_only or conn.get_execution_options().get(READ_OPTION, False)
        conn.exec_driver_sql("BEGIN" if reading else "BEGIN IMMEDIATE")

    return engine


def explain(error: BaseException) -> KnownError | None:
    """Turn a driver error caused by the environment into a KnownError with a plain sentence."""
    orig = getattr(error, "orig", error)
    text = str(orig).lower()
    if "database is locked" in text or "database is busy" in text:
        return DatabaseLocked(
            "The database is busy in another window or program; close it and try again."
        )
    if "disk is full" in text or "database or disk is full" in text:
        return DiskFull("The disk is full; free some space and try again. Nothing was saved.")
    if "file is not a database" in text or "file is encrypted" in text:
        return NotADatabase(
            "The data file could not be read: it is damaged, not a database, or the passphrase "
            "is wrong. Check the passphrase, or restore a backup."
        )
    if "database disk image is malformed" in text:
        return NotADatabase("The data file is damaged; restore the newest good backup.")
    if "readonly database" in text or "read-only" in text:
        return KnownError("The data file is open read-only; changes cannot be saved right now.")
    if "unable to open database" in text:
        return KnownError("The data file could not be opened; check the data folder exists.")
    return None


class Database:
    """An open database: the engine, a session factory, and one transaction helper."""

    def __init__(self, path: Path, key: bytes | None = None, *, read_only: bool = False):
        self.path = Path(path)
        self.key = key
        self.read_only = read_only
        self.engine = make_engine(self.path, key, read_only=read_only)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._read_sessions = sessionmaker(
            self.engine.execution_options(**{READ_OPTION: True}), expire_on_commit=False
        )

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """One unit of work: committed when the block ends, rolled back on any error."""
        try:
            with self._sessions() as session, session.begin():
                yield session
        except (exc.OperationalError, exc.DatabaseError, sqlite3.Error, sqlcipher.Error) as e:
            known = explain(e)
            if known is not None:
                raise known from e
            raise

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A session for reading; nothing it does is committed."""
        try:
            with self._read_sessions() as session:
                yield session  # closing ends the read transaction; loaded objects stay usable
        except (exc.OperationalError, exc.DatabaseError, sqlite3.Error, sqlcipher.Error) as e:
            known = explain(e)
            if known is not None:
                raise known from e
            raise

    def pragma(self, sql: str) -> list[tuple]:
        """Run a statement outside any transaction (checkpoints, VACUUM, rekeying)."""
        raw = self.engine.raw_connection()
        try:
            cur = raw.driver_connection.execute(sql)  # type: ignore[union-attr]
            rows = cur.fetchall()
            cur.close()
            return rows
        finally:
            raw.close()

    def checkpoint(self) -> None:
        """Fold the WAL back into the main file, so the file alone holds everything."""
        self.pragma("PRAGMA wal_checkpoint(TRUNCATE)")

    def dispose(self) -> None:
        self.engine.dispose()
