"""registry add of many sites' uploads, against a plain sqlite3 + csv load of the same files.

Files: SITES generated upload CSVs in the shipped profile's format (ROWS people each, valid
codes and scores), each with its manifest. Baseline: the same files read with Python's csv
module and inserted with executemany into one table of text columns, through the sqlcipher3
module (the same SQLite build), one transaction. Ours: ``registry add`` of all the files into
a new registry (manifest checked, SHA-256, every rule on every cell, merge by site, course
and person, history). Target: tens of thousands of rows from hundreds of sites in seconds.
"""

from __future__ import annotations

import csv
import shutil
import time
from datetime import datetime, timedelta
from pathlib import Path

import sqlcipher3.dbapi2 as sqlcipher

from benchmarks.common import OUTPUT, large_demo_copy, report
from escape_desktop.export.upload_manifest import (
    CourseCounts,
    Manifest,
    describe_file,
    manifest_path_for,
    render_manifest,
)
from escape_desktop.export.upload_profile import get_profile
from escape_desktop.library import load_library

SITES = 200
ROWS = 150  # people a site: 30,000 rows in all
ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def _real_rows(profile) -> tuple[list[str], list[list[str]]]:  # type: ignore[no-untyped-def]
    """The large demo's own upload (consistent rows that pass every check), read once."""
    from escape_desktop.context import AppContext
    from escape_desktop.services.uploads import export_upload, set_site

    folder = large_demo_copy("bench-registry-source")
    ctx = AppContext.open(folder)
    try:
        set_site(ctx, "Bench source", "BENCH1")
        out = OUTPUT / "bench-registry-source.csv"
        export_upload(ctx, out, overwrite=True)
    finally:
        ctx.close()
    with out.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.reader(fh)
        header = next(reader)
        return header, list(reader)


def make_files(folder: Path, profile) -> list[Path]:  # type: ignore[no-untyped-def]
    """SITES uploads of ROWS people each, cut from the large demo's real upload."""
    from escape_desktop.export.upload_checks import counts_from_rows

    header, source = _real_rows(profile)
    site_col = header.index("site_code")
    course_col = header.index("course_code")
    status_col = header.index("course_status")
    files = []
    for s in range(SITES):
        code = f"S{s:04d}"
        path = folder / f"upload-{code}.csv"
        first = (s * ROWS) % max(len(source) - ROWS, 1)
        rows = [list(r) for r in source[first : first + ROWS]]
        for r in rows:
            r[site_col] = code
        with path.open("w", encoding="utf-8", newline="") as fh:
            w = csv.writer(fh, lineterminator="\r\n")
            w.writerow(header)
            w.writerows(rows)
        phase = {r[course_col]: r[status_col] for r in rows}
        courses = tuple(
            CourseCounts(c, phase[c], counts, {})
            for c, counts in sorted(counts_from_rows(profile.main, header, rows).items())
        )
        m = Manifest(
            f"Site {s} (generated)",
            code,
            profile.name,
            str(profile.version),
            "bench",
            datetime(2026, 12, 1) + timedelta(minutes=s),
            f"bench-{code}",
            (describe_file(path),),
            courses,
        )
        manifest_path_for(path).write_text(render_manifest(m), encoding="utf-8")
        files.append(path)
    return files


def plain_load(files: list[Path], db_path: Path) -> int:
    db_path.unlink(missing_ok=True)
    con = sqlcipher.connect(str(db_path))
    rows = 0
    try:
        with files[0].open(encoding="utf-8", newline="") as fh:
            header = next(csv.reader(fh))
        cols = ", ".join(f'"{h}" TEXT' for h in header)
        con.execute(f"CREATE TABLE upload (site TEXT, {cols})")
        marks = ", ".join("?" * (len(header) + 1))
        con.execute("BEGIN")
        for f in files:
            with f.open(encoding="utf-8", newline="") as fh:
                reader = csv.reader(fh)
                next(reader)
                batch = [[f.stem] + r for r in reader]
            con.executemany(f"INSERT INTO upload VALUES ({marks})", batch)
            rows += len(batch)
        con.commit()
    finally:
        con.close()
    return rows


def main() -> None:
    from escape_desktop.registry.load import add_files, table_counts
    from escape_desktop.registry.store import open_registry

    library = load_library()
    profile = get_profile(None, None, library)
    out = OUTPUT / "bench-registry"
    shutil.rmtree(out, ignore_errors=True)
    (out / "files").mkdir(parents=True)
    files = make_files(out / "files", profile)

    def timed(fn) -> float:  # type: ignore[no-untyped-def]
        t0 = time.perf_counter()
        fn()
        return time.perf_counter() - t0

    base_times, our_times, again_times = [], [], []
    counts: dict[str, int] = {}
    for run in range(3):
        base_times.append(
            timed(lambda: counts.__setitem__("plain", plain_load(files, out / "plain.db")))
        )
        folder = out / f"registry-{run}"
        shutil.rmtree(folder, ignore_errors=True)
        db = open_registry(folder)
        our_times.append(timed(lambda db=db: add_files(db, files, lambda name: profile)))
        again_times.append(timed(lambda db=db: add_files(db, files, lambda name: profile)))
        counts.update(table_counts(db))
        db.dispose()
    from escape_desktop.registry.pdf_report import render_registry_report
    from escape_desktop.registry.report import gather_report

    db = open_registry(out / "registry-0")
    pdf = out / "report.pdf"
    t0 = time.perf_counter()
    data = gather_report(db, library)
    pages = render_registry_report(data, pdf)
    report_s = time.perf_counter() - t0
    db.dispose()
    print(f"registry report: {report_s * 1000:.0f} ms for {len(data.sites)} sites, {pages} pages")
    median = lambda xs: sorted(xs)[len(xs) // 2]  # noqa: E731
    print(
        f"{SITES} sites, {counts['plain']} rows; registry holds {counts['records']} rows, "
        f"{counts['courses']} courses, {counts['batches']} uploads"
    )
    report(
        "registry add (all files, new registry)",
        median(our_times),
        "sqlite3+csv plain load",
        median(base_times),
        "<= 3x the plain load (issue 29 item 3)",
        max_ratio=3,
    )
    report(
        "registry add again (all already loaded)",
        median(again_times),
        "sqlite3+csv plain load",
        median(base_times),
        "no more than the first load",
    )


if __name__ == "__main__":
    main()
