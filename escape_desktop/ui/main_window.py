"""The main window: courses on the left, the chosen course on the right, menus, undo, status bar."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings, Qt
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QFileDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QSplitter,
    QStackedWidget,
    QWidget,
)

from escape_desktop import __version__
from escape_desktop.context import AppContext
from escape_desktop.db import queries
from escape_desktop.services import participants as participant_service
from escape_desktop.services import settings as settings_service
from escape_desktop.ui import error_dialog, safety_menu, style
from escape_desktop.ui.bus import ChangeBus
from escape_desktop.ui.course_view import TAB_TITLES, CourseView
from escape_desktop.ui.courses_view import CoursesPanel
from escape_desktop.ui.undo import Actions
from escape_desktop.ui.welcome import WelcomePage

PAGE_WELCOME, PAGE_COURSES = range(2)
UI_SETTINGS_FILE = "ui.ini"


class MainWindow(QMainWindow):
    def __init__(self, ctx: AppContext, bus: ChangeBus | None = None, today: date | None = None):
        super().__init__()
        self.ctx = ctx
        self.bus = bus or ChangeBus(self)
        self._today = today
        self.settings = QSettings(
            str(Path(ctx.data_dir) / UI_SETTINGS_FILE), QSettings.Format.IniFormat
        )
        self.actions = Actions(ctx, self.bus, self)
        self.setWindowTitle("ESCAPE-pain classes")
        self._build_pages()
        self._build_actions()
        self._build_menus()
        self._build_status_bar()
        self.bus.saved.connect(lambda text: self.statusBar().showMessage(text, 8000))
        self.bus.changed.connect(self._on_changed)
        self._restore()

    # --- building ----------------------------------------------------------------------
    def _build_pages(self) -> None:
        self.pages = QStackedWidget(self)
        self.welcome = WelcomePage(self)
        self.welcome.createRequested.connect(self.new_course)
        self.welcome.demoRequested.connect(self.load_demo)
        self.welcome.settingsRequested.connect(self.open_settings)
        self.courses = CoursesPanel(self.ctx, self.bus, self, today=self._today)
        self.courses.courseSelected.connect(self.open_course)
        self.courses.newCourseRequested.connect(self.new_course)
        self.course_view = CourseView(self.ctx, self.bus, self.actions, self, today=self._today)
        reg = self.course_view.register
        reg.enrolRequested.connect(self.enrol)
        reg.importRequested.connect(self.import_list)
        reg.editPersonRequested.connect(self.edit_person)
        reg.withdrawRequested.connect(self.withdraw)
        reg.moveRequested.connect(self.move_person)
        reg.sessionEditRequested.connect(self.edit_session)
        reg.message.connect(lambda text: self.statusBar().showMessage(text, 8000))
        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.splitter.addWidget(self.courses)
        self.splitter.addWidget(self.course_view)
        self.splitter.setStretchFactor(0, 0)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([340, 1000])
        self.splitter.setChildrenCollapsible(False)
        self.pages.addWidget(self.welcome)
        self.pages.addWidget(self.splitter)
        self.setCentralWidget(self.pages)

    def _action(
        self, text: str, slot, shortcut: QKeySequence | str | None = None, tip: str = ""
    ) -> QAction:  # type: ignore[no-untyped-def]
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        if tip:
            action.setStatusTip(tip)
        action.triggered.connect(lambda _checked=False: slot())
        return action

    def _build_actions(self) -> None:
        K = QKeySequence.StandardKey
        self.new_course_action = self._action(
            "&New course…", self.new_course, QKeySequence(K.New), "Create a course"
        )
        self.new_course_action.setIcon(style.icon(self, "FileIcon"))
        self.import_action = self._action("&Import referral list…", self.import_list, "Ctrl+I")
        self.export_action = self._action("&Export for central upload…", self.export_upload)
        self.settings_action = self._action(
            "&Settings…", self.open_settings, QKeySequence(K.Preferences)
        )
        self.quit_action = self._action("&Quit", self.close, QKeySequence(K.Quit))
        self.quit_action.setMenuRole(QAction.MenuRole.QuitRole)
        self.undo_action = self.actions.stack.createUndoAction(self, "&Undo")
        self.undo_action.setShortcut(QKeySequence(K.Undo))
        self.redo_action = self.actions.stack.createRedoAction(self, "&Redo")
        self.redo_action.setShortcut(QKeySequence(K.Redo))
        self.find_action = self._action("&Find a person…", self.find_person, QKeySequence(K.Find))
        self.find_course_action = self._action(
            "Search &courses", self._focus_course_search, "Ctrl+Shift+F"
        )
        self.enrol_action = self._action("&Enrol a person…", self.enrol, "Ctrl+E")
        self.edit_session_action = self._action(
            "Edit &session…", self._edit_current_session, "Ctrl+Shift+S"
        )
        self.register_action = self._action("Go to the &register", self._focus_register, "Ctrl+R")
        self.large_text_action = QAction("&Large text", self)
        self.large_text_action.setCheckable(True)
        self.large_text_action.setShortcut(QKeySequence("Ctrl+Shift+L"))
        self.large_text_action.toggled.connect(self._set_large_text)
        self.about_action = self._action("&About", self.about)
        self.keys_action = self._action(
            "&Keyboard shortcuts", self.show_keys, QKeySequence(K.HelpContents)
        )
        for a in (self.undo_action, self.redo_action, self.find_action, self.enrol_action):
            a.setShortcutContext(Qt.ShortcutContext.WindowShortcut)

    def _build_menus(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        for a in (self.new_course_action, self.import_action, self.export_action):
            file_menu.addAction(a)
        file_menu.addSeparator()
        file_menu.addAction(self.settings_action)
        file_menu.addSeparator()
        file_menu.addAction(self.quit_action)
        edit_menu = bar.addMenu("&Edit")
        edit_menu.addAction(self.undo_action)
        edit_menu.addAction(self.redo_action)
        edit_menu.addSeparator()
        edit_menu.addAction(self.find_action)
        edit_menu.addAction(self.find_course_action)
        course_menu = bar.addMenu("&Course")
        course_menu.addAction(self.enrol_action)
        course_menu.addAction(self.edit_session_action)
        course_menu.addAction(self.register_action)
        course_menu.addSeparator()
        for i, title in enumerate(TAB_TITLES):
            a = QAction(title, self)
            a.setShortcut(QKeySequence(f"Ctrl+{i + 1}"))
            a.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)  # the course view owns the keys
            a.triggered.connect(lambda _c=False, i=i: self.course_view.show_section(i))
            course_menu.addAction(a)
        self.course_menu = course_menu
        view_menu = bar.addMenu("&View")
        view_menu.addAction(self.large_text_action)
        self.help_menu = bar.addMenu("&Help")
        self.help_menu.addAction(self.keys_action)
        self.help_menu.addAction(self.about_action)

    def _build_status_bar(self) -> None:
        folder = Path(self.ctx.data_dir)
        self.data_label = QLabel(f"Data folder: {folder.name}")
        self.data_label.setToolTip(f"Everything is kept in {folder}")
        self.data_label.setObjectName("hint")
        self.statusBar().addPermanentWidget(self.data_label)

    # --- state -------------------------------------------------------------------------
    @property
    def today(self) -> date:
        return self._today or date.today()

    def _restore(self) -> None:
        site = settings_service.load(self.ctx)
        self.large_text_action.blockSignals(True)
        self.large_text_action.setChecked(site.large_text)
        self.large_text_action.blockSignals(False)
        geometry = self.settings.value("window/geometry")
        if isinstance(geometry, QByteArray) and not geometry.isEmpty():
            self.restoreGeometry(geometry)
        else:
            self.resize(1366, 768)
        splitter = self.settings.value("window/splitter")
        if isinstance(splitter, QByteArray) and not splitter.isEmpty():
            self.splitter.restoreState(splitter)
        self.courses.reload()
        if not self.courses.model.rows:
            self.pages.setCurrentIndex(PAGE_WELCOME)
            self.course_view.set_course(None)
            return
        self.pages.setCurrentIndex(PAGE_COURSES)
        last = self.settings.value("last_course_id")
        wanted = int(last) if last not in (None, "") and str(last).isdigit() else None
        if wanted is None or self.courses.model.row_of(wanted) is None:
            wanted = self.courses.first_course_id()
        if wanted is not None:
            self.open_course(wanted)

    def current_course_id(self) -> int | None:
        return self.course_view.course_id

    def open_course(self, course_id: int) -> None:
        self.courses.select(course_id, emit=False)
        if self.course_view.course_id != course_id:
            self.course_view.set_course(course_id)
            self.settings.setValue("last_course_id", course_id)
        self.pages.setCurrentIndex(PAGE_COURSES)

    def _on_changed(self, kind: str, _ids: list) -> None:
        if kind == "settings":
            self._apply_large_text(settings_service.load(self.ctx).large_text)

    def closeEvent(self, event: QCloseEvent) -> None:
        self.settings.setValue("window/geometry", self.saveGeometry())
        self.settings.setValue("window/splitter", self.splitter.saveState())
        if self.course_view.course_id is not None:
            self.settings.setValue("last_course_id", self.course_view.course_id)
        self.settings.sync()
        try:
            safety_menu.on_close(self, self.ctx)
        except Exception as e:  # closing must never be blocked by a failed extra
            error_dialog.log.error("on_close failed: %s", e)
        super().closeEvent(event)

    # --- look --------------------------------------------------------------------------
    def _set_large_text(self, on: bool) -> None:
        ok, _ = error_dialog.guarded(self, settings_service.set_large_text, self.ctx, on)
        if ok:
            self.bus.notify("settings", [], "Large text on" if on else "Large text off")

    def _apply_large_text(self, on: bool) -> None:
        app = QApplication.instance()
        if isinstance(app, QApplication):
            style.apply(app, on)
        self.large_text_action.blockSignals(True)
        self.large_text_action.setChecked(on)
        self.large_text_action.blockSignals(False)
        self.course_view.register._resize_columns()

    # --- flows -------------------------------------------------------------------------
    def _need_course(self) -> int | None:
        cid = self.current_course_id()
        if cid is None:
            self.statusBar().showMessage("Choose a course first, or create one with Ctrl+N.", 6000)
        return cid

    def new_course(self) -> None:
        from escape_desktop.ui.course_wizard import CourseWizard

        wizard = CourseWizard(self.ctx, self, today=self.today)
        self._open_dialog(wizard)
        if wizard.result() and wizard.course_id is not None:
            self.bus.notify("course", [wizard.course_id], "Saved: new course created")
            self.courses.reload()
            self.pages.setCurrentIndex(PAGE_COURSES)
            self.courses.select(wizard.course_id, emit=False)
            self.open_course(wizard.course_id)
            self.course_view.show_section(0)

    def load_demo(self) -> None:
        from escape_desktop.services.demo import generate_demo
        from escape_desktop.ui.worker import run_in_background

        self.welcome.set_busy(True)
        self.statusBar().showMessage("Making demo courses…")
        today = self.today

        def done(_result: object) -> None:
            self.welcome.set_busy(False)
            self.bus.notify("all", [], "Demo courses added: invented people only")
            self.courses.reload()
            first = self.courses.first_course_id()
            if first is not None:
                self.open_course(first)

        def failed(e: BaseException) -> None:
            self.welcome.set_busy(False)
            error_dialog.report(self, e)

        self._demo_job = run_in_background(
            lambda _progress: generate_demo(self.ctx, scale="small", today=today),
            on_done=done,
            on_error=failed,
            parent=self,
        )

    def open_settings(self) -> None:
        from escape_desktop.ui.settings_dialog import SettingsDialog

        self._open_dialog(SettingsDialog(self.ctx, self.bus, self))

    def _course_label(self, course_id: int) -> str:
        reg = self.course_view.register.model.register
        if reg is not None and reg.course_id == course_id:
            return f"{reg.code} · {reg.title}"
        return ""

    def enrol(self) -> None:
        from escape_desktop.ui.participant_dialog import ParticipantDialog

        cid = self._need_course()
        if cid is None:
            return
        result: dict[str, int] = {}

        def submit(data: participant_service.ParticipantInput) -> None:
            result["enrolment_id"] = self.actions.enrol(cid, data)

        dialog = ParticipantDialog(
            self, submit, course_label=self._course_label(cid), today=self.today
        )
        self._open_dialog(dialog)
        if "enrolment_id" in result:
            self.course_view.show_section(0)
            self.course_view.register.select_enrolment(result["enrolment_id"])

    def _enrolment(self, enrolment_id: int) -> queries.RegisterRow | None:
        return next(
            (r for r in self.course_view.register.model.rows if r.enrolment_id == enrolment_id),
            None,
        )

    def edit_person(self, enrolment_id: int) -> None:
        from escape_desktop.ui.participant_dialog import ParticipantDialog

        row = self._enrolment(enrolment_id)
        if row is None:
            return
        ok, initial = error_dialog.guarded(
            self, participant_service.participant_input, self.ctx, row.participant_id
        )
        if not ok:
            return
        dialog = ParticipantDialog(
            self,
            lambda data: self.actions.edit_participant(row.participant_id, data),
            title=f"{row.name} ({row.code})",
            initial=initial,
            today=self.today,
        )
        self._open_dialog(dialog)

    def withdraw(self, enrolment_id: int) -> None:
        from escape_desktop.ui.participants_view import WithdrawDialog

        row = self._enrolment(enrolment_id)
        if row is None or row.status == "withdrawn":
            return
        dialog = WithdrawDialog(self, row.name)
        self._open_dialog(dialog)
        if dialog.result():
            error_dialog.guarded(
                self, self.actions.withdraw, enrolment_id, dialog.value(), row.name
            )

    def move_person(self, enrolment_id: int) -> None:
        from escape_desktop.ui.participants_view import MoveDialog

        row = self._enrolment(enrolment_id)
        if row is None:
            return
        with self.ctx.db.read() as s:
            summaries = queries.course_summaries(s, self.today)
        dialog = MoveDialog(self, row.name, summaries, self.current_course_id() or -1)
        self._open_dialog(dialog)
        target = dialog.value()
        if dialog.result() and target is not None:
            code = next((c.code for c in summaries if c.id == target), "")
            error_dialog.guarded(self, self.actions.move, enrolment_id, target, row.name, code)

    def import_list(self, path: str | None = None) -> None:
        from escape_desktop.ui.import_dialog import ImportDialog

        cid = self._need_course()
        if cid is None:
            return
        reg = self.course_view.register.model.register
        code = reg.code if reg else ""
        if path is None:
            path, _ = QFileDialog.getOpenFileName(
                self, f"Referral list for {code}", "", "CSV files (*.csv *.txt);;All files (*)"
            )
            if not path:
                return
        self._open_dialog(ImportDialog(self.ctx, self.bus, cid, code, self, path=path))

    def edit_session(self, session_id: int) -> None:
        from escape_desktop.ui.session_dialog import SessionDialog

        reg = self.course_view.register.model.register
        session = next((x for x in reg.sessions if x.id == session_id), None) if reg else None
        if session is None or reg is None:
            return
        self._open_dialog(SessionDialog(self.ctx, self.bus, session, reg.instructors, self))

    def _edit_current_session(self) -> None:
        sid = self.course_view.register.current_session_id()
        if sid is not None:
            self.edit_session(sid)

    def find_person(self) -> None:
        from escape_desktop.ui.search_dialog import SearchDialog

        dialog = SearchDialog(self.ctx, self)
        dialog.openRequested.connect(self.show_enrolment)
        self._open_dialog(dialog)

    def show_enrolment(self, course_id: int, enrolment_id: int) -> None:
        self.courses.select(course_id, emit=False)
        self.open_course(course_id)
        self.course_view.show_section(0)
        self.course_view.register.select_enrolment(enrolment_id)

    def export_upload(self) -> None:
        from escape_desktop.ui.export_dialog import open_export_dialog

        error_dialog.guarded(
            self, open_export_dialog, self.ctx, self.bus, self, self.current_course_id()
        )

    def _focus_course_search(self) -> None:
        if self.pages.currentIndex() == PAGE_COURSES:
            self.courses.search.setFocus()
            self.courses.search.selectAll()

    def _focus_register(self) -> None:
        if self.current_course_id() is not None:
            self.course_view.show_section(0)

    def show_keys(self) -> None:
        QMessageBox.information(
            self,
            "Keyboard shortcuts",
            "In the register: arrows move; P present, A absent, L apologies (then down to the next "
            "person); Space changes the mark; Delete clears it; Enter on a name opens the details.\n\n"
            "Ctrl+N new course · Ctrl+E enrol · Ctrl+I import a list · Ctrl+F find a person · "
            "Ctrl+Z undo · Ctrl+1..4 sections · Ctrl+R register · Ctrl+Shift+L large text",
        )

    def about(self) -> None:
        QMessageBox.about(
            self,
            "About",
            f"ESCAPE-pain classes (escape-desktop {__version__})\n\nCourses, registers, circuits and "
            f"measures kept on this computer.\n\nData folder: {self.ctx.data_dir}",
        )

    def _open_dialog(self, dialog: QWidget) -> None:
        """Run a dialog modally (tests reach it through self.last_dialog)."""
        self.last_dialog = dialog
        dialog.exec()  # type: ignore[attr-defined]


def install_safety_menu(window: MainWindow) -> None:
    """The data-safety engineer's Data menu and timers, added once after the window is built."""
    safety_menu.install(window, window.ctx, window.bus)
