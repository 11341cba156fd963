"""Backups: a verified copy of the database (encrypted like it), thinned over time; restore.

A backup is made with ``VACUUM INTO`` on a live connection: it reads one consistent
snapshot (WAL included), and SQLCipher writes the copy encrypted with the same key. The
copy is written under a temporary name, checked with a full integrity check, and only then
renamed into place, so a half-written backup never looks like a good one.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from filelock import Timeout

from escape_desktop.i18n import _

from .engine import DB_FILENAME, Database
from .errors import BackupFailed, DiskFull, KnownError, explain
from .files import (
    copy_durably,
    fsync_dir,
    fsync_file,
    maintenance_lock,
    make_private,
    make_private_folder,
    replace_file,
)
from .integrity import file_problems, integrity_problems
from .keys import KEY_FILENAME

log = logging.getLogger(__name__)

Progress = Callable[[int, int, str], None]  # done, total, message

BACKUP_DIRNAME = "backups"
NAME_RE = re.compile(r"^escape-(\d{8}-\d{6})(?:-([a-z0-9-]+))?\.db$")
STAMP_FORMAT = "%Y%m%d-%H%M%S"
LOCK_WAIT_SECONDS = 300.0  # a second backup queues behind the first rather than failing
PARTIAL_STALE_SECONDS = 3600  # a .partial older than this was left by a crash, not in progress
REASONS = (
    "manual", "auto", "close", "before-migration", "before-restore", "before-encrypt", "new-key"
)  # fmt: skip


@dataclass(frozen=True)
class BackupInfo:
    path: Path
    made_at: datetime
    reason: str
    size: int
    # In a shared backup folder: the laptop that made it ("" for this laptop's own folder and
    # for backups left at the top of a shared folder before laptops had subfolders).
    laptop: str = ""

    @property
    def label(self) -> str:
        return {
            "manual": "made by hand",
            "auto": "automatic",
            "close": "when the app closed",
            "before-migration": "before an update",
            "before-restore": "before a restore",
            "before-encrypt": "before encryption",
            "new-key": "under a new key",
        }.get(self.reason, self.reason)


def backups_dir(data_dir: Path) -> Path:
    return Path(data_dir) / BACKUP_DIRNAME


# ---- one backup folder shared by several laptops ---------------------------------------------
# IT may point every laptop (or one instructor's hall and office laptops) at one server
# folder. Each laptop writes only into its own subfolder, named by an id made once and kept
# in its data folder (not in the database: a restored backup from another laptop must not
# bring that laptop's id with it), so thinning and key.json copies never touch another
# laptop's backups. A file in the subfolder names the computer for people choosing a restore.

LAPTOP_ID_FILENAME = "laptop-id.txt"
LAPTOP_NAME_FILENAME = "laptop-name.txt"
LAPTOP_PREFIX = "laptop-"
_ID_RE = re.compile(r"^[0-9a-f]{12}$")


def computer_name() -> str:
    """This computer's name as people know it (COMPUTERNAME on Windows, the host name elsewhere)."""
    import os
    import platform

    return (os.environ.get("COMPUTERNAME") if os.name == "nt" else None) or platform.node() or "?"


def laptop_id(data_dir: Path) -> str:
    """This laptop's stable id: read from the data folder, made (once) when missing."""
    import uuid

    path = Path(data_dir) / LAPTOP_ID_FILENAME
    try:
        stored = path.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError):
        stored = ""
    if _ID_RE.match(stored):
        return stored
    made = uuid.uuid4().hex[:12]
    partial = path.with_name(path.name + ".partial")
    try:
        Path(data_dir).mkdir(parents=True, exist_ok=True)
        partial.write_text(made + "\n", encoding="utf-8")
        replace_file(partial, path)
    except (OSError, KnownError) as e:  # a read-only data folder: still its own subfolder today
        log.info("Could not keep this laptop's backup id in %s: %s", data_dir, e)
        return made
    log.info("This laptop's backup id is %s", made)
    return made


def laptop_folder(shared: Path, data_dir: Path) -> Path:
    """This laptop's own subfolder of a shared backup folder."""
    return Path(shared) / f"{LAPTOP_PREFIX}{laptop_id(data_dir)}"


def name_laptop_folder(folder: Path, name: str | None = None) -> None:
    """Write (or bring up to date) the computer's name in its subfolder, for people to read."""
    name = name or computer_name()
    path = Path(folder) / LAPTOP_NAME_FILENAME
    try:
        if path.is_file() and path.read_text(encoding="utf-8").strip() == name:
            return
        path.write_text(name + "\n", encoding="utf-8")
    except OSError as e:  # only a label: the backup itself is already safe
        log.info("Could not name the backup subfolder %s: %s", folder, e)


def laptop_name(folder: Path) -> str:
    """The computer name written in a laptop's subfolder, else the subfolder's own name."""
    try:
        name = (Path(folder) / LAPTOP_NAME_FILENAME).read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError):
        name = ""
    return name or Path(folder).name


