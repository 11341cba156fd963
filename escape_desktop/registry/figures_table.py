"""The report's figures as one table for a team's own tools (``registry report --csv/--json-file``).

One row per site per financial year, one for all sites per year, then the same for all years
together (``financial_year`` "all"): the very figures the PDF prints, from the same ReportData.
Counts are given as they are (the file is for the registry's own team, who hold every row);
rates and their intervals are left empty where the PDF prints none, under 5 people
(pdf_report.SMALL_CELL). Text cells are made safe for a spreadsheet like the merged export.

Equality counts (``ethnic_category_A`` … ``gender_identity_not_recorded``) are the PDF's and
the JSON's, suppressed as there (equality.py), since they describe people, not services: on
each site's and all sites' all-years rows, and on all sites' row of each year; a site's row
for one year leaves them empty, as splitting a site by year would give hidden counts back.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from escape_desktop.export.csv_safety import atomic_write_csv, safe_text

from .equality import ITEMS, EqualityReport, EqualityRow
from .figures import DOMAINS, SMALL_CELL, Fraction, GroupFigures, ReportData

ALL_YEARS = "all"
FOLLOW_UP_POINTS = (3, 12)


def _columns() -> list[str]:
    cols = [
        "financial_year",
        "site_code",
        "site_name",
        "courses",
        "enrolled",
        "agreed_to_share",
        "did_not_agree_to_share",
        "not_asked_yet",
        "started",
        "finished_course_starters",
        "finished_course_completers",
        "completion_percent",
        "completion_ci95_low",
        "completion_ci95_high",
        "with_start_measures",
        "with_start_and_end_finished",
        "completeness_percent",
    ]
    for d in DOMAINS:
        cols += [
            f"{d}_measures",
            f"{d}_with_start_and_end",
            f"{d}_improved",
            f"{d}_improved_percent",
            f"{d}_meaningful_of",
            f"{d}_meaningful",
            f"{d}_meaningful_percent",
            f"{d}_left_out_over_video",
        ]
    for point in FOLLOW_UP_POINTS:
        cols += [f"follow_up_{point}m_due_so_far", f"follow_up_{point}m_reached"]
        cols += [f"follow_up_{point}m_response_percent"]
    for item, codes in ITEMS.items():
        cols += [equality_column(item, code) for code in codes]
    return cols


def equality_column(item: str, code: str) -> str:
    return f"{item}_{code or 'not_recorded'}"


COLUMNS = _columns()


def _rate(f: Fraction | None) -> float | None:
    """The percentage as the PDF prints it (one decimal here), or None under 5 people."""
    if f is None or f.denominator < SMALL_CELL:
        return None
    return f.as_json()["percent"]


def _ci(f: Fraction, end: int) -> float | None:
    if f.denominator < SMALL_CELL:
        return None
    ci = f.as_json()["ci95"]
    return None if ci is None else ci[end]


def _equality_row(data: ReportData, year: str, code: str, item: str) -> EqualityRow | None:
    """The published equality row for a site (or "ALL") in a year, or None if not published."""
    eq: EqualityReport | None = data.equality
    if eq is None:
        return None
    if year == ALL_YEARS:
        table = eq.table(item)
        if table is None:
            return None
        return (
            table.overall
            if code == "ALL"
            else next((r for r in table.sites if r.code == code), None)
        )
    years = eq.year_table(item)
    if code != "ALL" or years is None:
        return None
    return next((r for r in years.years if r.code == year), None)


def _row(year: str, g: GroupFigures, data: ReportData | None = None) -> dict[str, Any]:
    row: dict[str, Any] = {
        "financial_year": year,
        "site_code": g.code,
        "site_name": g.name,
        "courses": g.courses,
        "enrolled": g.referred,
        "agreed_to_share": g.enrolled,
        "did_not_agree_to_share": g.left_out_no_consent,
        "not_asked_yet": g.left_out_not_asked,
        "started": g.started,
        "finished_course_starters": g.finished_starters,
        "finished_course_completers": g.finished_completers,
        "completion_percent": _rate(g.completion),
        "completion_ci95_low": _ci(g.completion, 0),
        "completion_ci95_high": _ci(g.completion, 1),
        "with_start_measures": g.with_start,
        "with_start_and_end_finished": g.finished_with_both,
        "completeness_percent": _rate(g.completeness),
    }
    for h in g.headlines:
        d = h.domain
        row[f"{d}_measures"] = " ".join(h.measures)
        row[f"{d}_with_start_and_end"] = h.improved.denominator
        row[f"{d}_improved"] = h.improved.numerator
        row[f"{d}_improved_percent"] = _rate(h.improved)
        row[f"{d}_meaningful_of"] = None if h.meaningful is None else h.meaningful.denominator
        row[f"{d}_meaningful"] = None if h.meaningful is None else h.meaningful.numerator
        row[f"{d}_meaningful_percent"] = _rate(h.meaningful)
        row[f"{d}_left_out_over_video"] = h.left_out
    for point in FOLLOW_UP_POINTS:
        counts = next((c for c in g.follow_up if c.point == point), None)
        due = None if counts is None else counts.counted
        reached = None if counts is None else counts.done
        row[f"follow_up_{point}m_due_so_far"] = due
        row[f"follow_up_{point}m_reached"] = reached
        row[f"follow_up_{point}m_response_percent"] = (
            None if due is None or reached is None else _rate(Fraction(reached, due))
        )
    for item in ITEMS:
        published = None if data is None else _equality_row(data, year, g.code, item)
        for code, n in published.counts if published else ():
            row[equality_column(item, code)] = n  # None: hidden
    return {c: row.get(c) for c in COLUMNS}


def figure_rows(data: ReportData) -> Iterator[dict[str, Any]]:
    """Each site and all sites per financial year (oldest first), then for all years."""
    for year in data.years:
        for g in (*year.sites, year.overall):
            yield _row(year.year, g, data)
    for g in (*data.sites, data.overall):
        yield _row(ALL_YEARS, g, data)


def write_figures_csv(data: ReportData, out: Path) -> int:
    """The table as CSV (atomically); returns its number of rows."""
    rows = list(figure_rows(data))

    def cell(value: Any) -> str:
        if value is None:
            return ""
        if isinstance(value, bool):
            return "1" if value else "0"
        if isinstance(value, int | float):
            return str(value)  # numbers stay numbers ("-2" is not a formula)
        return safe_text(value)

    atomic_write_csv(out, COLUMNS, ([cell(r[c]) for c in COLUMNS] for r in rows))
    return len(rows)


def figures_json(data: ReportData) -> dict[str, Any]:
    """The same table as JSON: what it covers, then its rows (null where the CSV is empty)."""
    return {
        "title": data.title,
        "period": data.period,
        "made_on": data.made_on,
        "rates_under": SMALL_CELL,
        "equality_counts_suppressed_under": SMALL_CELL,
        "columns": COLUMNS,
        "rows": list(figure_rows(data)),
        # The equality tables whole, as registry report --json gives them (null: hidden).
        "equality": [t.as_json() for t in data.equality.tables] if data.equality else [],
        "equality_by_year": ([t.as_json() for t in data.equality.by_year] if data.equality else []),
    }


def figures_json_text(data: ReportData) -> str:
    return json.dumps(figures_json(data), ensure_ascii=False, indent=1) + "\n"
