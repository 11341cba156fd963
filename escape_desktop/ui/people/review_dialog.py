"""Review "needs review before starting": what is waiting, the screening questions for someone
added without them (a referral list), and a note saying what was found."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from escape_desktop.i18n import _
from escape_desktop.programme.screening import Screening
from escape_desktop.services.screening import ScreeningState


class ClearReviewDialog(QDialog):
    """Asks the screening questions when they were never asked, and the note that clears the
    review; ``answers()`` and ``note()`` once accepted."""

    def __init__(
        self,
        parent: QWidget | None,
        name: str,
        state: ScreeningState,
        checklist: Screening | None = None,
    ):
        super().__init__(parent)
        self.setWindowTitle(_("Review {name} before they start").format(name=name))
        self.checklist = checklist if state.not_screened else None
        # Only the screening questions waiting, all answered no: no note needed, as by hand.
        self.note_needed = not (self.checklist is not None and len(state.door) == 1)
        layout = QVBoxLayout(self)
        said = "\n".join(f"• {f}" for f in state.flagged) or "• " + _("a screening question")
        intro = QLabel(
            _("{name} is waiting for a review:").format(name=name)
            + f"\n{said}\n\n"
            + _(
                "Clear this only once they are fit to start. Say what you found, who saw them "
                "and when; the note is kept in the audit log."
            )
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.questions: dict[str, QComboBox] = {}
        if self.checklist is not None:
            box = QGroupBox(_("Ask the screening questions"))
            form = QFormLayout(box)
            for q in self.checklist.questions:
                choice = QComboBox()
                choice.addItem(_("Not asked"), None)
                choice.addItem(_("No"), False)
                choice.addItem(_("Yes"), True)
                choice.setAccessibleName(_(q.text))
                choice.currentIndexChanged.connect(lambda _i: self._update())
                label = QLabel(_(q.text))
                label.setWordWrap(True)
                label.setBuddy(choice)
                form.addRow(label, choice)
                self.questions[q.key] = choice
            layout.addWidget(box)
        self.text = QPlainTextEdit()
        self.text.setTabChangesFocus(True)
        self.text.setPlaceholderText(
            _("e.g. Seen by their GP on 3 Dec; fine to start.")
            if self.note_needed
            else _("Optional when every answer is no.")
        )
        self.text.setAccessibleName(_("Note"))
        self.text.setFixedHeight(self.fontMetrics().height() * 4 + 16)
        layout.addWidget(self.text)
        self.advice = QLabel("")
        self.advice.setObjectName("warning")
        self.advice.setWordWrap(True)
        layout.addWidget(self.advice)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.clear_button = self.buttons.addButton(
            _("Clear to start"), QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.text.textChanged.connect(self._update)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(self.fontMetrics().horizontalAdvance("M") * 40)
        self._update()

    def answers(self) -> dict[str, bool] | None:
        """The screening answers, or None when none were asked here or one is not answered."""
        if self.checklist is None:
            return None
        got = {key: box.currentData() for key, box in self.questions.items()}
        if any(not isinstance(v, bool) for v in got.values()):
            return None
        return {k: bool(v) for k, v in got.items()}

    def note(self) -> str:
        return self.text.toPlainText().strip()

    def _update(self) -> None:
        answers = self.answers()
        asked = self.checklist is None or answers is not None
        yes = bool(answers and any(answers.values()))
        self.clear_button.setText(_("Save the answers") if yes else _("Clear to start"))
        self.advice.setText(
            _("{advice} They stay off the circuit until reviewed.").format(
                advice=_(self.checklist.advice)
            )
            if yes and self.checklist is not None
            else ""
        )
        self.clear_button.setEnabled(asked and (yes or bool(self.note()) or not self.note_needed))
