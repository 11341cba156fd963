"""The course's Circuit section: record a session's circuit by keyboard, act on suggestions.

People run down the side, stations across. Each cell shows the level and target dose
carried forward and takes today's dose, pain (0-10) and effort (0-10) in a three-field
editor: type to start, Tab or Enter moves field to field and then on to the next
station, Shift+Tab goes back, Esc cancels. Every cell is saved the moment it is left.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from html import escape
from typing import Any, TypeVar

from PySide6.QtCore import QEvent, QObject, QPersistentModelIndex, Qt
from PySide6.QtGui import QFont, QFontMetrics, QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from escape_desktop.context import AppContext
from escape_desktop.errors import KnownError
from escape_desktop.i18n import N_, _, ui_date, ui_translator
from escape_desktop.programme.progression import dose_words
from escape_desktop.services import circuit
from escape_desktop.services.changes import Changes, Done
from escape_desktop.services.circuit import Cell, CellSaved, SessionChoice
from escape_desktop.services.circuit.recording import undoable
from escape_desktop.ui.circuit.cell_editor import CellEditor
from escape_desktop.ui.circuit.circuit_decisions import CircuitDecisions
from escape_desktop.ui.circuit.circuit_delegate import CircuitDelegate
from escape_desktop.ui.circuit.circuit_model import CircuitModel, suggestion_words
from escape_desktop.ui.circuit.circuit_table import CircuitTable
from escape_desktop.ui.circuit.circuit_views import CircuitView, CircuitViews
from escape_desktop.ui.circuit.level_dialog import LevelDialog
from escape_desktop.ui.common import style
from escape_desktop.ui.common.announce import LiveLabel
from escape_desktop.ui.common.change_bus import ChangeBus, OpChanges
from escape_desktop.ui.common.course_section import CourseSection, Stale
from escape_desktop.ui.common.operation import Operation, run_op

# The circuit's own keys. None is a QKeySequence standard binding on Windows, macOS or Linux
# nor a window action (Ctrl+Y was Redo on Windows, Ctrl+N New course, Ctrl+Shift+A Deselect
# on Linux, Ctrl+H Hide on macOS): issues 24 and 25.
KEY_HISTORY = "Ctrl+Shift+P"  # this person's progress
KEY_ACCEPT = "Ctrl+Shift+Y"  # yes: the suggestion is taken
KEY_IGNORE = "Ctrl+Shift+I"
KEY_ACCEPT_ALL = "Ctrl+Shift+K"  # keep every suggestion (after the list)
KEY_STATION_DONE = "Ctrl+D"
KEYS_HINT = N_(
    "Space: did what was set (this cell) · Shift+Space: the whole person · "
    "{station_done}: everyone at this station. Type only what differed: done, pain "
    "0–10, effort 0–10; Tab or Enter moves on, Esc cancels; each cell is saved as you leave "
    "it. Suggestion: {accept} accept, {ignore} ignore, {accept_all} accept all "
    "(listed first). Ctrl+Z undoes the last change."
)


def keys_hint() -> str:
    """The circuit's keys in a sentence, in the window's language."""
    return _(KEYS_HINT).format(
        station_done=KEY_STATION_DONE,
        accept=KEY_ACCEPT,
        ignore=KEY_IGNORE,
        accept_all=KEY_ACCEPT_ALL,
    )


# What the circuit shows; SESSION and COURSE change the session list too.
T = TypeVar("T")

SHOWN = (
    Changes.EXERCISE
    | Changes.STATION
    | Changes.ENROLMENT
    | Changes.PARTICIPANT
    | Changes.ATTENDANCE
    | Changes.SESSION
    | Changes.COURSE
)

# The kinds of change that never reach a course's circuit history (records, decisions,
# session numbers, stations, enrolments): the kept history stays for these.
HISTORY_UNTOUCHED = (
    Changes.ATTENDANCE
    | Changes.PARTICIPANT
    | Changes.ASSESSMENT
    | Changes.DOCUMENT
    | Changes.EXPORT
)


class CircuitSection(CourseSection):
    """The circuit of one session: stations across, people down (a CourseSection).

    ``today`` (optional) fixes the day used to choose the default session, for tests.
    """

    RELOAD_ON = SHOWN
    COURSE_WIDE = Changes.SESSION | Changes.COURSE  # the session list may change
    # The keys the grid reads itself, for Help > Keyboard shortcuts (ui/app/keys_help.py).
    KEYS_HELP = (
        ("Space", N_("Did what was set (this cell), then on to the next")),
        ("Shift+Space", N_("The whole person did what was set, then on to the next person")),
        (N_("Digits, Space, Enter"), N_("Only what differed: done, pain 0–10, effort 0–10")),
        ("Ctrl+Tab", N_("Leave the grid (Tab moves between cells)")),
    )

    def __init__(
        self,
        ctx: AppContext,
        bus: ChangeBus,
        parent: QWidget | None = None,
        *,
        today: date | Callable[[], date] | None = None,
    ):
        super().__init__(ctx, bus, parent)
        self.sessions: list[SessionChoice] = []
        self._today = today
        self.loads = 0  # how many times a session's grid was read (tests count it)
        # The course's history, kept while only the session shown changes (issue 29):
        # dropped for the people of an EXERCISE change, cleared on anything else it shows.
        self.history = circuit.HistoryCache()
        self._editing: tuple[QPersistentModelIndex, CellEditor] | None = None
        self.active_dialog: QDialog | None = None
        self.decisions = CircuitDecisions(self)  # suggestions and "did what was set"
        self.model = CircuitModel(ctx, self)
        self.model.write = self._write_cell
        self.views = CircuitViews(self.model)
        self._build_top()
        self._build_table()
        self._build_panel()
        # Everything in a scroll area: with large text on a 768-high screen the section
        # scrolls rather than squeezing the cell's description into a clipped line.
        self.body = QWidget(self)
        scroll = QScrollArea(self)
        style.quiet_scroll(scroll, _("Circuit"))
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroll)
        layout = QVBoxLayout(self.body)
        layout.addLayout(self.top)
        layout.addLayout(self.info_row)
        layout.addWidget(self.view_label)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.panel)
        layout.addWidget(self.message)
        scroll.setWidget(self.body)
        self.model.saved.connect(self._on_saved)
        self.model.save_failed.connect(lambda text: self._say(text, error=True))
        self._show_empty(_("Choose a course to see its circuit."))

    # ------------------------------------------------------------------ building

    def _build_top(self) -> None:
        self.top = QHBoxLayout()
        label = QLabel(_("&Session:"), self)
        label.setMinimumWidth(label.sizeHint().width())  # a longer language never cut
        self.session_combo = QComboBox(self)
        self.session_combo.setMinimumContentsLength(18)
        label.setBuddy(self.session_combo)
        self.session_combo.currentIndexChanged.connect(self._on_session_chosen)
        self.session_info = QLabel(self)
        self.session_info.setWordWrap(True)
        self.stations_button = QPushButton(_("S&tations…"), self)
        self.stations_button.setToolTip(_("Choose, order and add the exercises in this circuit"))
        self.stations_button.clicked.connect(self.open_stations)
        self.history_button = QPushButton(_("&Progress of this person…"), self)
        self.history_button.setToolTip(
            _("Charts of level, dose and pain over the course, and the home plan ({keys})").format(
                keys=KEY_HISTORY
            )
        )
        self.history_button.clicked.connect(self.open_history)
        QShortcut(QKeySequence(KEY_HISTORY), self, self.open_history)
        view_label = QLabel(_("Sho&w:"), self)
        view_label.setMinimumWidth(view_label.sizeHint().width())
        self.view_combo = QComboBox(self)
        for view in CircuitView:
            self.view_combo.addItem(_(view.value), view)
        self.view_combo.setToolTip(
            _(
                "Whole class: everyone at every station. One station: stand at a station and "
                "record everyone there. One person: every station for the person in front of "
                "you."
            )
        )
        view_label.setBuddy(self.view_combo)
        self.view_combo.currentIndexChanged.connect(
            lambda _i: self.set_view(self.view_combo.currentData())
        )
        self.view_label = QLabel(self)
        self.view_label.setObjectName("hint")
        self.view_label.setWordWrap(True)
        self.view_label.hide()
        self.top.addWidget(label)
        self.top.addWidget(self.session_combo)
        self.top.addStretch(1)
        # The view choice shares the session's line: on the top line it pushed the buttons
        # off a 1024-wide screen.
        self.info_row = QHBoxLayout()
        self.info_row.addWidget(self.session_info, 1)
        self.info_row.addWidget(view_label)
        self.info_row.addWidget(self.view_combo)
        self.top.addWidget(self.stations_button)
        self.top.addWidget(self.history_button)
        # The session's date and topic get their own line: beside the buttons it was squeezed
        # into a narrow column, worst with large text.

    def _build_table(self) -> None:
        self.table = CircuitTable(self)
        self.table.setModel(self.model)
        self.delegate = CircuitDelegate(self.table)
        self.delegate.model = self.model
        self.table.setItemDelegate(self.delegate)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectItems)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setTabKeyNavigation(True)
        self.table.start_edit.connect(self.start_edit)
        self.table.did_set.connect(self.did_as_set)
        self.table.setAccessibleName(_("Circuit"))
        self.table.setWordWrap(False)
        hh = self.table.horizontalHeader()
        hh.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        hh.setDefaultAlignment(Qt.AlignmentFlag.AlignCenter)
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self._size_rows()
        self.table.selectionModel().currentChanged.connect(self._on_current_changed)
        self.table.installEventFilter(self)
        self.model.modelReset.connect(self._fit_columns)

    def _size_rows(self) -> None:
        """Two lines of text a row and a header: follows the font, so large text is not cut off."""
        fm = QFontMetrics(self.table.font())
        self.table.horizontalHeader().setMinimumHeight(2 * fm.height() + 10)
        # One station: people down, a wide cell, one line each (a person's name is one line;
        # a station's name and dose in the one-person view take two).
        one_line = self.views.mode is CircuitView.STATION
        self.delegate.one_line = one_line
        self.table.verticalHeader().setDefaultSectionSize(
            fm.height() + 12 if one_line else 2 * fm.height() + 14
        )
        # At least three people in view; below that the section scrolls instead.
        self.table.setMinimumHeight(2 * fm.height() + 10 + 3 * (2 * fm.height() + 14) + 20)
        # Wide enough for a full results line, so "effort" is never cut to "e…".
        sample = " · ".join(
            (
                _("did {dose}").format(dose=12),
                _("pain {score}").format(score=10),
                _("effort {score}").format(score=10),
            )
        )
        results = fm.horizontalAdvance(sample) + 14
        self.table.horizontalHeader().setDefaultSectionSize(max(164, results))

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange:  # large text switched on or off
            self._size_rows()
            self._fit_columns()

    def _fit_columns(self) -> None:
        """Widen a station's column when its name would not fit the header (e.g. long custom names)."""
        if self.views.mode is not CircuitView.GRID:
            return  # one column, stretched to the width
        header = self.table.horizontalHeader()
        fm = QFontMetrics(header.font())
        bold = QFont(header.font())
        bold.setBold(True)  # the current column's header is drawn bold
        fm_bold = QFontMetrics(bold)
        base = header.defaultSectionSize()
        for col in range(self.model.columnCount()):
            text = str(self.model.headerData(col, Qt.Orientation.Horizontal) or "")
            widest = max(
                (
                    max(fm.horizontalAdvance(t), fm_bold.horizontalAdvance(t))
                    for t in text.split("\n")
                ),
                default=0,
            )
            header.resizeSection(col, max(base, min(widest + 24, 2 * base)))

    def _build_panel(self) -> None:
        self.panel = QWidget(self)
        layout = QVBoxLayout(self.panel)
        layout.setContentsMargins(0, 0, 0, 0)
        self.cell_label = QLabel(self.panel)
        self.cell_label.setWordWrap(True)
        self.suggestion_label = QLabel(self.panel)
        self.suggestion_label.setWordWrap(True)
        self.suggestion_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        buttons = QHBoxLayout()
        self.accept_button = QPushButton(_("&Accept suggestion"), self.panel)
        self.accept_button.setToolTip(
            _("Use the suggested level and dose next session ({keys})").format(keys=KEY_ACCEPT)
        )
        self.ignore_button = QPushButton(_("&Ignore"), self.panel)
        self.ignore_button.setToolTip(
            _("Keep them as they are; the choice is remembered ({keys})").format(keys=KEY_IGNORE)
        )
        self.accept_all_button = QPushButton(_("Accept all…"), self.panel)
        self.accept_all_button.setToolTip(
            _(
                "List every open suggestion (this person or the class), then accept them all "
                "({keys})"
            ).format(keys=KEY_ACCEPT_ALL)
        )
        self.undo_button = QPushButton(_("&Undo choice"), self.panel)
        self.undo_button.setToolTip(
            _(
                "Forget the accept or ignore, so the suggestion is open again "
                "(Ctrl+Z undoes the last change anywhere, this one included)"
            )
        )
        self.level_button = QPushButton(_("Change &level…"), self.panel)
        self.level_button.setToolTip(
            _("Set this person's level and target for this session by hand (Alt+L)")
        )
        for keys, slot in (
            (KEY_ACCEPT, lambda: self.decide(True)),
            (KEY_IGNORE, lambda: self.decide(False)),
            (KEY_ACCEPT_ALL, self.accept_all),
            (KEY_STATION_DONE, lambda: self.did_as_set("station")),
        ):
            shortcut = QShortcut(QKeySequence(keys), self)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(slot)
        self.accept_button.clicked.connect(lambda: self.decide(True))
        self.ignore_button.clicked.connect(lambda: self.decide(False))
        self.undo_button.clicked.connect(self.undo_decision)
        self.level_button.clicked.connect(self.change_level)
        self.accept_all_button.clicked.connect(self.accept_all)
        for b in (
            self.accept_button,
            self.ignore_button,
            self.accept_all_button,
            self.undo_button,
            self.level_button,
        ):
            b.setFocusPolicy(Qt.FocusPolicy.TabFocus)
            buttons.addWidget(b)
        buttons.addStretch(1)
        layout.addWidget(self.cell_label)
        layout.addWidget(self.suggestion_label)
        layout.addLayout(buttons)
        self.message = LiveLabel("", self)
        self.message.setWordWrap(True)
        self.message.setAccessibleName(_("Message"))
        hint = QLabel(keys_hint(), self.panel)
        hint.setWordWrap(True)
        hint.setObjectName("hint")
        layout.addWidget(hint)

    # ------------------------------------------------------------------ loading

    def today(self) -> date:
        if callable(self._today):
            return self._today()
        return self._today or date.today()

    def load(self, level: Stale) -> None:
        """COURSE: the session list, staying on the same session and cell; DATA: the grid."""
        if level == Stale.COURSE:
            self._load_course(self.session_number(), self._current_keep())
        else:
            self.reload()

    def show_course(self) -> None:
        self._load_course(None)  # a course just chosen opens on today's session

    def set_course(self, course_id: int | None) -> None:
        if course_id != self.course_id and not self.on_screen():
            # Never show one course's circuit under another's name, even for a moment.
            self.session_combo.blockSignals(True)
            self.session_combo.clear()
            self.session_combo.blockSignals(False)
            self.course_id = course_id
            self._show_empty("")
        super().set_course(course_id)

    def _load_course(
        self, keep_number: int | None, keep_cell: tuple[int, str] | None = None
    ) -> None:
        """Read the course's sessions and show ``keep_number`` (or today's default session)."""
        course_id = self.course_id
        self.sessions = circuit.course_sessions(self.ctx, course_id) if course_id else []
        self.session_combo.blockSignals(True)
        self.session_combo.clear()
        for x in self.sessions:
            text = _("Session {number} – {date}").format(
                number=x.number, date=ui_date(x.date, "short")
            )
            if x.cancelled:
                text += " " + _("(cancelled)")
            self.session_combo.addItem(text, x.number)
        default = circuit.default_session_number(self.sessions, self.today())
        if keep_number is not None and any(x.number == keep_number for x in self.sessions):
            default = keep_number
        if default is not None:
            self.session_combo.setCurrentIndex(self.session_combo.findData(default))
        self.session_combo.blockSignals(False)
        if course_id is None:
            self._show_empty(_("Choose a course to see its circuit."))
        elif default is None:
            self._show_empty(_("This course has no sessions yet; add its dates first."))
        else:
            self.show_session(default, keep_cell if default == keep_number else None)

    def session_number(self) -> int | None:
        data = self.session_combo.currentData()
        return int(data) if data is not None else None

    def show_session(self, number: int, keep: tuple[int, str] | None = None) -> None:
        """Load one session's grid; ``keep`` = (enrolment id, station key) to stay on."""
        if self.course_id is None:
            return
        i = self.session_combo.findData(number)
        if i >= 0 and i != self.session_combo.currentIndex():
            self.session_combo.blockSignals(True)
            self.session_combo.setCurrentIndex(i)
            self.session_combo.blockSignals(False)
        self.loads += 1
        try:
            grid = circuit.circuit_grid(self.ctx, self.course_id, number, history=self.history)
        except KnownError as e:
            self._show_empty(str(e))
            return
        self._editing = None  # a reset closes any open editor
        self.model.set_grid(grid)
        self.stations_button.setEnabled(True)
        info = f"{ui_date(grid.session_date, 'long')}: {_(grid.session_topic)}"
        if grid.session_cancelled:
            info += " — " + _("this session was cancelled, so nothing can be recorded.")
        elif grid.session_online:
            info += " — " + _(
                "held online: everyone does the home version of each station at the same "
                "level and aim (hover a station for it); type what each person reports."
            )
        elif any(r.at_home for r in grid.rows):
            info += " — " + _("people marked 'at home' joined online and do the home versions.")
        elif not grid.rows:
            info += " — " + _("nobody is enrolled yet.")
        self.session_info.setText(info)
        index = self.model.index(0, 0)
        if keep is not None:
            r, c = self.model.row_of(keep[0]), self.model.column_of(keep[1])
            if r >= 0 and c >= 0:
                index = self.model.index(r, c)
        if index.isValid():
            self.table.setCurrentIndex(self.views.from_source(index))
        self._show_view_label()
        self._update_panel()

    def _show_empty(self, text: str) -> None:
        self._editing = None
        self.model.set_grid(None)
        self.session_info.setText(text)
        self.stations_button.setEnabled(self.course_id is not None)
        self._update_panel()

    def _current_keep(self) -> tuple[int, str] | None:
        """(enrolment id, station key) of the current cell, to stay on it across a reload."""
        current = self.views.to_source(self.table.currentIndex())
        row, cell = self.model.row_at(current.row()), self.model.cell_at(current)
        if row is not None and cell is not None:
            return (row.enrolment_id, cell.station_key)
        return None

    def reload(self) -> None:
        number = self.session_number()
        if number is None:
            return
        self.show_session(number, self._current_keep())

    # ------------------------------------------------------------------ one station, one person

    def set_view(self, view: CircuitView) -> None:
        """Show the whole class, one station or one person, staying on the current cell."""
        if view is self.views.mode:
            return
        self._close_editor()
        here = self.views.to_source(self.table.currentIndex())
        if not here.isValid():
            here = self.model.index(0, 0)
        self.views.mode = view
        self.table.setModel(self.views.model())  # a new selection model: listen to it again
        self.table.selectionModel().currentChanged.connect(self._on_current_changed)
        grid = view is CircuitView.GRID
        self._size_rows()  # one line a row in the one-station view
        self.table.horizontalHeader().setStretchLastSection(not grid)
        if grid:
            self._fit_columns()
        i = self.view_combo.findData(view)
        if i != self.view_combo.currentIndex():
            self.view_combo.blockSignals(True)
            self.view_combo.setCurrentIndex(i)
            self.view_combo.blockSignals(False)
        if here.isValid():
            self.table.setCurrentIndex(self.views.from_source(here))
        self._show_view_label()
        self._update_panel()
        self.table.setFocus()

    def step_across(self, step: int) -> None:
        """Another station (one-station view) or another person (one-person view)."""
        here = self.views.to_source(self.table.currentIndex())
        if not here.isValid() or self.views.mode is CircuitView.GRID:
            return
        self._editor_finished(0)  # save a cell being typed into first, as Tab would
        if self.views.mode is CircuitView.STATION:
            col = here.column() + step
            if not 0 <= col < self.model.columnCount():
                return
            target = self.model.index(here.row(), col)
        else:
            row = here.row() + step
            if not 0 <= row < self.model.rowCount():
                return
            target = self.model.index(row, here.column())
        self.table.setCurrentIndex(self.views.from_source(target))
        self._show_view_label()
        self.table.setFocus()

    def _show_view_label(self) -> None:
        mode = self.views.mode
        grid = self.model.grid
        here = self.views.to_source(self.table.currentIndex())
        if mode is CircuitView.GRID or grid is None or not here.isValid():
            self.view_label.hide()
            return
        if mode is CircuitView.STATION:
            st = grid.stations[here.column()]
            text = _(
                "<b>{station}</b> — station {number} of {count}. "
                "Up/Down: person · Left/Right or PgUp/PgDn: another station"
            ).format(station=escape(_(st.name)), number=here.column() + 1, count=len(grid.stations))
        else:
            row = self.model.row_at(here.row())
            text = _(
                "<b>{name}</b> — person {number} of {count}. "
                "Up/Down: station · Left/Right or PgUp/PgDn: another person"
            ).format(
                name=escape(row.name if row else ""), number=here.row() + 1, count=len(grid.rows)
            )
        self.view_label.setText(text)
        self.view_label.show()

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if (
            obj is self.table
            and event.type() == QEvent.Type.KeyPress
            and self.views.mode is not CircuitView.GRID
        ):
            assert isinstance(event, QKeyEvent)
            plain = not event.modifiers() & (
                Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier
            )
            steps = {
                Qt.Key.Key_Left: -1,
                Qt.Key.Key_PageUp: -1,
                Qt.Key.Key_Right: 1,
                Qt.Key.Key_PageDown: 1,
            }
            if plain and event.key() in steps:
                self.step_across(steps[Qt.Key(event.key())])
                return True
        return super().eventFilter(obj, event)

    # ------------------------------------------------------------------ reacting

    def _on_session_chosen(self, _i: int) -> None:
        number = self.session_number()
        if number is not None:
            self.show_session(number)

    def start_edit(self, typed: str = "") -> CellEditor | None:
        """Open the current cell's editor; ``typed`` replaces the dose done."""
        index = self.table.currentIndex()
        if self._editing is not None or not index.isValid():
            return None
        away = self.model.row_at(self.views.to_source(index).row())
        if away is not None and away.attendance in circuit.AWAY and self.model.grid is not None:
            self._say(circuit.away_sentence(away, self.model.grid.session_number), error=True)
            return None
        if not self.table.model().flags(index) & Qt.ItemFlag.ItemIsEditable:
            row = self.model.row_at(self.views.to_source(index).row())
            if row is not None and row.needs_review:  # screening at enrolment (issue 15)
                self._say(
                    _(
                        "{name} needs review before starting; clear the screening review on "
                        "the register first."
                    ).format(name=row.name),
                    error=True,
                )
                return None
            self._say(
                _("This session was cancelled, so nothing can be recorded in it."), error=True
            )
            return None
        self.table.openPersistentEditor(index)
        editor = self.table.indexWidget(index)
        if not isinstance(editor, CellEditor):
            return None
        self._editing = (QPersistentModelIndex(index), editor)
        editor.finished.connect(self._editor_finished)
        editor.cancelled.connect(self._editor_cancelled)
        editor.focus_left.connect(lambda: self._editor_finished(0))
        dose = editor.fields["dose_achieved"]
        dose.setFocus(Qt.FocusReason.TabFocusReason)
        if typed:
            dose.setText(typed)
        else:
            dose.selectAll()
        return editor

    def editor(self) -> CellEditor | None:
        return self._editing[1] if self._editing is not None else None

    def _close_editor(self) -> None:
        if self._editing is None:
            return
        index, _editor = self._editing
        self._editing = None
        self.table.closePersistentEditor(index)
        self.table.setFocus()

    def _editor_finished(self, step: int) -> None:
        """Save the open editor; on a mistake stay in it, otherwise move ``step`` cells."""
        if self._editing is None:
            return
        index, editor = self._editing
        if not index.isValid():
            self._close_editor()
            return
        if not self.table.model().setData(index, editor.values(), Qt.ItemDataRole.EditRole):
            error = self.model.last_error
            if error is not None:
                editor.show_error(getattr(error, "field", ""), str(error))
            return
        self._close_editor()
        edited = self.table.model().index(index.row(), index.column())
        if step and self._go_to(self._step_from(edited, step)):
            self.start_edit()

    # ------------------------------------------------------------------ moving on

    def _here_in_class(self, source_row: int) -> bool:
        """Whether a person is at the class (not away, not waiting for a screening review)."""
        row = self.model.row_at(source_row)
        return row is not None and row.attendance not in circuit.AWAY and not row.needs_review

    def _step_from(self, index: Any, step: int) -> Any:
        """The cell ``step`` places on in reading order of the view on screen, past people who
        are away; in the one-person view past the last station comes the next person's first
        station, in the one-station view past the last person the next station."""
        shown = self.table.model()
        rows, cols = shown.rowCount(), shown.columnCount()
        if not index.isValid() or not rows or not cols:
            return None
        flat = index.row() * cols + index.column() + step
        while 0 <= flat < rows * cols:
            candidate = shown.index(flat // cols, flat % cols)
            if self._here_in_class(self.views.to_source(candidate).row()):
                return candidate
            flat += step
        here = self.views.to_source(index)
        if self.views.mode is CircuitView.PERSON:
            row = self._next_person(here.row(), step)
            if row is None:
                return None
            col = 0 if step > 0 else self.model.columnCount() - 1
            return self.views.from_source(self.model.index(row, col))
        if self.views.mode is CircuitView.STATION:
            col = here.column() + step
            if not 0 <= col < self.model.columnCount():
                return None
            row = self._next_person(-1 if step > 0 else self.model.rowCount(), step)
            return None if row is None else self.views.from_source(self.model.index(row, col))
        return None

    def _next_person(self, source_row: int, step: int = 1) -> int | None:
        """The next person (source row) after ``source_row`` who is at the class."""
        row = source_row + step
        while 0 <= row < self.model.rowCount():
            if self._here_in_class(row):
                return row
            row += step
        return None

    def _go_to(self, index: Any) -> bool:
        if index is None or not index.isValid():
            return False
        self.table.setCurrentIndex(index)
        self.table.scrollTo(index)
        if self.views.mode is not CircuitView.GRID:
            self._show_view_label()
        return True

    # ------------------------------------------------------------------ did what was set

    def did_as_set(self, scope: str) -> None:
        """Record "did what was set" for the cell, the person or the station, then move on:
        the next cell, the next person, the next station (people away are skipped)."""
        self.decisions.did_as_set(scope)

    def accept_all(self) -> None:
        """List every open suggestion (the class, or this person), then accept them all."""
        self.decisions.accept_all()

    def _editor_cancelled(self) -> None:
        self._close_editor()

    def _on_current_changed(self, *_: Any) -> None:
        self._update_panel()
        if self.views.mode is not CircuitView.GRID:
            self._show_view_label()

    def _on_bus_changed(self, change: OpChanges, initiator: object) -> None:
        # Every change, ours too and while hidden, before any read: the kept history must
        # never be older than the data (a register mark or a name does not reach it).
        reaches = change.changes & ~HISTORY_UNTOUCHED
        if reaches == Changes.EXERCISE and change.ids:
            self.history.drop(change.ids)
        elif reaches:
            self.history.clear()
        super()._on_bus_changed(change, initiator)

    def changed_on_screen(self, change: OpChanges, level: Stale) -> None:
        if change.changes == Changes.ATTENDANCE and change.ids and self.model.grid is not None:
            # A register mark only greys or ungreys that person's row.
            for enrolment_id in change.ids:
                self.model.refresh_row(enrolment_id)
            self._update_panel()
        else:
            self.load(level)

    def _write(
        self,
        fn: Callable[[], T],
        enrolment_id: int,
        label: str,
        message: str = "",
        failed: Callable[[KnownError], None] | None = None,
    ) -> Operation[T]:
        """One change to a person's circuit through the operation path; a known error shows here.

        The service says what changed and how to undo it (the person's circuit rows put back
        exactly); ``label`` names it in the Edit menu.
        """
        return run_op(
            self,
            lambda: undoable(self.ctx, enrolment_id, label, fn, message),
            bus=self.bus,
            initiator=self,
            failure=lambda e: self._failed(e, failed),
        )

    def _failed(self, e: BaseException, show: Callable[[KnownError], None] | None = None) -> None:
        if not isinstance(e, KnownError):
            raise e  # unexpected: logged and shown by the error hook, as for any slot
        if show is not None:
            show(e)
        else:
            self._say(str(e), error=True)

    def _write_cell(self, save: Callable[[], Done[CellSaved]]) -> CellSaved | None:
        """A cell's save through the operation path: the service (one transaction) says what
        changed and how to undo it; a known error shows beside the grid."""
        op = run_op(
            self,
            save,
            bus=self.bus,
            initiator=self,
            failure=lambda e: self._failed(e, self.model.failed),
        )
        return op.value if op.ok else None

    def _on_saved(self, _enrolment_id: int, _key: str, message: str) -> None:
        self._say(message)
        self._update_panel()

    def _say(self, text: str, *, error: bool = False) -> None:
        style.set_tone(self.message, "bad" if error else None)
        self.message.setText(text)

    def current(self) -> tuple[Any, Cell | None]:
        index = self.views.to_source(self.table.currentIndex())
        return self.model.row_at(index.row()), self.model.cell_at(index)

    def _update_panel(self) -> None:
        row, cell = self.current()
        grid = self.model.grid
        editable = grid is not None and not grid.session_cancelled
        editable = editable and not (row is not None and row.needs_review)
        if row is None or cell is None or grid is None:
            self.cell_label.setText("")
            self.suggestion_label.setText("")
            for b in (
                self.accept_button,
                self.ignore_button,
                self.accept_all_button,
                self.undo_button,
                self.level_button,
            ):
                b.setEnabled(False)
            self.history_button.setEnabled(False)
            return
        station = grid.station(cell.station_key)
        level = station.levels[cell.level] if 0 <= cell.level < len(station.levels) else None
        what = f" — {escape(_(level.description))}" if level and level.description else ""
        self.cell_label.setText(
            _("<b>{name}</b> · {station}: {level}, aim for {dose}").format(
                name=escape(row.name),
                station=escape(_(station.name)),
                level=escape(_(cell.level_name)),
                dose=escape(dose_words(cell.dose_text, ui_translator())),
            )
            + what
        )
        idea = cell.suggestion
        if idea is None:
            text = (
                _("Suggestion for next time: appears once today's dose is entered.")
                if editable
                else ""
            )
        else:
            text = _("Next time: {suggestion}").format(suggestion=suggestion_words(cell))
        self.suggestion_label.setText(text)
        open_choice = idea is not None and idea.action != "hold" and editable
        self.accept_button.setEnabled(open_choice and cell.decision != "accepted")
        self.ignore_button.setEnabled(open_choice and cell.decision != "ignored")
        self.undo_button.setEnabled(cell.decision is not None and editable)
        self.level_button.setEnabled(editable)
        self.accept_all_button.setEnabled(editable)
        self.history_button.setEnabled(True)
        if row.attendance in circuit.AWAY:
            # The service's sentence after its "so" (or all of it, if a language words it
            # otherwise).
            why = circuit.away_sentence(row, grid.session_number).split(", so ", 1)[-1]
            self.cell_label.setText(
                self.cell_label.text() + " — " + _("away today: {why}").format(why=escape(why))
            )

    # ------------------------------------------------------------------ actions

    def decide(self, accept: bool) -> None:
        self.decisions.decide(accept)

    def undo_decision(self) -> None:
        self.decisions.undo_decision()

    def change_level(self) -> None:
        row, cell = self.current()
        grid = self.model.grid
        if row is None or cell is None or grid is None:
            return
        st = grid.stations[self.model.column_of(cell.station_key)]
        index = QPersistentModelIndex(self.views.to_source(self.table.currentIndex()))

        def save(dialog: LevelDialog) -> bool:
            values = dict(self.model.data(index, Qt.ItemDataRole.EditRole) or {})
            values["level"] = dialog.level.currentIndex()
            values["target_dose"] = dialog.target.text()
            return self.model.setData(index, values, Qt.ItemDataRole.EditRole)

        names = tuple(_(name) for name in st.level_names)
        self._open(LevelDialog(_(st.name), names, cell, save, self))

    def open_stations(self) -> None:
        if self.course_id is None:
            return
        from escape_desktop.ui.circuit.stations_dialog import StationsDialog

        dialog = StationsDialog(self.ctx, self.course_id, self, bus=self.bus, initiator=self)
        dialog.saved.connect(lambda: self._after_stations_saved())
        self._open(dialog)

    def _after_stations_saved(self) -> None:
        self._say(_("Circuit stations saved."))  # announced by the dialog's operation
        self.reload()

    def open_history(self) -> None:
        row, _cell = self.current()
        if row is None:
            return
        from escape_desktop.ui.circuit.circuit_history_dialog import CircuitHistoryDialog

        self._open(CircuitHistoryDialog(self.ctx, row.enrolment_id, self))

    def _open(self, dialog: QDialog) -> None:
        self.active_dialog = dialog
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.finished.connect(lambda _r: setattr(self, "active_dialog", None))
        dialog.open()
