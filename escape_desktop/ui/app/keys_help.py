"""Help ▸ Keyboard shortcuts: made from the window's own actions and shortcuts, so it is complete."""

from __future__ import annotations

import html
from dataclasses import dataclass

from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractButton,
    QDialog,
    QDialogButtonBox,
    QMainWindow,
    QMenu,
    QTabWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from escape_desktop.i18n import N_, _

# Keys a grid or list reads itself (keyPressEvent), which no action or QShortcut carries.
# A screen declares its own beside its code as KEYS_HELP = ((keys, what), ...) on the
# section's class (see RegisterSection); these are the rest.
# The words are catalogue messages, translated where they are shown; the keys' own names
# (Tab, Ctrl, Escape) are printed on the keyboard and stay as they are.
CIRCUIT, EVERYWHERE = N_("Circuit"), N_("Everywhere")
GRID_KEYS: tuple[tuple[str, str, str], ...] = (
    (CIRCUIT, N_("Type · Enter · F2"), N_("Type a result, or open the cell")),
    (CIRCUIT, "Tab · Shift+Tab", N_("Save the cell and go on to the next (or back)")),
    (CIRCUIT, "Ctrl+Tab · Ctrl+Shift+Tab", N_("Leave the grid for the next (or previous) control")),
    (
        EVERYWHERE,
        "Tab · Shift+Tab",
        N_("The next (or previous) control; arrows move inside a list"),
    ),
    (EVERYWHERE, N_("Alt+underlined letter"), N_("The menu or control with that letter")),
    (EVERYWHERE, "Escape", N_("Close a dialog without saving")),
)


@dataclass(frozen=True)
class KeyRow:
    where: str  # a menu's name, a section's name, or "Everywhere"
    keys: str  # as Qt writes them on this computer
    what: str


def _plain(text: str) -> str:
    return text.replace("&&", "\0").replace("&", "").replace("\0", "&").split("\t")[0]


def _section_of(widget: QWidget | None) -> str:
    """The course tab a widget is on ("Circuit", "Measures"...), or "" when not on a tab."""
    while widget is not None:
        parent = widget.parentWidget()
        if parent is not None and isinstance(parent.parentWidget(), QTabWidget):
            tabs = parent.parentWidget()
            assert isinstance(tabs, QTabWidget)
            index = tabs.indexOf(widget)
            if index >= 0 and tabs.parentWidget() is not None:
                title = _plain(tabs.tabText(index))
                outer = _section_of(tabs.parentWidget())
                return outer or title
        widget = parent
    return ""


def _owner(shortcut: QShortcut) -> QWidget | None:
    parent = shortcut.parent()
    return parent if isinstance(parent, QWidget) else None


def _describe(shortcut: QShortcut) -> str:
    told = shortcut.whatsThis() or shortcut.property("description")
    if told:
        return str(told)
    parent = _owner(shortcut)
    # Otherwise the button that does the same, if one names the key in its tip.
    key = shortcut.key().toString(QKeySequence.SequenceFormat.NativeText)
    for button in parent.findChildren(QAbstractButton) if parent is not None else []:
        if key and key in button.toolTip():
            return _plain(button.text())
    return _("A key of this screen (its hint says what it does)")


def key_rows(window: QMainWindow) -> list[KeyRow]:
    """Every key the window answers: its menus' actions, then each screen's own keys."""
    rows: list[KeyRow] = []
    seen: set[tuple[str, str]] = set()

    def add(where: str, keys: str, what: str) -> None:
        if keys and (where, keys) not in seen:
            seen.add((where, keys))
            rows.append(KeyRow(where, keys, what))

    def walk(menu: QMenu, where: str) -> None:
        for action in menu.actions():
            if action.menu() is not None:
                walk(action.menu(), where)  # type: ignore[arg-type]
                continue
            for seq in action.shortcuts():
                add(
                    where,
                    seq.toString(QKeySequence.SequenceFormat.NativeText),
                    _plain(action.text()),
                )

    for top in window.menuBar().actions():
        menu = top.menu()
        if isinstance(menu, QMenu):
            walk(menu, _("{menu} menu").format(menu=_plain(top.text())))
    for action in window.actions():  # on the window but in no menu
        for seq in action.shortcuts():
            add(
                _(EVERYWHERE),
                seq.toString(QKeySequence.SequenceFormat.NativeText),
                _plain(action.text()),
            )
    view = getattr(window, "course_view", None)
    tabs = getattr(view, "tabs", None)
    if isinstance(tabs, QTabWidget):
        for index in range(tabs.count()):
            for keys, what in getattr(tabs.widget(index), "KEYS_HELP", ()):
                add(_plain(tabs.tabText(index)), _(keys), _(what))
    for shortcut in window.findChildren(QShortcut):
        parent = _owner(shortcut)
        where = _section_of(parent) or _(EVERYWHERE)
        if (where, shortcut.key().toString(QKeySequence.SequenceFormat.NativeText)) in seen:
            continue
        add(
            where,
            shortcut.key().toString(QKeySequence.SequenceFormat.NativeText),
            _describe(shortcut),
        )
    for where, keys, what in GRID_KEYS:
        add(_(where), _(keys), _(what))
    return rows


def key_rows_html(rows: list[KeyRow]) -> str:
    parts = [f"<h2>{html.escape(_('Keyboard shortcuts'))}</h2>"]
    where = None
    for row in rows:
        if row.where != where:
            if where is not None:
                parts.append("</table>")
            where = row.where
            parts.append(f"<h3>{html.escape(where)}</h3><table cellpadding='3'>")
        parts.append(
            f"<tr><td><b>{html.escape(row.keys)}</b></td><td>{html.escape(row.what)}</td></tr>"
        )
    parts.append("</table>")
    return "".join(parts)


class KeysDialog(QDialog):
    """The list, readable by a screen reader and scrolled by the keyboard."""

    def __init__(self, rows: list[KeyRow], parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(_("Keyboard shortcuts"))
        self.rows = rows
        layout = QVBoxLayout(self)
        self.text = QTextBrowser(self)
        self.text.setAccessibleName(_("Keyboard shortcuts"))
        self.text.setHtml(key_rows_html(rows))
        layout.addWidget(self.text, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.resize(560, 520)

    def plain_text(self) -> str:
        return self.text.toPlainText()
