"""The database key: a raw random key, wrapped by the user's passphrase, kept beside the data."""

from __future__ import annotations

from pathlib import Path

KEY_FILENAME = "key.json"


def is_encrypted(folder: Path) -> bool:
    return (folder / KEY_FILENAME).exists()


def unlock(folder: Path, passphrase: str | None) -> bytes | None:
    """The raw key for ``folder``'s database, or None when the folder is not encrypted."""
    if not is_encrypted(folder):
        return None
    raise NotImplementedError("Encrypted data folders arrive with the encryption work.")
