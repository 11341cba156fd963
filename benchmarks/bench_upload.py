"""Central upload of the large demo, against a plain dump of the same tables to CSV.

Baseline: the tables the export reads (courses, venues, sessions, participants,
enrolments, attendance, assessments) dumped row by row with the sqlcipher3 module (the
same SQLite build and file) and Python's csv module. Target: the full export (main file
and attendance file, validated profile, safety on every text cell, atomic write, batch
recorded) within 3x of that.
"""

from __future__ import annotations

import csv
import shutil
from datetime import date

import sqlcipher3.dbapi2 as sqlcipher

from benchmarks.common import OUTPUT, large_demo_copy, median_seconds, report
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

        base = median_seconds(baseline, repeat=5)
        ours = median_seconds(export, repeat=5)
        print(
            f"rows: upload {counts['rows']}, attendance {counts['attendance']}; "
            f"baseline dumped {counts['dumped']} rows from {len(TABLES)} tables"
        )
        report("export csv (large demo, both files)", ours, "sqlite3+csv table dump", base, "<= 3x")
        profile = get_profile(None, ctx.data_dir, ctx.library)
        for name in ("upload.csv", "attendance.csv"):
            check = validate_upload(out / name, profile)
            print(f"validate-upload {name}: {check.summary()}")
    finally:
        ctx.close()


if __name__ == "__main__":
    main()
