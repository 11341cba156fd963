"""Dark palette: the main screens keep every text readable (WCAG AA, 4.5:1) when the laptop is dark."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QModelIndex, QPoint, Qt
from PySide6.QtGui import QBrush, QColor, QImage, QPalette
from PySide6.QtWidgets import QAbstractItemView, QApplication, QLabel, QPushButton, QWidget
from qt_wait import delete_and_wait

from escape_desktop.db import queries
from escape_desktop.ui.app.launcher import create_main_window
from escape_desktop.ui.common import style

OUT = Path(__file__).resolve().parents[1] / "output"
SIZE = (1366, 768)
AA = 4.5


def luminance(c: QColor) -> float:
    """Relative luminance as WCAG 2.x defines it."""

    def channel(v: float) -> float:
        return v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4

    return 0.2126 * channel(c.redF()) + 0.7152 * channel(c.greenF()) + 0.0722 * channel(c.blueF())


def contrast(a: QColor, b: QColor) -> float:
    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def test_the_contrast_formula_matches_wcag_examples():
    assert contrast(QColor("#000000"), QColor("#ffffff")) == pytest.approx(21.0)
    assert contrast(QColor("#777777"), QColor("#ffffff")) == pytest.approx(4.48, abs=0.01)
    assert contrast(QColor("#ffffff"), QColor("#ffffff")) == pytest.approx(1.0)


@pytest.fixture
def dark(qapp) -> Iterator[None]:
    style.set_scheme_override(True)
    style.apply(qapp, dark=True)
    yield
    style.set_scheme_override(False)
    style.apply(qapp, dark=False)
    style.set_scheme_override(None)


@pytest.fixture
def window(qtbot, dark, demo_ctx, demo_today):  # type: ignore[no-untyped-def]
    w = create_main_window(demo_ctx, today=demo_today)
    w.show()
    w.resize(*SIZE)
    yield w
    delete_and_wait(qtbot, [w])


def _open(window, code: str) -> None:  # type: ignore[no-untyped-def]
    with window.ctx.db.read() as s:
        window.open_course(queries.course_by_code(s, code).id)


def _background(shot: QImage, widget: QWidget, window: QWidget) -> QColor:
    """The colour most of the widget's pixels have on screen: what its text sits on."""
    top_left = widget.mapTo(window, QPoint(0, 0))
    counts: Counter[int] = Counter()
    for y in range(top_left.y(), top_left.y() + widget.height(), 2):
        for x in range(top_left.x(), top_left.x() + widget.width(), 2):
            if 0 <= x < shot.width() and 0 <= y < shot.height():
                counts[shot.pixel(x, y)] += 1
    return QColor.fromRgb(counts.most_common(1)[0][0])


def label_problems(window: QWidget) -> list[str]:
    """Every shown, enabled label or button whose text is below AA on what is behind it."""
    QApplication.processEvents()
    shot = window.grab().toImage()
    problems = []
    for widget in window.findChildren(QWidget):
        if not isinstance(widget, QLabel | QPushButton) or not widget.isVisible():
            continue
        if not widget.isEnabled() or not widget.text().strip() or widget.width() < 4:
            continue
        if widget.windowType() != Qt.WindowType.Widget:
            continue
        fg = widget.palette().color(widget.foregroundRole())
        bg = _background(shot, widget, window)
        ratio = contrast(fg, bg)
        if ratio < AA:
            problems.append(f"{widget.text()[:40]!r}: {fg.name()} on {bg.name()} = {ratio:.2f}")
    return problems


def _brush_colour(value: object, fallback: QColor) -> QColor:
    if isinstance(value, QBrush):
        return value.color()
    if isinstance(value, QColor):
        return value
    return fallback


