"""How cost grows with the years: the same figures on 1x, 4x and 16x the large demo's history.

Data: `growth_data.grown_demo_dir(n)`, the large demo with n - 1 earlier copies of its whole
history (200 courses and 2,400 people a copy; 16x is 3,200 courses and 38,400 people), built
in SQL once and kept under benchmarks/output/. Each size is measured on a private copy.
Every figure is measured at each size in the same run, the sizes alternated run by run, and
the median taken; the baseline of a size's figure is the same figure at 1x.

- start-up: process start to the first paint, and to ready to mark (course view and
  register built, quick check passed): fresh processes, `bench_startup`'s app child;
- course switch: the whole window opening another course (two of the newest history's
  courses in turn, the same ids at every size);
- circuit shown: one finished course's circuit grid for session 6, shown and painted;
- upload: the whole upload (main and attendance files) of every course;
- registry load: `registry add` of that upload into a new registry.

Targets (issue 29, item 4): start-up and screens flat, the 16x figure within 10 % of the 1x
one; bulk paths linear, the time per row at 16x within 1.3x of that at 1x.
Writes benchmarks/output/growth.json and growth.svg (the plot in docs/performance.md is a
copy of the latter). Quick mode (CI): 1x and 2x, one run each, nothing enforced.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

from benchmarks import common
from benchmarks.common import OUTPUT, QUICK, report
from benchmarks.growth_data import grown_demo_copy
from escape_desktop.db.engine import DB_FILENAME

SIZES = tuple(
    int(n) for n in os.environ.get("BENCH_GROWTH_SIZES", "1,2" if QUICK else "1,4,16").split(",")
)
STARTUP_RUNS = 1 if QUICK else int(os.environ.get("BENCH_GROWTH_STARTUP_RUNS", "5"))
BULK_RUNS = 1 if QUICK else int(os.environ.get("BENCH_GROWTH_BULK_RUNS", "3"))
FLAT = 1.10  # a screen or start-up at 16x within 10 % of 1x
LINEAR = 1.30  # a bulk path's time per row at 16x within 1.3x of 1x
SESSION = 6
TODAY = date(2026, 12, 7)  # fixed, so every run shows the same courses in the same states


def _median_alternated(fns: dict[int, Callable[[], object]], runs: int) -> dict[int, float]:
    """Seconds per size: each run times every size once, in turn; medians."""
    times: dict[int, list[float]] = {n: [] for n in fns}
    for _ in range(runs):
        for n, fn in fns.items():
            t0 = time.perf_counter()
            fn()
            times[n].append(time.perf_counter() - t0)
    return {n: statistics.median(ts) for n, ts in times.items()}


def _sizes(folders: dict[int, Path]) -> dict[int, dict[str, float]]:
    import sqlcipher3.dbapi2 as sqlcipher

    out = {}
    for n, folder in folders.items():
        con = sqlcipher.connect(str(folder / DB_FILENAME))
        try:
            out[n] = {
                what: float(con.execute(f"SELECT count(*) FROM {what}").fetchone()[0])
                for what in ("courses", "participants", "enrolments", "attendance")
            }
        finally:
            con.close()
        out[n]["mb"] = (folder / DB_FILENAME).stat().st_size / 1e6
    return out


def _chosen_courses(folder: Path) -> tuple[list[int], int]:
    """Two busy courses of the newest history for the switch, and a finished course with the
    most people for the circuit; the copies' ids lie above these, so every size has them."""
    import sqlcipher3.dbapi2 as sqlcipher

    con = sqlcipher.connect(str(folder / DB_FILENAME))
    try:
        ids = [r[0] for r in con.execute("SELECT id FROM courses ORDER BY start_date, id")]
        circuit = con.execute(
            "SELECT e.course_id FROM enrolments e JOIN sessions s ON s.course_id = e.course_id "
            "WHERE s.number = ? AND s.cancelled = 0 AND s.date < ? "
            "GROUP BY e.course_id ORDER BY count(DISTINCT e.id) DESC, e.course_id LIMIT 1",
            (SESSION, TODAY.isoformat()),
        ).fetchone()[0]
    finally:
        con.close()
    return [ids[len(ids) // 3], ids[2 * len(ids) // 3]], int(circuit)


def run_until_ready(folder: Path, timeout: float = 900) -> dict[str, float]:
    """`bench_startup`'s app child on ``folder``: seconds from process start to its first
    paint and to ready to mark. The child is stopped (SIGKILL) once ready: what it does on
    closing (the day's backup, the content checksums of a 600 MB file) is not start-up, and
    would make each run at 16x minutes long."""
    import subprocess
    import sys

    from benchmarks.bench_startup import APP, PYCACHE

    env = dict(os.environ, QT_QPA_PLATFORM=os.environ.get("QT_QPA_PLATFORM", "offscreen"))
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(PYCACHE)
    started = time.time()
    child = subprocess.Popen(
        [sys.executable, "-c", APP, str(folder)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=env,
    )
    marks: dict[str, float] = {}
    try:
        assert child.stdout is not None
        for line in child.stdout:
            key, _, value = line.partition(" ")
            if key in ("FIRST_PAINT", "PHASE_ready"):
                marks[key] = float(value) - started
            if key == "PHASE_ready" or time.time() - started > timeout:
                break
    finally:
        child.kill()
        child.wait()
    if "PHASE_ready" not in marks or "FIRST_PAINT" not in marks:
        raise RuntimeError(f"the app on {folder.name} never became ready")
    return marks


def measure_startup(folders: dict[int, Path]) -> dict[str, dict[int, float]]:
    for folder in folders.values():  # warm the file cache; the app saves its last course
        run_until_ready(folder)
    samples: dict[int, list[dict[str, float]]] = {n: [] for n in folders}
    for _ in range(STARTUP_RUNS):
        for n, folder in folders.items():
            samples[n].append(run_until_ready(folder))

    def med(key: str) -> dict[int, float]:
        return {n: statistics.median(s[key] for s in samples[n]) for n in folders}

    return {"first paint": med("FIRST_PAINT"), "ready to mark": med("PHASE_ready")}


def measure_screens(folders: dict[int, Path]) -> dict[str, dict[int, float]]:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    from escape_desktop.context import AppContext
    from escape_desktop.ui.app.main_window import create_main_window
    from escape_desktop.ui.circuit.circuit_section import CircuitSection
    from escape_desktop.ui.common.change_bus import ChangeBus

    app = QApplication.instance() or QApplication([])
    switch_ids, circuit_id = _chosen_courses(folders[1])
    contexts, widgets = [], []
    switch: dict[int, Callable[[], object]] = {}
    circuit: dict[int, Callable[[], object]] = {}
    try:
        for n, folder in folders.items():
            ctx = AppContext.open(folder)
            contexts.append(ctx)
            window = create_main_window(ctx, today=TODAY)
            window.resize(1366, 768)
            window.show()
            section = CircuitSection(ctx, ChangeBus(), today=TODAY)
            section.resize(1366, 768)
            section.show()
            section.set_course(circuit_id)
            widgets += [window, section]
            app.processEvents()
            turn = iter(switch_ids * 10_000)

            def open_next(window=window, turn=turn) -> None:  # type: ignore[no-untyped-def]
                window.open_course(next(turn))
                app.processEvents()

            def show_circuit(section=section) -> None:  # type: ignore[no-untyped-def]
                section.show_session(SESSION)
                section.table.viewport().repaint()

            switch[n], circuit[n] = open_next, show_circuit
        for fn in (*switch.values(), *circuit.values()):  # warm up: every screen built once
            fn()
        runs = 1 if QUICK else 15
        return {
            "course switch": _median_alternated(switch, runs),
            "circuit shown": _median_alternated(circuit, runs),
        }
    finally:
        for w in widgets:
            w.close()
            w.deleteLater()
        app.processEvents()
        for ctx in contexts:
            ctx.db.wrote = False  # a throwaway copy: no content checksums of it on closing
            ctx.close()


def measure_bulk(
    folders: dict[int, Path], refused: dict[int, str]
) -> tuple[dict[str, dict[int, float]], dict[int, int]]:
    """Seconds for the upload and the registry load at each size, and the rows of each
    upload; a size whose upload the registry refuses is left out of the load, with the
    registry's sentence in ``refused``."""
    from escape_desktop.context import AppContext
    from escape_desktop.export.upload_profile import get_profile
    from escape_desktop.registry.checks import UploadRefused
    from escape_desktop.registry.load import add_files
    from escape_desktop.registry.store import open_registry
    from escape_desktop.services.uploads import export_upload, set_site

    contexts: dict[int, AppContext] = {}
    rows: dict[int, int] = {}
    out = OUTPUT / "growth-files"
    shutil.rmtree(out, ignore_errors=True)  # the last run's registries
    upload: dict[int, Callable[[], object]] = {}
    load: dict[int, Callable[[], object]] = {}
    runs = iter(range(1_000_000))
    try:
        for n, folder in folders.items():
            ctx = AppContext.open(folder)
            contexts[n] = ctx
            set_site(ctx, "Growth benchmark site (demo)", "GROW1")
            files = out / f"{n}x"
            files.mkdir(parents=True, exist_ok=True)
            main_csv = files / "upload.csv"
            profile = get_profile(None, ctx.data_dir, ctx.library)

            def export(ctx=ctx, files=files, main_csv=main_csv, n=n) -> None:  # type: ignore[no-untyped-def]
                result = export_upload(
                    ctx,
                    main_csv,
                    attendance_out=files / "attendance.csv",
                    today=TODAY,
                    overwrite=True,
                )
                rows[n] = result.rows + result.attendance_rows

            def registry_add(main_csv=main_csv, n=n, profile=profile) -> None:  # type: ignore[no-untyped-def]
                db = open_registry(out / f"registry-{n}x-{next(runs)}")
                try:
                    add_files(db, [main_csv], lambda _name: profile)
                finally:
                    db.dispose()

            upload[n], load[n] = export, registry_add
            export()  # the files the registry loads, and a warm-up
            try:
                registry_add()  # a warm-up too, and the registry's verdict on the upload
            except UploadRefused as e:
                refused[n] = str(e)
                del load[n]
        times = {"upload": _median_alternated(upload, BULK_RUNS)}
        times["registry load"] = _median_alternated(load, BULK_RUNS)
        return times, rows
    finally:
        for ctx in contexts.values():
            ctx.db.wrote = False  # a throwaway copy: no content checksums of it on closing
            ctx.close()
        for folder in out.glob("registry-*"):
            shutil.rmtree(folder, ignore_errors=True)


def plot(data: dict, path: Path) -> None:
    """Write the plot as SVG (or PDF, when the name ends .pdf, to look at it)."""
    drawing = _drawing(data)
    if path.suffix == ".pdf":
        from reportlab.graphics import renderPDF

        renderPDF.drawToFile(drawing, str(path))
    else:
        from reportlab.graphics import renderSVG

        renderSVG.drawToFile(drawing, str(path))


def _drawing(data: dict):  # type: ignore[no-untyped-def]
    """Each figure as a ratio to its own 1x figure against the size (log scale): start-up and
    screens beside their 1.1 limit, the bulk paths' time per row beside their 1.3 limit."""
    import math

    from reportlab.graphics.charts.legends import LineLegend
    from reportlab.graphics.charts.lineplots import LinePlot
    from reportlab.graphics.shapes import Drawing, Line, String
    from reportlab.graphics.widgets.markers import makeMarker
    from reportlab.lib import colors

    palette = [colors.HexColor(c) for c in ("#1f77b4", "#d62728", "#2ca02c", "#9467bd")]
    sizes = [int(n) for n in data["times"]]
    xs = [math.log2(n) for n in sizes]
    courses = {n: int(data["sizes"][str(n)]["courses"]) for n in sizes}
    drawing = Drawing(760, 340)

    def chart(x: int, title: str, series: dict[str, list[float]], limit: float) -> None:
        lp = LinePlot()
        lp.x, lp.y, lp.width, lp.height = x + 50, 120, 290, 170
        lp.data = [
            [(x, v) for x, v in zip(xs, values, strict=True) if v is not None]
            for values in series.values()
        ]
        lp.xValueAxis.valueMin, lp.xValueAxis.valueMax = xs[0], xs[-1]
        lp.xValueAxis.valueSteps = xs
        lp.xValueAxis.labelTextFormat = lambda v: f"{2**v:.0f}x ({courses[round(2**v)]})"
        top = max(
            1.5, limit * 1.15, max(v for vs in series.values() for v in vs if v is not None) * 1.1
        )
        lp.yValueAxis.valueMin, lp.yValueAxis.valueMax = 0, top
        lp.yValueAxis.valueStep = 0.25 if top <= 2 else 0.5
        lp.yValueAxis.labelTextFormat = "%.2f"
        for i in range(len(series)):
            lp.lines[i].strokeColor = palette[i % len(palette)]
            lp.lines[i].strokeWidth = 1.5
            lp.lines[i].symbol = makeMarker("FilledCircle", size=4)
        drawing.add(lp)
        y = lp.y + lp.height * limit / top
        drawing.add(
            Line(lp.x, y, lp.x + lp.width, y, strokeColor=colors.grey, strokeDashArray=[4, 3])
        )
        drawing.add(
            String(
                lp.x + lp.width - 2,
                y + 3,
                f"limit {limit:g}",
                fontSize=8,
                textAnchor="end",
                fillColor=colors.grey,
            )
        )
        drawing.add(String(x + 50, 312, title, fontName="Helvetica-Bold", fontSize=11))
        drawing.add(String(x + 50, 95, "history: times the large demo (courses)", fontSize=9))
        legend = LineLegend()
        legend.x, legend.y = x + 50, 72
        legend.fontSize = 9
        legend.columnMaximum = 2
        legend.dx, legend.dy, legend.deltax = 14, 2, 150
        legend.colorNamePairs = [(palette[i % len(palette)], name) for i, name in enumerate(series)]
        drawing.add(legend)

    t = {int(n): v for n, v in data["times"].items()}
    rows = {n: data["sizes"][str(n)]["rows"] for n in sizes}
    flat = ("first paint", "ready to mark", "course switch", "circuit shown")
    chart(
        0,
        "Start-up and screens: time / time at 1x",
        {k: [t[n][k] / t[1][k] for n in sizes] for k in flat},
        FLAT,
    )
    chart(
        390,
        "Bulk paths: time a row / at 1x",
        {
            k: [
                None if t[n][k] is None else (t[n][k] / rows[n]) / (t[1][k] / rows[1])
                for n in sizes
            ]
            for k in ("upload", "registry load")
        },
        LINEAR,
    )
    drawing.add(
        String(
            10,
            8,
            "Medians of runs alternated between the sizes, all in one run "
            "(benchmarks/bench_growth.py); the figures are in docs/performance.md.",
            fontSize=8,
            fillColor=colors.grey,
        )
    )
    return drawing


def main() -> None:
    t0 = time.perf_counter()
    folders = {n: grown_demo_copy(n, f"growth-{n}x") for n in SIZES}
    sizes = _sizes(folders)
    print(f"data ready in {time.perf_counter() - t0:.0f} s")
    for n in SIZES:
        s = sizes[n]
        print(
            f"  {n}x: {s['courses']:.0f} courses, {s['participants']:.0f} people, "
            f"{s['attendance']:.0f} register marks, {s['mb']:.0f} MB"
        )
    figures = measure_startup(folders)
    figures.update(measure_screens(folders))
    top = SIZES[-1]
    for what in ("first paint", "ready to mark", "course switch", "circuit shown"):
        for n in SIZES[1:]:
            report(
                f"{what} at {n}x history ({sizes[n]['courses']:.0f} courses)",
                figures[what][n],
                f"the same at 1x ({sizes[1]['courses']:.0f} courses)",
                figures[what][1],
                f"flat: within {FLAT - 1:.0%} of 1x",
                max_ratio=FLAT if n == top else None,
            )
    refused: dict[int, str] = {}
    bulk, rows = measure_bulk(folders, refused)
    figures.update(bulk)
    for what in ("upload", "registry load"):
        per_row = {n: t / rows[n] for n, t in figures[what].items()}
        for n in SIZES:
            if n not in per_row:
                line = f"{what} at {n}x history ({rows[n]} rows): refused: {refused.get(n)}"
                print(line)
                if n == top:
                    common.MISSED.append(line)
                continue
            print(
                f"{what} at {n}x: {figures[what][n] * 1000:.0f} ms for {rows[n]} rows, "
                f"{per_row[n] * 1e6:.1f} us a row"
            )
            if n == 1:
                continue
            report(
                f"{what} at {n}x history ({rows[n]} rows)",
                figures[what][n],
                f"1x ({rows[1]} rows) scaled to as many rows",
                per_row[1] * rows[n],
                f"linear: a row within {LINEAR:g}x of 1x",
                max_ratio=LINEAR if n == top else None,
            )
    data = {
        "sizes": {str(n): sizes[n] | {"rows": rows[n]} for n in SIZES},
        "times": {str(n): {k: v.get(n) for k, v in figures.items()} for n in SIZES},
        "refused": {str(n): why for n, why in refused.items()},
    }
    (OUTPUT / "growth.json").write_text(json.dumps(data, indent=1) + "\n")
    plot(data, OUTPUT / "growth.svg")
    print(f"plot: {OUTPUT / 'growth.svg'}")


if __name__ == "__main__":
    main()
