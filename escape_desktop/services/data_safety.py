"""The data-safety use cases in one place: open a data folder (its state), unlock, encrypt,
re-key, restore, change the passphrase, a new recovery key; the window and the command line
both call these and present the same states.

A data folder is in one of five states (``State``): NEW (no data and no backups: choose a
passphrase or none, or restore one made elsewhere), LOCKED (encrypted: the passphrase first),
MISSING (the data file has gone but backups remain: offer the newest good one, never start
empty), DAMAGED (the file cannot be read or fails its check: restore, look read-only, quit)
and READY (open, in an AppContext). ``look_at`` tells the state before a key is known;
``open_data`` opens with the key and tells MISSING, DAMAGED or READY.

Anything that replaces the database file runs in exclusive mode (``Database.exclusive``):
writes already under way commit first, every new one is refused with a sentence saying to
wait, and the new ``Database`` is put into the context here, on the thread that made it,
before the mode ends. The old object then refuses writes for good, so nothing acknowledged
can land in a file about to be discarded. ``db/`` keeps the primitives.
"""

from __future__ import annotations

import enum
import logging
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from escape_desktop.context import AppContext, missing_database, tidy_folder
from escape_desktop.db import keys
from escape_desktop.db.engine import DB_FILENAME, Database
from escape_desktop.db.errors import KnownError, NewerDatabase
from escape_desktop.db.files import make_private_folder
from escape_desktop.i18n import N_, _
from escape_desktop.paths import remember_folder, resolve_data_dir

from .changes import Changes, Done

if TYPE_CHECKING:
    from escape_desktop.db.backup import BackupInfo

    from .backups import BackupResult

log = logging.getLogger(__name__)

Progress = Callable[[int, int, str], None]

__all__ = [
    "ALREADY_ENCRYPTED",
    "APP_RUNNING_LOCK",
    "NOT_ENCRYPTED",
    "app_is_running",
    "backup_now",
    "change_passphrase",
    "encrypt",
    "FolderState",
    "look_at",
    "make_folder",
    "missing_key_sentence",
    "needs_attention",
    "new_key",
    "new_recovery_key",
    "open_backup",
    "open_data",
    "passphrase_problem",
    "process_exists",
    "put_back",
    "rekey",
    "Rekeyed",
    "replacing",
    "reset_passphrase",
    "restore",
    "restore_into_empty_folder",
    "restore_newest",
    "set_aside",
    "set_backup_folder",
    "set_idle_lock_minutes",
    "State",
    "unlock",
    "wait_sentence",
]

# Preconditions, written once for the window and the command line (translated where shown).
ALREADY_ENCRYPTED = N_("This data is already encrypted.")
NOT_ENCRYPTED = N_("This data has no passphrase yet; protect it with one first.")

APP_RUNNING_LOCK = "app.lock"  # the window's lock file; its first line is its process id


# The command line's refusal while the window has the data open, one whole sentence per
# action (Welsh words the action differently in each; never a verb glued into a sentence).
_APP_RUNNING = {
    "restore": N_("escape-desktop is open on this data; close the window first, then restore."),
    "re-encrypt": N_(
        "escape-desktop is open on this data; close the window first, then re-encrypt."
    ),
    "encrypt": N_("escape-desktop is open on this data; close the window first, then encrypt."),
}


def app_running_sentence(doing: str) -> str:
    """``doing``: "restore", "re-encrypt" or "encrypt" (the command's own word)."""
    return _(_APP_RUNNING[doing])