def item_problems(window: QWidget) -> tuple[int, list[str]]:
    """Every table cell with its own text or background colour, checked against the other."""
    checked, problems = 0, []
    for view in window.findChildren(QAbstractItemView):
        model = view.model()
        if model is None:
            continue
        pal = view.palette()
        text, base = pal.color(QPalette.ColorRole.Text), pal.color(QPalette.ColorRole.Base)
        for row in range(min(model.rowCount(QModelIndex()), 60)):
            for col in range(model.columnCount(QModelIndex())):
                index = model.index(row, col)
                fg_value = model.data(index, Qt.ItemDataRole.ForegroundRole)
                bg_value = model.data(index, Qt.ItemDataRole.BackgroundRole)
                if fg_value is None and bg_value is None:
                    continue
                checked += 1
                fg = _brush_colour(fg_value, text)
                bg = _brush_colour(bg_value, base)
                ratio = contrast(fg, bg)
                if ratio < AA:
                    shown = model.data(index, Qt.ItemDataRole.DisplayRole)
                    problems.append(
                        f"{view.accessibleName() or type(model).__name__} {shown!r}: "
                        f"{fg.name()} on {bg.name()} = {ratio:.2f}"
                    )
    return checked, problems


def _save(window: QWidget, name: str) -> None:
    OUT.mkdir(exist_ok=True)
    QApplication.processEvents()
    assert window.grab().save(str(OUT / f"{name}.png"))


def test_dark_mode_is_really_dark(window):
    assert style.is_dark()
    assert style.color("text").lightness() > 200
    window_colour = QApplication.palette().color(QPalette.ColorRole.Window)
    assert window_colour.lightness() < 60


def test_register_and_course_list_are_readable_in_dark(window):
    _open(window, "KH-2026-002")
    window.course_view.show_section(0)
    reg = window.course_view.register
    reg.table.horizontalScrollBar().setValue(0)  # the sessions held so far, with their marks
    _save(window, "dark-register")
    marks = [
        reg.model.data(reg.model.index(r, c), Qt.ItemDataRole.ForegroundRole)
        for r in range(reg.model.rowCount())
        for c in range(reg.model.columnCount())
    ]
    assert sum(m is not None for m in marks) > 20  # present, absent, apologies: each coloured
    assert label_problems(window) == []
    checked, problems = item_problems(window)
    assert checked > 20  # register marks, completion words, course states were all looked at
    assert problems == []


def test_circuit_is_readable_in_dark(window):
    _open(window, "KH-2026-002")
    window.course_view.show_section(1)
    _save(window, "dark-circuit")
    assert label_problems(window) == []
    checked, problems = item_problems(window)
    assert problems == []
    # The delegate draws suggestions in good/bad colours on the cell's own background.
    for colour in ("good", "bad"):
        for behind in ("base", "inactive"):
            assert contrast(style.color(colour), style.color(behind)) >= AA


def test_measures_and_their_changes_are_readable_in_dark(window, qtbot):
    _open(window, "KH-2026-001")  # finished: start and end measures are in
    window.course_view.show_section(2)
    section = window.course_view.tabs.currentWidget()
    section.people_view.setCurrentIndex(section.people_model.index(0, 0))
    section.person_tabs.setCurrentIndex(1)
    qtbot.waitUntil(lambda: section.results_model.rowCount() > 0, timeout=5000)
    assert label_problems(window) == []
    checked, problems = item_problems(window)
    assert checked > 0 and problems == []


def test_documents_is_readable_in_dark(window):
    _open(window, "KH-2026-002")
    window.course_view.show_section(3)
    assert label_problems(window) == []


def test_welcome_is_readable_in_dark(qtbot, dark, ctx, demo_today):
    w = create_main_window(ctx, today=demo_today)
    qtbot.addWidget(w)
    w.show()
    w.resize(*SIZE)
    assert w.welcome.isVisible()
    _save(w, "dark-welcome")
    assert label_problems(w) == []


def test_the_checker_finds_unreadable_text(qtbot, dark):
    """A grey label on the dark window is caught: the screens above pass because they are right."""
    host = QWidget()
    qtbot.addWidget(host)
    host.resize(300, 60)
    label = QLabel("Hard to read", host)
    label.setStyleSheet("color: #444444;")
    label.resize(200, 30)
    host.show()
    assert label_problems(host)


def test_a_change_of_system_scheme_is_followed(qapp, monkeypatch):
    style.set_scheme_override(None)
    try:
        monkeypatch.setattr(style, "system_prefers_dark", lambda app: True)
        qapp.styleHints().colorSchemeChanged.emit(Qt.ColorScheme.Dark)
        assert style.is_dark()
        assert qapp.palette().color(QPalette.ColorRole.Base).lightness() < 60
        monkeypatch.setattr(style, "system_prefers_dark", lambda app: False)
        qapp.styleHints().colorSchemeChanged.emit(Qt.ColorScheme.Light)
        assert not style.is_dark()
        assert qapp.palette().color(QPalette.ColorRole.Base).lightness() > 200
    finally:
        style.apply(qapp, dark=False)


