"""Where things live: bundled resources, the user's data folder, and what must never be written over."""

from __future__ import annotations

import os
import sys
from pathlib import Path

APP_NAME = "escape-desktop"
DATA_DIR_ENV = "ESCAPE_DESKTOP_DATA_DIR"
REGISTRY_DIR_ENV = "ESCAPE_DESKTOP_REGISTRY_DIR"  # registry/store.py reads it
# The data and registry folders opened on this machine, newest first, so that an export
# aimed at one of them is refused even while another folder is in use.
RECENT_FILENAME = "recent-folders.json"
RECENT_LIMIT = 12
# A folder holding one of these is a data folder (class data, its key, or a registry).
DATA_MARKERS = ("escape.db", "key.json", "registry.db")
# A file with one of these names beside the installed program makes it portable: the data
# lives in data/ beside it (an encrypted USB stick carried between laptops).
PORTABLE_MARKERS = ("escape-desktop-portable", "escape-desktop-portable.txt")
PORTABLE_DATA = "data"
# IT's preset file: [escape-desktop] data_folder = ..., backup_folder = ...
PRESET_FILENAME = "escape-desktop.ini"


def _resources_root() -> Path:
    frozen = getattr(sys, "_MEIPASS", None)
    if frozen:
        return Path(frozen) / "resources"
    package_dir = Path(__file__).resolve().parent
    installed = package_dir / "resources"  # the wheel maps top-level resources/ here
    if installed.is_dir():
        return installed
    return package_dir.parent / "resources"  # a source checkout or editable install


def resource_path(*parts: str) -> Path:
    """Path of a bundled resource, the same in a checkout, a wheel and a frozen build."""
    return _resources_root().joinpath(*parts)


def program_folders() -> list[Path]:
    """Folders a portable marker may sit in: beside the frozen program, and on macOS beside
    the .app (the program itself is deep inside it, in Contents/MacOS)."""
    if not getattr(sys, "frozen", False):
        return []  # a source checkout or pip install is never portable
    exe_dir = Path(sys.executable).resolve().parent
    folders = [exe_dir]
    if exe_dir.name == "MacOS" and exe_dir.parent.name == "Contents":
        folders.append(exe_dir.parent.parent.parent)  # the folder holding escape-desktop.app
    return folders


def portable_data_dir() -> Path | None:
    """data/ beside the program when a portable marker file is there; otherwise None."""
    for folder in program_folders():
        if any((folder / marker).is_file() for marker in PORTABLE_MARKERS):
            return folder / PORTABLE_DATA
    return None


def preset_files() -> list[Path]:
    """Where IT may leave escape-desktop.ini: beside the installed program, and on Windows
    in %ProgramData%\\escape-desktop (machine-wide, writable by administrators only)."""
    files = [folder / PRESET_FILENAME for folder in program_folders()]
    program_data = os.environ.get("ProgramData") if os.name == "nt" else None
    if program_data:
        files.append(Path(program_data) / APP_NAME / PRESET_FILENAME)
    return files


def preset(key: str) -> str:
    """A value IT set in escape-desktop.ini ([escape-desktop] section), or "".

    %VARIABLES% (and $VARIABLES) are expanded, so one file can serve every user of a laptop:
    backup_folder = \\\\server\\escape-backups\\%USERNAME%
    """
    for path in preset_files():
        if not path.is_file():
            continue
        import configparser  # only when IT left a file: most starts have none

        parser = configparser.ConfigParser(interpolation=None)
        try:
            parser.read(path, encoding="utf-8-sig")  # Notepad may add a byte-order mark
        except (OSError, UnicodeDecodeError, configparser.Error):
            continue  # an unreadable preset is no preset; the app still starts
        value = parser.get(APP_NAME, key, fallback="").strip()
        if value:
            return os.path.expandvars(value)
    return ""


def default_data_dir() -> Path:
    portable = portable_data_dir()
    if portable is not None:
        return portable
    preset_folder = preset("data_folder")
    if preset_folder:
        return Path(preset_folder).expanduser()
    from platformdirs import user_data_dir

    return Path(user_data_dir(APP_NAME, appauthor=False))


def resolve_data_dir(explicit: str | os.PathLike[str] | None = None) -> Path:
    """--data-dir wins, then ESCAPE_DESKTOP_DATA_DIR, then portable data/ beside the program,
    then data_folder in IT's escape-desktop.ini, then the platform's per-user data folder."""
    if explicit:
        return Path(explicit).expanduser().resolve()
    env = os.environ.get(DATA_DIR_ENV)
    if env:
        return Path(env).expanduser().resolve()
    return default_data_dir()


