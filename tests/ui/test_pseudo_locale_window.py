"""The whole window in a pseudo-language: every catalogue message wrapped in ⟦ ⟧ and a third
longer. Any text on screen outside the markers that is not data (names, codes, numbers, dates
of the demo) escaped the catalogue; any single-line label or button narrower than its text at
1366x768 is cut. A static check over escape_desktop/ui finds a literal handed straight to a Qt
text setter without _().

Screens and files still being wrapped by the other language branches (issue 31: ui/courses,
ui/people, ui/followups, ui/documents by one; ui/circuit, ui/measures, ui/safety by another)
are listed in PENDING; the lead empties it as those branches merge, and a test below fails
once an entry is no longer needed.
"""

from __future__ import annotations

import ast
import html
import math
import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from PySide6.QtCore import QAbstractItemModel, Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QDialog,
    QGroupBox,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMenu,
    QTableView,
    QTabWidget,
    QWidget,
)

from escape_desktop import i18n
from escape_desktop.db.models import Course, Instructor, Participant, Session, Setting, Venue

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints", "raise()", "grabbing the keyboard")

ROOT = Path(__file__).resolve().parents[2]
UI = ROOT / "escape_desktop" / "ui"
POT = ROOT / "resources" / "i18n" / "escape_desktop.pot"
OPEN, CLOSE = "⟦", "⟧"

# Folders of escape_desktop/ui still being wrapped on other branches (issue 31). A widget
# whose nearest escape-desktop class lives here is not checked yet; the static check skips
# these files. The lead empties this as the branches merge.
PENDING: dict[str, str] = {}
# The guide's pages are English HTML still (a Welsh guide is to be written); the page
# browser's text is not checked.
NOT_CHECKED_CLASSES = ("QTextBrowser",)


# ------------------------------------------------------------------ the pseudo-language


def _pseudo(text: str) -> str:
    return f"{OPEN}{text}{'~' * math.ceil(len(text) / 3)}{CLOSE}"


