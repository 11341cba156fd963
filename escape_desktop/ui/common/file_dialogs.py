"""Every file dialog of the window: starts in a local folder, then in the last folder used.

The last folder is remembered in the data folder's ui.ini (beside the window's size), so a
second export or backup copy opens where the first went, not in the home folder.

Health data must not drift into the cloud: the first start folder is Documents only when
Documents is not synced (on many NHS laptops it is inside OneDrive), and saving into a folder
that OneDrive, Dropbox, Google Drive or iCloud keeps in sync asks once, in a plain sentence.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings, QStandardPaths
from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from escape_desktop.i18n import _
from escape_desktop.services.cloud_folders import local_export_folder, synced_by_here
from escape_desktop.services.privacy import make_private_folder, touch_private

UI_SETTINGS_FILE = "ui.ini"
LAST_FOLDER_KEY = "dialogs/last_folder"
CLOUD_OK_KEY = "dialogs/cloud_folders_allowed"  # synced folders the user said yes to


def documents_folder() -> Path:
    """The user's Documents folder (the home folder when the system has none)."""
    docs = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
    return Path(docs) if docs else Path.home()


def local_folder() -> Path:
    """The first start folder: Documents when it stays on the laptop, else a local folder
    (made when first needed) in the home folder."""
    folder = Path(local_export_folder(documents_folder(), Path.home()))
    if folder != documents_folder():
        try:
            make_private_folder(folder)  # exports of health data: this user's only
        except OSError:
            return Path.home()
    return folder


def _settings(data_dir: Path | str | None) -> QSettings | None:
    if data_dir is None:
        return None
    return ui_settings(Path(data_dir))


def ui_settings(data_dir: Path) -> QSettings:
    """The window's own settings (ui.ini in the data folder), a file only this user can read:
    made 0600 before Qt first writes it (Qt keeps a file's mode when it rewrites it)."""
    path = Path(data_dir) / UI_SETTINGS_FILE
    try:
        touch_private(path)
    except OSError:
        pass  # read-only media: Qt reads it (if there) and writes nothing
    return QSettings(str(path), QSettings.Format.IniFormat)


def start_folder(data_dir: Path | str | None) -> Path:
    """Where the next file dialog starts: the last folder used if it still exists, else a local
    (not cloud-synced) folder."""
    settings = _settings(data_dir)
    last = settings.value(LAST_FOLDER_KEY) if settings is not None else None
    if isinstance(last, str) and last and Path(last).is_dir():
        return Path(last)
    return local_folder()


def _allowed(settings: QSettings | None) -> list[str]:
    value = settings.value(CLOUD_OK_KEY) if settings is not None else None
    if isinstance(value, str):
        return [value] if value else []
    return [str(v) for v in value] if isinstance(value, list) else []


def cloud_ok(parent: QWidget | None, data_dir: Path | str | None, chosen: str | Path) -> bool:
    """True to go ahead with ``chosen``: it is local, or the user agreed (once per folder) that
    a file there is copied to the cloud service syncing it."""
    path = Path(chosen)
    folder = path if path.is_dir() else path.parent
    service = synced_by_here(folder)
    if service is None:
        return True
    settings = _settings(data_dir)
    key = str(folder).casefold()
    if key in _allowed(settings):
        return True
    answer = QMessageBox.question(
        parent,
        _("Save to a cloud folder?"),
        _(
            "{folder} is kept in sync by {service}, so what you save there (people's names and "
            "health details) is copied to {service}'s servers. Save there anyway? Choose No to "
            "pick a folder on this laptop."
        ).format(folder=folder, service=service),
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
        QMessageBox.StandardButton.No,
    )
    if answer != QMessageBox.StandardButton.Yes:
        return False
    if settings is not None:
        settings.setValue(CLOUD_OK_KEY, [*_allowed(settings), key])
        settings.sync()
    return True


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
    """The file the user chose to save to (a name alone starts in the usual folder), or "".

    A file in a cloud-synced folder is asked about first; No opens the dialog again in a
    local folder."""
    start = _start(data_dir, suggested)
    while True:
        path, _ = QFileDialog.getSaveFileName(parent, title, start, filters)
        if not path or cloud_ok(parent, data_dir, path):
            break
        start = str(local_folder() / Path(path).name)
    if path:
        remember_folder(data_dir, path)
    return path


def choose_folder(parent: QWidget | None, data_dir: Path | str | None, title: str) -> str:
    """The folder the user chose, or "" (a cloud-synced one is asked about first)."""
    start = str(start_folder(data_dir))
    while True:
        path = QFileDialog.getExistingDirectory(parent, title, start)
        if not path or cloud_ok(parent, data_dir, Path(path) / "x"):
            break
        start = str(local_folder())
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
