"""The register as a table: one row a person, one column a session, plus attended count and status."""

from __future__ import annotations

from datetime import date
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QFont, QIcon

from escape_desktop.i18n import _, ngettext, ui_date
from escape_desktop.programme.status import (
    CANNOT_REACH,
    COMPLETED,
    DID_NOT_COMPLETE,
    DID_NOT_START,
    IN_PROGRESS,
    NEEDS_MORE,
    NOT_STARTED_YET,
    ON_TRACK,
    WITHDRAWN,
    CourseSummary,
    PersonStatus,
    progress_text,
)
from escape_desktop.services.reading import Register, RegisterRow, SessionInfo
from escape_desktop.ui.common.style import MARK_WORD, color, icon
from escape_desktop.ui.register.register_keys import mark_letters

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


def state_key(person: PersonStatus) -> str:
    """The colour key of a person's standing: their progress while running, else their status."""
    return person.progress or person.status


STATE_COLOR = {
    COMPLETED: "good",
    ON_TRACK: "good",
    NEEDS_MORE: "warn",
    CANNOT_REACH: "bad",
    DID_NOT_COMPLETE: "bad",
    DID_NOT_START: "muted",
    WITHDRAWN: "withdrawn_text",
    NOT_STARTED_YET: "muted",
    IN_PROGRESS: "good",
}


# A person's standing in the register's words: programme.status's own, in the window's
# language ("On track", "Needs 2 more", "Can't reach 75 %", or the status).
status_words = progress_text


def mark_word(mark: str | None) -> str:
    """A mark's word ("Present"), or "not marked", in the window language."""
    return _(MARK_WORD[mark]) if mark in MARK_WORD else _("not marked")


