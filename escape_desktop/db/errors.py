"""Errors the data layer raises for problems with the environment, not bugs, and the one
mapping from the database driver's errors (and the disk's) to them."""

from __future__ import annotations

import errno
from pathlib import Path

# Defined in a leaf module so ui/ and export/ need nothing of db/ to catch it; still
# importable from here.
from escape_desktop.errors import KnownError as KnownError
from escape_desktop.i18n import N_, _


class DatabaseLocked(KnownError):
    pass


class DiskFull(KnownError):
    pass


class NotADatabase(KnownError):
    """The file is damaged, is not a database, or the passphrase is wrong."""


class NewerDatabase(KnownError):
    pass


class WrongPassphrase(KnownError):
    pass


class BackupFailed(KnownError):
    """A backup, copy, restore or encryption did not happen; nothing was changed."""


class DatabaseMissing(KnownError):
    """The data file is gone but its key or backups are there: never start an empty one."""


class WritesStopped(KnownError):
    """Writing stopped (the file was replaced under the window, or the disk filled); reads go on."""


class DataDamaged(KnownError):
    """The data failed its check: it may be looked at but not changed."""


# The same words the window's read-only mode uses for damaged data.
# (marked for the catalogue here, translated with _() where shown)
DAMAGED_SENTENCE = N_("The class data file is damaged, so it cannot be changed safely.")


# Data on a read-only stick or share: the window, every service and every command refuse a change
# with these words (and write nothing in the folder: no lock file, no -wal, no log, no ui.ini).
READ_ONLY_MEDIA_SENTENCE = N_(
    "This data is on a read-only disk (a locked stick or a read-only share), so nothing can be "
    "changed here; to change it, copy the whole folder to this laptop and open the copy."
)


class WriterBusy(KnownError):
    """Another window or command is changing this data now."""


def _megabytes(n: int) -> str:
    return f"{max(1, -(-n // (1024 * 1024)))} MB"


def disk_full_sentence(folder: Path | None = None, needed: int | None = None) -> str:
    """The one sentence for a full disk: where, and how much room is wanted when known."""
    size = _megabytes(needed) if needed else ""
    if folder and needed:
        text = _(
            "The disk holding {folder} is full; free at least {size} there and try again. "
            "Nothing was saved."
        )
    elif folder:
        text = _(
            "The disk holding {folder} is full; free some space there and try again. "
            "Nothing was saved."
        )
    elif needed:
        text = _("The disk is full; free at least {size} there and try again. Nothing was saved.")
    else:
        text = _("The disk is full; free some space there and try again. Nothing was saved.")
    return text.format(folder=folder, size=size)


def explain(
    error: BaseException, *, folder: Path | None = None, needed: int | None = None
) -> KnownError | None:
    """Turn a driver or disk error caused by the environment into a KnownError, else None.

    Covers sqlite3/sqlcipher3 errors, SQLAlchemy's wrappers of them (``.orig``) and OSError;
    ``folder`` and ``needed`` (bytes) make the full-disk sentence say where and how much.
    """
    if isinstance(error, KnownError):
        return error
    orig = getattr(error, "orig", None) or error
    if isinstance(orig, OSError) and orig.errno in (errno.ENOSPC, errno.EDQUOT):
        return DiskFull(disk_full_sentence(folder, needed))
    text = str(orig).lower()
    if "database is locked" in text or "database is busy" in text:
        return DatabaseLocked(
            _("The database is busy in another window or program; close it and try again.")
        )
    if "disk is full" in text or "database or disk is full" in text:
        return DiskFull(disk_full_sentence(folder, needed))
    if "file is not a database" in text or "file is encrypted" in text:
        return NotADatabase(
            _(
                "The data file could not be read: it is damaged, not a database, or the "
                "passphrase is wrong. Check the passphrase, or restore a backup."
            )
        )
    if "malformed" in text:  # the image, or its schema
        return NotADatabase(_("The data file is damaged; restore the newest good backup."))
    if "disk i/o error" in text:
        if folder:
            return KnownError(
                _(
                    "The disk could not be read or written in {folder} (it may be full, "
                    "unplugged or failing); check it and try again."
                ).format(folder=folder)
            )
        return KnownError(
            _(
                "The disk could not be read or written (it may be full, unplugged or failing); "
                "check it and try again."
            )
        )
    if "readonly database" in text or "read-only" in text:
        return KnownError(_("The data file is open read-only; changes cannot be saved right now."))
    if "unable to open database" in text:
        if folder:
            return KnownError(
                _(
                    "The data file could not be opened in {folder}; check the folder exists "
                    "and can be written to."
                ).format(folder=folder)
            )
        return KnownError(
            _("The data file could not be opened; check the folder exists and can be written to.")
        )
    return None