def _q(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def pseudo_po() -> str:
    """Every message of the template, its msgctxt kept, as the pseudo-language."""
    with POT.open("rb") as f:
        pot = read_po(f)
    lines = ['msgid ""', 'msgstr ""', '"Content-Type: text/plain; charset=utf-8\\n"']
    lines.append('"Plural-Forms: nplurals=2; plural=(n != 1);\\n"')
    for m in pot:
        if not m.id:
            continue
        if m.context:
            lines.append(f"msgctxt {_q(m.context)}")
        if isinstance(m.id, tuple):
            lines += [f"msgid {_q(m.id[0])}", f"msgid_plural {_q(m.id[1])}"]
            lines += [f"msgstr[0] {_q(_pseudo(m.id[0]))}", f"msgstr[1] {_q(_pseudo(m.id[1]))}"]
        elif m.context == "register key":
            lines += [f"msgid {_q(m.id)}", f"msgstr {_q(m.id)}"]  # a key stays one letter
        else:
            lines += [f"msgid {_q(m.id)}", f"msgstr {_q(_pseudo(m.id))}"]
        lines.append("")
    return "\n".join(lines)


@pytest.fixture
def pseudo():  # type: ignore[no-untyped-def]
    """The window in "xx": every message marked; dates marked too (they are data)."""

    i18n.add_language("xx", i18n.pseudo_translator(pseudo_po()))
    i18n.set_ui_language("xx")
    from escape_desktop.ui.common import qt_language

    qt_language.install()
    yield "xx"
    i18n.set_ui_language(None)
    i18n.remove_language("xx")


def outside_markers(text: str) -> str:
    return i18n.outside_pseudo(text)


def data_words(ctx) -> set[str]:  # type: ignore[no-untyped-def]
    """Every word the demo's data may show: people, staff, venues, courses, session notes, the
    site's settings, the data folder's name. The sessions' topics and the measures' names
    are the library's own, so they are in the catalogue and are not data."""
    texts: list[str] = [ctx.data_dir.name, "escape", "desktop", "ESCAPE", "pain"]
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
    texts += list(i18n.LANGUAGES.values())  # each language's name in itself, never translated
    return {w.lower() for t in texts for w in re.findall(r"[^\W\d_]+", t or "")}


# Not words: key names printed on the keyboard and what Qt writes for a shortcut.
KEY_WORDS = {
    w.lower()
    for w in (
        "Ctrl Shift Alt Meta Tab Space Delete Del Enter Return Esc Escape Backspace Home End "
        "PgUp PgDown Up Down Left Right Ins CSV F P A S L O Y"
    ).split()
}


def leaks(text: str, allowed: set[str]) -> list[str]:
    plain = html.unescape(re.sub(r"<[^>]+>", " ", text or ""))
    return [
        w
        for w in re.findall(r"[^\W\d_]+", outside_markers(plain))
        if w.lower() not in allowed and w.lower() not in KEY_WORDS
    ]


# ------------------------------------------------------------------ walking the window


def owner(widget: QWidget | None) -> str:
    """The ui/ folder of the nearest escape-desktop screen at or above ``widget`` (ui/common's
    building blocks, a LiveLabel say, belong to the screen that uses them)."""
    common = ""
    while widget is not None:
        module = type(widget).__module__
        if module.startswith("escape_desktop.ui."):
            folder = "ui/" + module.split(".")[2]
            if folder != "ui/common":
                return folder
            common = folder
        widget = widget.parentWidget()
    return common


def pending(widget: QWidget | None) -> bool:
    return owner(widget) in PENDING


def texts_of(widget: QWidget) -> list[tuple[str, str]]:
    """(what, text) for every text a person sees or hears on ``widget``."""
    found: list[tuple[str, str]] = []

    def add(what: str, text: object) -> None:
        if isinstance(text, str) and text.strip():
            found.append((what, text))

    add("window title", widget.windowTitle() if widget.isWindow() else "")
    add("tooltip", widget.toolTip())
    add("accessible name", widget.accessibleName())
    add("accessible description", widget.accessibleDescription())
    if isinstance(widget, QLabel):
        add("label", widget.text())
    if isinstance(widget, QAbstractButton):
        add("button", widget.text())
    if isinstance(widget, QGroupBox):
        add("group title", widget.title())
    if isinstance(widget, QLineEdit):
        add("placeholder", widget.placeholderText())
    if isinstance(widget, QTabWidget):
        for i in range(widget.count()):
            add("tab", widget.tabText(i))
            add("tab tooltip", widget.tabToolTip(i))
    if isinstance(widget, QTableView) and isinstance(widget.model(), QAbstractItemModel):
        model = widget.model()
        for col in range(model.columnCount()):
            if not widget.isColumnHidden(col):
                add("header", model.headerData(col, Qt.Orientation.Horizontal))
                add(
                    "header tip",
                    model.headerData(col, Qt.Orientation.Horizontal, Qt.ItemDataRole.ToolTipRole),
                )
        for row in range(min(model.rowCount(), 3)):
            for col in range(model.columnCount()):
                index = model.index(row, col)
                for role in (Qt.ItemDataRole.ToolTipRole, Qt.ItemDataRole.AccessibleTextRole):
                    add("cell", index.data(role))
    if isinstance(widget, QMenu):
        for action in widget.actions():
            add("menu item", action.text())
            add("status tip", action.statusTip())
    return found


def window_texts(top: QWidget) -> list[tuple[QWidget, str, str]]:
    found = []
    for widget in [top, *top.findChildren(QWidget)]:
        if type(widget).__name__ in NOT_CHECKED_CLASSES:
            continue
        if not widget.isVisibleTo(top) and not isinstance(widget, QMenu):
            continue
        found += [(widget, what, text) for what, text in texts_of(widget)]
    if isinstance(top, QMainWindow):
        for action in top.menuBar().actions():
            found.append((top, "menu", action.text()))
            menu = action.menu()
            if isinstance(menu, QMenu):
                found += [(top, what, text) for what, text in texts_of(menu)]
    return found


def clipped(top: QWidget) -> list[str]:
    """Single-line labels and buttons on screen narrower than their text."""
    cut = []
    for widget in top.findChildren(QWidget):
        if not widget.isVisible() or pending(widget):
            continue
        fm = widget.fontMetrics()
        if isinstance(widget, QLabel) and not widget.wordWrap() and widget.text():
            if widget.textFormat() == Qt.TextFormat.RichText or "<" in widget.text():
                continue
            shown = widget.text()
            if widget.buddy() is not None:  # its mnemonic's & is not drawn
                shown = shown.replace("&&", "\0").replace("&", "").replace("\0", "&")
            for line in shown.split("\n"):
                if fm.horizontalAdvance(line) > widget.contentsRect().width() + 1:
                    cut.append(f"label {widget.text()!r}: {widget.width()} px")
        if (
            isinstance(widget, QAbstractButton)
            and widget.text()
            and type(widget).__name__
            in (
                "QPushButton",
                "QCheckBox",
                "QRadioButton",
            )
        ):
            text = widget.text().replace("&&", "&").replace("&", "")
            room = widget.width() - (widget.iconSize().width() if not widget.icon().isNull() else 0)
            if fm.horizontalAdvance(text) > room:
                cut.append(f"button {widget.text()!r}: {widget.width()} px")
    return cut


_FRAGMENTS: list[str] = []


def pending_fragments() -> list[str]:
    """The string literals of the PENDING folders' files (menus and sentences they add to
    this branch's screens are found by their words)."""
    if not _FRAGMENTS:
        for path in _ui_files():
            if _folder(path) not in PENDING:
                continue
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Constant) and isinstance(node.value, str):
                    for part in node.value.replace("&", "").split("\n"):
                        if len(part.strip()) >= 3 and re.search(r"[A-Za-z]{2,}", part):
                            _FRAGMENTS.append(part.strip())
    return _FRAGMENTS


