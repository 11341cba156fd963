"""Integrity checks: SQLite's own checks, foreign keys, and the schema version."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from escape_desktop.i18n import _, ngettext

from .engine import Database
from .errors import KnownError, NotADatabase, explain
from .schema_version import schema_state


def integrity_problems(
    db: Database, *, full: bool = True, disk_errors_raise: bool = False, plain: bool = False
) -> list[str]:
    """Plain sentences, one per problem; empty when the database is healthy.

    With ``disk_errors_raise``, a disk that is full, busy or failing raises its own sentence
    instead of counting as damage to the file. With ``plain``, the checks run on a driver
    connection (``Database.raw_read``), so the window's start-up check needs no SQLAlchemy.
    """
    problems: list[str] = []
    try:
        if plain:
            with db.raw_read() as raw:
                # The check reads every page once: a page cache of its own would only add to
                # the window's memory while it runs beside the start-up (issue 29).
                raw.execute("PRAGMA cache_size = 8")
                problems.extend(_pragma_problems(lambda sql: raw.execute(sql).fetchall(), full))
        else:
            from sqlalchemy import text  # here: importing this module must not pay for it

            with db.engine.connect() as conn:
                problems.extend(
                    _pragma_problems(lambda sql: list(conn.execute(text(sql)).all()), full)
                )
        state = schema_state(db)
        if state == "newer":
            problems.append(_("The data file was written by a newer version of escape-desktop."))
        elif state == "foreign":
            problems.append(_("The data file is a database, but not an escape-desktop one."))
        elif state == "empty":
            problems.append(_("The data file holds no escape-desktop data."))
    except KnownError as e:
        problems.append(str(e))
    except Exception as e:  # the driver's errors for a damaged or foreign file
        known = explain(e)
        if known is not None and disk_errors_raise and not isinstance(known, NotADatabase):
            raise known from e
        if known is not None:
            problems.append(str(known))
        elif _is_driver_error(e):  # any other complaint about the file itself is damage too
            problems.append(_("The data file is damaged; restore the newest good backup."))
        else:
            raise
    return problems


def _pragma_problems(execute: Callable[[str], list[Any]], full: bool) -> list[str]:
    """SQLite's own check (quick or full) and the foreign keys, through ``execute``."""
    problems: list[str] = []
    pragma = "integrity_check" if full else "quick_check"
    rows = [r[0] for r in execute(f"PRAGMA {pragma}")]
    if rows != ["ok"]:
        problems.extend(_("Damage found: {detail}").format(detail=r) for r in rows[:20])
    bad_refs = execute("PRAGMA foreign_key_check")
    if bad_refs:
        tables = sorted({r[0] for r in bad_refs})
        problems.append(
            ngettext(
                "{n} record points at something that no longer exists (in {tables}).",
                "{n} records point at something that no longer exists (in {tables}).",
                len(bad_refs),
            ).format(n=len(bad_refs), tables=", ".join(tables))
        )
    return problems


def _is_driver_error(error: BaseException) -> bool:
    import sqlite3

    import sqlcipher3.dbapi2 as sqlcipher

    orig = getattr(error, "orig", None) or error
    # Text in a damaged page can fail to decode before SQLite itself notices the damage.
    return isinstance(orig, (sqlite3.DatabaseError, sqlcipher.DatabaseError, UnicodeDecodeError))


def check_file(path: Path, folder: Path, passphrase: str | None) -> list[str]:
    """Open ``path`` read-only (unlocking it if encrypted) and check it."""
    from .keys import unlock

    try:
        key = unlock(folder, passphrase)
    except KnownError as e:
        return [str(e)]
    from .checksums import content_problems

    db = Database(path, key, read_only=True)
    try:
        problems = integrity_problems(db)
    finally:
        db.dispose()
    return problems or content_problems(path, key)


def write_guard_problems(db: Database) -> list[str]:
    """What stops a command writing: SQLite's quick check, foreign keys, schema, and the
    content checksums of plain data; empty when the data may be changed."""
    from .checksums import content_problems

    # A full disk is not damage: "the data file is damaged, restore a backup" sent the
    # instructor to replace good data, when freeing some space was all it needed.
    return integrity_problems(db, full=False, disk_errors_raise=True) or content_problems(
        db.path, db.key
    )


def file_problems(path: Path, key: bytes | None) -> list[str]:
    """Problems found in the database file at ``path``, opened read-only with ``key``."""
    if not Path(path).is_file():
        return [_("The file {name} is missing.").format(name=Path(path).name)]
    copy = Database(Path(path), key, read_only=True)
    try:
        return integrity_problems(copy, full=True)
    finally:
        copy.dispose()
