"""The house style in one place: colours, font sizes, the stylesheet and icons; large text scales it."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QDate, QSize, Qt
from PySide6.QtGui import QColor, QFont, QGuiApplication, QIcon, QPalette
from PySide6.QtWidgets import (
    QApplication,
    QFrame,
    QScrollArea,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from escape_desktop.i18n import N_, _
from escape_desktop.paths import resource_path
from escape_desktop.programme.status import ABSENT, APOLOGIES, MARK_LETTER, PRESENT
from escape_desktop.programme.status import MARK_WORD as STATUS_MARK_WORD
from escape_desktop.ui.common.announce import describe_error

BASE_POINT_SIZE = 11
LARGE_POINT_SIZE = 14
FOCUS_BORDER = 2  # px: the ring round the focused cell of a table (QTableView::item:focus)

# Every colour the app draws with, in a light and a dark variant. Text colours are chosen to
# reach WCAG AA (4.5:1) on the background they sit on (tests/ui/test_dark_palette.py checks).
LIGHT = {
    "accent": "#1f5f8b",
    "accent_button": "#1f5f8b",  # behind white text (the main button of a screen)
    "accent_light": "#e3eef7",
    "text": "#1d232a",
    "muted": "#5b6670",
    "border": "#c9d1d9",
    "panel": "#f5f7f9",
    "window": "#eff1f3",
    "base": "#ffffff",
    "button": "#f6f7f8",
    "today": "#fff4c2",
    "present": "#d7f0dc",
    "present_text": "#1b5e2a",
    "absent": "#f8dcdc",
    "absent_text": "#8a1c1c",
    "apologies": "#fde9c8",
    "apologies_text": "#7a4a00",
    "cancelled": "#e6e6e6",
    "inactive": "#eeeeee",  # circuit cells of people not here today
    "withdrawn_text": "#5f6973",
    "disabled_text": "#9aa3ab",  # a greyed-out button or box must look it: the app colour hides that
    "good": "#1b5e2a",
    "warn": "#8a4b00",
    "bad": "#a11d1d",
    "highlight": "#ffe27a",  # search matches in the guide
    "chart_frame": "#555555",
    "chart_bar": "#9fb0e0",
    "chart_hatch": "#1f3a93",
    "chart_label": "#ffffff",  # the box behind a count drawn on a bar
    "lock_background": "#24313d",
    "lock_text": "#ffffff",
    "lock_error": "#ffb3b3",
    # Focus and state (WCAG 2.2 non-text contrast, 3:1 against what is around them).
    "focus": "#0d3b66",  # the ring round a focused box or button: 3:1 even on a field's edge
    "focus_fill": "#cfe3f5",  # a focused main button turns light (the blue-to-light change is 5:1)
    "focus_fill_text": "#1d232a",
    "focus_edge": "#1d232a",  # the edge of a focused main button, and of the current table cell
    "field_border": "#7b8590",  # the edge of a box you type in: 3.3:1 on the window
    "selection": "#6692ba",  # a chosen table row: 3.3:1 on white, dark text 4.8:1 on it
    "selection_text": "#1d232a",
}
DARK = {
    "accent": "#8cc4f0",
    "accent_button": "#2b6797",
    "accent_light": "#233a4e",
    "text": "#e6e9ec",
    "muted": "#aab3bb",
    "border": "#4a535c",
    "panel": "#262b31",
    "window": "#202428",
    "base": "#181b1f",
    "button": "#30363d",
    "today": "#3d3516",
    "present": "#1d3a25",
    "present_text": "#9fe3ae",
    "absent": "#45211f",
    "absent_text": "#ffb1aa",
    "apologies": "#43321a",
    "apologies_text": "#f6cd86",
    "cancelled": "#34383d",
    "inactive": "#2c3136",
    "withdrawn_text": "#9aa3ab",
    "disabled_text": "#69717a",
    "good": "#86d596",
    "warn": "#f2b866",
    "bad": "#ff8f86",
    "highlight": "#6b5400",
    "chart_frame": "#9aa3ab",
    "chart_bar": "#3b5597",
    "chart_hatch": "#a9bcff",
    "chart_label": "#181b1f",
    "lock_background": "#24313d",
    "lock_text": "#ffffff",
    "lock_error": "#ffb3b3",
    "focus": "#bfe0fa",
    "focus_fill": "#8cc4f0",
    "focus_fill_text": "#181b1f",
    "focus_edge": "#ffffff",
    "field_border": "#717b85",
    "selection": "#46739c",
    "selection_text": "#ffffff",
}
# The chart's series: lines and markers, each readable on the chart's background.
SERIES = {
    False: ("#1f3a93", "#b03a2e", "#1e7b34", "#6c3483", "#a04000", "#212121"),
    True: ("#9fb8ff", "#ff9a8f", "#86d596", "#d2a8ec", "#f2b866", "#e6e9ec"),
}

# The colours in use now; changed in place, so a module holding PALETTE sees the switch.
PALETTE: dict[str, str] = dict(LIGHT)
_state = {"dark": False, "large": False, "following": False}
_large_percent: list[int] = [127]
_override: list[bool] = []  # [dark] when light or dark was chosen rather than the system's
_system_palette: list[QPalette] = []  # the palette the system gave, before any dark one

# What each register mark looks like in a cell: a symbol plus colour, readable without colour too.
# One attendance vocabulary (programme.status): the same letters and words as the printed
# register, the attendance CSV and its data dictionary.
MARK_TEXT = dict(MARK_LETTER)
# The marks' words on screen, in the window language (_() where shown).
MARK_WORD = {
    PRESENT: N_("Present"),
    ABSENT: N_("Absent"),
    APOLOGIES: N_("Apologies"),
}
assert set(MARK_WORD) == set(STATUS_MARK_WORD)


def color(name: str) -> QColor:
    return QColor(PALETTE[name])


def series_colours() -> tuple[str, ...]:
    return SERIES[_state["dark"]]


def is_dark() -> bool:
    return _state["dark"]


def set_dark(dark: bool) -> None:
    """Choose the dark or the light colours (apply() then puts them on the screen)."""
    _state["dark"] = dark
    PALETTE.clear()
    PALETTE.update(DARK if dark else LIGHT)


def set_scheme_override(dark: bool | None) -> None:
    """Use dark (True) or light (False) whatever the system says; None follows the system."""
    _override.clear()
    if dark is not None:
        _override.append(dark)


def system_prefers_dark(app: QGuiApplication) -> bool:
    """Dark when the system says so (Qt 6.5+), else when the system's window colour is dark."""
    scheme = app.styleHints().colorScheme()
    if scheme == Qt.ColorScheme.Dark:
        return True
    if scheme == Qt.ColorScheme.Light:
        return False
    palette = _system_palette[0] if _system_palette else app.palette()
    return palette.color(QPalette.ColorRole.Window).lightness() < 128


