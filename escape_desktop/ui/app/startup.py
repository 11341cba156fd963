"""Opening the data folder from the window: one instance, passphrase, quick check, damage.

The window's own start (``open_for_window``) leaves the quick check out: ``check_in_background``
runs it after the first paint, and damage found then leads to the same choices (``damaged``).
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QApplication, QDialog, QMessageBox, QWidget

from escape_desktop.context import AppContext
from escape_desktop.db.errors import KnownError, NewerDatabase
from escape_desktop.i18n import N_, _, ui_date
from escape_desktop.paths import resolve_data_dir
from escape_desktop.services import data_safety
from escape_desktop.services.data_safety import FolderState, State
from escape_desktop.ui.app.single_instance import ALREADY_OPEN, SingleInstance
from escape_desktop.ui.common import error_dialog

# Imported when needed (a new or encrypted folder, damaged data), not on every start:
# escape_desktop.services.backups, escape_desktop.ui.safety.passphrase_dialog.

log = logging.getLogger(__name__)

TITLE = N_("ESCAPE-pain classes")


def _ask(parent: QWidget | None, title: str, text: str, buttons: list[str]) -> int:
    """A question box; returns the index of the button clicked (-1 when closed)."""
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Warning)
    box.setWindowTitle(title)
    box.setText(text)
    made = [box.addButton(b, QMessageBox.ButtonRole.AcceptRole) for b in buttons]
    box.exec()
    clicked = box.clickedButton()
    return made.index(clicked) if clicked in made else -1


RESTORE_CHOSEN = 3  # the first-run passphrase dialog's "Restore from a backup…" button


def _first_run_key(folder: Path, parent: QWidget | None) -> tuple[bool, bytes | None, bool]:
    """(go on, key, restored): a new data folder asks for a passphrase, or none for demo data,
    or restores a backup made on another laptop (which brings its own passphrase)."""
    from PySide6.QtWidgets import QDialogButtonBox

    from escape_desktop.ui.app import restore_flow
    from escape_desktop.ui.safety.passphrase_dialog import ChoosePassphraseDialog, RecoveryKeyDialog

    while True:
        dialog = ChoosePassphraseDialog(parent)
        box = dialog.findChild(QDialogButtonBox)
        if box is not None:
            restore = box.addButton(
                _("Restore from a backup…"), QDialogButtonBox.ButtonRole.ResetRole
            )
            restore.setToolTip(_("A new laptop: bring back the class data from a backup."))
            restore.clicked.connect(lambda _c=False, d=dialog: d.done(RESTORE_CHOSEN))
        result = dialog.exec()
        if result == RESTORE_CHOSEN:
            opened = restore_flow.ask_for_backup(parent)
            if opened is None:
                continue  # back to the first question
            try:
                return True, restore_flow.restore_into(folder, opened, parent), True
            except KnownError as e:
                error_dialog.show_message(parent, _(restore_flow.TITLE), str(e))
                continue
        if result == ChoosePassphraseDialog.SKIPPED:
            return True, None, False
        if result != QDialog.DialogCode.Accepted:
            return False, None, False
        made = data_safety.new_key(folder, dialog.passphrase_text)
        RecoveryKeyDialog(made.recovery_code, parent).exec()
        return True, made.key, False


def _unlock(folder: Path, parent: QWidget | None) -> tuple[bool, bytes | None]:
    from escape_desktop.ui.safety.passphrase_dialog import UnlockDialog

    dialog = UnlockDialog(folder, parent)
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return False, None
    return True, dialog.key


def _guard(folder: Path, parent: QWidget | None) -> SingleInstance | None:
    guard = SingleInstance(folder)
    if guard.acquire():
        app = QApplication.instance()
        if app is not None:
            guard.setParent(app)  # lives as long as the app; safety_menu finds it there
        return guard
    if guard.reason:
        error_dialog.show_message(parent, _(TITLE), guard.reason)
        return None
    # The running window came forward; say so, or a second double-click seems to do nothing.
    print(_(ALREADY_OPEN), file=sys.stderr)
    error_dialog.show_message(parent, _(TITLE), _(ALREADY_OPEN))
    return None


def open_context_interactively(
    data_dir: str | Path | None, parent: QWidget | None = None, *, check: bool = True
) -> AppContext | None:
    """The AppContext for the window, or None when the user gave up (the app then quits).

    With ``check`` the quick integrity check runs first, and damage is dealt with here.
    """
    folder = resolve_data_dir(data_dir)
    data_safety.make_folder(folder)  # private from the start, as the command line makes it
    guard = _guard(folder, parent)
    if guard is None:
        return None
    ctx = _open(folder, parent, check)
    if ctx is None:
        guard.release()
        guard.deleteLater()
    return ctx


def open_for_window(
    data_dir: str | Path | None, parent: QWidget | None = None
) -> AppContext | None:
    """As the app starts: everything of open_context_interactively but the quick check, which
    the window runs after its first paint (check_in_background); the guard and the
    passphrase still come first."""
    return open_context_interactively(data_dir, parent, check=False)


def check_in_background(
    ctx: AppContext, on_result: Callable[[list[str]], None], parent: QObject | None = None
) -> QObject:
    """Run the quick integrity check off the GUI thread; ``on_result(problems)`` on the GUI
    thread, with an empty list when the file is healthy. Keep the returned object alive."""
    # Plain SQL on a driver connection of the worker's own: no SQLAlchemy before the window
    # is ready to mark (issue 29).
    from escape_desktop.db.integrity import integrity_problems
    from escape_desktop.ui.common.worker import run_in_background

    def failed(e: BaseException) -> None:
        log.error("the quick check could not run: %r", e)
        on_result(
            [_("The data file could not be checked ({error}).").format(error=type(e).__name__)]
        )

    return run_in_background(
        lambda _progress: integrity_problems(ctx.db, full=False, plain=True),
        on_done=on_result,
        on_error=failed,
        parent=parent,
    )


def _open(folder: Path, parent: QWidget | None, check: bool = True) -> AppContext | None:
    """Ask the data folder's state once and present it: unlock, first run, or attention."""
    seen = data_safety.look_at(folder)
    restored = False
    key: bytes | None = None
    if seen.state is State.LOCKED:
        go_on, key = _unlock(folder, parent)
    elif seen.state is State.NEW:
        go_on, key, restored = _first_run_key(folder, parent)
    elif seen.state is State.MISSING:
        return _attention(seen, parent)
    else:
        go_on = True
    if not go_on:
        return None
    try:
        seen = data_safety.open_data(folder, key, check=check)
    except NewerDatabase as e:
        error_dialog.show_message(parent, _(TITLE), str(e))
        return None
    if seen.ctx is None:  # MISSING or DAMAGED
        return _attention(seen, parent)
    if restored:
        from escape_desktop.ui.app.restore_flow import fresh_backup

        fresh_backup(seen.ctx)  # this laptop's own backups start now
    show_pending_recovery_key(seen.ctx, parent)
    return seen.ctx


