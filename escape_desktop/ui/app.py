"""Start the desktop app: Qt application, log file, error hook, data folder, main window."""

from __future__ import annotations

import logging
import sys
from datetime import date

from PySide6.QtWidgets import QApplication

from escape_desktop import __version__
from escape_desktop.context import AppContext
from escape_desktop.ui import error_dialog, style
from escape_desktop.ui.main_window import MainWindow, install_safety_menu

log = logging.getLogger(__name__)


def create_main_window(ctx: AppContext, today: date | None = None) -> MainWindow:
    """The main window on an open context, with the Data menu installed (used by run, tests, benchmarks)."""
    from escape_desktop.services import settings as settings_service

    app = QApplication.instance()
    if isinstance(app, QApplication):
        style.apply(app, settings_service.load(ctx).large_text)
    window = MainWindow(ctx, today=today)
    install_safety_menu(window)
    return window


def run(data_dir: str | None) -> int:
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setApplicationName("escape-desktop")
    app.setApplicationDisplayName("ESCAPE-pain classes")
    app.setApplicationVersion(__version__)
    app.setOrganizationName("escape-desktop")
    window: MainWindow | None = None
    error_dialog.install_excepthook(lambda: window)
    from escape_desktop.ui.startup import open_context_interactively

    try:
        ctx = open_context_interactively(data_dir)
    except Exception as e:  # a KnownError here (locked, newer, damaged) is shown as it is
        error_dialog.report(None, e, "Could not open the data")
        return 1
    if ctx is None:
        return 0
    path = error_dialog.setup_logging(ctx.data_dir)
    log.info("escape-desktop %s started; data folder %s; log %s", __version__, ctx.data_dir, path)
    try:
        window = create_main_window(ctx)
        window.show()
        return app.exec()
    finally:
        ctx.close()
