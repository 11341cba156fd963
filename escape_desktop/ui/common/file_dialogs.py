"""Every file dialog of the window: starts in Documents, then in the last folder used.

The last folder is remembered in the data folder's ui.ini (beside the window's size), so a
second export or backup copy opens where the first went, not in the home folder.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings, QStandardPaths
from PySide6.QtWidgets import QFileDialog, QWidget

UI_SETTINGS_FILE = "ui.ini"
LAST_FOLDER_KEY = "dialogs/last_folder"


def documents_folder() -> Path:
    """The user's Documents folder (the home folder when the system has none)."""
    docs = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
    return Path(docs) if docs else Path.home()


def _settings(data_dir: Path | str | None) -> QSettings | None:
    if data_dir is None:
        return None
    return QSettings(str(Path(data_dir) / UI_SETTINGS_FILE), QSettings.Format.IniFormat)


def start_folder(data_dir: Path | str | None) -> Path:
    """Where the next file dialog starts: the last folder used if it still exists, else Documents."""
    settings = _settings(data_dir)
    last = settings.value(LAST_FOLDER_KEY) if settings is not None else None
    if isinstance(last, str) and last and Path(last).is_dir():
        return Path(last)
    return documents_folder()


def remember_folder(data_dir: Path | str | None, chosen: str | Path) -> None:
    """Keep the folder of a chosen file (or a chosen folder) for the next dialog."""
    settings = _settings(data_dir)
    if settings is None or not chosen:
        return
    path = Path(chosen)
    folder = path if path.is_dir() else path.parent
    settings.setValue(LAST_FOLDER_KEY, str(folder))
    settings.sync()


def _start(data_dir: Path | str | None, suggested: str | Path) -> str:
    """A suggested name is put in the start folder; a suggested full path is kept as it is."""
    suggested = str(suggested)
    if suggested and Path(suggested).is_absolute():
        return suggested
    folder = start_folder(data_dir)
    return str(folder / suggested) if suggested else str(folder)


def open_file(
    parent: QWidget | None,
    data_dir: Path | str | None,
    title: str,
    filters: str,
    start: str | Path = "",
) -> str:
    """The file the user chose to open, or "" when they cancelled."""
    path, _ = QFileDialog.getOpenFileName(parent, title, _start(data_dir, start), filters)
    if path:
        remember_folder(data_dir, path)
    return path


def save_file(
    parent: QWidget | None,
    data_dir: Path | str | None,
    title: str,
    suggested: str | Path,
    filters: str,
) -> str:
    """The file the user chose to save to (a name alone starts in the usual folder), or ""."""
    path, _ = QFileDialog.getSaveFileName(parent, title, _start(data_dir, suggested), filters)
    if path:
        remember_folder(data_dir, path)
    return path


def choose_folder(parent: QWidget | None, data_dir: Path | str | None, title: str) -> str:
    """The folder the user chose, or ""."""
    path = QFileDialog.getExistingDirectory(parent, title, str(start_folder(data_dir)))
    if path:
        remember_folder(data_dir, path)
    return path


def typed_path(text: str) -> str:
    """A path as typed or pasted in a box: spaces trimmed, and the double quotes that
    Windows Explorer's "Copy as path" puts round it taken off."""
    name = text.strip()
    if len(name) >= 2 and name[0] == name[-1] == '"':
        name = name[1:-1].strip()
    return name
