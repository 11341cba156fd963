"""The register as a table: one row a person, one column a session, plus attended count and status."""

from __future__ import annotations

from datetime import date
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QFont

from escape_desktop.db.queries import Register, RegisterRow, SessionInfo
from escape_desktop.programme.completion import is_completer, sessions_needed
from escape_desktop.ui.common.style import MARK_TEXT, MARK_WORD, color

ModelIndex = QModelIndex | QPersistentModelIndex

COL_NAME = 0
COL_ATTENDED = 1
COL_STATUS = 2
FIRST_SESSION = 3

MARK_ROLE = Qt.ItemDataRole.UserRole + 1  # the stored mark of a session cell, or None
ENROLMENT_ROLE = Qt.ItemDataRole.UserRole + 2
SESSION_ROLE = Qt.ItemDataRole.UserRole + 3
STATE_ROLE = Qt.ItemDataRole.UserRole + 4  # a person's completion state key

CYCLE: tuple[str | None, ...] = (None, "present", "absent", "apologies")


def next_mark(mark: str | None) -> str | None:
    """Space / click order: blank -> present -> absent -> apologies -> blank."""
    return CYCLE[(CYCLE.index(mark) + 1) % len(CYCLE)] if mark in CYCLE else "present"


def completion_state(
    attended: int, delivered: int, remaining: int, needed: int, withdrawn: bool
) -> str:
    """withdrawn / not_started / completed / on_track / at_risk / cannot."""
    if withdrawn:
        return "withdrawn"
    if delivered == 0:
        return "not_started"
    if remaining == 0:
        return "completed" if is_completer(attended, delivered) else "cannot"
    if attended >= needed:
        return "completed"
    if attended + remaining < needed:
        return "cannot"
    return "on_track" if is_completer(attended, delivered) else "at_risk"


STATE_TEXT = {
    "withdrawn": "Withdrawn",
    "not_started": "Not started",
    "completed": "Completed",
    "on_track": "On track",
    "at_risk": "Needs to come",  # shown as "Needs N more" with the person's own count
    "cannot": "Can't reach 75%",
}
STATE_COLOR = {
    "completed": "good",
    "on_track": "good",
    "at_risk": "warn",
    "cannot": "bad",
    "withdrawn": "withdrawn_text",
    "not_started": "muted",
}


