"""New course wizard: programme, when and where, people; then the 12 dates to check before saving."""

from __future__ import annotations

from datetime import date, timedelta

from PySide6.QtCore import QDate, Qt, QTime, QTimer
from PySide6.QtGui import QResizeEvent, QShowEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QFormLayout,
    QGridLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QSizePolicy,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QTimeEdit,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)

from escape_desktop.context import AppContext
from escape_desktop.errors import KnownError
from escape_desktop.i18n import N_, _, ngettext, ui_date
from escape_desktop.services import courses as course_service
from escape_desktop.services import settings as settings_service
from escape_desktop.services.courses import MAX_CAPACITY, CourseInput, capacity_warning
from escape_desktop.ui.common import error_dialog, style
from escape_desktop.ui.common.announce import LiveLabel
from escape_desktop.ui.common.change_bus import ChangeBus
from escape_desktop.ui.common.date_field import make_typeable
from escape_desktop.ui.common.operation import run_op
from escape_desktop.ui.common.style import mark_invalid, qdate_to_date
from escape_desktop.ui.courses.delivery import chosen_mode, delivery_combo
from escape_desktop.ui.courses.words import (
    day_month,
    month_year,
    weekday_day_month,
    weekday_name,
)

PAGE_PROGRAMME, PAGE_WHEN, PAGE_DATES = range(3)


def short_title(programme_title: str, venue: str, start: date) -> str:
    """A suggested course title such as 'Knees & hips, St Mary's Hall, Jan 2027': the venue's
    name up to any comma (its first word alone gave "St")."""
    place = venue.split(",")[0].strip() if venue else ""
    bits = [programme_title, place, month_year(start)]
    return ", ".join(b for b in bits if b)


# Days that are not bank holidays but when many venues close and few people come.
FESTIVE_DAYS = {(12, 24): N_("Christmas Eve"), (12, 31): N_("New Year’s Eve")}
# The names in the shipped bank-holiday list (resources/closures), so the skipped days read in
# the window language; a site's own list keeps the names it was written with.
SHIPPED_CLOSURE_NAMES = (
    N_("New Year's Day"),
    N_("Good Friday"),
    N_("Easter Monday"),
    N_("Early May bank holiday"),
    N_("Spring bank holiday"),
    N_("Summer bank holiday"),
    N_("Christmas Day"),
    N_("Boxing Day"),
    N_("Christmas Day (substitute day)"),
    N_("Boxing Day (substitute day)"),
    N_("England and Wales bank holidays"),  # the list's own name, in Settings
)


def festive_dates(days: list[date]) -> list[tuple[date, str]]:
    """The planned days that fall on Christmas Eve or New Year's Eve."""
    return [
        (d, _(FESTIVE_DAYS[(d.month, d.day)])) for d in days if (d.month, d.day) in FESTIVE_DAYS
    ]


class ProgrammePage(QWizardPage):
    def __init__(self, wizard: CourseWizard):
        super().__init__()
        self.w = wizard
        self.setTitle(_("Which programme?"))
        self.setSubTitle(
            _("The programme sets the 12 session topics, the circuit and the measures.")
        )
        # Each page scrolls: at 200 % scaling the screen is 384 points high, and Back and
        # Next must stay on it.
        form = QFormLayout(style.scrolled_body(self, _("Programme")))
        self.programme = QComboBox()
        for key, template in sorted(wizard.ctx.library.templates.items()):
            self.programme.addItem(_(template.title), key)
        self.programme.setCurrentIndex(
            max(0, self.programme.findData(wizard.defaults.default_programme))
        )
        self.sessions_label = QLabel()
        self.sessions_label.setObjectName("hint")
        self.sessions_label.setWordWrap(True)
        self.programme.currentIndexChanged.connect(lambda _i: self._describe())
        form.addRow(_("Programme"), self.programme)
        form.addRow("", self.sessions_label)
        self._describe()

    def _describe(self) -> None:
        t = self.w.ctx.library.template(self.programme.currentData())
        self.sessions_label.setText(
            ngettext(
                "{n} session: about {talk} minutes of discussion, then {exercise} minutes of "
                "exercise circuit.",
                "{n} sessions: about {talk} minutes of discussion, then {exercise} minutes of "
                "exercise circuit.",
                len(t.sessions),
            ).format(n=len(t.sessions), talk=t.education_minutes, exercise=t.exercise_minutes)
        )


