"""The registry's schema, managed by Alembic on SQLite and PostgreSQL alike.

Its migrations live in ``registry/migrations`` with a version table of their own
(``registry_alembic_version``), never mixed with an instructor's database's. Each revision is
one schema version, ``registry_vN``: a registry made before Alembic kept only its version (SQLite
``PRAGMA user_version``, the ``registry_schema`` table on a server), so it is stamped at that
version's revision and upgraded from there. A new registry gets the models' tables at once and
is stamped at the head (what every revision in turn would make, checked by a test), without
loading Alembic at all.

The callers (store.py) hold the write lock around all of this: SQLite's BEGIN IMMEDIATE, the
server's advisory lock; the integer version is still written for older apps, which refuse a
newer registry by it.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from .models import SCHEMA_VERSION, RegistryBase

if TYPE_CHECKING:
    from sqlalchemy import Connection

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
VERSION_TABLE = "registry_alembic_version"
HEAD = f"registry_v{SCHEMA_VERSION}"
KNOWN = frozenset(f"registry_v{n}" for n in range(1, SCHEMA_VERSION + 1))


def revision_of(version: int) -> str:
    """The Alembic revision of integer schema ``version`` (1 to SCHEMA_VERSION)."""
    return f"registry_v{version}"


def alembic_config(connection: Connection) -> Any:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["connection"] = connection
    return cfg


def stamped_revision(connection: Connection) -> str | None:
    """The revision the registry's version table holds; None when it has none."""
    from sqlalchemy import inspect, text

    if not inspect(connection).has_table(VERSION_TABLE):
        return None
    return connection.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).scalar()


def bring_up_to_date(connection: Connection, version: int) -> None:
    """The registry on ``connection`` (in a transaction, under the write lock) brought from
    schema ``version`` (0: nothing there yet) to this one's, in that transaction."""
    stamped = stamped_revision(connection)
    if version == 0 and stamped is None:
        # Versions 1 and 2 made a new SQLite registry's tables and then, in a statement of
        # its own, its number: one stopped in between left its tables at number 0. Their
        # columns say which version made them (stamping them HEAD would leave them as they
        # are, and every later command would end in "no such column").
        version = version_of_tables(connection)
        if version == 0:
            RegistryBase.metadata.create_all(connection)
            _stamp_new(connection)
            return
    if stamped is not None and stamped not in KNOWN:
        # A revision this app has no script for: a later escape-desktop's, whatever the older
        # number beside it says. Refused, untouched (Alembic would stop on it mid-way).
        from escape_desktop.db.errors import KnownError
        from escape_desktop.i18n import _

        raise KnownError(
            _("This registry was made by a newer escape-desktop; update the app to read it.")
        )
    from alembic import command

    cfg = alembic_config(connection)
    if stamped is None:  # made before Alembic: its version says where
        command.stamp(cfg, revision_of(version))
    command.upgrade(cfg, "head")


def version_of_tables(connection: Connection) -> int:
    """The schema version whose tables the registry on ``connection`` holds, by what each
    version added (0: no registry tables at all)."""
    from sqlalchemy import inspect

    have = inspect(connection)
    tables = set(have.get_table_names())
    if not tables & {"sites", "batches", "courses", "records"}:
        return 0

    def columns(table: str) -> set[str]:
        return {c["name"] for c in have.get_columns(table)} if table in tables else set()

    batches, records = columns("batches"), columns("records")
    if "site_keys" not in tables or "signed" not in batches:
        return 1
    if "loaded_by" not in batches:
        return 2
    if "delivery_mode" not in records:
        return 3
    if "follow_up_3m" not in records:
        return 4
    return SCHEMA_VERSION


def _stamp_new(connection: Connection) -> None:
    """The version table Alembic's stamp makes, holding HEAD, written without loading Alembic
    and its scripts: a new registry is the common case (every first load, every test), and
    Alembic's import and script reading cost more than the tables (docs/performance.md)."""
    from sqlalchemy import Column, MetaData, PrimaryKeyConstraint, String, Table, insert

    table = Table(
        VERSION_TABLE,
        MetaData(),
        Column("version_num", String(32), nullable=False),
        PrimaryKeyConstraint("version_num", name=f"{VERSION_TABLE}_pkc"),
    )
    table.create(connection)
    connection.execute(insert(table).values(version_num=HEAD))