class RegisterModel(QAbstractTableModel):
    def __init__(self, parent: Any = None, today: date | None = None):
        super().__init__(parent)
        self._today = today
        self.register: Register | None = None
        self.rows: list[RegisterRow] = []
        self.sessions: list[SessionInfo] = []
        self._held: set[int] = set()
        self._delivered = 0
        self._remaining = 0
        self._needed = 0
        self._bold = QFont()
        self._bold.setBold(True)

    @property
    def today(self) -> date:
        return self._today or date.today()

    # --- loading --------------------------------------------------------------------------
    def set_register(self, register: Register | None) -> None:
        """Show a register; when only marks changed, cells update in place (the cursor stays)."""
        rows = self._ordered(register.rows) if register else []
        sessions = list(register.sessions) if register else []
        same_shape = (
            self.register is not None
            and register is not None
            and [r.enrolment_id for r in rows] == [r.enrolment_id for r in self.rows]
            and [x.id for x in sessions] == [x.id for x in self.sessions]
        )
        if not same_shape:
            self.beginResetModel()
        self.register, self.rows, self.sessions = register, rows, sessions
        self._recount()
        if same_shape:
            if self.rows:
                self.dataChanged.emit(
                    self.index(0, 0), self.index(len(self.rows) - 1, self.columnCount() - 1)
                )
            self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, self.columnCount() - 1)
        else:
            self.endResetModel()

    @staticmethod
    def _ordered(rows: list[RegisterRow]) -> list[RegisterRow]:
        # People still on the course first (in name order), withdrawn at the bottom.
        return sorted(rows, key=lambda r: r.status == "withdrawn")

    def _recount(self) -> None:
        today = self.today
        live = [x for x in self.sessions if not x.cancelled]
        self._held = {x.id for x in live}
        self._delivered = sum(1 for x in live if x.date <= today)
        self._remaining = len(live) - self._delivered
        self._needed = sessions_needed(len(live))

    def set_mark(self, row: int, session_id: int, mark: str | None) -> None:
        """Update one cell after a save, without reading the database again."""
        person = self.rows[row]
        if mark is None:
            person.marks.pop(session_id, None)
        else:
            person.marks[session_id] = mark
        col = self.column_of_session(session_id)
        self.dataChanged.emit(self.index(row, COL_ATTENDED), self.index(row, COL_STATUS))
        if col is not None:
            self.dataChanged.emit(self.index(row, col), self.index(row, col))

    # --- lookups --------------------------------------------------------------------------
    def session_at(self, column: int) -> SessionInfo | None:
        i = column - FIRST_SESSION
        return self.sessions[i] if 0 <= i < len(self.sessions) else None

    def column_of_session(self, session_id: int) -> int | None:
        for i, x in enumerate(self.sessions):
            if x.id == session_id:
                return FIRST_SESSION + i
        return None

    def today_column(self) -> int | None:
        """Today's session, else the next one to come, else the last held."""
        today = self.today
        live = [(i, x) for i, x in enumerate(self.sessions) if not x.cancelled]
        for i, x in live:
            if x.date == today:
                return FIRST_SESSION + i
        for i, x in live:
            if x.date > today:
                return FIRST_SESSION + i
        return FIRST_SESSION + live[-1][0] if live else None

    def attended(self, row: RegisterRow) -> int:
        return sum(1 for sid, m in row.marks.items() if m == "present" and sid in self._held)

    def state(self, row: RegisterRow) -> str:
        attended = min(self.attended(row), self._delivered) if self._delivered else 0
        # Marks on future sessions count once those sessions are held; cap to keep it honest.
        return completion_state(
            attended, self._delivered, self._remaining, self._needed, row.status == "withdrawn"
        )

    def is_editable_cell(self, index: ModelIndex) -> bool:
        session = self.session_at(index.column())
        if session is None or session.cancelled or not index.isValid():
            return False
        return self.rows[index.row()].status != "withdrawn"

    # --- Qt model API ---------------------------------------------------------------------
    def rowCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else FIRST_SESSION + len(self.sessions)

    def flags(self, index: ModelIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if self.rows[index.row()].status == "withdrawn":
            return Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsEnabled
        return flags

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self.rows):
            return None
        person = self.rows[index.row()]
        col = index.column()
        session = self.session_at(col)
        withdrawn = person.status == "withdrawn"
        if role == ENROLMENT_ROLE:
            return person.enrolment_id
        if session is not None:
            mark = person.marks.get(session.id)
            if role == MARK_ROLE:
                return mark
            if role == SESSION_ROLE:
                return session.id
            if role == Qt.ItemDataRole.DisplayRole:
                return MARK_TEXT.get(mark or "", "")
            if role == Qt.ItemDataRole.TextAlignmentRole:
                return int(Qt.AlignmentFlag.AlignCenter)
            if role == Qt.ItemDataRole.BackgroundRole:
                if session.cancelled:
                    return QBrush(color("cancelled"))
                if mark:
                    return QBrush(color(mark))
                if session.date == self.today:
                    return QBrush(color("today"))
                return None
            if role == Qt.ItemDataRole.ForegroundRole and mark:
                return QBrush(color(f"{mark}_text"))
            if role == Qt.ItemDataRole.ToolTipRole:
                word = MARK_WORD.get(mark or "", "not marked")
                when = f"Session {session.number}, {session.date:%a %d %b}"
                if session.cancelled:
                    return f"{when}: cancelled"
                return f"{person.name}: {word}. {when}"
            if role == Qt.ItemDataRole.AccessibleTextRole:
                return f"{person.name}, session {session.number}: {MARK_WORD.get(mark or '', 'not marked')}"
            if role == Qt.ItemDataRole.FontRole and mark:
                return self._bold
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            if col == COL_NAME:
                return person.name
            if col == COL_ATTENDED:
                return f"{self.attended(person)} of {self._delivered}"
            if col == COL_STATUS:
                state = self.state(person)
                if state == "at_risk":
                    return f"Needs {self._needed - self.attended(person)} more"
                return STATE_TEXT[state]
        if role == STATE_ROLE:
            return self.state(person)
        if role == Qt.ItemDataRole.ForegroundRole:
            if withdrawn:
                return QBrush(color("withdrawn_text"))
            if col == COL_STATUS:
                return QBrush(color(STATE_COLOR[self.state(person)]))
        if role == Qt.ItemDataRole.ToolTipRole:
            if withdrawn:
                return (
                    f"Withdrawn: {person.withdrawn_reason}"
                    if person.withdrawn_reason
                    else "Withdrawn"
                )
            if col == COL_ATTENDED:
                return (
                    f"Present at {self.attended(person)} of the {self._delivered} sessions held so far; "
                    f"{self._needed} are needed to complete."
                )
            if col == COL_NAME:
                return f"{person.name} ({person.code})"
        if role == Qt.ItemDataRole.TextAlignmentRole and col == COL_ATTENDED:
            return int(Qt.AlignmentFlag.AlignCenter)
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal:
            if role == Qt.ItemDataRole.DisplayRole:
                return str(section + 1)
            return None
        session = self.session_at(section)
        if role == Qt.ItemDataRole.DisplayRole:
            if section == COL_NAME:
                return "Name"
            if section == COL_ATTENDED:
                return "Present"
            if section == COL_STATUS:
                return "Completion"
            if session is not None:
                # Day/month keeps the column narrow on a small screen; the tooltip has the date.
                second = "off" if session.cancelled else f"{session.date:%d/%m}"
                return f"{session.number}\n{second}"
        if session is None:
            return None
        if role == Qt.ItemDataRole.ToolTipRole:
            text = f"Session {session.number}, {session.date:%A %d %B %Y}"
            if session.topic:
                text += f"\nTopic: {session.topic}"
            if session.cancelled:
                text += "\nCancelled" + (
                    f": {session.cancel_reason}" if session.cancel_reason else ""
                )
            return text + "\nDouble-click to edit the session."
        if (
            role == Qt.ItemDataRole.BackgroundRole
            and session.date == self.today
            and not session.cancelled
        ):
            return QBrush(color("today"))
        if role == Qt.ItemDataRole.FontRole and session.date == self.today:
            return self._bold
        return None