def test_windows_classic_style_gives_way_to_fusion_when_dark():
    """Windows' Vista style ignores a dark palette (emulated: only the style's name matters)."""
    assert style.needs_fusion("windowsvista", dark=True)
    assert not style.needs_fusion("windowsvista", dark=False)
    assert not style.needs_fusion("windows11", dark=True)  # Windows 11's own style has dark
    assert not style.needs_fusion("Fusion", dark=True)


# --- Both palettes, every pair (issue 24, 7e) -------------------------------------------------

TEXT_PAIRS = [  # (text colour, what it sits on): 4.5:1
    ("text", "window"),
    ("text", "base"),
    ("text", "panel"),
    ("text", "button"),
    ("text", "today"),
    ("text", "inactive"),  # a circuit cell of someone absent today
    ("text", "accent_light"),
    ("muted", "window"),  # hints and placeholders
    ("muted", "base"),
    ("muted", "panel"),
    ("withdrawn_text", "base"),  # greyed rows: withdrawn people, people not here today
    ("withdrawn_text", "panel"),
    ("withdrawn_text", "inactive"),
    ("present_text", "present"),
    ("absent_text", "absent"),
    ("apologies_text", "apologies"),
    ("good", "base"),
    ("warn", "base"),
    ("bad", "base"),
    ("bad", "window"),
    ("selection_text", "selection"),
    ("focus_fill_text", "focus_fill"),
]
STATE_PAIRS = [  # (indicator, what is around it or what it replaces): 3:1
    ("focus", "window"),
    ("focus", "base"),
    ("focus", "panel"),
    ("focus", "button"),
    ("focus", "field_border"),  # the ring replaces a field's edge
    ("focus", "accent_light"),  # a focused button's fill
    ("focus_fill", "accent_button"),  # a focused main button: the change itself
    ("focus_edge", "selection"),  # the current table cell, chosen
    ("focus_edge", "base"),
    ("field_border", "base"),
    ("field_border", "window"),
    ("field_border", "panel"),
    ("selection", "base"),  # a chosen row
]


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_every_colour_pair_is_readable_in_both_palettes(scheme):
    colours = style.LIGHT if scheme == "light" else style.DARK
    low = [
        f"{fg} on {bg}: {contrast(QColor(colours[fg]), QColor(colours[bg])):.2f}"
        for fg, bg in TEXT_PAIRS
        if contrast(QColor(colours[fg]), QColor(colours[bg])) < AA
    ]
    low += [
        f"{fg} against {bg}: {contrast(QColor(colours[fg]), QColor(colours[bg])):.2f}"
        for fg, bg in STATE_PAIRS
        if contrast(QColor(colours[fg]), QColor(colours[bg])) < 3.0
    ]
    # The main button's white text on its blue.
    if contrast(QColor("#ffffff"), QColor(colours["accent_button"])) < AA:
        low.append("white on accent_button")
    assert low == []


@pytest.fixture(params=["light", "dark"])
def scheme(request, qapp) -> Iterator[str]:
    dark = request.param == "dark"
    style.set_scheme_override(dark)
    style.apply(qapp, dark=dark)
    yield request.param
    style.set_scheme_override(False)
    style.apply(qapp, dark=False)
    style.set_scheme_override(None)


def _over(fg: QColor, bg: QColor) -> QColor:
    """A see-through colour as it looks on its background (Qt's default placeholder is half-clear)."""
    a = fg.alphaF()
    return QColor.fromRgbF(
        fg.redF() * a + bg.redF() * (1 - a),
        fg.greenF() * a + bg.greenF() * (1 - a),
        fg.blueF() * a + bg.blueF() * (1 - a),
    )


def test_placeholder_text_is_readable_in_both_palettes(scheme, qapp):
    pal = qapp.palette()
    base = pal.color(QPalette.ColorRole.Base)
    ratio = contrast(_over(pal.color(QPalette.ColorRole.PlaceholderText), base), base)
    assert ratio >= AA, f"{scheme}: placeholder {ratio:.2f}"


