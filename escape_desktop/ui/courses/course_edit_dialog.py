"""Edit a course's details (title, code, venue, time, places, instructors, notes); dates stay as they are."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTime
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QTimeEdit,
    QVBoxLayout,
    QWidget,
)

from escape_desktop.context import AppContext
from escape_desktop.errors import KnownError
from escape_desktop.i18n import _, ngettext
from escape_desktop.services import courses as course_service
from escape_desktop.services import reading
from escape_desktop.services import settings as settings_service
from escape_desktop.services.courses import CourseInput, capacity_warning
from escape_desktop.ui.common import error_dialog, style
from escape_desktop.ui.common.announce import LiveLabel
from escape_desktop.ui.common.change_bus import ChangeBus
from escape_desktop.ui.common.operation import run_op
from escape_desktop.ui.common.steady import keep_room
from escape_desktop.ui.common.style import mark_invalid
from escape_desktop.ui.courses.delivery import chosen_mode, delivery_combo


def edit_course(ctx: AppContext, bus: ChangeBus, parent: QWidget | None, course_id: int) -> bool:
    """Open the dialog for one course; True when the changes were saved."""
    ok, stored = error_dialog.guarded(parent, course_service.course_input, ctx, course_id)
    if not ok:
        return False
    dialog = CourseEditDialog(ctx, course_id, stored, parent, bus=bus)
    saved = dialog.exec() == QDialog.DialogCode.Accepted and dialog.saved
    dialog.deleteLater()
    return saved


class CourseEditDialog(QDialog):
    """The form; Save calls services.courses.edit_course and keeps the dialog open on a mistake."""

    def __init__(
        self,
        ctx: AppContext,
        course_id: int,
        stored: CourseInput,
        parent: QWidget | None = None,
        *,
        bus: ChangeBus | None = None,
    ):
        super().__init__(parent)
        self.ctx = ctx
        self.bus = bus if bus is not None else ChangeBus(self)  # on its own: nobody listens
        self.course_id = course_id
        self.stored = stored
        self.saved = False
        self._people_count: int | None = None  # read when the places warning first needs it
        self.setWindowTitle(_("Course details: {code}").format(code=stored.code))
        self.setMinimumWidth(self.fontMetrics().horizontalAdvance("M") * 40)
        self._build_fields()
        self._build_buttons()
        body = QWidget()
        fields = QVBoxLayout(body)
        fields.setContentsMargins(0, 0, 0, 0)
        fields.addWidget(self.intro)
        fields.addLayout(self.form)
        layout = QVBoxLayout(self)
        layout.addWidget(style.scroll_of(body, _("Course details")), 1)  # scrolls at 200 %
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self._capacity_changed()
        style.fit_to_screen(self, self.sizeHint().width(), self.sizeHint().height())

    # --- building ----------------------------------------------------------------------
    def _build_fields(self) -> None:
        s = self.stored
        self.intro = QLabel(
            _(
                "Changes are saved for the whole course. To move or cancel one class, "
                "use Edit session in the register."
            )
        )
        self.intro.setObjectName("hint")
        self.intro.setWordWrap(True)
        self.title = QLineEdit(s.title)
        self.code = QLineEdit(s.code)
        self.code.setToolTip(_("Letters, digits and - _ / only; used on documents and exports"))
        self.venue = QComboBox()
        self.venue.setEditable(True)
        venues = settings_service.venues(self.ctx)
        self.venue.addItems(venues if s.venue in venues or not s.venue else [s.venue, *venues])
        self.venue.setCurrentText(s.venue)
        self.venue.lineEdit().setPlaceholderText(_("Type the venue's name"))  # type: ignore[union-attr]
        self.delivery = delivery_combo(s.delivery_mode)
        hours, _sep, minutes = s.start_time.partition(":")
        self.start_time = QTimeEdit(QTime(int(hours or 10), int(minutes or 0)))
        self.start_time.setDisplayFormat("HH:mm")
        self.capacity = QLineEdit(str(s.capacity))
        self.capacity.setMaxLength(3)
        self.capacity.setMaximumWidth(self.fontMetrics().horizontalAdvance("0000") + 24)
        self.capacity.setAccessibleName(_("Places"))
        self.capacity.textChanged.connect(self._capacity_changed)
        self.capacity_note = QLabel()
        self.capacity_note.setObjectName("warning")
        self.capacity_note.setWordWrap(True)
        self.instructors = QLineEdit(", ".join(s.instructors))
        self.instructors.setPlaceholderText(_("Names, separated by commas"))
        self.notes = QPlainTextEdit(s.notes)
        self.notes.setTabChangesFocus(True)
        self.notes.setMaximumHeight(self.fontMetrics().height() * 4 + 16)
        self.form = QFormLayout()
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        for label, widget in (
            (_("&Title"), self.title),
            (_("C&ode"), self.code),
            (_("&Venue"), self.venue),
            (_("&Delivery"), self.delivery),
            (_("&Start time"), self.start_time),
            (_("&Places"), self.capacity),
            ("", self.capacity_note),
            (_("&Instructors"), self.instructors),
            (_("&Notes"), self.notes),
        ):
            if label:
                buddy = QLabel(label)
                buddy.setBuddy(widget)
                self.form.addRow(buddy, widget)
            else:
                self.form.addRow("", widget)
        self.fields: dict[str, QWidget] = {
            "title": self.title,
            "code": self.code,
            "venue": self.venue,
            "delivery_mode": self.delivery,
            "start_time": self.start_time,
            "capacity": self.capacity,
            "instructors": self.instructors,
            "notes": self.notes,
        }
        for edit in (self.title, self.code, self.capacity, self.instructors):
            edit.textEdited.connect(lambda _t, w=edit: mark_invalid(w, False))
        self.instructors.textEdited.connect(self._capacity_changed)

    def _build_buttons(self) -> None:
        self.error = LiveLabel()
        self.error.setObjectName("error")
        self.error.setWordWrap(True)
        self.error.hide()
        keep_room(self.error)  # showing a mistake never moves the buttons
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel,
            self,  # in the dialog first, so Save stays the default Enter presses
        )
        self.save_button = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        self.save_button.setObjectName("primary")
        self.save_button.setDefault(True)
        self.buttons.accepted.connect(self._save)
        self.buttons.rejected.connect(self.reject)

    # --- behaviour -----------------------------------------------------------------------
    def _people(self) -> int:
        """People on the course now (not withdrawn), read once for the places warning."""
        reg = reading.course_register(self.ctx, self.course_id)
        return sum(1 for r in reg.rows if r.status != "withdrawn") if reg else 0

    def _capacity_changed(self, *_args: object) -> None:
        text = self.capacity.text().strip()
        note = None
        if text.isdigit():
            places = int(text)
            staff = len([n for n in self.instructors.text().split(",") if n.strip()])
            note = capacity_warning(places, staff)
            if note is None and places > 0:
                if self._people_count is None:
                    self._people_count = self._people()
                if places < self._people_count:
                    note = ngettext(
                        "{n} person is on this course already: nobody new can be enrolled "
                        "until someone leaves.",
                        "{n} people are on this course already: nobody new can be enrolled "
                        "until someone leaves.",
                        self._people_count,
                    ).format(n=self._people_count)
        self.capacity_note.setText(note or "")
        self.capacity_note.setVisible(bool(note))

    def value(self) -> CourseInput:
        s = self.stored
        names = [n.strip() for n in self.instructors.text().split(",") if n.strip()]
        return CourseInput(
            title=self.title.text(),
            programme_key=s.programme_key,
            start_date=s.start_date,
            weekdays=list(s.weekdays),
            venue=self.venue.currentText().strip(),
            start_time=self.start_time.time().toString("HH:mm"),
            capacity=self.capacity.text().strip(),
            instructors=names,
            code=self.code.text().strip(),
            notes=self.notes.toPlainText(),
            sessions=s.sessions,
            delivery_mode=chosen_mode(self.delivery),
        )

    def show_error(self, e: KnownError) -> None:
        self.error.setText(str(e))
        self.error.show()
        widget = self.fields.get(getattr(e, "field", ""))
        if widget is not None:
            mark_invalid(widget, True, str(e))
            widget.setFocus(Qt.FocusReason.OtherFocusReason)
            if isinstance(widget, QLineEdit):
                widget.selectAll()

    def _failed(self, e: BaseException) -> None:
        if isinstance(e, KnownError):
            self.show_error(e)
        else:  # unexpected: logged and shown
            error_dialog.report(self, e)

    def _save(self) -> None:
        after, cid = self.value(), self.course_id
        op = run_op(
            self,
            lambda: course_service.edit_course(self.ctx, cid, after),
            bus=self.bus,
            failure=self._failed,  # the dialog stays open
        )
        if not op.ok:
            return
        self.saved = True
        self.accept()
