"""The database key: a raw random key, wrapped by the user's passphrase, kept beside the data.

key.json holds the same 32-byte key wrapped twice with AES-GCM: once under a key derived
from the passphrase, once under a key derived from a random recovery code that is shown
to the user once. Changing the passphrase re-wraps the key; the database is not touched.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import os
import secrets
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from escape_desktop.i18n import _

from .errors import KnownError, WrongPassphrase
from .files import fsync_dir, replace_file

log = logging.getLogger(__name__)

KEY_FILENAME = "key.json"
BACKUP_KEY_COPY = f"backups/{KEY_FILENAME}"  # kept there by db/backup.py with every backup
FORMAT = "escape-desktop-key"
VERSION = 1
KEY_BYTES = 32
# scrypt cost: about a fifth of a second on a laptop, 64 MiB of memory per guess.
DEFAULT_N = 2**16
SCRYPT_R = 8
SCRYPT_P = 1
MIN_PASSPHRASE = 8
RECOVERY_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I to misread
RECOVERY_GROUPS = 6
RECOVERY_GROUP_LEN = 4


class PassphraseNeeded(WrongPassphrase):
    """The folder is encrypted and no passphrase was given."""


class KeyFileDamaged(KnownError):
    pass


@dataclass(frozen=True)
class NewKey:
    key: bytes
    recovery_code: str


def is_encrypted(folder: Path) -> bool:
    return (Path(folder) / KEY_FILENAME).exists()


def passphrase_problem(passphrase: str) -> str | None:
    """A sentence saying why a new passphrase is too weak, or None when it will do."""
    if len(passphrase) < MIN_PASSPHRASE:
        return _(
            "Use at least {n} characters; a short sentence you will remember works well."
        ).format(n=MIN_PASSPHRASE)
    if passphrase.strip() != passphrase:
        return _("The passphrase starts or ends with a space; remove it so you can type it again.")
    return None


def new_recovery_code() -> str:
    """Six groups of four letters and digits, e.g. 7KQ2-MX9D-…, about 120 bits of chance."""
    groups = (
        "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(RECOVERY_GROUP_LEN))
        for _ in range(RECOVERY_GROUPS)
    )
    return "-".join(groups)


def normalise_recovery_code(code: str) -> str:
    """Accept the code typed with spaces, lower case or without dashes."""
    raw = "".join(ch for ch in code.upper() if ch.isalnum())
    return "-".join(raw[i : i + RECOVERY_GROUP_LEN] for i in range(0, len(raw), RECOVERY_GROUP_LEN))


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"), validate=True)


def _derive(secret: str, salt: bytes, n: int) -> bytes:
    return hashlib.scrypt(
        secret.encode("utf-8"),
        salt=salt,
        n=n,
        r=SCRYPT_R,
        p=SCRYPT_P,
        maxmem=256 * n * SCRYPT_R + 1024 * 1024,
        dklen=32,
    )


def _wrap(key: bytes, secret: str, purpose: str, n: int) -> dict[str, Any]:
    # Imported here, not at the top: opening unencrypted data (and the window) never pays for it.
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    salt = os.urandom(16)
    nonce = os.urandom(12)
    aad = f"{FORMAT}:{VERSION}:{purpose}".encode()
    sealed = AESGCM(_derive(secret, salt, n)).encrypt(nonce, key, aad)
    return {"kdf": "scrypt", "n": n, "r": SCRYPT_R, "p": SCRYPT_P, "salt": _b64(salt),
            "nonce": _b64(nonce), "sealed": _b64(sealed)}  # fmt: skip


def _unwrap(entry: dict[str, Any], secret: str, purpose: str) -> bytes | None:
    key = _open_sealed(entry, secret, purpose)
    return key if key is not None and len(key) == KEY_BYTES else None


def _open_sealed(entry: dict[str, Any], secret: str, purpose: str) -> bytes | None:
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    try:
        salt, nonce, sealed = _unb64(entry["salt"]), _unb64(entry["nonce"]), _unb64(entry["sealed"])
        n = int(entry["n"])
        if entry.get("kdf") != "scrypt" or int(entry["r"]) != SCRYPT_R or n > 2**20:
            raise ValueError(entry.get("kdf"))
    except (KeyError, TypeError, ValueError) as e:
        raise KeyFileDamaged(
            _(
                "The key file (key.json) in the data folder is damaged; restore it from a backup "
                "folder, where a copy is kept beside the backups."
            )
        ) from e
    aad = f"{FORMAT}:{VERSION}:{purpose}".encode()
    try:
        return AESGCM(_derive(secret, salt, n)).decrypt(nonce, sealed, aad)
    except InvalidTag:
        return None


def read_key_file(folder: Path) -> dict[str, Any]:
    return read_key_path(Path(folder) / KEY_FILENAME)


def read_key_path(path: Path) -> dict[str, Any]:
    """The parsed key file at ``path`` (key.json, or a copy travelling with a backup)."""
    folder = Path(path).parent
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise KnownError(
            _("There is no key file in {folder}; this data is not encrypted.").format(folder=folder)
        ) from None
    except (OSError, ValueError, UnicodeDecodeError) as e:
        if path.name != KEY_FILENAME:  # the copy travelling with a backup (b.db.key.json)
            raise KeyFileDamaged(
                _(
                    "The key file {name} beside the backup cannot be read; copy it again from where "
                    "the backup came from, then try again. Nothing was changed."
                ).format(name=path.name)
            ) from e
        raise KeyFileDamaged(
            _(
                "The key file (key.json) in the data folder cannot be read; restore it from a "
                "backup folder, where a copy is kept beside the backups."
            )
        ) from e
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise KeyFileDamaged(
            _(
                "The key file (key.json) in the data folder is not an escape-desktop key file; "
                "restore it from a backup folder."
            )
        )
    if int(data.get("version", 0)) > VERSION:
        raise KeyFileDamaged(
            _(
                "The key file was written by a newer version of escape-desktop; install it to open "
                "this data."
            )
        )
    return data


def write_atomically(path: Path, text: str) -> None:
    """Write a small file so that a crash leaves either the old or the new one, never half."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        replace_file(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    fsync_dir(path.parent)


