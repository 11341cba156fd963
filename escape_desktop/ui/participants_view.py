"""Small dialogs about a person on a course: withdraw with a reason, move to another course."""

from __future__ import annotations

from datetime import date

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from escape_desktop.db.queries import CourseSummary

WITHDRAW_REASONS = (
    "Pain got worse",
    "Another health problem",
    "Could not get there",
    "Work or caring duties",
    "Did not feel it helped",
    "No reason given",
)


class WithdrawDialog(QDialog):
    def __init__(self, parent: QWidget | None, name: str):
        super().__init__(parent)
        self.setWindowTitle(f"Withdraw {name}")
        layout = QVBoxLayout(self)
        text = QLabel(
            f"{name} will stay on the register, greyed out, and will not count in the completion "
            "figures. You can undo this with Ctrl+Z."
        )
        text.setWordWrap(True)
        layout.addWidget(text)
        form = QFormLayout()
        self.reason = QComboBox()
        self.reason.setEditable(True)
        self.reason.addItems(WITHDRAW_REASONS)
        self.reason.setCurrentText("")
        if (edit := self.reason.lineEdit()) is not None:
            edit.setPlaceholderText("Choose or type a reason")
        form.addRow("Reason *", self.reason)
        layout.addLayout(form)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.ok = self.buttons.addButton("Withdraw", QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.reason.currentTextChanged.connect(lambda t: self.ok.setEnabled(bool(t.strip())))
        self.ok.setEnabled(False)
        self.setMinimumWidth(self.fontMetrics().horizontalAdvance("M") * 30)

    def value(self) -> str:
        return self.reason.currentText().strip()


class MoveDialog(QDialog):
    def __init__(
        self, parent: QWidget | None, name: str, courses: list[CourseSummary], current: int
    ):
        super().__init__(parent)
        self.setWindowTitle(f"Move {name}")
        layout = QVBoxLayout(self)
        text = QLabel(
            f"{name} will be withdrawn from this course (reason: moved) and enrolled on the one "
            "you choose. Their register marks here are kept."
        )
        text.setWordWrap(True)
        layout.addWidget(text)
        self.course = QComboBox()
        for c in courses:
            if c.id == current or c.status == "finished":
                continue
            free = c.capacity - c.participants
            self.course.addItem(
                f"{c.code} · {c.venue} · starts {c.start_date:%d %b %Y} · {free} places left", c.id
            )
        form = QFormLayout()
        form.addRow("Move to", self.course)
        layout.addLayout(form)
        if self.course.count() == 0:
            none = QLabel("There is no running or upcoming course to move to; create one first.")
            none.setObjectName("warning")
            none.setWordWrap(True)
            layout.addWidget(none)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.ok = self.buttons.addButton("Move", QDialogButtonBox.ButtonRole.AcceptRole)
        self.ok.setEnabled(self.course.count() > 0)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)

    def value(self) -> int | None:
        return self.course.currentData()


def today_or(day: date | None) -> date:
    return day or date.today()
