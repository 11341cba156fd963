"""Backups: a verified copy of the database (encrypted like it), thinned over time; restore.

A backup is made with ``VACUUM INTO`` on a live connection: it reads one consistent
snapshot (WAL included), and SQLCipher writes the copy encrypted with the same key. The
copy is written under a temporary name, checked with a full integrity check, and only then
renamed into place, so a half-written backup never looks like a good one.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from .engine import DB_FILENAME, Database
from .errors import KnownError
from .keys import KEY_FILENAME, NewKey, fsync_dir

Progress = Callable[[int, int, str], None]  # done, total, message

BACKUP_DIRNAME = "backups"
NAME_RE = re.compile(r"^escape-(\d{8}-\d{6})(?:-([a-z0-9-]+))?\.db$")
STAMP_FORMAT = "%Y%m%d-%H%M%S"
REASONS = ("manual", "auto", "close", "before-migration", "before-restore", "before-encrypt")


class BackupFailed(KnownError):
    pass


@dataclass(frozen=True)
class BackupInfo:
    path: Path
    made_at: datetime
    reason: str
    size: int

    @property
    def label(self) -> str:
        return {
            "manual": "made by hand",
            "auto": "automatic",
            "close": "when the app closed",
            "before-migration": "before an update",
            "before-restore": "before a restore",
            "before-encrypt": "before encryption",
        }.get(self.reason, self.reason)


def backups_dir(data_dir: Path) -> Path:
    return Path(data_dir) / BACKUP_DIRNAME


def _noop(done: int, total: int, message: str) -> None:
    pass


def list_backups(folder: Path) -> list[BackupInfo]:
    """The backups in ``folder``, newest first (files with other names are ignored)."""
    folder = Path(folder)
    if not folder.is_dir():
        return []
    found = []
    for path in folder.iterdir():
        m = NAME_RE.match(path.name)
        if not m or not path.is_file():
            continue
        try:
            made = datetime.strptime(m.group(1), STAMP_FORMAT)
            size = path.stat().st_size
        except (ValueError, OSError):
            continue
        found.append(BackupInfo(path, made, m.group(2) or "manual", size))
    found.sort(key=lambda b: (b.made_at, b.path.name), reverse=True)
    return found


def _target_name(folder: Path, reason: str, when: datetime) -> Path:
    stem = f"escape-{when.strftime(STAMP_FORMAT)}-{reason}"
    path = folder / f"{stem}.db"
    n = 1
    while path.exists():  # two backups in one second: keep both
        when = when + timedelta(seconds=1)
        path = folder / f"escape-{when.strftime(STAMP_FORMAT)}-{reason}.db"
        n += 1
    return path


def verify_backup(path: Path, key: bytes | None) -> list[str]:
    """Problems found in the backup at ``path`` (opened read-only with ``key``); empty if good."""
    from .integrity import integrity_problems

    if not Path(path).is_file():
        return [f"The backup {Path(path).name} is missing."]
    copy = Database(Path(path), key, read_only=True)
    try:
        return integrity_problems(copy, full=True)
    finally:
        copy.dispose()


def _vacuum_into(db: Database, target: Path) -> None:
    raw = db.engine.raw_connection()
    try:
        conn = raw.driver_connection
        conn.execute("VACUUM INTO ?", (str(target),))  # type: ignore[union-attr]
    finally:
        raw.close()


def _fsync_file(path: Path) -> None:
    with open(path, "rb") as f:
        os.fsync(f.fileno())


def make_backup(
    db: Database,
    folder: Path,
    reason: str = "manual",
    *,
    progress: Progress | None = None,
    now: datetime | None = None,
    check_source: bool = True,
) -> Path:
    """Copy the database into ``folder`` as a new, verified backup; return its path.

    Raises BackupFailed (nothing kept) when the database or the copy fails its check.
    """
    from .integrity import integrity_problems

    report = progress or _noop
    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise BackupFailed(
            f"Cannot write to the backup folder {folder}; check it exists and has space."
        ) from e
    if check_source:
        report(0, 3, "Checking the data for damage…")
        problems = integrity_problems(db, full=True)
        if problems:
            raise BackupFailed(
                "The data failed its check, so no backup was made (it would copy the damage): "
                + problems[0]
            )
    report(1, 3, "Copying the data…")
    target = _target_name(folder, reason, now or datetime.now())
    write_verified_copy(db, target)
    report(3, 3, "Backup made.")
    return target


def write_verified_copy(db: Database, target: Path) -> Path:
    """VACUUM INTO a temporary name beside ``target``, check it, then rename it into place."""
    target = Path(target)
    folder = target.parent
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    try:
        _vacuum_into(db, partial)
        _fsync_file(partial)
    except Exception as e:
        partial.unlink(missing_ok=True)
        from .engine import explain

        if "unable to open" in str(e).lower():  # the target, not the data: say where
            raise BackupFailed(
                f"The backup could not be written in {folder}; choose another folder."
            ) from e
        known = explain(e)
        if known is not None:
            raise BackupFailed(f"The backup could not be written: {known}") from e
        if isinstance(e, OSError) or "disk" in str(e).lower() or "open" in str(e).lower():
            raise BackupFailed(
                f"The backup could not be written to {folder}; check it has space."
            ) from e
        raise
    problems = verify_backup(partial, db.key)
    if problems:
        partial.unlink(missing_ok=True)
        raise BackupFailed("The backup copy failed its check and was not kept: " + problems[0])
    os.replace(partial, target)
    fsync_dir(folder)
    return target


def copy_backup(
    backup: Path, folder: Path, key: bytes | None, key_folder: Path | None = None
) -> Path:
    """Copy a verified backup to another folder (a USB stick), checked again there.

    The key file goes beside it, so the stick can be restored on another laptop with the
    passphrase; the key file is itself protected by the passphrase.
    """
    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / Path(backup).name
        partial = target.with_name(target.name + ".partial")
        shutil.copyfile(backup, partial)
        _fsync_file(partial)
    except OSError as e:
        raise BackupFailed(
            f"Could not copy the backup to {folder}; check the stick is plugged in and has space."
        ) from e
    problems = verify_backup(partial, key)
    if problems:
        partial.unlink(missing_ok=True)
        raise BackupFailed(f"The copy in {folder} failed its check and was removed.")
    os.replace(partial, target)
    if key_folder is not None and (Path(key_folder) / KEY_FILENAME).exists():
        shutil.copyfile(Path(key_folder) / KEY_FILENAME, folder / KEY_FILENAME)
    fsync_dir(folder)
    return target


# ---- thinning -------------------------------------------------------------------------------


def backups_to_keep(
    stamps: Iterable[datetime], now: datetime, *, max_age_days: int | None = None
) -> set[datetime]:
    """Which backups to keep: all from the last day, then the newest of each day for two
    weeks, of each week for three months, and of each month after that (up to
    ``max_age_days`` when given: older ones hold people past the retention period)."""
    keep: set[datetime] = set()
    buckets: set[tuple] = set()
    for when in sorted(stamps, reverse=True):
        age = now - when
        if max_age_days is not None and age > timedelta(days=max_age_days):
            continue
        if age <= timedelta(days=1):
            keep.add(when)
            continue
        if age <= timedelta(days=14):
            bucket: tuple = ("day", when.date())
        elif age <= timedelta(days=92):
            iso = when.isocalendar()
            bucket = ("week", iso.year, iso.week)
        else:
            bucket = ("month", when.year, when.month)
        if bucket not in buckets:  # newest first, so the first seen in a bucket wins
            buckets.add(bucket)
            keep.add(when)
    if not keep:
        newest = max(stamps, default=None)
        if newest is not None and max_age_days is None:
            keep.add(newest)
    return keep


def thin_backups(
    folder: Path, now: datetime | None = None, *, max_age_days: int | None = None
) -> list[Path]:
    """Delete backups the schedule no longer needs; return what was deleted."""
    found = list_backups(folder)
    keep = backups_to_keep(
        [b.made_at for b in found], now or datetime.now(), max_age_days=max_age_days
    )
    removed = []
    seen: set[datetime] = set()
    for b in found:
        if b.made_at in keep and b.made_at not in seen:
            seen.add(b.made_at)
            continue
        try:
            b.path.unlink()
            removed.append(b.path)
        except OSError:
            pass  # a read-only stick: leave it
    for stale in Path(folder).glob("*.partial"):  # left by a crash mid-backup
        stale.unlink(missing_ok=True)
    return removed


# ---- restore --------------------------------------------------------------------------------


def _remove_sidecars(db_path: Path) -> None:
    for suffix in ("-wal", "-shm", "-journal"):
        Path(str(db_path) + suffix).unlink(missing_ok=True)


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
        raise BackupFailed(f"{source.name} cannot be restored: {problems[0]} Nothing was changed.")
    path = db.path
    folder = Path(backup_folder) if backup_folder else backups_dir(path.parent)
    report(1, 4, "Keeping a copy of the current data…")
    kept: Path | None = None
    if path.exists():
        try:
            kept = make_backup(db, folder, "before-restore")
        except KnownError:
            kept = None
    db.dispose()
    if path.exists() and kept is None:
        aside = path.with_name(f"{path.name}.damaged-{datetime.now().strftime(STAMP_FORMAT)}")
        try:
            db.pragma("PRAGMA wal_checkpoint(TRUNCATE)")
        except Exception:
            pass
        db.dispose()
        shutil.copyfile(path, aside)
        for suffix in ("-wal",):
            side = Path(str(path) + suffix)
            if side.exists():
                shutil.copyfile(side, Path(str(aside) + suffix))
    report(2, 4, "Putting the backup in place…")
    incoming = path.with_name(path.name + ".restoring")
    if plain_into_encrypted:
        assert db.key is not None
        _export_encrypted(source, incoming, db.key)  # checked, and fsynced
    else:
        shutil.copyfile(source, incoming)
        _fsync_file(incoming)
    _remove_sidecars(path)
    os.replace(incoming, path)
    fsync_dir(path.parent)
    report(3, 4, "Opening the restored data…")
    new = Database(path, db.key)
    new.pragma("PRAGMA journal_mode = WAL")
    report(4, 4, "Restored.")
    return new, kept


def newest_good_backup(folder: Path, key: bytes | None) -> BackupInfo | None:
    """The newest backup that passes its check (for a damaged database)."""
    for info in list_backups(folder):
        if not verify_backup(info.path, key):
            return info
    return None


__all__ = [
    "BackupFailed",
    "BackupInfo",
    "DB_FILENAME",
    "backups_dir",
    "backups_to_keep",
    "copy_backup",
    "list_backups",
    "make_backup",
    "newest_good_backup",
    "restore_backup",
    "thin_backups",
    "verify_backup",
]


# ---- encrypting a database that was made without a passphrase -------------------------------

ENCRYPTING_SUFFIX = ".encrypting"


def _table_counts(conn, schema: str = "main") -> dict[str, int]:  # type: ignore[no-untyped-def]
    names = [
        r[0]
        for r in conn.execute(
            f"SELECT name FROM {schema}.sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'"
        ).fetchall()
    ]
    return {n: conn.execute(f'SELECT count(*) FROM {schema}."{n}"').fetchone()[0] for n in names}


def _export_encrypted(source: Path, target: Path, key: bytes) -> None:
    """Write an encrypted copy of the plain database ``source`` to ``target``, checked."""
    import sqlcipher3.dbapi2 as sqlcipher

    target.unlink(missing_ok=True)
    conn = sqlcipher.connect(str(source), check_same_thread=False)
    conn.isolation_level = None
    try:
        conn.execute("ATTACH DATABASE ? AS enc KEY \"x'" + key.hex() + "'\"", (str(target),))
        conn.execute("SELECT sqlcipher_export('enc')")
        conn.execute(
            "PRAGMA enc.user_version = " + str(conn.execute("PRAGMA user_version").fetchone()[0])
        )
        before = _table_counts(conn, "main")
        after = _table_counts(conn, "enc")
        conn.execute("DETACH DATABASE enc")
    finally:
        conn.close()
    if before != after:
        target.unlink(missing_ok=True)
        raise BackupFailed("The encrypted copy did not match the data; nothing was changed.")
    _fsync_file(target)
    problems = verify_backup(target, key)
    if problems:
        target.unlink(missing_ok=True)
        raise BackupFailed("The encrypted copy failed its check; nothing was changed.")


def is_plain_sqlite(path: Path) -> bool:
    try:
        with open(path, "rb") as f:
            return f.read(16) == b"SQLite format 3\x00"
    except OSError:
        return False


def encrypt_existing(
    db: Database, passphrase: str, *, progress: Progress | None = None, n: int | None = None
) -> tuple[Database, NewKey]:
    """Encrypt a data folder that was started without a passphrase.

    The plain file is exported into a new encrypted file (sqlcipher_export), checked, the
    key file written, and the new file swapped in; plain backups in the folder's backup
    folder are encrypted the same way. ``db`` is closed; returns (new Database, NewKey).
    """
    from . import keys

    report = progress or _noop
    if db.key is not None:
        raise KnownError("This data is already encrypted.")
    problem = keys.passphrase_problem(passphrase)
    if problem:
        raise keys.WrongPassphrase(problem)
    from .integrity import integrity_problems

    report(0, 4, "Checking the data…")
    problems = integrity_problems(db, full=True)
    if problems:
        raise BackupFailed("The data failed its check, so it was not encrypted: " + problems[0])
    folder = db.path.parent
    raw = os.urandom(keys.KEY_BYTES)
    db.checkpoint()
    db.dispose()
    incoming = db.path.with_name(db.path.name + ENCRYPTING_SUFFIX)
    report(1, 4, "Writing the encrypted copy…")
    _export_encrypted(db.path, incoming, raw)
    report(2, 4, "Saving the key…")
    new_key = keys.create_key(folder, passphrase, key=raw, **({"n": n} if n else {}))
    finish_encryption(folder)
    report(3, 4, "Encrypting the backups…")
    for info in list_backups(backups_dir(folder)):
        if is_plain_sqlite(info.path):
            tmp = info.path.with_name(info.path.name + ENCRYPTING_SUFFIX)
            try:
                _export_encrypted(info.path, tmp, raw)
                os.replace(tmp, info.path)
            except Exception:
                tmp.unlink(missing_ok=True)
                info.path.unlink(missing_ok=True)  # a plain copy must not stay behind
    report(4, 4, "Encrypted.")
    new = Database(db.path, raw)
    new.pragma("PRAGMA journal_mode = WAL")
    return new, new_key


def finish_encryption(folder: Path) -> bool:
    """Swap in an encrypted copy left ready by encrypt_existing (also after a crash)."""
    from . import keys

    path = Path(folder) / DB_FILENAME
    incoming = path.with_name(path.name + ENCRYPTING_SUFFIX)
    if not incoming.exists():
        return False
    if not keys.is_encrypted(Path(folder)) or not is_plain_sqlite(path):
        incoming.unlink(missing_ok=True)  # the swap never started, or already happened
        return False
    _remove_sidecars(path)
    os.replace(incoming, path)
    fsync_dir(Path(folder))
    return True
