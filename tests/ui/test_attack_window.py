"""The window as a new instructor on a hall laptop meets it: messages and dialogs that stay readable."""

from __future__ import annotations

from PySide6.QtWidgets import QDialogButtonBox, QLabel

from escape_desktop.ui.safety.passphrase_dialog import ChoosePassphraseDialog


def test_first_run_passphrase_message_does_not_squeeze_the_dialog(qtbot):
    dialog = ChoosePassphraseDialog()
    qtbot.addWidget(dialog)
    # As on the first run: a fourth button widens the dialog, so the intro wraps differently.
    box = dialog.findChild(QDialogButtonBox)
    box.addButton("Restore from a backup…", QDialogButtonBox.ButtonRole.ResetRole)
    dialog.show()
    qtbot.waitExposed(dialog)
    intro = dialog.findChildren(QLabel)[0]
    before = dialog.size()
    dialog.new.setText("short")
    dialog.confirm.setText("short")
    dialog.try_accept()
    qtbot.wait(50)
    assert dialog.error.isVisible()
    # The dialog did not move under the pointer, and the text above still has its full height.
    assert dialog.size() == before
    assert intro.height() >= intro.heightForWidth(intro.width())
    assert dialog.error.height() >= dialog.error.heightForWidth(dialog.error.width())
