"""The main window's actions and menus, declared in one table (in the manner of calibre's
InterfaceAction): each action's words, shortcut, tip and menu place sit beside it, and
``build_actions`` / ``build_menus`` turn the table into the window's QActions and menu bar.

Each action becomes the window attribute its ``name`` gives (``window.enrol_action``...), which
tests, the keyboard-shortcuts list and the Data menu find it by. An action runs its slot once
the window is ready (``MainWindow._when_ready``) unless it says ``anytime``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import cast

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMainWindow

from escape_desktop.i18n import N_, _
from escape_desktop.ui.common import style
from escape_desktop.ui.courses.course_view import TAB_TITLES

from .window_parts import WindowParts

K = QKeySequence.StandardKey


@dataclass(frozen=True)
class WindowAction:
    name: str  # the window's attribute
    text: str
    slot: str = ""  # the window's method it runs ("": none, a stand-in)
    shortcut: K | str | None = None
    tip: str = ""
    menu: str = ""  # the menu it sits in, by its title without "&"
    separator: bool = False  # a separator above it in its menu
    anytime: bool = False  # runs while the window is still opening (no data needed)
    checkable: bool = False  # toggled(bool) is passed to the slot
    checked: bool = False
    enabled: bool = True
    window_keys: bool = False  # the shortcut works wherever the focus is in the window
    icon: str = ""
    quit_role: bool = False


MENUS = ("File", "Edit", "Course", "View", "Help")
# Each menu's title as shown (MENUS are the keys the table uses).
MENU_TITLES = {
    "File": N_("&File"),
    "Edit": N_("&Edit"),
    "Course": N_("&Course"),
    "View": N_("&View"),
    "Help": N_("&Help"),
}

ACTIONS: tuple[WindowAction, ...] = (
    # File
    WindowAction(
        "new_course_action",
        N_("&New course…"),
        "new_course",
        K.New,
        N_("Create a course"),
        menu="File",
        icon="FileIcon",
    ),
    WindowAction(
        "import_action", N_("&Import referral list…"), "import_list", "Ctrl+I", menu="File"
    ),
    WindowAction("export_action", N_("&Export for central upload…"), "export_upload", menu="File"),
    WindowAction(
        "settings_action",
        N_("&Settings…"),
        "open_settings",
        K.Preferences,
        menu="File",
        separator=True,
    ),
    WindowAction(
        "quit_action",
        N_("&Quit"),
        "close",
        K.Quit,
        menu="File",
        separator=True,
        anytime=True,
        quit_role=True,
    ),
    # Edit: stand-ins until finish() makes the real ones on the undo stack.
    WindowAction("undo_action", N_("&Undo"), menu="Edit", enabled=False),
    WindowAction("redo_action", N_("&Redo"), menu="Edit", enabled=False),
    WindowAction(
        "find_action",
        N_("&Find a person…"),
        "find_person",
        K.Find,
        menu="Edit",
        separator=True,
        window_keys=True,
    ),
    WindowAction(
        "find_course_action",
        N_("Search &courses"),
        "_focus_course_search",
        "Ctrl+Shift+F",
        menu="Edit",
    ),
    # Course (the course view's sections follow, Ctrl+1 to Ctrl+4: see build_menus)
    WindowAction(
        "enrol_action", N_("&Enrol a person…"), "enrol", "Ctrl+E", menu="Course", window_keys=True
    ),
    WindowAction(
        "edit_course_action",
        N_("Edit &course…"),
        "edit_course",
        "Ctrl+Shift+E",
        N_("Change this course's details"),
        menu="Course",
    ),
    WindowAction(
        "edit_session_action",
        N_("Edit &session…"),
        "_edit_current_session",
        "Ctrl+Shift+S",
        menu="Course",
    ),
    WindowAction(
        "close_course_action",
        N_("Close this course…"),
        "toggle_course_closed",
        None,
        N_("Finish the course early"),
        menu="Course",
    ),
    WindowAction(
        "register_action", N_("Go to the &register"), "_focus_register", "Ctrl+R", menu="Course"
    ),
    # View
    WindowAction(
        "today_action",
        N_("&Today"),
        "go_today",
        "Ctrl+T",
        N_("Today's class: who is due and who needs what"),
        menu="View",
    ),
    WindowAction("week_action", N_("This &week…"), "show_week", menu="View"),
    WindowAction(
        "follow_ups_action",
        N_("&Follow-ups due…"),
        "show_follow_ups",
        "Ctrl+Shift+U",
        N_("People due for their 3- or 12-month follow-up: record it, or print their letters"),
        menu="View",
    ),
    WindowAction(
        "course_list_action",
        N_("&Course list"),
        "_show_course_list",
        "Ctrl+Shift+H",
        N_("Hide the course list to give the register more room"),
        menu="View",
        separator=True,
        anytime=True,
        checkable=True,
        checked=True,
    ),
    WindowAction(
        "large_text_action",
        N_("&Large text"),
        "_set_large_text",
        "Ctrl+Shift+L",
        menu="View",
        checkable=True,
    ),
    # Help. F1 works while the window is still opening: the guide needs no data.
    WindowAction(
        "guide_action",
        N_("&Guide"),
        "show_guide",
        K.HelpContents,
        N_("A short guide to the app, about the screen you are on"),
        menu="Help",
        anytime=True,
    ),
    WindowAction("keys_action", N_("&Keyboard shortcuts"), "show_keys", menu="Help"),
    WindowAction("about_action", N_("&About"), "about", menu="Help"),
)


def _make(window: QMainWindow, spec: WindowAction) -> QAction:
    w = cast(WindowParts, window)
    action = QAction(_(spec.text), window)
    if spec.shortcut is not None:
        action.setShortcut(QKeySequence(spec.shortcut))
    if spec.tip:
        action.setStatusTip(_(spec.tip))
    if spec.icon:
        action.setIcon(style.icon(window, spec.icon))
    if spec.quit_role:
        action.setMenuRole(QAction.MenuRole.QuitRole)
    if spec.window_keys:
        action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
    action.setEnabled(spec.enabled)
    if spec.checkable:
        action.setCheckable(True)
        action.setChecked(spec.checked)
    if not spec.slot:
        return action
    name = spec.slot
    if spec.checkable and spec.anytime:
        action.toggled.connect(lambda on: getattr(w, name)(on))
    elif spec.checkable:
        action.toggled.connect(lambda on: w._when_ready(lambda: getattr(w, name)(on)))
    elif spec.anytime:
        action.triggered.connect(lambda _checked=False: getattr(w, name)())
    else:
        slot = getattr(w, name)
        action.triggered.connect(lambda _checked=False: w._when_ready(slot))
    return action


def make_action(
    window: QMainWindow,
    text: str,
    slot: Callable[[], None],
    shortcut: QKeySequence | str | None = None,
    tip: str = "",
) -> QAction:
    """One more action that runs ``slot`` once the window is ready (the Course menu's send and
    receive, added by ui/courses/handover_dialogs.py, use it through ``MainWindow._action``)."""
    w = cast(WindowParts, window)
    made = QAction(text, window)
    if shortcut is not None:
        made.setShortcut(QKeySequence(shortcut))
    if tip:
        made.setStatusTip(tip)
    made.triggered.connect(lambda _checked=False: w._when_ready(slot))
    return made


def build_actions(window: QMainWindow) -> None:
    """Every action in ACTIONS, as the window attribute its name gives."""
    for spec in ACTIONS:
        setattr(window, spec.name, _make(window, spec))


def build_menus(window: QMainWindow) -> None:
    """The menu bar from ACTIONS' menu places; the Course menu also gets the course view's
    sections (Ctrl+1 to Ctrl+4, owned by the course view) and names its close action as it
    opens."""
    w = cast(WindowParts, window)
    bar = window.menuBar()
    menus = {title: bar.addMenu(_(MENU_TITLES[title])) for title in MENUS}
    for spec in ACTIONS:
        if not spec.menu:
            continue
        menu = menus[spec.menu]
        if spec.separator:
            menu.addSeparator()
        menu.addAction(getattr(window, spec.name))
    course_menu = menus["Course"]
    course_menu.aboutToShow.connect(w._name_close_action)
    course_menu.addSeparator()
    for i, title in enumerate(TAB_TITLES):
        a = QAction(_(title), window)
        a.setShortcut(QKeySequence(f"Ctrl+{i + 1}"))
        a.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)  # the course view owns the keys
        a.triggered.connect(lambda _c=False, i=i: w._when_ready(lambda: w._section(i)))
        course_menu.addAction(a)
    w.edit_menu = menus["Edit"]
    w.course_menu = course_menu
    w.help_menu = menus["Help"]


def build_undo_actions(window: QMainWindow) -> None:
    """The real Undo and Redo, on the undo stack, in place of the stand-ins (finish())."""
    w = cast(WindowParts, window)
    undo = w.bus.undo_stack.createUndoAction(window, _("&Undo"))
    undo.setShortcut(QKeySequence(K.Undo))
    redo = w.bus.undo_stack.createRedoAction(window, _("&Redo"))
    redo.setShortcut(QKeySequence(K.Redo))
    for new, old in ((undo, w.undo_action), (redo, w.redo_action)):
        new.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        w.edit_menu.insertAction(old, new)
        w.edit_menu.removeAction(old)
        old.deleteLater()
    w.undo_action, w.redo_action = undo, redo
