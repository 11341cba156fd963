"""Data folders with N times the large demo's history, made in SQL in seconds, not minutes.

`grown_demo_dir(n)` copies the large demo and adds n - 1 earlier copies of its history: every
course and person again, with everything that hangs off them (sessions, enrolments, the
register, circuit records, measures, follow-ups, ...), ids shifted past the last ones and every
date moved back by whole weeks (weekdays intact): each copy lies wholly before today, so it is
finished history, and after the programme began (2005: the registry refuses earlier dates),
so the copies overlap one another in time, as a busy site's many venues would. The tables copied are found from the schema (courses, participants and
every table whose foreign keys lead to them), so a table added later is copied too.
What is not history stays as it is: venues, instructors, settings, the audit trail, uploads
made. Course codes get a suffix ("-H03"), uids and participant codes new values in their
formats. The result passes `escape-desktop check` (tests/system/test_growth_data.py).
"""

from __future__ import annotations

import random
import shutil
import uuid
from datetime import date
from pathlib import Path
from typing import Any

from benchmarks.common import OUTPUT, large_demo_dir
from escape_desktop.context import AppContext
from escape_desktop.db.engine import DB_FILENAME
from escape_desktop.registry.checks import PROGRAMME_BEGAN  # earlier dates are refused

ROOTS = ("courses", "participants")
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def _schema(cur: Any) -> tuple[dict[str, list[tuple[str, str, int]]], dict[str, dict[str, str]]]:
    """Columns (name, declared type, pk position) and foreign keys (column -> table)."""
    names = [
        r[0]
        for r in cur.execute(
            "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' "
            "AND name != 'alembic_version' ORDER BY name"
        ).fetchall()
    ]
    cols = {
        t: [(r[1], r[2].upper(), r[5]) for r in cur.execute(f'PRAGMA table_info("{t}")')]
        for t in names
    }
    fks = {t: {r[3]: r[2] for r in cur.execute(f'PRAGMA foreign_key_list("{t}")')} for t in names}
    return cols, fks


def history_tables(cur: Any) -> list[str]:
    """The tables that hold a site's history, parents before children: the roots, and every
    table with a foreign key to one of them, to such a table, and so on."""
    cols, fks = _schema(cur)
    history = {t for t in ROOTS if t in cols}
    while True:
        more = {t for t in cols if t not in history and set(fks[t].values()) & history}
        if not more:
            break
        history |= more
    ordered: list[str] = []
    while len(ordered) < len(history):  # a parent before its children
        for t in sorted(history - set(ordered)):
            if all(r in ordered or r not in history or r == t for r in fks[t].values()):
                ordered.append(t)
    return ordered


