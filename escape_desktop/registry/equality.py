"""Equality monitoring in the registry (issue 30 item 7): how many people by ethnic category,
by stated sex and by gender identity, for each site and for all sites, and for all sites in
each financial year, with the report's small-number suppression
(figures.secondary_suppression).

Counted by the database (GROUP BY on the uploaded cell), one row a person on a course, as the
report counts people. A blank cell (not asked, or a file made before profile version 5) counts
as "not recorded". A count of 1 to 4 is never shown, and none can be worked out from the
totals: each site's row adds up to its shown total, each category's column of sites adds up to
the national count, so hiding goes on in both directions until neither gives a hidden count
back. The financial-year table is all sites' people by the year of their course's first
session, with a row for courses without a start date, so its rows too add up to the national
count; sites are never split by year (a site's year would be one more way to give a hidden
count back from its all-years row).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import case, func, select

from escape_desktop.programme.equality import ETHNIC_CATEGORIES, GENDER_IDENTITIES, STATED_SEXES

from .figures import SMALL_CELL, secondary_suppression
from .models import Record, Site
from .sql_cells import financial_year_of as _financial_year
from .sql_cells import grouped_rows

NOT_RECORDED = ""
# The upload column of each item, and its codes in the order a table shows them.
ITEMS: dict[str, tuple[str, ...]] = {
    "ethnic_category": (*ETHNIC_CATEGORIES, NOT_RECORDED),
    "stated_sex": (*STATED_SEXES, NOT_RECORDED),
    "gender_identity": (*GENDER_IDENTITIES, NOT_RECORDED),
}
# The financial-year table's row for courses whose upload gives no start date.
NO_YEAR = "none"


@dataclass(frozen=True)
class EqualityRow:
    """One site's (or all sites') people by one item: each code's count, None where hidden."""

    code: str  # the site code, or "ALL"
    name: str
    total: int
    counts: tuple[tuple[str, int | None], ...]

    def as_json(self) -> dict:
        return {
            "site": self.code,
            "name": self.name,
            "total": self.total,
            "counts": {code or "not_recorded": n for code, n in self.counts},
        }


@dataclass(frozen=True)
class EqualityTable:
    item: str  # "ethnic_category" or "stated_sex"
    sites: tuple[EqualityRow, ...]
    overall: EqualityRow

    def as_json(self) -> dict:
        return {
            "item": self.item,
            "suppressed_under": SMALL_CELL,
            "sites": [r.as_json() for r in self.sites],
            "overall": self.overall.as_json(),
        }


@dataclass(frozen=True)
class EqualityYears:
    """All sites' people by one item in each financial year ("2026-27", oldest first, then
    NO_YEAR if any course had no start date); the rows add up to ``overall``."""

    item: str
    years: tuple[EqualityRow, ...]
    overall: EqualityRow

    def as_json(self) -> dict:
        return {
            "item": self.item,
            "suppressed_under": SMALL_CELL,
            "years": [{**r.as_json(), "financial_year": r.code} for r in self.years],
            "overall": self.overall.as_json(),
        }


@dataclass(frozen=True)
class EqualityReport:
    """The report's equality tables: per site (and all sites) for the report's period, and
    all sites per financial year, each item in ITEMS' order."""

    tables: tuple[EqualityTable, ...] = ()
    by_year: tuple[EqualityYears, ...] = ()

    def table(self, item: str) -> EqualityTable | None:
        return next((t for t in self.tables if t.item == item), None)

    def year_table(self, item: str) -> EqualityYears | None:
        return next((t for t in self.by_year if t.item == item), None)


def suppress_table(rows: list[list[int]], threshold: int = SMALL_CELL) -> list[list[bool]]:
    """Which cells of a table of sites (rows) by codes to hide, the row totals and the column
    totals (the national row) both shown: the national row is the last row. Each row, and each
    column of site rows against its national cell, is suppressed as figures does; a national
    cell hidden hides every non-zero site cell under it. Repeated until nothing changes."""
    hidden = [[False] * len(r) for r in rows]
    sites = len(rows) - 1
    while True:
        before = [list(h) for h in hidden]
        for i, row in enumerate(rows):
            hidden[i] = secondary_suppression(row, threshold, hidden[i])
        for j in range(len(rows[-1])):
            column = [rows[i][j] for i in range(sites)]
            if hidden[-1][j]:
                column_hidden = [n > 0 for n in column]
            else:
                column_hidden = secondary_suppression(
                    column, threshold, [hidden[i][j] for i in range(sites)]
                )
            for i in range(sites):
                hidden[i][j] = hidden[i][j] or column_hidden[i]
        if hidden == before:
            return hidden