def dark_palette() -> QPalette:
    """A whole Qt palette from the dark colours, so widgets the stylesheet leaves alone match."""
    p = DARK
    pal = QPalette()
    roles = {
        QPalette.ColorRole.Window: p["window"],
        QPalette.ColorRole.WindowText: p["text"],
        QPalette.ColorRole.Base: p["base"],
        QPalette.ColorRole.AlternateBase: p["panel"],
        QPalette.ColorRole.ToolTipBase: p["panel"],
        QPalette.ColorRole.ToolTipText: p["text"],
        QPalette.ColorRole.PlaceholderText: p["muted"],
        QPalette.ColorRole.Text: p["text"],
        QPalette.ColorRole.Button: p["button"],
        QPalette.ColorRole.ButtonText: p["text"],
        QPalette.ColorRole.BrightText: "#ffffff",
        QPalette.ColorRole.Light: "#4a535c",
        QPalette.ColorRole.Midlight: "#3b424a",
        QPalette.ColorRole.Mid: "#8a939b",
        QPalette.ColorRole.Dark: "#101316",
        QPalette.ColorRole.Shadow: "#000000",
        # Light on dark: Fusion draws its focus rings in this colour (the old blue was 1.9:1).
        QPalette.ColorRole.Highlight: p["focus"],
        QPalette.ColorRole.HighlightedText: p["focus_fill_text"],
        QPalette.ColorRole.Link: p["accent"],
        QPalette.ColorRole.LinkVisited: "#c8a8f0",
    }
    for role, value in roles.items():
        pal.setColor(role, QColor(value))
    for role in (
        QPalette.ColorRole.WindowText,
        QPalette.ColorRole.Text,
        QPalette.ColorRole.ButtonText,
    ):
        pal.setColor(QPalette.ColorGroup.Disabled, role, QColor(p["disabled_text"]))
    return pal


