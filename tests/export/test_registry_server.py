"""The registry on a database server (issue 30): the URL, loaders at once, kills, roles."""

from __future__ import annotations

import contextlib
import json
import signal
import subprocess
import sys
import time

import pytest
from registry_engines import (  # noqa: F401
    as_before_version_5,
    on_engine,
    pg_server,
    registry_engine,
    registry_sql,
)
from test_registry import cli, uploads  # noqa: F401

from escape_desktop.registry.store import REGISTRY_URL_ENV


def test_the_server_url_may_come_from_the_environment(
    uploads,  # noqa: F811
    registry_engine,  # noqa: F811
    tmp_path,
    capsys,
    monkeypatch,
):
    if registry_engine.server is None:
        pytest.skip("about a server registry's URL")
    url = registry_engine.url_for(tmp_path / "by-env")
    monkeypatch.setenv(REGISTRY_URL_ENV, url)
    from escape_desktop.cli import main

    assert main(["registry", "add", "--data-dir", str(tmp_path / "c"), str(uploads["HIL02"])]) == 0
    capsys.readouterr()
    assert main(["registry", "sites", "--json", "--data-dir", str(tmp_path / "c")]) == 0
    assert [s["code"] for s in json.loads(capsys.readouterr().out)] == ["HIL02"]
    assert not (tmp_path / "c" / "registry.db").exists()  # nothing went into a SQLite file


def test_an_unreachable_server_or_a_url_that_is_not_one_is_one_sentence(
    uploads,  # noqa: F811
    tmp_path,
    capsys,
):
    from escape_desktop.cli import main

    base = ["registry", "sites", "--data-dir", str(tmp_path / "r")]
    for url, word in (
        ("postgresql+psycopg://nobody@127.0.0.1:1/registry", "Cannot reach"),
        ("postgresql+psycopg://x@host:port/z", "not one"),
        ("mysql://x@y/z", "registry URL"),
    ):
        code = main([*base, "--url", url])
        err = capsys.readouterr().err
        assert code != 0 and word in err and len(err.strip().splitlines()) == 1, err
        assert "Traceback" not in err


# ---- many loaders at once, and a kill mid-load ----------------------------------------

# What a registry holds, without what honestly differs between two runs: surrogate ids, the
# clock (loaded_at, superseded_at) and rows_loaded (which depends on which upload came first).
LOGICAL = {
    "sites": "SELECT code, name, last_exported_at, last_batch_id FROM sites",
    "batches": "SELECT batch_id, site_code, exported_at, sha256, rows, superseded_by, "
    "signed FROM batches",
    "courses": "SELECT c.site_code, c.course_code, b.batch_id, c.exported_at, c.course_status, "
    "c.enrolled, c.started, c.completed, c.withdrawn, c.left_out_no_consent "
    "FROM courses c JOIN batches b ON b.id = c.batch",
    "records": "SELECT r.site_code, r.course_code, r.participant_code, b.batch_id, "
    "r.exported_at, r.status, r.completed, r.measures, r.row "
    "FROM records r JOIN batches b ON b.id = r.batch",
}


def logical_state(folder) -> dict[str, list[tuple]]:
    return {
        table: sorted(tuple(str(v) for v in row) for row in registry_sql(folder, sql))
        for table, sql in LOGICAL.items()
    }


# A `registry add` that rests a moment after each upload it commits: the load is fast enough
# (set-based, no fsync per upload) that a kill aimed between uploads could land after the last.
PACED = (
    "import sys, time\n"
    "from escape_desktop.registry import load\n"
    "from escape_desktop.cli import main\n"
    "plain = load._load_once\n"
    "def paced(*a, **k):\n"
    "    done = plain(*a, **k)\n"
    "    time.sleep(0.05)\n"
    "    return done\n"
    "load._load_once = paced\n"
    "sys.exit(main(sys.argv[1:]))\n"
)


