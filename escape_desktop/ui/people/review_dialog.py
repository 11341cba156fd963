"""Clear "needs review before starting": what was answered yes, and a note saying who saw them."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from escape_desktop.services.screening import ScreeningState


class ClearReviewDialog(QDialog):
    """Asks for the note that clears a screening review; ``note()`` once accepted."""

    def __init__(self, parent: QWidget | None, name: str, state: ScreeningState):
        super().__init__(parent)
        self.setWindowTitle(f"Clear the screening review for {name}")
        layout = QVBoxLayout(self)
        said = "; ".join(state.flagged) or "a screening question"
        intro = QLabel(
            f"{name} answered yes to: {said}\n\nClear this only once they have been seen and "
            "are fit to start. Say who saw them and when; the note is kept in the audit log."
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.text = QPlainTextEdit()
        self.text.setTabChangesFocus(True)
        self.text.setPlaceholderText("e.g. Seen by their GP on 3 Dec; fine to start.")
        self.text.setAccessibleName("Note")
        self.text.setFixedHeight(self.fontMetrics().height() * 4 + 16)
        layout.addWidget(self.text)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.clear_button = self.buttons.addButton(
            "Clear to start", QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.clear_button.setEnabled(False)
        self.text.textChanged.connect(lambda: self.clear_button.setEnabled(bool(self.note())))
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(self.fontMetrics().horizontalAdvance("M") * 36)

    def note(self) -> str:
        return self.text.toPlainText().strip()
