"""Data-safety settings: backup folder, idle lock, retention (the backup use cases are in services.backups)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from escape_desktop.context import AppContext
from escape_desktop.db.models import Setting

from .common import audit, clean_text, parse_int

BACKUP_FOLDER = "backup_folder"
IDLE_LOCK_MINUTES = "idle_lock_minutes"
RETENTION_YEARS = "retention_years"
LAST_BACKUP = "last_backup_at"

DEFAULT_IDLE_MINUTES = 10
DEFAULT_RETENTION_YEARS = 8


@dataclass(frozen=True)
class SafetySettings:
    backup_folder: str = ""
    idle_lock_minutes: int = DEFAULT_IDLE_MINUTES  # 0 = never lock
    retention_years: int = DEFAULT_RETENTION_YEARS


def _read(ctx: AppContext) -> dict[str, str]:
    with ctx.db.read() as s:
        return {row.key: row.value for row in s.query(Setting).all()}


def get_settings(ctx: AppContext) -> SafetySettings:
    values = _read(ctx)

    def number(key: str, default: int, lo: int, hi: int) -> int:
        try:
            n = int(values.get(key, default))
        except ValueError:
            return default
        return n if lo <= n <= hi else default

    return SafetySettings(
        backup_folder=values.get(BACKUP_FOLDER, ""),
        idle_lock_minutes=number(IDLE_LOCK_MINUTES, DEFAULT_IDLE_MINUTES, 0, 240),
        retention_years=number(RETENTION_YEARS, DEFAULT_RETENTION_YEARS, 1, 100),
    )


def _put(ctx: AppContext, key: str, value: str) -> None:
    with ctx.db.transaction() as s:
        row = s.get(Setting, key)
        old = row.value if row else None
        if row is None:
            s.add(Setting(key=key, value=value))
        else:
            row.value = value
        if old != value and key != LAST_BACKUP:
            audit(s, ctx.actor, "set_setting", "setting", None, f"{key}: {old or '-'} -> {value}")


def set_backup_folder(ctx: AppContext, folder: str | Path | None) -> None:
    """A second place for backups (a USB stick or shared drive); empty to stop copying."""
    text = clean_text(str(folder or ""), "backup_folder", "Backup folder", max_len=1000)
    if text and not Path(text).is_absolute():
        from .errors import ValidationError

        raise ValidationError("backup_folder", "Choose a whole folder path, e.g. on a USB stick.")
    _put(ctx, BACKUP_FOLDER, text)


def set_idle_lock_minutes(ctx: AppContext, minutes: int | str) -> None:
    n = parse_int(minutes, "idle_lock_minutes", "Minutes before locking", 0, 240)
    _put(ctx, IDLE_LOCK_MINUTES, str(n))


def set_retention_years(ctx: AppContext, years: int | str) -> None:
    n = parse_int(years, "retention_years", "Years to keep records", 1, 100)
    _put(ctx, RETENTION_YEARS, str(n))
