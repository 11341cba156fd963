"""The registry's schema is Alembic's, on SQLite and PostgreSQL alike (issue 30 item 1).

A registry made by an earlier version (schema 1 to 4: its tables made by that version's own
DDL, ``registry_old/``, with its number in PRAGMA user_version or the server's
``registry_schema``) is upgraded in place at its first open and reports what a registry made
new from the same uploads reports; the cells version 5 files in columns are those each kept
row holds; the migrations make what the models say (Alembic's compare_metadata finds nothing),
and loaders opening an old registry at once take turns; a reader's account is told, in one
sentence, to have the owner bring it up to date.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from registry_engines import (  # noqa: F401
    CURRENT,
    _engine_for,
    pg_server,
    registry_engine,
    registry_sql,
)
from test_registry import cli, uploads  # noqa: F401

from escape_desktop.registry.load import CELL_COLUMNS
from escape_desktop.registry.models import SCHEMA_VERSION

OLD = Path(__file__).resolve().parent / "registry_old"
TABLES = ("sites", "batches", "site_keys", "courses", "records")
CELLS = "SELECT site_code, course_code, participant_code, {} FROM records".format(
    ", ".join((*CELL_COLUMNS, "changes_left_out", "delivery_mode"))
)


def _report(capsys, folder) -> tuple:  # type: ignore[no-untyped-def]
    """The report's figures table as ``registry report --json-file`` writes it (the first
    open of an old registry upgrades it), and everything the PDF shows (report.ReportData)."""
    from escape_desktop.library import load_library
    from escape_desktop.registry.report import gather_report
    from escape_desktop.registry.store import open_registry_at

    out = folder.parent / f"{folder.name}-figures.json"
    code, _, err = cli(
        capsys, "registry", "report", "--json-file", str(out), "--force", "--data-dir", str(folder)
    )
    assert code == 0, err
    db = open_registry_at(folder, CURRENT[-1].url_for(folder), create=False)
    try:
        data = gather_report(db, load_library())
    finally:
        db.dispose()
    return json.loads(out.read_text(encoding="utf-8")), data


def _statements(version: int, engine: str) -> list[str]:
    text = (OLD / f"v{version}.{engine}.sql").read_text(encoding="utf-8")
    body = "\n".join(line for line in text.splitlines() if not line.startswith("--"))
    return [s.strip() for s in body.split(";") if s.strip()]


def _made_by_version(folder: Path, version: int, engine_name: str, source: Path) -> None:
    """A registry in ``folder`` as schema ``version`` made it: its tables by that version's
    DDL, holding the rows of registry ``source`` in the columns that version had."""
    from sqlalchemy import inspect, text

    folder.mkdir(parents=True, exist_ok=True)
    engine, src = _engine_for(folder), _engine_for(source)
    try:
        with engine.begin() as con, src.connect() as read:
            for statement in _statements(version, engine_name):
                con.exec_driver_sql(statement)
            quote = con.dialect.identifier_preparer.quote
            have = inspect(con)
            for table in TABLES:
                if not have.has_table(table):
                    continue
                kinds = {c["name"]: str(c["type"]).upper() for c in have.get_columns(table)}
                names = ", ".join(quote(c) for c in kinds)
                picked = ", ".join(
                    f"CAST({quote(c)} AS TEXT) AS {quote(c)}"
                    if kinds[c] in ("TEXT", "JSONB")
                    else quote(c)
                    for c in kinds
                )
                values = ", ".join(
                    f"CAST(:{c} AS jsonb)" if kinds[c] == "JSONB" else f":{c}" for c in kinds
                )
                rows = [
                    dict(r._mapping) for r in read.execute(text(f"SELECT {picked} FROM {table}"))
                ]
                if rows:
                    con.execute(text(f"INSERT INTO {table} ({names}) VALUES ({values})"), rows)
            if engine_name == "postgresql":
                for table in ("batches", "records"):  # the next id after the rows copied
                    con.execute(
                        text(
                            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                            f"(SELECT max(id) FROM {table}))"
                        )
                    )
                con.execute(
                    text("INSERT INTO registry_schema (version, made_by) VALUES (:v, 'old')"),
                    {"v": version},
                )
            else:
                con.exec_driver_sql(f"PRAGMA user_version = {version}")
    finally:
        engine.dispose()
        src.dispose()


def _version_of(folder: Path, engine_name: str) -> int:
    if engine_name == "postgresql":
        return registry_sql(folder, "SELECT version FROM registry_schema")[0][0]
    return registry_sql(folder, "PRAGMA user_version")[0][0]


def _differences(folder: Path, metadata=None) -> list:  # type: ignore[no-untyped-def]
    """What Alembic's autogenerate finds between the registry in ``folder`` and the models."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from escape_desktop.registry.migrate import VERSION_TABLE
    from escape_desktop.registry.models import RegistryBase

    engine = _engine_for(folder)
    try:
        with engine.connect() as con:
            context = MigrationContext.configure(
                con,
                opts={
                    "compare_type": True,
                    "version_table": VERSION_TABLE,
                    # The server's integer version for older apps: not one of the models.
                    "include_object": lambda obj, name, kind, reflected, other: (
                        name != "registry_schema"
                    ),
                },
            )
            return compare_metadata(context, metadata or RegistryBase.metadata)
    finally:
        engine.dispose()


