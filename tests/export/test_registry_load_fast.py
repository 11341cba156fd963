"""The registry load's short cuts keep its promises (issue 29 item 3): a batch loaded before is
not read again, yet a changed file is still refused; the rows are checked a column at a time,
yet a refusal still names the first row that breaks a rule; and on SQLite, whose commits no
longer wait for the disk, a load's uploads are in the registry file itself when it returns."""

from __future__ import annotations

import shutil
import sqlite3
from datetime import UTC, datetime, timedelta

import pytest
from registry_engines import pg_server, registry_engine  # noqa: F401
from test_registry import (
    cli,
    manifest_path_for,
    read_rows,
    uploads,  # noqa: F401 - the fixture
)
from test_registry_lies import lie

from escape_desktop.registry import load as registry_load


def test_a_batch_loaded_before_is_not_read_again_and_a_changed_file_is_still_refused(
    uploads,  # noqa: F811
    tmp_path,
    capsys,
    monkeypatch,
):
    import json

    reg = tmp_path / "reg"
    src = uploads["HIL02"]
    assert cli(capsys, "registry", "add", "--data-dir", str(reg), str(src))[0] == 0

    def read_again(*_args, **_kwargs):
        raise AssertionError("the rows of a batch loaded before were read and checked again")

    monkeypatch.setattr(registry_load, "check_rows", read_again)
    code, out, err = cli(capsys, "registry", "add", "--json", "--data-dir", str(reg), str(src))
    assert code == 0, err
    said = json.loads(out)[0]
    assert said["already_loaded"] and said["rows"] == len(read_rows(src)) - 1
    # The same batch with one cell changed (its manifest not): refused by its checksum.
    changed = tmp_path / src.name
    shutil.copy(src, changed)
    shutil.copy(manifest_path_for(src), manifest_path_for(changed))
    rows = read_rows(changed)
    text = changed.read_text(encoding="utf-8").replace(rows[1][1], rows[1][1][:-1] + "X", 1)
    changed.write_text(text, encoding="utf-8", newline="")
    code, _, err = cli(capsys, "registry", "add", "--data-dir", str(reg), str(changed))
    assert code != 0 and changed.name in err and "SHA-256" in err


@pytest.mark.sqlite_only("the checks of the rows are the same code on either engine")
def test_the_first_row_breaking_a_rule_is_named_though_a_later_row_breaks_a_cells_rule(
    uploads,  # noqa: F811
    tmp_path,
    capsys,
):
    header = read_rows(uploads["RIV01"])[0]
    change, start, end = (header.index(c) for c in ("pain_change", "pain_start", "pain_end"))
    code_at = header.index("participant_code")
    early: list[int] = []

    def two_problems(rows: list[list[str]]) -> None:
        n = next(i for i, r in enumerate(rows[1:], start=1) if r[start] and r[end] and r[change])
        rows[n][change] = str(int(float(rows[n][change])) + 1)  # not end minus start
        rows[-1][code_at] = "P-0000"  # not a participant code, further down
        early.append(n + 1)  # the file's line: row 1 is the header

    bad = lie(uploads, tmp_path, rows_change=two_problems)
    code, _, err = cli(capsys, "registry", "add", "--data-dir", str(tmp_path / "reg"), str(bad))
    assert code != 0
    assert f"row {early[0]}:" in err and "pain_change" in err, err


@pytest.mark.sqlite_only("the registry file and its WAL are SQLite's")
def test_a_load_leaves_its_uploads_in_the_registry_file_itself(uploads, tmp_path):  # noqa: F811
    from escape_desktop.export.upload_profile import get_profile
    from escape_desktop.library import load_library
    from escape_desktop.registry.store import DB_NAME, open_registry

    library = load_library()
    db = open_registry(tmp_path / "reg")
    try:
        results = registry_load.add_files(
            db, list(uploads.values()), lambda name: get_profile(name, None, library)
        )
        # As if the power went now: the WAL, never synced, is lost; the file alone remains.
        alone = tmp_path / "alone.db"
        shutil.copy(tmp_path / "reg" / DB_NAME, alone)
    finally:
        db.dispose()
    con = sqlite3.connect(alone)
    try:
        held = con.execute("SELECT count(*) FROM batches").fetchone()[0]
        rows = con.execute("SELECT count(*) FROM records").fetchone()[0]
    finally:
        con.close()
    assert held == len(results) == 3
    assert rows == sum(r.loaded for r in results) > 0


def test_a_changed_batch_among_good_files_is_refused_before_any_file_is_loaded(
    uploads,  # noqa: F811
    tmp_path,
    capsys,
):
    """A batch the registry holds, sent again with other rows and a manifest made to fit (the
    same batch id), is refused, and the good files given with it are not loaded either: the
    one sentence is the whole answer, as for any other refused file."""
    from test_registry import registry_sql

    reg = tmp_path / "reg"
    for sub in ("first", "again"):
        (tmp_path / sub).mkdir()
    first = lie(uploads, tmp_path / "first")
    assert cli(capsys, "registry", "add", "--data-dir", str(reg), str(first))[0] == 0

    def turned_about(rows: list[list[str]]) -> None:
        rows[1:] = rows[:0:-1]  # the same rows the other way up: every check passes

    def later(fields: dict) -> None:  # loaded after the good file, which goes in by date
        fields["exported_at"] = datetime.now(UTC) + timedelta(hours=1)

    changed = lie(uploads, tmp_path / "again", turned_about, later)  # the same batch id
    good = uploads["HIL02"]
    code, out, err = cli(capsys, "registry", "add", "--data-dir", str(reg), str(good), str(changed))
    assert code == 1 and len(err.strip().splitlines()) == 1, err
    assert "batch-lie" in err, err
    assert registry_sql(reg, "SELECT count(*) FROM batches WHERE site_code = 'HIL02'") == [(0,)]