# The actions that replace the data file (the window's progress title names them, through the
# catalogue: ui.common.operation.run_exclusive).
ENCRYPTING = N_("protecting the data with a passphrase")
REKEYING = N_("re-encrypting the data")
RESTORING = N_("restoring the backup")
# The refusal a write meets while each runs, and once it has replaced the file under it.
_WAIT = {
    ENCRYPTING: N_(
        "Wait until protecting the data with a passphrase finishes, then try again; this "
        "change was not saved."
    ),
    REKEYING: N_(
        "Wait until re-encrypting the data finishes, then try again; this change was not saved."
    ),
    RESTORING: N_(
        "Wait until restoring the backup finishes, then try again; this change was not saved."
    ),
}
_RETIRED = {
    ENCRYPTING: N_(
        "This change was not saved: protecting the data with a passphrase replaced the data "
        "file at the same moment; try again and it will be saved."
    ),
    REKEYING: N_(
        "This change was not saved: re-encrypting the data replaced the data file at the same "
        "moment; try again and it will be saved."
    ),
    RESTORING: N_(
        "This change was not saved: restoring the backup replaced the data file at the same "
        "moment; try again and it will be saved."
    ),
}


def wait_sentence(doing: str) -> str:
    """The refusal a write meets while ``doing`` (ENCRYPTING, REKEYING, RESTORING) replaces
    the data file."""
    return _(_WAIT[doing])


UNFINISHED = N_(
    "The data file was replaced, but the app could not finish because another program held a "
    "file; close the app and open it again. Nothing saved is lost."
)


def _retired_sentence(doing: str) -> str:
    return _(_RETIRED[doing])


@contextmanager
def replacing(ctx: AppContext, doing: str) -> Iterator[Callable[[Database], None]]:
    """Exclusive mode around a primitive that replaces ``ctx.db``'s file.

    Yields ``swap(new)``: call it with the new Database before the block ends. The old
    object is then retired (every later write through it is refused with a sentence).
    """
    old = ctx.db
    swapped: list[Database] = []
    with old.exclusive(wait_sentence(doing)):

        def swap(new: Database) -> None:
            ctx.db = new
            swapped.append(new)
            old.stop_writing(_retired_sentence(doing))
            old.dispose()

        try:
            yield swap
        except BaseException:
            if not swapped and old.file_replaced():  # stopped half-way: the next start ends it
                old.stop_writing(_(UNFINISHED))
            raise


def _require_encrypted(ctx: AppContext) -> None:
    if ctx.db.key is None:
        raise KnownError(_(NOT_ENCRYPTED))


def encrypt(
    ctx: AppContext, passphrase: str, *, progress: Progress | None = None, n: int | None = None
) -> Done[keys.NewKey]:
    """Protect data started without a passphrase; the value is the new key and its recovery
    code (show it once). On failure the plain data is untouched and still in use."""
    ctx.refuse_if_read_only_media()
    from escape_desktop.db.encryption import encrypt_existing

    if ctx.db.key is not None:
        raise KnownError(_(ALREADY_ENCRYPTED))
    with replacing(ctx, ENCRYPTING) as swap:
        new, made = encrypt_existing(ctx.db, passphrase, progress=progress, n=n)
        swap(new)
    return Done(
        made,
        Changes.ALL,
        message=_("The data and its backups are now locked with the passphrase"),
    )


@dataclass(frozen=True)
class Rekeyed:
    """A re-encryption's result: the new key, its recovery code (show it once), the fresh
    backup made under it (None when that failed)."""

    key: bytes
    recovery_code: str
    backup: Path | None


def rekey(
    ctx: AppContext,
    passphrase: str,
    *,
    new_passphrase: str | None = None,
    progress: Progress | None = None,
    n: int | None = None,
) -> Done[Rekeyed]:
    """Re-encrypt the data under a new random key (the passphrase may be known to someone
    else); a fresh backup is made under it. The value is the new key and recovery code."""
    ctx.refuse_if_read_only_media()
    from escape_desktop.db.rekey import backup_under_new_key
    from escape_desktop.db.rekey import rekey as rekey_file

    _require_encrypted(ctx)
    with replacing(ctx, REKEYING) as swap:
        new, made, _none = rekey_file(
            ctx.db,
            passphrase,
            new_passphrase=new_passphrase,
            progress=progress,
            n=n,
            fresh_backup=False,
        )
        swap(new)  # in use at once: the window never reads the new file with the old key
        if progress is not None:
            progress(3, 4, _("Making a backup under the new key…"))
        backup = backup_under_new_key(new)
    said = (
        _("The data is re-encrypted with a new key; a fresh backup was made")
        if backup
        else _("The data is re-encrypted with a new key; make a backup now: the fresh one failed")
    )
    return Done(Rekeyed(made.key, made.recovery_code, backup), Changes.ALL, message=said)


