"""`demo --scale large` (target: under a minute) against writing the same rows raw.

The baseline inserts the very rows the generator produced, with the driver's executemany
into a fresh copy of the schema: what the disk and SQLite cost, without generation.
"""

from __future__ import annotations

import shutil
import time

from sqlalchemy import text

from escape_desktop.context import AppContext
from escape_desktop.db.engine import DB_FILENAME

from .common import OUTPUT


def main() -> None:
    from escape_desktop.services.demo import generate_demo

    folder = OUTPUT / "bench-demo"
    shutil.rmtree(folder, ignore_errors=True)
    ctx = AppContext.open(folder)
    t0 = time.perf_counter()
    result = generate_demo(ctx, scale="large", seed=1)
    generated = time.perf_counter() - t0
    ctx.db.checkpoint()

    empty = OUTPUT / "bench-demo-raw"
    shutil.rmtree(empty, ignore_errors=True)
    target = AppContext.open(empty)
    tables = [
        "venues",
        "instructors",
        "courses",
        "course_instructors",
        "sessions",
        "course_stations",
        "course_instruments",
        "participants",
        "enrolments",
        "attendance",
        "exercise_records",
        "progression_decisions",
        "assessments",
    ]
    with ctx.db.read() as s:
        data = {t: s.execute(text(f"SELECT * FROM {t}")).all() for t in tables}
    ctx.close()
    raw = target.db.engine.raw_connection()
    t0 = time.perf_counter()
    cur = raw.cursor()
    cur.execute("BEGIN")
    for t in tables:
        rows = data[t]
        if rows:
            marks = ",".join("?" * len(rows[0]))
            cur.executemany(f"INSERT INTO {t} VALUES ({marks})", [tuple(r) for r in rows])
    cur.execute("COMMIT")
    baseline = time.perf_counter() - t0
    raw.close()
    target.close()
    print(
        f"demo large: {generated:.1f} s for {result.courses} courses, {result.participants} "
        f"people, {result.exercise_records} exercise records; baseline raw insert of the same "
        f"rows: {baseline:.1f} s; ratio {generated / baseline:.2f}; target under 60 s"
    )
    shutil.rmtree(empty, ignore_errors=True)
    (folder / DB_FILENAME).unlink(missing_ok=True)


if __name__ == "__main__":
    main()
