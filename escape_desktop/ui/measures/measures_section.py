"""The course's Measures section: enter start/end measures, see each person's change and the class outcomes."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QDate, QEvent, QModelIndex, Qt, QTimer
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDateEdit,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QScrollArea,
    QSplitter,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from escape_desktop.context import AppContext
from escape_desktop.errors import KnownError
from escape_desktop.i18n import N_, _, ngettext
from escape_desktop.services import measures
from escape_desktop.services.changes import Changes
from escape_desktop.services.measures import CourseOutcomes
from escape_desktop.ui.common import style
from escape_desktop.ui.common.change_bus import ChangeBus, OpChanges
from escape_desktop.ui.common.course_section import CourseSection, Stale
from escape_desktop.ui.common.date_field import make_typeable
from escape_desktop.ui.common.worker import run_in_background
from escape_desktop.ui.measures import measure_words
from escape_desktop.ui.measures.measures_charts import PersonChart, ProportionBars
from escape_desktop.ui.measures.measures_entry import MeasuresEntry, not_saved_prefix
from escape_desktop.ui.measures.measures_models import (
    ENROLMENT_ID_ROLE,
    PeopleModel,
    ResultsModel,
    SummaryModel,
)

# What the measures tab shows; COURSE may change the list of measures, so the form too.
SHOWN = (
    Changes.ASSESSMENT
    | Changes.ATTENDANCE
    | Changes.ENROLMENT
    | Changes.PARTICIPANT
    | Changes.COURSE
    | Changes.SESSION
)
# Where a course stands, in the window's language (the service's words are its English).
PHASE_WORDS = {"upcoming": N_("upcoming"), "running": N_("running"), "finished": N_("finished")}
RESULTS_TAB = 1  # the person's tabs: Enter, Results


def _qdate(d: date) -> QDate:
    return QDate(d.year, d.month, d.day)


def _pydate(q: QDate) -> date:
    return date(q.year(), q.month(), q.day())


class MeasuresSection(CourseSection):
    """Entry of measures per person, and the course's outcome figures (a CourseSection)."""

    RELOAD_ON = SHOWN
    COURSE_WIDE = Changes.COURSE  # the course's list of measures may change: the form too

    def __init__(self, ctx: AppContext, bus: ChangeBus, parent: QWidget | None = None):
        super().__init__(ctx, bus, parent)
        self._today: date | None = None  # None: the real date (tests pin it)
        self.outcomes: CourseOutcomes | None = None
        # The class's figures are read only when something on screen shows them (the Class
        # outcomes page, a person's Results): a course switch or a save on the People page
        # does not pay for them (issue 29). True: ``outcomes`` is not this course's yet.
        self._outcomes_stale = True
        self._restoring = False
        self.loads = 0  # how many times the section read its data (tests count it)
        self._build_top()
        # Made before the pages, so Tab reaches the tabs before what they show (reading order).
        self.tabs = QTabWidget(self)
        self._build_people_page()
        self._build_outcomes_page()
        self.tabs.addTab(self.people_page, _("&People"))
        self.tabs.addTab(self.outcomes_page, _("C&lass outcomes"))
        self.tabs.currentChanged.connect(self._page_changed)
        layout = QVBoxLayout(self)
        layout.addLayout(self.top)
        layout.addWidget(self.tabs, 1)
        self.set_course(None)

    @property
    def today(self) -> date | None:
        return self._today

    @today.setter
    def today(self, day: date | None) -> None:
        self._today = day
        self.entry.today = day  # the form opens on what that day's class calls for

    # ------------------------------------------------------------------ building

    def _build_top(self) -> None:
        self.top = QHBoxLayout()
        self.instruments_label = QLabel("", self)
        self.instruments_label.setWordWrap(True)
        self.choose_button = QPushButton(_("Choose &measures…"), self)
        self.choose_button.clicked.connect(self.choose_instruments)
        self.top.addWidget(self.instruments_label, 1)
        self.top.addWidget(self.choose_button)

    def _build_people_page(self) -> None:
        self.people_page = QSplitter(Qt.Orientation.Horizontal, self)
        self.people_model = PeopleModel(self)
        self.people_view = QTableView(self.people_page)
        self.people_view.setModel(self.people_model)
        self.people_view.setAccessibleName(_("People on the course"))
        self.people_view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.people_view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.people_view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.people_view.verticalHeader().hide()
        header = self.people_view.horizontalHeader()
        header.setSectionResizeMode(PeopleModel.COL_NAME, QHeaderView.ResizeMode.Stretch)
        for col in (PeopleModel.COL_START, PeopleModel.COL_END, PeopleModel.COL_FOLLOW_UP):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        self.people_view.selectionModel().currentRowChanged.connect(self._person_changed)

        self.person_tabs = QTabWidget(self.people_page)
        self.entry = MeasuresEntry(self.ctx, self.bus, self.person_tabs)
        self.entry.move_requested.connect(self.move_person)
        self.person_tabs.addTab(self.entry, _("E&nter"))
        self.people_view.activated.connect(lambda _i: self.entry.focus_first())

        results = QWidget(self.person_tabs)
        box = QVBoxLayout(results)
        self.results_model = ResultsModel(self)
        self.results_view = QTableView(results)
        self.results_view.setModel(self.results_model)
        self.results_view.setAccessibleName(_("This person's results"))
        self.results_view.verticalHeader().hide()
        self.results_view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        rh = self.results_view.horizontalHeader()
        rh.setSectionResizeMode(ResultsModel.COL_MEASURE, QHeaderView.ResizeMode.Stretch)
        for col in range(1, len(ResultsModel.HEADERS)):
            rh.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        self.results_note = QLabel("", results)
        self.results_note.setWordWrap(True)
        self.chart = PersonChart(results)
        scroll = QScrollArea(results)
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.chart)
        style.quiet_scroll(scroll, _("Chart of this person's measures"))
        box.addWidget(self.results_view, 2)
        box.addWidget(self.results_note)
        box.addWidget(scroll, 3)
        self.person_tabs.addTab(results, _("&Results"))
        self.person_tabs.currentChanged.connect(lambda _i: self._show_results())

        self.people_page.addWidget(self.people_view)
        self.people_page.addWidget(self.person_tabs)
        self.people_page.setStretchFactor(0, 1)
        self.people_page.setStretchFactor(1, 3)
        self.people_page.setSizes([300, 800])

    def _build_outcomes_page(self) -> None:
        self.outcomes_page = QWidget(self)
        box = QVBoxLayout(self.outcomes_page)
        scope = QHBoxLayout()
        self.scope = QComboBox(self.outcomes_page)
        self.scope.addItem(_("This course"), "course")
        self.scope.addItem(_("All courses starting in a period"), "range")
        scope_label = QLabel(_("&Show:"), self.outcomes_page)
        scope_label.setBuddy(self.scope)
        today = date.today()
        self.range_from = QDateEdit(_qdate(date(today.year, 1, 1)), self.outcomes_page)
        self.range_to = QDateEdit(_qdate(today), self.outcomes_page)
        for edit in (self.range_from, self.range_to):
            make_typeable(edit)
        self.range_label = QLabel(_("fr&om"), self.outcomes_page)
        self.range_label.setBuddy(self.range_from)
        self.range_to_label = QLabel(_("to"), self.outcomes_page)
        self.show_button = QPushButton(_("Show &figures"), self.outcomes_page)
        self.show_button.clicked.connect(self.refresh_outcomes)
        self.scope.currentIndexChanged.connect(self._scope_changed)
        for w in (
            scope_label,
            self.scope,
            self.range_label,
            self.range_from,
            self.range_to_label,
            self.range_to,
            self.show_button,
        ):
            scope.addWidget(w)
        scope.addStretch(1)
        box.addLayout(scope)
        self.outcome_heading = QLabel("", self.outcomes_page)
        self.outcome_heading.setWordWrap(True)
        self.outcome_heading.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        box.addWidget(self.outcome_heading)
        self.bars = ProportionBars(self.outcomes_page)
        box.addWidget(self.bars)
        self.summary_model = SummaryModel(self)
        self.summary_view = QTableView(self.outcomes_page)
        self.summary_view.setModel(self.summary_model)
        self.summary_view.setAccessibleName(_("Class figures per measure"))
        self.summary_view.verticalHeader().hide()
        self.summary_view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        sh = self.summary_view.horizontalHeader()
        sh.setSectionResizeMode(SummaryModel.COL_MEASURE, QHeaderView.ResizeMode.Stretch)
        for col in range(1, len(SummaryModel.HEADERS)):
            sh.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        box.addWidget(self.summary_view, 1)
        self.outcome_note = QLabel(
            _(
                "Only people measured at both the start and the end are counted. "
                "'Better' means any change in the measure's better direction; a worthwhile "
                "change is at least the measure's threshold."
            ),
            self.outcomes_page,
        )
        self.outcome_note.setWordWrap(True)
        box.addWidget(self.outcome_note)
        self._scope_changed()

    # ------------------------------------------------------------------ course

    def set_course(self, course_id: int | None) -> None:
        if course_id != self.course_id and self.entry.dirty and not self.entry.save():
            # The main window has moved on; say plainly that the typing was not kept.
            why = self.entry.message.text().removeprefix(not_saved_prefix())
            self.bus.saved.emit(
                _("Measures typed for {name} were not saved: {why}").format(
                    name=self.entry.person_name, why=why
                )
            )
        self.choose_button.setEnabled(course_id is not None)
        super().set_course(course_id)

    def show_course(self) -> None:
        self.entry.set_course(self.course_id)
        self.refresh()

    def load(self, level: Stale) -> None:
        """COURSE: build the form again (same person) and read; DATA: read lists and figures."""
        if level == Stale.COURSE:
            self._rebuild_form()
        else:
            self.refresh()

    def _rebuild_form(self) -> None:
        """Build the form for the course's measures again and reload, staying on the same person."""
        keep = self.entry.enrolment_id
        self.entry.set_course(self.course_id)
        self.refresh()
        if keep is not None:
            self.select_person(keep)

    def refresh(self) -> None:
        """Reload everything from the database, keeping the highlighted person."""
        self.loads += 1
        self.outcomes, self._outcomes_stale = None, True
        if self.course_id is None:
            self.instruments_label.setText(_("Choose a course to enter or see its measures."))
            self.people_model.set_rows([])
            self._set_outcomes(None)
            self.results_model.set_rows([])
            self.chart.set_results([])
            return
        try:
            names = [
                measure_words.name(i.name)
                for i in measures.course_instruments(self.ctx, self.course_id)
            ]
            people = measures.entry_overview(self.ctx, self.course_id)
        except KnownError as e:
            self.instruments_label.setText(
                _("Could not load the measures: {error}").format(error=e)
            )
            return
        self.instruments_label.setText(
            _("Measures used: {names}").format(names=", ".join(names))
            if names
            else _("No measures chosen for this course yet: press Choose measures.")
        )
        keep = self.entry.enrolment_id
        self._restoring = True
        try:
            self.people_model.set_rows(people)
            row = self.people_model.row_of(keep) if keep is not None else -1
            if row >= 0:
                self.people_view.selectRow(row)
        finally:
            self._restoring = False
        if keep is not None and row < 0:
            self.entry.set_person(None)
        elif keep is not None and not self.entry.dirty:
            self.entry.reload()  # an undo or another screen changed the values: show them
        self._fit_people_list()
        if self.tabs.currentWidget() is self.outcomes_page:
            self._read_outcomes()
        self._show_results()

    def _page_changed(self, _index: int) -> None:
        if self.tabs.currentWidget() is self.outcomes_page:
            self._read_outcomes()

    def _read_outcomes(self) -> CourseOutcomes | None:
        """This course's figures, read now if they are not yet (and shown on their page)."""
        if not self._outcomes_stale or self.course_id is None:
            return self.outcomes
        try:
            self.outcomes = measures.course_outcomes(self.ctx, self.course_id, self.today)
        except KnownError as e:
            self.outcome_heading.setText(_("Could not load the measures: {error}").format(error=e))
            return None
        self._outcomes_stale = False
        if self.scope.currentData() == "course":
            self._set_outcomes(self.outcomes)
        return self.outcomes

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange:  # large text: names need more room
            QTimer.singleShot(0, self, self._fit_people_list)  # not after self is gone

    def _fit_people_list(self) -> None:
        """Widen the list of people until whole names show (never past half the section)."""
        view = self.people_view
        sizes = self.people_page.sizes()
        total = sum(sizes)
        if total <= 0 or not self.people_model.rowCount():
            return
        header = view.horizontalHeader()
        needed = sum(
            max(view.sizeHintForColumn(c), header.sectionSizeHint(c))
            for c in range(self.people_model.columnCount())
        )
        needed += 2 * view.frameWidth() + view.verticalScrollBar().sizeHint().width() + 4
        left = min(needed, total // 2)
        if sizes[0] < left:
            self.people_page.setSizes([left, total - left])

    def changed_on_screen(self, change: OpChanges, level: Stale) -> None:
        # The form's own saves come from the entry (not this section), so the lists and
        # figures read again after them. A form being typed in is never rebuilt under the hand.
        self.load(Stale.DATA if self.entry.dirty else level)

    # ------------------------------------------------------------------ people

    def selected_enrolment(self) -> int | None:
        index = self.people_view.currentIndex()
        return index.data(ENROLMENT_ID_ROLE) if index.isValid() else None

    def _person_changed(self, current: QModelIndex, previous: QModelIndex) -> None:
        if self._restoring:
            return
        if not self.entry.leave():
            self._restoring = True
            try:
                if previous.isValid():
                    self.people_view.setCurrentIndex(previous)
            finally:
                self._restoring = False
            return
        if not current.isValid():
            self.entry.set_person(None)
        else:
            person = self.people_model.row_at(current.row())
            where = _("({number} of {count})").format(
                number=current.row() + 1, count=self.people_model.rowCount()
            )
            self.entry.set_person(person.enrolment_id, person.name, where)
        self._show_results()

    def select_person(self, enrolment_id: int) -> None:
        row = self.people_model.row_of(enrolment_id)
        if row >= 0:
            self.people_view.setCurrentIndex(self.people_model.index(row, 0))

    def move_person(self, step: int) -> None:
        row = self.people_view.currentIndex().row() + step
        if 0 <= row < self.people_model.rowCount():
            self.people_view.setCurrentIndex(self.people_model.index(row, 0))
            self.entry.focus_first()
        else:
            end = (
                _("That was the last person on the list.")
                if step > 0
                else _("That was the first person on the list.")
            )
            self.entry.message.setText(self.entry.message.text() + " " + end)

    def _show_results(self) -> None:
        if self.person_tabs.currentIndex() != RESULTS_TAB:
            return  # read when its tab is shown (its currentChanged calls this)
        eid = self.entry.enrolment_id
        if eid is None:
            self.results_model.set_rows([])
            self.chart.set_results([])
            self.results_note.setText("")
            return
        outcomes = self._read_outcomes()
        row = next(
            (r for r in (outcomes.rows if outcomes else []) if r.enrolment_id == eid),
            None,
        )
        results = row.results if row else measures.participant_results(self.ctx, eid)
        self.results_model.set_rows(results)
        means = {x.instrument_key: x for x in outcomes.summaries} if outcomes else {}
        self.chart.set_results(results, means)
        # Each row of small charts keeps a readable height; the scroll area scrolls past that.
        rows = -(-len(self.chart.charts) // self.chart.COLUMNS)
        self.chart.setMinimumHeight(rows * 11 * self.fontMetrics().height())
        notes = [
            _("{measure}: adapted at one time only, compare with care.").format(
                measure=measure_words.name(r.name)
            )
            for r in results
            if r.adapted_differs
        ]
        self.results_note.setText(" ".join(notes))

    # ------------------------------------------------------------------ instruments

    def choose_instruments(self) -> None:
        if self.course_id is None or not self.entry.leave():
            return
        from escape_desktop.ui.measures.instruments_dialog import InstrumentsDialog

        dialog = InstrumentsDialog(
            self.ctx,
            self.bus,
            self.course_id,
            measures.course_programme(self.ctx, self.course_id),
            self,
        )
        dialog.exec()
        dialog.deleteLater()

    # ------------------------------------------------------------------ class outcomes

    def _scope_changed(self) -> None:
        ranged = self.scope.currentData() == "range"
        for w in (self.range_label, self.range_from, self.range_to_label, self.range_to):
            w.setVisible(ranged)
        self.show_button.setVisible(ranged)
        if not ranged:
            self._set_outcomes(self._read_outcomes())

    def refresh_outcomes(self) -> None:
        if self.scope.currentData() == "course":
            self.refresh()
            return
        start, end = _pydate(self.range_from.date()), _pydate(self.range_to.date())
        if end < start:
            self.outcome_heading.setText(_("The period ends before it starts; swap the two dates."))
            return
        today = self.today
        self.show_button.setEnabled(False)
        self.outcome_heading.setText(_("Working out the figures for every course in the period…"))

        def work(_progress: object) -> CourseOutcomes:
            return measures.outcomes_for_range(self.ctx, start, end, today)

        def done(outcome: CourseOutcomes) -> None:
            self.show_button.setEnabled(True)
            if self.scope.currentData() == "range":
                self._set_outcomes(outcome)

        def failed(error: BaseException) -> None:
            self.show_button.setEnabled(True)
            text = (
                str(error)
                if isinstance(error, KnownError)
                else _("the figures could not be worked out.")
            )
            self.outcome_heading.setText(
                _("Sorry: {error} Try again, or choose a shorter period.").format(error=text)
            )

        # Many courses take a moment: keep the window responsive meanwhile.
        self._job = run_in_background(work, on_done=done, on_error=failed, parent=self)

    def _set_outcomes(self, o: CourseOutcomes | None) -> None:
        if o is None:
            self.outcome_heading.setText(_("Choose a course to see its outcomes."))
            self.bars.set_proportions([])
            self.summary_model.set_rows([])
            return
        if o.code:
            held = ngettext("{n} session held", "{n} sessions held", o.sessions_delivered).format(
                n=o.sessions_delivered
            )
            status = _(PHASE_WORDS[o.status]) if o.status in PHASE_WORDS else o.status
            head = f"<b>{o.code}</b> {o.title} · {status} · {held}"
        else:
            count = ngettext("{n} course", "{n} courses", len(o.courses)).format(n=len(o.courses))
            head = f"<b>{o.title}</b> · {count}"
            if o.courses:
                head += ": " + ", ".join(o.courses)
        done = measures.completion_text(o)
        self.outcome_heading.setText(f"{head}<br>{done}")
        self.bars.set_proportions(o.proportions)
        self.summary_model.set_rows(o.summaries)
