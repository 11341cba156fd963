"""The fields the registry's report groups by live in columns of their own (issue 30 item 5):
the delivery mode in ``records.delivery_mode`` and, on PostgreSQL, the measures as ``jsonb``.
A registry made before (version 3: both only inside each record's JSON text) is upgraded in
place, on SQLite and on PostgreSQL, and reports the same figures as one made new."""

from __future__ import annotations

import json

from registry_engines import (  # noqa: F401
    _engine_for,
    as_before_version_5,
    pg_server,
    registry_engine,
    registry_sql,
)
from test_registry import cli, uploads  # noqa: F401


def _report(capsys, folder) -> dict:  # type: ignore[no-untyped-def]
    out = folder.parent / f"{folder.name}-figures.json"
    code, _, err = cli(
        capsys, "registry", "report", "--json-file", str(out), "--data-dir", str(folder)
    )
    assert code == 0, err
    figures = json.loads(out.read_text(encoding="utf-8"))
    assert figures
    return figures


def _as_version_3(folder, engine_name: str) -> None:  # type: ignore[no-untyped-def]
    """Turn the registry in ``folder`` back into what version 3 made: no delivery_mode
    column, the measures as text."""
    from sqlalchemy import text

    engine = _engine_for(folder)
    try:
        with engine.begin() as con:
            as_before_version_5(con)
            con.execute(text("ALTER TABLE records DROP COLUMN delivery_mode"))
            if engine_name == "postgresql":
                con.execute(text("ALTER TABLE records ALTER COLUMN measures TYPE text"))
                con.execute(text("UPDATE registry_schema SET version = 3"))
            else:
                con.execute(text("PRAGMA user_version = 3"))
    finally:
        engine.dispose()


def test_the_delivery_mode_is_filed_in_its_own_column_as_each_row_says(
    uploads,  # noqa: F811
    registry_engine,  # noqa: F811
    tmp_path,
    capsys,
):
    folder = tmp_path / "reg"
    code, _, err = cli(
        capsys, "registry", "add", "--data-dir", str(folder), *map(str, uploads.values())
    )
    assert code == 0, err
    by_row = {}
    for rid, row in registry_sql(folder, "SELECT id, row FROM records"):
        by_row[rid] = json.loads(row).get("delivery_mode")
    by_column = dict(registry_sql(folder, "SELECT id, delivery_mode FROM records"))
    assert by_column == by_row
    assert any(by_row.values())  # the demo's uploads say how each course was delivered


def test_a_registry_made_by_version_3_is_upgraded_in_place_and_reports_the_same(
    uploads,  # noqa: F811
    registry_engine,  # noqa: F811
    tmp_path,
    capsys,
):
    files = list(map(str, uploads.values()))
    new, old = tmp_path / "new", tmp_path / "old"
    for folder in (new, old):
        code, _, err = cli(capsys, "registry", "add", "--data-dir", str(folder), *files[:2])
        assert code == 0, err
    _as_version_3(old, registry_engine.name)
    # The next load upgrades it (the mode filled from each row kept), then adds to it.
    for folder in (new, old):
        code, _, err = cli(capsys, "registry", "add", "--data-dir", str(folder), *files[2:])
        assert code == 0, err
    assert _report(capsys, old) == _report(capsys, new)
    modes = "SELECT site_code, participant_code, course_code, delivery_mode FROM records"
    assert sorted(registry_sql(old, modes), key=str) == sorted(registry_sql(new, modes), key=str)
    assert any(m for *_, m in registry_sql(old, modes))


def test_a_version_3_registry_on_a_read_only_folder_is_refused_in_a_sentence(
    uploads,  # noqa: F811
    registry_engine,  # noqa: F811
    tmp_path,
    capsys,
    monkeypatch,
):
    """A registry made by version 3 on a read-only share cannot be upgraded in place: the
    report says so (run it once where it can be written) instead of failing on the column
    version 4 reads."""
    if registry_engine.name != "sqlite":
        return  # a server's tables are upgraded by its owner's account, not a folder's mode
    folder = tmp_path / "old"
    code, _, err = cli(
        capsys, "registry", "add", "--data-dir", str(folder), *map(str, uploads.values())
    )
    assert code == 0, err
    _as_version_3(folder, "sqlite")
    import escape_desktop.registry.store as store

    monkeypatch.setattr(store, "folder_is_writable", lambda path: False)  # as on a share
    out_file = tmp_path / "figures.json"
    code, _, err = cli(
        capsys, "registry", "report", "--json-file", str(out_file), "--data-dir", str(folder)
    )
    assert code == 1, err
    assert "Something went wrong" not in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1
    assert not out_file.exists()
    assert registry_sql(folder, "PRAGMA user_version") == [(3,)]  # left as it was


def test_the_report_never_reads_the_upload_rows_json(
    uploads,  # noqa: F811
    registry_engine,  # noqa: F811
    tmp_path,
    capsys,
):
    """The national figures are added up in SQL from the record's own columns (issue 30 item 5):
    with every record's upload JSON (``records.row``, kept only for the merged export) taken
    out of the registry after the load, the report gives the very same figures. A report that
    read the row JSON at all, in SQL or in Python, fails here (no such column)."""
    from sqlalchemy import text

    folder = tmp_path / "reg"
    code, _, err = cli(
        capsys, "registry", "add", "--data-dir", str(folder), *map(str, uploads.values())
    )
    assert code == 0, err
    before = _report(capsys, folder)
    # The figures the row JSON used to give (follow-up states, equality items) are in it.
    assert any(r["follow_up_3m_reached"] for r in before["rows"])
    engine = _engine_for(folder)
    try:
        with engine.begin() as con:
            con.execute(text('ALTER TABLE records DROP COLUMN "row"'))
    finally:
        engine.dispose()
    (tmp_path / "reg-figures.json").unlink()
    assert _report(capsys, folder) == before
