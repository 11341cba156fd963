"""A registry site and one loaded batch, written straight into the registry's tables, for the
tests that fill a registry with made-up people to check the report's figures."""

from __future__ import annotations

from typing import Any

from sqlalchemy import insert

from escape_desktop.registry.models import Batch, Site


def add_site_with_batch(
    s: Any, code: str, name: str, batch_id: str, *, rows: int = 0, profile_version: str = "5"
) -> int:
    """Add site ``code`` with one batch ``batch_id`` (exported 1 May 2026); its primary key."""
    s.execute(
        insert(Site).values(
            code=code,
            name=name,
            first_loaded_at="",
            last_loaded_at="",
            last_exported_at="",
            last_batch_id=batch_id,
        )
    )
    return int(
        s.execute(
            insert(Batch)
            .values(
                batch_id=batch_id,
                site_code=code,
                exported_at="2026-05-01T00:00:00",
                loaded_at="2026-05-02T00:00:00",
                profile_name="p",
                profile_version=profile_version,
                app_version="t",
                file_name="f.csv",
                sha256="0" * 64,
                rows=rows,
                rows_loaded=rows,
            )
            .returning(Batch.id)
        ).scalar_one()
    )
