"""The upload manifest: a small JSON file beside the upload CSV that the receiver checks it by.

It says which site sent the files, with which profile and app version, when, under which
batch id, how many rows each file has and its SHA-256, and for every course the counts by
status and by reason left out, so a receiver can tell a changed file from a good one and
compute coverage and true completion. The format is described in docs/upload-manifest.md.
Rendering and parsing are pure; ``describe_file`` is the one helper that reads a file.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from escape_desktop.errors import KnownError
from escape_desktop.i18n import N_, _

from .upload_signing import ALGORITHM, SIGNATURE_BYTES, canonical_bytes, decode_b64

__all__ = [
    "FORMAT",
    "FORMAT_VERSION",
    "STATUS_KEYS",
    "LEFT_OUT_KEYS",
    "COURSE_STATUSES",
    "SITE_CODE_PATTERN",
    "ManifestError",
    "ManifestFile",
    "CourseCounts",
    "Manifest",
    "render_manifest",
    "parse_manifest",
    "manifest_path_for",
    "describe_file",
    "count_rows",
]

FORMAT = "escape-desktop upload manifest"
# Version 2: each course says how it was delivered (``delivery_mode``); version 1 is still read.
FORMAT_VERSION = 2
DELIVERY_MODES = ("in_person", "virtual", "hybrid")  # programme.delivery.DELIVERY_MODES
# Counts by status for each course (a person may be in more than one: a completer has also
# started and was enrolled); the names the JSON uses, in the order the docs list them.
STATUS_KEYS = (
    "enrolled",
    "started",
    "did_not_start",
    "in_progress",
    "completed",
    "did_not_complete",
    "withdrawn",
)
# People on the course who are not in the file, by reason.
LEFT_OUT_KEYS = ("did_not_agree_to_share", "not_asked_yet")
COURSE_STATUSES = ("upcoming", "running", "finished")
FILE_KINDS = ("main", "attendance")
# An ODS organisation code (e.g. RJ1, A81001) or a code the receiver assigns: capitals,
# digits and hyphens, 2 to 20 characters.
SITE_CODE_PATTERN = re.compile(r"^[A-Z0-9][A-Z0-9-]{1,19}$")
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


class ManifestError(KnownError):
    """A manifest that cannot be trusted; the message says what to do."""


@dataclass(frozen=True)
class ManifestFile:
    """One file the manifest vouches for: its name (beside the manifest), rows and hash."""

    name: str
    kind: str  # "main" or "attendance"
    rows: int  # data rows, the header not counted
    sha256: str


@dataclass(frozen=True)
class CourseCounts:
    """One course's people by status, and those left out of the file by reason."""

    course_code: str
    course_status: str  # "upcoming", "running" or "finished"
    status: Mapping[str, int] = field(default_factory=dict)  # STATUS_KEYS -> count
    left_out: Mapping[str, int] = field(default_factory=dict)  # LEFT_OUT_KEYS -> count
    delivery_mode: str = ""  # in_person / virtual / hybrid; "" in a version 1 manifest

    def count(self, key: str) -> int:
        return int(self.status.get(key, 0))

    def left_out_count(self, key: str) -> int:
        return int(self.left_out.get(key, 0))


@dataclass(frozen=True)
class Manifest:
    site_name: str
    site_code: str
    profile_name: str
    profile_version: str
    app_version: str
    exported_at: datetime
    batch_id: str
    files: tuple[ManifestFile, ...]
    courses: tuple[CourseCounts, ...] = ()
    format_version: int = FORMAT_VERSION
    # The site's Ed25519 signature (base64) of ``signed_bytes``; "" when the file is unsigned.
    signature: str = ""
    # What the signature is over: the manifest as read, canonical (see upload_signing).
    signed_bytes: bytes = field(default=b"", compare=False, repr=False)

    def file(self, kind: str) -> ManifestFile | None:
        return next((f for f in self.files if f.kind == kind), None)


# --------------------------------------------------------------------------- render