def light_palette() -> QPalette:
    """The system's own light palette, with placeholder text readable (the default is 3.2:1)."""
    pal = QPalette(_system_palette[0]) if _system_palette else QPalette()
    pal.setColor(QPalette.ColorRole.PlaceholderText, QColor(LIGHT["muted"]))
    return pal


# How large "Large text" is, in per cent of the usual size: 127 % was the only size; people
# who run Windows at 150 % or 200 % for their eyes need the same from the app.
LARGE_PERCENTS = (127, 150, 200)


def set_large_percent(percent: int) -> None:
    """Choose the size Large text gives (apply() then puts it on the screen)."""
    _large_percent[0] = percent if percent in LARGE_PERCENTS else LARGE_PERCENTS[0]


def large_percent() -> int:
    return _large_percent[0]


def point_size(large: bool) -> int:
    if not large:
        return BASE_POINT_SIZE
    if _large_percent[0] == LARGE_PERCENTS[0]:
        return LARGE_POINT_SIZE
    return round(BASE_POINT_SIZE * _large_percent[0] / 100)


def _icon(name: str) -> str:
    """A small picture the stylesheet draws (an arrow, a tick), in the text colour."""
    tone = "dark" if _state["dark"] else "light"
    return resource_path("icons", f"{name}-{tone}.svg").as_posix()


def _arrow(way: str) -> str:
    """The arrow of a spin or date box (a styled box loses Qt's own)."""
    return _icon(f"arrow-{way}")


