"""Start the desktop app: Qt application, log file, error hook, data folder, main window.

The start is arranged so the window paints as soon as a bare Qt window would, give or take:
the single-instance guard and the passphrase (if any) come first, then the window shows the
courses list (plain SQL, no SQLAlchemy). Right after that first paint the quick integrity check
starts on a worker thread and the window builds the rest (course view, register, undo, the
Data menu). Damage found by the check closes that window and offers the usual choices.
"""

from __future__ import annotations

import logging
import sys
from datetime import date
from pathlib import Path

from PySide6.QtCore import QObject, QTimer
from PySide6.QtWidgets import QApplication

from escape_desktop import __version__
from escape_desktop.context import AppContext
from escape_desktop.db.errors import KnownError
from escape_desktop.i18n import _, ngettext
from escape_desktop.ui.app.main_window import MainWindow, after_first_paint, create_main_window
from escape_desktop.ui.common import error_dialog
from escape_desktop.ui.common.worker import database_worker

log = logging.getLogger(__name__)

__all__ = ["Launcher", "create_main_window", "run"]


class Launcher(QObject):
    """Owns the open context and its window from the first paint to the end of the run."""

    def __init__(self, ctx: AppContext, today: date | None = None):
        super().__init__()
        self.ctx: AppContext | None = ctx
        self.today = today
        self.folder = Path(ctx.data_dir)
        self.key = ctx.db.key
        self.window: MainWindow | None = None
        self._check: QObject | None = None

    def start(self) -> bool:
        """Show the window; False when the app should stop (the user gave up on damaged data)."""
        assert self.ctx is not None
        try:
            # Looked up on the module each time, so a benchmark or test can watch it.
            window = sys.modules[__name__].create_main_window(self.ctx, self.today, deferred=True)
        except Exception as e:  # the first screen could not be read: a damaged file
            log.warning("the first screen could not be read: %r", e)
            text = str(e) if isinstance(e, KnownError) else ""
            return self._on_damage(
                [
                    text
                    or _("The data file could not be read ({error}).").format(
                        error=type(e).__name__
                    )
                ]
            )
        self.window = window
        window.set_checked(False)
        window.show()
        after_first_paint(window, self._after_paint)
        return True

    def _after_paint(self) -> None:
        window, ctx = self.window, self.ctx
        if window is None or ctx is None:
            return
        from escape_desktop.ui.app.startup import check_in_background

        try:
            self._check = check_in_background(ctx, self._on_checked, parent=self)
        except Exception as e:  # the check could not even start
            log.exception("the quick check could not start")
            self._on_checked(
                [_("The data file could not be checked ({error}).").format(error=type(e).__name__)]
            )
            return
        QTimer.singleShot(0, window.finish)  # builds while the check runs

    def _on_checked(self, problems: list[str]) -> None:
        if not problems:
            if self.window is not None:
                self.window.set_checked(True)
            return
        log.warning("the quick check found problems: %s", problems[:3])
        dropped = self.window.drop_held_writes() if self.window is not None else 0
        if dropped:  # typed while the check ran: not written to a damaged file
            note = ngettext(
                "The mark typed while the data file was being checked was not saved.",
                "The {n} marks typed while the data file was being checked were not saved.",
                dropped,
            ).format(n=dropped)
            problems = [f"{problems[0]} {note}", *problems[1:]]
        if not self._on_damage(problems):
            QApplication.quit()

    def _on_damage(self, problems: list[str]) -> bool:
        """Close the window on the damaged file and offer restore / read-only / quit."""
        from escape_desktop.ui.app.startup import damaged

        app = QApplication.instance()
        quit_on_close = isinstance(app, QApplication) and app.quitOnLastWindowClosed()
        if isinstance(app, QApplication):
            app.setQuitOnLastWindowClosed(False)  # the question box must not end the app
        try:
            old = self.window
            self.window = None
            if old is not None:
                old.hide()
                old.deleteLater()  # not close(): no backup of a damaged file on the way out
            if self.ctx is not None:
                self.ctx.close()
                self.ctx = None
            ctx = damaged(self.folder, self.key, problems, None)
            if ctx is None:
                return False
            self.ctx = ctx
            self.window = sys.modules[__name__].create_main_window(ctx, self.today)
            self.window.show()
            return True
        finally:
            if isinstance(app, QApplication):
                app.setQuitOnLastWindowClosed(quit_on_close)

    def current_window(self) -> MainWindow | None:
        """The window on screen: a restore onto an empty laptop replaces the first one."""
        window = self.window
        while window is not None and getattr(window, "replaced_by", None) is not None:
            window = window.replaced_by
        return window

    def close(self) -> None:
        if self.ctx is not None:
            self.ctx.close()
            self.ctx = None


def forget_source_lines() -> None:
    """Drop the source lines PySide6 read while modules were imported.

    PySide6's import hook (its ``__feature__`` support) reads the source of each module that
    imports from it, and Python's linecache keeps every line: about 6 MiB of text by the time
    the window is ready, never used again (a traceback reads what it needs afresh). Dropped
    before the window is built, and again once it is ready, that memory is reused rather than
    added to the peak (issue 29: 100 MiB once ready).
    """
    import linecache

    linecache.clearcache()


def run(data_dir: str | None) -> int:
    forget_source_lines()  # the imports are done; the Qt application is not made yet
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setApplicationName("escape-desktop")
    app.setApplicationDisplayName(_("ESCAPE-pain classes"))
    app.setApplicationVersion(__version__)
    app.setOrganizationName("escape-desktop")
    from escape_desktop.ui.common import qt_language

    qt_language.install()  # Qt's own buttons and menus in the window language, before any widget
    launcher: Launcher | None = None
    error_dialog.install_excepthook(
        lambda: launcher.current_window() if launcher is not None else None
    )
    from escape_desktop.ui.app import startup

    try:
        ctx = startup.open_for_window(data_dir)
    except Exception as e:  # a KnownError here (locked, newer, damaged) is shown as it is
        error_dialog.report(None, e, _("Could not open the data"))
        return 1
    if ctx is None:
        return 0
    path = error_dialog.setup_logging(ctx.data_dir)
    log.info("escape-desktop %s started; data folder %s; log %s", __version__, ctx.data_dir, path)
    launcher = Launcher(ctx)
    try:
        if not launcher.start():
            return 0
        return app.exec()
    finally:
        database_worker().waitForDone()  # a quick check still running ends first
        launcher.close()
