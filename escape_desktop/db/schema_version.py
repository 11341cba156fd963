"""The schema versions this code knows, and the state of a database, read with plain SQL.

Imports nothing heavy (no SQLAlchemy, no Alembic), so start-up can tell "current" from
"behind", "newer" or "foreign" before the first paint. db/migrate.py re-exports these and
does the upgrading.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .engine import Database

# Every revision in db/migrations/versions, oldest first. tests/db/test_migrations.py keeps this
# in step with Alembic's own view of the scripts.
KNOWN_REVISIONS: tuple[str, ...] = (
    "0001_baseline",
    "0002_consent_screening",
    "0003_course_uid",
    "0004_course_closed",
    "0005_referral_code",
    "0006_joined_session",
    "0007_follow_up",
    "0008_delivery_mode",
    "0009_participant_language",
    "0010_follow_up_home",
    "0011_measure_taken",
    "0012_equality",
)
HEAD = KNOWN_REVISIONS[-1]


def revision_of(conn: Any) -> str | None:
    """The Alembic revision stamped in the database (a DB-API connection), or None."""
    has_table = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type='table' AND name='alembic_version'"
    ).fetchone()
    if not has_table:
        return None
    row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    return row[0] if row else None


def has_user_tables(conn: Any) -> bool:
    row = conn.execute(
        "SELECT count(*) FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'"
    ).fetchone()
    return bool(row and row[0])


def state_of(conn: Any) -> str:
    """'current', 'empty', 'behind', 'newer' or 'foreign' (tables, but not ours)."""
    rev = revision_of(conn)
    if rev is None:
        return "empty" if not has_user_tables(conn) else "foreign"
    if rev == HEAD:
        return "current"
    if rev in KNOWN_REVISIONS:
        return "behind"
    return "newer"


def schema_state(db: Database) -> str:
    """The state of ``db``, read with plain SQL on a driver connection:
    answering "current" never imports SQLAlchemy."""
    with db.raw_read() as conn:
        return state_of(conn)