def _row(
    code: str, name: str, codes: tuple[str, ...], values: list[int], hide: list[bool]
) -> EqualityRow:
    return EqualityRow(
        code,
        name,
        sum(values),
        tuple((c, None if h else n) for c, n, h in zip(codes, values, hide, strict=True)),
    )


def equality_counts(
    db: Any, *, date_from: date | None = None, date_to: date | None = None
) -> tuple[EqualityTable, ...]:
    """People by each item for each site and all sites, suppressed."""
    return equality_report(db, date_from=date_from, date_to=date_to).tables


def equality_report(
    db: Any, *, date_from: date | None = None, date_to: date | None = None
) -> EqualityReport:
    """People by each item for each site and all sites, and for all sites by financial year,
    suppressed: one GROUP BY a item (site, year of the first session, code) in the database."""
    tables = []
    by_year = []
    with db.read() as s:
        dialect = s.get_bind().dialect.name
        names = {code: name for code, name in s.execute(select(Site.code, Site.name))}
        where: list[Any] = []
        if date_from or date_to:
            where = [
                Record.course_start != "",
                Record.course_start >= (date_from.isoformat() if date_from else ""),
                Record.course_start <= (date_to.isoformat() if date_to else "9999-12-31"),
            ]
        calendar_year = func.substr(Record.course_start, 1, 4)
        before_april = case((func.substr(Record.course_start, 6, 2) < "04", 1), else_=0)
        for item, codes in ITEMS.items():
            value = func.coalesce(getattr(Record, item), NOT_RECORDED)  # the cell (version 5)
            inner = select(
                Record.site_code.label("site"),
                calendar_year.label("y"),
                before_april.label("b"),
                value.label("v"),
            ).where(*where)
            sub = grouped_rows(dialect, inner, "answers")
            counted: dict[str, dict[str, int]] = {}
            per_year: dict[str, dict[str, int]] = {}
            for site, y, b, v, n in s.execute(
                select(sub.c.site, sub.c.y, sub.c.b, sub.c.v, func.count()).group_by(
                    sub.c.site, sub.c.y, sub.c.b, sub.c.v
                )
            ):
                code = str(v).strip().upper()
                key = code if code in codes else NOT_RECORDED  # a code no longer listed
                for table, row in ((counted, site), (per_year, _financial_year(y, b) or NO_YEAR)):
                    mine = table.setdefault(row, {})
                    mine[key] = mine.get(key, 0) + int(n)
            order = sorted(counted)
            rows = [[counted[site].get(c, 0) for c in codes] for site in order]
            national = [sum(r[j] for r in rows) for j in range(len(codes))]
            hidden = suppress_table([*rows, national])
            overall = _row("ALL", "All sites", codes, national, hidden[-1])
            tables.append(
                EqualityTable(
                    item,
                    tuple(
                        _row(site, names.get(site, site), codes, rows[i], hidden[i])
                        for i, site in enumerate(order)
                    ),
                    overall,
                )
            )
            years = sorted(y for y in per_year if y != NO_YEAR)
            years += [NO_YEAR] if NO_YEAR in per_year else []
            year_rows = [[per_year[y].get(c, 0) for c in codes] for y in years]
            # The national row is the same, and is hidden the same way (by itself alone).
            year_hidden = suppress_table([*year_rows, national])
            by_year.append(
                EqualityYears(
                    item,
                    tuple(
                        _row(y, y, codes, year_rows[i], year_hidden[i]) for i, y in enumerate(years)
                    ),
                    overall,
                )
            )
    return EqualityReport(tuple(tables), tuple(by_year))
