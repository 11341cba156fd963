"""Backup use cases: make one now, list them, copy to the backup folder.

The window and the command line call these, never ``db.backup`` directly, so each use case
(checks, copies, thinning, the audit line) is written once. Restoring over data in use is in
``data_safety`` (it replaces the data file, in exclusive mode).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from escape_desktop.context import AppContext
from escape_desktop.db import backup as store
from escape_desktop.db.backup import LAPTOP_PREFIX, BackupInfo
from escape_desktop.db.engine import Database
from escape_desktop.db.errors import KnownError
from escape_desktop.i18n import _

from .common import audit
from .safety_settings import find_backup_folder, note_backup_folder_moved

Progress = Callable[[int, int, str], None]

# Backups older than this are deleted when thinning, so a person erased or purged from the
# data is gone from the backups within a year too.
BACKUP_MAX_AGE_DAYS = 366
AUTO_BACKUP_MINUTES = 30

__all__ = [
    "AUTO_BACKUP_MINUTES",
    "BACKUP_MAX_AGE_DAYS",
    "BackupInfo",
    "LAPTOP_PREFIX",
    "BackupResult",
    "backup_now",
    "backups_folder",
    "last_backup_at",
    "list_all_backups",
    "made_under_another_key",
    "newest_good_backup",
    "restore_damaged",
    "write_copy",
]


@dataclass
class BackupResult:
    path: Path
    copied_to: Path | None = None
    warnings: list[str] = field(default_factory=list)
    removed: int = 0


def backups_folder(data_dir: Path) -> Path:
    """Where the app keeps its own backups inside a data folder."""
    return store.backups_dir(data_dir)


def last_backup_at(ctx: AppContext) -> datetime | None:
    newest = store.list_backups(store.backups_dir(ctx.data_dir))
    return newest[0].made_at if newest else None


def backup_now(
    ctx: AppContext,
    reason: str = "manual",
    *,
    progress: Progress | None = None,
    now: datetime | None = None,
) -> BackupResult:
    """Make a verified backup in the data folder, thin old ones, and copy it to the backup
    folder when one is set. A missing USB stick is a warning, not a failure; a stick that
    came back under another drive letter is found there."""
    ctx.refuse_if_read_only_media()
    place = find_backup_folder(ctx)
    local = store.backups_dir(ctx.data_dir)
    path = store.make_backup(ctx.db, local, reason, progress=progress, now=now)
    result = BackupResult(path)
    result.removed = len(
        store.thin_backups(local, now, max_age_days=BACKUP_MAX_AGE_DAYS, key=ctx.db.key)
    )
    if place is not None and place.folder is None:
        result.warnings.append(place.missing)
    elif place is not None and place.folder is not None:
        if place.moved:
            note_backup_folder_moved(ctx, place.folder)
        # This laptop's own subfolder: another laptop sharing the folder thins and keys its own
        shared = place.folder
        extra = store.laptop_folder(shared, ctx.data_dir)
        if progress:
            progress(3, 3, f"Copying to {shared}…")
        try:
            result.copied_to = store.copy_backup(path, extra, ctx.db.key, ctx.data_dir)
            store.name_laptop_folder(extra)
            result.removed += len(
                store.thin_backups(extra, now, max_age_days=BACKUP_MAX_AGE_DAYS, key=ctx.db.key)
            )
            # Left at the top by earlier versions: only the retention limit applies there.
            result.removed += len(
                store.thin_backups(
                    shared, now, max_age_days=BACKUP_MAX_AGE_DAYS, key=ctx.db.key, expired_only=True
                )
            )
        except KnownError as e:
            result.warnings.append(str(e))
    with ctx.db.transaction() as s:
        audit(s, ctx.actor, "backup", "backup", None, f"{reason}: {path.name}")
    return result


def write_copy(ctx: AppContext, target: Path) -> Path:
    """A verified copy of the data at a file the user chose (``backup --out``)."""
    return store.write_verified_copy(ctx.db, target)


def list_all_backups(ctx: AppContext) -> list[BackupInfo]:
    """Backups in the data folder and in the backup folder (every laptop's that shares it, each
    named by its laptop; this laptop's copies of its own backups once), newest first."""
    found = store.list_backups(store.backups_dir(ctx.data_dir))
    place = find_backup_folder(ctx)
    folder = place.folder if place is not None else None
    if folder is not None:
        names = {b.path.name for b in found}
        own = store.laptop_folder(folder, ctx.data_dir)
        found += [
            b
            for b in store.list_shared_backups(folder)
            if not (b.path.parent == own and b.path.name in names)
        ]
    found.sort(key=lambda b: b.made_at, reverse=True)
    return found


def made_under_another_key(ctx: AppContext, backup: Path, laptop: str = "") -> str | None:
    """A sentence when ``backup`` is encrypted under another key than this data's (another
    laptop sharing the backup folder, with its own passphrase): restoring it in place of this
    data cannot work, and the check that would say so reads like damage. None otherwise."""
    from escape_desktop.db.files import is_plain_sqlite

    backup = Path(backup)
    if ctx.db.key is None or not backup.is_file() or is_plain_sqlite(backup):
        return None  # plain data refuses an encrypted backup itself, in its own words
    copy = Database(backup, ctx.db.key, read_only=True)
    try:
        with copy.engine.connect() as conn:
            conn.exec_driver_sql("SELECT count(*) FROM sqlite_master").scalar()
        return None
    except Exception:  # the key does not open it (or it is damaged: the restore says which)
        if store.find_key_copy(backup) is None:
            return None
    finally:
        copy.dispose()
    # Whole sentences, with and without the laptop's name (they were English, missed by the
    # catalogue because the f-string began with the file's name).
    said = (
        _(
            "{file} was made on {laptop} under another passphrase, so it cannot replace the "
            "data here. To use it, restore it at the first start of a laptop with no data yet, "
            "with that passphrase or its recovery key; to share a course between two laptops, "
            "use Send this course… and Receive a course…. Nothing was changed."
        )
        if laptop
        else _(
            "{file} was made under another passphrase, so it cannot replace the "
            "data here. To use it, restore it at the first start of a laptop with no data yet, "
            "with that passphrase or its recovery key; to share a course between two laptops, "
            "use Send this course… and Receive a course…. Nothing was changed."
        )
    )
    return said.format(file=backup.name, laptop=laptop)


def newest_good_backup(data_dir: Path, key: bytes | None) -> BackupInfo | None:
    """The newest backup in a data folder that passes its check (for damaged data at start)."""
    return store.newest_good_backup(store.backups_dir(data_dir), key)


def restore_damaged(damaged: Database, source: Path) -> Path | None:
    """Put a backup in place of damaged data before any context is open; the damaged file
    is kept aside. Returns the copy of the damaged data, if one could be made."""
    from escape_desktop.db.restore import restore_backup

    restored, kept = restore_backup(damaged, Path(source))
    restored.dispose()
    return kept