def stylesheet(large: bool = False) -> str:
    """The application stylesheet; sizes are in points so they follow the screen's scaling."""
    base = point_size(large)
    p = PALETTE
    # The course list keeps its codes whole ("KH-2026-002", not "KH-20…") when the text grows:
    # the panel may not shrink below what its three columns need at this size.
    panel_width = "QFrame#panel { min-width: 19em; }\n" if large else ""
    return f"""
QWidget {{ font-size: {base}pt; color: {p["text"]}; }}
QWidget:disabled {{ color: {p["disabled_text"]}; }}
QLabel#title {{ font-size: {base + 7}pt; font-weight: 600; }}
QLabel#subtitle {{ font-size: {base + 1}pt; color: {p["muted"]}; }}
QLabel#hint {{ color: {p["muted"]}; }}
QLabel#error {{ color: {p["bad"]}; font-weight: 600; }}
QLabel#warning {{ color: {p["warn"]}; }}
QLabel#ok {{ color: {p["good"]}; }}
QLabel#emptyHint {{ font-size: {base + 2}pt; padding: 14px; background: {p["accent_light"]};
    border: 1px solid {p["border"]}; border-radius: 6px; }}
QPushButton {{ padding: 5px 12px; border: 1px solid {p["field_border"]}; border-radius: 4px;
    background: {p["button"]}; }}
QPushButton:hover {{ background: {p["accent_light"]}; }}
QPushButton:pressed, QPushButton:checked {{ background: {p["border"]}; }}
QPushButton:default {{ border-color: {p["focus"]}; }}
QPushButton:focus {{ border: 2px solid {p["focus"]}; padding: 4px 11px;
    background: {p["accent_light"]}; outline: none; }}
QPushButton:disabled {{ border-color: {p["border"]}; }}
QPushButton::menu-indicator {{ subcontrol-position: right center; right: 4px; }}
QCheckBox, QRadioButton {{ border: 2px solid transparent; border-radius: 3px; padding: 1px; }}
QCheckBox:focus, QRadioButton:focus {{ border-color: {p["focus"]}; outline: none; }}
QComboBox, QDateEdit, QSpinBox, QDoubleSpinBox, QTimeEdit {{
    border: 1px solid {p["field_border"]}; border-radius: 3px; padding: 2px 4px; }}
QComboBox:focus, QDateEdit:focus, QSpinBox:focus, QDoubleSpinBox:focus, QTimeEdit:focus {{
    border: 2px solid {p["focus"]}; padding: 1px 3px; }}
QComboBox:disabled, QDateEdit:disabled, QSpinBox:disabled {{ border-color: {p["border"]}; }}
QAbstractSpinBox::up-button, QAbstractSpinBox::down-button {{ width: 16px; border: none; }}
QAbstractSpinBox::up-arrow {{ image: url({_arrow("up")}); width: 9px; height: 6px; }}
QAbstractSpinBox::down-arrow, QDateEdit::down-arrow {{ image: url({_arrow("down")});
    width: 9px; height: 6px; }}
QDateEdit::drop-down {{ border: none; width: 18px; }}
QLabel[tone="bad"] {{ color: {p["bad"]}; }}
QLabel[tone="good"] {{ color: {p["good"]}; }}
QLabel[tone="warn"] {{ color: {p["warn"]}; }}
QLabel[tone="muted"] {{ color: {p["muted"]}; }}
QPushButton#primary {{
    background: {p["accent_button"]}; color: white; border: 1px solid {p["accent_button"]};
    border-radius: 4px; padding: 7px 16px; font-weight: 600;
}}
QPushButton#primary:focus {{
    background: {p["focus_fill"]}; color: {p["focus_fill_text"]};
    border: 2px solid {p["focus_edge"]}; padding: 6px 15px;
}}
QPushButton#primary:disabled {{ background: {p["border"]}; border-color: {p["border"]}; }}
QPushButton#big {{
    font-size: {base + 3}pt; padding: 16px 24px; text-align: left;
    border: 1px solid {p["border"]}; border-radius: 6px; background: {p["base"]};
}}
QPushButton#big:hover {{ border-color: {p["accent"]}; background: {p["accent_light"]}; }}
QPushButton#big:focus {{ border: 3px solid {p["focus"]}; padding: 14px 22px;
    background: {p["accent_light"]}; }}
QTableView {{ gridline-color: {p["border"]}; selection-background-color: {p["selection"]};
    selection-color: {p["selection_text"]}; }}
QTableView::item:focus {{ border: {FOCUS_BORDER}px solid {p["focus_edge"]}; }}
QListView, QTreeView {{ selection-background-color: {p["selection"]};
    selection-color: {p["selection_text"]}; }}
QListView::item:selected, QTreeView::item:selected {{ background: {p["selection"]};
    color: {p["selection_text"]}; }}
QListView::item:focus, QTreeView::item:focus {{ border: 2px solid {p["focus_edge"]}; }}
QListView::indicator, QTableView::indicator, QCheckBox::indicator {{ width: 13px; height: 13px;
    border: 1px solid {p["field_border"]}; border-radius: 2px; background: {p["base"]}; }}
QListView::indicator:checked, QTableView::indicator:checked, QCheckBox::indicator:checked {{
    image: url({_icon("check")}); }}
QCheckBox::indicator:disabled {{ border-color: {p["border"]}; }}
QRadioButton::indicator {{ width: 13px; height: 13px; border: 1px solid {p["field_border"]};
    border-radius: 7px; background: {p["base"]}; }}
QRadioButton::indicator:checked {{ background: qradialgradient(cx: 0.5, cy: 0.5, radius: 0.5,
    fx: 0.5, fy: 0.5, stop: 0 {p["text"]}, stop: 0.5 {p["text"]}, stop: 0.6 {p["base"]},
    stop: 1 {p["base"]}); }}
QRadioButton::indicator:disabled {{ border-color: {p["border"]}; }}
QLineEdit, QPlainTextEdit, QTextEdit {{ border: 1px solid {p["field_border"]}; border-radius: 3px;
    background: {p["base"]}; selection-background-color: {p["selection"]};
    selection-color: {p["selection_text"]}; }}
QLineEdit {{ padding: 3px 4px; }}
QLineEdit:focus, QPlainTextEdit:focus, QTextEdit:focus {{ border: 2px solid {p["focus"]}; }}
QLineEdit:disabled, QPlainTextEdit:disabled, QTextEdit:disabled {{ border-color: {p["border"]}; }}
QHeaderView::section {{ background: {p["panel"]}; padding: 4px 6px; border: none;
    border-right: 1px solid {p["border"]}; border-bottom: 1px solid {p["border"]}; }}
QTabBar::tab {{ padding: 7px 16px; }}
QTabBar:focus {{ outline: none; }}
QTabBar::tab:selected:focus {{ background: {p["accent_light"]}; border: 2px solid {p["focus"]};
    padding: 5px 14px; }}
QFrame#panel {{ background: {p["panel"]}; border-right: 1px solid {p["border"]}; }}
{panel_width}QLineEdit[invalid="true"], QComboBox[invalid="true"], QDateEdit[invalid="true"] {{
    border: 2px solid {p["bad"]}; }}
QLineEdit[invalid="true"]:focus {{ border: 3px solid {p["bad"]}; padding: 2px 3px; }}
"""


