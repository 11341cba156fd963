"""Which disk a folder is on, so a backup USB stick is found again under another drive letter.

Windows gives a stick the first free letter: E: today, F: on the day a card reader was
plugged in first. A backup folder remembered only as ``E:\\escape-backups`` is then "missing"
although the stick is in, or the copies go to whatever other stick got E:. So when a backup
folder is chosen, the app writes a small marker file into it (a random id) and remembers,
beside the path, where the folder sits below its volume's root and the volume's serial
number and label (``GetVolumeInformationW`` on Windows; the file-system UUID and label from
``/dev/disk`` on Linux; the volume's name under ``/Volumes`` on macOS). Before each copy the
folder is looked for at its path, then at the same place below every mounted volume; only a
folder holding the same marker id, or one on a volume with the same serial number, counts.
"""

from __future__ import annotations

import json
import logging
import os
import re
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePath

log = logging.getLogger(__name__)

MARKER_FILENAME = "escape-desktop-backup-folder.json"
_ID_RE = re.compile(r"^[0-9a-f]{32}$")
# File systems that never hold a user's folder (Linux /proc/self/mounts types).
_PSEUDO = frozenset(
    "proc sysfs devtmpfs devpts cgroup cgroup2 securityfs pstore debugfs tracefs mqueue "
    "hugetlbfs fusectl configfs bpf autofs binfmt_misc squashfs efivarfs rpc_pipefs nsfs "
    "ramfs selinuxfs overlay".split()
)


@dataclass(frozen=True)
class Remembered:
    """What is kept about a chosen backup folder besides its path."""

    marker: str  # the id in the folder's marker file
    under: tuple[str, ...]  # the folder's names below its volume's root
    serial: str = ""  # the volume's serial number or file-system UUID, when known
    label: str = ""  # the volume's name, as people see it ("KINGSTON")

    def to_text(self) -> str:
        return json.dumps(
            {"marker": self.marker, "under": list(self.under), "serial": self.serial,
             "label": self.label},
            ensure_ascii=False,
        )  # fmt: skip

    @classmethod
    def from_text(cls, text: str) -> Remembered | None:
        """The stored text back, or None when it is missing or not ours."""
        try:
            data = json.loads(text)
            marker, under = data["marker"], data["under"]
            serial, label = str(data.get("serial", "")), str(data.get("label", ""))
        except (ValueError, TypeError, KeyError):
            return None
        if not isinstance(marker, str) or not _ID_RE.match(marker):
            return None
        if not isinstance(under, list) or not all(isinstance(p, str) for p in under):
            return None
        if any(p in ("", ".", "..") or "/" in p or "\\" in p for p in under):
            return None
        return cls(marker, tuple(under), serial, label)


# ---- the mounted volumes ------------------------------------------------------------------


def _unescape_mount(text: str) -> str:
    """/proc/self/mounts writes a space in a path as \\040 (and tab, newline, \\ likewise)."""
    return re.sub(r"\\([0-7]{3})", lambda m: chr(int(m.group(1), 8)), text)


def _linux_mounts() -> list[tuple[str, Path, str]]:
    """(device, mount point, type) for each mount, from /proc/self/mounts."""
    try:
        lines = Path("/proc/self/mounts").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return []
    found = []
    for line in lines.splitlines():
        fields = line.split()
        if len(fields) >= 3:
            found.append((_unescape_mount(fields[0]), Path(_unescape_mount(fields[1])), fields[2]))
    return found


def mount_points() -> list[Path]:
    """The roots of the volumes mounted now: drive letters on Windows, /Volumes/* on macOS,
    real file systems on Linux (pseudo ones such as /proc left out)."""
    if os.name == "nt":  # pragma: no cover - Windows only
        import ctypes

        mask = ctypes.WinDLL("kernel32").GetLogicalDrives()  # type: ignore[attr-defined]
        return [Path(f"{chr(65 + i)}:\\") for i in range(26) if mask & (1 << i)]
    if sys.platform == "darwin":  # pragma: no cover - macOS only
        try:
            return [Path("/"), *sorted(p for p in Path("/Volumes").iterdir() if p.is_dir())]
        except OSError:
            return [Path("/")]
    return [point for _dev, point, kind in _linux_mounts() if kind not in _PSEUDO]