def show_pending_recovery_key(ctx: AppContext, parent: QWidget | None) -> None:
    """A re-key or encryption a kill interrupted made a recovery key never confirmed as
    written down: show it at every start until the instructor ticks that they have it."""
    code = data_safety.pending_recovery_code(ctx.data_dir, ctx.db.key)
    if code is None:
        return
    from escape_desktop.ui.safety.passphrase_dialog import RecoveryKeyDialog

    if RecoveryKeyDialog(code, parent).exec() and not ctx.read_only_media:
        # On a read-only stick the tick cannot be kept: the key is shown again next time.
        data_safety.confirm_recovery_key(ctx.data_dir)


def damaged(
    folder: Path, key: bytes | None, problems: list[str], parent: QWidget | None = None
) -> AppContext | None:
    """Damage found (before or after the window opened): restore, look read-only, or quit."""
    return _attention(data_safety.needs_attention(folder, key, problems[0]), parent)


def _attention(seen: FolderState, parent: QWidget | None) -> AppContext | None:
    """MISSING or DAMAGED: explain, then offer the newest good backup, read-only, or quit."""
    from escape_desktop.db.errors import DAMAGED_SENTENCE

    newest = seen.newest
    # The command line refuses writes with the same first sentence.
    text = _(DAMAGED_SENTENCE) + "\n\n"
    text += _("What was found: {problem}").format(problem=seen.problem) + "\n\n"
    choices: list[tuple[str, str]] = []
    if newest is not None:
        text += _(
            "The newest good backup is from {day} at {time}. Restoring it puts that copy in "
            "place; the damaged file is kept aside, not deleted."
        ).format(day=ui_date(newest.made_at.date(), "long"), time=f"{newest.made_at:%H:%M}")
        choices.append(("restore", _("Restore the backup")))
    else:
        text += _(
            "No good backup was found in the data folder. Ask for help before typing anything."
        )
    choices += [("look", _("Look only (read-only)")), ("quit", _("Quit"))]
    answer = _ask(parent, _("The data needs attention"), text, [c[1] for c in choices])
    picked = choices[answer][0] if 0 <= answer < len(choices) else "quit"
    if picked == "restore" and newest is not None:
        try:
            ctx = data_safety.restore_newest(seen)
        except Exception as e:
            error_dialog.report(parent, e, _("Could not restore the backup"))
            return None
        error_dialog.show_message(
            parent,
            _(TITLE),
            _(
                "The backup from {day} {time} is back in place. Anything typed after that time "
                "needs entering again."
            ).format(day=ui_date(newest.made_at.date()), time=f"{newest.made_at:%H:%M}"),
        )
        return ctx
    if picked == "look":
        try:
            return AppContext.open(seen.folder, key=seen.key, read_only=True, migrate=False)
        except Exception as e:
            error_dialog.report(parent, e, _("Could not open the data even to look"))
            return None
    return None
