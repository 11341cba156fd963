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
# The instructor's own choices on this machine (the window's language), beside the recent list.
PREFERENCES_FILENAME = "preferences.ini"
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


def machine_preset_files() -> list[Path]:
    """The machine-wide preset: on Windows %ProgramData%\\escape-desktop\\escape-desktop.ini.

    Any local user may create files under %ProgramData% (its default ACL lets Users add
    folders), so this file is honoured only when ``machine_preset_trusted`` says an
    administrator owns it and ordinary users cannot change it."""
    program_data = os.environ.get("ProgramData") if os.name == "nt" else None
    return [Path(program_data) / APP_NAME / PRESET_FILENAME] if program_data else []


def preset_files() -> list[Path]:
    """Where IT may leave escape-desktop.ini: beside the installed program, and on Windows
    in %ProgramData%\\escape-desktop (honoured only if writable by administrators alone)."""
    return [folder / PRESET_FILENAME for folder in program_folders()] + machine_preset_files()


def posix_admin_only(st: os.stat_result) -> bool:
    """A file only root can change: owned by root, not writable by its group or others."""
    return st.st_uid == 0 and not st.st_mode & 0o022


# Windows: the owner must be Administrators, SYSTEM or TrustedInstaller, and no ACE that applies
# to the file may give Users, Authenticated Users, Everyone, INTERACTIVE or the file's creator
# any right to write, append, delete, or change its ACL or owner.
WINDOWS_ADMIN_OWNERS = ("S-1-5-32-544", "S-1-5-18",
                        "S-1-5-80-956008885-3418522649-1831038044-1853292631-2271478464")  # fmt: skip
WINDOWS_ORDINARY_USERS = ("S-1-5-32-545", "S-1-5-11", "S-1-1-0", "S-1-5-4", "S-1-3-0", "S-1-3-4")
WINDOWS_WRITE_RIGHTS = (
    0x2 | 0x4 | 0x10 | 0x100 | 0x10000 | 0x40000 | 0x80000 | 0x10000000 | 0x40000000
)  # write/append data, write EA/attributes, delete, WRITE_DAC, WRITE_OWNER, GENERIC_ALL/WRITE


def windows_admin_only(path: Path) -> bool:  # pragma: no cover - runs on Windows only
    """Read the file's owner and DACL (GetNamedSecurityInfoW) and apply the rule above; False
    when they cannot be read (fail closed: the preset is then ignored, and the log says so)."""
    import ctypes
    from ctypes import wintypes

    advapi = ctypes.WinDLL("advapi32", use_last_error=True)  # type: ignore[attr-defined]
    kernel = ctypes.WinDLL("kernel32", use_last_error=True)  # type: ignore[attr-defined]
    owner, dacl, sd = ctypes.c_void_p(), ctypes.c_void_p(), ctypes.c_void_p()
    SE_FILE_OBJECT, OWNER_INFO, DACL_INFO = 1, 0x1, 0x4
    err = advapi.GetNamedSecurityInfoW(
        str(path), SE_FILE_OBJECT, OWNER_INFO | DACL_INFO, ctypes.byref(owner), None,
        ctypes.byref(dacl), None, ctypes.byref(sd),
    )  # fmt: skip
    if err != 0:
        return False

    def sid_text(sid: int | None) -> str:
        text = wintypes.LPWSTR()
        if not advapi.ConvertSidToStringSidW(ctypes.c_void_p(sid), ctypes.byref(text)):
            return ""
        value = text.value or ""
        kernel.LocalFree(text)
        return value

    try:
        if sid_text(owner.value) not in WINDOWS_ADMIN_OWNERS:
            return False
        if not dacl.value:
            return False  # a NULL DACL lets everyone write
        count = ctypes.c_ushort.from_address(dacl.value + 4).value  # ACL.AceCount
        for i in range(count):
            ace = ctypes.c_void_p()
            if not advapi.GetAce(ctypes.c_void_p(dacl.value), i, ctypes.byref(ace)):
                return False
            assert ace.value is not None
            ace_type = ctypes.c_ubyte.from_address(ace.value).value
            flags = ctypes.c_ubyte.from_address(ace.value + 1).value
            if ace_type != 0 or flags & 0x08:  # only ACCESS_ALLOWED, not inherit-only
                continue
            mask = ctypes.c_uint32.from_address(ace.value + 4).value
            if mask & WINDOWS_WRITE_RIGHTS and sid_text(ace.value + 8) in WINDOWS_ORDINARY_USERS:
                return False
        return True
    finally:
        kernel.LocalFree(sd)


def machine_preset_trusted(path: Path) -> bool:
    """True when only administrators can have written ``path`` (see machine_preset_files)."""
    try:
        st = os.stat(path)
    except OSError:
        return False
    if os.name == "nt":  # pragma: no cover - Windows only
        try:
            return windows_admin_only(path)
        except (OSError, AttributeError, ValueError):
            return False
    return posix_admin_only(st)


def preset(key: str) -> str:
    """A value IT set in escape-desktop.ini ([escape-desktop] section), or "".

    %VARIABLES% (and $VARIABLES) are expanded, so one file can serve every user of a laptop:
    data_folder = D:\\ClassData\\%USERNAME%
    """
    machine_wide = machine_preset_files()
    for path in preset_files():
        if not path.is_file():
            continue
        if path in machine_wide and not machine_preset_trusted(path):
            import logging

            logging.getLogger(__name__).warning(
                "Ignored %s: ordinary users can change it (only a file administrators alone can "
                "write is honoured)", path,
            )  # fmt: skip
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


def local_log_dir() -> Path:
    """Where the window logs when its data folder cannot be written to (a read-only stick or
    share): the platform's per-user log folder on this laptop, never the read-only folder."""
    from platformdirs import user_log_dir

    return Path(user_log_dir(APP_NAME, appauthor=False))


def recent_file() -> Path:
    """The per-user list of data folders opened (beside the user's settings, never in a data
    folder, so it outlives any one of them). A portable copy keeps it beside the program,
    leaving nothing on the laptop it is plugged into."""
    portable = portable_data_dir()
    if portable is not None:
        return portable.parent / RECENT_FILENAME
    from platformdirs import user_config_dir

    return Path(user_config_dir(APP_NAME, appauthor=False)) / RECENT_FILENAME


def preferences_file() -> Path:
    """The per-user preferences (the window's language): the user's, not the site's, so it is
    beside the recent list and never in a data folder, and it is read before any data is open."""
    return recent_file().with_name(PREFERENCES_FILENAME)


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
