"""Accept every open suggestion for one person or the whole class, after seeing the list."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from escape_desktop.context import AppContext
from escape_desktop.i18n import _, ngettext
from escape_desktop.services import circuit
from escape_desktop.services.circuit import CircuitGrid, OpenSuggestion


class AcceptAllDialog(QDialog):
    """The open suggestions (the class's, or one person's) listed; Enter accepts them all."""

    def __init__(
        self,
        ctx: AppContext,
        grid: CircuitGrid,
        person: tuple[int, str] | None,
        parent: QWidget | None = None,
    ):
        super().__init__(parent)
        self.ctx = ctx
        self.grid = grid
        self.person = person
        self.found: list[OpenSuggestion] = []
        self.setWindowTitle(_("Accept all suggestions"))
        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        label = QLabel(_("&For:"), self)
        self.scope = QComboBox(self)
        self.scope.addItem(
            _("Everyone at session {number}").format(number=grid.session_number), None
        )
        if person is not None:
            self.scope.addItem(_("{name} only").format(name=person[1]), person[0])
        label.setBuddy(self.scope)
        top.addWidget(label)
        top.addWidget(self.scope, 1)
        layout.addLayout(top)
        self.summary = QLabel("", self)
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)
        self.list = QListWidget(self)
        self.list.setAccessibleName(_("Suggestions to accept"))
        layout.addWidget(self.list, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel, self)
        self.accept_button: QPushButton = buttons.addButton(
            _("Accept them all"), QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.accept_button.setDefault(True)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.scope.currentIndexChanged.connect(lambda _i: self.refill())
        fm = self.fontMetrics()
        self.resize(fm.horizontalAdvance("M") * 60, fm.height() * 22)
        self.refill()

    def refill(self) -> None:
        """List what would be accepted for the chosen people."""
        eid = self.scope.currentData()
        self.found = circuit.open_suggestions(
            self.ctx,
            self.grid.course_id,
            self.grid.session_number,
            [eid] if eid is not None else None,
        )
        self.list.clear()
        for s in self.found:
            arrow = "▲" if s.action == "progress" else "▼"
            self.list.addItem(f"{arrow} {s.name} — {s.words}")
        n = len(self.found)
        self.summary.setText(
            ngettext(
                "{n} suggestion to accept; next session starts from it. Ctrl+Z takes it back.",
                "{n} suggestions to accept; next session starts from them. "
                "Ctrl+Z takes them all back.",
                n,
            ).format(n=n)
            if n
            else _("No open suggestions here: nothing to accept.")
        )
        self.accept_button.setEnabled(bool(n))
        if n:
            self.list.setCurrentRow(0)

    def items(self) -> list[tuple[int, str]]:
        return [(s.enrolment_id, s.station_key) for s in self.found]
