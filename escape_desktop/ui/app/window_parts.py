"""What the window's action table and flows use of the main window, as a Protocol.

``window_actions`` and ``window_flows`` are imported by ``main_window``; importing its class
back would make the modules import each other. They are typed against this instead, so mypy
checks every use (the class it describes is ``MainWindow``; a test keeps the two in step).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING, Protocol

from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu, QWidget

if TYPE_CHECKING:
    from escape_desktop.context import AppContext
    from escape_desktop.ui.common.change_bus import ChangeBus
    from escape_desktop.ui.courses.course_view import CourseView
    from escape_desktop.ui.courses.courses_panel import CoursesPanel
    from escape_desktop.ui.people.people_ops import PeopleOps


class WindowParts(Protocol):
    ctx: AppContext
    bus: ChangeBus
    people_ops: PeopleOps
    courses: CoursesPanel
    undo_action: QAction
    redo_action: QAction
    edit_menu: QMenu
    course_menu: QMenu
    help_menu: QMenu
    close_course_action: QAction
    checked: bool  # False while the data file's quick check runs

    @property
    def today(self) -> date: ...

    @property
    def _view(self) -> CourseView: ...

    def _when_ready(self, slot: Callable[[], None]) -> None: ...

    def _need_course(self) -> int | None: ...

    def _open_dialog(self, dialog: QWidget) -> None: ...

    def _section(self, index: int) -> None: ...

    def _name_close_action(self) -> None: ...

    def current_course_id(self) -> int | None: ...

    def open_course(self, course_id: int) -> None: ...

    def show_enrolment(self, course_id: int, enrolment_id: int) -> None: ...