def _key(path: PurePath) -> tuple[str, ...]:
    parts = path.parts
    return tuple(p.casefold() for p in parts) if os.name == "nt" else parts


def volume_root(path: Path) -> Path:
    """The root of the mounted volume ``path`` is on (the longest mount point holding it);
    the path's drive or / when none does."""
    path = Path(os.path.abspath(path))
    inner = _key(path)
    best: Path | None = None
    for point in mount_points():
        outer = _key(Path(os.path.abspath(point)))
        if inner[: len(outer)] == outer and (best is None or len(outer) > len(_key(best))):
            best = point
    return best if best is not None else Path(path.anchor)


def _linux_identity(root: Path) -> tuple[str, str]:
    device = next((dev for dev, point, _kind in _linux_mounts() if point == root), "")
    if not device.startswith("/dev/"):
        return "", ""
    real = os.path.realpath(device)

    def name_in(folder: str) -> str:
        try:
            for entry in os.scandir(folder):
                if os.path.realpath(entry.path) == real:
                    # udev writes a space in a label as \x20
                    return re.sub(r"\\x([0-9a-fA-F]{2})", lambda m: chr(int(m.group(1), 16)),
                                  entry.name)  # fmt: skip
        except OSError:
            pass
        return ""

    return name_in("/dev/disk/by-uuid"), name_in("/dev/disk/by-label")


def _windows_identity(root: Path) -> tuple[str, str]:  # pragma: no cover - Windows only
    import ctypes
    from ctypes import wintypes

    kernel = ctypes.WinDLL("kernel32", use_last_error=True)  # type: ignore[attr-defined]
    label = ctypes.create_unicode_buffer(261)
    fs_name = ctypes.create_unicode_buffer(261)
    serial = wintypes.DWORD()
    with _quiet_drives():
        ok = kernel.GetVolumeInformationW(
            ctypes.c_wchar_p(str(root)), label, 261, ctypes.byref(serial), None, None,
            fs_name, 261,
        )  # fmt: skip
    if not ok:
        return "", ""
    value = serial.value
    return f"{value >> 16:04X}-{value & 0xFFFF:04X}", label.value


def volume_identity(root: Path) -> tuple[str, str]:
    """(serial number or file-system UUID, label) of the volume mounted at ``root``; "" for
    what cannot be told (a network share, a system without /dev/disk)."""
    try:
        if os.name == "nt":  # pragma: no cover - Windows only
            return _windows_identity(root)
        if sys.platform == "darwin":  # pragma: no cover - macOS only
            return "", root.name if root.parent == Path("/Volumes") else ""
        return _linux_identity(root)
    except (OSError, AttributeError, ValueError) as e:
        log.info("Could not read the volume at %s: %s", root, e)
        return "", ""


@contextmanager
def _quiet_drives() -> Iterator[None]:
    """On Windows, no "There is no disk in the drive" box while an empty card reader is
    looked at (SetThreadErrorMode); nothing elsewhere."""
    if os.name != "nt":
        yield
    else:  # pragma: no cover - Windows only
        import ctypes

        kernel = ctypes.WinDLL("kernel32")  # type: ignore[attr-defined]
        old = ctypes.c_uint()
        kernel.SetThreadErrorMode(0x0001 | 0x8000, ctypes.byref(old))  # FAILCRITICAL, NOOPENFILE
        try:
            yield
        finally:
            kernel.SetThreadErrorMode(old.value, None)


# ---- the marker and the search -----------------------------------------------------------