def _key_file_text(passphrase_entry: dict, recovery_entry: dict) -> str:
    data = {
        "format": FORMAT,
        "version": VERSION,
        "cipher": "sqlcipher4-raw-key",
        "passphrase": passphrase_entry,
        "recovery": recovery_entry,
    }
    return json.dumps(data, indent=2) + "\n"


def create_key(
    folder: Path,
    passphrase: str,
    *,
    n: int = DEFAULT_N,
    key: bytes | None = None,
    code: str | None = None,
) -> NewKey:
    """Make a new raw key (or wrap ``key``), write key.json, return the key and recovery code.

    Refuses to overwrite an existing key file: that would lock the data away for good.
    """
    folder = Path(folder)
    if is_encrypted(folder):
        raise KnownError(_("This data folder already has a key; change the passphrase instead."))
    problem = passphrase_problem(passphrase)
    if problem:
        raise WrongPassphrase(problem)
    raw = key if key is not None else os.urandom(KEY_BYTES)
    code = code or new_recovery_code()
    text = _key_file_text(_wrap(raw, passphrase, "passphrase", n), _wrap(raw, code, "recovery", n))
    folder.mkdir(parents=True, exist_ok=True)
    write_atomically(folder / KEY_FILENAME, text)
    log.info("Key file written in %s", folder)
    return NewKey(raw, code)


# The first 16 bytes of every unencrypted SQLite file; an encrypted one starts with random salt.
_PLAIN_HEADER = b"SQLite format 3\x00"


def _refuse_if_key_file_missing(folder: Path) -> None:
    """Encrypted data whose key.json was deleted or moved: say so, and where the copy is.

    Without this the data was opened as plain and refused as "damaged, or the passphrase is
    wrong, restore a backup" — which cannot help, every backup needs the same key file.
    """
    db = folder / "escape.db"  # engine.DB_FILENAME; engine imports this module
    try:
        with db.open("rb") as f:
            head = f.read(len(_PLAIN_HEADER))
    except OSError:
        return  # no data file: a new folder, or a missing one the caller explains
    if len(head) < len(_PLAIN_HEADER) or head == _PLAIN_HEADER:
        return
    if (folder / BACKUP_KEY_COPY).is_file():
        raise KeyFileDamaged(
            _(
                "The key file (key.json) is missing from {folder}; copy key.json from its "
                "backups folder back beside escape.db, then try again."
            ).format(folder=folder)
        )
    raise KeyFileDamaged(
        _(
            "The key file (key.json) is missing from {folder}; copy it back from a backup "
            "copy (each one has its key file beside it), then try again."
        ).format(folder=folder)
    )


