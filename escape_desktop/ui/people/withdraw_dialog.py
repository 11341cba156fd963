"""Withdraw a person from a course, with a reason."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from escape_desktop.i18n import N_, _

WITHDRAW_REASONS = (
    N_("Pain got worse"),
    N_("Another health problem"),
    N_("Could not get there"),
    N_("Work or caring duties"),
    N_("Did not feel it helped"),
    N_("No reason given"),
)


class WithdrawDialog(QDialog):
    def __init__(self, parent: QWidget | None, name: str):
        super().__init__(parent)
        self.setWindowTitle(_("Withdraw {name}").format(name=name))
        layout = QVBoxLayout(self)
        text = QLabel(
            _(
                "{name} will stay on the register, greyed out, and will not count in the "
                "completion figures. You can undo this with Ctrl+Z."
            ).format(name=name)
        )
        text.setWordWrap(True)
        layout.addWidget(text)
        form = QFormLayout()
        self.reason = QComboBox()
        self.reason.setEditable(True)
        self.reason.addItems([_(r) for r in WITHDRAW_REASONS])
        self.reason.setCurrentText("")
        if (edit := self.reason.lineEdit()) is not None:
            edit.setPlaceholderText(_("Choose or type a reason"))
        form.addRow(_("Reason *"), self.reason)
        layout.addLayout(form)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.ok = self.buttons.addButton(_("Withdraw"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.reason.currentTextChanged.connect(lambda t: self.ok.setEnabled(bool(t.strip())))
        self.ok.setEnabled(False)
        self.setMinimumWidth(self.fontMetrics().horizontalAdvance("M") * 30)

    def value(self) -> str:
        return self.reason.currentText().strip()
