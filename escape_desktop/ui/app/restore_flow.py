"""Restore from a backup onto this laptop: first run, or a data folder that holds nothing yet.

The backup is opened (passphrase, recovery key, or none for a plain one) and checked before
anything in the data folder is touched; the restored data then gets a fresh backup of its own,
which starts this laptop's backup schedule.
"""

from __future__ import annotations

import html
import logging
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from escape_desktop.context import AppContext
from escape_desktop.db.errors import KnownError
from escape_desktop.i18n import N_, _
from escape_desktop.services import data_safety
from escape_desktop.ui.common import error_dialog, file_dialogs, style
from escape_desktop.ui.common.announce import LiveLabel

log = logging.getLogger(__name__)

TITLE = N_("Restore from a backup")
FILTER = N_("Backups (*.db);;All files (*)")
ASIDE_PREFIX = data_safety.ASIDE_PREFIX


missing_key_sentence = data_safety.missing_key_sentence


def data_is_empty(ctx: AppContext) -> bool:
    """True when this data holds no course and no person (a fresh laptop, nothing to lose)."""
    with ctx.db.raw_read() as conn:
        courses = conn.execute("SELECT count(*) FROM courses").fetchone()[0]
        people = conn.execute("SELECT count(*) FROM participants").fetchone()[0]
    return not courses and not people


class RestoreDialog(QDialog):
    """The passphrase (or recovery key) for one backup file; checks it before anything is written.

    On accept: ``key`` opens the backup (None for a plain one) and ``recovery_code`` is set when
    the recovery key was used.
    """

    def __init__(self, source: Path, parent: QWidget | None = None):
        super().__init__(parent)
        from escape_desktop.db.files import is_plain_sqlite

        self.source = Path(source)
        self.plain = is_plain_sqlite(self.source)
        self.key: bytes | None = None
        self.passphrase_text: str | None = None
        self.recovery_code: str | None = None
        self.using_recovery = False
        self.setWindowTitle(_(TITLE))
        self.setMinimumWidth(520)
        layout = QVBoxLayout(self)
        name = html.escape(self.source.name)
        if self.plain:
            told = _(
                "Restore <b>{file}</b> onto this laptop. This backup has no passphrase, so "
                "nothing more is needed."
            )
        else:
            told = _(
                "Restore <b>{file}</b> onto this laptop. Type the passphrase that opened the "
                "class data on the laptop it came from."
            )
        intro = QLabel(told.format(file=name))
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.passphrase = QLineEdit()
        self.passphrase.setEchoMode(QLineEdit.EchoMode.Password)
        self.passphrase.setPlaceholderText(_("Passphrase"))
        self.passphrase.setAccessibleName(_("Passphrase of the backup"))
        self.recovery = QLineEdit()
        self.recovery.setAccessibleName(_("Recovery key"))
        self.recovery.setPlaceholderText(_("Recovery key: ABCD-EFGH-JKLM-NPQR-STUV-WXYZ"))
        self.recovery.hide()
        self.use_recovery = QPushButton(_("Use the recovery key instead"))
        self.use_recovery.setFlat(True)
        self.use_recovery.clicked.connect(self.switch_to_recovery)
        layout.addWidget(self.passphrase)
        layout.addWidget(self.recovery)
        layout.addWidget(self.use_recovery, alignment=Qt.AlignmentFlag.AlignLeft)
        self.passphrase.setVisible(not self.plain)
        self.use_recovery.setVisible(not self.plain)
        self.error = LiveLabel("")
        self.error.setWordWrap(True)
        style.set_tone(self.error, "bad")
        self.error.hide()
        layout.addWidget(self.error)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok.setText(_("Restore"))
        buttons.accepted.connect(self.try_open)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def switch_to_recovery(self) -> None:
        self.using_recovery = True
        self.passphrase.hide()
        self.use_recovery.hide()
        self.recovery.show()
        self.recovery.setFocus()

    def show_error(self, text: str) -> None:
        self.error.setText(text)
        self.error.setVisible(bool(text))

    def try_open(self) -> None:
        """Open and check the backup (read only); say what is wrong in one sentence, or accept."""
        use_recovery = self.using_recovery
        passphrase = None if use_recovery or self.plain else self.passphrase.text()
        recovery = self.recovery.text().strip() if use_recovery else None
        QGuiApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            key = data_safety.open_backup(
                self.source, passphrase=passphrase, recovery_code=recovery
            )
        except KnownError as e:
            self.show_error(str(e))
            (self.recovery if use_recovery else self.passphrase).selectAll()
            return
        finally:
            QGuiApplication.restoreOverrideCursor()
        self.key, self.passphrase_text, self.recovery_code = key, passphrase, recovery
        self.accept()