# Engine -> the registry made now from the demo uploads (its folder, its server database) and
# its report: made once a module, since the tests only read it.
_MADE: dict[str, tuple[Path, str | None, tuple]] = {}


@pytest.fixture
def fresh(uploads, registry_engine, tmp_path_factory, capsys):  # type: ignore[no-untyped-def]  # noqa: F811
    """A registry made now from the demo uploads, and its report."""
    if registry_engine.name not in _MADE:
        folder = (tmp_path_factory.mktemp("fresh") / "registry").resolve()
        code, _, err = cli(
            capsys, "registry", "add", "--data-dir", str(folder), *map(str, uploads.values())
        )
        assert code == 0, err
        figures = _report(capsys, folder)
        # Not dropped with this test's databases: the module's next tests read it too.
        _MADE[registry_engine.name] = (folder, registry_engine.urls.pop(folder, None), figures)
    folder, url, figures = _MADE[registry_engine.name]
    if url is not None:
        registry_engine.urls[folder] = url
    yield folder, figures
    registry_engine.urls.pop(folder, None)


def test_a_registry_of_each_earlier_version_is_upgraded_in_place_and_reports_the_same(
    fresh,
    registry_engine,  # noqa: F811
    tmp_path,
    capsys,
):
    source, figures = fresh
    assert figures[0]["rows"] and figures[1].overall.follow_up  # figures to compare
    made_now = sorted(registry_sql(source, CELLS), key=str)
    for version in range(1, SCHEMA_VERSION):
        old = tmp_path / f"v{version}"
        _made_by_version(old, version, registry_engine.name, source)
        assert _version_of(old, registry_engine.name) == version
        assert _report(capsys, old) == figures  # the first open upgrades it
        assert _version_of(old, registry_engine.name) == SCHEMA_VERSION
        assert sorted(registry_sql(old, CELLS), key=str) == made_now
        assert _differences(old) == []  # the models' schema, as a new registry has it
    # Opened again, it is as it was left (no second upgrade).
    assert _report(capsys, old) == figures


@pytest.mark.sqlite_only("versions 1 and 2 numbered a new SQLite registry after its tables")
def test_tables_an_early_version_made_but_never_numbered_are_upgraded_from_that_version(
    fresh,
    registry_engine,  # noqa: F811
    tmp_path,
    capsys,
):
    """Versions 1 and 2 made a new registry's tables and then, in a statement of its own,
    set its number: a loader killed in between left an early schema at number 0. It is
    upgraded from the version its tables are, not stamped as new (then every command ended
    in "no such column")."""
    source, figures = fresh
    for version in (1, 2):
        old = tmp_path / f"v{version}"
        _made_by_version(old, version, registry_engine.name, source)
        with sqlite3.connect(old / "registry.db") as con:
            con.execute("PRAGMA user_version = 0")
        assert _report(capsys, old) == figures
        assert _version_of(old, registry_engine.name) == SCHEMA_VERSION
        assert _differences(old) == []


