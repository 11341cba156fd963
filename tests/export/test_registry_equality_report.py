"""The registry report's equality tables (issue 30 item 7) in the PDF, the figure files and
``registry report --json``: people by ethnic category, stated sex and gender identity per site
and for all sites in each financial year, each shown count equal to a count made here person
by person, no count of 1 to 4 shown, and none that a total gives back."""

from __future__ import annotations

import csv
import json
import re
from collections import Counter
from datetime import date

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pypdf import PdfReader
from registry_engines import Engine, pg_server, registry_engine  # noqa: F401
from sqlalchemy import delete, insert, select

from escape_desktop.library import load_library
from escape_desktop.registry.equality import ITEMS, NO_YEAR, EqualityRow
from escape_desktop.registry.figures_table import (
    equality_column,
    figures_json,
    write_figures_csv,
)
from escape_desktop.registry.models import Batch, Record, Site
from escape_desktop.registry.pdf_report import render_registry_report
from escape_desktop.registry.report import gather_report
from escape_desktop.registry.sql_cells import EQUALITY_ITEMS
from escape_desktop.registry.store import open_registry_at
from tests.export.registry_rows import add_site_with_batch

LIBRARY = load_library()
ITEM_NAMES = tuple(ITEMS)
STARTS = ("2024-06-03", "2025-03-31", "2025-04-01", "2026-01-15", "2026-09-01", "")
# A kind of person: their three answers and their course's first session; and how many.
kind = st.tuples(
    st.sampled_from(["A", "B", "H", "N", "Z", "99", ""]),
    st.sampled_from(["1", "2", "9", "X", ""]),
    st.sampled_from(["1", "2", "3", "Z", ""]),
    st.sampled_from(STARTS),
)
how_many = st.one_of(st.integers(1, 9), st.integers(10, 400))
site_people = st.lists(st.tuples(kind, how_many), min_size=1, max_size=4)

Person = tuple[str, str, str, str]


def _fill(db, sites: list[list[tuple[Person, int]]]) -> list[list[Person]]:  # type: ignore[no-untyped-def]
    """The registry holds these sites' people and nothing else; returns them one by one."""
    everyone: list[list[Person]] = []
    with db.transaction() as s:
        for table in (Record, Batch, Site):
            s.execute(delete(table))
        for i, kinds in enumerate(sites):
            code = f"S{i}"
            batch = add_site_with_batch(s, code, f"Site {i} (demo)", f"b{i}")
            people = [p for p, n in kinds for _ in range(n)]
            rows = []
            for k, (ethnic, sex, gender, start) in enumerate(people):
                cells = {"ethnic_category": ethnic, "stated_sex": sex, "gender_identity": gender}
                if not (ethnic or sex or gender):
                    cells = {}  # a row from a version 4 file: no such columns at all
                rows.append(dict(site_code=code, course_code=f"C{start}", participant_code=f"P{k}",
                                 batch=batch, exported_at="", programme="knee_hip",
                                 course_start=start, status="completed", sessions_delivered=12,
                                 sessions_attended=10, completed=1, measures="{}",
                                 row=json.dumps(cells),
                                 # the same cells in their own columns (version 5)
                                 **{c: cells.get(c) for c in EQUALITY_ITEMS}))  # fmt: skip
            s.execute(insert(Record), rows)
            everyone.append(people)
    return everyone


def _year(start: str) -> str:
    """The financial year of a first session, worked out here from the date alone."""
    if not start:
        return NO_YEAR
    d = date.fromisoformat(start)
    y = d.year if d.month >= 4 else d.year - 1
    return f"{y}-{(y + 1) % 100:02d}"


def _safe(values: list[int], hidden: list[bool]) -> None:
    """Nothing of 1 to 4 shown; the hidden parts of a shown total are two or more and add up to
    0 or 5 or more, so the total less the shown parts gives none of them back."""
    shown = [n for n, h in zip(values, hidden, strict=True) if not h]
    gone = [n for n, h in zip(values, hidden, strict=True) if h]
    assert not any(0 < n < 5 for n in shown)
    if gone and shown:
        assert len(gone) >= 2 and not 0 < sum(gone) < 5


def _check_table(
    rows: tuple[EqualityRow, ...], overall: EqualityRow, groups: list[list[Person]], item: int
) -> None:
    """Each row equals its group counted by hand, the national row all of them, and neither a
    row's total nor a code's national count gives a hidden count back."""
    codes = ITEMS[ITEM_NAMES[item]]
    grid, hidden = [], []
    for row, people in zip(rows, groups, strict=True):
        expected = Counter(p[item] for p in people)
        assert row.total == len(people)
        assert [c for c, _n in row.counts] == list(codes)
        for c, n in row.counts:
            assert n is None or n == expected[c]
        grid.append([expected[c] for c in codes])
        hidden.append([n is None for _c, n in row.counts])
    national = Counter(p[item] for people in groups for p in people)
    assert overall.total == sum(national.values())
    for c, n in overall.counts:
        assert n is None or n == national[c]
    grid.append([national[c] for c in codes])
    hidden.append([n is None for _c, n in overall.counts])
    for values, hide in zip(grid, hidden, strict=True):
        _safe(values, hide)
    for j in range(len(codes)):
        column = [r[j] for r in grid[:-1]]
        if hidden[-1][j]:
            assert all(h[j] for r, h in zip(grid[:-1], hidden[:-1], strict=True) if r[j])
        else:
            _safe(column, [h[j] for h in hidden[:-1]])


