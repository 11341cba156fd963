"""What a screen reader says and a tooltip shows, under Welsh (issue 31).

The pseudo-language walk reads the visible widgets' labels, tooltips and accessible names in
"xx". This walks the main window as a Welsh instructor has it (the course's every tab, the
register's menu, Settings, the keyboard shortcuts, the week, the follow-ups), hidden widgets
too (a tab not yet shown is read out once it is), and reads what is heard rather than seen: each widget's accessible name, description and
help as QAccessible gives them to a screen reader (a name Qt takes from a buddy label or a
button's text included), its tooltip, status tip and What's This, its actions', and the
tooltips and accessible texts of its tables' headers and first rows. Any English left fails:
a text that is a catalogue message whose Welsh differs, or one holding two or more English
words Welsh never uses ("the", "and", "with", ...) once the demo's own data is taken out.
"""

from __future__ import annotations

import re

import pytest
from babel.messages.pofile import read_po
from PySide6.QtCore import QAbstractItemModel, Qt
from PySide6.QtGui import QAccessible
from PySide6.QtWidgets import QAbstractItemView, QApplication, QMenu, QWidget

from escape_desktop import i18n
from escape_desktop.db.models import Course, Instructor, Participant, Session, Setting, Venue

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints", "raise()", "grabbing the keyboard")

CY_PO = i18n.catalogue_path("cy")
# English words that are not Welsh words (Welsh has "a", "i", "o", "at", "yn", "ar", "to").
ENGLISH_ONLY = frozenset(
    "the and with this your you for are was were not from when will has have what which "
    "there their been into of is it be can cannot or by".split()
)


def _english_messages() -> set[str]:
    """The catalogue's English messages of three words or more that Welsh says otherwise."""
    with CY_PO.open("rb") as f:
        catalogue = read_po(f, locale="cy")
    found = set()
    for m in catalogue:
        ids = m.id if isinstance(m.id, tuple) else (m.id,)
        strings = m.string if isinstance(m.string, tuple) else (m.string,)
        for english in ids:
            plain = english.replace("&", "").strip()
            if (
                plain
                and "{" not in plain
                and "%" not in plain
                and len(plain.split()) >= 3
                and any(s and s.replace("&", "").strip() != plain for s in strings)
            ):
                found.add(plain)
    return found


def data_texts(ctx) -> list[str]:  # type: ignore[no-untyped-def]
    """What the demo's data may show (names, venues, titles, notes, settings), longest first:
    it stays as it was typed, in whatever language it was typed."""
    # the data folder's path (a test's is full of English words) is data too
    texts: list[str] = [str(ctx.data_dir), ctx.data_dir.name, "escape-desktop", "ESCAPE-pain"]
    with ctx.db.read() as s:
        for p in s.query(Participant):
            texts += [p.first_name, p.last_name, p.code or ""]
        texts += [i.name for i in s.query(Instructor)]
        texts += [v.name for v in s.query(Venue)]
        for c in s.query(Course):
            texts += [c.code, c.title]
        for x in s.query(Session):
            texts += [x.notes or "", x.staff_present or ""]
        texts += [str(x.value) for x in s.query(Setting)]
    texts += list(i18n.LANGUAGES.values())
    return sorted({t for t in texts if t and t.strip()}, key=len, reverse=True)


def english_left(text: str, english: set[str], data: list[str]) -> bool:
    plain = re.sub(r"<[^>]+>", " ", text).replace("&", "")
    for value in data:
        plain = plain.replace(value, " ")
    plain = " ".join(plain.split())
    if plain in english:
        return True
    words = {w.lower() for w in re.findall(r"[^\W\d_]+", plain)}
    return len(words & ENGLISH_ONLY) >= 2


