"""The one place a database connection is made: driver, pragmas, transactions, error mapping.

SQLAlchemy is imported only when the engine is first used: the window's first screen reads
through ``Database.raw_read()`` (the DB-API driver, configured by the same ``connect()``), so
it paints before SQLAlchemy's import cost is paid.
"""

from __future__ import annotations

import sqlite3
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlcipher3.dbapi2 as sqlcipher

from escape_desktop.i18n import _

from .errors import DiskFull, KnownError, WritesStopped, explain
from .files import folder_is_writable, sqlite_uri

__all__ = ["DB_FILENAME", "Database", "configure", "connect", "explain", "make_engine"]

if TYPE_CHECKING:
    from sqlalchemy import Engine
    from sqlalchemy.orm import Session

DB_FILENAME = "escape.db"
BUSY_TIMEOUT_MS = 5000
READ_OPTION = "escape_read_only_transaction"


def configure(dbapi_connection: Any, key: bytes | None, *, read_only: bool = False) -> None:
    """Key and pragmas for a new driver connection: every connection, raw or pooled, gets these."""
    dbapi_connection.isolation_level = None  # we emit BEGIN ourselves
    cur = dbapi_connection.cursor()
    try:
        # SQLCipher otherwise writes its own "ERROR CORE ... hmac check failed" lines to stderr
        # when a file is not readable with the key; the caller explains that in one sentence.
        cur.execute("PRAGMA cipher_log_level = NONE")
        if key is not None:
            cur.execute(f"PRAGMA key = \"x'{key.hex()}'\"")
        cur.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        cur.execute("PRAGMA foreign_keys = ON")
        cur.execute("PRAGMA secure_delete = ON")  # deleted rows are overwritten, not left
        if not read_only:
            cur.execute("PRAGMA journal_mode = WAL")
        cur.execute("PRAGMA synchronous = FULL")
        if sys.platform == "darwin":
            # macOS fsync stops at the drive's cache; F_FULLFSYNC reaches the disk, so a flat
            # battery cannot lose what was saved.
            cur.execute("PRAGMA fullfsync = ON")
            cur.execute("PRAGMA checkpoint_fullfsync = ON")
    finally:
        cur.close()


def open_connection(path: Path, *, read_only: bool = False, key: bytes | None = None) -> Any:
    """A bare driver connection on ``path`` (read-only through a URI), not yet configured.

    ``key`` is needed read-only only to roll back a hot journal first (see below)."""
    if read_only:
        # Not Path.as_uri(): it writes a network share as file://server/..., which SQLite refuses.
        path = Path(path).resolve()
        roll_back_hot_journal(path, key)
        target = sqlite_uri(path, _read_only_query(path))
        return sqlcipher.connect(target, uri=True, check_same_thread=False)
    return sqlcipher.connect(str(path), check_same_thread=False)


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def roll_back_hot_journal(path: Path, key: bytes | None) -> None:
    """A write killed half-way in rollback-journal mode (re-key and encrypt write their new
    file so, before it is switched to WAL) leaves a hot ``-journal``: a read-only connection
    cannot roll it back and is refused as "readonly". One read-write connection rolls it back
    (SQLite does that on its first read), leaving the data as it was before that write.
    Nothing is done where the folder cannot be written to (read-only media: refused in
    ``_read_only_query`` with what to do)."""
    if _size(Path(str(path) + "-journal")) == 0 or not folder_is_writable(path.parent):
        return
    conn = sqlcipher.connect(str(path), check_same_thread=False)
    try:
        conn.execute("PRAGMA cipher_log_level = NONE")
        if key is not None:
            conn.execute(f"PRAGMA key = \"x'{key.hex()}'\"")
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        conn.execute("SELECT count(*) FROM sqlite_master").fetchall()
    except (sqlite3.Error, sqlcipher.Error):
        pass  # a wrong key or a damaged file: the read-only open says so in its own words
    finally:
        conn.close()


def _read_only_query(path: Path) -> str:
    """How to open ``path`` read-only. On read-only media SQLite can make no -shm (nor take a
    lock) beside a WAL file, so the file is read as it stands: immutable, no locks, nothing
    written next to it. Not when a -wal holds changes not yet folded in (the data was not
    closed properly): immutable would silently leave them out, so it is read through the
    -wal and -shm found there, or refused in one sentence when the -shm is missing."""
    if folder_is_writable(path.parent):
        return "mode=ro"
    if _size(Path(str(path) + "-journal")) > 0:
        # A write killed half-way, its journal not rolled back (that needs a writable
        # folder): read as it stands, the file would hold half of that write.
        raise KnownError(
            _(
                "The data in {parent} was not closed properly and cannot be put right on a "
                "read-only disk; copy the whole folder to this laptop and open the copy."
            ).format(parent=path.parent)
        )
    pending = _size(Path(str(path) + "-wal")) > 0
    if not pending:
        return "mode=ro&immutable=1"
    if Path(str(path) + "-shm").is_file():
        return "mode=ro"
    raise KnownError(
        _(
            "The data in {parent} was not closed properly and its latest changes cannot be "
            "read from a read-only disk; copy the whole folder to this laptop and open the "
            "copy."
        ).format(parent=path.parent)
    )


