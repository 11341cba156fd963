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

from escape_desktop.i18n import _, ngettext, ui_date
from escape_desktop.services.today import MissingRegister, Person, TodayBrief, WeekSession
from escape_desktop.ui.common import style

SHOWN_NAMES = 6  # more than this and the line says "and N more"
MISSING_ROWS = 2  # registers-not-taken rows shown before the list scrolls (the course list
# above keeps its rows on a 768-high screen)


def missing_text(x: MissingRegister) -> str:
    """One register not taken, with what to do about it."""
    return _(
        "{code} session {number}, {day}: no register. Take it now, or mark the session cancelled."
    ).format(code=x.code, number=x.number, day=ui_date(x.day, "day"))


def names(people: Sequence[Person]) -> str:
    shown = [p.name for p in people[:SHOWN_NAMES]]
    more = len(people) - len(shown)
    if more <= 0:
        return ", ".join(shown)
    return ngettext("{names} and {n} more", "{names} and {n} more", more).format(
        names=", ".join(shown), n=more
    )


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
        self.open_button = QPushButton(_("Open the register"))
        self.open_button.clicked.connect(self._open)
        self.week_button = QPushButton(_("This week…"))
        self.week_button.setToolTip(_("Every course's sessions for the next seven days"))
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
        self.missing_label = QLabel(_("Registers not taken (completion counts them as held):"))
        self.missing_label.setWordWrap(True)
        self.missing_list = QListWidget(self)
        self.missing_list.setAccessibleName(_("Registers not taken"))
        self.missing_list.setAccessibleDescription(
            _(
                "Past sessions nobody was marked in. Enter opens that course's register at that "
                "session: take it now, or mark the session cancelled."
            )
        )
        self.missing_list.setWordWrap(True)
        self.missing_list.setResizeMode(QListWidget.ResizeMode.Adjust)
        self.missing_list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.missing_list.itemActivated.connect(
            lambda item: self.open_missing(self.missing_list.row(item))
        )
        self.missing_label.setBuddy(self.missing_list)
        self.missing_button = QPushButton(_("Open that register"))
        self.missing_button.setToolTip(_("Open the chosen course's register at that session"))
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
            item.setToolTip(
                _("{title}: {missing} Enter opens the register there.").format(
                    title=x.title, missing=missing_text(x)
                )
            )
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
            self.title.setText(_("No class today"))
            self.body.setText(
                escape(_("The week's sessions are under This week."))
                + (f"<br>{waiting}" if waiting else "")
            )
            return
        if brief.day == (today or date.today()):
            heading = _("Today {time}: {code}, session {number} of {sessions}")
        else:
            heading = _("{weekday} {time}: {code}, session {number} of {sessions}")
        self.title.setText(
            heading.format(
                weekday=ui_date(brief.day, "weekday"),
                time=brief.start_time,
                code=brief.code,
                number=brief.number,
                sessions=brief.sessions,
            )
        )
        lines = []
        if brief.cancelled:
            lines.append("<b>{}</b>".format(escape(_("This session is cancelled."))))
        if brief.online and not brief.cancelled:
            if brief.online_reason:
                online = _("Online, over video ({reason}):").format(reason=brief.online_reason)
            else:
                online = _("Online, over video:")
            lines.append(
                "<b>{}</b> {}".format(
                    escape(online),
                    escape(_("everyone does the home version of each station.")),
                )
            )
        elif brief.hybrid and not brief.cancelled:
            lines.append(
                escape(_("Hybrid: some may join over video (O on their P in the register)."))
            )
        if brief.topic:
            lines.append(escape(_("Topic: {topic}").format(topic=_(brief.topic))))
        if brief.last and not brief.cancelled:
            lines.append(
                "<b>{}</b> {}".format(
                    escape(_("Last class:")),
                    escape(
                        _(
                            "the course is finished and completion decided once today's "
                            "register is taken."
                        )
                    ),
                )
            )
        due = len(brief.due)
        lines.append(escape(ngettext("Due: {n} person", "Due: {n} people", due).format(n=due)))
        for label, people in (
            (_("Start measures today: {names}"), brief.start_measures),
            (_("End measures today: {names}"), brief.end_measures),
            (_("Missed the last two sessions: {names}"), brief.missed_two),
            (_("Needs review before starting: {names}"), brief.review),
        ):
            if people:
                lines.append(escape(label.format(names=names(people))))
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
        waiting = due + overdue
        if overdue:
            said = ngettext(
                "Follow-ups: {n} waiting, {late} overdue.",
                "Follow-ups: {n} waiting, {late} overdue.",
                waiting,
            ).format(n=waiting, late=overdue)
        else:
            said = ngettext("Follow-ups: {n} waiting.", "Follow-ups: {n} waiting.", waiting).format(
                n=waiting
            )
        link = escape(_("Open them"))
        return f"{escape(said)} <a href='follow-ups'>{link}</a> (Ctrl+Shift+U)."

    def _open(self) -> None:
        if self.brief is not None:
            self.openRegister.emit(self.brief.course_id, self.brief.session_id)


class WeekDialog(QDialog):
    """This week's sessions across courses; double-click (or Enter) opens one."""

    openSession = Signal(int, int)  # course id, session id

    def __init__(self, sessions: Sequence[WeekSession], parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(_("This week"))
        self.sessions = list(sessions)
        layout = QVBoxLayout(self)
        if not self.sessions:
            layout.addWidget(QLabel(_("No sessions in the next seven days.")))
        self.table = QTableWidget(len(self.sessions), 4, self)
        self.table.setAccessibleName(_("This week's sessions"))
        self.table.setHorizontalHeaderLabels([_("Day"), _("Time"), _("Course"), _("Session")])
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QTableWidget.SelectionMode.SingleSelection)
        for row, x in enumerate(self.sessions):
            what = f"{x.number}" + (f" · {_(x.topic)}" if x.topic else "")
            if x.cancelled:
                what = _("{session} (cancelled)").format(session=what)
            for col, text in enumerate((ui_date(x.day, "day"), x.start_time, x.code, what)):
                item = QTableWidgetItem(text)
                item.setToolTip(x.title)
                self.table.setItem(row, col, item)
        self.table.resizeColumnsToContents()
        for col in range(self.table.columnCount()):  # room for the focused cell's 2px ring
            self.table.setColumnWidth(col, self.table.columnWidth(col) + 2 * style.FOCUS_BORDER)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.cellDoubleClicked.connect(lambda row, _col: self.open_row(row))
        self.table.activated.connect(lambda index: self.open_row(index.row()))
        layout.addWidget(self.table, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.open_button = buttons.addButton(_("Open"), QDialogButtonBox.ButtonRole.AcceptRole)
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
