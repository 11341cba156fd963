"""No English handed straight to Qt in the window (issue 31).

The pseudo-language walk finds a string that escaped translation on the screens it opens; a
label on a rarer dialog, a tooltip or an accessible name can escape it. This reads every
module of ui/ for a string literal given to a Qt call whose text the user sees or hears
(setText, setToolTip, setAccessibleName, QLabel(...), QMessageBox.warning(...), addAction,
addTab, setHorizontalHeaderLabels, ...) that is not inside _(), N_() or ngettext().

Not text, by rule (never by count): a string with no letters once markup, {placeholders}
and %-formats are taken out (punctuation, numbers, "<b>{}</b>"); a key sequence ("Ctrl+S",
"F1"), also after a tab in a menu item's text ("{word}\tO": Qt shows it as the shortcut); a
string inside another call (QIcon("..."), QKeySequence("...")), which is what that call reads,
not what Qt shows; the data argument of addItem/insertItem (a key, not a word); "Mg", the
tallest and deepest letters, set only to measure a line's height and replaced before a paint.

A second check reads ui/ as the services' check reads services/ (every sentence of four
words or more outside the catalogue, f-strings whole), with the window's own exceptions by
rule: a Qt style sheet and a CLDR date pattern are not sentences.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

UI = Path(__file__).resolve().parents[2] / "escape_desktop" / "ui"

WRAPPERS = {"_", "N_", "ngettext", "pgettext", "npgettext"}

# Qt call -> which positional arguments are text the user reads ("all": every one).
ALL = "all"
TEXT_ARGS: dict[str, tuple[int, ...] | str] = {
    **dict.fromkeys(
        (
            "setText",
            "setWindowTitle",
            "setToolTip",
            "setPlaceholderText",
            "setStatusTip",
            "setAccessibleName",
            "setAccessibleDescription",
            "setWhatsThis",
            "setTitle",
            "setLabelText",
            "setInformativeText",
            "setDetailedText",
            "setSuffix",
            "setPrefix",
            "setSpecialValueText",
            "setCancelButtonText",
            "setHtml",
            "setMarkdown",
            "setPlainText",
            "showMessage",
            "setHorizontalHeaderLabels",
            "setVerticalHeaderLabels",
            "setHeaderLabels",
            "setHeaderLabel",
            "addItems",
            "QLabel",
            "QCheckBox",
            "QRadioButton",
            "QGroupBox",
            "QMenu",
        ),
        (0,),
    ),
    # (icon, text, ...) or (text, ...): the first text argument, see _texts
    **dict.fromkeys(
        (
            "QAction",
            "addAction",
            "addMenu",
            "addButton",
            "addItem",
            "QPushButton",
            "QToolButton",
            "QCommandLinkButton",
            "QTableWidgetItem",
            "QListWidgetItem",
            "QStandardItem",
        ),
        (0, 1),
    ),
    **dict.fromkeys(("insertItem",), (1, 2)),
    **dict.fromkeys(("setTabText", "setTabToolTip", "setTabWhatsThis", "setItemText"), (1,)),
    **dict.fromkeys(("addTab",), (1, 2)),
    **dict.fromkeys(("insertTab",), (2, 3)),
    **dict.fromkeys(("addRow",), (0,)),  # QFormLayout.addRow("Label:", widget)
    # QMessageBox.warning(parent, title, text, ...), QInputDialog.getText(parent, title, label)
    **dict.fromkeys(
        ("information", "warning", "critical", "question", "about", "getText", "getItem"),
        (1, 2),
    ),
    "getInt": (1, 2),
    "getDouble": (1, 2),
    "getMultiLineText": (1, 2),
    "QMessageBox": ALL,
    "getSaveFileName": (1,),
    "getOpenFileName": (1,),
    "getExistingDirectory": (1,),
}
# The call's own data arguments: addItem(text, data), addAction(text, slot).
ICON_FIRST = {
    "QAction",
    "addAction",
    "addItem",
    "addTab",
    "insertTab",
    "insertItem",
    "addMenu",
    "addButton",
    "QPushButton",
    "QToolButton",
    "QCommandLinkButton",
    "QTableWidgetItem",
    "QListWidgetItem",
    "QStandardItem",
}

KEY = re.compile(
    r"^((Ctrl|Alt|Shift|Meta)\+)*(F\d{1,2}|[A-Z0-9]|Del|Delete|Esc|Escape|Return|Enter|Tab|"
    r"Space|Home|End|PgUp|PgDown|Left|Right|Up|Down|Backspace|Ins|Insert|[+\-=,.])$"
)


MEASURING = {"Mg"}


def _words(text: str) -> bool:
    """Whether ``text`` holds a word once markup, placeholders and %-formats are taken out."""
    shown, _tab, key = text.partition("\t")
    key = re.sub(r"\{[^}]*\}", "", key).strip()
    if key and not KEY.match(key):
        return True  # after the tab Qt shows a shortcut; anything else is text
    text = shown
    if "\n".join(set(text.split("\n"))) in MEASURING:
        return False
    bare = re.sub(r"<[^>]*>|\{[^}]*\}|%[-#0 +]*\d*(\.\d+)?[sdifr%]|&[a-z]+;|&#\d+;", " ", text)
    return bool(re.search(r"[^\W\d_]", bare)) and not KEY.match(text.strip())


def _name(call: ast.Call) -> str:
    f = call.func
    return f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else ""


def _literals(node: ast.AST) -> list[ast.AST]:
    """The string literals that make up the value of ``node`` (through +, if/else, f-strings,
    lists, "...".format(...) and "...".join(...)); not those read by another call."""
    if isinstance(node, ast.Constant):
        return [node] if isinstance(node.value, str) else []
    if isinstance(node, ast.JoinedStr):
        return [node]
    if isinstance(node, ast.BinOp):
        return _literals(node.left) + _literals(node.right)
    if isinstance(node, ast.IfExp):
        return _literals(node.body) + _literals(node.orelse)
    if isinstance(node, ast.BoolOp):
        return [x for v in node.values for x in _literals(v)]
    if isinstance(node, ast.List | ast.Tuple):
        return [x for v in node.elts for x in _literals(v)]
    if isinstance(node, ast.Call):
        if _name(node) in WRAPPERS:
            return []
        if isinstance(node.func, ast.Attribute) and node.func.attr in ("format", "join"):
            if node.func.attr == "format":
                return _literals(node.func.value)
            return _literals(node.func.value) + [x for a in node.args for x in _literals(a)]
    return []  # another call (QIcon("..."), a helper), a name: not a literal handed here


def _text(node: ast.AST) -> str:
    if isinstance(node, ast.Constant):
        return str(node.value)
    assert isinstance(node, ast.JoinedStr)
    return "".join(str(v.value) if isinstance(v, ast.Constant) else "{x}" for v in node.values)


def _texts(call: ast.Call) -> list[ast.AST]:
    name = _name(call)
    spec = TEXT_ARGS[name]
    args = list(call.args)
    if spec == ALL:
        chosen = args
    else:
        assert isinstance(spec, tuple)
        chosen = [args[i] for i in spec if i < len(args)]
        if name in ICON_FIRST and len(chosen) == 2:
            # (icon, text) or (widget, text): the second; (text, data/slot): the first
            first = chosen[0]
            text_first = isinstance(first, ast.Constant | ast.JoinedStr) or (
                isinstance(first, ast.Call) and _name(first) in WRAPPERS | {"format"}
            )
            chosen = [first] if text_first else [chosen[1]]
    for k in call.keywords:
        if k.arg in ("text", "title", "toolTip", "windowTitle", "placeholderText"):
            chosen.append(k.value)
    return chosen


def english_handed_to_qt(source: str) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and _name(node) in TEXT_ARGS:
            for arg in _texts(node):
                for lit in _literals(arg):
                    text = _text(lit)
                    if _words(text):
                        found.append((lit.lineno, text))
    return found


def test_no_english_handed_straight_to_qt_in_the_window() -> None:
    found = {}
    for path in sorted(UI.rglob("*.py")):
        bare = english_handed_to_qt(path.read_text(encoding="utf-8"))
        if bare:
            found[path.relative_to(UI).as_posix()] = bare
    assert not found, f"wrap these in _() (escape_desktop.i18n), or ngettext for counts: {found}"


def test_the_check_finds_an_unwrapped_label_in_a_real_module() -> None:
    """The check fails on ``setText("Save the course")`` added to a real window module, and
    on the other shapes a label takes; what is not a word passes."""
    module = UI / "courses" / "course_view.py"
    source = module.read_text(encoding="utf-8")
    added = source + '\n\ndef _added(w):\n    w.setText("Save the course")\n'
    assert english_handed_to_qt(source) == []
    assert [t for _, t in english_handed_to_qt(added)] == ["Save the course"]
    for bare in (
        'QLabel("Who came today?", self)',
        'QPushButton(QIcon("save.png"), "Save")',
        'box.addItem("Knee and hip", "knee_hip")',
        'menu.addAction("Back up now", self.backup)',
        'QMessageBox.warning(self, _("Backup"), "The stick is full.")',
        'table.setHorizontalHeaderLabels([_("Name"), "Attended"])',
        'w.setToolTip(f"Session {n} of the course")',
        'w.setAccessibleName("Register" if a else _("Circuit"))',
        'tabs.addTab(page, "Measures")',
        'bar.showMessage("Saved.", 3000)',
        'w.setText("<b>{}</b> left".format(n))',
        'menu.addAction(f"{word}\\tthen press O", slot)',
    ):
        assert english_handed_to_qt(bare), bare
    for fine in (
        'w.setText(_("Save the course"))',
        'w.setText(ngettext("{n} place", "{n} places", n).format(n=n))',
        'w.setText("")',
        'w.setText(" · ")',
        'w.setText("<b>{}</b> {}".format(a, b))',
        'w.setText(f"{n} / {m}")',
        'w.setText("Ctrl+S")',
        'box.addItem(_("Knee and hip"), "knee_hip")',
        'QPushButton(QIcon("document-save"), _("Save"))',
        'w.setObjectName("title")',
        'w.setStyleSheet("QLabel { color: red }")',
        'menu.addAction(f"{word}\\tO", slot)',
        'label.setText("\\n".join(["Mg"] * lines))',
    ):
        assert english_handed_to_qt(fine) == [], fine


# ------------------------------------------------ sentences anywhere in ui/, read whole
STYLE_SHEET = re.compile(r"^[\w#:.\-\s,*>]*\{[^}]*:[^}]*;?[^}]*\}", re.S)
DATE_PATTERN = re.compile(r"[GyMLdEcHhmsa ,.'/:\-]+")


def _in_pgettext(source: str) -> set[int]:
    """The ids of the strings inside pgettext() (Qt's own words, with their context)."""
    inside: set[int] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and _name(node) in ("pgettext", "npgettext"):
            inside.update(n.lineno for n in ast.walk(node) if isinstance(n, ast.Constant))
    return inside


def test_no_english_sentence_anywhere_in_the_window() -> None:
    from tests.system.test_i18n_sentences_left import strings_read_whole

    found = {}
    for path in sorted(UI.rglob("*.py")):
        source = path.read_text(encoding="utf-8")
        wrapped = _in_pgettext(source)
        left = [
            (line, text)
            for line, text in strings_read_whole(source)
            if line not in wrapped
            and not STYLE_SHEET.match(text)
            and not DATE_PATTERN.fullmatch(text)
        ]
        if left:
            found[path.relative_to(UI).as_posix()] = left
    assert not found, f"wrap these in _() (escape_desktop.i18n), or ngettext for counts: {found}"