def restore(
    ctx: AppContext, source: Path, *, progress: Progress | None = None
) -> Done[Path | None]:
    """Put a backup in place of the data (the current data is backed up first); the value is
    that backup of the replaced data (None when it was kept aside as a plain copy)."""
    ctx.refuse_if_read_only_media()
    from escape_desktop.db.restore import restore_backup

    from .common import audit

    source = Path(source)
    with replacing(ctx, RESTORING) as swap:
        new, kept = restore_backup(ctx.db, source, progress=progress)
        swap(new)
    with ctx.db.transaction() as s:
        audit(
            s,
            ctx.actor,
            "restore",
            "backup",
            None,
            f"restored {source.name}; previous data kept as {kept.name if kept else '-'}",
        )
    return Done(kept, Changes.ALL, message=_("Backup restored"))


def backup_now(
    ctx: AppContext, reason: str = "manual", *, progress: Progress | None = None
) -> Done[BackupResult]:
    """A checked backup now (thinned, copied to the backup folder when one is set). It changes
    nothing the screens show, so nothing is announced; the value says where it went."""
    from .backups import backup_now as make

    return Done(make(ctx, reason, progress=progress))


def set_backup_folder(ctx: AppContext, folder: str | Path | None) -> Done[None]:
    """Where copies of backups go (a USB stick, a shared drive); empty to stop copying."""
    from .safety_settings import set_backup_folder as store

    store(ctx, folder)
    return Done(None, Changes.SETTINGS, message=_("Backup folder saved"))


def set_idle_lock_minutes(ctx: AppContext, minutes: int | str) -> Done[None]:
    """Minutes without a touch before the window locks (0: never)."""
    from .safety_settings import set_idle_lock_minutes as store

    store(ctx, minutes)
    return Done(None, Changes.SETTINGS, message=_("Lock time saved"))


def change_passphrase(ctx: AppContext, old: str, new: str) -> Done[None]:
    """A new passphrase for the same key: only the key file changes, never the data file."""
    ctx.refuse_if_read_only_media()
    _require_encrypted(ctx)
    keys.change_passphrase(ctx.data_dir, old, new)
    return Done(
        None, Changes.SETTINGS, message=_("Passphrase changed; your recovery key is unchanged")
    )


def new_recovery_key(ctx: AppContext, passphrase: str) -> Done[str]:
    """A new recovery key (the old one stops opening the data); the value is its code."""
    ctx.refuse_if_read_only_media()
    _require_encrypted(ctx)
    code = keys.new_recovery_key(ctx.data_dir, passphrase)
    return Done(
        code,
        Changes.SETTINGS,
        message=_("A new recovery key was made; the old one no longer works"),
    )


# --------------------------------------------------------------------------- the folder


class State(enum.Enum):
    NEW = "new"
    LOCKED = "locked"
    MISSING = "missing"
    DAMAGED = "damaged"
    READY = "ready"


@dataclass
class FolderState:
    """What a data folder holds, and what to offer: the front ends present this."""

    folder: Path
    state: State
    problem: str = ""  # the sentence for MISSING and DAMAGED
    key: bytes | None = None  # once unlocked
    newest: BackupInfo | None = None  # the newest good backup to offer (MISSING, DAMAGED)
    ctx: AppContext | None = None  # READY only


def look_at(data_dir: str | Path | None) -> FolderState:
    """The folder's state before any key is known: NEW, LOCKED, MISSING, or READY to open
    (plain data; ``ctx`` is not made yet). What an interrupted encryption, re-key or backup
    left is finished or removed first."""
    folder = resolve_data_dir(data_dir)
    if not folder.is_dir():  # made (private) when the data is made, not by looking
        return FolderState(folder, State.NEW)
    remember_folder(folder)  # so that no export of any data folder may write over it
    tidy_folder(folder)
    if keys.is_encrypted(folder):
        return FolderState(folder, State.LOCKED)
    missing = missing_database(folder)
    if missing is not None:
        return _missing(folder, None, str(missing))
    if not (folder / DB_FILENAME).exists():
        return FolderState(folder, State.NEW)
    return FolderState(folder, State.READY)