def choose_backup(parent: QWidget | None) -> Path | None:
    # No data folder yet on a new laptop: start in Documents (a stick is one click away).
    path = file_dialogs.open_file(parent, None, _("Choose the backup to restore"), _(FILTER))
    return Path(path) if path else None


def ask_for_backup(parent: QWidget | None, source: Path | None = None) -> RestoreDialog | None:
    """Choose the file (unless given), then its passphrase; the accepted dialog, or None."""
    source = source or choose_backup(parent)
    if source is None:
        return None
    dialog = RestoreDialog(source, parent)
    if parent is not None:
        parent.last_dialog = dialog  # type: ignore[attr-defined]  # tests answer it
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return None
    return dialog


def restore_into(folder: Path, dialog: RestoreDialog, parent: QWidget | None) -> bytes | None:
    """Put the opened backup in ``folder`` (which has no data file); the key, or None if plain.

    Raises KnownError (nothing written) when the copy fails.
    """
    data_safety.restore_into_empty_folder(
        folder, dialog.source, passphrase=dialog.passphrase_text, recovery_code=dialog.recovery_code
    )
    if dialog.recovery_code:
        _new_passphrase(folder, dialog.recovery_code, parent)
    return dialog.key


def _new_passphrase(folder: Path, recovery_code: str, parent: QWidget | None) -> None:
    """Opened with the recovery key: the passphrase was forgotten, so choose a new one now."""
    from escape_desktop.ui.safety.passphrase_dialog import ChoosePassphraseDialog

    dialog = ChoosePassphraseDialog(
        parent, allow_demo=False, title=_("Choose a new passphrase for the restored data")
    )
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return  # the old passphrase and the recovery key still open it
    try:
        data_safety.reset_passphrase(folder, recovery_code, dialog.passphrase_text)
    except KnownError as e:
        error_dialog.show_message(parent, _(TITLE), str(e))


def fresh_backup(ctx: AppContext) -> None:
    """The restored data's first backup on this laptop: its own schedule starts here."""
    from escape_desktop.services import backups

    try:
        backups.backup_now(ctx, "after-restore")
    except KnownError as e:  # the data is restored; the next backup will try again
        log.warning("no backup right after the restore: %s", e)


def restore_over_empty(window: QWidget) -> AppContext | None:
    """From the window of an empty data folder: restore a backup there and open it; the new
    data's context (the caller opens a window on it and closes this one without its closing
    backup), or None when nothing was done (the empty data is then as it was)."""
    ctx: AppContext = window.ctx  # type: ignore[attr-defined]
    if not data_is_empty(ctx):
        error_dialog.show_message(
            window,
            _(TITLE),
            _(
                "This laptop already holds courses or people, so a backup is not restored over "
                "them from here; use Backups & restore in the Data menu to go back to an earlier "
                "copy."
            ),
        )
        return None
    dialog = ask_for_backup(window)
    if dialog is None:
        return None
    folder = Path(ctx.data_dir)
    ctx.close()
    aside = data_safety.set_aside(folder)
    try:
        key = restore_into(folder, dialog, window)
        new_ctx = AppContext.open(folder, key=key)
    except Exception as e:
        # Whatever the restore left is removed, and the empty data goes back as it was.
        data_safety.put_back(folder, aside)
        error_dialog.report(window, e, _("Could not restore the backup"))
        return None
    fresh_backup(new_ctx)
    log.info(
        "Restored %s over empty data; the empty data is kept in %s", dialog.source.name, aside.name
    )
    return new_ctx