@settings(max_examples=20, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])  # fmt: skip
@given(sites=st.lists(site_people, min_size=1, max_size=4))
def test_report_tables_per_site_and_per_year_equal_a_count_by_hand_and_hide_small_ones(
    sites: list[list[tuple[Person, int]]],
    registry_engine: Engine,  # noqa: F811
    tmp_path_factory,
) -> None:
    folder = tmp_path_factory.mktemp("registry")
    db = open_registry_at(folder, registry_engine.url_for(folder))
    try:
        people = _fill(db, sites)
        data = gather_report(db, LIBRARY)
    finally:
        db.dispose()
    eq = data.equality
    assert eq is not None
    everyone = [p for group in people for p in group]
    years = sorted({_year(p[3]) for p in everyone} - {NO_YEAR})
    years += [NO_YEAR] if any(not p[3] for p in everyone) else []
    doc = figures_json(data)
    for index, item in enumerate(ITEM_NAMES):
        table = eq.table(item)
        by_year = eq.year_table(item)
        assert table is not None and by_year is not None
        assert [r.code for r in table.sites] == [f"S{i}" for i in range(len(sites))]
        _check_table(table.sites, table.overall, people, index)
        # All sites per financial year: the years the people's courses started in, oldest
        # first, courses without a start date last; the same national row, hidden alike.
        assert [r.code for r in by_year.years] == years
        in_year = [[p for p in everyone if _year(p[3]) == y] for y in years]
        _check_table(by_year.years, by_year.overall, in_year, index)
        assert by_year.overall == table.overall
        # The JSON figure file: the same tables whole, and the same counts in its rows (all
        # years: each site and all sites; a year: all sites only, never a site's year).
        assert doc["equality"][index] == table.as_json()
        assert doc["equality_by_year"][index] == by_year.as_json()
        for row in doc["rows"]:
            if row["financial_year"] == "all":
                source = (
                    table.overall
                    if row["site_code"] == "ALL"
                    else table.sites[int(row["site_code"][1:])]
                )
            elif row["site_code"] == "ALL":
                source = next(r for r in by_year.years if r.code == row["financial_year"])
            else:
                assert all(row[equality_column(item, c)] is None for c in ITEMS[item])
                continue
            for c, n in source.counts:
                assert row[equality_column(item, c)] == n


def test_a_report_for_one_year_counts_that_years_people_only(
    registry_engine: Engine,  # noqa: F811
    tmp_path,
) -> None:
    folder = tmp_path / "registry"
    db = open_registry_at(folder, registry_engine.url_for(folder))
    try:
        people = _fill(db, [[(("A", "1", "1", "2025-04-01"), 12), (("B", "2", "2", "2025-03-31"), 7)],
                            [(("A", "2", "", "2026-01-15"), 30), (("N", "X", "Z", ""), 9)]])  # fmt: skip
        data = gather_report(db, LIBRARY, year="2025-26")
    finally:
        db.dispose()
    assert data.equality is not None
    table = data.equality.table("ethnic_category")
    assert table is not None
    # 12 + 30 people started in 2025-26; the 7 of March 2025 and the 9 with no date are not.
    assert (
        table.overall.total == 42 == sum(1 for g in people for p in g if _year(p[3]) == "2025-26")
    )
    assert dict(table.overall.counts)["A"] == 42
    # The report says which year it is (it once said the calendar year of the last row read).
    assert "2025-26" in data.period
    year_table = data.equality.year_table("ethnic_category")
    assert year_table is not None and [r.code for r in year_table.years] == ["2025-26"]


VALUE = re.compile(r"^ (\*|[\d,]+)$")


def _pdf_tables(path) -> dict[str, list[list[str]]]:  # type: ignore[no-untyped-def]
    """Each equality table of the PDF as the numbers of its rows, read back from the text."""
    text = "\n".join(p.extract_text() for p in PdfReader(str(path)).pages)
    section = text[text.index("Equality monitoring: all sites") :]
    found: dict[str, list[list[str]]] = {}
    heads = {"ethnic_category": "Ethnic category", "stated_sex": "Stated sex",
             "gender_identity": "Gender identity"}  # fmt: skip
    for item, head in heads.items():
        part = section[section.index(head + "\n Code") :]
        lines = part.split("\n")
        first = next(code for code in ITEMS[item] if code)
        header_end = lines.index(first)  # the first code: the rows begin
        header = lines[:header_end]
        width = sum(1 for line in header if re.match(r"^\d{4}-\d\d$", line))
        width += any(line.startswith("No start") for line in header) + 1
        values = [m.group(1) for line in lines[header_end:] if (m := VALUE.match(line))]
        rows = len(ITEMS[item]) + 1  # each code, then all people
        found[item] = [values[i * width : (i + 1) * width] for i in range(rows)]
    return found