def heard(widget: QWidget) -> list[tuple[str, str]]:
    """(what, text) for what a screen reader or a tooltip gives of ``widget``."""
    found: list[tuple[str, str]] = []

    def add(what: str, text: object) -> None:
        if isinstance(text, str) and text.strip():
            found.append((what, text))

    add("tooltip", widget.toolTip())
    add("what's this", widget.whatsThis())
    add("status tip", widget.statusTip())
    add("accessible name", widget.accessibleName())
    add("accessible description", widget.accessibleDescription())
    face = QAccessible.queryAccessibleInterface(widget)
    if face is not None and face.isValid():
        add("read as name", face.text(QAccessible.Text.Name))
        add("read as description", face.text(QAccessible.Text.Description))
        add("read as help", face.text(QAccessible.Text.Help))
    for action in widget.actions():
        add("action", action.text())
        add("action tooltip", action.toolTip() if action.toolTip() != action.text() else "")
        add("action status tip", action.statusTip())
        add("action what's this", action.whatsThis())
    if isinstance(widget, QAbstractItemView) and isinstance(widget.model(), QAbstractItemModel):
        model = widget.model()
        root = widget.rootIndex()
        try:
            columns = model.columnCount(root)
        except TypeError:  # a list model of Qt's own (a completer's): one column
            columns = 1
        roles = (
            Qt.ItemDataRole.ToolTipRole,
            Qt.ItemDataRole.AccessibleTextRole,
            Qt.ItemDataRole.AccessibleDescriptionRole,
            Qt.ItemDataRole.WhatsThisRole,
        )
        for col in range(columns):
            for role in roles:
                add("header", model.headerData(col, Qt.Orientation.Horizontal, role))
        for row in range(min(model.rowCount(root), 3)):
            for col in range(columns):
                for role in roles:
                    add("cell", model.index(row, col, root).data(role))
    return found


def english_heard(top: QWidget, english: set[str], data: list[str]) -> list[str]:
    out = []
    for widget in [top, *top.findChildren(QWidget)]:
        for what, text in heard(widget):
            if english_left(text, english, data):
                out.append(f"{type(widget).__name__} {widget.objectName()!r} {what}: {text!r}")
    return out


@pytest.fixture
def welsh():  # type: ignore[no-untyped-def]
    i18n.set_ui_language("cy")
    from escape_desktop.ui.common import qt_language

    qt_language.install()
    yield
    i18n.set_ui_language(None)
    qt_language.install()


def test_what_is_heard_and_hovered_in_the_welsh_window_is_welsh(
    qtbot, make_window, demo_ctx, demo_today, welsh
):
    english, data = _english_messages(), data_texts(demo_ctx)
    window = make_window(demo_ctx, demo_today)
    window.resize(1366, 768)
    qtbot.waitUntil(lambda: window.is_ready)
    problems: list[str] = []
    window.go_today(quiet=True)
    QApplication.processEvents()
    problems += english_heard(window, english, data)
    view = window.course_view
    for index in range(view.tabs.count()):
        view.section(index)
        view.tabs.setCurrentIndex(index)
        QApplication.processEvents()
        problems += [f"tab {index}: {p}" for p in english_heard(window, english, data)]
    register = view.register
    menus_before = set(window.findChildren(QMenu))
    table = register.table
    index = table.model().index(0, table.currentIndex().column())
    register._context_menu(table, index, table.mapToGlobal(table.visualRect(index).center()))
    for menu in set(window.findChildren(QMenu)) - menus_before:
        problems += [f"register menu: {p}" for p in english_heard(menu, english, data)]
        menu.close()
    dialogs: list[QWidget] = []
    window._open_dialog = lambda d: dialogs.append(d)  # type: ignore[method-assign]
    window.open_settings()
    window.show_keys()
    window.show_week()
    window.show_follow_ups()
    for dialog in dialogs:
        problems += [f"{type(dialog).__name__}: {p}" for p in english_heard(dialog, english, data)]
        dialog.close()
    # the walk heard a great deal, and in Welsh ("Cofrestr": the register)
    spoken = [t for w in window.findChildren(QWidget) for _what, t in heard(w)]
    assert len(spoken) > 100 and any("Cofrestr" in t for t in spoken), len(spoken)
    assert len(dialogs) >= 4, "Settings, the keys, the week and the follow-ups were not all opened"
    assert sorted(set(problems)) == [], "\n".join(sorted(set(problems)))


def test_the_walk_hears_an_english_tooltip_and_accessible_name(
    qtbot, make_window, demo_ctx, demo_today, welsh
):
    """It bites: an English tooltip, accessible name or What's This set without _() on a
    widget the walk reaches (a hidden one too) is found; Welsh and the data are not."""
    english, data = _english_messages(), data_texts(demo_ctx)
    window = make_window(demo_ctx, demo_today)
    qtbot.waitUntil(lambda: window.is_ready)
    assert english_heard(window, english, data) == []
    register = window.course_view.register
    register.table.setToolTip("Type the mark for each person and press Enter")
    register.legend.setAccessibleName("The register of the session")
    hidden = QWidget(window)
    hidden.hide()
    hidden.setWhatsThis("Shows who came to the class and who sent apologies")
    found = "\n".join(english_heard(window, english, data))
    assert "press Enter" in found and "register of the session" in found, found
    assert "who came" in found, found
