"""Crash safety: kill the writing process at random moments; nothing acknowledged is lost.

Each round starts a writer process on the same data folder. The writer makes service
calls one after another (each its own committed transaction) and prints the id of each
write once the call has returned. The test kills it (SIGKILL on POSIX) after a random
short time, then checks that every printed id is in the database and that the database
passes a full integrity check. Two folders run side by side to use both cores.
"""

from __future__ import annotations

import os
import random
import shutil
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import select

from escape_desktop.context import AppContext
from escape_desktop.db.engine import DB_FILENAME
from escape_desktop.db.integrity import integrity_problems
from escape_desktop.db.models import Attendance, Venue

# CI sets ESCAPE_DESKTOP_KILLS=200 (.ci/run); a plain `make test` runs fewer, never none.
KILLS = max(int(os.environ.get("ESCAPE_DESKTOP_KILLS", "40")), 2)
LANES = 2


def writer(folder: str, lane: str, start: int) -> None:  # runs in the child process
    from escape_desktop.services.attendance import mark_attendance
    from escape_desktop.services.courses import add_venue

    ctx = AppContext.open(folder)
    with ctx.db.read() as s:
        pairs = [(a.enrolment_id, a.session_id) for a in s.scalars(select(Attendance).limit(50))]
    rng = random.Random(start)
    print("ready", flush=True)
    i = start
    while True:
        # a small write and, now and then, a larger one that spans several pages
        address = "x" * rng.choice((0, 10, 3000, 9000))
        add_venue(ctx, f"{lane}-{i}", address)
        if pairs:
            e, sess = rng.choice(pairs)
            mark_attendance(ctx, e, sess, rng.choice(("present", "absent", "apologies")))
        print(i, flush=True)
        i += 1


def run_lane(template: Path, folder: Path, lane: str, rounds: int, seed: int) -> list[str]:
    folder.mkdir(parents=True)
    shutil.copy2(template, folder / DB_FILENAME)
    rng = random.Random(seed)
    acked: set[str] = set()
    failures: list[str] = []
    start = 0
    for round_no in range(rounds):
        proc = subprocess.Popen(
            [sys.executable, __file__, str(folder), lane, str(start)],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        assert proc.stdout is not None
        first = proc.stdout.readline()
        if first.strip() != "ready":
            proc.kill()
            proc.wait()
            failures.append(f"{lane} round {round_no}: writer did not start ({first!r})")
            break
        time.sleep(rng.uniform(0.0, 0.15))
        proc.kill()
        proc.wait()
        out = proc.stdout.read()
        proc.stdout.close()
        ids = [line.strip() for line in out.splitlines() if line.strip().isdigit()]
        acked.update(f"{lane}-{i}" for i in ids)
        if ids:
            start = int(ids[-1]) + 1
        start += 1  # the write in flight may or may not have landed; never reuse its name
        ctx = AppContext.open(folder)
        try:
            with ctx.db.read() as s:
                present = set(s.scalars(select(Venue.name).where(Venue.name.like(f"{lane}-%"))))
            missing = acked - present
            if missing:
                failures.append(f"{lane} round {round_no}: lost {sorted(missing)[:5]}")
            problems = integrity_problems(ctx.db, full=True)
            if problems:
                failures.append(f"{lane} round {round_no}: {problems[0]}")
            start = max(start, 1 + max((int(n.split("-")[1]) for n in present), default=0))
        finally:
            ctx.close()
        if failures:
            break
    if len(acked) < rounds:
        failures.append(f"{lane}: only {len(acked)} writes acknowledged in {rounds} rounds")
    return failures


@pytest.mark.slow
def test_kill_during_writes_loses_nothing_acknowledged(
    _demo_template: Path, tmp_path: Path
) -> None:
    per_lane = KILLS // LANES
    with ThreadPoolExecutor(LANES) as pool:
        results = pool.map(
            lambda n: run_lane(_demo_template, tmp_path / f"lane{n}", f"L{n}", per_lane, n),
            range(LANES),
        )
        failures = [f for lane in results for f in lane]
    assert failures == []


if __name__ == "__main__":
    writer(sys.argv[1], sys.argv[2], int(sys.argv[3]))
