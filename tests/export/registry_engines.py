"""Every registry test runs twice: on the SQLite file (the default) and on a PostgreSQL server.

Import ``registry_engine`` (autouse, parametrised) and ``pg_server`` into a test module, and
pass every ``registry`` command line through ``on_engine``. The PostgreSQL run gives each
registry folder a test names its own new server database and adds ``--url`` for it, so the
very same commands run against the server. Without a server the PostgreSQL runs skip
saying why; with ESCAPE_DESKTOP_TEST_POSTGRES=required (CI) they fail instead.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from pg_server import NoServer, Server, required

from escape_desktop.registry.store import DB_NAME, REGISTRY_URL_ENV

ENGINES = ["sqlite", "postgresql"]


@dataclass
class Engine:
    name: str
    server: Server | None = None
    urls: dict[Path, str] = field(default_factory=dict)  # registry folder -> its database

    def url_for(self, folder: Path | str) -> str | None:
        """The server database standing for registry ``folder``; None on SQLite."""
        if self.server is None:
            return None
        key = Path(folder).resolve()
        if key not in self.urls:
            self.urls[key] = self.server.new_database()
        return self.urls[key]


CURRENT: list[Engine] = [Engine("sqlite")]


def on_engine(args: list[str]) -> list[str]:
    """A command line for the engine under test: ``registry ... --data-dir F`` gets F's --url."""
    engine = CURRENT[-1]
    if engine.server is None or not args or args[0] != "registry" or "--data-dir" not in args:
        return args
    folder = args[args.index("--data-dir") + 1]
    return [*args, "--url", engine.url_for(folder) or ""]


@pytest.fixture(scope="session")
def pg_server() -> Iterator[Server]:
    server = Server()
    try:
        server.start()
    except NoServer as e:
        if required():
            pytest.fail(f"PostgreSQL is required here (CI) but cannot be started: {e}")
        pytest.skip(f"no PostgreSQL server: {e}")
    yield server
    server.stop()


@pytest.fixture(params=ENGINES, autouse=True)
def registry_engine(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Engine]:
    monkeypatch.delenv(REGISTRY_URL_ENV, raising=False)
    if request.param == "sqlite":
        engine = Engine("sqlite")
    else:
        marker = request.node.get_closest_marker("sqlite_only")
        if marker:
            pytest.skip(marker.args[0])
        engine = Engine("postgresql", request.getfixturevalue("pg_server"))
    CURRENT.append(engine)
    try:
        yield engine
    finally:
        CURRENT.remove(engine)
        if engine.server is not None:
            for url in engine.urls.values():
                engine.server.drop_database(url)


def _engine_for(folder: Path):  # type: ignore[no-untyped-def]
    from sqlalchemy import create_engine
    from sqlalchemy.pool import NullPool

    url = CURRENT[-1].url_for(folder)
    return create_engine(url or f"sqlite:///{Path(folder) / DB_NAME}", poolclass=NullPool)


def registry_sql(folder: Path, sql: str, **params: object) -> list[tuple]:
    """Rows of ``sql`` (named :params) read straight from whichever registry the test uses."""
    from sqlalchemy import text

    engine = _engine_for(folder)
    try:
        with engine.connect() as con:
            return [tuple(r) for r in con.execute(text(sql), params)]
    finally:
        engine.dispose()


def as_before_version_5(con) -> None:  # type: ignore[no-untyped-def]
    """Undo, on a connection to a registry made now, what version 5 and Alembic added (the
    cells' columns and the registry's Alembic version table), so a test can turn it back
    into what an earlier version made: those kept no Alembic revision, only their number."""
    from sqlalchemy import text

    from escape_desktop.registry.load import CELL_COLUMNS
    from escape_desktop.registry.migrate import VERSION_TABLE

    con.execute(text(f"DROP TABLE {VERSION_TABLE}"))
    for column in (*CELL_COLUMNS, "changes_left_out"):
        con.execute(text(f"ALTER TABLE records DROP COLUMN {column}"))
