"""Central upload of the large demo, against a plain dump of the same tables to CSV.

Baseline: the tables the export reads (courses, venues, sessions, participants,
enrolments, attendance, assessments) dumped row by row with the sqlcipher3 module (the
same SQLite build and file) and Python's csv module. Target: the full export (main file
and attendance file, validated profile, safety on every text cell, atomic write, batch
recorded) within 1.5x of that (issue 29, item 3), asserted. The two are alternated and the
medians compared; CPU time is printed beside, as wall time lies on a loaded machine.
"""

from __future__ import annotations

import csv
import shutil
import statistics
import time
from datetime import date

import sqlcipher3.dbapi2 as sqlcipher

from benchmarks.common import OUTPUT, QUICK, large_demo_copy, report
from escape_desktop.context import AppContext
from escape_desktop.db.engine import DB_FILENAME

TABLES = (
    "courses",
    "venues",
    "sessions",
    "participants",
    "enrolments",
    "attendance",
    "assessments",
)


def dump_tables(db_path, folder) -> int:
    con = sqlcipher.connect(str(db_path))
    rows = 0
    try:
        for table in TABLES:
            cur = con.execute(f"SELECT * FROM {table}")
            with (folder / f"{table}.csv").open("w", encoding="utf-8", newline="") as fh:
                writer = csv.writer(fh)
                writer.writerow([d[0] for d in cur.description])
                for row in cur:
                    writer.writerow(row)
                    rows += 1
    finally:
        con.close()
    return rows


def main() -> None:
    from escape_desktop.export.upload_profile import get_profile
    from escape_desktop.export.upload_validate import validate_upload
    from escape_desktop.services.uploads import export_upload, set_site

    folder = large_demo_copy("bench-upload")
    out = OUTPUT / "bench-upload-files"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    db_path = folder / DB_FILENAME
    ctx = AppContext.open(folder)
    today = date.today()
    try:
        set_site(ctx, "Benchmark site (demo)", "BENCH1")  # an upload needs the site first
        counts: dict[str, int] = {}

        def export() -> None:
            result = export_upload(
                ctx,
                out / "upload.csv",
                attendance_out=out / "attendance.csv",
                today=today,
                overwrite=True,  # each repeat replaces the last one's files and manifest
            )
            counts["rows"] = result.rows
            counts["attendance"] = result.attendance_rows

        def baseline() -> None:
            counts["dumped"] = dump_tables(db_path, out)

        export()  # warm: the first export imports what it needs
        baseline()
        walls: dict[str, list[float]] = {"ours": [], "base": []}
        cpus: dict[str, list[float]] = {"ours": [], "base": []}
        for _ in range(1 if QUICK else 5):  # alternated, so both see the same machine
            for name, fn in (("base", baseline), ("ours", export)):
                wall, cpu = time.perf_counter(), time.process_time()
                fn()
                walls[name].append(time.perf_counter() - wall)
                cpus[name].append(time.process_time() - cpu)
        base, ours = statistics.median(walls["base"]), statistics.median(walls["ours"])
        cpu_base, cpu_ours = statistics.median(cpus["base"]), statistics.median(cpus["ours"])
        print(
            f"rows: upload {counts['rows']}, attendance {counts['attendance']}; "
            f"baseline dumped {counts['dumped']} rows from {len(TABLES)} tables"
        )
        print(
            f"CPU: export {cpu_ours * 1000:.1f} ms, dump {cpu_base * 1000:.1f} ms "
            f"(ratio {cpu_ours / cpu_base if cpu_base else float('inf'):.2f})"
        )
        report(
            "export csv (large demo, both files)",
            ours,
            "sqlite3+csv table dump",
            base,
            "<= 1.5x",
            max_ratio=1.5,
        )
        profile = get_profile(None, ctx.data_dir, ctx.library)
        for name in ("upload.csv", "attendance.csv"):
            check = validate_upload(out / name, profile)
            print(f"validate-upload {name}: {check.summary()}")
    finally:
        ctx.close()


if __name__ == "__main__":
    main()
