"""Shared benchmark helpers: the large demo built once, and a timer that reports ratios."""

from __future__ import annotations

import os
import shutil
import statistics
import time
from collections.abc import Callable
from pathlib import Path

from escape_desktop.context import AppContext
from escape_desktop.db.engine import DB_FILENAME

OUTPUT = Path(__file__).resolve().parent / "output"
LARGE_SEED = 1


def large_demo_dir() -> Path:
    """A data folder holding the large demo, built once and reused between runs."""
    folder = OUTPUT / "large-demo"
    if not (folder / DB_FILENAME).exists() or not (folder / "ready").exists():
        from escape_desktop.services.demo import generate_demo

        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        ctx = AppContext.open(folder)
        generate_demo(ctx, scale="large", seed=LARGE_SEED)
        ctx.db.checkpoint()
        ctx.close()
        (folder / "ready").write_text("ok")
    return folder


def large_demo_copy(name: str) -> Path:
    """A private copy of the large demo, for benchmarks that write."""
    source = large_demo_dir()
    target = OUTPUT / name
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    shutil.copy2(source / DB_FILENAME, target / DB_FILENAME)
    return target


# CI runs every benchmark once with ESCAPE_DESKTOP_BENCH_QUICK=1 so none can rot unnoticed;
# the figures of a quick run are not meant to be read.
QUICK = bool(os.environ.get("ESCAPE_DESKTOP_BENCH_QUICK"))


def median_seconds(fn: Callable[[], object], repeat: int = 7, warmup: int = 1) -> float:
    if QUICK:
        repeat, warmup = 1, 0
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


# Targets that a run missed; `python -m benchmarks` exits non-zero when any is listed and the
# run is not a quick one (a quick run's figures are not meant to be read).
MISSED: list[str] = []
RESULTS: list[dict] = []

# Issue 29's targets for the figures whose benchmark names no limit of its own (a max_ratio or
# max_ms given to report() wins), matched on the start of the figure's name, so `make bench`
# asserts them all.
TARGETS: dict[str, dict[str, float]] = {
    # item 1: first paint within 1.5x a bare PySide6 window
    "start-up to first paint": {"max_ratio": 1.5},
    # item 2: every screen within one frame (16 ms at 60 Hz), a write within 5 ms end to end
    "circuit shown (16 x 10)": {"max_ms": 16},
    "open a course (all four sections)": {"max_ms": 16},
    "cell saved (model -> service)": {"max_ms": 5},
    "mark one cell, whole window listening": {"max_ms": 5},
    # item 3: the upload within 1.5x a bare dump; the registry load within 3x a plain load
    "export csv (large demo, both files)": {"max_ratio": 1.5},
    "registry add (all files, new registry)": {"max_ratio": 3},
    "[sqlite] registry add (all files, new registry)": {"max_ratio": 3},
    "[postgresql] registry add (all files, new registry)": {"max_ratio": 3},
    # the benchmarks' own earlier targets, still asserted
    "open a course's register (grid only)": {"max_ms": 100},
    "mark one cell in the register grid": {"max_ms": 20},
    "undo a mark, whole window": {"max_ms": 100},
    "session sheet 16x10": {"max_ratio": 2},
    "certificates x16": {"max_ms": 1000},
}


def target_for(name: str) -> dict[str, float]:
    """The limits TARGETS sets for a figure of this name (empty when none)."""
    for prefix, limits in TARGETS.items():
        if name.startswith(prefix):
            return limits
    return {}


def report(
    name: str,
    seconds: float,
    baseline_name: str,
    baseline: float,
    target: str,
    *,
    max_ratio: float | None = None,
    max_ms: float | None = None,
) -> dict:
    """Print and return one result line: absolute time, the baseline, their ratio.

    `max_ratio` (ratio to the baseline) and `max_ms` (absolute, e.g. one frame = 16 ms) are
    asserted: a miss is recorded in MISSED and makes `make bench` fail. Without either, the
    limits TARGETS sets for the name apply. `target` is the words printed beside the figures.
    """
    if max_ratio is None and max_ms is None and (limits := target_for(name)):
        max_ratio, max_ms = limits.get("max_ratio"), limits.get("max_ms")
        target += "; asserted " + ", ".join(
            f"<= {v:g}{'x' if k == 'max_ratio' else ' ms'}" for k, v in limits.items()
        )
    ratio = seconds / baseline if baseline > 0 else float("inf")
    ms = seconds * 1000
    missed = (max_ratio is not None and ratio > max_ratio) or (max_ms is not None and ms > max_ms)
    verdict = "" if max_ratio is None and max_ms is None else ("; MISSED" if missed else "; met")
    line = (
        f"{name}: {ms:.1f} ms; baseline {baseline_name}: {baseline * 1000:.1f} ms; "
        f"ratio {ratio:.2f}; target {target}{verdict}"
    )
    print(line, flush=True)
    if missed:
        MISSED.append(line)
    result = {
        "name": name,
        "ms": ms,
        "baseline_ms": baseline * 1000,
        "ratio": ratio,
        "missed": missed,
    }
    RESULTS.append(result)
    return result


def check(name: str, value: float, limit: float, unit: str) -> bool:
    """Assert one absolute figure that has no time baseline (e.g. peak memory in MiB)."""
    ok = value <= limit
    line = f"{name}: {value:.1f} {unit}; target <= {limit:g} {unit}; {'met' if ok else 'MISSED'}"
    print(line, flush=True)
    if not ok:
        MISSED.append(line)
    return ok