def connect(path: Path, key: bytes | None = None, *, read_only: bool = False) -> Any:
    """A configured DB-API connection (autocommit: the caller emits BEGIN)."""
    conn = open_connection(path, read_only=read_only, key=key)
    try:
        configure(conn, key, read_only=read_only)
    except BaseException:
        conn.close()
        raise
    return conn


@contextmanager
def writers_held_off(
    path: Path, key: bytes | None, *, best_effort: bool = False
) -> Iterator[Callable[[], None]]:
    """Hold the file's write lock on a connection of our own while it is copied and replaced,
    so no other connection, in this process or another (a second command), commits to it:
    a write already under way lands first (and in the copy), a later one waits and is refused
    as "locked", or finds the file replaced and is refused by ``check_writable``. Yields
    ``let_go()``: Windows will not rename over a file we hold, so the swap lets go first there;
    elsewhere the lock is kept until the new file is in place.

    ``best_effort`` (a restore over missing or damaged data): no file, or one that cannot be
    locked, is not held (nothing can be saved into it anyway).
    """
    if best_effort and not Path(path).is_file():
        yield lambda: None
        return
    conn = connect(path, key)
    try:
        conn.execute("BEGIN IMMEDIATE")
    except BaseException as e:
        conn.close()
        if best_effort and isinstance(e, (sqlite3.Error, sqlcipher.Error)):
            yield lambda: None
            return
        raise
    held = [True]

    def let_go() -> None:
        if held[0]:
            held[0] = False
            try:
                conn.rollback()
            finally:
                conn.close()

    try:
        yield let_go
    finally:
        let_go()


def let_go_before_rename(let_go: Callable[[], None] | None) -> None:
    """Windows refuses to rename over a file any handle holds, our own included."""
    if let_go is not None and sys.platform == "win32":
        let_go()