def passphrase_problem(passphrase: str) -> str | None:
    """Why a new passphrase will not do (too short...), or None: one rule for every front end."""
    return keys.passphrase_problem(passphrase)


def make_folder(folder: Path) -> None:
    """Make the data folder, readable by this user only (0700, or a user-only ACL)."""
    make_private_folder(folder)


def unlock(folder: Path, passphrase: str | None) -> bytes | None:
    """The key for a LOCKED folder (None when it is plain); WrongPassphrase when it does not
    open, PassphraseNeeded when none was given."""
    return keys.unlock(folder, passphrase)


def new_key(folder: Path, passphrase: str, *, n: int | None = None) -> keys.NewKey:
    """A NEW folder chooses its passphrase: the key file comes before the data."""
    if keys.is_encrypted(folder):
        raise KnownError(_(ALREADY_ENCRYPTED))
    make_private_folder(folder)  # 0700, or a user-only ACL on Windows
    return keys.create_key(folder, passphrase, n=n) if n else keys.create_key(folder, passphrase)


def _missing(folder: Path, key: bytes | None, problem: str) -> FolderState:
    from escape_desktop.db.backup import backups_dir, newest_good_backup

    newest = newest_good_backup(backups_dir(folder), key)
    return FolderState(folder, State.MISSING, problem, key, newest)


def needs_attention(folder: Path, key: bytes | None, problem: str) -> FolderState:
    """DAMAGED: ``problem`` was found (on opening, or by the check after the first paint)."""
    return _damaged(folder, key, problem)


def _damaged(folder: Path, key: bytes | None, problem: str) -> FolderState:
    from escape_desktop.db.backup import backups_dir, newest_good_backup

    log.warning("the data in %s needs attention: %s", folder, problem)
    newest = newest_good_backup(backups_dir(folder), key)
    return FolderState(folder, State.DAMAGED, problem, key, newest)


def open_data(
    folder: Path,
    key: bytes | None,
    *,
    read_only: bool = False,
    migrate: bool = True,
    check: bool = False,
) -> FolderState:
    """Open the data with its key: READY (with ``ctx``), MISSING or DAMAGED (with the newest
    good backup to offer). A database newer than this version raises NewerDatabase (its
    sentence says what to install); so does nothing else a user could act on here."""
    from escape_desktop.db.errors import DatabaseMissing

    try:
        ctx = AppContext.open(folder, key=key, read_only=read_only, migrate=migrate)
    except NewerDatabase:
        raise
    except DatabaseMissing as e:
        return _missing(folder, key, str(e))
    except KnownError as e:
        return _damaged(folder, key, str(e))
    except Exception as e:  # the driver's own errors for a damaged file
        log.exception("could not open %s", folder)
        said = _("The data file could not be read ({error}).").format(error=type(e).__name__)
        return _damaged(folder, key, said)
    if check:
        from escape_desktop.db.integrity import integrity_problems

        problems = integrity_problems(ctx.db, full=False)
        if problems:
            ctx.close()
            return _damaged(folder, key, problems[0])
    return FolderState(folder, State.READY, key=key, ctx=ctx)


def restore_newest(seen: FolderState) -> AppContext:
    """Put the newest good backup in place of MISSING or DAMAGED data (a damaged file is kept
    aside, never deleted) and open it."""
    from escape_desktop.db.restore import restore_backup

    if seen.newest is None:
        raise KnownError(_("No good backup was found in the data folder; ask for help."))
    damaged = Database(seen.folder / DB_FILENAME, seen.key)
    restored, _kept = restore_backup(damaged, seen.newest.path)
    restored.dispose()
    return AppContext.open(seen.folder, key=seen.key)


