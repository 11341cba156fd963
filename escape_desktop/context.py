"""AppContext: the paths, the open database and the programme content, made once in main().

Opening one is light: the schema version is read with plain SQL and the engine (SQLAlchemy)
is made on first use, so the window can show its first screen before either is paid for.
"""

from __future__ import annotations

import getpass
import logging
from dataclasses import dataclass, field
from pathlib import Path

from escape_desktop.db.engine import DB_FILENAME, Database
from escape_desktop.db.errors import READ_ONLY_MEDIA_SENTENCE, DatabaseMissing, WritesStopped
from escape_desktop.db.files import folder_is_writable, make_private, make_private_folder
from escape_desktop.i18n import _, ui_date
from escape_desktop.paths import resolve_data_dir

log = logging.getLogger(__name__)


@dataclass
class AppContext:
    data_dir: Path
    db: Database
    actor: str = field(default_factory=lambda: _default_actor())
    # On a read-only stick or share: opened immutable, every change refused in one sentence.
    read_only_media: bool = False
    _library: object | None = None

    @property
    def db_path(self) -> Path:
        return self.db.path

    @property
    def library(self):  # type: ignore[no-untyped-def]
        """Programme templates, exercise library and instruments (shipped plus the site's own)."""
        if self._library is None:
            from escape_desktop.library import load_library

            site = self.data_dir / "content"
            self._library = load_library((site,) if site.is_dir() else ())
        return self._library

    @classmethod
    def open(
        cls,
        data_dir: str | Path | None = None,
        *,
        key: bytes | None = None,
        passphrase: str | None = None,
        read_only: bool = False,
        migrate: bool = True,
    ) -> AppContext:
        """Open (creating if needed) the data folder and its database, schema brought current.

        Refuses (DatabaseMissing) to start an empty database where the data file has gone but
        backups of it remain.
        """
        folder = resolve_data_dir(data_dir)
        media = not folder_is_writable(folder)
        if media:
            read_only = True  # a read-only stick or share: read it as it is, write nothing there
        if not read_only and folder.is_dir() and not _holds_others(folder):
            # An empty folder the user made for the data (mkdir gives 0755): it becomes the
            # data folder now, so it is made private as one the app makes would be.
            make_private(folder)
        make_private_folder(folder)  # 0700, or a user-only ACL on Windows
        tidy_folder(folder)
        if key is None:
            key = unlock_key(folder, passphrase)
        missing = missing_database(folder, key)
        if missing is not None:
            raise missing
        db = Database(folder / DB_FILENAME, key, read_only=read_only)
        if media:
            db.stop_writing(_(READ_ONLY_MEDIA_SENTENCE))  # every write: this sentence, not a crash
        if migrate and not read_only:
            try:
                from escape_desktop.db.migrate import ensure_schema

                ensure_schema(db)
            except BaseException:
                db.dispose()
                raise
        if not read_only:
            for suffix in ("", "-wal", "-shm"):  # SQLite gives new WAL/shm files the db's mode
                make_private(Path(str(db.path) + suffix))
        return cls(data_dir=folder, db=db, read_only_media=media)

    def refuse_if_read_only_media(self) -> None:
        """For a change that writes files in the data folder rather than through a transaction
        (a backup, the key file, a restore): refused on a read-only stick or share in the same
        sentence every transaction there meets."""
        if self.read_only_media:
            raise WritesStopped(_(READ_ONLY_MEDIA_SENTENCE))

    def close(self) -> None:
        if self.db.wrote and not self.db.read_only and self.db.stopped is None:
            from escape_desktop.db.checksums import record_sums

            # Plain data: hashes `check` compares to catch rot. Only after this program wrote:
            # closing data it merely opened (damaged, say) must never bless what is there.
            record_sums(self.db)
        self.db.dispose()


# What the app itself puts in a new data folder before its data file (locks, the key file).
OWN_FIRST_FILES = frozenset({"writer.lock", "maintenance.lock", "app.lock", "key.json"})


def _holds_others(folder: Path) -> bool:
    """True when ``folder`` holds anything but what the app puts in a new data folder first."""
    return any(p.name not in OWN_FIRST_FILES for p in folder.iterdir())


def unlock_key(folder: Path, passphrase: str | None) -> bytes | None:
    """The raw database key for an encrypted data folder, or None when it is not encrypted."""
    from escape_desktop.db import keys

    return keys.unlock(folder, passphrase)


def tidy_folder(folder: Path) -> None:
    """Finish or undo an encryption a crash interrupted, and remove what an interrupted backup
    or restore left behind (skipped while another window or command is doing either)."""
    from escape_desktop.db.encryption import finish_encryption
    from escape_desktop.db.files import clean_debris
    from escape_desktop.db.rekey import finish_rekey

    if not folder.is_dir():
        return
    try:
        finish_encryption(folder)
        finish_rekey(folder)
        clean_debris(folder)
    except OSError as e:  # a read-only folder: open it as it is
        log.info("Could not tidy %s: %s", folder, e.strerror)


def missing_database(folder: Path, key: bytes | None = None) -> DatabaseMissing | None:
    """The error to show when ``folder`` has backups but no data file, else None.

    A data folder whose escape.db has gone must never quietly become a new, empty one.
    """
    from escape_desktop.db.backup import backups_dir, list_backups, newest_good_backup

    if (folder / DB_FILENAME).exists() or not list_backups(backups_dir(folder)):
        return None
    newest = newest_good_backup(backups_dir(folder), key)
    if newest is None:
        said = _(
            "The data file {file} is missing from {folder}, but its backups are still there; "
            "ask for help: none of its backups passed its check. Nothing was changed."
        )
    else:
        said = _(
            "The data file {file} is missing from {folder}, but its backups are still there; "
            "restore the newest good backup, {backup} (made {day} at {time}) instead of "
            "starting again. Nothing was changed."
        )
    return DatabaseMissing(
        said.format(
            file=DB_FILENAME,
            folder=folder,
            backup=newest.path.name if newest else "",
            day=ui_date(newest.made_at.date()) if newest else "",
            time=f"{newest.made_at:%H:%M}" if newest else "",
        )
    )


def _default_actor() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no user name on some locked-down machines
        return "instructor"