def _shifts(cur: Any, copies: int, today: date) -> list[int]:
    """Days each copy moves back: whole weeks, spread evenly between the least that puts the
    original's last date before today (so every copy is finished history) and the most that
    keeps its first date after the programme began (an upload dated earlier is refused)."""
    dates = []
    for table, column in (
        ("sessions", "date"),
        ("courses", "start_date"),
        ("enrolments", "enrolled_on"),
    ):
        dates += [
            d
            for d in cur.execute(f"SELECT min({column}), max({column}) FROM {table}").fetchone()
            if d
        ]
    first = min(date.fromisoformat(d[:10]) for d in dates)
    last = max(date.fromisoformat(d[:10]) for d in dates)
    least = max((last - today).days // 7 + 5, 5)
    most = (first - PROGRAMME_BEGAN).days // 7 - 5
    if most < least:
        raise ValueError(f"history from {first} to {last} leaves no room to copy it back")
    step = (most - least) / max(copies - 1, 1)
    return [7 * (least + round(step * i)) for i in range(copies)]


def replicate_history(
    folder: Path, times: int, seed: int = 1, today: date | None = None
) -> dict[str, int]:
    """Add ``times - 1`` earlier copies of the history in ``folder``'s data; rows per table."""
    ctx = AppContext.open(folder)
    raw = ctx.db.engine.raw_connection()
    try:
        cur = raw.cursor()
        cols, fks = _schema(cur)
        tables = history_tables(cur)
        shifts = _shifts(cur, times - 1, today or date.today())
        offsets = {}
        for t in tables:
            if any(c == "id" and pk for c, _type, pk in cols[t]):
                offsets[t] = int(
                    cur.execute(f'SELECT coalesce(max(id), 0) FROM "{t}"').fetchone()[0]
                )
        cur.execute("BEGIN IMMEDIATE")
        for k in range(1, times):
            shift = f"'-{shifts[k - 1]} days'"
            for t in tables:
                exprs = []
                for name, kind, pk in cols[t]:
                    q = f'"{name}"'
                    if name == "id" and pk and t in offsets:
                        exprs.append(f"{q} + {k * offsets[t]}")
                    elif name in fks[t] and fks[t][name] in offsets:
                        exprs.append(f"{q} + {k * offsets[fks[t][name]]}")
                    elif t == "courses" and name == "code":
                        exprs.append(f"{q} || printf('-H%02d', {k})")
                    elif (t, name) in (("courses", "uid"), ("participants", "code")):
                        # unique for now; _new_identities gives each its real value
                        exprs.append(f"'copy-' || (id + {k * offsets[t]})")
                    elif kind == "DATE":
                        exprs.append(f"date({q}, {shift})")
                    elif kind == "DATETIME":
                        exprs.append(
                            f"CASE WHEN {q} IS NULL THEN NULL "
                            f"ELSE date(substr({q}, 1, 10), {shift}) || substr({q}, 11) END"
                        )
                    else:
                        exprs.append(q)
                names = ", ".join(f'"{c[0]}"' for c in cols[t])
                cur.execute(
                    f'INSERT INTO "{t}" ({names}) SELECT {", ".join(exprs)} FROM "{t}" '
                    + (
                        f"WHERE id <= {offsets[t]}"
                        if t in offsets
                        else _originals(t, fks[t], offsets)
                    )
                )
        _new_identities(cur, offsets, seed)
        cur.execute("COMMIT")
        counts = {t: int(cur.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0]) for t in tables}
        cur.close()
    finally:
        raw.close()
    ctx.db.wrote = True  # so closing folds the WAL in and stores the content checksums
    ctx.close()
    return counts


def _originals(table: str, fks: dict[str, str], offsets: dict[str, int]) -> str:
    """The original rows of a table without an id of its own: those of the original parents."""
    conds = [f'"{col}" <= {offsets[ref]}' for col, ref in fks.items() if ref in offsets]
    return "WHERE " + " AND ".join(conds)


def _new_identities(cur: Any, offsets: dict[str, int], seed: int) -> None:
    """New course uids and participant codes (in their formats) for the copies."""
    rng = random.Random(seed)
    if "courses" in offsets:
        ids = [r[0] for r in cur.execute(f"SELECT id FROM courses WHERE id > {offsets['courses']}")]
        cur.executemany(
            "UPDATE courses SET uid = ? WHERE id = ?",
            [(str(uuid.UUID(int=rng.getrandbits(128), version=4)), i) for i in ids],
        )
    if "participants" in offsets:
        taken = {r[0] for r in cur.execute("SELECT code FROM participants")}
        ids = [
            r[0]
            for r in cur.execute(
                f"SELECT id FROM participants WHERE id > {offsets['participants']}"
            )
        ]
        updates = []
        for i in ids:
            while True:
                code = "P-" + "".join(rng.choice(CODE_ALPHABET) for _ in range(8))
                if code not in taken:
                    taken.add(code)
                    updates.append((code, i))
                    break
        cur.executemany("UPDATE participants SET code = ? WHERE id = ?", updates)


def grown_demo_dir(times: int) -> Path:
    """A data folder with ``times`` x the large demo's history, built once and reused."""
    if times == 1:
        return large_demo_dir()
    folder = OUTPUT / f"grown-demo-{times}x"
    if not (folder / DB_FILENAME).exists() or not (folder / "ready").exists():
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        shutil.copy2(large_demo_dir() / DB_FILENAME, folder / DB_FILENAME)
        replicate_history(folder, times)
        (folder / "ready").write_text("ok")
    return folder


def grown_demo_copy(times: int, name: str) -> Path:
    """A private copy of the grown demo, for benchmarks that write."""
    source = grown_demo_dir(times)
    target = OUTPUT / name
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    shutil.copy2(source / DB_FILENAME, target / DB_FILENAME)
    return target
