"""The national registry at scale: 1,000 sites x 5 yearly uploads, on SQLite and on PostgreSQL.

Files: SITES x YEARS generated uploads in the shipped profile's format (ROWS people each, cut
from the large demo's real upload, so every row passes every check), each year's courses
under their own codes, about a million rows in all. For each engine, in the same run:
- baseline: a plain bulk load of the same rows into one table of text columns: PostgreSQL
  ``COPY ... FROM STDIN`` (psycopg), SQLite ``executemany`` in one transaction;
- ``registry add`` of every file into a new registry (manifest, SHA-256, every rule on every
  cell, merge by site + course + person, history; one transaction an upload);
- the report (the figures, added up by the database, then the PDF) in a fresh process of its
  own, as `registry report` runs, with that process's peak memory (VmHWM).
The PostgreSQL server is a private one started from the Debian package (tests/pg_server.py)
with its durable settings (fsync on), as a real server runs. Without one, that half says why.
ESCAPE_DESKTOP_BENCH_SITES / _ROWS change the size; quick mode (CI) runs a small one.
"""

from __future__ import annotations

import csv
import os
import shutil
import sys
import time
from datetime import datetime
from pathlib import Path

from benchmarks.common import OUTPUT, QUICK, report
from escape_desktop.export.upload_manifest import (
    CourseCounts,
    Manifest,
    describe_file,
    manifest_path_for,
    render_manifest,
)

SITES = int(os.environ.get("ESCAPE_DESKTOP_BENCH_SITES", "20" if QUICK else "1000"))
YEARS = 5
ROWS = int(os.environ.get("ESCAPE_DESKTOP_BENCH_ROWS", "20" if QUICK else "200"))


def make_files(folder: Path, profile) -> list[Path]:  # type: ignore[no-untyped-def]
    from benchmarks.bench_registry import _real_rows
    from escape_desktop.export.upload_checks import counts_from_rows

    header, source = _real_rows(profile)
    site_col, course_col = header.index("site_code"), header.index("course_code")
    status_col = header.index("course_status")
    files = []
    for s in range(SITES):
        code = f"N{s:04d}"
        for y in range(YEARS):
            path = folder / f"upload-{code}-{y}.csv"
            first = ((s * YEARS + y) * ROWS) % max(len(source) - ROWS, 1)
            rows = [list(r) for r in source[first : first + ROWS]]
            for r in rows:
                r[site_col] = code
                r[course_col] = f"{r[course_col]}-Y{y}"  # each year's courses are new ones
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
                f"National site {s} (generated)",
                code,
                profile.name,
                str(profile.version),
                "bench",
                datetime(2026, 1 + y * 2, 1 + s % 28, 9, s % 60),
                f"national-{code}-{y}",
                (describe_file(path),),
                courses,
            )
            manifest_path_for(path).write_text(render_manifest(m), encoding="utf-8")
            files.append(path)
    return files


def _rows_of(files: list[Path]):  # type: ignore[no-untyped-def]
    for f in files:
        with f.open(encoding="utf-8", newline="") as fh:
            reader = csv.reader(fh)
            next(reader)
            for r in reader:
                yield [f.stem, *r]


def plain_sqlite(files: list[Path], path: Path) -> int:
    import sqlcipher3.dbapi2 as sqlcipher

    path.unlink(missing_ok=True)
    con = sqlcipher.connect(str(path))
    try:
        with files[0].open(encoding="utf-8", newline="") as fh:
            header = next(csv.reader(fh))
        cols = ", ".join(f'"{h}" TEXT' for h in header)
        con.execute(f"CREATE TABLE upload (file TEXT, {cols})")
        marks = ", ".join("?" * (len(header) + 1))
        con.execute("BEGIN")
        con.executemany(f"INSERT INTO upload VALUES ({marks})", _rows_of(files))
        con.commit()
        return int(con.execute("SELECT count(*) FROM upload").fetchone()[0])
    finally:
        con.close()


def plain_copy(files: list[Path], url: str) -> int:
    import psycopg

    with files[0].open(encoding="utf-8", newline="") as fh:
        header = next(csv.reader(fh))
    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as con:
        cols = ", ".join(f'"{h}" text' for h in header)
        con.execute("DROP TABLE IF EXISTS upload")
        con.execute(f"CREATE TABLE upload (file text, {cols})")  # type: ignore[arg-type]
        with con.cursor().copy("COPY upload FROM STDIN") as copy:
            for row in _rows_of(files):
                copy.write_row(row)
        con.commit()
        return int(con.execute("SELECT count(*) FROM upload").fetchone()[0])  # type: ignore[index]


def _status_mb(field: str) -> float | None:
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith(f"{field}:"):
                return int(line.split()[1]) / 1024
    return None