def unlock(folder: Path, passphrase: str | None) -> bytes | None:
    """The raw key for ``folder``'s database, or None when the folder is not encrypted."""
    folder = Path(folder)
    if not is_encrypted(folder):
        _refuse_if_key_file_missing(folder)
        return None
    if not passphrase:
        raise PassphraseNeeded(
            _(
                "This data is protected by a passphrase; give it in ESCAPE_DESKTOP_PASSPHRASE or "
                "with --passphrase-file."
            )
        )
    data = read_key_file(folder)
    key = _unwrap(data.get("passphrase") or {}, passphrase, "passphrase")
    if key is None:
        log.info("Unlock refused: the passphrase did not open the key file")
        raise WrongPassphrase(
            _("That passphrase is not right; check Caps Lock and try again. Nothing was changed.")
        )
    return key


def unlock_key_path(
    path: Path, passphrase: str | None = None, recovery_code: str | None = None
) -> bytes:
    """The raw key sealed in the key file at ``path``, opened with the passphrase or the
    recovery key (for a backup that carries its own copy of the key file)."""
    data = read_key_path(Path(path))
    if recovery_code:
        key = _unwrap(
            data.get("recovery") or {}, normalise_recovery_code(recovery_code), "recovery"
        )
        if key is None:
            raise WrongPassphrase(
                _("That recovery key is not right; check each group of four and try again.")
            )
        return key
    if not passphrase:
        raise PassphraseNeeded(
            _("This backup is protected by a passphrase; give it to restore it.")
        )
    key = _unwrap(data.get("passphrase") or {}, passphrase, "passphrase")
    if key is None:
        raise WrongPassphrase(
            _(
                "That passphrase does not open this backup; check Caps Lock, or use the recovery key."
            )
        )
    return key


def unlock_with_recovery(folder: Path, code: str) -> bytes:
    data = read_key_file(Path(folder))
    key = _unwrap(data.get("recovery") or {}, normalise_recovery_code(code), "recovery")
    if key is None:
        log.info("Unlock refused: the recovery key did not open the key file")
        raise WrongPassphrase(
            _("That recovery key is not right; check each group of four and try again.")
        )
    return key


def _rewrap_passphrase(folder: Path, key: bytes, new_passphrase: str) -> None:
    problem = passphrase_problem(new_passphrase)
    if problem:
        raise WrongPassphrase(problem)
    data = read_key_file(folder)
    n = int((data.get("passphrase") or {}).get("n", DEFAULT_N))
    data["passphrase"] = _wrap(key, new_passphrase, "passphrase", n)
    text = json.dumps(data, indent=2) + "\n"
    write_atomically(Path(folder) / KEY_FILENAME, text)
    copy = Path(folder) / BACKUP_KEY_COPY
    if copy.is_file():  # the copy beside the backups opens with the new passphrase too
        write_atomically(copy, text)
    code = pending_recovery_code(folder, None, key=key)
    if code is not None:  # still to be confirmed: shown with the new passphrase from now on
        seal_pending_recovery(folder, code, new_passphrase, n=n, key=key)
    log.info("Passphrase changed for the key in %s", folder)


def new_key_file_text(key: bytes, passphrase: str, *, n: int = DEFAULT_N) -> tuple[str, str]:
    """The text of a key file sealing ``key`` under ``passphrase`` and a new recovery code,
    and that code (for re-encryption with a new key)."""
    problem = passphrase_problem(passphrase)
    if problem:
        raise WrongPassphrase(problem)
    code = new_recovery_code()
    text = _key_file_text(_wrap(key, passphrase, "passphrase", n), _wrap(key, code, "recovery", n))
    return text, code


def new_recovery_key(folder: Path, passphrase: str) -> str:
    """Seal the same key under a new recovery code (the old one stops opening this folder's
    key file and the copy beside the backups); returns the new code, to be shown once."""
    key = unlock(folder, passphrase)
    assert key is not None
    data = read_key_file(folder)
    n = int((data.get("recovery") or {}).get("n", DEFAULT_N))
    code = new_recovery_code()
    data["recovery"] = _wrap(key, code, "recovery", n)
    text = json.dumps(data, indent=2) + "\n"
    write_atomically(Path(folder) / KEY_FILENAME, text)
    copy = Path(folder) / BACKUP_KEY_COPY
    if copy.is_file():
        write_atomically(copy, text)
    log.info("New recovery key made for the key in %s", folder)
    return code