def apply(app: QApplication, large: bool = False, dark: bool | None = None) -> None:
    """Set the font, colours and stylesheet of the whole app.

    Called at start and when large text changes; ``dark`` None follows the system's light or
    dark setting, now and whenever it changes.
    """
    if not _system_palette:
        _system_palette.append(QPalette(app.palette()))
    if not _state["following"]:
        _state["following"] = True
        app.styleHints().colorSchemeChanged.connect(lambda _scheme: _follow_system(app))
    _state["large"] = large
    if dark is None:
        dark = _override[0] if _override else system_prefers_dark(app)
    changed = dark != _state["dark"]
    set_dark(dark)
    if needs_fusion(app.style().name(), dark):
        app.setStyle("Fusion")
    placeholder = app.palette().color(QPalette.ColorRole.PlaceholderText)
    if changed or dark or placeholder != QColor(LIGHT["muted"]):
        app.setPalette(dark_palette() if dark else light_palette())
    sheet = stylesheet(large)
    if app.styleSheet() == sheet:
        return  # re-applying would re-polish every widget for nothing
    font = QFont(app.font())
    font.setPointSize(point_size(large))
    app.setFont(font)
    app.setStyleSheet(sheet)


def needs_fusion(style_name: str, dark: bool) -> bool:
    """True where the platform style cannot be dark: Windows' classic (Vista) style draws its
    buttons and boxes light whatever the palette says, so dark needs Qt's Fusion style."""
    return dark and style_name.lower() == "windowsvista"


def _follow_system(app: QApplication) -> None:
    apply(app, bool(_state["large"]))


def set_tone(widget: QWidget, tone: str | None) -> None:
    """Colour a label's text as good, warn, bad or muted (None: the usual text colour).

    Through the stylesheet, so the colour follows a switch between light and dark.
    """
    if widget.property("tone") == tone:
        return
    widget.setProperty("tone", tone)
    widget.style().unpolish(widget)
    widget.style().polish(widget)


def icon(widget: QWidget | None, name: str) -> QIcon:
    """A consistent icon from the platform style: name is a QStyle.StandardPixmap suffix."""
    style = widget.style() if widget is not None else QApplication.style()
    pixmap = getattr(QStyle.StandardPixmap, f"SP_{name}", QStyle.StandardPixmap.SP_FileIcon)
    return style.standardIcon(pixmap)


