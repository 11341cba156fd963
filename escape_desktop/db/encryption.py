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

from . import keys
from .backup import Progress, backups_dir, list_backups, verify_backup
from .engine import DB_FILENAME, Database
from .errors import BackupFailed, KnownError
from .files import fsync_dir, fsync_file, is_plain_sqlite, remove_sidecars
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
        raise BackupFailed("The encrypted copy did not match the data; nothing was changed.")
    fsync_file(target)
    problems = verify_backup(target, key)
    if problems:
        target.unlink(missing_ok=True)
        log.info("The encrypted copy of %s failed its check; removed", source.name)
        raise BackupFailed("The encrypted copy failed its check; nothing was changed.")


def encrypt_existing(
    db: Database, passphrase: str, *, progress: Progress | None = None, n: int | None = None
) -> tuple[Database, keys.NewKey]:
    """Encrypt a data folder that was started without a passphrase.

    ``db`` is closed; returns (new Database, NewKey).
    """
    report = progress or _noop
    if db.key is not None:
        raise KnownError("This data is already encrypted.")
    problem = keys.passphrase_problem(passphrase)
    if problem:
        raise keys.WrongPassphrase(problem)
    report(0, 4, "Checking the data…")
    problems = integrity_problems(db, full=True)
    if problems:
        log.info("Not encrypted: the data failed its check (%d problems)", len(problems))
        raise BackupFailed("The data failed its check, so it was not encrypted: " + problems[0])
    folder = db.path.parent
    log.info("Encrypting the data in %s", folder)
    raw = os.urandom(keys.KEY_BYTES)
    db.checkpoint()
    db.dispose()
    incoming = db.path.with_name(db.path.name + ENCRYPTING_SUFFIX)
    report(1, 4, "Writing the encrypted copy…")
    export_encrypted(db.path, incoming, raw)
    report(2, 4, "Saving the key…")
    new_key = keys.create_key(folder, passphrase, key=raw, **({"n": n} if n else {}))
    finish_encryption(folder)
    report(3, 4, "Encrypting the backups…")
    for info in list_backups(backups_dir(folder)):
        if is_plain_sqlite(info.path):
            tmp = info.path.with_name(info.path.name + ENCRYPTING_SUFFIX)
            try:
                export_encrypted(info.path, tmp, raw)
                os.replace(tmp, info.path)
            except Exception:
                tmp.unlink(missing_ok=True)
                info.path.unlink(missing_ok=True)  # a plain copy must not stay behind
                log.info("A plain backup that could not be encrypted was removed: %s",
                            info.path.name)  # fmt: skip
    report(4, 4, "Encrypted.")
    log.info("Encrypted the data in %s", folder)
    new = Database(db.path, raw)
    new.pragma("PRAGMA journal_mode = WAL")
    return new, new_key


def finish_encryption(folder: Path) -> bool:
    """Swap in an encrypted copy left ready by encrypt_existing (also after a crash)."""
    path = Path(folder) / DB_FILENAME
    incoming = path.with_name(path.name + ENCRYPTING_SUFFIX)
    if not incoming.exists():
        return False
    if not keys.is_encrypted(Path(folder)) or not is_plain_sqlite(path):
        incoming.unlink(missing_ok=True)  # the swap never started, or already happened
        log.info("Removed an encrypted copy left by an interrupted encryption")
        return False
    remove_sidecars(path)
    os.replace(incoming, path)
    fsync_dir(Path(folder))
    log.info("Finished an interrupted encryption in %s", folder)
    return True
