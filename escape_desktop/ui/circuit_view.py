"""The course's Circuit section (placeholder until its own work lands)."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from escape_desktop.context import AppContext
from escape_desktop.ui.bus import ChangeBus


class CircuitSection(QWidget):
    """Contract: built once by the main window; set_course() is called when the course changes."""

    def __init__(self, ctx: AppContext, bus: ChangeBus, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.bus = bus
        self.course_id: int | None = None
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("Circuit: coming soon."))

    def set_course(self, course_id: int | None) -> None:
        self.course_id = course_id