def case_insensitive_files() -> bool:
    """Windows and (by default) macOS treat KEY.JSON and key.json as one file."""
    return os.name == "nt" or sys.platform == "darwin"


def _key(path: Path) -> tuple[str, ...]:
    parts = path.parts
    if os.name == "nt":
        parts = tuple(os.path.normcase(p) for p in parts)
    return tuple(p.casefold() for p in parts) if case_insensitive_files() else parts


def _resolved(path: str | os.PathLike[str]) -> Path:
    # resolve() follows symbolic links and removes "..", also for a file not there yet
    return Path(path).expanduser().absolute().resolve()


def is_inside(path: str | os.PathLike[str], folder: str | os.PathLike[str]) -> bool:
    """True when ``path`` is ``folder`` or anything in it, after links and '..' are followed."""
    inner, outer = _key(_resolved(path)), _key(_resolved(folder))
    return inner[: len(outer)] == outer


def _same_file_in(path: Path, folder: Path) -> bool:
    """A hard link elsewhere to a file of the data folder is that file too."""
    try:
        st = path.stat()
    except OSError:
        return False
    if st.st_nlink < 2:
        return False
    for root, _dirs, files in os.walk(folder):
        for name in files:
            try:
                other = os.stat(os.path.join(root, name))
            except OSError:
                continue
            if (other.st_ino, other.st_dev) == (st.st_ino, st.st_dev):
                return True
    return False


def recent_file() -> Path:
    """The per-user list of data folders opened (beside the user's settings, never in a data
    folder, so it outlives any one of them). A portable copy keeps it beside the program,
    leaving nothing on the laptop it is plugged into."""
    portable = portable_data_dir()
    if portable is not None:
        return portable.parent / RECENT_FILENAME
    from platformdirs import user_config_dir

    return Path(user_config_dir(APP_NAME, appauthor=False)) / RECENT_FILENAME


def recent_folders() -> list[Path]:
    """The data and registry folders opened here before, newest first ([] when unreadable)."""
    import json

    try:
        raw = json.loads(recent_file().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    if not isinstance(raw, list):
        return []
    return [Path(item) for item in raw[:RECENT_LIMIT] if isinstance(item, str) and item]


def holds_data(folder: Path) -> bool:
    return any((folder / name).exists() for name in DATA_MARKERS)


def remember_folder(folder: str | os.PathLike[str]) -> None:
    """Add ``folder`` to the recent list (private to the user; best effort: a list that
    cannot be written never stops the data from opening)."""
    import json

    try:
        where = _resolved(folder)
        if not holds_data(where):
            return
        known = [p for p in recent_folders() if _key(_resolved(p)) != _key(where)]
        items = [str(where), *(str(p) for p in known)][:RECENT_LIMIT]
        target = recent_file()
        target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        tmp = target.with_name(f".{target.name}.{os.getpid()}.part")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(items, f, ensure_ascii=False, indent=1)
        os.replace(tmp, target)
        if os.name != "nt":
            os.chmod(target, 0o600)
    except (OSError, ValueError, RuntimeError):
        return


def protected_folders(data_dir: str | os.PathLike[str] | None = None) -> list[Path]:
    """Every data and registry folder the app knows of on this machine: the one in use, the
    default one, the ones the environment names, and the ones opened recently (that still
    hold data). Nothing the user exports may go into any of them, with or without --force."""
    folders: list[Path] = []
    if data_dir is not None:
        folders.append(Path(data_dir))
    folders.append(default_data_dir())
    for name in (DATA_DIR_ENV, REGISTRY_DIR_ENV):
        value = os.environ.get(name)
        if value:
            folders.append(Path(value).expanduser())
    folders.extend(p for p in recent_folders() if p.is_dir() and holds_data(p))
    unique: list[Path] = []
    seen: set[tuple[str, ...]] = set()
    for folder in folders:
        try:
            key = _key(_resolved(folder))
        except (OSError, RuntimeError):
            continue
        if key not in seen:
            seen.add(key)
            unique.append(folder)
    return unique


def inside_data_folder(
    path: str | os.PathLike[str], data_dir: str | os.PathLike[str] | None = None
) -> Path | None:
    """The data folder that ``path`` lies in (or is a hard link into), or None.

    Exports, prints and copies must never land there: one file written over key.json or
    escape.db makes the data and every backup unreadable.
    """
    target = Path(path)
    for folder in protected_folders(data_dir):
        if is_inside(target, folder) or (folder.is_dir() and _same_file_in(target, folder)):
            return folder
    return None
