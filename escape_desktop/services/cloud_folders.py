"""Is a folder kept in sync with a cloud service? Health data must not go there by default.

On most NHS and council laptops Windows' "known folder move" puts Documents (and Desktop)
inside OneDrive, so a file dialog that starts in Documents would send named registers,
certificates and the recovery key to the cloud without anyone choosing it. This module tells,
from a path alone (and on Windows from OneDrive's own environment variables), which service
syncs a folder; it touches no file system, so it is tested with Windows and macOS paths on any
system. (A folder synced by a tool that leaves no mark in its path, such as macOS "Desktop &
Documents in iCloud", cannot be told this way.)
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path, PurePath, PureWindowsPath

__all__ = [
    "ONEDRIVE_ENV",
    "cloud_attributes",
    "local_export_folder",
    "synced_by",
    "synced_by_here",
]

# Set by the OneDrive client to the root of each synced OneDrive (work, personal).
ONEDRIVE_ENV = ("OneDrive", "OneDriveCommercial", "OneDriveConsumer")

# A folder name that is the root of a synced folder, whatever lies above it.
_ROOT_NAMES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^onedrive( - .+)?$", re.I), "OneDrive"),  # OneDrive, OneDrive - NHS Trust
    (re.compile(r"^onedrive-.+$", re.I), "OneDrive"),  # macOS CloudStorage/OneDrive-Personal
    (re.compile(r"^dropbox( \(.+\))?$", re.I), "Dropbox"),  # Dropbox, Dropbox (Team)
    (re.compile(r"^dropbox-.+$", re.I), "Dropbox"),  # macOS CloudStorage/Dropbox-Team
    (re.compile(r"^google ?drive$", re.I), "Google Drive"),
    (re.compile(r"^googledrive-.+$", re.I), "Google Drive"),  # macOS CloudStorage/GoogleDrive-x
    (re.compile(r"^icloud ?drive$", re.I), "iCloud"),  # Windows: C:\Users\x\iCloudDrive
    (re.compile(r"^com~apple~clouddocs$", re.I), "iCloud"),  # macOS Mobile Documents
    (re.compile(r"^mobile documents$", re.I), "iCloud"),  # ~/Library/Mobile Documents
)
# Google Drive for desktop on Windows mounts a drive (G:) holding these two folders.
_GOOGLE_DRIVE_TOPS = ("my drive", "shared drives")


def _windows_like(path: PurePath) -> bool:
    return isinstance(path, PureWindowsPath)


def _inside(path: PurePath, root: PurePath) -> bool:
    if _windows_like(path):  # NTFS names are case-insensitive
        a = [p.casefold() for p in path.parts]
        b = [p.casefold() for p in root.parts]
    else:
        a, b = list(path.parts), list(root.parts)
    return len(a) >= len(b) and a[: len(b)] == b


def synced_by(path: PurePath | str, env: Mapping[str, str] | None = None) -> str | None:
    """The cloud service keeping ``path`` in sync ("OneDrive", "Dropbox", "Google Drive",
    "iCloud"), or None for a local folder. ``env`` (default: this process's environment) is
    read for OneDrive's own variables when ``path`` is a Windows path."""
    if isinstance(path, str):
        path = Path(path)
    if not isinstance(path, PurePath):  # pragma: no cover - typed callers
        path = PurePath(path)
    if env is None:
        env = os.environ
    if _windows_like(path):
        for name in ONEDRIVE_ENV:
            root = env.get(name, "")
            if root and _inside(path, PureWindowsPath(root)):
                return "OneDrive"
        parts = path.parts
        if len(parts) > 1 and path.drive and parts[1].casefold() in _GOOGLE_DRIVE_TOPS:
            return "Google Drive"
    for part in path.parts[1:] if path.anchor else path.parts:
        for pattern, service in _ROOT_NAMES:
            if pattern.match(part):
                return service
    return None


def local_export_folder(
    documents: PurePath, home: PurePath, env: Mapping[str, str] | None = None
) -> PurePath:
    """Where file dialogs start before the user has chosen a folder: Documents when it is
    local, else a folder in the home folder (which known-folder move leaves on the laptop)."""
    if synced_by(documents, env) is None:
        return documents
    return home / "ESCAPE-pain files"


# Windows' Cloud Files API (OneDrive, and current Dropbox, Google Drive and iCloud clients)
# marks what it syncs: a reparse point with a cloud tag, or the pinned/unpinned/recall
# attributes of Files On-Demand. A renamed or redirected synced folder is found this way.
FILE_ATTRIBUTE_REPARSE_POINT = 0x400
FILE_ATTRIBUTE_PINNED = 0x80000
FILE_ATTRIBUTE_UNPINNED = 0x100000
FILE_ATTRIBUTE_RECALL_ON_OPEN = 0x40000
FILE_ATTRIBUTE_RECALL_ON_DATA_ACCESS = 0x400000
IO_REPARSE_TAG_CLOUD = 0x9000001A  # and CLOUD_1..CLOUD_F: 0x9000101A .. 0x9000F01A
_CLOUD_ATTRIBUTES = (
    FILE_ATTRIBUTE_PINNED
    | FILE_ATTRIBUTE_UNPINNED
    | FILE_ATTRIBUTE_RECALL_ON_OPEN
    | FILE_ATTRIBUTE_RECALL_ON_DATA_ACCESS
)


def cloud_attributes(file_attributes: int, reparse_tag: int = 0) -> bool:
    """True when Windows' attributes (os.stat's st_file_attributes, st_reparse_tag) mark a
    file or folder as managed by a cloud sync client."""
    if file_attributes & _CLOUD_ATTRIBUTES:
        return True
    return bool(
        file_attributes & FILE_ATTRIBUTE_REPARSE_POINT
        and reparse_tag & 0xFFFF0FFF == IO_REPARSE_TAG_CLOUD
    )


def synced_by_here(path: Path | str) -> str | None:
    """``synced_by`` for a real path on this computer; on Windows also the folder's own
    attributes (it or the nearest folder above it that exists): "a cloud service"."""
    path = Path(path)
    service = synced_by(path)
    if service is not None or os.name != "nt":
        return service
    for folder in (path, *path.parents):  # pragma: no cover - Windows only
        try:
            st = os.stat(folder, follow_symlinks=False)
        except OSError:
            continue
        attributes = getattr(st, "st_file_attributes", 0)
        if cloud_attributes(attributes, getattr(st, "st_reparse_tag", 0)):
            return "a cloud service"
    return None
