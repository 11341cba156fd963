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
from escape_desktop.paths import resolve_data_dir

log = logging.getLogger(__name__)


@dataclass
class AppContext:
    data_dir: Path
    db: Database
    actor: str = field(default_factory=lambda: _default_actor())
    _library: object | None = None

    @property
    def db_path(self) -> Path:
        return self.db.path

    @property
    def library(self):  # type: ignore[no-untyped-def]
        """Programme templates, exercise library and instruments (shipped plus the site's own)."""
        if self._library is None:
            from escape_desktop.content import load_library

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
        """Open (creating if needed) the data folder and its database, schema brought current."""
        folder = resolve_data_dir(data_dir)
        folder.mkdir(parents=True, exist_ok=True)
        if key is None:
            key = unlock_key(folder, passphrase)
        db = Database(folder / DB_FILENAME, key, read_only=read_only)
        if migrate and not read_only:
            try:
                from escape_desktop.db.migrate import ensure_schema

                ensure_schema(db)
            except BaseException:
                db.dispose()
                raise
        return cls(data_dir=folder, db=db)

    def close(self) -> None:
        self.db.dispose()


def unlock_key(folder: Path, passphrase: str | None) -> bytes | None:
    """The raw database key for an encrypted data folder, or None when it is not encrypted."""
    from escape_desktop.db import keys
    from escape_desktop.db.encryption import finish_encryption

    key = keys.unlock(folder, passphrase)
    if key is not None:
        finish_encryption(folder)  # a crash in the middle of encrypting: finish the swap
    return key


def _default_actor() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no user name on some locked-down machines
        return "instructor"
