"""Encrypting a data folder that was started without a passphrase, and finishing an
encryption a crash interrupted.

The plain file is exported into a new encrypted file (``sqlcipher_export``), checked, the key
file written, and the new file swapped in; plain backups are encrypted the same way.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

from escape_desktop.i18n import _

from . import keys
from .backup import Progress, backups_dir, list_backups, save_key_copy, verify_backup
from .engine import DB_FILENAME, Database, let_go_before_rename, writers_held_off
from .errors import BackupFailed, DiskFull, KnownError, disk_full_sentence, explain
from .files import (
    FileHeld,
    free_bytes,
    fsync_dir,
    fsync_file,
    held_sentence,
    is_plain_sqlite,
    maintenance_lock,
    make_private,
    remove_sidecars,
    replace_file,
)
from .integrity import integrity_problems

log = logging.getLogger(__name__)

__all__ = ["ENCRYPTING_SUFFIX", "encrypt_existing", "export_encrypted", "finish_encryption"]

ENCRYPTING_SUFFIX = ".encrypting"


def _noop(done: int, total: int, message: str) -> None:
    pass


def _table_counts(conn: Any, schema: str = "main") -> dict[str, int]:
    names = [
        r[0]
        for r in conn.execute(
            f"SELECT name FROM {schema}.sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'"
        ).fetchall()
    ]
    return {n: conn.execute(f'SELECT count(*) FROM {schema}."{n}"').fetchone()[0] for n in names}


def export_encrypted(source: Path, target: Path, key: bytes) -> None:
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
        log.info("The encrypted copy of %s did not match it; removed", source.name)
        raise BackupFailed(_("The encrypted copy did not match the data; nothing was changed."))
    make_private(target)
    fsync_file(target)
    problems = verify_backup(target, key)
    if problems:
        target.unlink(missing_ok=True)
        log.info("The encrypted copy of %s failed its check; removed", source.name)
        raise BackupFailed(_("The encrypted copy failed its check; nothing was changed."))


def _space_needed(paths: list[Path]) -> int:
    """Room for an encrypted copy of each file (SQLCipher adds a little per page), plus slack."""
    total = sum(p.stat().st_size for p in paths if p.exists())
    return int(total * 1.1) + 8 * 1024 * 1024


def encrypt_existing(
    db: Database, passphrase: str, *, progress: Progress | None = None, n: int | None = None
) -> tuple[Database, keys.NewKey]:
    """Encrypt a data folder that was started without a passphrase, all or nothing.

    Every encrypted copy (the data and each plain backup) is written and checked beside its
    original first; only then is the key file written (the point of no return) and the copies
    swapped in. An interruption before the key file leaves the folder as it was (the copies
    are removed at the next start); after it, the next start finishes the swaps. No plain
    file is deleted before its encrypted replacement has been checked. ``db`` is closed;
    returns (new Database, NewKey).
    """
    report = progress or _noop
    if db.key is not None:
        raise KnownError(_("This data is already encrypted."))
    problem = keys.passphrase_problem(passphrase)
    if problem:
        raise keys.WrongPassphrase(problem)
    folder = db.path.parent
    with maintenance_lock(folder):
        report(0, 4, _("Checking the data…"))
        problems = integrity_problems(db, full=True)
        if problems:
            log.info("Not encrypted: the data failed its check (%d problems)", len(problems))
            raise BackupFailed(
                _("The data failed its check, so it was not encrypted: ") + problems[0]
            )
        db.checkpoint()
        plain_backups = [
            b.path for b in list_backups(backups_dir(folder)) if is_plain_sqlite(b.path)
        ]
        needed = _space_needed([db.path, *plain_backups])
        free = free_bytes(folder)
        if free is not None and free < needed:
            log.info("Not encrypted: %d bytes free, %d needed", free, needed)
            raise DiskFull(disk_full_sentence(folder, needed - free))
        log.info("Encrypting the data in %s (%d plain backups)", folder, len(plain_backups))
        raw = os.urandom(keys.KEY_BYTES)
        db.dispose()
        made: list[Path] = []
        with writers_held_off(db.path, None) as let_go:  # no other process commits meanwhile
            try:
                report(1, 4, _("Writing the encrypted copies…"))
                for path in [db.path, *plain_backups]:
                    tmp = path.with_name(path.name + ENCRYPTING_SUFFIX)
                    made.append(tmp)
                    export_encrypted(path, tmp, raw)
                fsync_dir(folder)
                if plain_backups:
                    fsync_dir(backups_dir(folder))
                report(2, 4, _("Saving the key…"))
                cost = {"n": n} if n else {}
                code = keys.new_recovery_code()
                problem = keys.passphrase_problem(passphrase)
                if problem:
                    raise keys.WrongPassphrase(problem)
                # The recovery key, sealed, before the point of no return: a kill after it
                # must not lose it (shown again at the next start until confirmed).
                keys.seal_pending_recovery(folder, code, passphrase, key=raw, **cost)
                new_key = keys.create_key(folder, passphrase, key=raw, code=code, **cost)
            except BaseException as e:
                for tmp in made:
                    tmp.unlink(missing_ok=True)
                if not keys.is_encrypted(folder):
                    (folder / keys.PENDING_RECOVERY).unlink(missing_ok=True)
                log.info("Encryption stopped before the key was written; nothing was changed")
                known = explain(e, folder=folder, needed=needed)
                if known is not None and known is not e:
                    raise known from e
                raise
            report(3, 4, _("Putting the encrypted copies in place…"))
            let_go_before_rename(let_go)
            finish_encryption(folder)
        if list_backups(backups_dir(folder)):
            save_key_copy(folder, backups_dir(folder) / keys.KEY_FILENAME)
    report(4, 4, _("Encrypted."))
    log.info("Encrypted the data in %s", folder)
    new = Database(db.path, raw)
    new.pragma("PRAGMA journal_mode = WAL")
    return new, new_key


def finish_encryption(folder: Path) -> bool:
    """Swap in the encrypted copies an encryption left ready, or remove them if it never got
    as far as writing the key file (also after a crash). True when the data file was swapped.

    Does nothing while another process holds the maintenance lock (it may be encrypting now).
    """
    from filelock import Timeout

    try:
        with maintenance_lock(folder, timeout=0):
            return _finish_encryption(Path(folder))
    except Timeout:
        return False


def _finish_encryption(folder: Path) -> bool:
    path = folder / DB_FILENAME
    committed = keys.is_encrypted(folder)
    swapped = False
    for where in (folder, backups_dir(folder)):  # the data first: backups follow it
        if not where.is_dir():
            continue
        for tmp in sorted(where.glob("*" + ENCRYPTING_SUFFIX)):
            original = tmp.with_name(tmp.name[: -len(ENCRYPTING_SUFFIX)])
            if committed and is_plain_sqlite(original) and not is_plain_sqlite(tmp):
                if original == path:
                    _swap_data(folder, tmp)
                    swapped = True
                    continue
                try:
                    replace_file(tmp, original)
                except FileHeld as e:  # a plain backup stays plain until the next start
                    log.info("A backup stays plain for now: %s", e)
            else:  # the key was never written, or this swap already happened
                tmp.unlink(missing_ok=True)
        fsync_dir(where)
    if swapped:
        from .checksums import sums_path

        sums_path(path).unlink(missing_ok=True)  # plain-data checksums mean nothing now
        log.info("Put the encrypted data in place in %s", folder)
    return swapped


def _swap_data(folder: Path, tmp: Path) -> None:
    """Put the encrypted data in place; when Windows will not let go of the plain file, undo
    the encryption instead (the key file first), so the folder is plain again and opens as it
    is. Left half done, the plain data would be opened with a key and called damaged, and a
    later start would put the copy over everything saved to the plain data meanwhile."""
    path = folder / DB_FILENAME
    try:
        remove_sidecars(path)
        replace_file(tmp, path)
        return
    except (FileHeld, PermissionError) as e:
        held = e
    if any(not is_plain_sqlite(b.path) for b in list_backups(backups_dir(folder))):
        # Encrypted backups need the key file: keep everything for the next start.
        raise FileHeld(
            _("{held_sentence} Then open the app again to finish.").format(
                held_sentence=held_sentence(path)
            )
        ) from held
    (folder / keys.KEY_FILENAME).unlink(missing_ok=True)
    for where in (folder, backups_dir(folder)):
        for left in where.glob("*" + ENCRYPTING_SUFFIX) if where.is_dir() else ():
            left.unlink(missing_ok=True)
    fsync_dir(folder)
    log.warning("Encryption undone: the data file was held (%s)", held)
    raise FileHeld(
        _("{held_sentence} The data was not encrypted; nothing was changed.").format(
            held_sentence=held_sentence(path)
        )
    ) from held
