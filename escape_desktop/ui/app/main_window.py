"""The main window: courses on the left, the chosen course on the right, menus, undo, status bar.

It opens in two steps so the instructor sees it at once. The first step (``__init__``) shows the
courses list, read with plain SQL, and the chosen course's heading; nothing it imports pulls in
SQLAlchemy. The second step (``finish()``, right after the first paint when ``deferred``)
builds the course view, the register, undo and the rest. An action used in between is run
once the window is ready, never lost and never half-done.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import date, datetime, time
from pathlib import Path
from typing import TYPE_CHECKING

import shiboken6
from PySide6.QtCore import QByteArray, QEvent, QObject, QRect, Qt, QTimer, Signal
from PySide6.QtGui import (
    QAction,
    QCloseEvent,
    QFontMetrics,
    QGuiApplication,
    QKeySequence,
    QShowEvent,
)
from PySide6.QtWidgets import (
    QApplication,
    QFrame,
    QLabel,
    QMainWindow,
    QMenu,
    QMessageBox,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from escape_desktop import __version__
from escape_desktop.context import AppContext
from escape_desktop.i18n import N_, _
from escape_desktop.services.changes import Changes
from escape_desktop.ui.app.welcome_page import WelcomePage
from escape_desktop.ui.app.window_actions import (
    build_actions,
    build_menus,
    build_undo_actions,
    make_action,
)
from escape_desktop.ui.app.window_flows import CourseFlows
from escape_desktop.ui.app.window_parts import WindowParts
from escape_desktop.ui.common import announce, error_dialog, file_dialogs, style
from escape_desktop.ui.common.change_bus import ChangeBus, OpChanges
from escape_desktop.ui.courses.course_view import TAB_TITLES
from escape_desktop.ui.courses.courses_panel import (
    CourseRow,
    CoursesPanel,
    large_text_on,
)

if TYPE_CHECKING:
    from escape_desktop.ui.app.today_panel import TodayPanel
    from escape_desktop.ui.courses.course_view import CourseView
    from escape_desktop.ui.people.people_ops import PeopleOps
    from escape_desktop.ui.register.register_ops import RegisterOps

PAGE_WELCOME, PAGE_COURSES = range(2)
# The guide's page for each course tab (Sessions & register, Circuit, Measures, Documents).
HELP_PAGES_BY_TAB = ("register", "circuit", "measures", "documents")
UI_SETTINGS_FILE = "ui.ini"
FINISH_FALLBACK_MS = 1000
# How long after the window is ready to mark (and the quick check passed) SQLAlchemy and the
# models are imported, if no write has needed them sooner (issue 29: the register is read in
# plain SQL and painted first; a mark before this imports them itself). Short: the import
# holds the window for a moment, better before the instructor's first key than during it.
WARM_UP_MS = 300
# Said when a change other than a mark is asked for while the start-up quick check runs.
STILL_CHECKING = N_("The data file is still being checked; try again in a moment.")
# The Today panel reads again this long after the last change (a mark, a result), not at once:
# the follow-ups count reads every finished course, longer than a frame on a big file.
TODAY_AFTER_CHANGE_MS = 300
COMPACT_EMS = 75  # a screen narrower than this many letters M hides the course list
NARROW_SCREEN = 1366  # the usual laptop or narrower: open maximised
TITLE_BAR = 32  # about the height of a Windows title bar at 100 %
FRAME_BORDER = 8  # a window frame's side border, counted generously  # finish even if no paint comes (a window started minimised)


class _LoadingCourse(QWidget):
    """Stands where the course view will be: the chosen course's heading, then 'Opening…'."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 12, 16, 8)
        self.title = QLabel("")
        self.title.setObjectName("title")
        self.subtitle = QLabel("")
        self.subtitle.setObjectName("subtitle")
        self.subtitle.setWordWrap(True)
        self.note = QLabel(_("Opening the register…"))
        self.note.setObjectName("hint")
        layout.addWidget(self.title)
        layout.addWidget(self.subtitle)
        layout.addWidget(self.note)
        layout.addStretch(1)

    def show_course(self, summary: CourseRow | None) -> None:
        self.title.setText(summary.title if summary else "")
        parts = (summary.code, summary.venue) if summary else ()
        self.subtitle.setText(" · ".join(p for p in parts if p))


