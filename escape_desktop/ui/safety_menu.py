"""Data-safety actions added to the main window: backups, restore, passphrase, audit (placeholder)."""

from __future__ import annotations

from PySide6.QtWidgets import QMainWindow

from escape_desktop.context import AppContext
from escape_desktop.ui.bus import ChangeBus


def install(window: QMainWindow, ctx: AppContext, bus: ChangeBus) -> None:
    """Add the Data menu, idle lock and backup timers to ``window``."""


def on_close(window: QMainWindow, ctx: AppContext) -> None:
    """Called by the main window as it closes (backup on close)."""