def from_pending_code(text: str, left: list[str]) -> bool:
    """True when every leaked word of ``text`` comes from a literal in a PENDING folder."""
    plain = outside_markers(html.unescape(re.sub(r"<[^>]+>", " ", text))).replace("&", "")
    covered: set[str] = set()
    for fragment in pending_fragments():
        if fragment in plain:
            covered |= {w.lower() for w in re.findall(r"[^\W\d_]+", fragment)}
    return all(w.lower() in covered for w in left)


def check(top: QWidget, allowed: set[str]) -> tuple[list[str], list[str]]:
    """(escaped texts, pending texts seen) on ``top``."""
    bad, waiting = [], []
    for widget, what, text in window_texts(top):
        left = leaks(text, allowed)
        if not left:
            continue
        if pending(widget) or from_pending_code(text, left):
            waiting.append(text)
            continue
        bad.append(f"{what} of {type(widget).__name__} ({owner(widget) or 'Qt'}): {text!r} {left}")
    return bad, waiting


# ------------------------------------------------------------------ the window in "xx"


def _settle(qtbot) -> None:  # type: ignore[no-untyped-def]
    QApplication.processEvents()  # layouts and labels settle; nothing here runs on a timer


def test_no_text_of_the_window_escapes_the_catalogue(
    qtbot, make_window, demo_ctx, demo_today, pseudo
):
    window = make_window(demo_ctx, demo_today)
    window.resize(1366, 768)
    qtbot.waitUntil(lambda: window.is_ready)
    allowed = data_words(demo_ctx)
    problems: list[str] = []
    seen_markers = 0

    def look(top: QWidget, where: str) -> None:
        nonlocal seen_markers
        _settle(qtbot)
        bad, _waiting = check(top, allowed)
        problems.extend(f"{where}: {b}" for b in bad)
        problems.extend(f"{where}: cut {c}" for c in clipped(top))
        seen_markers += sum(t.count(OPEN) for _w, _what, t in window_texts(top))

    window.go_today(quiet=True)
    look(window, "today")
    view = window.course_view
    for index in range(view.tabs.count()):
        view.section(index)
        view.tabs.setCurrentIndex(index)
        look(window, f"tab {index}")
    # the register's right-click menu, built as the Menu key builds it
    register = view.register
    register.tabs_index = None
    menus_before = set(window.findChildren(QMenu))
    table = register.table
    index = table.model().index(0, table.currentIndex().column())
    register._context_menu(table, index, table.mapToGlobal(table.visualRect(index).center()))
    for menu in set(window.findChildren(QMenu)) - menus_before:
        bad, _ = check(menu, allowed)
        problems.extend(f"register menu: {b}" for b in bad)
        menu.close()

    dialogs: list[QDialog] = []
    window._open_dialog = lambda d: dialogs.append(d)  # type: ignore[method-assign]
    window.show_keys()
    window.show_week()
    window.show_guide()
    dialogs.append(window.help_dialog)
    from escape_desktop.ui.app.restore_flow import RestoreDialog

    backup = demo_ctx.data_dir.parent / "backup.db"
    backup.write_bytes(b"not a database")
    dialogs.append(RestoreDialog(backup, window))
    window.open_settings()
    for dialog in dialogs:
        dialog.show()
        look(dialog, type(dialog).__name__)
        dialog.close()
    # Help › Keyboard shortcuts is a text browser: its rows are checked one by one.
    keys = next(d for d in dialogs if type(d).__name__ == "KeysDialog")
    for row in keys.rows:  # type: ignore[attr-defined]
        for text in (row.where, row.what):
            left = leaks(text, allowed)
            if left and not from_pending_code(text, left):
                problems.append(f"keyboard shortcuts: {text!r} {left}")
    assert seen_markers > 100  # the pseudo-language was really used
    assert problems == [], "\n".join(problems)


