"""The window's person and course flows: enrol, edit, withdraw or move a person, import a
referral list, find a person; edit or close a course, edit a session. Each asks through a
dialog and hands the change to the window's operations (PeopleOps, run_op) or a course dialog.

MainWindow keeps one-line slots of the same names (menus, the register's signals and tests
call those); this class holds what each flow does.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import QMainWindow

from escape_desktop.errors import KnownError
from escape_desktop.i18n import _
from escape_desktop.ui.common import error_dialog, file_dialogs

from .window_parts import WindowParts

if TYPE_CHECKING:
    from escape_desktop.services.reading import RegisterRow


class CourseFlows:
    """The person and course flows of one main window (``window.flows``)."""

    def __init__(self, window: WindowParts, widget: QMainWindow):
        # The MainWindow (its module imports this one: typed by what is used of it), and the
        # same window as a widget, the parent of its dialogs.
        self.window = window
        self.widget = widget

    def course_label(self, course_id: int) -> str:
        w = self.window
        reg = w._view.register.model.register
        if reg is not None and reg.course_id == course_id:
            return f"{reg.code} · {reg.title}"
        return ""

    def enrol(self) -> None:
        w = self.window
        from escape_desktop.ui.people.participant_dialog import EnrolDialog

        cid = w._need_course()
        if cid is None:
            return
        dialog = EnrolDialog(
            self.widget,
            w.ctx,
            w.people_ops,
            cid,
            course_label=self.course_label(cid),
            today=w.today,
        )
        w._open_dialog(dialog)
        if dialog.enrolment_id is not None:
            w._view.show_section(0)
            w._view.register.select_enrolment(dialog.enrolment_id)

    def enrolment(self, enrolment_id: int) -> RegisterRow | None:
        w = self.window
        return next(
            (r for r in w._view.register.model.rows if r.enrolment_id == enrolment_id),
            None,
        )

    def edit_person(self, enrolment_id: int) -> None:
        w = self.window
        from escape_desktop.services import participants as participant_service
        from escape_desktop.ui.common.operation import raise_to_caller, run_op
        from escape_desktop.ui.people.participant_dialog import ParticipantDialog

        row = self.enrolment(enrolment_id)
        if row is None:
            return
        ok, initial = error_dialog.guarded(
            self.widget, participant_service.participant_input, w.ctx, row.participant_id
        )
        if not ok:
            return
        ok, joined = error_dialog.guarded(
            self.widget, participant_service.joined_at, w.ctx, enrolment_id
        )
        if not ok:
            return
        dialog = ParticipantDialog(
            self.widget,
            lambda data: w.people_ops.edit_participant(row.participant_id, data),
            title=f"{row.name} ({row.code})",
            initial=initial,
            today=w.today,
            joined=joined,
            set_joined=lambda n: run_op(
                self.widget,
                lambda: participant_service.set_joined_at(w.ctx, enrolment_id, n),
                bus=w.bus,
                failure=raise_to_caller,
            ),
        )
        w._open_dialog(dialog)

    def withdraw(self, enrolment_id: int) -> None:
        w = self.window
        from escape_desktop.ui.people.withdraw_dialog import WithdrawDialog

        row = self.enrolment(enrolment_id)
        if row is None or row.status == "withdrawn":
            return
        dialog = WithdrawDialog(self.widget, row.name)
        w._open_dialog(dialog)
        if dialog.result():
            w.people_ops.withdraw(enrolment_id, dialog.value(), row.name)

    def move_person(self, enrolment_id: int) -> None:
        w = self.window
        from escape_desktop.ui.people.move_dialog import MoveDialog

        row = self.enrolment(enrolment_id)
        if row is None:
            return
        from escape_desktop.services import reading

        summaries = reading.course_summaries(w.ctx, w.today)
        dialog = MoveDialog(self.widget, row.name, summaries, w.current_course_id() or -1)
        w._open_dialog(dialog)
        target = dialog.value()
        if dialog.result() and target is not None:
            code = next((c.code for c in summaries if c.id == target), "")
            w.people_ops.move(enrolment_id, target, row.name, code)

    def import_list(self, path: str | None = None) -> None:
        w = self.window
        from escape_desktop.ui.people.import_dialog import ImportDialog

        cid = w._need_course()
        if cid is None:
            return
        reg = w._view.register.model.register
        code = reg.code if reg else ""
        if path is None:
            path = file_dialogs.open_file(
                self.widget,
                w.ctx.data_dir,
                _("Referral list for {course}").format(course=code),
                _("CSV files (*.csv *.txt);;All files (*)"),
            )
            if not path:
                return
        dialog = ImportDialog(w.ctx, w.bus, cid, code, self.widget, path=path)
        w._open_dialog(dialog)  # the list is added, undoably, by the dialog's own operation

    def edit_course(self) -> None:
        w = self.window
        from escape_desktop.ui.courses.course_edit_dialog import edit_course

        cid = w._need_course()
        if cid is not None:
            edit_course(w.ctx, w.bus, self.widget, cid)

    def name_close_action(self) -> None:
        w = self.window
        from escape_desktop.ui.courses.course_close import close_action_text

        ctx = getattr(w, "ctx", None)
        if ctx is None or not w.checked:
            return
        try:
            w.close_course_action.setText(close_action_text(ctx, w.current_course_id()))
        except KnownError:  # the data is being checked or locked: keep the words it had
            pass

    def toggle_course_closed(self) -> None:
        w = self.window
        from escape_desktop.ui.courses.course_close import toggle_course_closed

        cid = w._need_course()
        if cid is not None:
            toggle_course_closed(w.ctx, w.bus, self.widget, cid)

    def edit_session(self, session_id: int) -> None:
        w = self.window
        from escape_desktop.ui.courses.session_dialog import SessionDialog

        reg = w._view.register.model.register
        session = next((x for x in reg.sessions if x.id == session_id), None) if reg else None
        if session is None or reg is None:
            return
        w._open_dialog(SessionDialog(w.ctx, w.bus, session, reg.instructors, self.widget))

    def edit_current_session(self) -> None:
        w = self.window
        sid = w._view.register.current_session_id()
        if sid is not None:
            self.edit_session(sid)

    def find_person(self) -> None:
        w = self.window
        from escape_desktop.ui.people.search_dialog import SearchDialog

        dialog = SearchDialog(w.ctx, self.widget)
        dialog.openRequested.connect(w.show_enrolment)
        w._open_dialog(dialog)

    def show_enrolment(self, course_id: int, enrolment_id: int) -> None:
        w = self.window
        w.courses.select(course_id, emit=False)
        w.open_course(course_id)
        w._view.show_section(0)
        w._view.register.select_enrolment(enrolment_id)
