"""The registry report does not need memory for every row's upload JSON (issue 30 item 5).

SQLCipher keeps SQLite's temporary data in memory, so a GROUP BY whose sort carried each
row's JSON needed about the size of all of it: 3 GB for a million rows. The report groups
only the few cells it reads; SQLite's own memory counter shows it. Nor does this process hold
a row per person: its peak is the same for four times the people, on either engine.
"""

from __future__ import annotations

import ctypes
import json
import tracemalloc
from pathlib import Path

import pytest
from registry_engines import Engine, pg_server, registry_engine  # noqa: F401
from sqlalchemy import insert

from escape_desktop.library import load_library
from escape_desktop.registry.models import Record
from escape_desktop.registry.report import gather_report
from escape_desktop.registry.store import open_registry_at
from tests.export.registry_rows import add_site_with_batch

PEOPLE = 4000
PADDING = 10_000  # characters of other upload cells in each row's JSON: 40 MB in all


def _people(batch: int, numbers: range, padding: int) -> list[dict]:
    """One record a person: 40 courses of one site, the same measures and cells for all."""
    return [
        {
            "site_code": "S1",
            "course_code": f"C{i % 40}",
            "participant_code": f"P{i}",
            "batch": batch,
            "exported_at": "",
            "programme": "back",
            "course_start": "2026-05-04",
            "status": "completed",
            "sessions_delivered": 12,
            "sessions_attended": 10,
            "completed": 1,
            "delivery_mode": "1",
            "measures": json.dumps({"pain_nrs": [6, 4, None]}),
            "row": json.dumps(
                {
                    "follow_up_3m": "done" if i % 2 else "due",
                    "follow_up_12m": "upcoming",
                    "ethnic_category": "Z",
                    "other_cells": "x" * padding,
                }
            ),
            # the row's cells the report reads, in their own columns (version 5)
            "follow_up_3m": "done" if i % 2 else "due",
            "follow_up_12m": "upcoming",
            "ethnic_category": "Z",
        }
        for i in numbers
    ]


def _sqlite_highwater():  # type: ignore[no-untyped-def]
    """SQLite's sqlite3_memory_highwater from the driver's own library, or None."""
    import sqlcipher3._sqlite3 as module

    try:
        fn = ctypes.CDLL(module.__file__).sqlite3_memory_highwater
    except (OSError, AttributeError):
        return None
    fn.restype, fn.argtypes = ctypes.c_int64, [ctypes.c_int]
    return fn


@pytest.mark.sqlite_only("SQLite's own memory counter; the server's sort is not in this process")
def test_the_report_does_not_hold_every_rows_json_in_memory(tmp_path: Path) -> None:
    highwater = _sqlite_highwater()
    if highwater is None:
        pytest.skip("this platform's sqlcipher3 does not expose sqlite3_memory_highwater")
    db = open_registry_at(tmp_path / "registry", None)
    with db.transaction() as s:
        batch = add_site_with_batch(s, "S1", "Demo site", "b1", rows=PEOPLE)
        s.execute(insert(Record), _people(batch, range(PEOPLE), PADDING))
    highwater(1)  # reset: from here on, the report's own peak
    data = gather_report(db, load_library())
    peak_mb = highwater(0) / 2**20
    db.dispose()
    assert (data.overall.enrolled, data.overall.started) == (PEOPLE, PEOPLE)  # all read
    # The rows' JSON is 40 MB; the page cache (8 MB) and the grouped cells fit well under 20.
    assert peak_mb < 20, f"SQLite used {peak_mb:.0f} MB for the report"


def test_the_reports_own_memory_does_not_grow_with_the_people(
    tmp_path: Path,
    registry_engine: Engine,  # noqa: F811
) -> None:
    """The figures come back from the database already added up: Python's peak while gathering
    them is the same for 4,000 people as for 1,000 (the same sites, courses and kinds of
    person), on SQLite and on a PostgreSQL server. A report that read a row per person (or
    each row's JSON) would hold four times as much."""
    folder = tmp_path / "registry"
    db = open_registry_at(folder, registry_engine.url_for(folder))
    library = load_library()
    peaks = []
    try:
        for numbers in (range(1000), range(1000, 4000)):
            with db.transaction() as s:
                if not numbers.start:
                    batch = add_site_with_batch(s, "S1", "Demo site", "b1", rows=4000)
                s.execute(insert(Record), _people(batch, numbers, 500))
            gather_report(db, library)  # once untimed: caches, compiled statements
            tracemalloc.start()
            try:
                data = gather_report(db, library)
                peaks.append(tracemalloc.get_traced_memory()[1])
            finally:
                tracemalloc.stop()
            assert data.overall.enrolled == numbers.stop  # every person counted
    finally:
        db.dispose()
    small, large = peaks
    # Four times the people: a row each would add 3,000 rows' worth (over 1.5 MB of JSON).
    assert large < small * 1.25 + 100_000, f"{small} bytes for 1,000 people, {large} for 4,000"