class RegisterModel(QAbstractTableModel):
    def __init__(self, parent: Any = None, today: date | None = None):
        super().__init__(parent)
        self._today = today
        self.register: Register | None = None
        self.rows: list[RegisterRow] = []
        self.sessions: list[SessionInfo] = []
        self.summary: CourseSummary | None = None  # from programme.status, on the marks shown
        self._status: dict[int, PersonStatus] = {}
        self._bold = QFont()
        self._bold.setBold(True)
        # Reminders beside a name (issue 15): consent still to ask, screening still to review.
        self.not_asked: set[int] = set()  # enrolment ids with a consent "not asked yet"
        self.needs_review: set[int] = set()  # enrolment ids "needs review before starting"
        self._icons: dict[str, QIcon] = {}

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
        """Everyone's standing from programme.status, on the marks as shown."""
        if self.register is None:
            self.summary, self._status = None, {}
            return
        summary, statuses = self.register.figures(self.today)
        self.summary = summary
        self._status = {int(k): v for k, v in statuses.items()}  # type: ignore[call-overload]

    def delivery_mode(self) -> str:
        return self.register.delivery_mode if self.register is not None else "in_person"

    def joined_online(self, row: int, session_id: int) -> bool:
        return session_id in self.rows[row].joined_online

    def set_joined_online(self, row: int, session_id: int, joined: bool) -> None:
        """Update one cell after "joined online" was saved, without reading again."""
        target = self.rows[row].joined_online
        if joined:
            target.add(session_id)
        else:
            target.discard(session_id)
        col = self.column_of_session(session_id)
        if col is not None:
            self.dataChanged.emit(self.index(row, col), self.index(row, col))

    def set_mark(self, row: int, session_id: int, mark: str | None) -> None:
        """Update one cell after a save, without reading the database again."""
        person = self.rows[row]
        if mark is None:
            person.marks.pop(session_id, None)
        else:
            person.marks[session_id] = mark
        if mark != "present":
            person.joined_online.discard(session_id)  # the service clears it with the mark
        self._recount()
        col = self.column_of_session(session_id)
        self.dataChanged.emit(self.index(row, COL_ATTENDED), self.index(row, COL_STATUS))
        if col is not None:
            self.dataChanged.emit(self.index(row, col), self.index(row, col))

    def set_marks(self, marks: dict[int, tuple[dict[int, str], set[int]]]) -> bool:
        """Some people's marks read again (``reading.register_marks``), without reading the
        whole register: their cells, counts and standing painted again. False when one of
        them is not on this register (the caller reads the whole register then)."""
        rows = {r.enrolment_id: i for i, r in enumerate(self.rows)}
        if self.register is None or any(e not in rows for e in marks):
            return False
        for enrolment_id, (person_marks, joined) in marks.items():
            person = self.rows[rows[enrolment_id]]
            person.marks.clear()
            person.marks.update(person_marks)
            person.joined_online.clear()
            person.joined_online.update(joined)
        self._recount()
        last = self.columnCount() - 1
        for enrolment_id in marks:
            i = rows[enrolment_id]
            self.dataChanged.emit(self.index(i, 0), self.index(i, last))
        return True

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

    def status(self, row: RegisterRow) -> PersonStatus:
        return self._status[row.enrolment_id]

    def attended(self, row: RegisterRow) -> int:
        return self.status(row).attended

    def state(self, row: RegisterRow) -> str:
        return state_key(self.status(row))

    def status_text(self, row: RegisterRow) -> str:
        """The person's words: "On track", "Needs 2 more", "Completed", ... (programme.status)."""
        return status_words(self.status(row))

    def reminder(self, enrolment_id: int) -> str:
        """What to do about this person before they start, in a sentence, or ''."""
        said = []
        if enrolment_id in self.needs_review:
            said.append(_("needs review before starting (screening); kept off the circuit"))
        if enrolment_id in self.not_asked:
            said.append(_("not yet asked about consent; ask at the first session"))
        return "; ".join(said)

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
            joined = session.id in person.joined_online
            if role == Qt.ItemDataRole.DisplayRole:
                # "P*": present, joined over video (a hybrid course's hall session).
                return mark_letters().get(mark or "", "") + ("*" if joined else "")
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
                word = mark_word(mark)
                when = _("Session {number}, {day}").format(
                    number=session.number, day=ui_date(session.date, "day")
                )
                if session.cancelled:
                    return _("{session}: cancelled").format(session=when)
                if joined:
                    word = _("{mark}, joined online").format(mark=word)
                if session.online:
                    word = _("{mark} (held online)").format(mark=word)
                return _("{name}: {mark}. {session}").format(
                    name=person.name, mark=word, session=when
                )
            if role == Qt.ItemDataRole.AccessibleTextRole:
                said = _("{name}, session {number}").format(name=person.name, number=session.number)
                if session.cancelled:
                    return _("{session}: cancelled").format(session=said)
                if session.date == self.today:
                    said = _("{session} (today)").format(session=said)
                if session.moved_online:
                    said = _("{session} (online)").format(session=said)
                word = mark_word(mark)
                if joined:
                    word = _("{mark}, joined online").format(mark=word)
                return f"{said}: {word}"
            if role == Qt.ItemDataRole.FontRole and mark:
                return self._bold
            return None
        if col == COL_NAME and role == Qt.ItemDataRole.AccessibleTextRole:
            # The warning icon and its tooltip, in the words a screen reader says.
            if withdrawn:
                return _("{name}, withdrawn").format(name=person.name)
            reminder = self.reminder(person.enrolment_id)
            return f"{person.name}: {reminder}" if reminder else person.name
        if col == COL_NAME and not withdrawn:
            reminder = self.reminder(person.enrolment_id)
            if reminder and role == Qt.ItemDataRole.ToolTipRole:
                return f"{person.name} ({person.code}): {reminder}"
            if reminder and role == Qt.ItemDataRole.DecorationRole:
                kind = "review" if person.enrolment_id in self.needs_review else "consent"
                if kind not in self._icons:
                    name = "MessageBoxWarning" if kind == "review" else "MessageBoxInformation"
                    self._icons[kind] = icon(None, name)
                return self._icons[kind]
        if role == Qt.ItemDataRole.DisplayRole:
            if col == COL_NAME:
                return person.name
            if col == COL_ATTENDED:
                st = self.status(person)
                return _("{attended} of {held}").format(attended=st.attended, held=st.held)
            if col == COL_STATUS:
                return self.status_text(person)
        if role == STATE_ROLE:
            return self.state(person)
        if role == Qt.ItemDataRole.ForegroundRole:
            if withdrawn:
                return QBrush(color("withdrawn_text"))
            if col == COL_STATUS:
                return QBrush(color(STATE_COLOR[self.state(person)]))
        if role == Qt.ItemDataRole.ToolTipRole:
            if withdrawn:
                if person.withdrawn_reason:
                    return _("Withdrawn: {reason}").format(reason=person.withdrawn_reason)
                return _("Withdrawn")
            if col == COL_ATTENDED:
                st = self.status(person)
                return ngettext(
                    "Present at {attended} of the {held} session held while on the course; "
                    "{needed} of their sessions are needed to complete.",
                    "Present at {attended} of the {held} sessions held while on the course; "
                    "{needed} of their sessions are needed to complete.",
                    st.held,
                ).format(attended=st.attended, held=st.held, needed=st.needed)
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
                return _("Name")
            if section == COL_ATTENDED:
                return _("Present")
            if section == COL_STATUS:
                return _("Completion")
            if session is not None:
                # Day/month keeps the column narrow on a small screen; the tooltip has the date.
                # TRANSLATORS: a short word under a cancelled session's number in the register's
                # heading, in place of its date (as narrow as the date "07/12").
                second = _("off") if session.cancelled else f"{session.date:%d/%m}"
                if session.moved_online and not session.cancelled:
                    # Moved online: said in place of the date, as "off" is for a cancelled
                    # session (the tooltip has the date; a virtual course's heading says
                    # every session is online).
                    # TRANSLATORS: a short word under a session's number in the register's
                    # heading, in place of its date, for a session moved online.
                    second = _("online")
                return f"{session.number}\n{second}"
        if session is None:
            return None
        if role == Qt.ItemDataRole.ToolTipRole:
            lines = [
                _("Session {number}, {day}").format(
                    number=session.number, day=ui_date(session.date, "long")
                )
            ]
            if session.topic:
                lines.append(_("Topic: {topic}").format(topic=_(session.topic)))
            if session.cancelled:
                lines.append(
                    _("Cancelled: {reason}").format(reason=session.cancel_reason)
                    if session.cancel_reason
                    else _("Cancelled")
                )
            if session.online:
                lines.append(
                    _("Held online: {reason}").format(reason=session.online_reason)
                    if session.online_reason
                    else _("Held online")
                )
            if self.delivery_mode() == "hybrid":
                lines.append(_("P* joined online: press O on a present mark."))
            lines.append(
                _("Edit the session: Ctrl+Shift+S on its column, or double-click the date.")
            )
            return "\n".join(lines)
        if (
            role == Qt.ItemDataRole.BackgroundRole
            and session.date == self.today
            and not session.cancelled
        ):
            return QBrush(color("today"))
        if role == Qt.ItemDataRole.FontRole and session.date == self.today:
            return self._bold
        return None
