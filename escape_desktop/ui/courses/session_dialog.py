"""Edit one session: topic, date, staff present and notes; cancel it or hold it again; move
it online (or back to the hall)."""

from __future__ import annotations

from PySide6.QtCore import QDate
from PySide6.QtWidgets import (
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from escape_desktop.context import AppContext
from escape_desktop.errors import KnownError
from escape_desktop.i18n import _, ngettext, ui_date
from escape_desktop.services import courses as course_service
from escape_desktop.services.reading import SessionInfo
from escape_desktop.ui.common import error_dialog
from escape_desktop.ui.common.announce import LiveLabel
from escape_desktop.ui.common.change_bus import ChangeBus
from escape_desktop.ui.common.date_field import make_typeable
from escape_desktop.ui.common.operation import run_op
from escape_desktop.ui.common.steady import keep_room
from escape_desktop.ui.common.style import mark_invalid, qdate_to_date
from escape_desktop.ui.courses.words import weekday_day_month


class SessionDialog(QDialog):
    def __init__(
        self,
        ctx: AppContext,
        bus: ChangeBus,
        session: SessionInfo,
        instructors: list[str],
        parent: QWidget | None = None,
    ):
        super().__init__(parent)
        self.ctx = ctx
        self.bus = bus
        self.session = session
        self.setWindowTitle(_("Session {n}").format(n=session.number))
        layout = QVBoxLayout(self)
        self.state = QLabel()
        self.state.setObjectName("subtitle")
        layout.addWidget(self.state)
        form = QFormLayout()
        self.date = QDateEdit(QDate(session.date.year, session.date.month, session.date.day))
        make_typeable(self.date)
        # The programme's own topic shows in the window's language; saved unchanged, it stays
        # the programme's (and so keeps following each reader's language).
        self._shown_topic = _(session.topic)
        self.topic = QLineEdit(self._shown_topic)
        self.staff = QLineEdit(session.staff_present)
        self.staff.setPlaceholderText(
            ", ".join(instructors) if instructors else _("Names, separated by commas")
        )
        self.notes = QLineEdit(session.notes)
        form.addRow(_("Date"), self.date)
        form.addRow(_("Topic"), self.topic)
        form.addRow(_("Staff present"), self.staff)
        form.addRow(_("Notes"), self.notes)
        layout.addLayout(form)
        if instructors and not session.staff_present:
            fill = QPushButton(_("Fill in the course's instructors"))
            fill.clicked.connect(lambda: self.staff.setText(", ".join(instructors)))
            layout.addWidget(fill)
        self.error = LiveLabel()
        self.error.setObjectName("error")
        self.error.setWordWrap(True)
        self.error.hide()
        keep_room(self.error)  # showing a mistake never moves the buttons
        layout.addWidget(self.error)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.cancel_button = self.buttons.addButton(
            _("Hold this session again") if session.cancelled else _("Cancel this session…"),
            QDialogButtonBox.ButtonRole.ResetRole,
        )
        self.cancel_button.clicked.connect(self._toggle_cancelled)
        # A virtual course's sessions are all online: nothing to move.
        self.online_button: QPushButton | None = None
        if session.moved_online or not session.online:
            self.online_button = self.buttons.addButton(
                _("Back in the hall") if session.moved_online else _("Move online…"),
                QDialogButtonBox.ButtonRole.ResetRole,
            )
            self.online_button.setAccessibleName(
                _("Hold this session in the hall again")
                if session.moved_online
                else _("Move this session online, over video")
            )
            self.online_button.clicked.connect(self._toggle_online)
        self.buttons.accepted.connect(self._save)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.fields = {
            "date": self.date,
            "topic": self.topic,
            "staff_present": self.staff,
            "notes": self.notes,
        }
        self._show_state()
        self.setMinimumWidth(self.fontMetrics().horizontalAdvance("M") * 36)

    def _show_state(self) -> None:
        s = self.session
        text = _("Session {n} · {day}").format(n=s.number, day=ui_date(s.date, "long"))
        if s.cancelled:
            text += " · " + (
                _("cancelled ({reason})").format(reason=s.cancel_reason)
                if s.cancel_reason
                else _("cancelled")
            )
        if s.online:
            text += " · " + (
                _("online ({reason})").format(reason=s.online_reason)
                if s.online_reason
                else _("online")
            )
        self.state.setText(text)

    def _fail(self, e: BaseException) -> None:
        if isinstance(e, KnownError):
            self.error.setText(str(e))
            self.error.show()
            widget = self.fields.get(getattr(e, "field", ""))
            if widget is not None:
                mark_invalid(widget, True, str(e))
                widget.setFocus()
        else:
            error_dialog.report(self, e)

    def _save(self) -> None:
        topic = self.topic.text().strip()
        if topic == self._shown_topic.strip():
            topic = self.session.topic
        edit = course_service.SessionEdit(
            date=qdate_to_date(self.date.date()),
            topic=topic,
            staff_present=self.staff.text().strip(),
            notes=self.notes.text().strip(),
        )
        # One service call, one transaction: a mistake in any field saves none of them.
        op = run_op(
            self,
            lambda: course_service.edit_session(self.ctx, self.session.id, edit),
            bus=self.bus,
            failure=self._fail,
        )
        if op.ok:
            self.accept()

    def _toggle_cancelled(self) -> None:
        s = self.session
        if s.cancelled:
            if run_op(
                self, lambda: course_service.reinstate_session(self.ctx, s.id), bus=self.bus
            ).ok:
                self.accept()
            return
        reason, ok = QInputDialog.getText(
            self,
            _("Cancel session"),
            _(
                "Why is session {n} cancelled? (e.g. hall closed)\n"
                "It will not count against anyone’s attendance."
            ).format(n=s.number),
        )
        if not ok:
            return
        if run_op(
            self, lambda: course_service.cancel_session(self.ctx, s.id, reason), bus=self.bus
        ).ok:
            self._offer_make_up()
            self.accept()

    def ask_online_reason(self) -> tuple[str, bool]:
        """Why the session moves online (tests answer for the instructor)."""
        return QInputDialog.getText(
            self,
            _("Move session online"),
            _(
                "Why is session {n} held online? (e.g. hall closed, snow)\n"
                "Everyone does the home version of each station at their own level."
            ).format(n=self.session.number),
        )

    def _toggle_online(self) -> None:
        s = self.session
        if s.moved_online:
            op = run_op(
                self, lambda: course_service.move_session_to_hall(self.ctx, s.id), bus=self.bus
            )
        else:
            reason, ok = self.ask_online_reason()
            if not ok:
                return
            op = run_op(
                self,
                lambda: course_service.move_session_online(self.ctx, s.id, reason),
                bus=self.bus,
                failure=self._fail,
            )
        if op.ok:
            self.accept()

    # --- keep the programme whole ---------------------------------------------------------
    def ask_make_up(self, offer: course_service.MakeUpOffer) -> bool:
        """Ask whether to add the make-up session (tests answer for the instructor)."""
        answer = QMessageBox.question(
            self,
            _("Add a make-up session?"),
            _("Add a make-up session on {day}?").format(day=weekday_day_month(offer.day))
            + "\n"
            + ngettext(
                "It keeps the course at its {n} session, with session {cancelled}’s topic. "
                "You can move it to another day later.",
                "It keeps the course at its {n} sessions, with session {cancelled}’s topic. "
                "You can move it to another day later.",
                offer.planned_sessions,
            ).format(n=offer.planned_sessions, cancelled=offer.cancelled_number),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.Yes,
        )
        return answer == QMessageBox.StandardButton.Yes

    def _offer_make_up(self) -> None:
        """After a cancellation: offer the next free class day at the end; they may decline."""
        s = self.session
        try:
            offer = course_service.make_up_offer(self.ctx, s.id)
        except KnownError:
            return
        if offer is None or not self.ask_make_up(offer):
            return
        run_op(
            self,
            lambda: course_service.make_up_session(self.ctx, s.id, offer.day),
            bus=self.bus,
        )
