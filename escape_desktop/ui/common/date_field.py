"""Date fields that take typing: day/month/year in the British order, or the calendar.

A format that starts with the weekday name ("Fri 04 Dec 2026") ignores the day typed into it,
and month names need the name typed; dd/MM/yyyy takes "12/03/2026" as it is typed. Qt moves to
the next part by itself once a part is full ("12" fills the day), so the "/" typed straight
after would skip the month: that one separator is let go (as people type it either way).
"""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QDate, QEvent, QObject
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QDateEdit, QWidget

DATE_FORMAT = "dd/MM/yyyy"
TIP = "Type the date as day/month/year (for example 12/03/2026), or pick it from the calendar."


SEPARATORS = "/.-"


class _SeparatorAfterFullPart(QObject):
    """Drops a separator typed just after a digit that filled a part and moved on by itself."""

    def __init__(self, edit: QDateEdit):
        super().__init__(edit)
        self.edit = edit
        self.moved_on = False

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if obj is not self.edit or event.type() != QEvent.Type.KeyPress:
            return False
        assert isinstance(event, QKeyEvent)
        text = event.text()
        if text and text in SEPARATORS and self.moved_on:
            self.moved_on = False
            return True  # already in the next part
        if text.isdigit():
            before = self.edit.currentSectionIndex()
            self.edit.keyPressEvent(event)
            self.moved_on = self.edit.currentSectionIndex() != before
            return True
        self.moved_on = False
        return False


def make_typeable(edit: QDateEdit) -> QDateEdit:
    """Give an existing date field the typing format, the calendar and the hint."""
    edit.setDisplayFormat(DATE_FORMAT)
    edit.setCalendarPopup(True)
    # The value follows each key, so a form read straight after typing sees the typed date.
    edit.setKeyboardTracking(True)
    edit.installEventFilter(_SeparatorAfterFullPart(edit))
    if not edit.toolTip():
        edit.setToolTip(TIP)
    return edit


def date_field(value: date | QDate | None = None, parent: QWidget | None = None) -> QDateEdit:
    """A new date field that takes typing (see the module docstring)."""
    edit = QDateEdit(parent)
    if isinstance(value, date):
        edit.setDate(QDate(value.year, value.month, value.day))
    elif isinstance(value, QDate):
        edit.setDate(value)
    return make_typeable(edit)