def run_engine(name: str, files: list[Path], out: Path, url: str | None, library, profile) -> None:  # type: ignore[no-untyped-def]
    from escape_desktop.registry.load import add_files, table_counts
    from escape_desktop.registry.store import open_registry_at

    folder = out / f"registry-{name}"
    shutil.rmtree(folder, ignore_errors=True)
    t0 = time.perf_counter()
    plain = (
        plain_copy(files, url.rsplit("/", 1)[0] + "/postgres")  # beside, not in, the registry
        if url
        else plain_sqlite(files, out / "plain.db")
    )
    base = time.perf_counter() - t0
    db = open_registry_at(folder, url)
    t0, c0 = time.perf_counter(), time.process_time()
    add_files(db, files, lambda _name: profile)
    ours, ours_cpu = time.perf_counter() - t0, time.process_time() - c0
    counts = table_counts(db)
    db.dispose()
    child = report_in_fresh_process(folder, url, out / f"report-{name}.pdf")
    print(
        f"[{name}] {SITES} sites x {YEARS} uploads, {plain} rows; registry holds "
        f"{counts['records']} rows, {counts['courses']} courses, {counts['batches']} uploads"
    )
    report(
        f"[{name}] registry add (all files, new registry)",
        ours,
        "COPY into one table" if url else "executemany into one table",
        base,
        "<= 3x the plain load (issue 29 item 3)",
        max_ratio=3,
    )
    print(f"[{name}] registry add: {ours_cpu:.1f} s of this process's CPU ({ours:.1f} s wall)")
    peak = child.get("peak_mb")
    print(
        f"[{name}] registry report (a fresh process): {child['seconds']:.1f} s (figures "
        f"{child['figures_s']:.1f} s, CPU {child['figures_cpu_s']:.1f} s; the rest the PDF), "
        f"{child['pages']} pages; the process's peak memory (VmHWM) "
        + (
            f"{peak:.0f} MB ({child['figures_peak_mb']:.0f} MB when the figures were done, "
            f"{child['start_mb']:.0f} MB held before the report began)"
            if peak is not None
            else "not known on this platform"
        )
    )


def report_in_fresh_process(folder: Path, url: str | None, pdf: Path) -> dict:
    """The report (figures, then the PDF) run by a new Python process of its own, as
    `registry report` runs, so its peak memory is the report's and not the load's; what it
    measured, as a dict."""
    import json
    import subprocess

    code = (
        "import json, sys; from benchmarks.bench_registry_national import _child_report as r; "
        "print(json.dumps(r(*sys.argv[1:])))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(folder), url or "", str(pdf)],
        cwd=Path(__file__).resolve().parent.parent,
        capture_output=True,
        text=True,
        check=True,
    )
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def _child_report(folder: str, url: str, pdf: str) -> dict:
    from escape_desktop.library import load_library
    from escape_desktop.registry.pdf_report import render_registry_report
    from escape_desktop.registry.report import gather_report
    from escape_desktop.registry.store import open_registry_at

    library = load_library()
    db = open_registry_at(Path(folder), url or None)
    start_mb = _status_mb("VmRSS")
    t0, c0 = time.perf_counter(), time.process_time()
    data = gather_report(db, library)  # the figures: GROUP BY in the database
    figures_s, figures_cpu_s = time.perf_counter() - t0, time.process_time() - c0
    figures_peak_mb = _status_mb("VmHWM")  # the peak so far: the figures, before the PDF
    pages = render_registry_report(data, Path(pdf))
    seconds = time.perf_counter() - t0
    db.dispose()
    return {
        "seconds": seconds,
        "figures_s": figures_s,
        "figures_cpu_s": figures_cpu_s,
        "pages": pages,
        "start_mb": start_mb,
        "figures_peak_mb": figures_peak_mb,
        "peak_mb": _status_mb("VmHWM"),
    }


def main() -> None:
    from escape_desktop.export.upload_profile import get_profile
    from escape_desktop.library import load_library

    library = load_library()
    profile = get_profile(None, None, library)
    out = OUTPUT / "bench-registry-national"
    shutil.rmtree(out, ignore_errors=True)
    (out / "files").mkdir(parents=True)
    t0 = time.perf_counter()
    files = make_files(out / "files", profile)
    print(f"made {len(files)} uploads in {time.perf_counter() - t0:.0f} s")
    run_engine("sqlite", files, out, None, library, profile)
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
    from pg_server import NoServer, Server

    server = Server(fast=False)
    try:
        server.start()
    except NoServer as e:
        print(f"[postgresql] not run: {e}")
        return
    try:
        run_engine("postgresql", files, out, server.new_database(), library, profile)
    finally:
        server.stop()


if __name__ == "__main__":
    main()
