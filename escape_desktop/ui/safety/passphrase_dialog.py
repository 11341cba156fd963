"""Passphrase dialogs: unlock at start, choose one on first run, change it, and the recovery key."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QGuiApplication
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from escape_desktop.db import keys
from escape_desktop.errors import KnownError
from escape_desktop.i18n import _
from escape_desktop.services import data_safety
from escape_desktop.ui.common import file_dialogs, style
from escape_desktop.ui.common.announce import LiveLabel
from escape_desktop.ui.common.save_guard import refuse_data_folder
from escape_desktop.ui.common.steady import keep_room


def _password_field(placeholder: str = "") -> QLineEdit:
    field = QLineEdit()
    field.setEchoMode(QLineEdit.EchoMode.Password)
    field.setPlaceholderText(placeholder)
    field.setMinimumWidth(320)
    return field


def _error_label() -> QLabel:
    label = LiveLabel("")
    label.setWordWrap(True)
    style.set_tone(label, "bad")
    label.setVisible(False)
    # Room kept before the message shows: otherwise the dialog keeps its size and squeezes
    # the wrapped text above it (its first line was cut off on the first run).
    return keep_room(label, 2)


def _fit_wrapped(dialog: QDialog, skip: QWidget | None = None) -> None:
    """Give wrapped labels the height their text needs at the dialog's width.

    A top-level dialog does not ask wrapped labels for their height at its width, and
    squeezed the question (with large text, a fourth button added on the first run, or
    a language whose sentences run longer than English).
    """
    layout = dialog.layout()
    if layout is None:
        return
    layout.activate()
    width = max(dialog.width(), dialog.minimumSizeHint().width())
    if width > dialog.width():
        dialog.resize(width, dialog.height())  # buttons with longer words widen the row
        layout.activate()
    for label in dialog.findChildren(QLabel):
        if label.wordWrap() and label.text() and label is not skip:
            label.setMinimumHeight(label.heightForWidth(label.width()))
    layout.activate()
    dialog.resize(dialog.width(), max(dialog.height(), dialog.minimumSizeHint().height()))


# What a recovery key looks like, shown in its empty box: letters in groups, no words.
KEY_SHAPE = "ABCD-EFGH-JKLM-NPQR-STUV-WXYZ"


class UnlockDialog(QDialog):
    """Ask for the passphrase; on success ``key`` holds the raw key. Wrong: say so, stay open."""

    def __init__(self, data_dir: Path, parent: QWidget | None = None, *, title: str = ""):
        super().__init__(parent)
        self.data_dir = Path(data_dir)
        self.key: bytes | None = None
        self.setWindowTitle(title or _("Open your class data"))
        self.setMinimumWidth(500)  # wrapped text needs a width to size its height
        self._build()

    def showEvent(self, event) -> None:  # type: ignore[no-untyped-def]
        _fit_wrapped(self, self.error)
        super().showEvent(event)

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        intro = QLabel(
            _("Your class data is locked to keep people's health details safe.")
            + "\n"
            + _("Type your passphrase to open it.")
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.passphrase = _password_field(_("Passphrase"))
        self.passphrase.setAccessibleName(_("Passphrase"))
        layout.addWidget(self.passphrase)
        self.error = _error_label()
        layout.addWidget(self.error)
        self.forgot = QPushButton(_("Forgotten it? Use the recovery key…"))
        self.forgot.setFlat(True)
        self.forgot.clicked.connect(self._recover)
        layout.addWidget(self.forgot, alignment=Qt.AlignmentFlag.AlignLeft)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(_("Open"))
        self.buttons.accepted.connect(self.try_unlock)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)

    def show_error(self, text: str) -> None:
        self.error.setText(text)
        self.error.setVisible(bool(text))

    def try_unlock(self) -> None:
        try:
            self.key = data_safety.unlock(self.data_dir, self.passphrase.text())
        except KnownError as e:
            self.show_error(str(e))
            self.passphrase.selectAll()
            self.passphrase.setFocus()
            return
        self.accept()

    def _recover(self) -> None:
        dialog = RecoveryResetDialog(self.data_dir, self)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.key = dialog.key
            self.accept()


class RecoveryResetDialog(QDialog):
    """Set a new passphrase with the recovery key."""

    def __init__(self, data_dir: Path, parent: QWidget | None = None):
        super().__init__(parent)
        self.data_dir = Path(data_dir)
        self.key: bytes | None = None
        self.setWindowTitle(_("Set a new passphrase with the recovery key"))
        self.setMinimumWidth(500)  # wrapped text needs a width to size its height
        layout = QVBoxLayout(self)
        note = QLabel(
            _(
                "Type the recovery key you wrote down when the passphrase was first set "
                "(six groups of four letters and numbers), then choose a new passphrase."
            )
        )
        note.setWordWrap(True)
        layout.addWidget(note)
        form = QFormLayout()
        self.code = QLineEdit()
        self.code.setPlaceholderText(KEY_SHAPE)
        self.new = _password_field()
        self.confirm = _password_field()
        form.addRow(_("Recovery key"), self.code)
        form.addRow(_("New passphrase"), self.new)
        form.addRow(_("Type it again"), self.confirm)
        self.code.setAccessibleName(_("Recovery key"))
        self.new.setAccessibleName(_("New passphrase"))
        self.confirm.setAccessibleName(_("Type it again"))
        layout.addLayout(form)
        self.error = _error_label()
        layout.addWidget(self.error)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.try_reset)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def showEvent(self, event) -> None:  # type: ignore[no-untyped-def]
        _fit_wrapped(self, self.error)
        super().showEvent(event)

    def try_reset(self) -> None:
        if self.new.text() != self.confirm.text():
            self.error.setText(_("The two new passphrases are different; type them again."))
            self.error.setVisible(True)
            return
        try:
            data_safety.reset_passphrase(self.data_dir, self.code.text(), self.new.text())
            self.key = data_safety.unlock(self.data_dir, self.new.text())
        except KnownError as e:
            self.error.setText(str(e))
            self.error.setVisible(True)
            return
        self.accept()


class ChoosePassphraseDialog(QDialog):
    """First run: choose a passphrase (or, for demo data only, go without one)."""

    SKIPPED = 2

    def __init__(self, parent: QWidget | None = None, *, allow_demo: bool = True, title: str = ""):
        super().__init__(parent)
        self.setWindowTitle(title or _("Protect your class data"))
        self.setMinimumWidth(500)  # wrapped text needs a width to size its height
        self.passphrase_text = ""
        layout = QVBoxLayout(self)
        intro = QLabel(
            _(
                "This app keeps people's health details, so it locks them with a passphrase. "
                "Choose one you will remember: a short sentence works well. You will type it "
                "each time the app opens, and after it has been left alone for a while."
            )
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        form = QFormLayout()
        self.new = _password_field(_("At least 8 characters"))
        self.confirm = _password_field()
        form.addRow(_("Passphrase"), self.new)
        form.addRow(_("Type it again"), self.confirm)
        layout.addLayout(form)
        self.error = _error_label()
        layout.addWidget(self.error)
        buttons = QDialogButtonBox()
        self.ok = buttons.addButton(_("Set passphrase"), QDialogButtonBox.ButtonRole.AcceptRole)
        if allow_demo:
            self.demo = buttons.addButton(
                _("Just try it with demo data"), QDialogButtonBox.ButtonRole.ResetRole
            )
            self.demo.setToolTip(
                _(
                    "No passphrase: for made-up demo people only. You can add a passphrase "
                    "later from the Data menu before entering real people."
                )
            )
            self.demo.clicked.connect(lambda: self.done(self.SKIPPED))
        buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.try_accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def showEvent(self, event) -> None:  # type: ignore[no-untyped-def]
        _fit_wrapped(self, self.error)
        super().showEvent(event)

    def try_accept(self) -> None:
        text = self.new.text()
        problem = data_safety.passphrase_problem(text)
        if problem is None and text != self.confirm.text():
            problem = _("The two passphrases are different; type them again.")
        if problem:
            self.error.setText(problem)
            self.error.setVisible(True)
            return
        self.passphrase_text = text
        self.accept()


class ChangePassphraseDialog(QDialog):
    """Change the passphrase: the key is re-wrapped, the data is not rewritten."""

    def __init__(
        self,
        data_dir: Path,
        parent: QWidget | None = None,
        *,
        change: Callable[[str, str], object] | None = None,
    ):
        super().__init__(parent)
        self.data_dir = Path(data_dir)
        # The service that changes it (data_safety.change_passphrase, in the window); what it
        # returned is kept in ``outcome``.
        self.change = change or (lambda old, new: keys.change_passphrase(self.data_dir, old, new))
        self.outcome: object = None
        self.setWindowTitle(_("Change passphrase"))
        self.setMinimumWidth(500)  # wrapped text needs a width to size its height
        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.old = _password_field()
        self.new = _password_field(_("At least 8 characters"))
        self.confirm = _password_field()
        form.addRow(_("Current passphrase"), self.old)
        form.addRow(_("New passphrase"), self.new)
        form.addRow(_("Type it again"), self.confirm)
        layout.addLayout(form)
        note = QLabel(_("Your recovery key stays the same."))
        layout.addWidget(note)
        self.error = _error_label()
        layout.addWidget(self.error)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText(_("Change"))
        buttons.accepted.connect(self.try_change)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def showEvent(self, event) -> None:  # type: ignore[no-untyped-def]
        _fit_wrapped(self, self.error)
        super().showEvent(event)

    def try_change(self) -> None:
        if self.new.text() != self.confirm.text():
            self.error.setText(_("The two new passphrases are different; type them again."))
            self.error.setVisible(True)
            return
        try:
            self.outcome = self.change(self.old.text(), self.new.text())
        except KnownError as e:
            self.error.setText(str(e))
            self.error.setVisible(True)
            return
        self.accept()


class RecoveryKeyDialog(QDialog):
    """Show the recovery key once: copy, save or print it; continue once it is stored."""

    def __init__(self, code: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.code = code
        self.setWindowTitle(_("Your recovery key"))
        self.setMinimumWidth(500)  # wrapped text needs a width to size its height
        layout = QVBoxLayout(self)
        intro = QLabel(
            _(
                "If the passphrase is ever forgotten, this recovery key is the only way back "
                "into the data. Write it down or print it, and keep it somewhere safe away from "
                "this laptop. It is shown only now."
            )
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        shown = QLabel(code)
        shown.setAccessibleName(_("Recovery key"))
        font = QFont("monospace")
        font.setStyleHint(QFont.StyleHint.Monospace)
        font.setPointSize(16)
        font.setBold(True)
        shown.setFont(font)
        shown.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        shown.setAlignment(Qt.AlignmentFlag.AlignCenter)
        shown.setMinimumHeight(48)
        layout.addWidget(shown)
        row = QDialogButtonBox()
        copy = row.addButton(_("Copy"), QDialogButtonBox.ButtonRole.ActionRole)
        copy.clicked.connect(lambda: QGuiApplication.clipboard().setText(code))
        save = row.addButton(_("Save to a file…"), QDialogButtonBox.ButtonRole.ActionRole)
        save.clicked.connect(self._save)
        printing = row.addButton(_("Print…"), QDialogButtonBox.ButtonRole.ActionRole)
        printing.clicked.connect(self._print)
        layout.addWidget(row)
        self.stored = QCheckBox(_("I have written down, printed or saved the recovery key"))
        layout.addWidget(self.stored)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok)
        self.ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok.setText(_("Continue"))
        self.ok.setEnabled(False)
        self.stored.toggled.connect(self.ok.setEnabled)
        buttons.accepted.connect(self.accept)
        layout.addWidget(buttons)

    def showEvent(self, event) -> None:  # type: ignore[no-untyped-def]
        _fit_wrapped(self, None)
        super().showEvent(event)

    def text_to_keep(self) -> str:
        return (
            _("escape-desktop recovery key")
            + f"\n\n    {self.code}\n\n"
            + _(
                "Keep this apart from the laptop. With it, a new passphrase can be set from "
                "the 'Forgotten it?' link on the passphrase screen."
            )
            + "\n"
        )

    def _save(self) -> None:
        path = file_dialogs.save_file(
            self,
            None,
            _("Save the recovery key"),
            "escape-desktop-recovery-key.txt",
            _("Text (*.txt)"),
        )
        if path and not refuse_data_folder(self, path, None):
            Path(path).write_text(self.text_to_keep(), encoding="utf-8")

    def _print(self) -> None:
        try:
            from PySide6.QtGui import QTextDocument
            from PySide6.QtPrintSupport import QPrintDialog, QPrinter
        except ImportError:  # printing support not installed
            return
        printer = QPrinter()
        if QPrintDialog(printer, self).exec() == QDialog.DialogCode.Accepted:
            doc = QTextDocument()
            doc.setPlainText(self.text_to_keep())
            doc.print_(printer)

    def keyPressEvent(self, event) -> None:  # type: ignore[no-untyped-def]
        if event.key() == Qt.Key.Key_Escape:
            return  # not closed by accident before the key is stored
        super().keyPressEvent(event)

    def reject(self) -> None:
        if self.stored.isChecked():
            super().reject()
