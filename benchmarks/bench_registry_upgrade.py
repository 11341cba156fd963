"""The registry's upgrade in place (issue 30 item 1): a version 4 registry of ROWS records
brought to version 5 by its Alembic migration at its first open, on SQLite and PostgreSQL.

Version 5 adds six columns to ``records`` and fills them, in one UPDATE, from each kept row's
JSON (the follow-up states, the equality items, the changes left out over video). Baseline, in
the same run on the same database: a copy of the whole ``records`` table (CREATE TABLE ... AS
SELECT), the cost of reading and writing every row once. Runs alternate, median of REPEAT.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import sys
import time
from pathlib import Path

from benchmarks.common import OUTPUT, QUICK, report

ROWS = int(os.environ.get("BENCH_UPGRADE_ROWS", "2000" if QUICK else "50000"))
REPEAT = 1 if QUICK else 3


def _row_json(profile, i: int) -> str:  # type: ignore[no-untyped-def]
    """An upload row of the shipped profile's columns (the site column left out), as kept."""
    cells = {c.name: "1" for c in profile.main.columns if c.name != "site_code"}
    cells.update(
        participant_code=f"P-{i:08d}",
        course_code=f"C{i // 12}",
        follow_up_3m=("done", "due", "not_followed")[i % 3],
        follow_up_12m="upcoming",
        ethnic_category=("A", "Z", "")[i % 3],
        stated_sex="2",
        gender_identity="",
        chair_stand_change_counted="0" if i % 9 == 0 else "1",
    )
    return json.dumps(cells, separators=(",", ":"))


def _fill(db, profile) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import insert

    from escape_desktop.registry.models import Record
    from tests.export.registry_rows import add_site_with_batch

    with db.transaction() as s:
        batch = add_site_with_batch(s, "S1", "Demo site", "b1", rows=ROWS)
        measures = {"pain_nrs": [6, 4, -2], "chair_stand_30s": [10, 12, 2]}
        for first in range(0, ROWS, 10_000):
            s.execute(
                insert(Record),
                [
                    {
                        "site_code": "S1",
                        "course_code": f"C{i // 12}",
                        "participant_code": f"P-{i:08d}",
                        "batch": batch,
                        "exported_at": "2026-05-01T00:00:00",
                        "programme": "knee_hip",
                        "course_start": "2026-05-04",
                        "status": "completed",
                        "sessions_delivered": 12,
                        "sessions_attended": 10,
                        "completed": 1,
                        "delivery_mode": "1",
                        "measures": measures
                        if getattr(db, "dialect", "sqlite") == "postgresql"
                        else json.dumps(measures),
                        "row": _row_json(profile, i),
                    }
                    for i in range(first, min(first + 10_000, ROWS))
                ],
            )


def _as_version_4(engine, name: str) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import text

    from escape_desktop.registry.load import CELL_COLUMNS
    from escape_desktop.registry.migrate import VERSION_TABLE

    with engine.begin() as con:
        con.execute(text(f"DROP TABLE {VERSION_TABLE}"))
        for column in (*CELL_COLUMNS, "changes_left_out"):
            con.execute(text(f"ALTER TABLE records DROP COLUMN {column}"))
        if name == "postgresql":
            con.execute(text("UPDATE registry_schema SET version = 4"))
        else:
            con.execute(text("PRAGMA user_version = 4"))
    if name == "sqlite":
        with engine.connect() as con:
            con.exec_driver_sql("VACUUM")  # the dropped columns' space, as version 4 left it


def run_engine(name: str, folder: Path, url: str | None, profile) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import create_engine, text
    from sqlalchemy.pool import NullPool

    from escape_desktop.registry.store import DB_NAME, open_registry_at

    db = open_registry_at(folder, url)
    _fill(db, profile)
    db.dispose()
    engine = create_engine(url or f"sqlite:///{folder / DB_NAME}", poolclass=NullPool)
    ours: list[float] = []
    base: list[float] = []
    try:
        for _ in range(REPEAT):
            with engine.begin() as con:
                t0 = time.perf_counter()
                con.execute(text("CREATE TABLE records_copy AS SELECT * FROM records"))
                base.append(time.perf_counter() - t0)
                con.execute(text("DROP TABLE records_copy"))
            _as_version_4(engine, name)
            t0 = time.perf_counter()
            open_registry_at(folder, url, create=False).dispose()  # the upgrade, at first open
            ours.append(time.perf_counter() - t0)
            with engine.connect() as con:
                held = con.execute(text("SELECT count(*) FROM records")).scalar()
                left_out = con.execute(
                    text("SELECT count(*) FROM records WHERE changes_left_out IS NOT NULL")
                ).scalar()
            assert held == ROWS and left_out == (ROWS + 8) // 9, (held, left_out)
    finally:
        engine.dispose()
    print(f"[{name}] {ROWS} records; upgrade runs {[round(t, 2) for t in ours]} s")
    report(
        f"[{name}] registry upgrade 4 -> 5 at first open ({ROWS} records)",
        statistics.median(ours),
        "copy of the records table (CREATE TABLE AS SELECT)",
        statistics.median(base),
        "for the record: what the owner waits for once after installing",
    )


def main() -> None:
    from escape_desktop.export.upload_profile import get_profile
    from escape_desktop.library import load_library

    profile = get_profile(None, None, load_library())
    out = OUTPUT / "bench-registry-upgrade"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    run_engine("sqlite", out / "registry", None, profile)
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
    from pg_server import NoServer, Server

    server = Server(fast=False)
    try:
        server.start()
    except NoServer as e:
        print(f"[postgresql] not run: {e}")
        return
    try:
        run_engine("postgresql", out / "server", server.new_database(), profile)
    finally:
        server.stop()


if __name__ == "__main__":
    main()