def list_shared_backups(shared: Path) -> list[BackupInfo]:
    """Every laptop's backups in a shared folder (each named by its laptop), plus any left at
    the top of the folder by earlier versions; newest first."""
    from dataclasses import replace

    shared = Path(shared)
    found = [replace(b, laptop="earlier backups") for b in list_backups(shared)]
    try:
        subfolders = [p for p in shared.iterdir() if p.name.startswith(LAPTOP_PREFIX)]
    except OSError:
        subfolders = []
    for sub in subfolders:
        if sub.is_dir():
            name = laptop_name(sub)
            found += [replace(b, laptop=name) for b in list_backups(sub)]
    found.sort(key=lambda b: (b.made_at, b.path.name), reverse=True)
    return found


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
    """A name no backup in ``folder`` has yet, whatever its reason: two in one second both stay."""
    taken = {b.made_at for b in list_backups(folder)}
    while True:
        path = folder / f"escape-{when.strftime(STAMP_FORMAT)}-{reason}.db"
        partial = path.with_name(path.name + ".partial")
        if when.replace(microsecond=0) not in taken and not path.exists() and not partial.exists():
            return path
        when = when + timedelta(seconds=1)


def verify_backup(path: Path, key: bytes | None) -> list[str]:
    """Problems found in the backup at ``path`` (opened read-only with ``key``); empty if good."""
    if not Path(path).is_file():
        return [_("The backup {name} is missing.").format(name=Path(path).name)]
    return file_problems(Path(path), key)


def _vacuum_into(db: Database, target: Path) -> None:
    raw = db.engine.raw_connection()
    try:
        conn = raw.driver_connection
        conn.execute("VACUUM INTO ?", (str(target),))  # type: ignore[union-attr]
    finally:
        raw.close()


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
    report = progress or _noop
    folder = Path(folder)
    # A window whose file was replaced (restored, encrypted) must not back up the old one it
    # still has open: that copy would be the newest backup, and plain beside encrypted data.
    db.check_writable()
    try:
        make_private_folder(folder)
    except OSError as e:
        raise BackupFailed(
            _("Cannot write to the backup folder {folder}; check it exists and has space.").format(
                folder=folder
            )
        ) from e
    if check_source:
        report(0, 3, _("Checking the data for damage…"))
        problems = integrity_problems(db, full=True)
        if problems:
            log.info("No %s backup: the data failed its check (%d problems)", reason,
                        len(problems))  # fmt: skip
            raise BackupFailed(
                _("The data failed its check, so no backup was made (it would copy the damage): ")
                + problems[0]
            )
    report(1, 3, _("Copying the data…"))
    try:
        with maintenance_lock(db.path.parent, timeout=LOCK_WAIT_SECONDS):
            # Named inside the lock: a backup made at the same second by another window or
            # command waits here, then gets the next free name instead of replacing this one.
            target = _target_name(folder, reason, now or datetime.now())
            write_verified_copy(db, target, key_beside=False)
            save_key_copy(db.path.parent, folder / KEY_FILENAME)
    except Timeout as e:
        raise BackupFailed(
            _(
                "Another backup or restore of this data is still running; try again in a few minutes."
            )
        ) from e
    log.info("Backup made (%s): %s, %d bytes", reason, target, target.stat().st_size)
    report(3, 3, _("Backup made."))
    return target


KEY_COPY_SUFFIX = ".key.json"


def key_copy_path(backup: Path) -> Path:
    """Where the wrapped key travels with a single backup file: ``x.db`` -> ``x.db.key.json``."""
    return Path(backup).with_name(Path(backup).name + KEY_COPY_SUFFIX)


def find_key_copy(backup: Path) -> Path | None:
    """The key file that opens ``backup``: the one beside it by name, else key.json in its folder."""
    for candidate in (key_copy_path(backup), Path(backup).parent / KEY_FILENAME):
        if candidate.is_file():
            return candidate
    return None


def save_key_copy(data_dir: Path, target: Path) -> Path | None:
    """Copy the data folder's key file (the wrapped key only, sealed by the passphrase and the
    recovery key, never the key itself) to ``target``; None when the data is not encrypted."""
    source = Path(data_dir) / KEY_FILENAME
    if not source.is_file():
        return None
    if target.is_file() and target.read_bytes() == source.read_bytes():
        return target
    partial = target.with_name(target.name + ".partial")
    copy_durably(source, partial)
    replace_file(partial, target)
    fsync_dir(target.parent)
    log.info("Key file copied to %s", target)
    return target


def _size(path: Path) -> int:
    try:
        return Path(path).stat().st_size
    except OSError:
        return 0


