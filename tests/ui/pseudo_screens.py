"""The window in a pseudo-language: every catalogue message wrapped in ⟦ ⟧ and a third longer.

``pseudo_ui`` makes "xx" the window's language (the catalogue built from the shipped
template, as the documents' pseudo-language test does); ``texts_of`` reads every text a
screen shows or says (labels, buttons, titles, tooltips, placeholders, accessible names,
list and combo items, tabs, table headers and cells); ``escaped`` returns the words outside
the markers that are not data. A string handed to Qt without ``_()`` is found there.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Iterable, Iterator
from pathlib import Path

from PySide6.QtCore import QAbstractItemModel, Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QComboBox,
    QDialogButtonBox,
    QGroupBox,
    QLabel,
    QLineEdit,
    QListWidget,
    QPlainTextEdit,
    QTabBar,
    QTabWidget,
    QTextEdit,
    QWidget,
)

from escape_desktop import i18n

ROOT = Path(__file__).resolve().parents[2]
POT = ROOT / "resources" / "i18n" / "escape_desktop.pot"
OPEN, CLOSE = "⟦", "⟧"
# Words that are the same in every language: key names and the programme's name.
KEY_WORDS = {
    "ctrl",
    "shift",
    "alt",
    "tab",
    "esc",
    "enter",
    "pgup",
    "pgdn",
    "f",
}


def _pseudo(text: str) -> str:
    return f"{OPEN}{text}{'~' * math.ceil(len(text) / 3)}{CLOSE}"


@functools.cache  # the template does not change while the tests run
def pseudo_po() -> bytes:
    """The pseudo-language's catalogue, made from the template (escape_desktop.i18n) once
    in a test process: a quarter of a second of CPU each time."""
    return i18n.pseudo_po(POT.read_bytes())


def install_pseudo() -> None:
    """The window speaks "xx"; dates on screen are marked as a whole (they are data)."""

    i18n.add_language("xx", i18n.pseudo_translator(pseudo_po()))
    i18n.set_ui_language("xx")


def remove_pseudo() -> None:
    i18n.set_ui_language(None)
    i18n.remove_language("xx")


def outside_markers(text: str) -> str:
    return i18n.outside_pseudo(text)


def _model_texts(model: QAbstractItemModel, rows: int = 12) -> Iterator[str]:
    roles = (
        Qt.ItemDataRole.DisplayRole,
        Qt.ItemDataRole.ToolTipRole,
        Qt.ItemDataRole.AccessibleTextRole,
    )
    for orientation, count in (
        (Qt.Orientation.Horizontal, model.columnCount()),
        (Qt.Orientation.Vertical, min(model.rowCount(), rows)),
    ):
        for section in range(count):
            for role in roles[:2]:
                value = model.headerData(section, orientation, role)
                if isinstance(value, str):
                    yield value
    for r in range(min(model.rowCount(), rows)):
        for c in range(model.columnCount()):
            for role in roles:
                value = model.index(r, c).data(role)
                if isinstance(value, str):
                    yield value


def _standard_button(w: QWidget) -> bool:
    """OK, Cancel, Close...: Qt's own words, translated by Qt's translator."""
    box = w.parent()
    return (
        isinstance(box, QDialogButtonBox)
        and isinstance(w, QAbstractButton)
        and box.standardButton(w) != QDialogButtonBox.StandardButton.NoButton
    )


def _elsewhere() -> set[str]:
    """Texts that shared widgets of ui/common put on our widgets (their owner checks them)."""
    from PySide6.QtWidgets import QDateEdit

    from escape_desktop.ui.common.date_field import make_typeable

    edit = QDateEdit()
    make_typeable(edit)
    texts = {edit.toolTip(), edit.accessibleName(), edit.accessibleDescription()}
    edit.deleteLater()
    return {t for t in texts if t}


def texts_of(root: QWidget) -> list[tuple[str, str]]:
    """(where, text) for every text ``root`` and the widgets in it show or say."""
    found: list[tuple[str, str]] = []
    elsewhere = _elsewhere()
    for w in [root, *root.findChildren(QWidget)]:
        where = f"{type(w).__name__} {w.objectName()}".strip()
        qt_own = w.objectName().startswith("qt_") or isinstance(w.parent(), QTabBar)
        if _standard_button(w) or qt_own:
            continue  # Qt's own words (OK, Cancel, scroll buttons, a table's corner button)
        own = [w.toolTip(), w.accessibleName(), w.accessibleDescription(), w.statusTip()]
        if w.isWindow():
            own.append(w.windowTitle())
        if isinstance(w, QLabel):
            own.append(w.text())
        if isinstance(w, QAbstractButton):
            own.append(w.text())
        if isinstance(w, QGroupBox):
            own.append(w.title())
        if isinstance(w, QLineEdit):
            own.append(w.placeholderText())
        if isinstance(w, QTextEdit | QPlainTextEdit):
            own.append(w.placeholderText())
        if isinstance(w, QComboBox):
            own += [w.itemText(i) for i in range(w.count())]
        if isinstance(w, QTabWidget):
            for i in range(w.count()):
                own += [w.tabText(i), w.tabToolTip(i)]
        if isinstance(w, QListWidget):
            own += [w.item(i).text() for i in range(w.count())]
        elif isinstance(w, QAbstractItemView) and w.model() is not None:
            own += list(_model_texts(w.model()))
        for action in w.actions():
            own += [action.text(), action.toolTip()]
        found += [(where, t) for t in own if t and t.strip() and t not in elsewhere]
    return found


def words(texts: Iterable[str]) -> set[str]:
    return {w.lower() for t in texts for w in re.findall(r"[^\W\d_]+", t or "")}


def escaped(root: QWidget, data: set[str]) -> list[tuple[str, str, str]]:
    """(where, word, text) for each word shown outside the markers that is not data."""
    left = []
    for where, text in texts_of(root):
        plain = re.sub(r"<[^>]+>", " ", text)  # rich text: the tags are not words
        for word in re.findall(r"[^\W\d_]+", outside_markers(plain)):
            if word.lower() not in data and word.lower() not in KEY_WORDS:
                left.append((where, word, text))
    return left


def marked(root: QWidget) -> int:
    """How many texts carry the markers (the pseudo-language was really used)."""
    return sum(OPEN in t for _w, t in texts_of(root))


def check_screen(qtbot, widget: QWidget, data: set[str]) -> None:  # type: ignore[no-untyped-def]
    """Every text of ``widget`` is in the catalogue or is data, and none is cut off."""
    from hall_check import clipped

    assert marked(widget) > 0  # the pseudo-language was really used
    left = escaped(widget, data)
    assert left == [], "\n".join(sorted({f"{where}: {text!r}" for where, _w, text in left}))
    if widget.isVisible():  # a third longer than English, and nothing cut off
        try:
            qtbot.waitUntil(lambda: clipped(widget) == [])  # once the layout has settled
        except qtbot.TimeoutError:
            assert clipped(widget) == []
