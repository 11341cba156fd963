"""The house style in one place: colours, font sizes, the stylesheet and icons; large text scales it."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QDate, Qt
from PySide6.QtGui import QColor, QFont, QIcon
from PySide6.QtWidgets import QApplication, QStyle, QWidget

BASE_POINT_SIZE = 11
LARGE_POINT_SIZE = 14

PALETTE = {
    "accent": "#1f5f8b",
    "accent_light": "#e3eef7",
    "text": "#1d232a",
    "muted": "#5b6670",
    "border": "#c9d1d9",
    "panel": "#f5f7f9",
    "today": "#fff4c2",
    "present": "#d7f0dc",
    "present_text": "#1b5e2a",
    "absent": "#f8dcdc",
    "absent_text": "#8a1c1c",
    "apologies": "#fde9c8",
    "apologies_text": "#7a4a00",
    "cancelled": "#e6e6e6",
    "withdrawn_text": "#8a939b",
    "disabled_text": "#9aa3ab",  # a greyed-out button or box must look it: the app colour hides that
    "good": "#1b5e2a",
    "warn": "#8a4b00",
    "bad": "#a11d1d",
    "highlight": "#ffe27a",  # search matches in the guide
}

# What each register mark looks like in a cell: a symbol plus colour, readable without colour too.
MARK_TEXT = {"present": "✓", "absent": "✗", "apologies": "Apol."}
MARK_WORD = {"present": "Present", "absent": "Absent", "apologies": "Apologies"}


def color(name: str) -> QColor:
    return QColor(PALETTE[name])


def point_size(large: bool) -> int:
    return LARGE_POINT_SIZE if large else BASE_POINT_SIZE


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
QPushButton {{ padding: 5px 12px; }}
QPushButton#primary {{
    background: {p["accent"]}; color: white; border: 1px solid {p["accent"]};
    border-radius: 4px; padding: 7px 16px; font-weight: 600;
}}
QPushButton#primary:disabled {{ background: {p["border"]}; border-color: {p["border"]}; }}
QPushButton#big {{
    font-size: {base + 3}pt; padding: 16px 24px; text-align: left;
    border: 1px solid {p["border"]}; border-radius: 6px; background: white;
}}
QPushButton#big:hover, QPushButton#big:focus {{ border-color: {p["accent"]}; background: {p["accent_light"]}; }}
QTableView {{ gridline-color: {p["border"]}; selection-background-color: {p["accent_light"]};
    selection-color: {p["text"]}; }}
QTableView::item:focus {{ border: 2px solid {p["accent"]}; }}
QHeaderView::section {{ background: {p["panel"]}; padding: 4px 6px; border: none;
    border-right: 1px solid {p["border"]}; border-bottom: 1px solid {p["border"]}; }}
QTabBar::tab {{ padding: 7px 16px; }}
QFrame#panel {{ background: {p["panel"]}; border-right: 1px solid {p["border"]}; }}
{panel_width}QLineEdit[invalid="true"], QComboBox[invalid="true"], QDateEdit[invalid="true"] {{
    border: 2px solid {p["bad"]}; }}
"""


def apply(app: QApplication, large: bool = False) -> None:
    """Set the font and stylesheet of the whole app (called at start and when large text changes)."""
    sheet = stylesheet(large)
    if app.styleSheet() == sheet:
        return  # re-applying would re-polish every widget for nothing
    font = QFont(app.font())
    font.setPointSize(point_size(large))
    app.setFont(font)
    app.setStyleSheet(sheet)


def icon(widget: QWidget | None, name: str) -> QIcon:
    """A consistent icon from the platform style: name is a QStyle.StandardPixmap suffix."""
    style = widget.style() if widget is not None else QApplication.style()
    pixmap = getattr(QStyle.StandardPixmap, f"SP_{name}", QStyle.StandardPixmap.SP_FileIcon)
    return style.standardIcon(pixmap)


def mark_invalid(widget: QWidget, invalid: bool) -> None:
    """Show or clear the red frame on a form field."""
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
