"""Content checksums for data kept without a passphrase, so `check` can catch rot there too.

An encrypted file has a MAC on every page (SQLCipher), so a flipped byte is found when the
page is read. A plain SQLite file has no such check: a flipped letter in a name is still a
valid page. So when the app closes the data after changing it, it folds the WAL into the
file and stores a hash of every table's rows beside it (``escape.db.sums.json``) together
with the file's size and modification time. `check` recomputes the hashes when the file has
not been written since (same size and time, no WAL): a difference is damage nobody wrote.
A file written since (the window open, or a crash before the close) is simply not compared,
so a normal write is never a false alarm.
"""

from __future__ import annotations

import hashlib
import json
import logging
from pathlib import Path
from typing import Any

from escape_desktop.i18n import _

log = logging.getLogger(__name__)

SUMS_SUFFIX = ".sums.json"
FORMAT = "escape-desktop-sums"


def sums_path(db_path: Path) -> Path:
    return Path(db_path).with_name(Path(db_path).name + SUMS_SUFFIX)


def table_hashes(conn: Any) -> dict[str, str]:
    """A BLAKE2 hash of each table's rows, in rowid order, read on the DB-API connection."""
    names = [
        r[0]
        for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' "
            "ORDER BY name"
        ).fetchall()
    ]
    hashes: dict[str, str] = {}
    for name in names:
        h = hashlib.blake2b(digest_size=16)
        try:
            rows = conn.execute(f'SELECT * FROM "{name}" ORDER BY rowid')
        except Exception:  # a WITHOUT ROWID table: its primary key orders it
            rows = conn.execute(f'SELECT * FROM "{name}"')
        while batch := rows.fetchmany(4096):  # one repr per batch: a third of the time
            h.update(repr(batch).encode("utf-8", "surrogatepass"))
        hashes[name] = h.hexdigest()
    return hashes


def _stamp(path: Path) -> dict[str, int] | None:
    wal = Path(str(path) + "-wal")
    try:
        if wal.exists() and wal.stat().st_size > 0:
            return None  # changes not yet folded into the file: nothing stable to stamp
        st = path.stat()
    except OSError:
        return None
    return {"size": st.st_size, "mtime_ns": st.st_mtime_ns}


def record_sums(db: Any) -> bool:
    """Fold the WAL in and store the table hashes of an unencrypted database; True if stored."""
    from .engine import connect
    from .files import make_private
    from .keys import write_atomically

    if db.key is not None or db.read_only or not Path(db.path).is_file():
        return False
    try:
        db.check_writable()  # not a file put in place under us by a restore or encryption
        busy = db.pragma("PRAGMA wal_checkpoint(TRUNCATE)")
        if busy and busy[0][0]:
            return False  # another connection is reading: stamp next time
        conn = connect(db.path, None, read_only=True)
        try:
            conn.execute("BEGIN")
            hashes = table_hashes(conn)
            conn.rollback()
        finally:
            conn.close()
        stamp = _stamp(db.path)
        if stamp is None:
            return False
        target = sums_path(db.path)
        write_atomically(target, json.dumps({"format": FORMAT, **stamp, "tables": hashes}) + "\n")
        make_private(target)
    except Exception as e:  # checksums are a help, never a reason to fail a close
        log.info("Content checksums not stored: %s", type(e).__name__)
        return False
    return True


def content_problems(path: Path, key: bytes | None) -> list[str]:
    """Tables whose rows no longer match the hashes stored at the last close; empty when they
    match, or when they cannot be compared (encrypted, written since, no hashes yet)."""
    from .engine import connect

    path = Path(path)
    if key is not None:
        return []  # SQLCipher's page MACs do this job for encrypted data
    try:
        stored = json.loads(sums_path(path).read_text(encoding="utf-8"))
        tables = dict(stored["tables"])
        recorded = {"size": int(stored["size"]), "mtime_ns": int(stored["mtime_ns"])}
    except (OSError, ValueError, KeyError, TypeError):
        return []
    if _stamp(path) != recorded:
        return []  # written since the hashes were taken: nothing to compare against
    try:
        conn = connect(path, None, read_only=True)
        try:
            now = table_hashes(conn)
        finally:
            conn.close()
    except Exception:
        return [_("The data file is damaged; restore the newest good backup.")]
    changed = sorted(t for t in tables if now.get(t) != tables[t])
    changed += sorted(t for t in now if t not in tables)
    if not changed:
        return []
    log.info("Content checksums differ in %d tables", len(changed))
    return [
        _(
            "Some records changed on the disk without the app writing them (in {tables}): "
            "the disk may be failing. Restore the newest good backup."
        ).format(tables=", ".join(changed))
    ]