class WhenPage(QWizardPage):
    def __init__(self, wizard: CourseWizard):
        super().__init__()
        self.w = wizard
        self.setTitle(_("When and where"))
        self.setSubTitle(_("Most courses run twice a week for six weeks."))
        form = QFormLayout(style.scrolled_body(self, _("When and where")))
        self.venue = QComboBox()
        self.venue.setEditable(True)
        self.venue.addItems(settings_service.venues(wizard.ctx))
        self.venue.setCurrentIndex(0 if self.venue.count() else -1)
        if (edit := self.venue.lineEdit()) is not None:
            edit.setPlaceholderText(_("Type the venue's name"))
        self.delivery = delivery_combo()
        start = wizard.today + timedelta(days=7)
        self.start = QDateEdit(QDate(start.year, start.month, start.day))
        make_typeable(self.start)
        days = QWidget()
        days.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        # Two rows (Monday to Thursday, Friday to Sunday): seven names in one row were cut
        # off at the field's edge, Welsh's longer names sooner than English.
        dl = QGridLayout(days)
        dl.setContentsMargins(0, 0, 0, 0)
        self.weekdays = []
        for i in range(7):
            box = QCheckBox(weekday_name(i))
            box.setAccessibleName(weekday_name(i, "wide"))
            box.setChecked(i in (0, 3))
            box.toggled.connect(lambda _c: self.completeChanged.emit())
            self.weekdays.append(box)
            dl.addWidget(box, i // 4, i % 4)
        dl.setColumnStretch(4, 1)
        self.time = QTimeEdit(QTime(10, 0))
        self.time.setDisplayFormat("HH:mm")
        self.capacity = QSpinBox()
        self.capacity.setRange(1, MAX_CAPACITY)
        self.capacity.setValue(12)
        self.capacity_note = QLabel()
        self.capacity_note.setObjectName("warning")
        self.capacity_note.setWordWrap(True)
        self.capacity.valueChanged.connect(self._capacity_changed)
        self.instructors = QListWidget()
        for name in settings_service.instructors(wizard.ctx):
            item = QListWidgetItem(name)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
            self.instructors.addItem(item)
        self.instructors.setMaximumHeight(self.fontMetrics().height() * 5 + 12)
        self.new_instructor = QLineEdit()
        self.new_instructor.setPlaceholderText(_("Other names, separated by commas"))
        self.new_instructor.setAccessibleName(_("Other instructors"))
        self.instructors.itemChanged.connect(
            lambda _i: self._capacity_changed(self.capacity.value())
        )
        self.new_instructor.textChanged.connect(
            lambda _t: self._capacity_changed(self.capacity.value())
        )
        self.title_edit = QLineEdit()
        self.title_edit.setPlaceholderText(_("Suggested from the programme, venue and month"))
        self.code = QLineEdit()
        self.code.setPlaceholderText(_("Made for you, e.g. KH-2027-001"))
        form.addRow(_("Venue"), self.venue)
        form.addRow(_("Delivery"), self.delivery)
        form.addRow(_("First class on or after"), self.start)
        form.addRow(_("Days"), days)
        form.addRow(_("Start time"), self.time)
        form.addRow(_("Places"), self.capacity)
        form.addRow("", self.capacity_note)
        if self.instructors.count():
            form.addRow(_("Instructors"), self.instructors)
        form.addRow(_("Instructors") if not self.instructors.count() else "", self.new_instructor)
        form.addRow(_("Course title"), self.title_edit)
        form.addRow(_("Course code"), self.code)
        self.fields = {
            "venue": self.venue,
            "delivery_mode": self.delivery,
            "start_date": self.start,
            "weekdays": days,
            "start_time": self.time,
            "capacity": self.capacity,
            "title": self.title_edit,
            "code": self.code,
            "instructors": self.new_instructor,
        }
        self._capacity_changed(self.capacity.value())

    def _capacity_changed(self, value: int) -> None:
        note = capacity_warning(value, len(self.chosen_instructors()))
        self.capacity_note.setText(note or "")
        self.capacity_note.setVisible(bool(note))

    def chosen_weekdays(self) -> list[int]:
        return [i for i, box in enumerate(self.weekdays) if box.isChecked()]

    def chosen_instructors(self) -> list[str]:
        names = [
            self.instructors.item(i).text()
            for i in range(self.instructors.count())
            if self.instructors.item(i).checkState() == Qt.CheckState.Checked
        ]
        names += [n.strip() for n in self.new_instructor.text().split(",") if n.strip()]
        return list(dict.fromkeys(names))

    def isComplete(self) -> bool:
        return bool(self.chosen_weekdays())

    def initializePage(self) -> None:
        # The venue is suggested; typing a different one replaces it rather than adding to it.
        self.venue.setFocus()
        if (edit := self.venue.lineEdit()) is not None:
            edit.selectAll()


class DatesPage(QWizardPage):
    def __init__(self, wizard: CourseWizard):
        super().__init__()
        self.w = wizard
        self.setTitle(_("Check the dates"))
        self.setSubTitle(
            _(
                "Move or cancel single sessions later in the register: on the session's column "
                "press Ctrl+Shift+S (Edit session), or double-click its date."
            )
        )
        layout = QVBoxLayout(style.scrolled_body(self, _("Dates")))
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        # A table, not lines padded with spaces: in a proportional font spaces never lined
        # the topics up, and each column is as wide as its longest entry in any language.
        self.dates = QTableWidget(0, 3)
        self.dates.setAccessibleName(_("Planned session dates"))
        self.dates.setHorizontalHeaderLabels([_("Session"), _("Date"), _("Topic")])
        self.dates.verticalHeader().setVisible(False)
        self.dates.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.dates.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.dates.setSelectionMode(QTableWidget.SelectionMode.SingleSelection)
        self.dates.setShowGrid(False)
        self.dates.setWordWrap(False)
        self.dates.horizontalHeader().setStretchLastSection(True)
        self.error = LiveLabel()
        self.error.setObjectName("error")
        self.error.setWordWrap(True)
        self.error.hide()
        self.skipped = QLabel()
        self.skipped.setObjectName("hint")
        self.skipped.setWordWrap(True)
        self.festive = QLabel()
        self.festive.setObjectName("warning")
        self.festive.setWordWrap(True)
        self.festive.hide()
        layout.addWidget(self.summary)
        layout.addWidget(self.dates, 1)
        layout.addWidget(self.festive)
        layout.addWidget(self.skipped)
        layout.addWidget(self.error)
        self.planned: list[date] = []

    def initializePage(self) -> None:
        data = self.w.course_input()
        template = self.w.ctx.library.template(data.programme_key)
        start = data.start_date if isinstance(data.start_date, date) else self.w.today
        self.planned, skipped = course_service.planned_schedule(
            self.w.ctx, start, list(data.weekdays), len(template.sessions), data.venue
        )
        self.skipped.setText(
            _("Skipped as closed: {days}. Change bank holidays in Settings.").format(
                days="; ".join(
                    _("{day}, {why}").format(day=weekday_day_month(day), why=_(why))
                    for day, why in skipped
                )
            )
            if skipped
            else ""
        )
        self.skipped.setVisible(bool(skipped))
        festive = festive_dates(self.planned)
        self.festive.setText(
            _(
                "Check: {days}. Many venues close and few people come. Add it as a closure in "
                "Settings to skip it, or move that session once the course is made."
            ).format(
                days="; ".join(
                    _("{day} is {why}").format(day=weekday_day_month(day), why=why)
                    for day, why in festive
                )
            )
            if festive
            else ""
        )
        self.festive.setVisible(bool(festive))
        self.dates.setRowCount(len(self.planned))
        for i, day in enumerate(self.planned):
            topic = template.sessions[i].topic if i < len(template.sessions) else ""
            # The date as the window writes it elsewhere ("Thu 3 Dec 2026", the locale's order)
            cells = (str(i + 1), ui_date(day, "weekday_date"), _(topic) if topic else "")
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if col == 0:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                self.dates.setItem(i, col, item)
        self.dates.resizeColumnToContents(0)
        self.dates.resizeColumnToContents(1)
        # the focus ring (style.FOCUS_BORDER each side) must not cut a date
        self.dates.setColumnWidth(1, self.dates.columnWidth(1) + 2 * style.FOCUS_BORDER)
        self.summary.setText(
            ngettext(
                "<b>{title}</b> at {venue}, {time}, {n} session from {first} to {last}.",
                "<b>{title}</b> at {venue}, {time}, {n} sessions from {first} to {last}.",
                len(self.planned),
            ).format(
                title=data.title,
                venue=data.venue or _("no venue yet"),
                time=data.start_time,
                n=len(self.planned),
                first=day_month(self.planned[0]),
                last=ui_date(self.planned[-1], "short"),
            )
        )
        self.error.hide()

    def validatePage(self) -> bool:
        op = run_op(
            self,
            lambda: course_service.new_course(self.w.ctx, self.w.course_input()),
            bus=self.w.bus,
            failure=self._failed,
        )
        if op.ok:
            self.w.course_id = op.value
        return op.ok

    def _failed(self, e: BaseException) -> None:
        if not isinstance(e, KnownError):
            error_dialog.report(self, e)
            return
        self.error.setText(str(e))
        self.error.show()
        field = getattr(e, "field", "")
        widget = self.w.when.fields.get(field)
        if widget is not None:
            mark_invalid(widget, True, str(e))


class CourseWizard(QWizard):
    def __init__(
        self,
        ctx: AppContext,
        parent: QWidget | None = None,
        today: date | None = None,
        *,
        bus: ChangeBus | None = None,
    ):
        super().__init__(parent)
        self.ctx = ctx
        self.bus = bus if bus is not None else ChangeBus(self)  # on its own: nobody listens
        self.today = today or date.today()
        self.course_id: int | None = None
        self.defaults = settings_service.load(ctx)
        self.setWindowTitle(_("New course"))
        self.setWizardStyle(QWizard.WizardStyle.ClassicStyle)
        self.setOption(QWizard.WizardOption.NoBackButtonOnStartPage, True)
        self.programme = ProgrammePage(self)
        self.when = WhenPage(self)
        self.dates = DatesPage(self)
        self.setPage(PAGE_PROGRAMME, self.programme)
        self.setPage(PAGE_WHEN, self.when)
        self.setPage(PAGE_DATES, self.dates)
        self.setButtonText(QWizard.WizardButton.FinishButton, _("Create course"))
        style.fit_to_screen(
            self, self.fontMetrics().horizontalAdvance("M") * 52, self.fontMetrics().height() * 34
        )
        self.currentIdChanged.connect(self._fit_header_later)

    # Qt's classic header measures a page's subtitle once, at a width of its own choosing, and
    # fixes its height there: two lines in practice, so a longer subtitle (Welsh, a third
    # longer in the pseudo-language, or any at 150-200 % scaling) lost its last words. After
    # each page change and resize, the header grows to the lines the subtitle needs at the
    # width it really has.
    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._fit_header_later()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit_header_later()

    def _fit_header_later(self) -> None:
        QTimer.singleShot(0, self, self.fit_header)  # once Qt has laid out the new page

    def subtitle_label(self) -> QLabel | None:
        """The header's label showing the current page's subtitle (None when it has none)."""
        page = self.currentPage()
        text = page.subTitle() if page is not None else ""
        if not text:
            return None
        for label in self.findChildren(QLabel):
            if label.text() == text and not page.isAncestorOf(label):
                return label
        return None

    def fit_header(self) -> None:
        label = self.subtitle_label()
        header = label.parentWidget() if label is not None else None
        if label is None or header is None:
            return
        if label.minimumWidth() > 0:  # Qt's chosen width can be wider than the wizard at 200 %
            label.setMinimumWidth(0)
            layout = header.layout()
            if layout is not None:
                layout.activate()
        if label.width() <= 0:
            return
        extra = label.heightForWidth(label.width()) - label.height()
        if extra > 0:
            label.setMinimumHeight(label.height() + extra)
            header.setFixedHeight(header.height() + extra)

    def course_input(self) -> CourseInput:
        key = self.programme.programme.currentData()
        template = self.ctx.library.template(key)
        start = qdate_to_date(self.when.start.date())
        venue = self.when.venue.currentText().strip()
        title = self.when.title_edit.text().strip() or short_title(
            template.title.split(":")[-1].strip().capitalize(), venue, start
        )
        return CourseInput(
            title=title,
            programme_key=key,
            start_date=start,
            weekdays=self.when.chosen_weekdays(),
            venue=venue,
            start_time=self.when.time.time().toString("HH:mm"),
            capacity=self.when.capacity.value(),
            instructors=self.when.chosen_instructors(),
            code=self.when.code.text().strip(),
            delivery_mode=chosen_mode(self.when.delivery),
        )
