"""Restore: replace the database with a verified backup, keeping a copy of what it replaces."""

from __future__ import annotations

import logging
import os
from datetime import datetime
from pathlib import Path

from .backup import STAMP_FORMAT, Progress, backups_dir, make_backup, verify_backup
from .encryption import export_encrypted
from .engine import Database
from .errors import BackupFailed, KnownError
from .files import copy_durably, fsync_dir, is_plain_sqlite, remove_sidecars

log = logging.getLogger(__name__)

__all__ = ["restore_backup"]


def _noop(done: int, total: int, message: str) -> None:
    pass


def restore_backup(
    db: Database,
    source: Path,
    *,
    backup_folder: Path | None = None,
    progress: Progress | None = None,
) -> tuple[Database, Path | None]:
    """Replace the database with ``source``; the current one is backed up first.

    Returns the newly opened database and the path of the backup of the old one (None when
    the old one was too damaged to copy that way; it is then kept aside as a plain file).
    ``db`` is closed; use the returned database from now on.
    """
    report = progress or _noop
    source = Path(source)
    report(0, 4, "Checking the backup…")
    # A backup made before this data had a passphrase is plain: it is encrypted on the way in.
    plain_into_encrypted = db.key is not None and is_plain_sqlite(source)
    if (
        db.key is None
        and source.is_file()
        and source.stat().st_size
        and not is_plain_sqlite(source)
    ):
        raise BackupFailed(
            f"{source.name} cannot be restored here: it is encrypted (or is not a backup) and "
            "this data has no passphrase. Restore it into the data it was made from, or "
            "choose a backup of this data. Nothing was changed."
        )
    problems = verify_backup(source, None if plain_into_encrypted else db.key)
    if problems:
        log.info("Not restored: %s failed its check", source.name)
        raise BackupFailed(f"{source.name} cannot be restored: {problems[0]} Nothing was changed.")
    log.info("Restoring %s", source)
    path = db.path
    folder = Path(backup_folder) if backup_folder else backups_dir(path.parent)
    report(1, 4, "Keeping a copy of the current data…")
    kept: Path | None = None
    if path.exists():
        try:
            kept = make_backup(db, folder, "before-restore")
        except KnownError:
            kept = None
            log.info("The current data could not be backed up before the restore")
    db.dispose()
    if path.exists() and kept is None:
        aside = path.with_name(f"{path.name}.damaged-{datetime.now().strftime(STAMP_FORMAT)}")
        try:
            db.pragma("PRAGMA wal_checkpoint(TRUNCATE)")
        except Exception:
            pass
        db.dispose()
        copy_durably(path, aside)
        for suffix in ("-wal",):
            side = Path(str(path) + suffix)
            if side.exists():
                copy_durably(side, Path(str(aside) + suffix))
        log.info("The current data was kept aside as %s", aside.name)
    report(2, 4, "Putting the backup in place…")
    incoming = path.with_name(path.name + ".restoring")
    if plain_into_encrypted:
        assert db.key is not None
        export_encrypted(source, incoming, db.key)  # checked, and fsynced
    else:
        copy_durably(source, incoming)
    remove_sidecars(path)
    os.replace(incoming, path)
    fsync_dir(path.parent)
    report(3, 4, "Opening the restored data…")
    new = Database(path, db.key)
    new.pragma("PRAGMA journal_mode = WAL")
    log.info("Restored %s (the data before it: %s)", source.name, kept.name if kept else "none")
    report(4, 4, "Restored.")
    return new, kept
