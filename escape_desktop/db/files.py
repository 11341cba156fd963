"""Durable file operations shared by backup, restore and encryption, written for every OS.

On Windows ``os.fsync`` is FlushFileBuffers, which needs a handle opened for writing, and a
folder cannot be opened to fsync at all (NTFS journals the rename); on macOS only
F_FULLFSYNC reaches the platter. These helpers keep those rules in one place.
"""

from __future__ import annotations

import logging
import os
import shutil
import stat
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path, PurePath, PurePosixPath, PureWindowsPath
from typing import Any

from escape_desktop.i18n import _

from .errors import KnownError

log = logging.getLogger(__name__)

# How long a refused rename is tried again. Windows refuses to rename a file (or over one)
# that another program holds open: Defender scanning a new file, the search indexer, OneDrive
# or a backup tool, each for a moment. Git for Windows asks again with backoff for about a
# second, SQLite's own Windows layer (winRetryIoerr) for about as long; a large backup being
# scanned may take longer, so a few seconds.
RENAME_RETRY_SECONDS = 5.0
RENAME_FIRST_WAIT = 0.02
RENAME_MOST_WAIT = 0.5


class FileHeld(KnownError):
    """A rename kept being refused because another program holds the file open."""


def held_sentence(target: Path) -> str:
    return _(
        "Another program (an antivirus scan, a backup or a sync tool) kept {name} open, so it "
        "could not be replaced; wait a minute, then try again."
    ).format(name=Path(target).name)