def missing_key_sentence(source: Path) -> str:
    return _(
        "This backup is locked, and the key file that opens it is not beside it: look for "
        "{key_file} (or, for a backup from an older version, key.json in the old laptop's "
        "backups folder), copy it next to the backup, then try again."
    ).format(key_file=f"{source.name}.key.json")


def open_backup(
    source: Path, *, passphrase: str | None = None, recovery_code: str | None = None
) -> bytes | None:
    """The key that opens the backup ``source`` (None for a plain one), once the backup has
    passed its check and is known not to be from a newer version; nothing is written."""
    from escape_desktop.db.backup import find_key_copy, verify_backup
    from escape_desktop.db.files import is_plain_sqlite
    from escape_desktop.db.restore import newer_schema_problem, unlock_backup

    source = Path(source)
    if not is_plain_sqlite(source) and find_key_copy(source) is None:
        raise KnownError(missing_key_sentence(source))
    key, _key_file = unlock_backup(source, passphrase=passphrase, recovery_code=recovery_code)
    problems = verify_backup(source, key)
    if problems:
        raise KnownError(
            _("{name} cannot be restored: {problems}").format(
                name=source.name, problems=problems[0]
            )
        )
    newer = newer_schema_problem(source, key)
    if newer:
        raise KnownError(newer)
    return key


def reset_passphrase(folder: Path, recovery_code: str, new: str) -> None:
    """A forgotten passphrase: the recovery key sets a new one (the key file only)."""
    keys.reset_passphrase(folder, recovery_code, new)


ASIDE_PREFIX = "before-restore-"
ASIDE_NAMES = (
    DB_FILENAME,
    DB_FILENAME + "-wal",
    DB_FILENAME + "-shm",
    keys.KEY_FILENAME,
    "backups",
)


def set_aside(folder: Path) -> Path:
    """Move a folder's empty data (its file, key file and backups) into one folder beside it,
    so a restored backup starts clean; nothing is deleted. Returns that folder."""
    from datetime import datetime

    from escape_desktop.db.files import replace_file

    aside = folder / f"{ASIDE_PREFIX}{datetime.now():%Y%m%d-%H%M%S}"
    aside.mkdir()
    for name in ASIDE_NAMES:
        if (folder / name).exists():
            replace_file(folder / name, aside / name)
    return aside


def put_back(folder: Path, aside: Path) -> None:
    """Undo ``set_aside`` after a restore that failed: whatever it left is removed first."""
    from escape_desktop.db.files import replace_file

    for leftover in ASIDE_NAMES[:-1]:
        (folder / leftover).unlink(missing_ok=True)
    for item in aside.iterdir():
        if not (folder / item.name).exists():
            replace_file(item, folder / item.name)
    aside.rmdir()


def restore_into_empty_folder(
    folder: Path,
    source: Path,
    *,
    passphrase: str | None = None,
    recovery_code: str | None = None,
) -> Path:
    """A new laptop: make ``folder`` (no data yet) hold the backup ``source``, opened with the
    passphrase or recovery key through the key file that travels with it."""
    from escape_desktop.db.restore import restore_into_new_folder

    return restore_into_new_folder(
        folder, source, passphrase=passphrase, recovery_code=recovery_code
    )


# --------------------------------------------------------------------------- the app running


def app_is_running(folder: Path) -> bool:
    """True when the window has this data folder open (its lock file names a live process)."""
    lock = Path(folder) / APP_RUNNING_LOCK
    try:
        first = lock.read_text(encoding="utf-8", errors="replace").splitlines()[0]
        pid = int(first.strip())
    except (OSError, ValueError, IndexError):
        return False
    if pid == os.getpid():
        return False
    return process_exists(pid)


def refuse_if_app_running(folder: Path, doing: str) -> None:
    """The command line's precondition for anything that replaces the data file."""
    if app_is_running(folder):
        raise KnownError(app_running_sentence(doing))


def process_exists(pid: int) -> bool:
    """True when a process with this id is running, asked in each system's own way."""
    if pid <= 0:
        return False
    if sys.platform == "win32":
        return _windows_process_exists(pid)
    try:
        os.kill(pid, 0)  # signal 0 only asks, on POSIX
    except ProcessLookupError:
        return False
    except OSError:
        return True  # exists, owned by someone else
    return True