def test_the_migrations_and_the_models_agree_and_a_column_without_a_migration_is_found(
    registry_engine,  # noqa: F811
    tmp_path,
):
    """Every revision run on an empty database (not the models' create_all a new registry
    takes) makes exactly the models' tables; a column added to a model alone is a difference."""
    from alembic import command
    from sqlalchemy import Column, MetaData, Text

    from escape_desktop.registry.migrate import alembic_config
    from escape_desktop.registry.models import RegistryBase

    folder = tmp_path / "empty"
    folder.mkdir()
    engine = _engine_for(folder)
    try:
        with engine.begin() as con:
            command.upgrade(alembic_config(con), "head")
    finally:
        engine.dispose()
    assert _differences(folder) == []
    # A new registry (the models' tables at once) is stamped at the head, where Alembic reads it.
    from alembic.migration import MigrationContext

    from escape_desktop.registry.migrate import HEAD, VERSION_TABLE
    from escape_desktop.registry.store import open_registry_at

    made = tmp_path / "made"
    open_registry_at(made, registry_engine.url_for(made)).dispose()
    engine = _engine_for(made)
    try:
        with engine.connect() as con:
            context = MigrationContext.configure(con, opts={"version_table": VERSION_TABLE})
            assert context.get_current_revision() == HEAD
    finally:
        engine.dispose()
    assert _differences(made) == []
    more = MetaData()
    for table in RegistryBase.metadata.sorted_tables:
        table.to_metadata(more)
    more.tables["records"].append_column(Column("added_without_a_migration", Text))
    found = _differences(folder, more)
    assert [d[0] for d in found] == ["add_column"] and found[0][
        3
    ].name == "added_without_a_migration"


def test_the_cells_filed_by_the_upgrade_are_those_each_kept_row_holds(
    fresh,
    registry_engine,  # noqa: F811
    tmp_path,
):
    """Rows with answers the demo does not give (equality codes, a change left out over
    video), turned into a version 4 registry: each upgraded record's cells are its row's."""
    from sqlalchemy import text

    source, _figures = fresh
    old = tmp_path / "v4"
    _made_by_version(old, 4, registry_engine.name, source)
    engine = _engine_for(old)
    answers = [
        {"ethnic_category": "A", "stated_sex": "2", "gender_identity": "1"},
        {"chair_stand_change_counted": "0", "follow_up_3m": "done", "ethnic_category": "99"},
        {"chair_stand_change_counted": "1", "stated_sex": ""},
    ]
    try:
        with engine.begin() as con:
            rows = con.execute(text("SELECT id, row FROM records ORDER BY id LIMIT 30")).all()
            for i, (rid, row) in enumerate(rows):
                cells = {**json.loads(row), **answers[i % len(answers)]}
                if i % 5 == 4:  # a file made before the equality columns: none of them
                    cells = {k: v for k, v in cells.items() if k not in CELL_COLUMNS[2:]}
                con.execute(
                    text("UPDATE records SET row = :row WHERE id = :id"),
                    {"row": json.dumps(cells), "id": rid},
                )
    finally:
        engine.dispose()
    from escape_desktop.registry.store import open_registry_at

    open_registry_at(old, registry_engine.url_for(old), create=False).dispose()
    seen = set()
    for row, *cells, left_out in registry_sql(
        old, f"SELECT row, {', '.join(CELL_COLUMNS)}, changes_left_out FROM records"
    ):
        kept = json.loads(row)
        assert cells == [kept.get(c) for c in CELL_COLUMNS]
        no = kept.get("chair_stand_change_counted") == "0"
        assert left_out == (",chair_stand_30s," if no else None)
        seen.add((no, kept.get("ethnic_category")))
    assert {(True, "99"), (False, "A"), (False, None)} <= seen  # the answers were there to file


@pytest.mark.skipif(
    sys.platform == "win32", reason="SIGKILL is POSIX (a Windows kill is TerminateProcess)"
)
def test_a_loader_killed_mid_upgrade_leaves_the_registry_old_and_whole(
    fresh,
    registry_engine,  # noqa: F811
    tmp_path,
):
    """A process killed (SIGKILL: no clean-up at all) in the middle of version 5's upgrade,
    its columns added and the revision stamped but the cells not yet filed, leaves the
    registry as version 4 left it: the next open upgrades it and reports the same."""
    import signal

    source, figures = fresh
    old = tmp_path / "v4"
    _made_by_version(old, 4, registry_engine.name, source)
    url = registry_engine.url_for(old)
    killer = (
        "import os, signal, sys\n"
        "from pathlib import Path\n"
        "from alembic.operations import Operations\n"
        "from escape_desktop.registry.store import open_registry_at\n"
        "plain = Operations.execute\n"
        "def execute(self, sql, *a, **k):\n"
        "    if str(sql).startswith('UPDATE records SET'):\n"  # version 5's filing
        "        os.kill(os.getpid(), signal.SIGKILL)\n"
        "    return plain(self, sql, *a, **k)\n"
        "Operations.execute = execute\n"
        "open_registry_at(Path(sys.argv[1]), sys.argv[2] or None, create=False)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", killer, str(old), url or ""], capture_output=True, timeout=120
    )
    assert done.returncode == -signal.SIGKILL, done.stderr.decode()
    assert _version_of(old, registry_engine.name) == 4
    assert "follow_up_3m" not in {c for (c,) in _columns_of_records(old, registry_engine.name)}
    from escape_desktop.registry.store import open_registry_at

    open_registry_at(old, url, create=False).dispose()
    assert _version_of(old, registry_engine.name) == SCHEMA_VERSION
    assert sorted(registry_sql(old, CELLS), key=str) == sorted(registry_sql(source, CELLS), key=str)
    assert _differences(old) == []


