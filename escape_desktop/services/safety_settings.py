"""Data-safety settings (backup folder, idle lock, retention) and the backup use case."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from escape_desktop.context import AppContext
from escape_desktop.db import backup as backups
from escape_desktop.db.errors import KnownError
from escape_desktop.db.models import Setting

from .common import audit, clean_text, parse_int

Progress = Callable[[int, int, str], None]

BACKUP_FOLDER = "backup_folder"
IDLE_LOCK_MINUTES = "idle_lock_minutes"
RETENTION_YEARS = "retention_years"
LAST_BACKUP = "last_backup_at"

DEFAULT_IDLE_MINUTES = 10
DEFAULT_RETENTION_YEARS = 8
# Backups older than this are deleted when thinning, so a person erased or purged from the
# data is gone from the backups within a year too.
BACKUP_MAX_AGE_DAYS = 366
AUTO_BACKUP_MINUTES = 30


@dataclass(frozen=True)
class SafetySettings:
    backup_folder: str = ""
    idle_lock_minutes: int = DEFAULT_IDLE_MINUTES  # 0 = never lock
    retention_years: int = DEFAULT_RETENTION_YEARS


@dataclass
class BackupResult:
    path: Path
    copied_to: Path | None = None
    warnings: list[str] = field(default_factory=list)
    removed: int = 0


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


def last_backup_at(ctx: AppContext) -> datetime | None:
    newest = backups.list_backups(backups.backups_dir(ctx.data_dir))
    return newest[0].made_at if newest else None


def backup_now(
    ctx: AppContext,
    reason: str = "manual",
    *,
    progress: Progress | None = None,
    now: datetime | None = None,
) -> BackupResult:
    """Make a verified backup in the data folder, thin old ones, and copy it to the backup
    folder when one is set. A missing USB stick is a warning, not a failure."""
    settings = get_settings(ctx)
    local = backups.backups_dir(ctx.data_dir)
    path = backups.make_backup(ctx.db, local, reason, progress=progress, now=now)
    result = BackupResult(path)
    result.removed = len(
        backups.thin_backups(local, now, max_age_days=BACKUP_MAX_AGE_DAYS, key=ctx.db.key)
    )
    if settings.backup_folder:
        extra = Path(settings.backup_folder)
        if progress:
            progress(3, 3, f"Copying to {extra}…")
        try:
            result.copied_to = backups.copy_backup(path, extra, ctx.db.key, ctx.data_dir)
            result.removed += len(
                backups.thin_backups(extra, now, max_age_days=BACKUP_MAX_AGE_DAYS, key=ctx.db.key)
            )
        except KnownError as e:
            result.warnings.append(str(e))
    with ctx.db.transaction() as s:
        audit(s, ctx.actor, "backup", "backup", None, f"{reason}: {path.name}")
    return result


def list_all_backups(ctx: AppContext) -> list[backups.BackupInfo]:
    """Backups in the data folder and in the backup folder, newest first."""
    found = backups.list_backups(backups.backups_dir(ctx.data_dir))
    folder = get_settings(ctx).backup_folder
    if folder:
        names = {b.path.name for b in found}
        found += [b for b in backups.list_backups(Path(folder)) if b.path.name not in names]
    found.sort(key=lambda b: b.made_at, reverse=True)
    return found


def restore(ctx: AppContext, source: Path, *, progress: Progress | None = None) -> Path | None:
    """Put a backup in place of the data (the current data is backed up first).

    ctx.db is replaced by the restored database. Returns the backup of the replaced data.
    """
    new_db, kept = backups.restore_backup(ctx.db, Path(source), progress=progress)
    ctx.db = new_db
    with ctx.db.transaction() as s:
        audit(
            s,
            ctx.actor,
            "restore",
            "backup",
            None,
            f"restored {Path(source).name}; previous data kept as {kept.name if kept else '-'}",
        )
    return kept