def loader(folder, files, engine, paced=False):  # type: ignore[no-untyped-def]
    """A separate `registry add` process, as a second analyst would run it; ``paced``: one
    that rests after each upload it commits, so a kill can be aimed between two."""
    cmd = [
        sys.executable,
        *(["-c", PACED] if paced else ["-m", "escape_desktop"]),
        *on_engine(["registry", "add", "--data-dir", str(folder), *map(str, files)]),
    ]
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


@pytest.fixture(scope="module")
def inbox(uploads, tmp_path_factory):  # noqa: F811
    """Five uploads from three sites: each site's first, a later real export of one course at
    one site, and a newer copy of another site's whole upload."""
    from test_registry import FOLDERS, _copy_as_batch, export

    root = tmp_path_factory.mktemp("inbox")
    later = root / "later-RIV01.csv"
    export(FOLDERS["RIV01"], later, "--course", "KH-2026-001", "--today", "2026-12-05")
    newer = _copy_as_batch(
        uploads["HIL02"], root / "newer-HIL02.csv", "batch-HIL02-next", "2026-12-05T09:00:00+00:00"
    )
    return [uploads["RIV01"], uploads["HIL02"], uploads["A81001"], later, newer]


def serial_load(folder, files, capsys):  # type: ignore[no-untyped-def]
    code, _, err = cli(capsys, "registry", "add", "--data-dir", str(folder), *map(str, files))
    assert code == 0, err


# `make test` runs the loaders at once in one order and kills a loader once; .ci/run
# (--run-slow) adds the long runs: the inboxes' order turned about, and eight kills.
@pytest.mark.parametrize(
    "order", ["as listed", pytest.param("turned about", marks=pytest.mark.slow)]
)
def test_three_loaders_at_once_leave_what_one_loader_leaves(
    inbox,
    registry_engine,  # noqa: F811
    tmp_path,
    capsys,
    order,
):
    serial_load(tmp_path / "serial", inbox, capsys)
    expected = logical_state(tmp_path / "serial")
    u1, u2, u3, later, newer = inbox
    folder = tmp_path / "together"
    inboxes = [[u1, u2, u3, later], [u2, newer, u3, later], [u1, newer, u3]]
    if order == "turned about":
        inboxes = [list(reversed(i)) for i in inboxes]
    running = [loader(folder, files, registry_engine) for files in inboxes]
    for p in running:
        out, err = p.communicate(timeout=300)
        assert p.returncode == 0, err
    assert logical_state(folder) == expected
    counts = {t: len(rows) for t, rows in expected.items()}
    assert counts["sites"] == 3 and counts["batches"] == 5 and counts["records"] > 0


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")
@pytest.mark.parametrize(
    "kills_after",
    [
        pytest.param((1,), id="once"),
        pytest.param((1, 2, 3, 4, 1, 2, 3, 4), marks=pytest.mark.slow, id="eight times"),
    ],
)
def test_a_loader_killed_mid_load_leaves_each_upload_whole_or_absent(
    inbox,
    registry_engine,  # noqa: F811
    tmp_path,
    capsys,
    kills_after,
):
    """Killed while its next upload is under way: what it left is always exactly the uploads
    it had committed (a prefix, oldest export first), and loading again gives the serial result."""
    from escape_desktop.export.upload_manifest import manifest_path_for, parse_manifest
    from escape_desktop.registry.load import _iso

    def exported(path):  # type: ignore[no-untyped-def]
        m = parse_manifest(manifest_path_for(path).read_text(encoding="utf-8"))
        return _iso(m.exported_at)

    ordered = sorted(inbox, key=exported)
    prefixes: dict[int, dict] = {}

    def prefix(k: int) -> dict:  # what loading the k oldest uploads alone leaves
        if k not in prefixes:
            serial_load(tmp_path / f"prefix{k}", ordered[:k], capsys)
            prefixes[k] = logical_state(tmp_path / f"prefix{k}")
        return prefixes[k]

    def batches_in(folder) -> int:  # type: ignore[no-untyped-def]
        try:
            return int(registry_sql(folder, "SELECT count(*) FROM batches")[0][0])
        except Exception:  # no registry (or no tables) yet
            return 0

    def others_on(folder) -> int:  # type: ignore[no-untyped-def]
        sql = (
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid()"
        )
        return int(registry_sql(folder, sql)[0][0])

    seen = set()
    # Killed as soon as it has committed `after` uploads: the next one is then under way.
    for i, after in enumerate(kills_after):
        folder = tmp_path / f"killed{i}"
        p = loader(folder, inbox, registry_engine, paced=True)
        while p.poll() is None and batches_in(folder) < after:
            with contextlib.suppress(subprocess.TimeoutExpired):
                p.wait(timeout=0.005)  # a poll interval, not a wait for the outcome
        p.send_signal(signal.SIGKILL)
        p.communicate(timeout=60)
        if registry_engine.server is not None:
            # The server ends the dead loader's session (rolling back, or committing a COMMIT
            # it had already received) on its own time: read the registry after that.
            deadline = time.monotonic() + 60  # each look is a new connection: it paces itself
            while others_on(folder) and time.monotonic() < deadline:
                pass
            assert not others_on(folder), "the killed loader's session never ended"
        held = logical_state(folder)
        k = len(held["batches"])
        seen.add(k)
        assert k >= after and held == prefix(k), f"killed after {after}: not {k} uploads whole"
        serial_load(folder, inbox, capsys)
        assert logical_state(folder) == prefix(len(ordered))
    assert any(0 < k < len(ordered) for k in seen), f"no kill landed between uploads: {seen}"