def render_manifest(data: Manifest, *, signer: Callable[[bytes], str] | None = None) -> str:
    """The manifest as JSON text (UTF-8, sorted as documented, a newline at the end).

    ``signer`` (canonical bytes -> base64 signature) signs it with the site's key; without
    one, a signature the manifest already carries is written as it is."""
    doc: dict[str, Any] = {
        "format": FORMAT,
        "format_version": data.format_version,
        "site": {"name": data.site_name, "code": data.site_code},
        "profile": {"name": data.profile_name, "version": data.profile_version},
        "app_version": data.app_version,
        "exported_at": data.exported_at.isoformat(timespec="seconds"),
        "batch_id": data.batch_id,
        "files": [
            {"name": f.name, "kind": f.kind, "rows": f.rows, "sha256": f.sha256} for f in data.files
        ],
        "courses": [
            {
                "course_code": c.course_code,
                "course_status": c.course_status,
                # Version 2 on: how the course was delivered (left out when not known).
                **(
                    {"delivery_mode": c.delivery_mode}
                    if data.format_version >= 2 and c.delivery_mode
                    else {}
                ),
                "status": {k: c.count(k) for k in STATUS_KEYS},
                "left_out": {k: c.left_out_count(k) for k in LEFT_OUT_KEYS},
            }
            for c in data.courses
        ],
    }
    signature = signer(canonical_bytes(doc)) if signer is not None else data.signature
    if signature:
        doc["signature"] = {"algorithm": ALGORITHM, "value": signature}
    return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"


# --------------------------------------------------------------------------- parse


class _Reader:
    """Typed reads with one sentence per problem, naming the field."""

    def __init__(self, data: Any, where: str):
        if not isinstance(data, dict):
            raise ManifestError(
                _("The manifest's {part} must be a JSON object; export again.").format(
                    part=where or _("top level")
                )
            )
        self.data = data
        self.where = where

    def fail(self, key: str, message: str, **values: object) -> ManifestError:
        """``message``: one whole sentence marked N_(), naming the {field} where the language
        puts it."""
        return ManifestError(_(message).format(field=f"{self.where}{key}", **values))

    def text(self, key: str, *, required: bool = True) -> str:
        value = self.data.get(key, None if required else "")
        if not isinstance(value, str):
            raise self.fail(
                key,
                N_("The manifest's {field} is missing or not text; ask the site to export again."),
            )
        value = value.strip()
        if required and not value:
            raise self.fail(
                key, N_("The manifest's {field} is empty; ask the site to export again.")
            )
        return value

    def count(self, key: str) -> int:
        value = self.data.get(key, 0)
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise self.fail(
                key,
                N_(
                    "The manifest's {field} must be a whole number, 0 or more; ask the site "
                    "to export again."
                ),
            )
        return value

    def sub(self, key: str) -> _Reader:
        return _Reader(self.data.get(key), f"{self.where}{key}.")