def test_the_welcome_page_and_status_bar_in_xx(qtbot, make_window, ctx, demo_today, pseudo):
    window = make_window(ctx, demo_today)
    window.resize(1366, 768)
    qtbot.waitUntil(lambda: window.is_ready)
    _settle(qtbot)
    bad, _ = check(window, data_words(ctx))
    assert bad == [] and clipped(window) == [], bad + clipped(window)
    assert OPEN in window.welcome.findChild(QLabel).text()


def test_the_check_finds_a_text_left_out_of_the_catalogue(
    qtbot, make_window, demo_ctx, demo_today, pseudo
):
    """The walk bites: a label set without _() on the register, and a clipped button."""
    window = make_window(demo_ctx, demo_today)
    window.resize(1366, 768)
    qtbot.waitUntil(lambda: window.is_ready)
    register = window.course_view.register
    register.legend.setText("Zebra crossing practice today")  # as if _() were forgotten
    register.session_button.setFixedWidth(20)
    _settle(qtbot)
    bad, _ = check(window, data_words(demo_ctx))
    assert any("Zebra crossing" in b for b in bad), bad
    assert any("session" in c.lower() or "⟦" in c for c in clipped(window))


# ------------------------------------------------------------------ the static check

TEXT_SETTERS = {
    "setText",
    "setWindowTitle",
    "setToolTip",
    "setStatusTip",
    "setWhatsThis",
    "setPlaceholderText",
    "setAccessibleName",
    "setAccessibleDescription",
    "setTitle",
    "setLabelText",
    "setHeaderLabels",
    "setHorizontalHeaderLabels",
    "setVerticalHeaderLabels",
    "addAction",
    "addMenu",
    "addTab",
    "insertTab",
    "setTabText",
    "setTabToolTip",
    "setItemText",
    "setSpecialValueText",
    "setSuffix",
    "setPrefix",
    "showMessage",
    "setInformativeText",
    "setDetailedText",
    "setButtonText",
    "addButton",
    "information",
    "warning",
    "question",
    "critical",
    "about",
    "addRow",
    "setCancelButtonText",
}
TEXT_WIDGETS = {
    "QLabel",
    "QPushButton",
    "QCheckBox",
    "QRadioButton",
    "QGroupBox",
    "QAction",
    "QToolButton",
    "QMenu",
    "QMessageBox",
    "QProgressDialog",
    "QCommandLinkButton",
    "QListWidgetItem",
    "QTableWidgetItem",
}
LOGGERS = {"log", "logger", "logging", "warnings"}
# Texts that are not words: key sequences, object names, numbers.
NOT_WORDS = re.compile(r"^[\s\d\W]*$|^(Ctrl|Alt|Shift|Meta)\+\S+$")