def write_verified_copy(db: Database, target: Path, *, key_beside: bool = True) -> Path:
    """VACUUM INTO a temporary name beside ``target``, check it, then rename it into place.

    For encrypted data the key file goes beside it as ``<name>.key.json`` (unless
    ``key_beside`` is False), so the copy can be restored elsewhere with the passphrase or
    the recovery key.
    """
    target = Path(target)
    folder = target.parent
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    try:
        _vacuum_into(db, partial)
        make_private(partial)
        fsync_file(partial)
    except Exception as e:
        partial.unlink(missing_ok=True)
        log.info("Writing a backup copy in %s failed: %s", folder, type(e).__name__)
        if "unable to open" in str(e).lower():  # the target, not the data: say where
            raise BackupFailed(
                _("The backup could not be written in {folder}; choose another folder.").format(
                    folder=folder
                )
            ) from e
        known = explain(e, folder=folder, needed=_size(db.path))
        if isinstance(known, DiskFull):  # already names the folder and the room needed
            raise BackupFailed(str(known)) from e
        if known is not None:
            raise BackupFailed(
                _("The backup could not be written: {known}").format(known=known)
            ) from e
        if isinstance(e, OSError) or "disk" in str(e).lower() or "open" in str(e).lower():
            raise BackupFailed(
                _("The backup could not be written to {folder}; check it has space.").format(
                    folder=folder
                )
            ) from e
        raise
    problems = verify_backup(partial, db.key)
    if problems:
        partial.unlink(missing_ok=True)
        log.info("The backup copy %s failed its check and was removed", partial.name)
        raise BackupFailed(_("The backup copy failed its check and was not kept: ") + problems[0])
    if key_beside and db.key is not None:
        save_key_copy(db.path.parent, key_copy_path(target))
    replace_file(partial, target)
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
        copy_durably(Path(backup), partial)
    except OSError as e:
        log.info("Copying %s to %s failed: %s", Path(backup).name, folder, e.strerror)
        known = explain(e, folder=folder, needed=_size(Path(backup)))
        if isinstance(known, DiskFull):
            raise BackupFailed(str(known)) from e
        raise BackupFailed(
            _(
                "Could not copy the backup to {folder}; check the stick is plugged in and has "
                "space."
            ).format(folder=folder)
        ) from e
    problems = verify_backup(partial, key)
    if problems:
        partial.unlink(missing_ok=True)
        log.info("The copy of %s in %s failed its check and was removed", target.name, folder)
        raise BackupFailed(
            _("The copy in {folder} failed its check and was removed.").format(folder=folder)
        )
    replace_file(partial, target)
    if key_folder is not None:
        save_key_copy(Path(key_folder), folder / KEY_FILENAME)
    fsync_dir(folder)
    log.info("Backup copied to %s", target)
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


def _period(when: datetime, now: datetime) -> tuple | None:
    """The schedule's period holding a backup made at ``when``; None within the last day."""
    age = now - when
    if age <= timedelta(days=1):
        return None
    if age <= timedelta(days=14):
        return ("day", when.date())
    if age <= timedelta(days=92):
        iso = when.isocalendar()
        return ("week", iso.year, iso.week)
    return ("month", when.year, when.month)


def thin_backups(
    folder: Path,
    now: datetime | None = None,
    *,
    max_age_days: int | None = None,
    key: bytes | None = None,
    expired_only: bool = False,
) -> list[Path]:
    """Delete backups the schedule no longer needs; return what was deleted.

    ``expired_only`` deletes only those past ``max_age_days`` (for the top of a shared
    folder, where older versions left every laptop's backups together: the schedule there
    would delete other laptops' backups, the retention limit applies to all of them alike).

    In each period the newest backup that passes its check (opened with ``key``) is kept and
    only then are its older siblings deleted; a period where none passes keeps them all, and
    the last good backup is never deleted (except past ``max_age_days``, the retention limit,
    because those hold people who must be forgotten).
    """
    now = now or datetime.now()
    found = list_backups(folder)  # newest first
    removed: list[Path] = []

    def remove(b: BackupInfo) -> None:
        try:
            b.path.unlink()
            removed.append(b.path)
            key_copy_path(b.path).unlink(missing_ok=True)  # the key copy that opened it
        except OSError:
            pass  # a read-only stick: leave it

    young: list[BackupInfo] = []
    for b in found:
        if max_age_days is not None and now - b.made_at > timedelta(days=max_age_days):
            remove(b)
        else:
            young.append(b)
    periods: dict[tuple, list[BackupInfo]] = {}
    for b in [] if expired_only else young:
        period = _period(b.made_at, now)
        if period is not None:
            periods.setdefault(period, []).append(b)
    for members in periods.values():
        if len(members) < 2:
            continue  # nothing to delete, so nothing to check
        good = next((b for b in members if not verify_backup(b.path, key)), None)
        if good is None:
            log.info("Kept %d backups from one period: none of them passed its check", len(members))
            continue
        for b in members:
            if b is not good:
                remove(b)
    cutoff = datetime.now().timestamp() - PARTIAL_STALE_SECONDS
    for stale in Path(folder).glob("*.partial"):  # left by a crash mid-backup, not in progress
        try:
            if stale.stat().st_mtime < cutoff:
                stale.unlink(missing_ok=True)
        except OSError:
            pass
    if removed:
        log.info("Thinned %d old backups in %s", len(removed), folder)
    return removed


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
    "thin_backups",
    "verify_backup",
]
