"""The growth benchmark's data: a demo's history copied n times in SQL stays valid data.

`escape-desktop check` passes on it (integrity, foreign keys, the content checksums stored on
closing), every copy holds the same records as the original, earlier in time, on the same
weekdays, and the codes and uids stay unique and in their formats.
"""

from __future__ import annotations

import re
import sqlite3
from datetime import date

import pytest

from benchmarks.growth_data import history_tables, replicate_history
from escape_desktop.context import AppContext
from escape_desktop.db.checksums import sums_path
from escape_desktop.db.engine import DB_FILENAME
from escape_desktop.registry.checks import PROGRAMME_BEGAN
from escape_desktop.services.demo import generate_demo

TIMES = 3
TODAY = date(2026, 11, 20)


@pytest.fixture(scope="module")
def grown(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    folder = tmp_path_factory.mktemp("grown")
    ctx = AppContext.open(folder)
    generate_demo(ctx, scale="small", seed=3, today=TODAY)
    ctx.close()
    con = sqlite3.connect(folder / DB_FILENAME)
    tables = history_tables(con.cursor())
    before = {t: con.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables}
    firsts = {
        t: con.execute(f'SELECT max(id) FROM "{t}"').fetchone()[0]
        for t in ("courses", "sessions", "participants", "enrolments")
    }
    con.close()
    counts = replicate_history(folder, TIMES, today=TODAY)
    return folder, before, counts, firsts


def _db(folder) -> sqlite3.Connection:  # type: ignore[no-untyped-def]
    return sqlite3.connect(folder / DB_FILENAME)


def test_every_history_table_grows_n_times_and_the_rest_stays(grown) -> None:  # type: ignore[no-untyped-def]
    folder, before, counts, _ = grown
    for table in ("courses", "participants", "sessions", "enrolments", "attendance"):
        assert table in before
    for table, n in before.items():
        assert counts[table] == TIMES * n, table
    assert before["attendance"] > 0 and before["exercise_records"] > 0
    con = _db(folder)
    assert con.execute("SELECT count(*) FROM venues").fetchone()[0] < before["courses"]


def test_check_passes_on_the_grown_data(grown, run_cli) -> None:  # type: ignore[no-untyped-def]
    folder = grown[0]
    assert sums_path(folder / DB_FILENAME).exists()  # so check compares the content too
    result = run_cli("--data-dir", str(folder), "check")
    assert result.returncode == 0, result.stderr


def test_each_copy_is_finished_history_on_the_same_weekdays(grown) -> None:  # type: ignore[no-untyped-def]
    folder, _, _, firsts = grown
    con = _db(folder)
    n = firsts["sessions"]
    for k in range(1, TIMES):
        pairs = con.execute(
            "SELECT o.date, c.date, o.number = c.number, o.course_id + ? = c.course_id "
            "FROM sessions o JOIN sessions c ON c.id = o.id + ? WHERE o.id <= ?",
            (k * firsts["courses"], k * n, n),
        ).fetchall()
        assert len(pairs) == n
        gaps = set()
        for orig, copy, same_number, same_course in pairs:
            o, c = date.fromisoformat(orig), date.fromisoformat(copy)
            assert same_number and same_course
            assert c.weekday() == o.weekday()
            gaps.add((o - c).days)
        assert len(gaps) == 1 and gaps.pop() % 7 == 0
    # every copy is over before today, and none before the programme began
    first, last = con.execute(
        "SELECT min(d), max(d) FROM ("
        " SELECT date AS d FROM sessions WHERE id > ? UNION ALL"
        " SELECT start_date FROM courses WHERE id > ? UNION ALL"
        " SELECT enrolled_on FROM enrolments WHERE id > ?)",
        (firsts["sessions"], firsts["courses"], firsts["enrolments"]),
    ).fetchone()
    assert last < TODAY.isoformat()
    assert first >= PROGRAMME_BEGAN.isoformat()


def test_the_copies_hold_the_same_register_and_results(grown) -> None:  # type: ignore[no-untyped-def]
    folder, _, _, firsts = grown
    con = _db(folder)
    per_copy = con.execute(
        "SELECT (e.course_id - 1) / ?, a.mark, count(*) FROM attendance a "
        "JOIN enrolments e ON e.id = a.enrolment_id GROUP BY 1, 2 ORDER BY 1, 2",
        (firsts["courses"],),
    ).fetchall()
    by_copy: dict[int, dict[str, int]] = {}
    for k, mark, n in per_copy:
        by_copy.setdefault(k, {})[mark] = n
    assert sorted(by_copy) == list(range(TIMES))
    assert all(marks == by_copy[0] for marks in by_copy.values())
    # every enrolment's person and course belong to the same copy
    mixed = con.execute(
        "SELECT count(*) FROM enrolments WHERE (course_id - 1) / ? != (participant_id - 1) / ?",
        (firsts["courses"], firsts["participants"]),
    ).fetchone()[0]
    assert mixed == 0


def test_codes_and_uids_stay_unique_and_in_format(grown) -> None:  # type: ignore[no-untyped-def]
    con = _db(grown[0])
    codes = [r[0] for r in con.execute("SELECT code FROM participants")]
    assert len(set(codes)) == len(codes)
    assert all(re.fullmatch(r"P-[A-HJ-NP-Z2-9]{8}", c) for c in codes)
    uids = [r[0] for r in con.execute("SELECT uid FROM courses")]
    assert len(set(uids)) == len(uids)
    assert all(
        re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", u)
        for u in uids
    )
    course_codes = [r[0] for r in con.execute("SELECT code FROM courses")]
    assert len(set(course_codes)) == len(course_codes)