def _literal_words(node: ast.AST) -> bool:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        text = re.sub(r"<[^>]*>", " ", node.value)  # markup is not words
        return not NOT_WORDS.match(text) and bool(re.search(r"[A-Za-z]{2,}", text))
    if isinstance(node, ast.JoinedStr):
        return any(_literal_words(v) for v in node.values if isinstance(v, ast.Constant))
    if isinstance(node, ast.BinOp):
        return _literal_words(node.left) or _literal_words(node.right)
    if isinstance(node, ast.IfExp):
        return _literal_words(node.body) or _literal_words(node.orelse)
    if isinstance(node, (ast.List, ast.Tuple)):
        return any(_literal_words(e) for e in node.elts)
    return False


def literal_texts(source: str, name: str = "<source>") -> list[str]:
    """Each place a string literal goes straight to a Qt text setter or text widget."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if isinstance(func, ast.Attribute):
            called = func.attr
            if isinstance(func.value, ast.Name) and func.value.id in LOGGERS:
                continue
        elif isinstance(func, ast.Name):
            called = func.id
        else:
            continue
        if called not in TEXT_SETTERS and called not in TEXT_WIDGETS:
            continue
        for arg in [*node.args, *(k.value for k in node.keywords)]:
            if _literal_words(arg):
                found.append(f"{name}:{node.lineno}: {called}({ast.unparse(arg)[:70]})")
    return found


def _ui_files() -> list[Path]:
    return sorted(UI.rglob("*.py"))


def _folder(path: Path) -> str:
    return "ui/" + path.relative_to(UI).parts[0] if len(path.relative_to(UI).parts) > 1 else "ui"


def test_no_literal_text_reaches_qt_without_the_catalogue() -> None:
    found = []
    for path in _ui_files():
        if _folder(path) in PENDING:
            continue
        found += literal_texts(path.read_text(encoding="utf-8"), str(path.relative_to(ROOT)))
    assert found == [], "wrap these in _() (escape_desktop.i18n):\n" + "\n".join(found)


def test_the_static_check_finds_a_literal_and_passes_a_wrapped_one() -> None:
    leaked = 'label = QLabel("Who came today")\nbox.setToolTip(f"Saved {n} marks")\n'
    wrapped = 'label = QLabel(_("Who came today"))\nlog.warning("not for people %s", x)\n'
    keys = 'action.setShortcut("Ctrl+E")\nQLabel("—")\n'
    assert len(literal_texts(leaked)) == 2
    assert literal_texts(wrapped) == [] and literal_texts(keys) == []


def test_every_pending_folder_still_has_something_to_wrap() -> None:
    """When a folder's branch has merged, take it off PENDING (this fails until then)."""
    done = []
    for folder in PENDING:
        files = [p for p in _ui_files() if _folder(p) == folder]
        if not any(literal_texts(p.read_text(encoding="utf-8")) for p in files):
            done.append(folder)
    assert done == [], f"take these off PENDING: {done}"
