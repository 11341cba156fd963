"""`course receive`: a hand-over merged in, against a plain executemany of the same rows.

Two realistic hand-overs, from a laptop holding the small demo (seven courses):
- its biggest course received on a new laptop (an empty data folder);
- all seven courses received, one file after another, on a laptop holding the large demo
  (200 courses, 2,400 people), where every person is looked for among those already there.

Timed: the merge of the opened file (checked, compared, written and recorded in one
transaction), not the passphrase's scrypt (a tenth of a second by design) or the backup
copy taken first (it grows with the database, not the hand-over). Baseline: the rows that
merge added (every table, the hand-over's record and audit line too), inserted with the
sqlcipher3 module's executemany into the same tables of the same starting database, in one
transaction. Target (issue 29, item 3): within 3x of that. Each run starts from a fresh
copy; the two are alternated and the medians compared, with CPU time beside wall time.
"""

from __future__ import annotations

import shutil
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import sqlcipher3.dbapi2 as sqlcipher

from benchmarks.common import OUTPUT, QUICK, large_demo_dir, report
from escape_desktop.context import AppContext
from escape_desktop.db.engine import DB_FILENAME

PASSPHRASE = "bench-handover-passphrase-7Qx"
SMALL_SEED = 5


def _source_payloads() -> list[dict]:
    """Every course of a small demo laptop, sent and opened again (scrypt once each)."""
    from escape_desktop.db.models import Course
    from escape_desktop.services.demo import generate_demo
    from escape_desktop.services.handover import read_handover, send_course

    folder = OUTPUT / "bench-receive-source"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    ctx = AppContext.open(folder)
    try:
        generate_demo(ctx, scale="small", seed=SMALL_SEED)
        with ctx.db.read() as s:
            codes = [c.code for c in s.query(Course).order_by(Course.start_date)]
        payloads = []
        for i, code in enumerate(codes):
            path = folder / f"course-{i}.handover"
            send_course(ctx, code, path, PASSPHRASE)
            payloads.append(read_handover(path, PASSPHRASE))
    finally:
        ctx.close()
    return payloads


def _empty_db() -> Path:
    folder = OUTPUT / "bench-receive-empty"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    AppContext.open(folder).close()
    return folder / DB_FILENAME


def _fresh(template: Path, name: str) -> Path:
    folder = OUTPUT / name
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    shutil.copy2(template, folder / DB_FILENAME)
    return folder


def _tables(con: sqlcipher.Connection) -> list[str]:
    return [
        name
        for (name,) in con.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            " AND name != 'alembic_version' ORDER BY name"
        )
    ]


def _high_water(db: Path) -> dict[str, int]:
    con = sqlcipher.connect(str(db))
    try:
        return {
            t: con.execute(f"SELECT coalesce(max(rowid), 0) FROM {t}").fetchone()[0]
            for t in _tables(con)
        }
    finally:
        con.close()


def _added_rows(db: Path, before: dict[str, int]) -> dict[str, tuple[list[str], list[tuple]]]:
    """The rows a merge added, by table (rowid above what was there before it)."""
    con = sqlcipher.connect(str(db))
    try:
        out = {}
        for table, top in before.items():
            cur = con.execute(f"SELECT * FROM {table} WHERE rowid > ? ORDER BY rowid", (top,))
            rows = cur.fetchall()
            if rows:
                out[table] = ([d[0] for d in cur.description], rows)
        return out
    finally:
        con.close()


def _insert_all(db: Path, rows: dict[str, tuple[list[str], list[tuple]]]) -> None:
    con = sqlcipher.connect(str(db))
    try:
        with con:  # one transaction
            for table, (columns, values) in rows.items():
                marks = ", ".join("?" for _ in columns)
                con.executemany(
                    f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", values
                )
    finally:
        con.close()


def _timed(fn: Callable[[], object]) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - wall, time.process_time() - cpu


def scenario(name: str, template: Path, payloads: list[dict], repeat: int) -> None:
    from escape_desktop.services.handover import _receive_payload

    def receive_all(ctx: AppContext) -> None:
        for payload in payloads:
            _receive_payload(ctx, payload, None, False, backup=False)

    # Once, to see which rows the merge adds: those are the baseline's rows.
    folder = _fresh(template, "bench-receive-work")
    before = _high_water(folder / DB_FILENAME)
    ctx = AppContext.open(folder)
    receive_all(ctx)
    ctx.close()
    rows = _added_rows(folder / DB_FILENAME, before)
    count = sum(len(v) for _, v in rows.values())

    ours: list[tuple[float, float]] = []
    base: list[tuple[float, float]] = []
    for _ in range(repeat):
        folder = _fresh(template, "bench-receive-work")
        base.append(_timed(lambda: _insert_all(folder / DB_FILENAME, rows)))  # noqa: B023
        folder = _fresh(template, "bench-receive-work")
        ctx = AppContext.open(folder)
        try:
            ours.append(_timed(lambda: receive_all(ctx)))  # noqa: B023 (called at once)
        finally:
            ctx.close()
    wall = statistics.median(t for t, _ in ours)
    base_wall = statistics.median(t for t, _ in base)
    cpu = statistics.median(c for _, c in ours)
    base_cpu = statistics.median(c for _, c in base)
    print(
        f"{name}: {len(payloads)} file(s), {count} rows added in {len(rows)} tables; "
        f"CPU {cpu * 1000:.1f} ms against {base_cpu * 1000:.1f} ms "
        f"(ratio {cpu / base_cpu if base_cpu else float('inf'):.2f})"
    )
    report(name, wall, "executemany of the same rows", base_wall, "<= 3x", max_ratio=3.0)


def main() -> None:
    repeat = 1 if QUICK else 5
    payloads = _source_payloads()
    biggest = max(payloads, key=lambda p: len(p["records"]))
    scenario("course receive (one course, new laptop)", _empty_db(), [biggest], repeat)
    scenario(
        "course receive (7 courses into the large demo)",
        large_demo_dir() / DB_FILENAME,
        payloads,
        repeat,
    )


if __name__ == "__main__":
    main()