# ---- roles -------------------------------------------------------------------------------


def test_a_reader_prints_the_report_and_exports_but_cannot_load(
    uploads,  # noqa: F811
    registry_engine,  # noqa: F811
    tmp_path,
    capsys,
):
    from escape_desktop.cli import main

    folder = tmp_path / "reg"
    serial_load(folder, [uploads["HIL02"]], capsys)
    if registry_engine.server is None:
        code, _, err = cli(capsys, "registry", "roles", "--data-dir", str(folder), "--reader", "x")
        assert code == 1 and "server" in err and len(err.strip().splitlines()) == 1
        return
    server = registry_engine.server
    owner = registry_engine.url_for(folder)
    reader, loader_role = server.new_role("reader"), server.new_role("loader")
    as_reader, as_loader = server.url_as(owner, reader), server.url_as(owner, loader_role)
    before = logical_state(folder)

    def run(url: str, *args: str) -> tuple[int, str, str]:
        code = main(["registry", *args, "--data-dir", str(folder), "--url", url])
        out, err = capsys.readouterr()
        return code, out, err

    # Before any grant the reader's account cannot even read.
    code, _, err = run(as_reader, "sites")
    assert code == 1 and "not allowed" in err and len(err.strip().splitlines()) == 1
    code, _, err = run(owner, "roles", "--reader", reader, "--loader", loader_role)
    assert code == 0, err

    code, out, err = run(as_reader, "report", "--json", "--out", str(tmp_path / "r.pdf"))
    assert code == 0, err
    assert json.loads(out)["overall"]["funnel"]["agreed_to_share"] > 0
    assert (tmp_path / "r.pdf").read_bytes().startswith(b"%PDF")
    code, _, err = run(as_reader, "export", "--out", str(tmp_path / "all.csv"))
    assert code == 0 and (tmp_path / "all.csv").stat().st_size > 0, err
    assert run(as_reader, "sites", "--json")[0] == 0

    code, _, err = run(as_reader, "add", str(uploads["RIV01"]))
    assert code == 1 and "not allowed" in err and len(err.strip().splitlines()) == 1, err
    assert logical_state(folder) == before  # nothing of it was kept
    # Registering a site's key stays with the owner, not a loader.
    key = "A" * 43 + "="
    code, _, err = run(as_loader, "sites", "--add-key", "RIV01", key)
    assert code == 1 and "not allowed" in err
    code, _, err = run(as_loader, "add", str(uploads["RIV01"]))
    assert code == 0, err
    assert {row[0] for row in logical_state(folder)["sites"]} == {"HIL02", "RIV01"}