def make_engine(path: Path, key: bytes | None = None, *, read_only: bool = False) -> Engine:
    """An engine on the SQLite file at ``path``, encrypted with the raw ``key`` when given.

    Uses the sqlcipher3 driver so every install runs the same modern SQLite, and
    SQLAlchemy's documented recipe so BEGIN is emitted by us, not guessed by the driver.
    """
    from sqlalchemy import create_engine, event
    from sqlalchemy.pool import NullPool, QueuePool

    def creator() -> Any:
        return open_connection(path, read_only=read_only, key=key)

    engine = create_engine(
        "sqlite://",
        module=sqlcipher,
        creator=creator,
        poolclass=NullPool if read_only else QueuePool,
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        configure(dbapi_connection, key, read_only=read_only)

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # Writers take the write lock up front (no deadlock on upgrade); readers never do, so a
        # screen refreshing never waits behind a backup or blocks a save.
        reading = read_only or conn.get_execution_options().get(READ_OPTION, False)
        conn.exec_driver_sql("BEGIN" if reading else "BEGIN IMMEDIATE")

    return engine


def _identity(path: Path) -> tuple[int, int] | None:
    """The file's device and inode (the file index on Windows): a rename-in changes them."""
    try:
        st = path.stat()
    except OSError:
        return None
    return (st.st_dev, st.st_ino)


def _driver_errors() -> tuple[type[BaseException], ...]:
    from sqlalchemy import exc

    return (exc.OperationalError, exc.DatabaseError, sqlite3.Error, sqlcipher.Error)


class Database:
    """An open database: the engine, a session factory, and one transaction helper.

    The engine (and with it SQLAlchemy) is made on first use; ``raw_read()`` does not need it.
    """

    def __init__(self, path: Path, key: bytes | None = None, *, read_only: bool = False):
        self.path = Path(path)
        self.key = key
        self.read_only = read_only
        self._engine: Engine | None = None
        self._lock = threading.Lock()  # the GUI thread and a worker may both reach for it
        # Which file this is: restore and encrypt put a new file in place by renaming, and a
        # connection still open on the old one would write where nobody will ever read.
        self._identity = _identity(self.path)
        self.stopped: str | None = None  # why writing stopped (file replaced, disk full)
        self.wrote = False  # a write was committed through this object (checksums then renew)
        # Exclusive mode (the file is being replaced): new writes are refused with ``busy``,
        # and the replacing begins only once the writes already under way have committed.
        self._gate = threading.Condition()
        self._writing = 0
        self.busy: str | None = None
        self._busy_thread: int | None = None

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            with self._lock:
                if self._engine is None:
                    from sqlalchemy.orm import sessionmaker

                    engine = make_engine(self.path, self.key, read_only=self.read_only)
                    self._sessions = sessionmaker(engine, expire_on_commit=False)
                    self._read_sessions = sessionmaker(
                        engine.execution_options(**{READ_OPTION: True}), expire_on_commit=False
                    )
                    self._engine = engine
        return self._engine

    @contextmanager
    def raw_read(self) -> Iterator[Any]:
        """A configured DB-API connection in a read transaction, closed afterwards.

        For the few reads that must not wait for SQLAlchemy (the window's first screen);
        the same key and pragmas as the engine's connections.
        """
        try:
            conn = connect(self.path, self.key, read_only=self.read_only)
        except (sqlite3.Error, sqlcipher.Error) as e:
            known = explain(e)
            if known is not None:
                raise known from e
            raise
        try:
            conn.execute("BEGIN")
            yield conn
        except (sqlite3.Error, sqlcipher.Error) as e:
            known = explain(e)
            if known is not None:
                raise known from e
            raise
        finally:
            try:
                conn.rollback()
            finally:
                conn.close()

    def stop_writing(self, reason: str) -> None:
        """Refuse every later write with ``reason`` (reads go on): the window is read-only."""
        if self.stopped is None:
            self.stopped = reason

    @contextmanager
    def exclusive(self, sentence: str, *, wait: float = 60.0) -> Iterator[None]:
        """Refuse every new write with ``sentence`` while the block runs (it replaces the file).

        Writes already under way finish first (their commit lands in the file the block
        copies); the block's own thread may still write. Raises WritesStopped when another
        exclusive action is running or the writes under way do not finish within ``wait``.
        """
        with self._gate:
            if self.busy is not None:
                raise WritesStopped(self.busy)
            self.busy = sentence
            self._busy_thread = threading.get_ident()
            if not self._gate.wait_for(lambda: self._writing == 0, wait):
                self.busy = self._busy_thread = None
                raise WritesStopped(
                    _(
                        "A change is still being saved; wait a moment, then try again. "
                        "Nothing was changed."
                    )
                )
        try:
            yield
        finally:
            with self._gate:
                self.busy = self._busy_thread = None

    def _enter_write(self) -> None:
        with self._gate:
            if self.busy is not None and self._busy_thread != threading.get_ident():
                raise WritesStopped(self.busy)
            self._writing += 1

    def _leave_write(self) -> None:
        with self._gate:
            self._writing -= 1
            self._gate.notify_all()

    def file_replaced(self) -> bool:
        """True when another file now stands at this database's path (renamed in)."""
        return self._identity is not None and _identity(self.path) != self._identity

    def check_writable(self) -> None:
        """Raise WritesStopped when writing has stopped or the file was replaced under us."""
        if self.stopped is not None:
            raise WritesStopped(self.stopped)
        now = _identity(self.path)
        if self._identity is None:
            self._identity = now  # a new database: its file is made by the first connection
        elif now != self._identity:
            busy = self.busy
            if busy is not None:
                # Our own restore or encryption is putting the file in place: its sentence
                # (wait, then try again) is the true one, and it retires this object itself.
                raise WritesStopped(busy)
            reason = _(
                "The data file in {folder} was replaced by another program (a restore or "
                "encryption), so this change was not saved and nothing more will be; close the "
                "app and open it again."
            ).format(folder=self.path.parent)
            self.stop_writing(reason)
            raise WritesStopped(reason)

    def _room_to_write(self) -> int:
        """Room to ask for when the disk fills: the WAL may grow by a tenth of the data, and a
        backup on closing needs a copy of it; never less than 16 MB."""
        try:
            size = self.path.stat().st_size
        except OSError:
            size = 0
        return max(16 * 1024 * 1024, size + size // 10)

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """One unit of work: committed when the block ends, rolled back on any error.

        Refused (WritesStopped) when the file was replaced under this connection, checked
        before the work and again just before the commit; a full disk stops later writes.
        """
        self.engine  # noqa: B018 (makes the session factories)
        self._enter_write()
        try:
            self.check_writable()
            with self._sessions() as session, session.begin():
                yield session
                self.check_writable()  # raising here rolls the work back
        except _driver_errors() as e:
            if self.file_replaced():  # replaced between the check and the connection: not damage
                self.check_writable()
            known = explain(e, folder=self.path.parent, needed=self._room_to_write())
            if isinstance(known, DiskFull):
                self.stop_writing(
                    _("{problem} The app is read-only until it is closed and opened again.").format(
                        problem=known
                    )
                )
                raise WritesStopped(self.stopped or str(known)) from e
            if known is not None:
                raise known from e
            raise
        finally:
            self._leave_write()
        self.wrote = True
        if self._identity is None:
            self._identity = _identity(self.path)

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A session for reading; nothing it does is committed."""
        self.engine  # noqa: B018 (makes the session factories)
        try:
            with self._read_sessions() as session:
                yield session  # closing ends the read transaction; loaded objects stay usable
        except _driver_errors() as e:
            # A read through this object while its file is being replaced, or after (re-key,
            # encrypt, restore), meets a file under another key: not damage. Say what happened.
            if self.stopped is not None or self.busy is not None or self.file_replaced():
                try:
                    self.check_writable()
                except WritesStopped as stopped:
                    raise stopped from e
                raise WritesStopped(self.stopped or self.busy or str(e)) from e
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
        if self._engine is not None:
            self._engine.dispose()
