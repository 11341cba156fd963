"""The list of courses down the left: running first, then upcoming, then finished; with search."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QItemSelection,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QBrush, QFont, QFontMetrics
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QStyle,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from escape_desktop.context import AppContext
from escape_desktop.db.first_screen import (
    LARGE_TEXT,
    PAGE,
    CourseListRow,
    LazyCourseRow,
    any_course,
    course_list,
    in_order,
    read_figures,
    setting,
)
from escape_desktop.i18n import N_, _, ngettext
from escape_desktop.services.changes import Changes
from escape_desktop.ui.common import style
from escape_desktop.ui.common.change_bus import ChangeBus, OpChanges
from escape_desktop.ui.common.style import color, icon
from escape_desktop.ui.courses.words import day_month, weekday_date

ModelIndex = QModelIndex | QPersistentModelIndex
LARGE_TEXT_SIZE_KEY = "large_text_size"  # services.settings_registry.LARGE_TEXT_SIZE's key


def large_text_on(ctx: AppContext) -> bool:
    """The site's large-text setting, read without SQLAlchemy (the first paint needs it).

    Also sets how large (style.set_large_percent), read the same way. It lives beside the
    courses list because both are the window's start-up read (plain SQL, db/first_screen).
    """
    with ctx.db.raw_read() as conn:
        on = setting(conn, LARGE_TEXT) == "1"
        size = setting(conn, LARGE_TEXT_SIZE_KEY)
    style.set_large_percent(int(size) if size.isdigit() else style.LARGE_PERCENTS[0])
    return on


COL_COURSE = 0
COL_STATUS = 1
COL_PEOPLE = 2
COLUMNS = (N_("Course"), N_("Status"), N_("People"))

COURSE_ID_ROLE = Qt.ItemDataRole.UserRole + 1
STATUS_ORDER = {"running": 0, "upcoming": 1, "finished": 2}
STATUS_TEXT = {"running": N_("Running"), "upcoming": N_("Upcoming"), "finished": N_("Finished")}
_DISPLAY = Qt.ItemDataRole.DisplayRole
_TOOLTIP = Qt.ItemDataRole.ToolTipRole
_FOREGROUND = Qt.ItemDataRole.ForegroundRole
_FONT = Qt.ItemDataRole.FontRole
_ALIGNMENT = Qt.ItemDataRole.TextAlignmentRole
_ROLES = {int(r) for r in (_DISPLAY, _TOOLTIP, _FOREGROUND, _FONT, _ALIGNMENT, COURSE_ID_ROLE)}
# Columns sized to their contents look at this many rows, not all of them: a list of years
# of courses would otherwise be measured in full before the window first paints.
SIZE_ROWS = PAGE  # as many as the first screenful whose figures are read (first_screen)
FILTERS = (
    (N_("All courses"), None),
    (N_("Running"), "running"),
    (N_("Upcoming"), "upcoming"),
    (N_("Finished"), "finished"),
)


# A row of the list: the window's own lazy rows (course_list), or full ones (tests, tools).
CourseRow = CourseListRow | LazyCourseRow


def ordered(rows: Sequence[CourseRow]) -> list[CourseRow]:
    """Running first, then upcoming (soonest first), then finished (most recent first)."""
    running = [r for r in rows if r.status == "running"]
    upcoming = sorted((r for r in rows if r.status == "upcoming"), key=lambda r: r.start_date)
    finished = [r for r in rows if r.status == "finished"]
    return running + upcoming + finished


STATUS_COLOURS = {"running": "good", "upcoming": "accent", "finished": "muted"}


class CoursesModel(QAbstractTableModel):
    def __init__(self, parent: Any = None):
        super().__init__(parent)
        self.rows: list[CourseRow] = []
        self._bold = QFont()
        self._bold.setBold(True)

    def set_rows(self, rows: Sequence[CourseRow]) -> None:
        self.beginResetModel()
        self.rows = ordered(rows)
        self.endResetModel()

    def row_of(self, course_id: int) -> int | None:
        for i, r in enumerate(self.rows):
            if r.id == course_id:
                return i
        return None

    def rowCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        # Called thousands of times as the list first paints: roles we never answer leave first.
        if role not in _ROLES or not index.isValid() or not 0 <= index.row() < len(self.rows):
            return None
        r = self.rows[index.row()]
        col = index.column()
        if role == COURSE_ID_ROLE:
            return r.id
        if role == _DISPLAY:
            if col == COL_COURSE:
                return f"{r.code}\n{r.venue or r.title}"
            if col == COL_STATUS:
                x = r.figures  # programme.status's counts, as every surface shows them
                if r.status == "running":
                    return _("Running\n{n} of {total} held").format(
                        n=x.sessions_delivered, total=x.sessions_planned
                    )
                if r.status == "upcoming":
                    return _("Upcoming\nstarts {day}").format(day=day_month(r.start_date))
                if r.closed_on is not None:
                    return _("Closed early\n{n} completed").format(n=x.completers)
                return _("Finished\n{n} completed").format(n=x.completers)
            if col == COL_PEOPLE:
                return f"{r.participants} / {r.capacity}"
        if role == _TOOLTIP:
            return (
                # The cell's own words first: with large text it may show "KH-20…".
                (f"{self.data(index)}\n" if col == COL_STATUS else "")
                + f"{r.code}: {r.title}\n{r.venue}\n"
                + _("Starts {day} at {time}").format(
                    day=weekday_date(r.start_date), time=r.start_time
                )
                + "\n"
                + ngettext("{n} person", "{n} people", r.participants).format(n=r.participants)
                + ", "
                + ngettext("{n} place", "{n} places", r.capacity).format(n=r.capacity)
                + "\n"
                + _("{started} started, {not_started} did not start").format(
                    started=r.figures.started, not_started=r.figures.did_not_start
                )
                + (
                    _(", {n} completed ({rate} % of starters)").format(
                        n=r.figures.completers, rate=r.figures.completion_rate
                    )
                    if r.figures.completers is not None
                    else ""
                )
            )
        if role == _FOREGROUND and col == COL_STATUS:
            # Read at paint time, so a switch to dark colours shows at once.
            return QBrush(color(STATUS_COLOURS[r.status]))
        if role == _FONT and r.status == "running" and col == COL_COURSE:
            return self._bold
        if role == _ALIGNMENT and col == COL_PEOPLE:
            return int(Qt.AlignmentFlag.AlignCenter)
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role == Qt.ItemDataRole.DisplayRole:
            if orientation == Qt.Orientation.Horizontal and 0 <= section < len(COLUMNS):
                return _(COLUMNS[section])
            if orientation == Qt.Orientation.Vertical:
                return str(section + 1)
        return None


class CoursesPanel(QFrame):
    """Search, a status filter and the list; emits courseSelected(id) when the choice changes."""

    courseSelected = Signal(int)
    newCourseRequested = Signal()

    def __init__(
        self,
        ctx: AppContext,
        bus: ChangeBus,
        parent: QWidget | None = None,
        today: date | None = None,
    ):
        super().__init__(parent)
        self.setObjectName("panel")
        self.ctx = ctx
        self._today = today
        self.model = CoursesModel(self)
        self._selected: int | None = None
        self._build()
        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(150)
        self._search_timer.timeout.connect(self.reload)
        # Register marks only change the finished courses' completer counts: refresh later, once.
        self._later = QTimer(self)
        self._later.setSingleShot(True)
        self._later.setInterval(1000)
        self._later.timeout.connect(self.reload)
        bus.changed.connect(self._on_changed)

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 10, 10, 10)
        head = QHBoxLayout()
        title = QLabel(_("Courses"))
        title.setObjectName("subtitle")
        self.new_button = QPushButton(icon(self, "FileIcon"), _("New course…"))
        self.new_button.setToolTip(_("Create a course (Ctrl+N)"))
        self.new_button.clicked.connect(self.newCourseRequested.emit)
        head.addWidget(title)
        head.addStretch(1)
        head.addWidget(self.new_button)
        layout.addLayout(head)
        self.search = QLineEdit()
        self.search.setPlaceholderText(_("Search courses"))
        self.search.setClearButtonEnabled(True)
        self.search.setAccessibleName(_("Search courses"))
        self.search.textChanged.connect(lambda _t: self._search_timer.start())
        self.filter = QComboBox()
        for label, _key in FILTERS:
            self.filter.addItem(_(label))
        self.filter.setAccessibleName(_("Show courses"))
        self.filter.currentIndexChanged.connect(lambda _i: self.reload())
        row = QHBoxLayout()
        row.addWidget(self.search, 1)
        row.addWidget(self.filter)
        layout.addLayout(row)
        self.table = QTableView(self)
        self.table.setModel(self.model)
        self.table.setAccessibleName(_("Courses"))
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.setShowGrid(False)
        self.table.setWordWrap(True)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(COL_COURSE, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(COL_STATUS, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(COL_PEOPLE, QHeaderView.ResizeMode.ResizeToContents)
        header.setResizeContentsPrecision(SIZE_ROWS)
        # A course opens when it is chosen (arrows, a click, Enter), never because the list
        # took the focus: Qt makes the first row current on focus-in without selecting it.
        self.table.setTabKeyNavigation(False)
        self.table.selectionModel().selectionChanged.connect(self._on_selected)
        self.table.activated.connect(lambda index: self._on_current(index, QModelIndex()))
        self.model.modelReset.connect(self._size_rows)
        header.sectionResized.connect(lambda *_a: self._keep_codes_whole())
        layout.addWidget(self.table, 1)
        self.empty_label = QLabel(_("No course matches; clear the search or change the filter."))
        self.empty_label.setObjectName("hint")
        self.empty_label.setWordWrap(True)
        self.empty_label.hide()
        layout.addWidget(self.empty_label)

    def _size_rows(self) -> None:
        self.table.verticalHeader().setDefaultSectionSize(
            self.table.fontMetrics().height() * 2 + 14
        )
        self._keep_codes_whole()

    def _keep_codes_whole(self) -> None:
        """The list is never narrower than its widest course code (bold) beside the status and
        the places: the code is how courses are told apart, and a longer status (Welsh's
        "6 o 12 wedi'u cynnal") took its room. The venue under the code may still end in "…"."""
        if not self.model.rows:
            return
        bold = QFont(self.table.font())
        bold.setBold(True)
        metrics = QFontMetrics(bold)
        code = max(metrics.horizontalAdvance(r.code) for r in self.model.rows)
        margin = self.table.style().pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin)
        header = self.table.horizontalHeader()
        width = (
            code
            + 2 * margin
            + metrics.horizontalAdvance("M")  # a little air, as the list shows the others
            + header.sectionSize(COL_STATUS)
            + header.sectionSize(COL_PEOPLE)
            + self.table.verticalScrollBar().sizeHint().width()
            + 2 * self.table.frameWidth()
        )
        # Never more than a quarter of the screen: on a small screen or at large text the
        # register keeps its room, and a code may end in "…" there rather than the window
        # growing wider than the screen.
        screen = self.screen()
        if screen is not None:
            width = min(width, screen.availableGeometry().width() // 4)
        if width != self.table.minimumWidth():
            self.table.setMinimumWidth(width)

    @property
    def today(self) -> date:
        return self._today or date.today()

    def reload(self) -> None:
        # Plain SQL on a driver connection: the list paints before SQLAlchemy is imported.
        # Each course's phase now; its figures for the rows on screen only (course_list).
        rows = course_list(self.ctx.db.raw_read, self.today, search=self.search.text().strip())
        status = FILTERS[self.filter.currentIndex()][1]
        if status:
            rows = [r for r in rows if r.status == status]
        keep = self._selected
        self.table.selectionModel().blockSignals(True)
        self.model.set_rows(rows)
        in_order(self.model.rows)  # figures a screenful at a time, in the order shown
        read_figures(self.model.rows[:PAGE])  # the first screenful, before it paints
        self.table.selectionModel().blockSignals(False)
        self.empty_label.setVisible(not rows)
        if keep is not None:
            self.select(keep, emit=False)

    def has_courses(self) -> bool:
        with self.ctx.db.raw_read() as conn:
            return any_course(conn)

    def select(self, course_id: int, emit: bool = True) -> bool:
        row = self.model.row_of(course_id)
        if row is None and emit:
            # It may be hidden by the search or filter: clear them and look again.
            self.search.blockSignals(True)
            self.search.clear()
            self.search.blockSignals(False)
            self.filter.blockSignals(True)
            self.filter.setCurrentIndex(0)
            self.filter.blockSignals(False)
            self.reload()
            row = self.model.row_of(course_id)
        if row is None:
            return False
        if not emit:
            self._selected = course_id
        sel = self.table.selectionModel()
        if not emit:
            sel.blockSignals(True)
        self.table.selectRow(row)
        self.table.setCurrentIndex(self.model.index(row, COL_COURSE))
        if not emit:
            sel.blockSignals(False)
        return True

    def first_course_id(self) -> int | None:
        return self.model.rows[0].id if self.model.rows else None

    def _on_selected(self, selected: QItemSelection, _deselected: QItemSelection) -> None:
        indexes = selected.indexes()
        if indexes:
            self._on_current(indexes[0], QModelIndex())

    def _on_current(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if not current.isValid():
            return
        course_id = self.model.rows[current.row()].id
        if course_id != self._selected:
            self._selected = course_id
            self.courseSelected.emit(course_id)

    def _on_changed(self, change: OpChanges, _initiator: object) -> None:
        if change.touches(Changes.COURSE | Changes.SESSION | Changes.ENROLMENT):
            self.reload()
        elif change.touches(Changes.ATTENDANCE):
            self._later.start()
