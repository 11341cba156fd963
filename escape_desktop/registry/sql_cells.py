"""Cells of the registry's rows as the database reads them, on SQLite and PostgreSQL alike:
a value inside an upload row's JSON, and the financial year of a course's first session."""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, cast, func

from .figures import financial_year

# The upload's equality monitoring columns (issue 30), in the order the report shows them.
EQUALITY_ITEMS = ("ethnic_category", "stated_sex", "gender_identity")


def json_text(dialect: str, column: Any, key: str, index: int | None = None) -> Any:
    """The JSON text in ``column`` at ``key`` (and list ``index``), worked out by the database:
    a SQL NULL when absent or null. A number stays a number on SQLite, text on PostgreSQL."""
    if dialect == "postgresql":
        path = [key] if index is None else [key, str(index)]
        return func.json_extract_path_text(cast(column, JSON), *path)
    quoted = '"' + key.replace('"', '\\"') + '"'
    return func.json_extract(column, f"$.{quoted}" + ("" if index is None else f"[{index}]"))


def grouped_rows(dialect: str, stmt: Any, name: str) -> Any:
    """``stmt``'s rows, ready to GROUP BY: on SQLite a MATERIALIZED common table expression, so
    SQLite works each row's cells out first and keeps only them for its sort. Grouped on a plain
    subquery instead, SQLite's sort held about the whole of each upload row's JSON (its temporary
    store is in memory, SQLCipher's build), a peak growing with the registry: 112 MB against
    12 MB for 50,000 rows. PostgreSQL groups a subquery without holding rows in this process."""
    if dialect == "sqlite":
        return stmt.cte(name).prefix_with("MATERIALIZED")
    return stmt.subquery(name)


def financial_year_of(year: Any, before_april: Any) -> str | None:
    """The financial year ("2026-27") of a course whose first session was in calendar
    ``year`` (before April or not); None when the upload gave no start date."""
    try:
        return financial_year(int(year) - int(before_april))
    except (TypeError, ValueError):
        return None
