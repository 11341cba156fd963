"""When things go wrong: a rotating log in the data folder, and a short dialog saying what to do."""

from __future__ import annotations

import logging
import logging.handlers
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import Any

import shiboken6
from PySide6.QtWidgets import QMessageBox, QWidget

from escape_desktop.errors import KnownError
from escape_desktop.i18n import N_, _
from escape_desktop.paths import local_log_dir
from escape_desktop.services.privacy import folder_is_writable, make_private_folder, touch_private

log = logging.getLogger("escape_desktop")

LOG_NAME = "escape-desktop.log"
_log_path: Path | None = None


class PrivateRotatingFileHandler(logging.handlers.RotatingFileHandler):
    """Each log file (the first and every one after a rotation) is made user-only (0600)."""

    def _open(self):  # type: ignore[no-untyped-def]
        touch_private(self.baseFilename)
        return super()._open()


def setup_logging(data_dir: Path) -> Path:
    """Log to <data folder>/logs/escape-desktop.log, rotated at 1 MB, five files kept; data on
    a read-only stick or share logs to this laptop's per-user log folder instead."""
    global _log_path
    folder = Path(data_dir) / "logs"
    if not folder_is_writable(Path(data_dir)) or not folder_is_writable(folder):
        folder = local_log_dir()
    make_private_folder(folder)  # 0700, or a user-only ACL on Windows
    path = folder / LOG_NAME
    handler = PrivateRotatingFileHandler(path, maxBytes=1_000_000, backupCount=5, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    _log_path = path
    return path


def log_path() -> Path | None:
    return _log_path


def show_message(parent: QWidget | None, title: str, text: str, *, error: bool = False) -> None:
    """The one place messages are shown (tests replace it to read what the user would see)."""
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Critical if error else QMessageBox.Icon.Warning)
    box.setWindowTitle(title)
    box.setText(text)
    box.exec()


def unexpected_text(exc: BaseException) -> str:
    where = str(_log_path) if _log_path else _("the logs folder inside the data folder")
    return _(
        "Something went wrong that the app did not expect. Everything saved before this is "
        "safe.\n\nTry again; if it happens again, close and reopen the app.\n\nDetails were "
        "written to {where}; send that file to whoever supports the app.\n\n({error})"
    ).format(where=where, error=f"{type(exc).__name__}: {str(exc)[:200]}")


COULD_NOT = N_("Could not do that")


def report(parent: QWidget | None, exc: BaseException, title: str = COULD_NOT) -> None:
    """Show an error: a KnownError's own sentence as it is, anything else as 'unexpected'."""
    if isinstance(exc, KnownError):
        log.info("known error: %s", exc)
        show_message(parent, _(title), str(exc))
        return
    log.error(
        "unexpected error\n%s",
        "".join(traceback.format_exception(type(exc), exc, exc.__traceback__)),
    )
    show_message(parent, _("Something went wrong"), unexpected_text(exc), error=True)


def guarded(
    parent: QWidget | None, fn: Callable[..., Any], *args: Any, **kwargs: Any
) -> tuple[bool, Any]:
    """Run fn; on error show it and return (False, None) so the app stays usable."""
    try:
        return True, fn(*args, **kwargs)
    except Exception as e:  # shown to the user, logged when unexpected
        report(parent, e)
        return False, None


def install_excepthook(parent_getter: Callable[[], QWidget | None]) -> None:
    """Any exception that escapes a slot is logged and shown instead of killing the app."""
    showing = False

    def hook(kind: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        nonlocal showing
        if issubclass(kind, KeyboardInterrupt):
            sys.__excepthook__(kind, exc, tb)
            return
        log.error("uncaught exception\n%s", "".join(traceback.format_exception(kind, exc, tb)))
        if showing:  # one dialog at a time, even if errors repeat
            return
        showing = True
        try:
            parent = parent_getter()
            if parent is not None and not shiboken6.isValid(parent):
                parent = None  # the window is already gone (closing); show the dialog alone
            report(parent, exc)
        except Exception:  # never let the hook itself take the app down
            log.exception("could not show the error dialog")
        finally:
            showing = False

    sys.excepthook = hook