def set_style_name(widget: QWidget, name: str) -> None:
    """Give a label another of the stylesheet's names ("hint", "error") and restyle it now.

    (Changing the object name alone leaves the old colour: an error would stay hint-grey.)
    """
    if widget.objectName() == name:
        return
    widget.setObjectName(name)
    widget.style().unpolish(widget)
    widget.style().polish(widget)


def quiet_scroll(area: QWidget, name: str) -> None:
    """A scroll area round a form or a chart: Tab goes to what is in it, never to the frame
    itself (it took focus with nothing to show), and a screen reader hears what it holds."""
    area.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    area.setAccessibleName(name)


# A window's frame and title bar on top of its size, in points (Windows 10/11 at any scaling).
FRAME_WIDTH, FRAME_HEIGHT = 16, 40


def fit_to_screen(window: QWidget, width: int | None = None, height: int | None = None) -> None:
    """Size a dialog as asked (or as it is), but never bigger than the screen it opens on.

    At 150 % or 200 % scaling a 1366x768 laptop is 911x512 or 683x384 points: a dialog made
    for a bigger screen must shrink, and what it holds scrolls (see scroll_of).
    """
    w = window.width() if width is None else width
    h = window.height() if height is None else height
    screen = window.screen() or QGuiApplication.primaryScreen()
    if screen is not None:
        room = screen.availableGeometry()
        w = min(w, room.width() - FRAME_WIDTH)
        h = min(h, room.height() - FRAME_HEIGHT)
    window.resize(max(w, 100), max(h, 100))


class PageScroll(QScrollArea):
    """A scroll area for a whole screen: it asks for its page's full width where the screen
    has room (so a splitter beside it never squeezes the page), and scrolls what the screen
    cannot hold (a 683x384-point screen at 200 % scaling)."""

    def minimumSizeHint(self) -> QSize:
        hint = super().minimumSizeHint()
        page = self.widget()
        screen = self.screen()
        if page is None or screen is None:
            return hint
        room = screen.availableGeometry().width() - 2 * FRAME_WIDTH
        return QSize(max(hint.width(), min(page.minimumSizeHint().width(), room)), hint.height())


def scroll_of(body: QWidget, name: str) -> QScrollArea:
    """``body`` in a frameless scroll area that takes no focus itself (see quiet_scroll)."""
    area = QScrollArea()
    area.setWidget(body)
    area.setWidgetResizable(True)
    area.setFrameShape(QFrame.Shape.NoFrame)
    quiet_scroll(area, name)
    return area


def scrolled_body(host: QWidget, name: str) -> QWidget:
    """Give ``host`` (a wizard page, a panel) a scrolling body and return the body to fill."""
    outer = QVBoxLayout(host)
    outer.setContentsMargins(0, 0, 0, 0)
    body = QWidget()
    outer.addWidget(scroll_of(body, name))
    return body


def mark_invalid(widget: QWidget, invalid: bool, why: str = "") -> None:
    """Show or clear the red frame on a form field, and tie the reason to it for screen readers.

    ``why`` (the error's sentence) becomes the field's accessible description while invalid.
    """
    describe_error(widget, why or (_("This needs correcting.") if invalid else ""))
    if widget.property("invalid") == invalid:
        return
    widget.setProperty("invalid", invalid)
    widget.style().unpolish(widget)
    widget.style().polish(widget)


def on_screen(widget: QWidget) -> bool:
    """False while a section is a hidden tab, so it can mark itself stale instead of reloading.

    A section not yet placed in a shown window (built, not yet shown, as in tests and while
    the main window is being made) counts as on screen unless it was hidden on purpose,
    which is what a tab widget does to every tab but the current one.
    """
    if widget.isVisible():
        return True
    hidden_tab = widget.isHidden() and widget.testAttribute(
        Qt.WidgetAttribute.WA_WState_ExplicitShowHide
    )
    return not hidden_tab and not widget.window().isVisible()


def qdate_to_date(value: QDate) -> date:
    """A QDate from a date editor as a Python date."""
    return date(value.year(), value.month(), value.day())