def _windows_process_exists(pid: int) -> bool:
    # Never os.kill there: on Windows signal 0 is CTRL_C_EVENT, which interrupts the
    # window's console group instead of asking whether the process exists.
    import ctypes
    from ctypes import wintypes

    query_limited_information = 0x1000
    still_active = 259
    error_access_denied = 5
    kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)  # type: ignore[attr-defined]
    handle = kernel32.OpenProcess(query_limited_information, False, pid)
    if not handle:
        # another user's process (an elevated one, say) exists but may not be opened
        return ctypes.get_last_error() == error_access_denied  # type: ignore[attr-defined]
    try:
        code = wintypes.DWORD()
        if not kernel32.GetExitCodeProcess(handle, ctypes.byref(code)):
            return True  # there, but it would not say how it is: count it as running
        return code.value == still_active
    finally:
        kernel32.CloseHandle(handle)


def finish_interrupted(folder: Path) -> str:
    """Finish (or roll back) a re-encryption or encryption a kill interrupted, so that `check`
    never calls it damage; one sentence saying what was done, or "" when there was none."""
    from escape_desktop.db.encryption import ENCRYPTING_SUFFIX
    from escape_desktop.db.rekey import REKEY_SUFFIX

    key_incoming = folder / (keys.KEY_FILENAME + REKEY_SUFFIX)
    data_incoming = folder / (DB_FILENAME + REKEY_SUFFIX)
    rekeying, half_made = key_incoming.is_file(), data_incoming.is_file()
    encrypting = (folder / (DB_FILENAME + ENCRYPTING_SUFFIX)).is_file()
    if not (rekeying or half_made or encrypting):
        return ""
    tidy_folder(folder)
    if rekeying and key_incoming.is_file():
        return _(
            "A re-encryption was interrupted after its new key was saved; close every "
            "escape-desktop window and run 'escape-desktop check' again to finish it."
        )
    if rekeying:
        return _("A re-encryption was interrupted after its new key was saved; it is now finished.")
    if half_made:
        return _(
            "A re-encryption was interrupted before its new key was saved; it was undone, and "
            "the passphrase and recovery key that opened the data still do."
        )
    if (folder / (DB_FILENAME + ENCRYPTING_SUFFIX)).is_file():
        return _(
            "An encryption was interrupted; close every escape-desktop window and run "
            "'escape-desktop check' again to finish it."
        )
    if keys.is_encrypted(folder):
        return _("An encryption was interrupted after its key was saved; it is now finished.")
    return _("An encryption was interrupted before its key was saved; it was undone.")


CONFIRM_RECOVERY = "escape-desktop passphrase confirm-recovery-key"


def pending_recovery_sentence(folder: Path, passphrase: str | None) -> str:
    """The new recovery key a re-key or encryption made and the user has not yet confirmed
    writing down (it is shown at every start until then), or ""."""
    if not keys.has_pending_recovery(folder):
        return ""
    code = keys.pending_recovery_code(folder, passphrase)
    if code is not None:
        return _(
            "New recovery key, not yet confirmed as written down: {code}. Write it down and "
            "keep it apart from the laptop, then run '{command}'."
        ).format(code=code, command=CONFIRM_RECOVERY)
    if not keys.has_pending_recovery(folder):  # stale: what made it never took effect
        return ""
    return _(
        "A new recovery key is waiting to be written down; give the passphrase "
        "(ESCAPE_DESKTOP_PASSPHRASE or --passphrase-file) to see it."
    )


def confirm_recovery_key(folder: Path) -> bool:
    """The user has written the new recovery key down: stop showing it."""
    return keys.confirm_pending_recovery(folder)


def pending_recovery_code(folder: Path, key: bytes | None) -> str | None:
    """For the window once unlocked: the new recovery key still to be confirmed, or None."""
    if key is None or not keys.has_pending_recovery(folder):
        return None
    return keys.pending_recovery_code(folder, None, key=key)