def read_marker(folder: Path) -> str | None:
    """The id in ``folder``'s marker file; "" when the folder has none; None when the folder
    itself is not there."""
    path = Path(folder) / MARKER_FILENAME
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, UnicodeDecodeError):  # none, unreadable, or not ours
        return "" if Path(folder).is_dir() else None
    marker = data.get("marker") if isinstance(data, dict) else None
    return marker if isinstance(marker, str) and _ID_RE.match(marker) else ""


def write_marker(folder: Path, marker: str) -> None:
    """The marker file in ``folder`` (written whole: it is tiny)."""
    text = json.dumps(
        {
            "marker": marker,
            "what": "escape-desktop keeps copies of its backups here; this file lets it find "
            "this folder again when the drive gets another letter. Leave it in place.",
        },
        indent=1,
    )
    (Path(folder) / MARKER_FILENAME).write_text(text + "\n", encoding="utf-8")


def _never_marked(folder: Path) -> bool:
    """The root of the system's own disk is never a backup stick: no file is put there."""
    if folder.parent != folder:
        return False
    if os.name != "nt":
        return True
    system = os.environ.get("SystemDrive", "C:")  # pragma: no cover - Windows only
    return _key(folder) == _key(Path(system + "\\"))  # pragma: no cover


def remember(folder: Path) -> Remembered | None:
    """Mark a chosen backup folder (keeping an id already there) and say what identifies it;
    None when it is not there yet or cannot be written (then it is known by its path only)."""
    folder = Path(os.path.abspath(folder))
    if not folder.is_dir() or _never_marked(folder):
        return None
    marker = read_marker(folder) or uuid.uuid4().hex
    try:
        write_marker(folder, marker)
    except OSError as e:
        log.info("Could not mark the backup folder %s: %s", folder, e)
        return None
    root = volume_root(folder)
    serial, label = volume_identity(root)
    under = folder.parts[len(Path(os.path.abspath(root)).parts) :]
    return Remembered(marker, tuple(under), serial, label)


def find(path: Path, remembered: Remembered) -> Path | None:
    """Where the remembered backup folder is now: at ``path``, or at the same place below
    another mounted volume (the stick under another letter); None when it is not plugged in.

    A folder counts when it holds the same marker id; or, when its marker file is gone, when
    it is on a volume with the same serial number (its marker is then written again). A
    folder with another marker, or on another volume, is another stick's and never used.
    When the folder itself is gone but the very disk it was on is mounted where it was (a
    folder on the laptop's own D: deleted by hand), it is made again there."""
    path = Path(path)
    candidates = [path]
    with _quiet_drives():
        mounted = mount_points()
        for root in mounted:
            place = Path(root).joinpath(*remembered.under)
            if _key(place) != _key(path):
                candidates.append(place)
        markers = [(place, read_marker(place)) for place in candidates]
        for place, marker in markers:
            if marker == remembered.marker:
                return place
        if remembered.serial:
            for place, marker in markers:
                if marker == "" and volume_identity(volume_root(place))[0] == remembered.serial:
                    _mark_again(place, remembered)
                    return place
        if markers[0][1] is None and _same_disk_mounted(path, remembered, mounted):
            return path if _mark_again(path, remembered, make=True) else None
    return None


def _same_disk_mounted(path: Path, remembered: Remembered, mounted: list[Path]) -> bool:
    """The disk the folder was chosen on is mounted at the same place now."""
    if len(path.parts) <= len(remembered.under):
        return False
    root = Path(*path.parts[: len(path.parts) - len(remembered.under)])
    if _key(root) not in {_key(Path(m)) for m in mounted}:
        return False  # not mounted: a stick's empty mount folder, or a letter now free
    return volume_identity(root) == (remembered.serial, remembered.label)


def _mark_again(folder: Path, remembered: Remembered, make: bool = False) -> bool:
    try:
        if make:
            folder.mkdir(parents=True, exist_ok=True)
        write_marker(folder, remembered.marker)
    except OSError as e:
        log.info("Could not mark the backup folder %s again: %s", folder, e)
        return not make
    return True
