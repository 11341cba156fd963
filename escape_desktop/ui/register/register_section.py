"""The course's Sessions & register section: the grid, marked by click or key, and the people on it."""

from __future__ import annotations

from datetime import date
from functools import partial
from html import escape

from PySide6.QtCore import (
    QEvent,
    QItemSelectionModel,
    QModelIndex,
    QObject,
    QPoint,
    Qt,
    Signal,
    SignalInstance,
)
from PySide6.QtGui import QContextMenuEvent
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMenu,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from escape_desktop.context import AppContext
from escape_desktop.i18n import N_, _, ngettext, ui_date
from escape_desktop.programme.delivery import joined_online_problem
from escape_desktop.programme.status import ABSENT, APOLOGIES, PRESENT
from escape_desktop.services import reading
from escape_desktop.services.changes import Changes
from escape_desktop.services.reading import RegisterRow, SessionInfo
from escape_desktop.ui.common.change_bus import ChangeBus, OpChanges
from escape_desktop.ui.common.course_section import CourseSection, Stale
from escape_desktop.ui.common.operation import run_op
from escape_desktop.ui.register.register_keys import mark_letters
from escape_desktop.ui.register.register_model import (
    COL_ATTENDED,
    COL_NAME,
    COL_STATUS,
    FIRST_SESSION,
    RegisterModel,
    next_mark,
)
from escape_desktop.ui.register.register_ops import RegisterOps
from escape_desktop.ui.register.register_table import CLEAR, CLICK, CYCLE, ONLINE, RegisterTable


def legend() -> str:
    """The line above the grid, with the mark letters of the window language."""
    keys = mark_letters()
    return _(
        "Click a box, or press {present} present · {absent} absent · {apologies} apologies sent "
        "(then on to the next person) · Space changes · Delete clears"
    ).format(present=keys[PRESENT], absent=keys[ABSENT], apologies=keys[APOLOGIES])


# What the register shows: who is on the course, their marks, the sessions, the course heading.
SHOWN = (
    Changes.ATTENDANCE | Changes.ENROLMENT | Changes.PARTICIPANT | Changes.SESSION | Changes.COURSE
)