def parse_manifest(text: str) -> Manifest:
    """Read and check a manifest; raises ManifestError with one sentence at the first problem."""
    try:
        raw = json.loads(text)
    except ValueError:
        raise ManifestError(
            _(
                "The manifest is not valid JSON (it may have been edited); "
                "ask the site to export again."
            )
        ) from None
    r = _Reader(raw, "")
    if raw.get("format") != FORMAT:
        raise ManifestError(
            _("This is not an escape-desktop upload manifest; check the file name.")
        )
    version = raw.get("format_version")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise r.fail(
            "format_version",
            N_("The manifest's {field} must be a whole number; ask the site to export again."),
        )
    if version > FORMAT_VERSION:
        raise ManifestError(
            _(
                "The manifest is format version {version}, newer than this app reads "
                "({readable}); update escape-desktop."
            ).format(version=version, readable=FORMAT_VERSION)
        )
    site = r.sub("site")
    site_code = site.text("code")
    if not SITE_CODE_PATTERN.match(site_code):
        raise site.fail(
            "code",
            N_(
                "The manifest's {field} {value} is not a site code (capitals, digits "
                "and hyphens, 2 to 20); ask the site to export again."
            ),
            value=repr(site_code),
        )
    profile = r.sub("profile")
    exported_text = r.text("exported_at")
    try:
        exported_at = datetime.fromisoformat(exported_text)
    except ValueError:
        raise r.fail(
            "exported_at",
            N_(
                "The manifest's {field} {value} is not a date and time; ask the site to "
                "export again."
            ),
            value=repr(exported_text),
        ) from None
    files_raw = raw.get("files")
    if not isinstance(files_raw, list) or not files_raw:
        raise r.fail(
            "files",
            N_("The manifest's {field} must list at least one file; ask the site to export again."),
        )
    files = []
    for i, item in enumerate(files_raw, start=1):
        f = _Reader(item, f"files[{i}].")
        name = f.text("name")
        if Path(name).name != name or "/" in name or "\\" in name or name in (".", ".."):
            raise f.fail(
                "name",
                N_(
                    "The manifest's {field} must be a plain file name beside the manifest; "
                    "ask the site to export again."
                ),
            )
        kind = f.text("kind")
        if kind not in FILE_KINDS:
            raise f.fail(
                "kind",
                N_(
                    "The manifest's {field} must be one of {choices}; ask the site to export again."
                ),
                choices=", ".join(FILE_KINDS),
            )
        sha = f.text("sha256").lower()
        if not _SHA256.match(sha):
            raise f.fail(
                "sha256",
                N_(
                    "The manifest's {field} is not a SHA-256 (64 hexadecimal characters); "
                    "ask the site to export again."
                ),
            )
        files.append(ManifestFile(name, kind, f.count("rows"), sha))
    if sum(1 for f in files if f.kind == "main") != 1:
        raise r.fail(
            "files",
            N_(
                "The manifest's {field} must name exactly one main file; ask the site "
                "to export again."
            ),
        )
    courses_raw = raw.get("courses", [])
    if not isinstance(courses_raw, list):
        raise r.fail(
            "courses", N_("The manifest's {field} must be a list; ask the site to export again.")
        )
    courses = []
    seen: set[str] = set()
    for i, item in enumerate(courses_raw, start=1):
        c = _Reader(item, f"courses[{i}].")
        code = c.text("course_code")
        if code in seen:
            raise c.fail(
                "course_code",
                N_("The manifest's {field} {code} appears twice; ask the site to export again."),
                code=code,
            )
        seen.add(code)
        status = c.text("course_status")
        if status not in COURSE_STATUSES:
            raise c.fail(
                "course_status",
                N_(
                    "The manifest's {field} must be one of {choices}; ask the site to export again."
                ),
                choices=", ".join(COURSE_STATUSES),
            )
        st, lo = c.sub("status"), c.sub("left_out")
        mode = ""
        if version >= 2 and "delivery_mode" in c.data:
            mode = c.text("delivery_mode")
            if mode not in DELIVERY_MODES:
                raise c.fail(
                    "delivery_mode",
                    N_(
                        "The manifest's {field} must be one of {choices}; ask the site to "
                        "export again."
                    ),
                    choices=", ".join(DELIVERY_MODES),
                )
        courses.append(
            CourseCounts(
                code,
                status,
                {k: st.count(k) for k in STATUS_KEYS},
                {k: lo.count(k) for k in LEFT_OUT_KEYS},
                mode,
            )
        )
    signature = ""
    if "signature" in raw:
        sig = r.sub("signature")
        if sig.text("algorithm") != ALGORITHM:
            raise sig.fail(
                "algorithm",
                N_("The manifest's {field} must be {algorithm}; ask the site to export again."),
                algorithm=ALGORITHM,
            )
        signature = sig.text("value")
        if decode_b64(signature, SIGNATURE_BYTES) is None:
            raise sig.fail(
                "value",
                N_(
                    "The manifest's {field} is not an Ed25519 signature (base64 of 64 "
                    "bytes); ask the site to export again."
                ),
            )
    return Manifest(
        site_name=site.text("name"),
        site_code=site_code,
        profile_name=profile.text("name"),
        profile_version=profile.text("version", required=False),
        app_version=r.text("app_version"),
        exported_at=exported_at,
        batch_id=r.text("batch_id"),
        files=tuple(files),
        courses=tuple(courses),
        format_version=version,
        signature=signature,
        signed_bytes=canonical_bytes(raw),
    )


# --------------------------------------------------------------------------- files


def manifest_path_for(csv_path: Path | str) -> Path:
    """Where the manifest of an upload CSV lives: ``upload.csv`` -> ``upload.manifest.json``."""
    p = Path(csv_path)
    return p.with_name(f"{p.stem}.manifest.json")


def count_rows(data: bytes) -> int:
    """Data rows in a CSV's bytes (the header not counted; quoted line breaks kept in a row)."""
    text = data.decode("utf-8-sig")
    return max(sum(1 for _row in csv.reader(io.StringIO(text, newline=""))) - 1, 0)


def describe_file(path: Path | str, kind: str = "main") -> ManifestFile:
    """The manifest entry for a file as it is now on disk."""
    data = Path(path).read_bytes()
    return ManifestFile(Path(path).name, kind, count_rows(data), hashlib.sha256(data).hexdigest())
