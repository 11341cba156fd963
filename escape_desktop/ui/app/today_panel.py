"""Today's class beside the course list, and the week's sessions across courses one click away.

The panel sits under the course list, where a small screen has room to spare, so the
register keeps every row it has. Read-only: it shows what services.today found.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from escape_desktop.programme.rounding import plural
from escape_desktop.services.today import Person, TodayBrief, WeekSession
from escape_desktop.ui.common import style

SHOWN_NAMES = 6  # more than this and the line says "and N more"


def names(people: Sequence[Person]) -> str:
    shown = [p.name for p in people[:SHOWN_NAMES]]
    more = len(people) - len(shown)
    return ", ".join(shown) + (f" and {more} more" if more > 0 else "")


class TodayPanel(QFrame):
    """Today's session: topic, who is due, measures, who has missed two, who needs review."""

    openRegister = Signal(int, int)  # course id, session id
    weekRequested = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("todayPanel")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.brief: TodayBrief | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 6)
        self.title = QLabel("")
        self.title.setObjectName("subtitle")
        self.title.setWordWrap(True)
        self.body = QLabel("")
        self.body.setWordWrap(True)
        self.body.setTextFormat(Qt.TextFormat.RichText)
        buttons = QHBoxLayout()
        self.open_button = QPushButton("Open the register")
        self.open_button.clicked.connect(self._open)
        self.week_button = QPushButton("This week…")
        self.week_button.setToolTip("Every course's sessions for the next seven days")
        self.week_button.clicked.connect(self.weekRequested.emit)
        buttons.addWidget(self.open_button)
        buttons.addWidget(self.week_button)
        buttons.addStretch(1)
        layout.addWidget(self.title)
        layout.addWidget(self.body)
        layout.addLayout(buttons)
        self.show_brief(None)

    def show_brief(self, brief: TodayBrief | None, today: date | None = None) -> None:
        self.brief = brief
        self.open_button.setVisible(brief is not None)
        if brief is None:
            self.title.setText("No class today")
            self.body.setText("The week's sessions are under This week.")
            return
        when = "Today" if brief.day == (today or date.today()) else f"{brief.day:%A}"
        self.title.setText(
            f"{when} {brief.start_time}: {brief.code}, session {brief.number} of {brief.sessions}"
        )
        lines = []
        if brief.cancelled:
            lines.append("<b>This session is cancelled.</b>")
        if brief.topic:
            lines.append(f"Topic: {brief.topic}")
        if brief.last and not brief.cancelled:
            lines.append(
                "<b>Last class:</b> the course is finished and completion decided once "
                "today's register is taken."
            )
        lines.append(f"Due: {plural(len(brief.due), 'person', 'people')}")
        for label, people in (
            ("Start measures today", brief.start_measures),
            ("End measures today", brief.end_measures),
            ("Missed the last two sessions", brief.missed_two),
            ("Needs review before starting", brief.review),
        ):
            if people:
                lines.append(f"{label}: {names(people)}")
        self.body.setText("<br>".join(lines))

    def _open(self) -> None:
        if self.brief is not None:
            self.openRegister.emit(self.brief.course_id, self.brief.session_id)


class WeekDialog(QDialog):
    """This week's sessions across courses; double-click (or Enter) opens one."""

    openSession = Signal(int, int)  # course id, session id

    def __init__(self, sessions: Sequence[WeekSession], parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("This week")
        self.sessions = list(sessions)
        layout = QVBoxLayout(self)
        if not self.sessions:
            layout.addWidget(QLabel("No sessions in the next seven days."))
        self.table = QTableWidget(len(self.sessions), 4, self)
        self.table.setAccessibleName("This week's sessions")
        self.table.setHorizontalHeaderLabels(["Day", "Time", "Course", "Session"])
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QTableWidget.SelectionMode.SingleSelection)
        for row, x in enumerate(self.sessions):
            what = f"{x.number}" + (f" · {x.topic}" if x.topic else "")
            if x.cancelled:
                what += " (cancelled)"
            for col, text in enumerate((f"{x.day:%a %d %b}", x.start_time, x.code, what)):
                item = QTableWidgetItem(text)
                item.setToolTip(x.title)
                self.table.setItem(row, col, item)
        self.table.resizeColumnsToContents()
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.cellDoubleClicked.connect(lambda row, _col: self.open_row(row))
        self.table.activated.connect(lambda index: self.open_row(index.row()))
        layout.addWidget(self.table, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.open_button = buttons.addButton("Open", QDialogButtonBox.ButtonRole.AcceptRole)
        self.open_button.clicked.connect(lambda: self.open_row(self.table.currentRow()))
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        if self.sessions:
            self.table.setCurrentCell(0, 0)
        fm = self.fontMetrics()
        # Sized once from the font, so it never jumps under the pointer.
        style.fit_to_screen(
            self, fm.horizontalAdvance("M") * 44, fm.height() * (len(self.sessions) + 8) + 40
        )

    def open_row(self, row: int) -> None:
        if 0 <= row < len(self.sessions):
            x = self.sessions[row]
            self.openSession.emit(x.course_id, x.session_id)
            self.accept()
