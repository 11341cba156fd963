"""The data-safety use cases in one place: encrypt, re-key, restore, change the passphrase,
a new recovery key, backups; the window and the command line both call these.

Anything that replaces the database file runs in exclusive mode (``Database.exclusive``):
writes already under way commit first, every new one is refused with a sentence saying to
wait, and the new ``Database`` is put into the context here, on the thread that made it,
before the mode ends. The old object then refuses writes for good, so nothing acknowledged
can land in a file about to be discarded. ``db/`` keeps the primitives.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from escape_desktop.context import AppContext
from escape_desktop.db import keys
from escape_desktop.db.engine import Database
from escape_desktop.db.errors import KnownError

from .changes import Changes, Done

log = logging.getLogger(__name__)

Progress = Callable[[int, int, str], None]

__all__ = [
    "ALREADY_ENCRYPTED",
    "NOT_ENCRYPTED",
    "change_passphrase",
    "encrypt",
    "new_recovery_key",
    "rekey",
    "replacing",
    "restore",
    "wait_sentence",
]

# Preconditions, written once for the window and the command line.
ALREADY_ENCRYPTED = "This data is already encrypted."
NOT_ENCRYPTED = "This data has no passphrase yet; protect it with one first."

# What each action is called in "Wait until ... finishes".
ENCRYPTING = "protecting the data with a passphrase"
REKEYING = "re-encrypting the data"
RESTORING = "restoring the backup"


def wait_sentence(doing: str) -> str:
    """The refusal a write meets while ``doing`` replaces the data file."""
    return f"Wait until {doing} finishes, then try again; this change was not saved."


def _retired_sentence(doing: str) -> str:
    return (
        f"This change was not saved: {doing} replaced the data file at the same moment; "
        "try again and it will be saved."
    )


@contextmanager
def replacing(ctx: AppContext, doing: str) -> Iterator[Callable[[Database], None]]:
    """Exclusive mode around a primitive that replaces ``ctx.db``'s file.

    Yields ``swap(new)``: call it with the new Database before the block ends. The old
    object is then retired (every later write through it is refused with a sentence).
    """
    old = ctx.db
    with old.exclusive(wait_sentence(doing)):

        def swap(new: Database) -> None:
            ctx.db = new
            old.stop_writing(_retired_sentence(doing))
            old.dispose()

        yield swap


def _require_encrypted(ctx: AppContext) -> None:
    if ctx.db.key is None:
        raise KnownError(NOT_ENCRYPTED)


def encrypt(
    ctx: AppContext, passphrase: str, *, progress: Progress | None = None, n: int | None = None
) -> Done[keys.NewKey]:
    """Protect data started without a passphrase; the value is the new key and its recovery
    code (show it once). On failure the plain data is untouched and still in use."""
    from escape_desktop.db.encryption import encrypt_existing

    if ctx.db.key is not None:
        raise KnownError(ALREADY_ENCRYPTED)
    with replacing(ctx, ENCRYPTING) as swap:
        new, made = encrypt_existing(ctx.db, passphrase, progress=progress, n=n)
        swap(new)
    return Done(
        made,
        Changes.ALL,
        message="The data and its backups are now locked with the passphrase",
    )


def rekey(
    ctx: AppContext,
    passphrase: str,
    *,
    new_passphrase: str | None = None,
    progress: Progress | None = None,
    n: int | None = None,
) -> Done[keys.NewKey]:
    """Re-encrypt the data under a new random key (the passphrase may be known to someone
    else); a fresh backup is made under it. The value is the new key and recovery code."""
    from escape_desktop.db.rekey import rekey as rekey_file

    _require_encrypted(ctx)
    with replacing(ctx, REKEYING) as swap:
        new, made, backup = rekey_file(
            ctx.db, passphrase, new_passphrase=new_passphrase, progress=progress, n=n
        )
        swap(new)
    said = "a fresh backup was made" if backup else "make a backup now: the fresh one failed"
    return Done(made, Changes.ALL, message=f"The data is re-encrypted with a new key; {said}")


def restore(
    ctx: AppContext, source: Path, *, progress: Progress | None = None
) -> Done[Path | None]:
    """Put a backup in place of the data (the current data is backed up first); the value is
    that backup of the replaced data (None when it was kept aside as a plain copy)."""
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
    return Done(kept, Changes.ALL, message="Backup restored")


def change_passphrase(ctx: AppContext, old: str, new: str) -> Done[None]:
    """A new passphrase for the same key: only the key file changes, never the data file."""
    _require_encrypted(ctx)
    keys.change_passphrase(ctx.data_dir, old, new)
    return Done(
        None, Changes.SETTINGS, message="Passphrase changed; your recovery key is unchanged"
    )


def new_recovery_key(ctx: AppContext, passphrase: str) -> Done[str]:
    """A new recovery key (the old one stops opening the data); the value is its code."""
    _require_encrypted(ctx)
    code = keys.new_recovery_key(ctx.data_dir, passphrase)
    return Done(
        code, Changes.SETTINGS, message="A new recovery key was made; the old one no longer works"
    )
