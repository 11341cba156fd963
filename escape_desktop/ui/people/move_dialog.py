"""Move a person from one course to another."""

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

from escape_desktop.i18n import _, ngettext, ui_date
from escape_desktop.services.reading import CourseListRow


class MoveDialog(QDialog):
    def __init__(
        self, parent: QWidget | None, name: str, courses: list[CourseListRow], current: int
    ):
        super().__init__(parent)
        self.setWindowTitle(_("Move {name}").format(name=name))
        layout = QVBoxLayout(self)
        text = QLabel(
            _(
                "{name} will be withdrawn from this course (reason: moved) and enrolled on the "
                "one you choose. Their register marks here are kept."
            ).format(name=name)
        )
        text.setWordWrap(True)
        layout.addWidget(text)
        self.course = QComboBox()
        for c in courses:
            if c.id == current or c.status == "finished":
                continue
            free = c.capacity - c.participants
            self.course.addItem(
                _("{code} · {venue} · starts {day} · {places}").format(
                    code=c.code,
                    venue=c.venue,
                    day=ui_date(c.start_date, "short"),
                    places=ngettext("{n} place left", "{n} places left", free).format(n=free),
                ),
                c.id,
            )
        form = QFormLayout()
        form.addRow(_("Move to"), self.course)
        layout.addLayout(form)
        if self.course.count() == 0:
            none = QLabel(_("There is no running or upcoming course to move to; create one first."))
            none.setObjectName("warning")
            none.setWordWrap(True)
            layout.addWidget(none)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.ok = self.buttons.addButton(_("Move"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.ok.setEnabled(self.course.count() > 0)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)

    def value(self) -> int | None:
        return self.course.currentData()
