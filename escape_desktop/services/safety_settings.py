"""Data-safety settings: backup folder, idle lock, retention (the backup use cases are in services.backups)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from escape_desktop.context import AppContext
from escape_desktop.paths import preset

from . import settings_registry as registry
from .changes import Done

BACKUP_FOLDER = registry.BACKUP_FOLDER.key
IDLE_LOCK_MINUTES = registry.IDLE_LOCK_MINUTES.key
RETENTION_YEARS = registry.RETENTION_YEARS.key

DEFAULT_IDLE_MINUTES = registry.IDLE_LOCK_MINUTES.default
DEFAULT_RETENTION_YEARS = registry.RETENTION_YEARS.default


@dataclass(frozen=True)
class SafetySettings:
    backup_folder: str = ""
    idle_lock_minutes: int = DEFAULT_IDLE_MINUTES  # 0 = never lock
    retention_years: int = DEFAULT_RETENTION_YEARS


def get_settings(ctx: AppContext) -> SafetySettings:
    values = registry.stored(ctx)
    return SafetySettings(
        # IT may preset the folder for every user in escape-desktop.ini; a choice made in
        # Settings wins
        backup_folder=registry.get(ctx, registry.BACKUP_FOLDER, values) or preset("backup_folder"),
        idle_lock_minutes=registry.get(ctx, registry.IDLE_LOCK_MINUTES, values),
        retention_years=registry.get(ctx, registry.RETENTION_YEARS, values),
    )


def set_backup_folder(ctx: AppContext, folder: str | Path | None) -> Done[None]:
    """A second place for backups (a USB stick or shared drive); empty to stop copying."""
    return registry.set(ctx, registry.BACKUP_FOLDER, str(folder or ""))


def set_idle_lock_minutes(ctx: AppContext, minutes: int | str) -> Done[None]:
    return registry.set(ctx, registry.IDLE_LOCK_MINUTES, minutes)


def set_retention_years(ctx: AppContext, years: int | str) -> Done[None]:
    done = registry.set(ctx, registry.RETENTION_YEARS, years)
    return replace(done, message="Retention period saved") if done.changes else done
