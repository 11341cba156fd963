"""Today's class beside the course list, and the week's sessions across courses one click away.

The panel sits under the course list, where a small screen has room to spare, so the
register keeps every row it has. Read-only: it shows what services.today found.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from html import escape

from PySide6.QtCore import QRect, Qt, Signal
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from escape_desktop.programme.rounding import plural
from escape_desktop.services.today import MissingRegister, Person, TodayBrief, WeekSession
from escape_desktop.ui.common import style

SHOWN_NAMES = 6  # more than this and the line says "and N more"
MISSING_ROWS = 2  # registers-not-taken rows shown before the list scrolls (the course list
# above keeps its rows on a 768-high screen)


def missing_text(x: MissingRegister) -> str:
    """One register not taken, with what to do about it."""
    return (
        f"{x.code} session {x.number}, {x.day:%a %d %b}: no register. "
        "Take it now, or mark the session cancelled."
    )


def names(people: Sequence[Person]) -> str:
    shown = [p.name for p in people[:SHOWN_NAMES]]
    more = len(people) - len(shown)
    return ", ".join(shown) + (f" and {more} more" if more > 0 else "")


class TodayPanel(QFrame):
    """Today's session: topic, who is due, measures, who has missed two, who needs review."""

    openRegister = Signal(int, int)  # course id, session id
    weekRequested = Signal()
    followUpsRequested = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("todayPanel")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.brief: TodayBrief | None = None
        self._today: date | None = None
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
        # Follow-ups waiting: one line in the body (no extra button, so the panel keeps its
        # width); View > Follow-ups due (Ctrl+Shift+U) opens them.
        self.follow_ups_waiting = (0, 0)  # due, overdue
        self.body.linkActivated.connect(lambda _link: self.followUpsRequested.emit())
        layout.addWidget(self.title)
        layout.addWidget(self.body)
        layout.addLayout(buttons)
        self._build_missing(layout)
        self.show_brief(None)
        self.show_missing([])

    # --- registers not taken: completion counts them as held, so they are put in view ---
    def _build_missing(self, layout: QVBoxLayout) -> None:
        self.missing: list[MissingRegister] = []
        self.missing_label = QLabel("Registers not taken (completion counts them as held):")
        self.missing_label.setWordWrap(True)
        self.missing_list = QListWidget(self)
        self.missing_list.setAccessibleName("Registers not taken")
        self.missing_list.setAccessibleDescription(
            "Past sessions nobody was marked in. Enter opens that course's register at that "
            "session: take it now, or mark the session cancelled."
        )
        self.missing_list.setWordWrap(True)
        self.missing_list.setResizeMode(QListWidget.ResizeMode.Adjust)
        self.missing_list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.missing_list.itemActivated.connect(
            lambda item: self.open_missing(self.missing_list.row(item))
        )
        self.missing_label.setBuddy(self.missing_list)
        self.missing_button = QPushButton("Open that register")
        self.missing_button.setToolTip("Open the chosen course's register at that session")
        self.missing_button.clicked.connect(
            lambda: self.open_missing(self.missing_list.currentRow())
        )
        row = QHBoxLayout()
        row.addWidget(self.missing_button)
        row.addStretch(1)
        layout.addWidget(self.missing_label)
        layout.addWidget(self.missing_list)
        layout.addLayout(row)

    def show_missing(self, missing: Sequence[MissingRegister]) -> None:
        """The registers not taken on recent courses; hidden when there are none."""
        self.missing = list(missing)
        self.missing_list.clear()
        for x in self.missing:
            item = QListWidgetItem(missing_text(x))
            item.setToolTip(f"{x.title}: {missing_text(x)} Enter opens the register there.")
            self.missing_list.addItem(item)
        shown = bool(self.missing)
        for widget in (self.missing_label, self.missing_list, self.missing_button):
            widget.setVisible(shown)
        if shown:
            self.missing_list.setCurrentRow(0)
            self._fit_missing()

    def _fit_missing(self) -> None:
        """Tall enough for the first MISSING_ROWS entries as they wrap at the panel's width."""
        if not self.missing:
            return
        lst = self.missing_list
        width = max(lst.viewport().width(), self.width() - 60, 120) - 2 * lst.spacing() - 8
        fm = lst.fontMetrics()
        heights = [
            fm.boundingRect(
                QRect(0, 0, width, 10000), int(Qt.TextFlag.TextWordWrap), missing_text(x)
            ).height()
            + 6
            for x in self.missing[:MISSING_ROWS]
        ]
        lst.setFixedHeight(sum(heights) + 2 * lst.frameWidth() + 2)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit_missing()

    def open_missing(self, row: int) -> None:
        """That course's register at that session (Enter, a double-click or the button)."""
        if 0 <= row < len(self.missing):
            x = self.missing[row]
            self.openRegister.emit(x.course_id, x.session_id)

    def show_brief(self, brief: TodayBrief | None, today: date | None = None) -> None:
        self.brief = brief
        self._today = today
        self.open_button.setVisible(brief is not None)
        waiting = self.follow_ups_text()
        if brief is None:
            self.title.setText("No class today")
            self.body.setText(
                "The week's sessions are under This week." + (f"<br>{waiting}" if waiting else "")
            )
            return
        when = "Today" if brief.day == (today or date.today()) else f"{brief.day:%A}"
        self.title.setText(
            f"{when} {brief.start_time}: {brief.code}, session {brief.number} of {brief.sessions}"
        )
        lines = []
        if brief.cancelled:
            lines.append("<b>This session is cancelled.</b>")
        if brief.online and not brief.cancelled:
            why = f" ({escape(brief.online_reason)})" if brief.online_reason else ""
            lines.append(
                f"<b>Online, over video{why}:</b> everyone does the home version of each station."
            )
        elif brief.hybrid and not brief.cancelled:
            lines.append("Hybrid: some may join over video (O on their P in the register).")
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
        if waiting:
            lines.append(waiting)
        self.body.setText("<br>".join(lines))

    def show_follow_ups(self, due: int, overdue: int) -> None:
        """Say how many follow-ups are waiting (due this week or overdue), when any are."""
        self.follow_ups_waiting = (due, overdue)
        self.show_brief(self.brief, self._today)

    def follow_ups_text(self) -> str:
        due, overdue = self.follow_ups_waiting
        if not due + overdue:
            return ""
        late = f", {overdue} overdue" if overdue else ""
        return (
            f"Follow-ups: {due + overdue} waiting{late}. "
            "<a href='follow-ups'>Open them</a> (Ctrl+Shift+U)."
        )

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