def _focus_change(qtbot, widget: QWidget) -> float:
    """How much of a control's outline changes by 3:1 or more when it takes focus by Tab.

    WCAG 2.2 (focus appearance): pixels that change by at least 3:1 between unfocused and
    focused, as a share of a 1-pixel ring round the control; 1.0 means a whole ring's worth.
    """
    host = widget.parentWidget()
    assert host is not None
    other = QPushButton("elsewhere", host)
    other.move(0, host.height() - 40)
    host.show()
    qtbot.waitExposed(host)
    host.activateWindow()
    other.setFocus()
    qtbot.waitUntil(other.hasFocus, timeout=2000)
    before = host.grab().toImage()
    qtbot.keyClick(other, Qt.Key.Key_Tab)  # by keyboard: styles draw focus for that
    qtbot.waitUntil(widget.hasFocus, timeout=2000)
    QApplication.processEvents()
    after = host.grab().toImage()
    top_left = widget.mapTo(host, QPoint(0, 0))
    strong = 0
    for y in range(
        max(0, top_left.y() - 4), min(after.height(), top_left.y() + widget.height() + 4)
    ):
        for x in range(
            max(0, top_left.x() - 4), min(after.width(), top_left.x() + widget.width() + 4)
        ):
            a, b = before.pixel(x, y), after.pixel(x, y)
            if a != b and contrast(QColor.fromRgb(a), QColor.fromRgb(b)) >= 3.0:
                strong += 1
    ring = 2 * (widget.width() + widget.height())
    if isinstance(widget, QAbstractItemView):  # the ring is round the cursor's cell
        cell = widget.visualRect(widget.currentIndex())
        ring = 2 * (cell.width() + cell.height())
    return strong / ring


def _control(kind: str, host: QWidget) -> QWidget:
    from PySide6.QtWidgets import QLineEdit

    if kind == "primary":
        button = QPushButton("Save", host)
        button.setObjectName("primary")
        return button
    if kind == "line edit":
        edit = QLineEdit(host)
        edit.setPlaceholderText("Search")
        return edit
    if kind == "combo box":
        from PySide6.QtWidgets import QComboBox

        box = QComboBox(host)
        box.addItems(["Knees and hips", "Backs"])
        return box
    if kind == "date box":
        from PySide6.QtWidgets import QDateEdit

        return QDateEdit(host)
    if kind == "table":
        from PySide6.QtWidgets import QTableWidget, QTableWidgetItem

        table = QTableWidget(2, 2, host)
        for r in range(2):
            for c in range(2):
                table.setItem(r, c, QTableWidgetItem(f"{r},{c}"))
        table.setCurrentCell(0, 0)
        table.clearSelection()  # the cursor's ring alone, as after moving with the arrows
        return table
    if kind == "list":
        from PySide6.QtWidgets import QListWidget

        items = QListWidget(host)
        items.addItems(["Sit to stand", "Step-ups"])
        items.setCurrentRow(0)
        items.clearSelection()
        return items
    if kind == "tabs":
        from PySide6.QtWidgets import QTabBar

        bar = QTabBar(host)
        bar.addTab("Sessions && register")
        bar.addTab("Circuit")
        bar.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        return bar
    if kind == "check box":
        from PySide6.QtWidgets import QCheckBox

        return QCheckBox("Large text", host)
    return QPushButton("Cancel", host)


@pytest.mark.parametrize(
    "kind",
    [
        "primary",
        "line edit",
        "button",
        "check box",
        "combo box",
        "date box",
        "tabs",
        "table",
        "list",
    ],
)
def test_focus_is_visible_on_controls_in_both_palettes(qtbot, scheme, kind):
    host = QWidget()
    qtbot.addWidget(host)
    host.resize(260, 120)
    control = _control(kind, host)
    control.move(20, 20)
    control.resize(160, 36)
    if isinstance(control, QAbstractItemView):
        host.resize(300, 180)
        control.resize(240, 110)
    share = _focus_change(qtbot, control)
    assert share >= 1.0, f"{scheme} {kind}: only {share:.0%} of a ring changes by 3:1 on focus"
