"""Re-encrypting the data with a new key (the passphrase may be known to someone else).

The data is exported into a new file under a new random key (``sqlcipher_export``) and
checked; the new recovery key is sealed (by the new passphrase and the new key, never in
plain text) beside them as ``recovery-key.pending.json``, shown at every start until the
user confirms it; then the new key file is written beside the old one as
``key.json.rekeying``: that is the point of no return. The two are then renamed into place. An interruption before the
new key file leaves the old state (the half-made copy is removed at the next start); after
it, the next start finishes the renames. Backups made before keep the key file that opens
them (``<backup>.key.json`` beside each), and a fresh backup is made under the new key.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from escape_desktop.i18n import _

from . import keys
from .backup import (
    Progress,
    backups_dir,
    key_copy_path,
    list_backups,
    make_backup,
    save_key_copy,
    verify_backup,
)
from .engine import DB_FILENAME, Database, let_go_before_rename, writers_held_off
from .errors import BackupFailed, DiskFull, KnownError, disk_full_sentence, explain
from .files import (
    FileHeld,
    free_bytes,
    fsync_dir,
    fsync_file,
    held_sentence,
    maintenance_lock,
    make_private,
    remove_sidecars,
    replace_file,
)
from .integrity import integrity_problems

log = logging.getLogger(__name__)

REKEY_SUFFIX = ".rekeying"


def _noop(done: int, total: int, message: str) -> None:
    pass


def _export(source: Path, old: bytes, target: Path, new: bytes) -> None:
    import sqlcipher3.dbapi2 as sqlcipher

    target.unlink(missing_ok=True)
    conn = sqlcipher.connect(str(source), check_same_thread=False)
    conn.isolation_level = None
    try:
        conn.execute(f"PRAGMA key = \"x'{old.hex()}'\"")
        conn.execute("ATTACH DATABASE ? AS enc KEY \"x'" + new.hex() + "'\"", (str(target),))
        conn.execute("SELECT sqlcipher_export('enc')")
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        conn.execute(f"PRAGMA enc.user_version = {int(version)}")
        conn.execute("DETACH DATABASE enc")
    finally:
        conn.close()
    make_private(target)
    fsync_file(target)
    problems = verify_backup(target, new)
    if problems:
        target.unlink(missing_ok=True)
        raise BackupFailed(_("The re-encrypted copy failed its check; nothing was changed."))


def keep_old_key_beside_backups(folder: Path) -> int:
    """Give every backup without its own key file a copy of the current one, which opens it
    (the shared ``backups/key.json`` will hold the new key). Returns how many were written."""
    n = 0
    for b in list_backups(backups_dir(folder)):
        if not key_copy_path(b.path).is_file():
            save_key_copy(folder, key_copy_path(b.path))
            n += 1
    return n


def rekey(
    db: Database,
    passphrase: str,
    *,
    new_passphrase: str | None = None,
    progress: Progress | None = None,
    n: int | None = None,
    fresh_backup: bool = True,
) -> tuple[Database, keys.NewKey, Path | None]:
    """Re-encrypt the data under a new random key, all or nothing; then a fresh backup.

    ``passphrase`` must open the current key; the new key is sealed by ``new_passphrase``
    (or the same one) and a new recovery key. ``db`` is closed; returns the new Database,
    the new key with its recovery code (show it once), and the fresh backup (None when it
    failed: the data is re-encrypted all the same, and must not be lost with the new key).
    """
    report = progress or _noop
    folder = db.path.parent
    if db.key is None:
        raise KnownError(_("This data has no passphrase yet; protect it with one first."))
    if not keys.key_matches(folder, db.key, passphrase):
        raise keys.WrongPassphrase(
            _("That passphrase is not right; check Caps Lock and try again. Nothing was changed.")
        )
    raw = os.urandom(keys.KEY_BYTES)
    text, code = keys.new_key_file_text(
        raw, new_passphrase or passphrase, **({"n": n} if n else {})
    )
    sealed_by = new_passphrase or passphrase
    pending = folder / keys.PENDING_RECOVERY
    # one an earlier encryption left unconfirmed stays, should this re-key stop short
    earlier = pending.read_text(encoding="utf-8") if pending.is_file() else None
    path = db.path
    incoming = path.with_name(path.name + REKEY_SUFFIX)
    key_incoming = folder / (keys.KEY_FILENAME + REKEY_SUFFIX)
    with maintenance_lock(folder):
        report(0, 4, _("Checking the data…"))
        problems = integrity_problems(db, full=True)
        if problems:
            raise BackupFailed(
                _("The data failed its check, so it was not re-encrypted: {problem}").format(
                    problem=problems[0]
                )
            )
        db.checkpoint()
        needed = int(path.stat().st_size * 1.1) + 8 * 1024 * 1024
        free = free_bytes(folder)
        if free is not None and free < needed:
            raise DiskFull(disk_full_sentence(folder, needed - free))
        keep_old_key_beside_backups(folder)
        old = db.key
        db.dispose()
        with writers_held_off(path, old) as let_go:  # no other process commits meanwhile
            try:
                report(1, 4, _("Writing the data under the new key…"))
                _export(path, old, incoming, raw)
                fsync_dir(folder)
                report(2, 4, _("Saving the new key…"))
                # The new recovery key, sealed, first: after the next line a kill must not
                # lose it (it is shown again at the next start until confirmed).
                keys.seal_pending_recovery(
                    folder, code, sealed_by, key=raw, **({"n": n} if n else {})
                )
                keys.write_atomically(key_incoming, text)  # the point of no return
            except BaseException as e:
                incoming.unlink(missing_ok=True)
                key_incoming.unlink(missing_ok=True)
                if earlier is None:
                    pending.unlink(missing_ok=True)
                else:
                    keys.write_atomically(pending, earlier)
                log.info("Re-encryption stopped before the new key was saved; nothing was changed")
                known = explain(e, folder=folder, needed=needed)
                if known is not None and known is not e:
                    raise known from e
                raise
            try:
                let_go_before_rename(let_go)
                _finish_rekey(folder)
            except FileHeld as e:
                if key_incoming.is_file():  # the data is new, its key file not yet: next start
                    raise FileHeld(
                        _(
                            "{e} The data is re-encrypted; close the app and open it again to finish."
                        ).format(e=e)
                    ) from e
                raise FileHeld(
                    _("{e} The data was not re-encrypted; nothing was changed.").format(e=e)
                ) from e
        new = Database(path, raw)
        new.pragma("PRAGMA journal_mode = WAL")
        made = None
        if fresh_backup:
            report(3, 4, _("Making a backup under the new key…"))
            made = backup_under_new_key(new)
    log.info("Re-encrypted the data in %s with a new key", folder)
    report(4, 4, _("Re-encrypted."))
    return new, keys.NewKey(raw, code), made


def backup_under_new_key(new: Database) -> Path | None:
    """The first backup under the new key; None when it failed (past the point of no return
    the new data stands all the same: the caller says to back up now)."""
    try:
        return make_backup(new, backups_dir(new.path.parent), "new-key")
    except KnownError as e:
        log.warning("No backup under the new key: %s", e)
        return None


def finish_rekey(folder: Path) -> bool:
    """Finish a re-encryption a crash interrupted after its new key was saved, or remove
    what one left before that; True when the new data was put in place now."""
    from filelock import Timeout

    try:
        with maintenance_lock(folder, timeout=0):
            return _finish_rekey(Path(folder))
    except Timeout:
        return False


def _finish_rekey(folder: Path) -> bool:
    path = folder / DB_FILENAME
    incoming = path.with_name(path.name + REKEY_SUFFIX)
    key_incoming = folder / (keys.KEY_FILENAME + REKEY_SUFFIX)
    if not key_incoming.is_file():  # never committed: the old key and data stand
        incoming.unlink(missing_ok=True)
        return False
    swapped = False
    if incoming.is_file():
        try:
            remove_sidecars(path)  # the old WAL belongs to the old key
            replace_file(incoming, path)
        except (FileHeld, PermissionError) as e:
            # Windows would not let go of the data file: the old data and the old key still
            # match, so the re-key is undone (its key file first). Left pending, a later start
            # would put the copy in place over everything saved to the old data meanwhile.
            key_incoming.unlink(missing_ok=True)
            incoming.unlink(missing_ok=True)
            fsync_dir(folder)
            log.warning("Re-encryption undone: the data file was held (%s)", e)
            if isinstance(e, FileHeld):
                raise
            raise FileHeld(held_sentence(path)) from e
        swapped = True
    # Never ahead of the data: the key file follows only once the data it opens is in place.
    # Refused for good, the new key waits beside it as key.json.rekeying for the next start.
    replace_file(key_incoming, folder / keys.KEY_FILENAME)
    fsync_dir(folder)
    log.info("Put the re-encrypted data and its new key in place in %s", folder)
    return swapped