def _columns_of_records(folder: Path, engine_name: str) -> list[tuple]:
    if engine_name == "postgresql":
        return registry_sql(
            folder,
            "SELECT column_name FROM information_schema.columns WHERE table_name = 'records' "
            "AND table_schema = current_schema()",
        )
    return [(r[1],) for r in registry_sql(folder, "PRAGMA table_info(records)")]


def test_loaders_opening_an_old_registry_at_once_take_turns(
    fresh,
    registry_engine,  # noqa: F811
    tmp_path,
):
    """Three processes opening a version 3 registry at the same moment: one upgrades it under
    the write lock (SQLite's BEGIN IMMEDIATE, the server's advisory lock), the others wait and
    find it done; none fails on a column another has just added."""
    source, figures = fresh
    old = tmp_path / "v3"
    _made_by_version(old, 3, registry_engine.name, source)
    url = registry_engine.url_for(old)
    opener = (
        "import sys\n"
        "from pathlib import Path\n"
        "from escape_desktop.registry.store import open_registry_at\n"
        "print('ready', flush=True)\n"
        "sys.stdin.readline()\n"  # all three started before any opens
        "open_registry_at(Path(sys.argv[1]), sys.argv[2] or None, create=False).dispose()\n"
    )
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", opener, str(old), url or ""],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(3)
    ]
    for p in procs:  # each has imported what it needs
        assert p.stdout is not None and p.stdout.readline().strip() == "ready"
    for p in procs:
        assert p.stdin is not None
        p.stdin.write("go\n")
        p.stdin.flush()
    errors = [p.communicate(timeout=120)[1] for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0], errors
    assert _version_of(old, registry_engine.name) == SCHEMA_VERSION
    assert sorted(registry_sql(old, CELLS), key=str) == sorted(registry_sql(source, CELLS), key=str)


def test_a_reader_opening_an_old_server_registry_is_told_to_ask_the_owner(
    fresh,
    registry_engine,  # noqa: F811
    tmp_path,
    capsys,
):
    if registry_engine.server is None:
        pytest.skip("a SQLite registry has no reader accounts (a read-only folder: store.py)")
    from escape_desktop.cli import main
    from escape_desktop.registry.server import role_grants

    source, figures = fresh
    old = tmp_path / "v4"
    _made_by_version(old, 4, registry_engine.name, source)
    server = registry_engine.server
    owner = registry_engine.url_for(old)
    reader = server.new_role("reader")
    engine = _engine_for(old)
    try:
        with engine.begin() as con:  # the grants a version 4 registry's reader had
            for sql in role_grants(list(TABLES), reader=reader, loader=None):
                con.exec_driver_sql(sql)
    finally:
        engine.dispose()

    def report(url: str, *more: str) -> tuple[int, str]:
        out = tmp_path / "figures.json"
        code = main(
            ["registry", "report", "--json-file", str(out), *more, "--data-dir", str(old)]
            + ["--url", url]
        )
        return code, capsys.readouterr().err

    code, err = report(server.url_as(owner, reader))
    assert code == 1 and len(err.strip().splitlines()) == 1, err
    assert "owner" in err and "registry add" in err and "Traceback" not in err
    assert _version_of(old, "postgresql") == 4  # nothing changed
    assert report(owner)[0] == 0  # the owner's first open upgrades it
    code, err = report(server.url_as(owner, reader), "--force")
    assert code == 0, err
    assert json.loads((tmp_path / "figures.json").read_text(encoding="utf-8")) == figures[0]


