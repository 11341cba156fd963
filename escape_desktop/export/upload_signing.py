"""Ed25519 signing of upload manifests: a site's key pair, signing and checking.

The exporting site signs the manifest's canonical JSON (every member but ``signature``,
keys sorted, no spaces, UTF-8), which holds each file's SHA-256, so a registry that has the
site's public key can tell an edited file whose hash was fixed up in the manifest. Keys and
signatures travel as base64 text (a key is 32 bytes, a signature 64). Pure: no files, no Qt.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

__all__ = [
    "ALGORITHM",
    "canonical_bytes",
    "new_private_key",
    "public_key_of",
    "sign",
    "parse_public_key",
    "verify",
]

ALGORITHM = "Ed25519"
KEY_BYTES = 32
SIGNATURE_BYTES = 64


def canonical_bytes(doc: Mapping[str, Any]) -> bytes:
    """What is signed: the manifest without its ``signature``, as canonical JSON."""
    body = {k: v for k, v in doc.items() if k != "signature"}
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode(
        "utf-8"
    )


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def decode_b64(text: str, size: int) -> bytes | None:
    """``size`` bytes from base64 text, or None when it is not that."""
    try:
        raw = base64.b64decode("".join(text.split()), validate=True)
    except (binascii.Error, ValueError):
        return None
    return raw if len(raw) == size else None


def new_private_key() -> str:
    """A new site key (the 32-byte private seed, base64)."""
    from cryptography.hazmat.primitives.serialization import (
        Encoding,
        NoEncryption,
        PrivateFormat,
    )

    key = Ed25519PrivateKey.generate()
    return _b64(key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption()))


def _private(private_b64: str) -> Ed25519PrivateKey:
    raw = decode_b64(private_b64, KEY_BYTES)
    if raw is None:
        raise ValueError("not an Ed25519 private key")
    return Ed25519PrivateKey.from_private_bytes(raw)


def public_key_of(private_b64: str) -> str:
    """The public key (base64) that goes with a private one, to give the registry team."""
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    return _b64(_private(private_b64).public_key().public_bytes(Encoding.Raw, PublicFormat.Raw))


def sign(private_b64: str, data: bytes) -> str:
    """The signature of ``data`` (base64)."""
    return _b64(_private(private_b64).sign(data))


def parse_public_key(text: str) -> str | None:
    """A public key as typed or pasted (base64 of 32 bytes), tidied; None if it is not one."""
    raw = decode_b64(text.strip(), KEY_BYTES)
    if raw is None:
        return None
    try:
        Ed25519PublicKey.from_public_bytes(raw)
    except ValueError:
        return None
    return _b64(raw)


def verify(public_b64: str, signature_b64: str, data: bytes) -> bool:
    """True when ``signature_b64`` is the signature of ``data`` by that public key's owner."""
    key = decode_b64(public_b64, KEY_BYTES)
    sig = decode_b64(signature_b64, SIGNATURE_BYTES)
    if key is None or sig is None:
        return False
    try:
        Ed25519PublicKey.from_public_bytes(key).verify(sig, data)
    except (InvalidSignature, ValueError):
        return False
    return True