def replace_file(
    source: Path | str,
    target: Path | str,
    *,
    retry_for: float | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> None:
    """``os.replace(source, target)``, asked again with backoff while it is refused.

    Every rename and replace in the app goes through here. Only a refusal (PermissionError:
    Windows' sharing violation or access denied) is retried; after ``retry_for`` seconds
    (RENAME_RETRY_SECONDS) it raises FileHeld, a sentence, with ``source`` left where it was.
    """
    patience = RENAME_RETRY_SECONDS if retry_for is None else retry_for
    deadline = time.monotonic() + patience
    wait = RENAME_FIRST_WAIT
    tries = 0
    while True:
        try:
            os.replace(source, target)
        except PermissionError as e:
            tries += 1
            if time.monotonic() + wait > deadline:
                log.warning(
                    "Renaming %s to %s was refused %d times: %s",
                    Path(source).name, Path(target).name, tries, e,
                )  # fmt: skip
                raise FileHeld(held_sentence(Path(target))) from e
            sleep(wait)
            wait = min(wait * 2, RENAME_MOST_WAIT)
            continue
        if tries:
            log.info("Renamed %s after %d refusals", Path(target).name, tries)
        return


SQLITE_MAGIC = b"SQLite format 3\x00"
SIDECAR_SUFFIXES = ("-wal", "-shm", "-journal")


def fsync_file(path: Path) -> None:
    """Flush ``path`` to disk through a handle opened for writing.

    Windows' FlushFileBuffers (behind ``os.fsync``) refuses a read-only handle with "Bad file
    descriptor"; macOS needs F_FULLFSYNC to get past the drive's own cache.
    """
    fd = os.open(path, os.O_RDWR | getattr(os, "O_BINARY", 0))
    try:
        if sys.platform == "darwin":
            full_fsync(fd)
        else:
            os.fsync(fd)
    finally:
        os.close(fd)


def full_fsync(fd: int) -> None:
    """macOS: F_FULLFSYNC, and plain fsync where the file system refuses it.

    An SMB or NFS share, FAT/exFAT on some drivers and some virtual disks answer F_FULLFSYNC
    with ENOTSUP/EINVAL (or ENOTTY); SQLite falls back to fsync there too. Without the
    fallback every backup to a server folder failed on a Mac.
    """
    import fcntl

    try:
        fcntl.fcntl(fd, fcntl.F_FULLFSYNC)  # type: ignore[attr-defined,unused-ignore]
    except OSError as e:
        log.info("F_FULLFSYNC refused (%s); using fsync", e.strerror or e.errno)
        os.fsync(fd)


def fsync_dir(folder: Path) -> None:
    """Make a rename in ``folder`` durable; a no-op on Windows, where a folder cannot be opened
    to flush it (NTFS journals the rename itself)."""
    if os.name != "posix":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def folder_is_writable(folder: Path) -> bool:
    """False when nothing can be made in ``folder``: a read-only stick, share or CD, or a folder
    this account may only read. A folder not made yet counts as writable (it will be made).

    On Windows ``os.access`` ignores folders' permissions, so there a file is made and removed.
    """
    folder = Path(folder)
    if not folder.is_dir():
        return True
    if not os.access(folder, os.W_OK):
        return False
    if os.name == "nt":
        import tempfile

        try:
            with tempfile.TemporaryFile(dir=folder):
                pass
        except OSError:
            return False
    return True


def make_private(path: Path) -> None:
    """Readable by this user only: 0600 files and 0700 folders on Linux and macOS."""
    if os.name != "posix":
        return  # on Windows a file takes its folder's ACL (see make_private_folder)
    try:
        os.chmod(path, 0o700 if Path(path).is_dir() else 0o600)
    except OSError:
        pass  # a stick formatted FAT has no owners to speak of


def open_private(path: Path | str, mode: str = "wb", **kw: Any) -> Any:
    """``open(path, mode)`` for writing a file only this user can read: made 0600 whatever
    the umask (on Windows it takes its folder's ACL). ``mode`` is "w"/"wb" (or "a"/"ab")."""
    flags = os.O_WRONLY | os.O_CREAT | getattr(os, "O_BINARY", 0)
    flags |= os.O_APPEND if mode.startswith("a") else os.O_TRUNC
    fd = os.open(path, flags, 0o600)
    try:
        if os.name == "posix":
            try:
                os.fchmod(fd, 0o600)  # the umask cannot widen it, but a file already there can be
            except OSError:
                pass  # a FAT stick has no owners to speak of
        return os.fdopen(fd, mode, **kw)
    except BaseException:
        os.close(fd)
        raise


def write_pending(target: Path, text: str) -> Path:
    """Write ``text`` to a new hidden user-only file beside ``target`` (same folder, so the
    rename that gives it its name cannot fail for want of room), flushed to disk; returns it.
    On any failure nothing is left behind. The caller renames it into place (replace_file)."""
    import tempfile

    target = Path(target)
    fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise
    return Path(name)


def touch_private(path: Path | str) -> None:
    """Make ``path`` (empty) if it is not there, and make it this user's only (0600)."""
    with open_private(path, "ab"):
        pass


# Well-known SIDs, so the command is the same in every Windows language.
SYSTEM_SID = "*S-1-5-18"
ADMINISTRATORS_SID = "*S-1-5-32-544"


def user_only_acl_commands(folder: PurePath, user: str) -> list[list[str]]:
    """icacls commands giving ``folder`` (and all it will hold) to ``user`` alone, plus SYSTEM
    and Administrators (backup software and IT): the explicit grants first, then the inherited
    entries (e.g. "Users: read" on a folder made outside the profile) are removed."""
    grant = "(OI)(CI)F"
    return [
        ["icacls", str(folder), "/grant:r", f"{user}:{grant}", f"{SYSTEM_SID}:{grant}",
         f"{ADMINISTRATORS_SID}:{grant}"],
        ["icacls", str(folder), "/inheritance:r"],
    ]  # fmt: skip


def make_private_folder(folder: Path) -> None:
    """Create ``folder`` (if needed) readable by this user only: 0700 on Linux and macOS, a
    user-only ACL on Windows (a folder the app did not create is left as it is)."""
    if folder.is_dir():
        return
    missing: list[Path] = []  # the folder and each parent made for it, outermost last
    here = folder
    while not here.exists() and here != here.parent:
        missing.append(here)
        here = here.parent
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    if os.name == "posix":
        for made in missing:
            make_private(made)  # mkdir's mode is masked by the umask, and parents get none
        return
    if os.name == "nt":
        import subprocess

        user = os.environ.get("USERNAME", "")
        domain = os.environ.get("USERDOMAIN", "")
        if not user:
            return
        for made in reversed(missing or [folder]):
            run_acl_commands(made, f"{domain}\\{user}" if domain else user, subprocess.run)


# subprocess.CREATE_NO_WINDOW (Windows only): a console program started from the window (icacls)
# must not flash a black console window in front of the instructor.
CREATE_NO_WINDOW = 0x08000000


def run_acl_commands(folder: Path, user: str, run: Callable[..., Any]) -> bool:
    """Run the icacls commands for ``folder`` through ``run`` (subprocess.run) without a console
    window; False (logged) when one fails: the folder still works, it is only less private."""
    for command in user_only_acl_commands(folder, user):
        done = run(command, capture_output=True, check=False, creationflags=CREATE_NO_WINDOW)
        if done.returncode != 0:
            log.info("Could not make %s private (icacls exit %d)", folder, done.returncode)
            return False
    return True


def copy_durably(source: Path, target: Path) -> None:
    """Copy ``source`` to ``target`` and flush it; a failed copy leaves no ``target``."""
    try:
        shutil.copyfile(source, target)
        make_private(target)
        fsync_file(target)
    except BaseException:
        Path(target).unlink(missing_ok=True)
        raise


def is_plain_sqlite(path: Path) -> bool:
    """True when ``path`` is an unencrypted SQLite file (encrypted ones start with random bytes)."""
    try:
        with open(path, "rb") as f:
            return f.read(16) == SQLITE_MAGIC
    except OSError:
        return False


def remove_sidecars(db_path: Path) -> None:
    for suffix in SIDECAR_SUFFIXES:
        Path(str(db_path) + suffix).unlink(missing_ok=True)


def free_bytes(folder: Path) -> int | None:
    """Free space on the disk holding ``folder``, or None when it cannot be told."""
    try:
        return shutil.disk_usage(folder).free
    except OSError:
        return None


def sqlite_uri(path: PurePath, query: str = "") -> str:
    """A SQLite ``file:`` URI for an absolute path, right for Windows drive and UNC paths.

    ``Path.as_uri()`` writes a UNC path ``\\\\server\\share\\x.db`` as ``file://server/share/x.db``,
    whose authority SQLite refuses ("invalid uri authority"); SQLite wants the UNC form with
    an empty authority, ``file:////server/share/x.db``.
    """
    from urllib.parse import quote

    if isinstance(path, PureWindowsPath):
        drive = path.drive
        rest = "/".join(path.parts[1:])
        if drive.startswith("\\\\"):  # UNC: \\server\share
            server_share = drive.lstrip("\\").replace("\\", "/")
            uri_path = "//" + server_share + ("/" + rest if rest else "")
        else:  # C:\folder\x.db -> /C:/folder/x.db
            uri_path = "/" + drive + ("/" + rest if rest else "")
    else:
        uri_path = str(PurePosixPath(path))
    uri = "file://" + quote(uri_path, safe="/:")  # empty authority, then the path
    return uri + (f"?{query}" if query else "")


LOCK_FILENAME = "maintenance.lock"
# Left by an interrupted restore, backup or encryption; safe to remove when no one holds the lock.
# A half-made .damaged-… copy ends in .partial; a key file cut off mid-write is key.json….tmp.
DEBRIS_PATTERNS = ("*.restoring", "*.partial", "key.json*.tmp")


@contextmanager
def maintenance_lock(folder: Path, timeout: float = 120.0) -> Iterator[None]:
    """Hold the data folder's lock for backup, restore and encryption: a second one waits its
    turn (raising filelock.Timeout after ``timeout`` seconds). Re-entrant in one thread, so a
    restore can make its own backup inside it."""
    from filelock import FileLock

    lock = FileLock(Path(folder).resolve() / LOCK_FILENAME, mode=0o600, is_singleton=True)
    with lock.acquire(timeout=timeout):
        yield


def clean_debris(folder: Path) -> list[Path]:
    """Remove what an interrupted backup, copy or restore left behind; return what went.

    Skipped while another process holds the maintenance lock (its files are not debris).
    """
    from filelock import Timeout

    folder = Path(folder)
    if not folder.is_dir():
        return []
    removed: list[Path] = []
    try:
        with maintenance_lock(folder, timeout=0):
            for where in (folder, folder / "backups"):
                for pattern in DEBRIS_PATTERNS:
                    for path in where.glob(pattern):
                        path.unlink(missing_ok=True)
                        removed.append(path)
    except Timeout:
        return []
    except OSError:  # a read-only folder: nothing can be left there by us anyway
        return removed
    if removed:
        log.info("Removed %d files left by an interrupted backup or restore", len(removed))
    return removed


# --------------------------------------------------------------------------- files that come in
# A file from outside (a hand-over file, an upload, a manifest, a passphrase file) is read
# without trusting its size or kind: the size is checked with os.stat before a byte is read;
# only regular files are read (a named pipe would hang, /dev/zero never ends); it is read in
# pieces and refused as soon as it passes the limit, so a file that grows is never taken whole.

CHUNK = 1024 * 1024


def read_capped(path: str | Path, limit: int, what: str, error: type[Exception]) -> bytes:
    """The bytes of one regular file of at most ``limit`` bytes, else ``error`` with a sentence."""
    name = Path(path)
    try:
        info = os.stat(name)
    except FileNotFoundError:
        raise error(
            _("There is no file {name}; check the name and try again.").format(name=name)
        ) from None
    except OSError:
        raise error(
            _("Cannot read {name}; check the stick is plugged in.").format(name=name)
        ) from None
    if stat.S_ISDIR(info.st_mode):
        raise error(
            _("{name} is a folder, not {what}; choose the file itself.").format(
                name=name, what=what
            )
        )
    if not stat.S_ISREG(info.st_mode):
        raise error(
            _(
                "{name} is not an ordinary file, so it is not {what}; choose the file itself."
            ).format(name=name, what=what)
        )
    too_big = error(
        _(
            "{name} is far larger than {what} can be ({number} MB, the most is {number_2} "
            "MB), so it was not read; check it is the right file."
        ).format(
            name=name,
            what=what,
            number=info.st_size // (1024 * 1024),
            number_2=limit // (1024 * 1024),
        )
    )
    if info.st_size > limit:
        raise too_big
    flags = os.O_RDONLY | getattr(os, "O_BINARY", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(name, flags)
    except OSError:
        raise error(
            _("Cannot read {name}; check the stick is plugged in.").format(name=name)
        ) from None
    pieces: list[bytes] = []
    total = 0
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):  # swapped for a pipe after the first look
            raise error(
                _("{name} is not an ordinary file, so it is not {what}.").format(
                    name=name, what=what
                )
            )
        while True:
            piece = os.read(fd, CHUNK)
            if not piece:
                break
            total += len(piece)
            if total > limit:
                raise too_big
            pieces.append(piece)
    except OSError:
        raise error(
            _("Cannot read {name}; check the stick is plugged in.").format(name=name)
        ) from None
    finally:
        os.close(fd)
    return b"".join(pieces)
