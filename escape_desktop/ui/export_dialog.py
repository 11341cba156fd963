"""Export for central upload (placeholder until its own work lands)."""

from __future__ import annotations

from PySide6.QtWidgets import QMessageBox, QWidget

from escape_desktop.context import AppContext
from escape_desktop.ui.bus import ChangeBus


def open_export_dialog(
    ctx: AppContext, bus: ChangeBus, parent: QWidget | None = None, course_id: int | None = None
) -> None:
    QMessageBox.information(parent, "Export", "The central upload export is not ready yet.")
