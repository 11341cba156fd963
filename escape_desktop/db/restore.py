"""Restore: replace the database with a verified backup, keeping a copy of what it replaces."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from escape_desktop.i18n import _

from . import keys
from .backup import STAMP_FORMAT, Progress, backups_dir, find_key_copy, make_backup, verify_backup
from .encryption import export_encrypted
from .engine import DB_FILENAME, Database, let_go_before_rename, writers_held_off
from .errors import BackupFailed, DiskFull, KnownError, disk_full_sentence, explain
from .files import (
    FileHeld,
    copy_durably,
    free_bytes,
    fsync_dir,
    held_sentence,
    is_plain_sqlite,
    maintenance_lock,
    remove_sidecars,
    replace_file,
)
from .integrity import integrity_problems

log = logging.getLogger(__name__)

__all__ = ["newer_schema_problem", "restore_backup", "restore_into_new_folder", "unlock_backup"]

NEWER_BACKUP = (
    "{name} was made by a newer version of escape-desktop; install that version (or a newer "
    "one) on this laptop, then restore it. Nothing was changed."
)


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
    report(0, 4, _("Checking the backup…"))
    # A backup made before this data had a passphrase is plain: it is encrypted on the way in.
    plain_into_encrypted = db.key is not None and is_plain_sqlite(source)
    if (
        db.key is None
        and source.is_file()
        and source.stat().st_size
        and not is_plain_sqlite(source)
    ):
        raise BackupFailed(
            _(
                "{name} cannot be restored here: it is encrypted (or is not a backup) and this "
                "data has no passphrase. Restore it into the data it was made from, or choose a "
                "backup of this data. Nothing was changed."
            ).format(name=source.name)
        )
    problems = verify_backup(source, None if plain_into_encrypted else db.key)
    if problems:
        log.info("Not restored: %s failed its check", source.name)
        raise BackupFailed(
            _("{name} cannot be restored: {problems} Nothing was changed.").format(
                name=source.name, problems=problems[0]
            )
        )
    newer = newer_schema_problem(source, None if plain_into_encrypted else db.key)
    if newer:
        raise BackupFailed(newer)
    path = db.path
    # Checked first: the check reads through a writer's connection, which the hold below
    # would keep waiting. Damaged data is kept aside as it is, never "repaired" by a copy.
    healthy = path.is_file() and not integrity_problems(db, full=True)
    # No other process commits to the data from the copy kept of it until it is replaced.
    with (
        maintenance_lock(path.parent),
        writers_held_off(path, db.key, best_effort=True) as let_go,
    ):
        return _put_in_place(
            db, source, plain_into_encrypted, backup_folder, report, healthy, let_go
        )


def newer_schema_problem(source: Path, key: bytes | None) -> str | None:
    """One sentence when the backup ``source`` was written by a newer version (its schema is
    beyond this version's head), else None. An older schema is fine: it is migrated on opening."""
    from .schema_version import state_of

    copy = Database(Path(source), key, read_only=True)
    try:
        with copy.raw_read() as conn:
            state = state_of(conn)
    finally:
        copy.dispose()
    return NEWER_BACKUP.format(name=Path(source).name) if state == "newer" else None


def _keep_aside(db: Database) -> Path:
    """Copy a data file too damaged to back up beside itself; a half-made copy never stays."""
    path = db.path
    aside = path.with_name(f"{path.name}.damaged-{datetime.now().strftime(STAMP_FORMAT)}")
    try:
        # PASSIVE: the restore holds the write lock (writers_held_off), which a TRUNCATE
        # checkpoint would wait the whole busy timeout (5 s) for, and then not get.
        db.pragma("PRAGMA wal_checkpoint(PASSIVE)")
    except Exception:
        pass  # too damaged to checkpoint: the WAL is copied with it
    db.dispose()
    pairs = [(path, aside)]
    wal = Path(str(path) + "-wal")
    if wal.exists():
        pairs.insert(0, (wal, Path(str(aside) + "-wal")))
    for original, copy in pairs:
        partial = copy.with_name(copy.name + ".partial")
        copy_durably(original, partial)
        replace_file(partial, copy)
    fsync_dir(path.parent)
    log.info("The current data was kept aside as %s", aside.name)
    return aside


def _put_in_place(
    db: Database,
    source: Path,
    plain_into_encrypted: bool,
    backup_folder: Path | None,
    report: Progress,
    healthy: bool,
    let_go: Callable[[], None] | None = None,
) -> tuple[Database, Path | None]:
    path = db.path
    folder = Path(backup_folder) if backup_folder else backups_dir(path.parent)
    current = sum(p.stat().st_size for p in (path, Path(str(path) + "-wal")) if p.exists())
    needed = source.stat().st_size + current + 8 * 1024 * 1024
    free = free_bytes(path.parent)
    if free is not None and free < needed:
        log.info("Not restored: %d bytes free, %d needed", free, needed)
        raise DiskFull(disk_full_sentence(path.parent, needed - free))
    log.info("Restoring %s", source)
    incoming = path.with_name(path.name + ".restoring")
    kept: Path | None = None
    try:
        report(1, 4, _("Keeping a copy of the current data…"))
        if path.exists():
            try:
                if healthy:
                    kept = make_backup(db, folder, "before-restore", check_source=False)
            except KnownError:
                log.info("The current data could not be backed up before the restore")
            db.dispose()
            if kept is None:
                _keep_aside(db)
        report(2, 4, _("Putting the backup in place…"))
        if plain_into_encrypted:
            assert db.key is not None
            export_encrypted(source, incoming, db.key)  # checked, and fsynced
        else:
            copy_durably(source, incoming)
            problems = verify_backup(incoming, db.key)
            if problems:
                raise BackupFailed(
                    _("The copy of {name} failed its check, so nothing was restored: ").format(
                        name=source.name
                    )
                    + problems[0]
                )
    except BaseException as e:
        incoming.unlink(missing_ok=True)
        known = explain(e, folder=path.parent, needed=needed)
        log.info("Restore stopped before the data was replaced: %s", type(e).__name__)
        if known is not None and known is not e:
            raise known from e
        raise
    db.dispose()  # every handle this process had on the file is closed before the rename
    let_go_before_rename(let_go)
    try:
        remove_sidecars(path)  # the old WAL must never be replayed into the restored file
        replace_file(incoming, path)
    except (FileHeld, PermissionError) as e:
        incoming.unlink(missing_ok=True)
        log.info("Restore stopped: the data file was held (%s)", e)
        raise FileHeld(
            _("{held_sentence} The backup was not restored; nothing was changed.").format(
                held_sentence=held_sentence(path)
            )
        ) from e
    fsync_dir(path.parent)
    from .checksums import sums_path

    sums_path(path).unlink(missing_ok=True)  # they described the file just replaced
    report(3, 4, _("Opening the restored data…"))
    new = Database(path, db.key)
    new.pragma("PRAGMA journal_mode = WAL")
    log.info("Restored %s (the data before it: %s)", source.name, kept.name if kept else "none")
    report(4, 4, _("Restored."))
    return new, kept


def unlock_backup(
    source: Path, *, passphrase: str | None = None, recovery_code: str | None = None
) -> tuple[bytes | None, Path | None]:
    """The key that opens the backup ``source`` (None for a plain one), from the key file that
    travels with it, and that key file."""
    if is_plain_sqlite(source):
        return None, None
    key_file = find_key_copy(source)
    if key_file is None:
        raise BackupFailed(
            _(
                "{name} is encrypted and its key file ({name}.key.json or key.json) is not "
                "beside it; copy the key file next to it and try again. Nothing was changed."
            ).format(name=source.name)
        )
    return keys.unlock_key_path(key_file, passphrase, recovery_code), key_file


def _same_key(
    key_file: Path, key: bytes | None, passphrase: str | None, recovery_code: str | None
) -> bool:
    """True when the folder's own key file seals the same key as the backup's (e.g. its own
    backups after the data file went missing)."""
    if key is None:
        return False
    try:
        return keys.unlock_key_path(key_file, passphrase, recovery_code) == key
    except KnownError:
        return False


def restore_into_new_folder(
    folder: Path,
    source: Path,
    *,
    passphrase: str | None = None,
    recovery_code: str | None = None,
) -> Path:
    """Make ``folder`` (with no data yet, e.g. a new laptop) hold the backup ``source``.

    An encrypted backup is opened with the passphrase or the recovery key through the key
    file that travels with it; that key file becomes the folder's key file. Returns the path
    of the restored database.
    """
    folder = Path(folder)
    source = Path(source)
    path = folder / DB_FILENAME
    if path.exists():
        raise KnownError(
            _("{folder} already holds data; restore into it from its own backups.").format(
                folder=folder
            )
        )
    key, key_file = unlock_backup(source, passphrase=passphrase, recovery_code=recovery_code)
    problems = verify_backup(source, key)
    if problems:
        raise BackupFailed(
            _("{name} cannot be restored: {problems} Nothing was changed.").format(
                name=source.name, problems=problems[0]
            )
        )
    newer = newer_schema_problem(source, key)
    if newer:  # refused before the folder, its key file or anything else is written
        raise BackupFailed(newer)
    folder.mkdir(parents=True, exist_ok=True)
    own_key = folder / keys.KEY_FILENAME
    if own_key.exists() and not _same_key(own_key, key, passphrase, recovery_code):
        raise KnownError(
            _(
                "{folder} already has a different key file; choose an empty folder. Nothing was "
                "changed."
            ).format(folder=folder)
        )
    incoming = path.with_name(path.name + ".restoring")
    with maintenance_lock(folder):
        wrote_key = False
        try:
            if key_file is not None and not own_key.exists():
                keys.write_atomically(own_key, key_file.read_text(encoding="utf-8"))
                wrote_key = True
            copy_durably(source, incoming)
            if verify_backup(incoming, key):
                raise BackupFailed(
                    _("The copy of {name} failed its check; nothing was restored.").format(
                        name=source.name
                    )
                )
        except BaseException as e:
            incoming.unlink(missing_ok=True)
            if wrote_key:  # a key with no data would start a new, empty database later
                own_key.unlink(missing_ok=True)
            known = explain(e, folder=folder, needed=source.stat().st_size)
            if known is not None and known is not e:
                raise known from e
            raise
        try:
            replace_file(incoming, path)
        except FileHeld:
            incoming.unlink(missing_ok=True)
            if wrote_key:
                own_key.unlink(missing_ok=True)
            raise
        fsync_dir(folder)
    log.info("Restored %s into a folder with no data", source.name)
    return path
