"""Change a person's level and target dose at one station."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QComboBox, QDialog, QDialogButtonBox, QFormLayout, QLineEdit, QWidget

from escape_desktop.i18n import _
from escape_desktop.services.circuit import Cell


class LevelDialog(QDialog):
    """Set a person's level and target dose for this session by hand."""

    def __init__(
        self,
        station_name: str,
        level_names: tuple[str, ...],
        cell: Cell,
        on_ok: Callable[[LevelDialog], bool],
        parent: QWidget | None = None,
    ):
        super().__init__(parent)
        self.on_ok = on_ok
        self.setWindowTitle(_("Level for {station}").format(station=station_name))
        form = QFormLayout(self)
        self.level = QComboBox(self)
        self.level.addItems(list(level_names))
        self.level.setCurrentIndex(cell.level)
        self.target = QLineEdit(f"{cell.target_dose:g}", self)
        form.addRow(_("&Level:"), self.level)
        form.addRow(_("&Target dose:"), self.target)

        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.accepted.connect(self._ok)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def _ok(self) -> None:
        if self.on_ok(self):  # on a mistake the message is shown and the dialog stays open
            self.accept()
