"""The report's figures as CSV and JSON for a team's own tools: the PDF's figures, one row per
site and financial year plus all sites, safe to open in a spreadsheet, no rate under 5 people."""

from __future__ import annotations

import csv
import json

from escape_desktop.registry.figures import (
    DOMAIN_LABELS,
    Fraction,
    GroupFigures,
    Headline,
    ReportData,
    YearFigures,
)
from escape_desktop.registry.figures_table import (
    COLUMNS,
    figures_json_text,
    write_figures_csv,
)


def _group(code: str, name: str, n: int, done: int) -> GroupFigures:
    heads = tuple(
        Headline(d, DOMAIN_LABELS[d], ("pain_nrs",), Fraction(n // 2, n), Fraction(n // 3, n))
        for d in ("function", "pain", "wellbeing")
    )
    return GroupFigures(code, name, 4, n + 3, n + 2, n, done, n, done, 1, 0, heads, n, n, n)


def _data() -> ReportData:
    big = _group("RX1", '=HYPERLINK("http://example.org","click") (demo)', 40, 30)
    small = _group("RX2", "+Hillside Hall (demo)", 3, 2)
    overall = _group("ALL", "All sites", 43, 32)
    years = (YearFigures("2025-26", (big, small), overall), YearFigures("2026-27", (big,), big))
    return ReportData("Registry report", "all courses", "2026-12-07", (big, small), overall, (),
                      3, years=years)  # fmt: skip


def test_one_row_per_site_and_year_plus_all_sites_safe_for_a_spreadsheet(tmp_path):
    out = tmp_path / "figures.csv"
    assert write_figures_csv(_data(), out) == 3 + 2 + 3
    with out.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0]) == COLUMNS
    keys = [(r["financial_year"], r["site_code"]) for r in rows]
    assert keys == [("2025-26", "RX1"), ("2025-26", "RX2"), ("2025-26", "ALL"),
                    ("2026-27", "RX1"), ("2026-27", "RX1"),
                    ("all", "RX1"), ("all", "RX2"), ("all", "ALL")]  # fmt: skip
    # A name a spreadsheet would run as a formula is defused; numbers stay numbers.
    names = {r["site_code"]: r["site_name"] for r in rows}
    assert names["RX1"].startswith("'=") and names["RX2"].startswith("'+")
    big = rows[0]
    # The PDF's figures: 30 of 40 completed, 75 %; function improved 20 of 40 (50 %).
    assert big["finished_course_completers"] == "30" and big["finished_course_starters"] == "40"
    assert float(big["completion_percent"]) == 75.0
    low, high = float(big["completion_ci95_low"]), float(big["completion_ci95_high"])
    assert low < 75.0 < high
    assert big["function_improved"] == "20" and float(big["function_improved_percent"]) == 50.0
    assert big["enrolled"] == "43" and big["agreed_to_share"] == "42"
    # A site of 3: its counts, and no rate (the PDF prints none under 5 people).
    small = rows[1]
    assert small["finished_course_starters"] == "3" and small["finished_course_completers"] == "2"
    assert small["completion_percent"] == "" and small["completion_ci95_low"] == ""
    assert small["function_improved_percent"] == "" and small["pain_meaningful_percent"] == ""


def test_the_json_holds_the_same_rows_with_null_for_no_rate(tmp_path):
    data = _data()
    doc = json.loads(figures_json_text(data))
    out = tmp_path / "figures.csv"
    write_figures_csv(data, out)
    with out.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert doc["columns"] == COLUMNS and len(doc["rows"]) == len(rows)
    for j, c in zip(doc["rows"], rows, strict=True):
        for col in ("financial_year", "site_code", "started", "completion_percent"):
            assert ("" if j[col] is None else str(j[col])) == c[col].lstrip("'")
    assert doc["rows"][1]["completion_percent"] is None
    assert doc["rows"][0]["completion_percent"] == 75.0