def test_a_loader_is_told_to_ask_the_owner_and_loads_once_the_owner_has_upgraded(
    fresh,
    uploads,  # noqa: F811
    registry_engine,  # noqa: F811
    tmp_path,
    capsys,
):
    """A loader's account (rows, not tables) adding an upload to a version 4 server registry
    is told in one sentence to ask the owner, and nothing changes; once the owner has opened
    it, the grants the loader had still let it load into the upgraded tables."""
    if registry_engine.server is None:
        pytest.skip("a SQLite registry has no loader accounts")
    from test_registry_lies import lie

    from escape_desktop.cli import main
    from escape_desktop.registry.server import role_grants

    source, figures = fresh
    old = tmp_path / "v4"
    _made_by_version(old, 4, registry_engine.name, source)
    server = registry_engine.server
    owner = registry_engine.url_for(old)
    loader = server.new_role("loader")
    engine = _engine_for(old)
    try:
        with engine.begin() as con:  # the grants a version 4 registry's loader had
            for sql in role_grants(list(TABLES), reader=None, loader=loader):
                con.exec_driver_sql(sql)
    finally:
        engine.dispose()
    again = lie(uploads, tmp_path)  # a batch the registry does not hold yet

    def add(url: str) -> tuple[int, str]:
        code = main(["registry", "add", str(again), "--data-dir", str(old), "--url", url])
        return code, capsys.readouterr().err

    batches = "SELECT count(*) FROM batches"
    held = registry_sql(old, batches)
    code, err = add(server.url_as(owner, loader))
    assert code == 1 and len(err.strip().splitlines()) == 1, err
    assert "owner" in err and "registry add" in err and "Traceback" not in err
    assert _version_of(old, "postgresql") == 4 and registry_sql(old, batches) == held
    assert _report(capsys, old)[0] == figures[0]  # the owner's first open upgrades it
    code, err = add(server.url_as(owner, loader))
    assert code == 0, err
    assert registry_sql(old, batches)[0][0] == held[0][0] + 1


def test_a_registry_made_by_a_newer_version_is_refused_untouched(
    registry_engine,  # noqa: F811
    tmp_path,
    capsys,
):
    from sqlalchemy import text

    from escape_desktop.registry.migrate import VERSION_TABLE
    from escape_desktop.registry.store import open_registry_at

    folder = tmp_path / "newer"
    open_registry_at(folder, registry_engine.url_for(folder)).dispose()
    engine = _engine_for(folder)
    try:
        with engine.begin() as con:  # as a later escape-desktop would leave it
            con.execute(text(f"UPDATE {VERSION_TABLE} SET version_num = 'registry_v99'"))
            if registry_engine.name == "postgresql":
                con.execute(text("UPDATE registry_schema SET version = 99"))
            else:
                con.execute(text("PRAGMA user_version = 99"))
    finally:
        engine.dispose()
    code, _, err = cli(capsys, "registry", "sites", "--data-dir", str(folder))
    assert code == 1 and "newer" in err and len(err.strip().splitlines()) == 1, err
    assert _version_of(folder, registry_engine.name) == 99
    assert registry_sql(folder, f"SELECT version_num FROM {VERSION_TABLE}") == [("registry_v99",)]


def test_a_revision_this_app_does_not_know_is_refused_as_newer_untouched(
    registry_engine,  # noqa: F811
    tmp_path,
    capsys,
):
    """A later app's revision beside an older schema number (the number is what older apps
    read): refused in one sentence, not an Alembic error half-way through an upgrade."""
    from sqlalchemy import text

    from escape_desktop.registry.migrate import VERSION_TABLE
    from escape_desktop.registry.store import open_registry_at

    folder = tmp_path / "later"
    open_registry_at(folder, registry_engine.url_for(folder)).dispose()
    engine = _engine_for(folder)
    try:
        with engine.begin() as con:
            con.execute(text(f"UPDATE {VERSION_TABLE} SET version_num = 'registry_v5b_later'"))
            if registry_engine.name == "postgresql":
                con.execute(text("UPDATE registry_schema SET version = 4"))
            else:
                con.execute(text("PRAGMA user_version = 4"))
    finally:
        engine.dispose()
    code, _, err = cli(capsys, "registry", "sites", "--data-dir", str(folder))
    assert code == 1 and "newer" in err and len(err.strip().splitlines()) == 1, err
    assert "Error" not in err and "revision" not in err
    assert registry_sql(folder, f"SELECT version_num FROM {VERSION_TABLE}") == [
        ("registry_v5b_later",)
    ]