def test_the_pdf_prints_the_tables_with_four_digit_counts_and_hides_small_ones(tmp_path):
    folder = tmp_path / "registry"
    db = open_registry_at(folder, None)
    try:
        people = _fill(db, [
            [(("A", "2", "2", "2024-06-03"), 1500), (("A", "1", "1", "2025-04-01"), 1200),
             (("C", "1", "2", "2024-06-03"), 8),
             (("H", "2", "", "2025-04-01"), 40), (("N", "9", "3", "2026-09-01"), 3),
             (("Z", "X", "Z", ""), 6)],
            [(("A", "1", "", "2026-01-15"), 2300), (("B", "2", "4", "2024-06-03"), 2),
             (("99", "", "X", "2026-09-01"), 25)],
        ])  # fmt: skip
        data = gather_report(db, LIBRARY)
    finally:
        db.dispose()
    out = tmp_path / "report.pdf"
    render_registry_report(data, out)
    printed = _pdf_tables(out)
    assert data.equality is not None
    everyone = [p for g in people for p in g]
    for index, item in enumerate(ITEM_NAMES):
        by_year = data.equality.year_table(item)
        assert by_year is not None
        columns = [*by_year.years, by_year.overall]
        codes = ITEMS[item]
        for r, code in enumerate(codes):
            for col, source in enumerate(columns):
                cell = printed[item][r][col]
                n = dict(source.counts)[code]
                if n is None:
                    assert cell == "*"
                else:
                    # Equal to the count by hand, and never a small one.
                    in_column = [p for p in everyone
                                 if source is by_year.overall or _year(p[3]) == source.code]  # fmt: skip
                    assert (
                        int(cell.replace(",", ""))
                        == n
                        == sum(1 for p in in_column if p[index] == code)
                    )
                    assert not 0 < n < 5
        assert printed[item][-1] == [f"{c.total:,}" for c in columns]
    ethnic = printed["ethnic_category"]
    # White British across the years: 1,500 in 2024-25, 1,200 + 2,300 in 2025-26; the 2
    # White Irish of 2024-25 hidden, and the 8 of C with them (the smallest other that year).
    assert ethnic[0][:2] == ["1,500", "3,500"] and ethnic[0][-1] == "5,000"
    assert ethnic[1][0] == "*" and ethnic[2][0] == "*"
    assert "*" in [c for row in printed["gender_identity"] for c in row]


def test_the_csv_carries_the_same_counts(tmp_path):
    folder = tmp_path / "registry"
    db = open_registry_at(folder, None)
    try:
        _fill(db, [[(("A", "1", "1", "2025-04-01"), 30), (("B", "2", "3", "2025-04-01"), 2)],
                   [(("A", "2", "2", "2024-06-03"), 11)]])  # fmt: skip
        data = gather_report(db, LIBRARY)
    finally:
        db.dispose()
    out = tmp_path / "figures.csv"
    write_figures_csv(data, out)
    with out.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    expected = figures_json(data)["rows"]
    for row, want in zip(rows, expected, strict=True):
        for item, codes in ITEMS.items():
            for c in codes:
                n = want[equality_column(item, c)]
                assert row[equality_column(item, c)] == ("" if n is None else str(n))
    site0 = next(r for r in rows if r["financial_year"] == "all" and r["site_code"] == "S0")
    # 30 White British and 2 White Irish at S0: the 2 hidden, and the 30 with it (else 32
    # people less 30 gives 2); gender identity 3 (non-binary) likewise.
    assert site0["ethnic_category_B"] == "" and site0["ethnic_category_A"] == ""
    assert site0["gender_identity_3"] == ""


def test_sites_json_names_the_equality_columns_each_site_carries_and_no_counts(
    registry_engine: Engine,  # noqa: F811
    tmp_path,
) -> None:
    from escape_desktop.registry.report import list_sites

    folder = tmp_path / "registry"
    db = open_registry_at(folder, registry_engine.url_for(folder))
    try:
        # S0's upload carries the columns (one person answered, three not asked); S1's rows
        # have none (files made before profile version 5).
        _fill(db, [[(("A", "", "", "2025-04-01"), 1), (("", "", "", "2025-04-01"), 3)],
                   [(("", "", "", "2025-04-01"), 6)]])  # fmt: skip
        with db.transaction() as s:  # S0's blank answers written as a version 5 file does
            for r in s.scalars(select(Record).where(Record.site_code == "S0")):
                r.row = json.dumps({**dict.fromkeys(ITEMS, ""), **json.loads(r.row)})
        sites = {site["code"]: site for site in list_sites(db)}
    finally:
        db.dispose()
    assert sites["S0"]["equality_items"] == list(ITEMS)
    assert sites["S1"]["equality_items"] == []
    assert sites["S0"]["loads"][0]["profile_version"] == "5"
    # Nothing that counts answers: a site's one answered person is not to be told.
    assert not any(
        "ethnic" in key or "count" in key for key in sites["S0"] if key != "equality_items"
    )