class _AfterFirstPaint(QObject):
    """Calls ``then`` once, just after the first paint of ``window`` (or after a fallback)."""

    def __init__(self, window: QWidget, then: Callable[[], None]):
        super().__init__(window)
        self.window = window
        self.then = then
        self.done = False
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self)
        QTimer.singleShot(FINISH_FALLBACK_MS, self._go)

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if (
            not self.done
            and event.type() == QEvent.Type.Paint
            and isinstance(obj, QWidget)
            and obj.window() is self.window
        ):
            QTimer.singleShot(0, self._go)  # after this paint has been drawn
        return False

    def _go(self) -> None:
        if self.done:
            return
        self.done = True
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)
        self.then()


def after_first_paint(window: QWidget, then: Callable[[], None]) -> None:
    """Call ``then`` once, just after ``window`` first paints (or after a short fallback)."""
    _AfterFirstPaint(window, then)  # parented to the window, which keeps it


class MainWindow(QMainWindow):
    ready = Signal()  # the course view, register and undo are built (finish() ran)
    follow_ups_counted = Signal()  # the Today panel's follow-ups line is up to date
    warmed = Signal()  # SQLAlchemy and the models are imported (see warm_up)

    # Made by window_actions (declared there, each beside its shortcut and menu place).
    new_course_action: QAction
    import_action: QAction
    export_action: QAction
    settings_action: QAction
    quit_action: QAction
    undo_action: QAction
    redo_action: QAction
    find_action: QAction
    find_course_action: QAction
    enrol_action: QAction
    edit_course_action: QAction
    edit_session_action: QAction
    close_course_action: QAction
    register_action: QAction
    today_action: QAction
    week_action: QAction
    course_list_action: QAction
    large_text_action: QAction
    guide_action: QAction
    keys_action: QAction
    about_action: QAction
    edit_menu: QMenu
    course_menu: QMenu
    help_menu: QMenu

    def __init__(
        self,
        ctx: AppContext,
        bus: ChangeBus | None = None,
        today: date | None = None,
        *,
        deferred: bool = False,
    ):
        super().__init__()
        self.ctx = ctx
        self.bus = bus or ChangeBus(self)
        self._today = today
        self.settings = file_dialogs.ui_settings(Path(ctx.data_dir))  # user-only ui.ini
        self.is_ready = False
        self.checked = True  # False while the data file's quick check runs (see set_checked)
        self.course_view: CourseView | None = None
        self._queued: Callable[[], None] | None = None
        self._wanted_course: int | None = None
        self.today_panel: TodayPanel | None = None  # built by finish()
        self._follow_ups_counting = False  # on the database worker (see _count_follow_ups)
        self._follow_ups_again = False
        self._first_key_target: QWidget | None = None  # gets the focus once it can take it
        # What waits for SQLAlchemy (the follow-ups count, the Data menu): see warm_up.
        self.is_warm = "escape_desktop.db.models" in sys.modules
        self._after_warm: list[Callable[[], None]] = []
        self._warm_timer: QTimer | None = None
        self._warmed = False  # warm_up() has run (once)
        self.setWindowTitle(_("ESCAPE-pain classes"))
        from escape_desktop.ui.common import keyboard

        keyboard.install()  # Tab leaves read-only tables, in this window and its dialogs
        parts: WindowParts = self  # mypy checks this window has all that its helpers use
        self.flows = CourseFlows(parts, self)
        self._build_pages()
        build_actions(self)
        build_menus(self)
        self._build_status_bar()
        self.bus.saved.connect(lambda text: self.statusBar().showMessage(text, 8000))
        # A change read again for the Today panel after a short pause, once for a run of marks:
        # a mark is on screen within a frame, the panel's counts follow (issue 29).
        self._today_later = QTimer(self)
        self._today_later.setSingleShot(True)
        self._today_later.setInterval(TODAY_AFTER_CHANGE_MS)
        self._today_later.timeout.connect(self._refresh_today)
        self.bus.changed.connect(self._on_changed)
        self._restore()
        if not deferred:
            self.finish()

    def finish_after_first_paint(self) -> None:
        """Run finish() just after the window first paints (call before or after show())."""
        after_first_paint(self, self.finish)

    def finish(self) -> None:
        """The second step: course view, register, undo; then any action asked for meanwhile."""
        if self.is_ready:
            return
        import linecache

        from escape_desktop.ui.courses.course_view import CourseView
        from escape_desktop.ui.people.people_ops import PeopleOps
        from escape_desktop.ui.register.register_ops import RegisterOps

        linecache.clearcache()  # before the widgets: see launcher.forget_source_lines
        self.register_ops: RegisterOps = RegisterOps(self.ctx, self.bus, self)
        self.people_ops: PeopleOps = PeopleOps(self.ctx, self.bus, self)
        self.course_view = CourseView(
            self.ctx, self.bus, self.register_ops, self, today=self._today
        )
        if not self.checked:  # marks typed now are saved once the quick check passed
            self.register_ops.hold()
        reg = self.course_view.register
        reg.enrolRequested.connect(self.enrol)
        reg.importRequested.connect(self.import_list)
        reg.editPersonRequested.connect(self.edit_person)
        reg.withdrawRequested.connect(self.withdraw)
        reg.moveRequested.connect(self.move_person)
        reg.sessionEditRequested.connect(self.edit_session)
        reg.message.connect(self._refused)
        sizes = self.splitter.sizes()
        self.splitter.replaceWidget(1, self.course_view)
        self.loading.deleteLater()
        self.splitter.setSizes(sizes)
        build_undo_actions(self)
        from escape_desktop.ui.app.help_dialog import HelpKey

        # F1 in a dialog: the menu's F1 cannot reach past a modal dialog, this filter can.
        self.help_key = HelpKey(parent=self)
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self.help_key)
        self._build_today()
        self.is_ready = True
        # On a class day that class's register is the first (and only) one built; otherwise
        # the course last open, or the one chosen while the window was opening.
        found = self._refresh_today() if self.pages.currentIndex() == PAGE_COURSES else None
        if found is not None:
            self.open_session(*found)
        elif self.pages.currentIndex() == PAGE_WELCOME or self._wanted_course is None:
            self.course_view.set_course(None)
        else:
            self.open_course(self._wanted_course)
        linecache.clearcache()
        self.ready.emit()
        self._run_queued()
        self._plan_warm_up()

    # --- SQLAlchemy, after the window is ready to mark ------------------------------------
    def _plan_warm_up(self) -> None:
        """Import SQLAlchemy in an idle moment once the window is ready and checked: what
        the register shows was read in plain SQL (issue 29); writes and most other screens
        need it. Already imported (a test session, a write came first): say so now."""
        if self.is_warm:
            self.warm_up()
        elif self.is_ready and self.checked and self._warm_timer is None:
            self._warm_timer = QTimer(self)
            self._warm_timer.setSingleShot(True)
            self._warm_timer.timeout.connect(self.warm_up)
            self._warm_timer.start(WARM_UP_MS)

    def warm_up(self) -> None:
        """Import SQLAlchemy, the models and the mark's service now (once), then run what
        waited for them (the follow-ups count, the Data menu)."""
        if not self.is_warm:
            # The first mark's service: SQLAlchemy and the models come with it.
            import escape_desktop.services.attendance  # noqa: F401

            self.ctx.db.engine  # noqa: B018
            self.is_warm = True
        if self._warm_timer is not None:
            self._warm_timer.stop()
        if self._warmed:
            return
        self._warmed = True
        waiting, self._after_warm = self._after_warm, []
        self.warmed.emit()
        for then in waiting:
            QTimer.singleShot(0, self, then)

    def when_warm(self, then: Callable[[], None]) -> None:
        """Run ``then`` once SQLAlchemy is imported (after this turn of the event loop)."""
        if self._warmed:
            QTimer.singleShot(0, self, then)
        else:
            self._after_warm.append(then)

    # --- today ---------------------------------------------------------------------------
    def _build_today(self) -> None:
        from escape_desktop.ui.app.today_panel import TodayPanel

        self.today_panel = TodayPanel(self.left)
        self.today_panel.openRegister.connect(self.open_session)
        self.today_panel.weekRequested.connect(self.show_week)
        self.today_panel.followUpsRequested.connect(self.show_follow_ups)
        self.left_layout.addWidget(self.today_panel)

    @property
    def now(self) -> datetime:
        """Now, or midday on the day a test gave (so the hour a test runs changes nothing)."""
        if self._today is not None:
            return datetime.combine(self._today, time(12, 0))
        return datetime.now()

    def _refresh_today(self) -> tuple[int, int] | None:
        """Read today's class again; (course id, session id) when there is one."""
        from escape_desktop.services import today as today_service

        if self.today_panel is None:
            return None
        ok, found = error_dialog.guarded(self, today_service.todays_session, self.ctx, self.now)
        brief = None
        if ok and found is not None:
            ok, brief = error_dialog.guarded(self, today_service.brief, self.ctx, found)
        self.today_panel.show_brief(brief if ok else None, self.today)
        ok, missing = error_dialog.guarded(
            self, today_service.registers_not_taken, self.ctx, self.today
        )
        self.today_panel.show_missing(missing if ok else [])
        # After this turn of the event loop (the register paints first) and once SQLAlchemy
        # is imported (it is not, as the window opens): then the count starts.
        self.when_warm(self._count_follow_ups)
        return (brief.course_id, brief.session_id) if ok and brief is not None else None

    def _count_follow_ups(self) -> None:
        """Count the follow-ups waiting, on the database worker: the count reads every course
        ever run (it grows with the years), so neither the register nor a mark waits for it.
        Asked again while counting, it counts once more when the first count is in."""
        if self._follow_ups_counting:
            self._follow_ups_again = True
            return
        # Imported here, on the GUI thread: an import on the worker could meet one here.
        from escape_desktop.programme.followup import OVERDUE
        from escape_desktop.services import followups
        from escape_desktop.ui.common.worker import run_in_background

        self._follow_ups_counting = True
        ctx, today = self.ctx, self.today

        def count(_progress: object) -> tuple[int, int]:
            waiting = followups.due_list(ctx, today)
            late = sum(1 for e in waiting if e.state == OVERDUE)
            return len(waiting) - late, late

        def forget() -> None:  # well after the worker has left its emit
            QTimer.singleShot(5000, signals.deleteLater)

        def counted(result: tuple[int, int]) -> None:
            forget()
            if not shiboken6.isValid(self):  # the window closed while it counted
                return
            self._follow_ups_counting = False
            if self.today_panel is not None:
                self.today_panel.show_follow_ups(*result)
            self.follow_ups_counted.emit()
            if self._follow_ups_again:
                self._follow_ups_again = False
                self._count_follow_ups()

        def failed(e: BaseException) -> None:
            forget()
            if not shiboken6.isValid(self):
                return
            self._follow_ups_counting = False
            self._follow_ups_again = False
            if self.today_panel is not None:
                self.today_panel.show_follow_ups(0, 0)
            error_dialog.report(self, e)

        # The answer's messenger belongs to the application, not to this window: a window
        # closed while the worker counts must not delete it under the worker's emit.
        signals = run_in_background(
            count, on_done=counted, on_error=failed, parent=QApplication.instance()
        )

    def go_today(self, quiet: bool = False) -> None:
        """Open today's class on its register, ready for the first key (View > Today)."""
        found = self._refresh_today()
        if found is None:
            if not quiet:
                self.statusBar().showMessage(
                    _("No class today. This week's sessions are listed."), 6000
                )
                self.show_week()
            return
        self.open_session(*found)

    def open_session(self, course_id: int, session_id: int) -> None:
        """That course's register on that session's column, on the first person."""
        if self.courses.model.row_of(course_id) is None:
            self.courses.reload()
        self.open_course(course_id)
        if self.course_view is None:
            return
        self._view.show_section(0)
        reg = self._view.register
        col = reg.model.column_of_session(session_id)
        if col is not None and reg.model.rowCount():
            index = reg.model.index(0, col)
            reg.table.setCurrentIndex(index)
            reg.table.scrollTo(index)
        self._first_key_target = reg.table
        self._give_first_key()

    def _give_first_key(self) -> None:
        """Real keyboard focus (not only the highlight) on today's first person.

        Issue 25: P did nothing until a click. The window opens with the course view disabled
        while the data file's quick check runs, and setFocus() on a disabled widget does
        nothing; so the focus waits here until the view is enabled (set_checked) and shown.
        On a window not yet active, setFocus() makes it the window's focus widget, which the
        window manager's activation then gives the keys to."""
        target = self._first_key_target
        if target is None:
            return
        if not target.isEnabled() or not target.isVisible():
            return  # set_checked(True) or showEvent tries again
        self._first_key_target = None
        target.setFocus(Qt.FocusReason.OtherFocusReason)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._first_key_target is not None:
            QTimer.singleShot(0, self, self._give_first_key)  # once the view is on screen

    def show_week(self) -> None:
        from escape_desktop.services import today as today_service
        from escape_desktop.ui.app.today_panel import WeekDialog

        ok, sessions = error_dialog.guarded(self, today_service.this_week, self.ctx, self.today)
        if not ok:
            return
        dialog = WeekDialog(sessions, self)
        dialog.openSession.connect(self.open_session)
        self._open_dialog(dialog)

    def show_follow_ups(self) -> None:
        """Who is due for a 3- or 12-month follow-up; Enter records one (undo: Ctrl+Z)."""
        from escape_desktop.ui.followups.followups_dialog import FollowUpsDialog

        ok, dialog = error_dialog.guarded(
            self, FollowUpsDialog, self.ctx, self.bus, self.today, self
        )
        if ok:
            self._open_dialog(dialog)

    def _show_course_list(self, on: bool) -> None:
        self.left.setVisible(on)

    def set_checked(self, ok: bool) -> None:
        """The quick check of the data file: False while it runs, True once it passed.

        While it runs the register is on screen and takes marks, but nothing is written: the
        marks wait in RegisterOps and are saved when it passes (issue 29: ready to mark no
        longer waits for the check); every other change is refused with one sentence.
        """
        from escape_desktop.ui.common.operation import hold_writes, release_writes

        self.checked = ok
        if not ok:
            hold_writes(self.bus, _(STILL_CHECKING))
            if self.course_view is not None:
                self.register_ops.hold()
            return
        release_writes(self.bus)
        if self.course_view is not None:
            self.register_ops.release(True)
        if ok:
            self._give_first_key()  # the register could not take the focus while disabled
            self._run_queued()
            if self.is_ready:
                self._plan_warm_up()

    def drop_held_writes(self) -> int:
        """Damage found: forget the marks typed while checking, unwritten; how many."""
        return self.register_ops.release(False) if self.course_view is not None else 0

    def _run_queued(self) -> None:
        if self.is_ready and self.checked and self._queued is not None:
            call, self._queued = self._queued, None
            call()

    def _when_ready(self, slot: Callable[[], None]) -> None:
        """Run ``slot`` now, or once the window is ready if it is still opening."""
        if self.is_ready and self.checked:
            slot()
            return
        self._queued = slot  # the last thing asked for wins
        self.statusBar().showMessage(_("Opening the data; one moment…"), 3000)

    # --- building ----------------------------------------------------------------------
    def _build_pages(self) -> None:
        self.pages = QStackedWidget(self)
        self.welcome = WelcomePage(self)
        self.welcome.createRequested.connect(lambda: self._when_ready(self.new_course))
        self.welcome.demoRequested.connect(lambda: self._when_ready(self.load_demo))
        self.welcome.settingsRequested.connect(lambda: self._when_ready(self.open_settings))
        self.welcome.restoreRequested.connect(lambda: self._when_ready(self.restore_from_backup))
        self.courses = CoursesPanel(self.ctx, self.bus, self, today=self._today)
        self.courses.courseSelected.connect(self.open_course)
        self.courses.newCourseRequested.connect(lambda: self._when_ready(self.new_course))
        self.loading = _LoadingCourse(self)
        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        # Today's class sits under the course list, where a small screen has room to spare.
        self.left = QWidget(self)
        self.left_layout = QVBoxLayout(self.left)
        self.left_layout.setContentsMargins(0, 0, 0, 0)
        self.left_layout.addWidget(self.courses, 1)
        self.splitter.addWidget(self.left)
        self.splitter.addWidget(self.loading)
        self.splitter.setStretchFactor(0, 0)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([340, 1000])
        self.splitter.setChildrenCollapsible(False)
        # The first screen scrolls rather than squeezes at 150 % or 200 % scaling.
        welcome_scroll = style.PageScroll(self)
        welcome_scroll.setWidget(self.welcome)
        welcome_scroll.setWidgetResizable(True)
        welcome_scroll.setFrameShape(QFrame.Shape.NoFrame)
        style.quiet_scroll(welcome_scroll, _("Welcome"))
        self.pages.addWidget(welcome_scroll)
        self.pages.addWidget(self.splitter)
        self.read_only_banner: QLabel | None = None
        if not self.ctx.read_only_media:
            self.setCentralWidget(self.pages)
            return
        # Data on a read-only stick or share: said once, above everything, in the words every
        # refused change repeats (the data's own sentence), and spoken when the window opens.
        sentence = self.ctx.db.stopped or ""
        self.setWindowTitle(_("ESCAPE-pain classes (read-only)"))
        central = QWidget(self)
        column = QVBoxLayout(central)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        banner = QLabel(sentence, central)
        banner.setObjectName("warning")
        banner.setWordWrap(True)
        banner.setContentsMargins(12, 6, 12, 6)
        banner.setAccessibleName(_("Read-only data"))
        banner.setAccessibleDescription(sentence)
        column.addWidget(banner)
        column.addWidget(self.pages, 1)
        self.read_only_banner = banner
        self.setCentralWidget(central)
        QTimer.singleShot(0, self, lambda: announce.say(banner, sentence))

    def _action(
        self,
        text: str,
        slot: Callable[[], None],
        shortcut: QKeySequence | str | None = None,
        tip: str = "",
    ) -> QAction:
        """An action added after the window is built (see window_actions.make_action)."""
        return make_action(self, text, slot, shortcut, tip)

    def _build_status_bar(self) -> None:
        folder = Path(self.ctx.data_dir)
        if self.ctx.read_only_media:
            shown = _("Data folder: {folder} (read-only)").format(folder=folder.name)
        else:
            shown = _("Data folder: {folder}").format(folder=folder.name)
        self.data_label = QLabel(shown)
        self.data_label.setToolTip(_("Everything is kept in {folder}").format(folder=folder))
        self.data_label.setObjectName("hint")
        self.statusBar().addPermanentWidget(self.data_label)
        announce.follow_status_bar(self.statusBar())  # every status line is also spoken

    def _refused(self, text: str) -> None:
        """A refusal (P on a session not yet held, ...): said at once, and shown."""
        announce.refuse(self, text)
        self.statusBar().showMessage(text, 8000)

    # --- state -------------------------------------------------------------------------
    @property
    def today(self) -> date:
        return self._today or date.today()

    def _restore(self) -> None:
        self.large_text_action.blockSignals(True)
        self.large_text_action.setChecked(large_text_on(self.ctx))
        self.large_text_action.blockSignals(False)
        self._restore_geometry()
        splitter = self.settings.value("window/splitter")
        if isinstance(splitter, QByteArray) and not splitter.isEmpty():
            self.splitter.restoreState(splitter)
        self.courses.reload()
        if not self.courses.model.rows:
            self.pages.setCurrentIndex(PAGE_WELCOME)
            return
        self.pages.setCurrentIndex(PAGE_COURSES)
        last = self.settings.value("last_course_id")
        wanted = int(last) if last not in (None, "") and str(last).isdigit() else None
        if wanted is None or self.courses.model.row_of(wanted) is None:
            wanted = self.courses.first_course_id()
        if wanted is not None:
            self.open_course(wanted)

    def available_geometry(self) -> QRect:
        """The screen's room for windows (taskbar left out); tests replace it."""
        screen = self.screen() or QGuiApplication.primaryScreen()
        return screen.availableGeometry() if screen is not None else QRect(0, 0, 1366, 768)

    def _restore_geometry(self) -> None:
        """Open within the screen: a saved size that no longer fits (a bigger monitor last
        time, the hall's projector) is never used; narrow screens get the whole screen."""
        room = self.available_geometry()
        geometry = self.settings.value("window/geometry")
        restored = False
        if isinstance(geometry, QByteArray) and not geometry.isEmpty():
            restored = self.restoreGeometry(geometry)
            frame = self.geometry()
            if restored and not self.isMaximized() and not room.contains(frame):
                restored = False  # bigger than this screen, or off it
        if not restored:
            self.setWindowState(Qt.WindowState.WindowNoState)
            # The frame's borders and title bar come on top of the size asked for.
            width = min(1366, room.width() - 2 * FRAME_BORDER)
            height = min(768, room.height() - TITLE_BAR - FRAME_BORDER)
            self.setGeometry(QRect(room.x() + FRAME_BORDER, room.y() + TITLE_BAR, width, height))
        if room.width() <= NARROW_SCREEN:
            self.setWindowState(self.windowState() | Qt.WindowState.WindowMaximized)
        self._fit_course_list()

    def _fit_course_list(self) -> None:
        """Hide the course list where the screen is too narrow for it and the register.

        150 % or 200 % scaling on a laptop, or Large text at 150 % or more: the register needs
        the whole width; the list comes back with View > Course list (Ctrl+Shift+H), and by
        itself once the text is smaller again.
        """
        em = QFontMetrics(QApplication.font()).horizontalAdvance("M")
        narrow = self.available_geometry().width() < COMPACT_EMS * max(em, 1)
        if narrow and self.course_list_action.isChecked():
            self._list_hidden_for_room = True
            self.course_list_action.setChecked(False)
        elif not narrow and getattr(self, "_list_hidden_for_room", False):
            self._list_hidden_for_room = False
            self.course_list_action.setChecked(True)

    def current_course_id(self) -> int | None:
        return self.course_view.course_id if self.course_view is not None else None

    def open_course(self, course_id: int) -> None:
        self.courses.select(course_id, emit=False)
        self.pages.setCurrentIndex(PAGE_COURSES)
        if self.course_view is None:  # still opening: show its heading, open it when ready
            self._wanted_course = course_id
            row = self.courses.model.row_of(course_id)
            self.loading.show_course(self.courses.model.rows[row] if row is not None else None)
            return
        if self.course_view.course_id != course_id:
            self.course_view.set_course(course_id)
            self.settings.setValue("last_course_id", course_id)

    def _section(self, index: int) -> None:
        if self.course_view is not None:
            self.course_view.show_section(index)

    def _on_changed(self, change: OpChanges, _initiator: object) -> None:
        if self.today_panel is not None and change.touches(
            Changes.ATTENDANCE | Changes.ASSESSMENT | Changes.ENROLMENT | Changes.SESSION
            | Changes.COURSE | Changes.PARTICIPANT
        ):  # fmt: skip
            self._today_later.start()
        if change.touches(Changes.SETTINGS):
            from escape_desktop.services import settings as settings_service
            from escape_desktop.services import settings_registry

            style.set_large_percent(
                settings_registry.get(self.ctx, settings_registry.LARGE_TEXT_SIZE)
            )
            self._apply_large_text(settings_service.load(self.ctx).large_text)

    def closeEvent(self, event: QCloseEvent) -> None:
        from escape_desktop.ui.safety import safety_menu

        self.settings.setValue("window/geometry", self.saveGeometry())
        if self.splitter.isVisible():  # never laid out behind the welcome page: nothing to keep
            # saveState() keeps the sizes last asked for, not the ones on screen: ask for those.
            self.splitter.setSizes(self.splitter.sizes())
            self.settings.setValue("window/splitter", self.splitter.saveState())
        course_id = self.current_course_id() or self._wanted_course
        if course_id is not None:
            self.settings.setValue("last_course_id", course_id)
        self.settings.sync()
        try:
            safety_menu.on_close(self, self.ctx)
        except Exception as e:  # closing must never be blocked by a failed extra
            error_dialog.log.error("on_close failed: %s", e)
        super().closeEvent(event)

    # --- look --------------------------------------------------------------------------
    def _set_large_text(self, on: bool) -> None:
        from escape_desktop.services import settings as settings_service
        from escape_desktop.ui.common.operation import run_op

        run_op(
            self,
            lambda: settings_service.set_large_text(self.ctx, on),
            bus=self.bus,
            message=_("Large text on") if on else _("Large text off"),
        )

    def _apply_large_text(self, on: bool) -> None:
        app = QApplication.instance()
        if isinstance(app, QApplication):
            style.apply(app, on)
        self.large_text_action.blockSignals(True)
        self.large_text_action.setChecked(on)
        self.large_text_action.blockSignals(False)
        self._fit_course_list()
        if self.course_view is not None:
            self.course_view.register._resize_columns()

    # --- flows (run only once the window is ready) -------------------------------------
    @property
    def _view(self) -> CourseView:
        assert self.course_view is not None, "the course view is built by finish()"
        return self.course_view

    def _need_course(self) -> int | None:
        cid = self.current_course_id()
        if cid is None:
            self.statusBar().showMessage(
                _("Choose a course first, or create one with Ctrl+N."), 6000
            )
        return cid

    def new_course(self) -> None:
        from escape_desktop.ui.courses.course_wizard import CourseWizard

        wizard = CourseWizard(self.ctx, self, today=self.today, bus=self.bus)
        self._open_dialog(wizard)
        if wizard.result() and wizard.course_id is not None:
            self.courses.reload()
            self.pages.setCurrentIndex(PAGE_COURSES)
            self.courses.select(wizard.course_id, emit=False)
            self.open_course(wizard.course_id)
            self._view.show_section(0)
            self.activateWindow()  # back to the register after the wizard, ready to enrol

    def load_demo(self) -> None:
        from escape_desktop.services.demo import add_demo
        from escape_desktop.ui.common.operation import run_op

        self.welcome.set_busy(True)
        self.statusBar().showMessage(_("Making demo courses…"))
        today = self.today

        def done(_result: object) -> None:
            self.welcome.set_busy(False)
            self.courses.reload()
            first = self.courses.first_course_id()
            if first is not None:
                self.open_course(first)

        def failed(e: BaseException) -> None:
            self.welcome.set_busy(False)
            error_dialog.report(self, e)

        self._demo_job = run_op(
            self,
            lambda _progress: add_demo(self.ctx, today=today),
            bus=self.bus,
            background=True,
            success=done,
            failure=failed,
        )

    def restore_from_backup(self) -> None:
        """A new laptop: restore a backup over the empty data (see ui/app/restore_flow.py),
        then a new window on it replaces this one (``replaced_by``; closed without its closing
        backup: the empty data it showed is set aside)."""
        from escape_desktop.ui.app.restore_flow import restore_over_empty

        new_ctx = restore_over_empty(self)
        if new_ctx is None:
            return
        app = QApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(new_ctx.close)
        window = create_main_window(new_ctx, self._today)
        window.show()
        self.replaced_by: MainWindow | None = window
        self.hide()
        self.deleteLater()
        window.statusBar().showMessage(
            _("The backup is restored; a fresh backup was made on this laptop."), 10000
        )

    def open_settings(self) -> None:
        from escape_desktop.ui.safety.settings_dialog import SettingsDialog

        self._open_dialog(SettingsDialog(self.ctx, self.bus, self))

    def enrol(self) -> None:
        self.flows.enrol()

    def edit_person(self, enrolment_id: int) -> None:
        self.flows.edit_person(enrolment_id)

    def withdraw(self, enrolment_id: int) -> None:
        self.flows.withdraw(enrolment_id)

    def move_person(self, enrolment_id: int) -> None:
        self.flows.move_person(enrolment_id)

    def import_list(self, path: str | None = None) -> None:
        self.flows.import_list(path)

    def edit_course(self) -> None:
        self.flows.edit_course()

    def _name_close_action(self) -> None:
        self.flows.name_close_action()

    def toggle_course_closed(self) -> None:
        self.flows.toggle_course_closed()

    def edit_session(self, session_id: int) -> None:
        self.flows.edit_session(session_id)

    def _edit_current_session(self) -> None:
        self.flows.edit_current_session()

    def find_person(self) -> None:
        self.flows.find_person()

    def show_enrolment(self, course_id: int, enrolment_id: int) -> None:
        self.flows.show_enrolment(course_id, enrolment_id)

    def export_upload(self) -> None:
        from escape_desktop.ui.documents.export_dialog import open_export_dialog

        error_dialog.guarded(
            self, open_export_dialog, self.ctx, self.bus, self, self.current_course_id()
        )

    def _focus_course_search(self) -> None:
        if self.pages.currentIndex() == PAGE_COURSES:
            self.courses.search.setFocus()
            self.courses.search.selectAll()

    def _focus_register(self) -> None:
        if self.current_course_id() is not None:
            self._view.show_section(0)

    def help_page(self) -> str:
        """The guide's page about what the window shows now."""
        if self.pages.currentIndex() == PAGE_WELCOME:
            return "first-run"
        if self.course_view is None or self.current_course_id() is None:
            return "course"
        return HELP_PAGES_BY_TAB[self.course_view.tabs.currentIndex()]

    def show_guide(self) -> None:
        from escape_desktop.ui.app.help_dialog import show_help

        self.help_dialog = show_help(self.help_page(), self)

    def show_keys(self) -> None:
        """Help > Keyboard shortcuts: read from the actions and shortcuts themselves."""
        from escape_desktop.ui.app.keys_help import KeysDialog, key_rows

        if self.course_view is not None:
            for index in range(len(TAB_TITLES)):
                self.course_view.section(index)  # each screen's own keys exist once it is built
        self._open_dialog(KeysDialog(key_rows(self), self))

    def about(self) -> None:
        QMessageBox.about(
            self,
            _("About"),
            _(
                "ESCAPE-pain classes (escape-desktop {version})\n\nCourses, registers, circuits "
                "and measures kept on this computer.\n\nData folder: {folder}"
            ).format(version=__version__, folder=self.ctx.data_dir),
        )

    def _open_dialog(self, dialog: QWidget) -> None:
        """Run a dialog modally (tests reach it through self.last_dialog)."""
        self.last_dialog = dialog
        dialog.exec()  # type: ignore[attr-defined]
        self.activateWindow()  # keys go back to this window, so Ctrl+E etc. work straight away


def create_main_window(
    ctx: AppContext, today: date | None = None, *, deferred: bool = False
) -> MainWindow:
    """The main window on an open context, with the Data menu installed (used by the launcher,
    tests, benchmarks). ``deferred``: only the first screen now; call ``window.finish()`` (or
    ``finish_after_first_paint()``) for the rest, which also installs the Data menu."""
    app = QApplication.instance()
    if isinstance(app, QApplication):
        style.apply(app, large_text_on(ctx))
        from escape_desktop.ui.common import qt_language

        qt_language.install()
    window = MainWindow(ctx, today=today, deferred=deferred)
    if deferred:  # the Data menu's services load SQLAlchemy: added once it is imported
        window.warmed.connect(lambda: install_safety_menu(window))
    else:
        install_safety_menu(window)
    return window


def install_safety_menu(window: MainWindow) -> None:
    """The data-safety engineer's Data menu and timers, added once after the window is built."""
    from escape_desktop.ui.safety import safety_menu

    safety_menu.install(window, window.ctx, window.bus)
    from escape_desktop.ui.courses import handover_dialogs

    handover_dialogs.install(window)  # Course: send / receive; Data: restore onto this laptop