def test_the_grants_can_be_read_before_they_are_run(capsys):
    code, out, _ = cli(
        capsys, "registry", "roles", "--sql", "--reader", "analyst", "--loader", "ldr"
    )
    assert code == 0
    lines = out.splitlines()
    reader_lines = [x for x in lines if x.endswith('"analyst";')]
    assert reader_lines and all("INSERT" not in x and "DELETE" not in x for x in reader_lines)
    assert any("INSERT" in x and x.endswith('"ldr";') for x in lines)


def test_every_load_is_recorded_with_who_when_which_file_and_rows_added(
    inbox,
    registry_engine,  # noqa: F811
    tmp_path,
    capsys,
):
    import getpass
    import hashlib

    folder = tmp_path / "reg"
    u1, u2, u3, later, newer = inbox
    serial_load(folder, [u1, later], capsys)
    code, out, err = cli(capsys, "registry", "sites", "--json", "--data-dir", str(folder))
    assert code == 0, err
    loads = {s["code"]: s["loads"] for s in json.loads(out)}["RIV01"]
    from pg_server import SUPERUSER

    expected_who = SUPERUSER if registry_engine.server is not None else getpass.getuser()
    assert [x["file"] for x in loads] == [u1.name, later.name]  # oldest load first
    for x, path in zip(loads, (u1, later), strict=True):
        assert x["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
        assert x["loaded_by"] == expected_who and x["loaded_at"]
    rows = registry_sql(folder, "SELECT count(*) FROM records WHERE site_code = 'RIV01'")[0][0]
    later_rows = len(later.read_text(encoding="utf-8").splitlines()) - 1
    # The later export of one course replaces those people: the first keeps the rest.
    assert loads[1]["rows_added"] == later_rows and loads[0]["rows_added"] == loads[0]["rows"]
    assert rows == loads[0]["rows"]  # the same people, replaced rather than added twice


def test_a_server_registry_made_by_the_version_before_is_upgraded_in_place(
    uploads,  # noqa: F811
    registry_engine,  # noqa: F811
    tmp_path,
    capsys,
):
    if registry_engine.server is None:
        pytest.skip("the SQLite upgrade is tested in test_registry_signing")
    from sqlalchemy import create_engine, text

    folder = tmp_path / "reg"
    serial_load(folder, [uploads["RIV01"]], capsys)
    engine = create_engine(registry_engine.url_for(folder))
    with engine.begin() as con:  # as version 2 left it: no loaded_by
        as_before_version_5(con)
        con.execute(text("ALTER TABLE records DROP COLUMN delivery_mode"))
        con.execute(text("ALTER TABLE records ALTER COLUMN measures TYPE text"))
        con.execute(text("ALTER TABLE batches DROP COLUMN loaded_by"))
        con.execute(text("UPDATE registry_schema SET version = 2"))
    engine.dispose()
    serial_load(folder, [uploads["HIL02"]], capsys)
    code, out, _ = cli(capsys, "registry", "sites", "--json", "--data-dir", str(folder))
    listed = {s["code"]: s for s in json.loads(out)}
    assert [x["loaded_by"] for x in listed["RIV01"]["loads"]] == [None]
    assert listed["HIL02"]["loads"][0]["loaded_by"]
    from escape_desktop.registry.models import SCHEMA_VERSION

    assert registry_sql(folder, "SELECT version FROM registry_schema") == [(SCHEMA_VERSION,)]
