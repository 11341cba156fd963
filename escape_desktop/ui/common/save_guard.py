"""Save dialogs never put a file in the data folder, where it could replace the data or its key."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QWidget

from escape_desktop.i18n import N_, _
from escape_desktop.paths import inside_data_folder
from escape_desktop.ui.common import error_dialog

REFUSED = N_(
    "That is the folder where escape-desktop keeps the class data, and a file saved there could "
    "replace it. Choose another folder, such as Documents."
)


def refuse_data_folder(parent: QWidget | None, path: str | Path, data_dir: Path | None) -> bool:
    """True (after saying so) when ``path`` is inside the data folder; the caller then stops."""
    if inside_data_folder(Path(path), data_dir) is None:
        return False
    error_dialog.show_message(parent, _("Choose another folder"), _(REFUSED))
    return True
