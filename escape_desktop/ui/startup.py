"""Opening the data folder from the window: passphrase, one instance, integrity (placeholder)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QWidget

from escape_desktop.context import AppContext


def open_context_interactively(
    data_dir: str | Path | None, parent: QWidget | None = None
) -> AppContext | None:
    """The AppContext for the window, or None when the user gave up (the app then quits)."""
    return AppContext.open(data_dir)