class RegisterSection(CourseSection):
    """Sessions & register: mark attendance, manage the people on the course, session details."""

    RELOAD_ON = SHOWN

    # The keys the grid reads itself, for Help > Keyboard shortcuts (ui/app/keys_help.py).
    @property
    def KEYS_HELP(self) -> tuple[tuple[str, str], ...]:
        keys = mark_letters()
        letters = " · ".join(keys[m] for m in (PRESENT, ABSENT, APOLOGIES))
        return (
            (
                _("{letters} · 1 · 2 · 3").format(letters=letters),
                N_("Present · absent · apologies sent, then on to the next person"),
            ),
            ("Space · Delete", N_("Change the mark · clear it")),
            ("Enter", N_("On a name: that person's details")),
            (N_("Menu key or Shift+F10"), N_("The person's menu: details, withdraw, move, review")),
        )

    # The course heading above the tabs counts from this register, so it reads even while
    # another tab is shown.
    RELOAD_WHILE_HIDDEN = True

    enrolRequested = Signal()
    importRequested = Signal()
    editPersonRequested = Signal(int)  # enrolment id
    withdrawRequested = Signal(int)
    moveRequested = Signal(int)
    sessionEditRequested = Signal(int)  # session id
    message = Signal(str)  # a hint for the status bar

    def __init__(
        self,
        ctx: AppContext,
        bus: ChangeBus,
        ops: RegisterOps,
        parent: QWidget | None = None,
        today: date | None = None,
    ):
        super().__init__(ctx, bus, parent)
        self.ops = ops  # the register's writes (marks), undoable
        self.model = RegisterModel(self, today=today)
        self._build_toolbar()
        self._build_table()
        self._build_session_panel()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 6, 0, 0)
        layout.addLayout(self._toolbar)
        layout.addWidget(self.legend)
        self.empty_hint = QLabel(
            _(
                "No one is on this course yet. Enrol people one by one (Ctrl+E), or import "
                "the referral list you were sent (Ctrl+I)."
            )
        )
        self.empty_hint.setWordWrap(True)
        self.empty_hint.setObjectName("emptyHint")
        self.empty_hint.hide()
        layout.addWidget(self.empty_hint)
        # Consent still to ask, screening still to review: one line above the grid.
        self.reminders = QLabel("")
        self.reminders.setObjectName("warning")
        self.reminders.setWordWrap(True)
        self.reminders.hide()
        layout.addWidget(self.reminders)
        layout.addWidget(self.grid, 1)
        layout.addWidget(self.session_panel)
        self._update_buttons()

    # --- building ----------------------------------------------------------------------
    def _build_toolbar(self) -> None:
        bar = QHBoxLayout()
        self.enrol_button = QPushButton(_("Enrol a person…"))
        self.enrol_button.setToolTip(_("Add someone to this course (Ctrl+E)"))
        self.enrol_button.clicked.connect(self.enrolRequested.emit)
        self.import_button = QPushButton(_("Import list…"))
        self.import_button.setToolTip(_("Add everyone on a referral list (CSV)"))
        self.import_button.clicked.connect(self.importRequested.emit)
        self.edit_button = QPushButton(_("Details…"))
        self.edit_button.clicked.connect(lambda: self._emit_for_current(self.editPersonRequested))
        self.withdraw_button = QPushButton(_("Withdraw…"))
        self.withdraw_button.clicked.connect(lambda: self._emit_for_current(self.withdrawRequested))
        self.move_button = QPushButton(_("Move…"))
        self.move_button.setToolTip(_("Move this person to another course"))
        self.move_button.clicked.connect(lambda: self._emit_for_current(self.moveRequested))
        # Was only in the right-click menu: a button too, shown while someone needs review.
        self.review_button = QPushButton(_("Clear screening review…"))
        self.review_button.setToolTip(_("Record that you reviewed this person's screening answers"))
        self.review_button.clicked.connect(self._clear_review_for_current)
        self.review_button.hide()
        for b in (
            self.enrol_button,
            self.import_button,
            self.edit_button,
            self.withdraw_button,
            self.move_button,
            self.review_button,
        ):
            b.setFocusPolicy(Qt.FocusPolicy.TabFocus)
            bar.addWidget(b)
        bar.addStretch(1)
        self._toolbar = bar
        self.legend = QLabel(legend())
        self.legend.setObjectName("hint")
        self.legend.setWordWrap(True)

    def _build_table(self) -> None:
        # Two views on one model: names, count and completion stay put on the left (frozen)
        # while the session columns scroll, so today's column and the names are always in view.
        self._menu_keys = _ContextMenuFilter(self)
        self.table = RegisterTable(self)
        self.table.setModel(self.model)
        self.table.setAccessibleName(_("Register"))
        self.names = RegisterTable(self)
        self.names.setModel(self.model)
        self.names.setSelectionModel(self.table.selectionModel())
        self.names.setAccessibleName(_("People on the register"))
        self.names.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.names.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOn)
        self.names.verticalScrollBar().valueChanged.connect(self.table.verticalScrollBar().setValue)
        self.table.verticalScrollBar().valueChanged.connect(self.names.verticalScrollBar().setValue)
        for view in (self.table, self.names):
            header = view.horizontalHeader()
            header.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
            header.setDefaultAlignment(Qt.AlignmentFlag.AlignCenter)
            header.setMinimumSectionSize(36)
            view.markRequested.connect(self._on_mark_requested)
            view.openPerson.connect(lambda i: self._emit_for_index(self.editPersonRequested, i))
            # The menu is opened from the context-menu event itself, which says whether the
            # mouse (a point in the viewport) or the keyboard (the current cell) asked.
            view.setContextMenuPolicy(Qt.ContextMenuPolicy.DefaultContextMenu)
            view.installEventFilter(self._menu_keys)
            view.viewport().installEventFilter(self._menu_keys)
        self.table.sessionActivated.connect(self._on_session_activated)
        self.model.modelReset.connect(self._resize_columns)
        self.table.selectionModel().currentChanged.connect(lambda *_: self._on_current_changed())
        self.grid = QWidget(self)
        row = QHBoxLayout(self.grid)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(0)
        # Under the names, a blank strip as tall as the grid's scroll bar keeps the rows level.
        frozen = QVBoxLayout()
        frozen.setContentsMargins(0, 0, 0, 0)
        frozen.setSpacing(0)
        frozen.addWidget(self.names, 1)
        frozen.addSpacing(self.table.horizontalScrollBar().sizeHint().height())
        row.addLayout(frozen)
        row.addWidget(self.table, 1)

    def _build_session_panel(self) -> None:
        self.session_panel = QWidget(self)
        column = QVBoxLayout(self.session_panel)
        column.setContentsMargins(0, 4, 0, 0)
        self.session_label = QLabel("")
        self.session_label.setWordWrap(True)
        row = QHBoxLayout()
        self.notes_edit = QLineEdit()
        self.notes_edit.setPlaceholderText(_("Notes for this session"))
        self.notes_edit.setToolTip(_("Saved when you press Enter or leave the box"))
        self.notes_edit.setAccessibleName(_("Session notes"))
        self.notes_edit.editingFinished.connect(self._save_notes)
        self.session_button = QPushButton(_("Edit session…"))
        self.session_button.setToolTip(_("Topic, date, staff present, or cancel the session"))
        self.session_button.clicked.connect(self._edit_current_session)
        row.addWidget(self.notes_edit, 1)
        row.addWidget(self.session_button)
        column.addWidget(self.session_label)
        column.addLayout(row)

    def _resize_columns(self) -> None:
        fm = self.table.fontMetrics()
        names = [fm.horizontalAdvance(r.name) for r in self.model.rows] or [0]
        widths = {
            # At most 20 letters wide at any text size (260 points at the usual size): large
            # text gets wider names, not names cut to "…".
            COL_NAME: max(150, min(20 * fm.horizontalAdvance("M"), max(names) + 24)),
            COL_ATTENDED: max(
                fm.horizontalAdvance(_("{attended} of {held}").format(attended=12, held=12)),
                fm.horizontalAdvance(_("Present")),
            )
            + 24,
            COL_STATUS: max(
                [fm.horizontalAdvance(_("Can't reach 75 %")), fm.horizontalAdvance(_("Completion"))]
                + [fm.horizontalAdvance(self.model.status_text(r)) for r in self.model.rows]
            )
            + 24,
        }
        # Narrow session columns and rows from the font, so a 1366x768 laptop shows a whole
        # class of 12 and six or more sessions (the header's tooltip has the full date).
        cell = max(fm.horizontalAdvance("00/00") + 14, fm.horizontalAdvance("Apol.") + 14)
        for view in (self.table, self.names):
            header = view.horizontalHeader()
            for col in range(self.model.columnCount()):
                frozen = col < FIRST_SESSION
                view.setColumnHidden(col, frozen != (view is self.names))
                header.resizeSection(col, widths[col] if frozen else cell)
            header.setFixedHeight(fm.height() * 2 + 14)
            view.verticalHeader().setMinimumSectionSize(fm.height() + 6)
            view.verticalHeader().setDefaultSectionSize(fm.height() + 8)
        self.names.setFixedWidth(sum(widths.values()) + 2 * self.names.frameWidth())

    # --- data --------------------------------------------------------------------------
    def show_course(self) -> None:
        self.reload()
        column = self.model.today_column()
        if self.model.rows and column is not None:
            self.table.setCurrentIndex(self.model.index(0, column))
            self.table.scrollTo(self.model.index(0, column))
        self._on_current_changed()

    def reload(self) -> None:
        register = None
        if self.course_id is not None:
            register = reading.course_register(self.ctx, self.course_id)
        self._read_reminders()
        self.model.set_register(register)
        self.empty_hint.setVisible(register is not None and not self.model.rows)
        self._on_current_changed()

    def load(self, level: Stale) -> None:
        self.reload()

    def changed_on_screen(self, change: OpChanges, level: Stale) -> None:
        """Marks of some people changed elsewhere (a circuit result marked someone present, an
        undo): only their marks are read again, not the whole register (issue 29)."""
        marks_only = change.changes & ~(Changes.ATTENDANCE | Changes.EXERCISE) == Changes.NONE
        if marks_only and change.ids and self.model.register is not None:
            if self.model.set_marks(reading.register_marks(self.ctx, change.ids)):
                self._on_current_changed()
                return
        self.load(level)

    def clear_review(self, enrolment_id: int) -> bool:
        """Ask for a note and clear "needs review before starting" (audit logged by the service)."""
        from escape_desktop.services import screening
        from escape_desktop.ui.common import error_dialog
        from escape_desktop.ui.people.people_ops import PeopleOps
        from escape_desktop.ui.people.review_dialog import ClearReviewDialog

        person = next((r for r in self.model.rows if r.enrolment_id == enrolment_id), None)
        if person is None:
            return False
        ok, state = error_dialog.guarded(self, screening.screening_state, self.ctx, enrolment_id)
        if not ok:
            return False
        checklist = screening.checklist_for_course(self.ctx, self.course_id or 0)
        dialog = ClearReviewDialog(self, person.name, state, checklist)
        if self.open_review_dialog(dialog) != ClearReviewDialog.DialogCode.Accepted:
            return False
        return PeopleOps(self.ctx, self.bus, self).clear_review(
            enrolment_id, dialog.note(), person.name, dialog.answers()
        )

    def open_review_dialog(self, dialog: QDialog) -> int:
        """Run the dialog (tests replace this to fill it in)."""
        return dialog.exec()

    def _read_reminders(self) -> None:
        """Who has a consent not asked yet or a screening to review (issue 15), and the line saying so."""
        not_asked: set[int] = set()
        review: set[int] = set()
        if self.course_id is not None:  # plain SQL: shown before SQLAlchemy is imported
            not_asked, review = reading.reminders(self.ctx, self.course_id)
        self.model.not_asked, self.model.needs_review = not_asked, review
        lines = []
        if not_asked:
            n = len(not_asked)
            lines.append(
                ngettext(
                    "{n} person not yet asked about consent: ask at the first session, then "
                    "open Details to record the answer.",
                    "{n} people not yet asked about consent: ask at the first session, then "
                    "open Details to record the answer.",
                    n,
                ).format(n=n)
            )
        if review:
            n = len(review)
            lines.append(
                ngettext(
                    "{n} person needs review before starting (screening): kept off the circuit "
                    "until you clear it (choose the name, then Clear screening review…, or press "
                    "the Menu key or right-click the name).",
                    "{n} people need review before starting (screening): kept off the circuit "
                    "until you clear it (choose the name, then Clear screening review…, or press "
                    "the Menu key or right-click the name).",
                    n,
                ).format(n=n)
            )
        self.reminders.setText("\n".join(lines))
        self.reminders.setVisible(bool(lines))
        self.review_button.setVisible(bool(review))

    def current_row(self) -> RegisterRow | None:
        index = self.table.currentIndex()
        if not index.isValid() or index.row() >= len(self.model.rows):
            return None
        return self.model.rows[index.row()]

    def select_enrolment(self, enrolment_id: int) -> None:
        for i, r in enumerate(self.model.rows):
            if r.enrolment_id == enrolment_id:
                col = self.table.currentIndex().column()
                self.table.setCurrentIndex(self.model.index(i, max(col, 0)))
                self.table.scrollTo(self.model.index(i, max(col, 0)))
                return

    # --- marking -----------------------------------------------------------------------
    def _on_mark_requested(self, index: QModelIndex, what: str) -> None:
        self.table.selectionModel().setCurrentIndex(
            index, QItemSelectionModel.SelectionFlag.ClearAndSelect
        )
        session = self.model.session_at(index.column())
        if session is None:
            return
        person = self.model.rows[index.row()]
        if person.status == "withdrawn":
            self.message.emit(
                _(
                    "{name} has withdrawn, so is not marked; if that was a mistake, use Undo "
                    "(Ctrl+Z)."
                ).format(name=person.name)
            )
            return
        if session.cancelled:
            self.message.emit(
                _(
                    "Session {number} is cancelled; reinstate it with Edit session to mark it."
                ).format(number=session.number)
            )
            return
        current = person.marks.get(session.id)
        row = index.row()
        if what == ONLINE:
            self._toggle_joined_online(row, session, current)
            return
        if what in (CYCLE, CLICK):
            mark = next_mark(current)
        elif what == CLEAR:
            mark = None
        else:
            mark = what
        if mark in ("present", "absent") and session.date > self.model.today:
            # Apologies can come in ahead; who came can only be known on the day.
            self.message.emit(
                _(
                    "Session {number} is on {day}, not held yet: mark who came on the day. "
                    "Someone who says they cannot come: press {apologies} for apologies."
                ).format(
                    number=session.number,
                    day=ui_date(session.date, "day"),
                    apologies=mark_letters()[APOLOGIES],
                )
            )
            return
        saved = self.ops.mark(
            person.enrolment_id, session.id, mark, person.name, session.number, initiator=self
        )
        if saved:
            self.model.set_mark(row, session.id, mark)
            # The bus reload has refreshed the cells; P, A or L moves on to the next person,
            # so a register is taken as people walk in. Space and clicks stay put to cycle.
            if what not in (CYCLE, CLICK, CLEAR):
                self.table.move_down()

    def _toggle_joined_online(self, row: int, session: SessionInfo, current: str | None) -> None:
        """O on a cell: the person present at a hybrid course's hall session joined online
        (or, again, in the room). Anywhere else says in one sentence why it does not apply."""
        joined = not self.model.joined_online(row, session.id)
        problem = (
            joined_online_problem(self.model.delivery_mode(), session.moved_online, current)
            if joined
            else None
        )
        if problem:
            self.message.emit(problem)
            return
        person = self.model.rows[row]
        if self.ops.joined_online(person.enrolment_id, session.id, joined, initiator=self):
            self.model.set_joined_online(row, session.id, joined)

    # --- helpers -----------------------------------------------------------------------
    def _emit_for_current(self, signal: SignalInstance) -> None:
        self._emit_for_index(signal, self.table.currentIndex())

    def _emit_for_index(self, signal: SignalInstance, index: QModelIndex) -> None:
        if not index.isValid():
            self.message.emit(_("Choose a person in the register first."))
            return
        signal.emit(self.model.rows[index.row()].enrolment_id)

    def _update_buttons(self) -> None:
        has_course = self.course_id is not None
        person = self.current_row()
        self.enrol_button.setEnabled(has_course)
        self.import_button.setEnabled(has_course)
        for b in (self.edit_button, self.move_button):
            b.setEnabled(person is not None)
        self.withdraw_button.setEnabled(person is not None and person.status != "withdrawn")
        self.review_button.setEnabled(
            person is not None and person.enrolment_id in self.model.needs_review
        )

    def _clear_review_for_current(self) -> None:
        person = self.current_row()
        if person is None:
            self.message.emit(_("Choose a person in the register first."))
            return
        self.clear_review(person.enrolment_id)

    def current_session_id(self) -> int | None:
        session = self.model.session_at(self.table.currentIndex().column())
        if session is None:
            column = self.model.today_column()
            session = self.model.session_at(column) if column is not None else None
        return session.id if session else None

    def _on_current_changed(self) -> None:
        self._update_buttons()
        sid = self.current_session_id()
        session = next((x for x in self.model.sessions if x.id == sid), None)
        self.session_panel.setVisible(session is not None)
        if session is None:
            return
        number = escape(_("Session {number}").format(number=session.number))
        parts = [f"<b>{number}</b> · {escape(ui_date(session.date))}"]
        if session.cancelled:
            parts.append(
                f"<b>{escape(_('cancelled'))}</b>"
                + (f": {escape(session.cancel_reason)}" if session.cancel_reason else "")
            )
        elif session.topic:
            parts.append(escape(_(session.topic)))  # the programme’s own topic translated
        if session.staff_present:
            parts.append(escape(_("Staff: {names}").format(names=session.staff_present)))
        self.session_label.setText(" · ".join(parts))
        if not self.notes_edit.hasFocus():
            self.notes_edit.setText(session.notes)
        self.notes_edit.setProperty("session_id", session.id)

    def _save_notes(self) -> None:
        sid = self.notes_edit.property("session_id")
        if sid is None:
            return
        session = next((x for x in self.model.sessions if x.id == sid), None)
        text = self.notes_edit.text().strip()
        if session is None or session.notes == text:
            return
        run_op(
            self,
            lambda: _courses().set_session_notes(self.ctx, sid, text),
            bus=self.bus,
            initiator=self,
            success=lambda _: self.reload(),  # the session panel and heading read the notes again
        )

    def _on_session_activated(self, column: int) -> None:
        session = self.model.session_at(column)
        if session is not None:
            self.sessionEditRequested.emit(session.id)

    def _edit_current_session(self) -> None:
        sid = self.current_session_id()
        if sid is not None:
            self.sessionEditRequested.emit(sid)

    def _context_menu(self, view: QTableView, index: QModelIndex, at: QPoint) -> None:
        """The menu for the person (and session) at ``index``, shown at ``at`` (global)."""
        if not index.isValid():
            return
        view.setCurrentIndex(index)
        menu = QMenu(self)
        if index.column() >= FIRST_SESSION and self.model.is_editable_cell(index):
            keys = mark_letters()
            for word, key, what in (
                (_("Present"), keys[PRESENT], PRESENT),
                (_("Absent"), keys[ABSENT], ABSENT),
                (_("Apologies"), keys[APOLOGIES], APOLOGIES),
                (_("Clear"), "Delete", CLEAR),
            ):
                menu.addAction(f"{word}\t{key}", partial(self._on_mark_requested, index, what))
            if self.model.delivery_mode() == "hybrid":
                online = _("Joined online (or in the room)")
                menu.addAction(f"{online}\tO", partial(self._on_mark_requested, index, ONLINE))
            menu.addSeparator()
        enrolment = self.model.rows[index.row()].enrolment_id
        menu.addAction(_("Details…"), lambda: self.editPersonRequested.emit(enrolment))
        if self.model.rows[index.row()].status != "withdrawn":
            menu.addAction(_("Withdraw…"), lambda: self.withdrawRequested.emit(enrolment))
        menu.addAction(_("Move to another course…"), lambda: self.moveRequested.emit(enrolment))
        if enrolment in self.model.needs_review:
            menu.addAction(_("Clear screening review…"), lambda: self.clear_review(enrolment))
        if index.column() >= FIRST_SESSION:
            menu.addSeparator()
            menu.addAction(_("Edit session…"), lambda: self._on_session_activated(index.column()))
        menu.popup(at)

    def context_menu_event(self, view: QTableView, event: QContextMenuEvent, mouse: bool) -> None:
        if mouse:  # the pointer's cell
            index = view.indexAt(event.pos())
            at = event.globalPos()
        else:  # Menu key or Shift+F10: the cell the cursor is on, whatever point Qt gave
            index = view.currentIndex()
            at = view.viewport().mapToGlobal(view.visualRect(index).center())
        self._context_menu(view, index, at)


class _ContextMenuFilter(QObject):
    """Catches the register views' context-menu events.

    A keyboard menu comes to the view with a point in the view's own coordinates; taken as a
    viewport point (as a customContextMenuRequested handler must) it was a header's height
    lower: two rows below the cursor, and nothing on the last two rows (issue 24).
    """

    def __init__(self, section: RegisterSection):
        super().__init__(section)
        self.section = section

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if event.type() != QEvent.Type.ContextMenu or not isinstance(event, QContextMenuEvent):
            return False
        for view in (self.section.table, self.section.names):
            if obj is view.viewport():
                self.section.context_menu_event(view, event, mouse=True)
                return True
            if obj is view:
                keyboard = event.reason() == QContextMenuEvent.Reason.Keyboard
                self.section.context_menu_event(view, event, mouse=not keyboard)
                return True
        return False


__all__ = ["RegisterSection", "RegisterTable", "COL_ATTENDED", "COL_STATUS"]


def _courses():  # type: ignore[no-untyped-def]
    """services.courses, imported at the first session note (it loads SQLAlchemy)."""
    from escape_desktop.services import courses

    return courses
