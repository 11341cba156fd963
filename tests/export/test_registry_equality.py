"""Equality monitoring in the registry (issue 30 item 7): people by ethnic category and by
stated sex per site and nationally, each shown count equal to a count person by person, no
count of 1 to 4 shown, and no hidden count given back by a site's total or a category's
national count."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from registry_engines import Engine, pg_server, registry_engine  # noqa: F401
from sqlalchemy import delete, insert

from escape_desktop.registry.equality import ITEMS, equality_counts, suppress_table
from escape_desktop.registry.models import Batch, Record, Site
from escape_desktop.registry.store import open_registry_at
from tests.export.registry_rows import add_site_with_batch

ETHNIC = list(ITEMS["ethnic_category"])
SEX = list(ITEMS["stated_sex"])
person = st.tuples(st.sampled_from(ETHNIC[:4] + ["Z", "99", ""]), st.sampled_from(SEX))


def _fill(db, sites: list[list[tuple[str, str]]]) -> None:  # type: ignore[no-untyped-def]
    with db.transaction() as s:
        for table in (Record, Batch, Site):
            s.execute(delete(table))
        for i, people in enumerate(sites):
            code = f"S{i}"
            batch = add_site_with_batch(s, code, f"Site {i} (demo)", f"b{i}")
            for k, (ethnic, sex) in enumerate(people):
                cells = {"ethnic_category": ethnic, "stated_sex": sex}
                if k % 7 == 6:  # a row from a version 4 file: no such columns at all
                    cells = {}
                s.execute(
                    insert(Record).values(
                        site_code=code, course_code="C1", participant_code=f"P{k}", batch=batch,
                        exported_at="", programme="knee_hip", course_start="2026-04-01",
                        status="completed", sessions_delivered=12, sessions_attended=10,
                        completed=1, measures="{}", row=json.dumps(cells),
                        # the same cells in their own columns (version 5)
                        ethnic_category=cells.get("ethnic_category"),
                        stated_sex=cells.get("stated_sex"),
                    )
                )  # fmt: skip


def _by_hand(people: list[tuple[str, str]], item: int) -> dict[str, int]:
    counts: dict[str, int] = {}
    for k, p in enumerate(people):
        value = "" if k % 7 == 6 else p[item]
        counts[value] = counts.get(value, 0) + 1
    return counts


def _safe(values: list[int], hidden: list[bool]) -> None:
    shown = [n for n, h in zip(values, hidden, strict=True) if not h]
    gone = [n for n, h in zip(values, hidden, strict=True) if h]
    assert not any(0 < n < 5 for n in shown)
    if gone and shown:
        assert len(gone) >= 2 and not 0 < sum(gone) < 5


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])  # fmt: skip
@given(sites=st.lists(st.lists(person, min_size=1, max_size=30), min_size=1, max_size=4))
def test_counts_equal_a_count_by_hand_and_hide_every_small_one(
    sites: list[list[tuple[str, str]]],
    registry_engine: Engine,  # noqa: F811
    tmp_path_factory,
) -> None:
    folder = tmp_path_factory.mktemp("registry")
    db = open_registry_at(folder, registry_engine.url_for(folder))
    try:
        _fill(db, sites)
        tables = {t.item: t for t in equality_counts(db)}
    finally:
        db.dispose()
    for index, item in enumerate(("ethnic_category", "stated_sex")):
        table = tables[item]
        codes = ITEMS[item]
        national = {c: 0 for c in codes}
        grid: list[list[int]] = []
        hidden: list[list[bool]] = []
        for i, people in enumerate(sites):
            row = table.sites[i]
            expected = _by_hand(people, index)
            assert row.code == f"S{i}" and row.total == len(people)
            values = [expected.get(c, 0) for c in codes]
            for c, n in row.counts:
                assert n is None or n == expected.get(c, 0)
            for c, n in expected.items():
                national[c] += n
            grid.append(values)
            hidden.append([n is None for _c, n in row.counts])
        assert table.overall.total == sum(len(p) for p in sites)
        for c, n in table.overall.counts:
            assert n is None or n == national[c]
        grid.append([national[c] for c in codes])
        hidden.append([n is None for _c, n in table.overall.counts])
        # Neither a row against its total nor a column of sites against its national count
        # gives a hidden count back, and nothing of 1 to 4 is shown.
        for values, hide in zip(grid, hidden, strict=True):
            _safe(values, hide)
        for j in range(len(codes)):
            if not hidden[-1][j]:
                _safe([r[j] for r in grid[:-1]], [h[j] for h in hidden[:-1]])
            else:
                assert all(h[j] for r, h in zip(grid[:-1], hidden[:-1], strict=True) if r[j])


def test_worked_by_hand():
    # Two sites; site A has 3 people of code x: hidden, and so is its next smallest (6);
    # the column x nationally is 3 + 20 = 23 shown, so site B's 20 is hidden too; B's row
    # then hides its next smallest (the 7) so the 20 is not its total less the rest.
    rows = [[30, 3, 6], [40, 20, 7], [70, 23, 13]]
    hidden = suppress_table(rows)
    assert hidden[0] == [False, True, True]
    assert hidden[1][1] and hidden[1][2]
    assert hidden[2] == [False, False, False]
    assert suppress_table([[10, 0], [12, 0], [22, 0]]) == [[False, False]] * 3