def change_passphrase(folder: Path, old: str, new: str) -> None:
    """Re-wrap the key under a new passphrase; the database itself is not re-encrypted."""
    key = unlock(folder, old)
    assert key is not None
    _rewrap_passphrase(folder, key, new)


def reset_passphrase(folder: Path, recovery_code: str, new: str) -> None:
    """Set a new passphrase using the recovery key (when the passphrase is forgotten)."""
    key = unlock_with_recovery(folder, recovery_code)
    _rewrap_passphrase(folder, key, new)


def key_matches(folder: Path, key: bytes, passphrase: str) -> bool:
    """True when ``passphrase`` unlocks ``key`` (used by the lock screen)."""
    try:
        return secrets.compare_digest(unlock(folder, passphrase) or b"", key)
    except WrongPassphrase:
        return False


# A recovery key not yet confirmed as written down (re-key, encrypt): sealed under the new
# passphrase beside key.json before the point of no return, so that a kill after it cannot
# lose the only recovery key; shown again (window, `check`) until the user confirms it.
PENDING_RECOVERY = "recovery-key.pending.json"
_PENDING_PURPOSE = "pending-recovery"


def seal_pending_recovery(
    folder: Path, code: str, passphrase: str, *, n: int = DEFAULT_N, key: bytes | None = None
) -> None:
    """Keep ``code`` sealed (never in plain text) until it is confirmed: by ``passphrase``,
    and by the data's new ``key`` too, so that the window, once unlocked, can show it."""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    data: dict[str, Any] = {"format": FORMAT, "version": VERSION}
    data["pending"] = _wrap(code.encode("utf-8"), passphrase, _PENDING_PURPOSE, n)
    if key is not None:
        nonce = os.urandom(12)
        aad = f"{FORMAT}:{VERSION}:{_PENDING_PURPOSE}".encode()
        sealed = AESGCM(key).encrypt(nonce, code.encode("utf-8"), aad)
        data["by_key"] = {"nonce": _b64(nonce), "sealed": _b64(sealed)}
    text = json.dumps(data, indent=2)
    write_atomically(Path(folder) / PENDING_RECOVERY, text + "\n")  # user-only (mkstemp)


def has_pending_recovery(folder: Path) -> bool:
    return (Path(folder) / PENDING_RECOVERY).is_file()


def _open_by_key(entry: dict[str, Any], key: bytes) -> bytes | None:
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    aad = f"{FORMAT}:{VERSION}:{_PENDING_PURPOSE}".encode()
    try:
        return AESGCM(key).decrypt(_unb64(entry["nonce"]), _unb64(entry["sealed"]), aad)
    except (InvalidTag, KeyError, TypeError, ValueError):
        return None


def pending_recovery_code(
    folder: Path, passphrase: str | None, *, key: bytes | None = None
) -> str | None:
    """The recovery key waiting to be confirmed, when ``passphrase`` opens it and it opens the
    data's key file (or the new one an interrupted re-key left); a stale one (its re-key was
    rolled back) is removed. None when there is none or the passphrase does not open it."""
    folder = Path(folder)
    path = folder / PENDING_RECOVERY
    if not (passphrase or key) or not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if key is not None:
            raw = _open_by_key(data.get("by_key") or {}, key)
        else:
            raw = _open_sealed(data["pending"], passphrase or "", _PENDING_PURPOSE)
    except (OSError, ValueError, KeyError, TypeError, AttributeError, KnownError):
        return None
    if raw is None:
        return None
    code = raw.decode("utf-8", "replace")
    for key_file in (folder / (KEY_FILENAME + ".rekeying"), folder / KEY_FILENAME):
        try:
            if key_file.is_file() and _unwrap(
                read_key_path(key_file).get("recovery") or {}, code, "recovery"
            ):
                return code
        except KnownError:
            continue
    path.unlink(missing_ok=True)  # it opens nothing here: what made it never took effect
    return None


def confirm_pending_recovery(folder: Path) -> bool:
    """The user has the recovery key written down: stop showing it. True when one was waiting."""
    path = Path(folder) / PENDING_RECOVERY
    if not path.is_file():
        return False
    path.unlink()
    fsync_dir(Path(folder))
    return True
