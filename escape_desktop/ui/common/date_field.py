"""Date fields that take typing: day/month/year in the British order, or the calendar.

A format that starts with the weekday name ("Fri 04 Dec 2026") ignores the day typed into it,
and month names need the name typed; dd/MM/yyyy takes "12/03/2026" as it is typed. Qt moves to
the next part by itself once a part is full ("12" fills the day), so the "/" typed straight
after would skip the month: that one separator is let go (as people type it either way).
"""

from __future__ import annotations

import re
from datetime import date

from PySide6.QtCore import QDate, QEvent, QObject
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QDateEdit, QWidget

from escape_desktop.i18n import N_, _

DATE_FORMAT = "dd/MM/yyyy"
TIP = N_("Type the date as day/month/year (for example 12/03/2026), or pick it from the calendar.")


SEPARATORS = "/.-"


class _SeparatorAfterFullPart(QObject):
    """Drops a separator typed just after a digit that filled a part and moved on by itself,
    and lets the first digit typed into a part replace it wherever the cursor is: after a
    click (or Home) the cursor sits inside "27" with nothing selected, and Qt refused "3"
    as "327", so typing did nothing (issue 25)."""

    def __init__(self, edit: QDateEdit):
        super().__init__(edit)
        self.edit = edit
        self.moved_on = False
        self.typing_in: int | None = None  # the part being typed into, digit by digit
        self.typed = ""  # what was typed since the field was entered, to read a whole date

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if obj is not self.edit:
            return False
        if event.type() in (QEvent.Type.FocusIn, QEvent.Type.MouseButtonPress):
            self.typing_in = None
            self.typed = ""
            return False
        if event.type() != QEvent.Type.KeyPress:
            return False
        assert isinstance(event, QKeyEvent)
        text = event.text()
        if text and (text.isdigit() or text in SEPARATORS or text == " "):
            self.typed += text
        else:
            self.typed = ""
        if text and text in SEPARATORS and self.moved_on:
            self.moved_on = False
            self.typing_in = None
            return True  # already in the next part
        if text.isdigit():
            before = self.edit.currentSectionIndex()
            if self.typing_in != before:
                self.edit.setSelectedSection(self.edit.currentSection())
            self.edit.keyPressEvent(event)
            after = self.edit.currentSectionIndex()
            self.moved_on = after != before
            self.typing_in = None if self.moved_on else after
            # A whole date typed is taken as typed, even a day the month shown lacks
            # ("31/12" typed over November).
            whole = _whole_date(self.typed)
            if whole is not None:
                self.edit.setDate(whole)
            return True
        self.moved_on = False
        self.typing_in = None
        return False


_WHOLE = re.compile(r"^\s*(\d{1,2})[/.\- ](\d{1,2})[/.\- ](\d{4})$|^(\d{2})(\d{2})(\d{4})$")


def _whole_date(typed: str) -> QDate | None:
    """The date in ``typed`` when it is a whole day/month/year, else None."""
    m = _WHOLE.match(typed.strip())
    if m is None:
        return None
    d, mo, y = (int(x) for x in (m.groups()[:3] if m.group(1) else m.groups()[3:]))
    day = QDate(y, mo, d)
    return day if day.isValid() else None


def make_typeable(edit: QDateEdit) -> QDateEdit:
    """Give an existing date field the typing format, the calendar and the hint."""
    edit.setDisplayFormat(DATE_FORMAT)
    edit.setCalendarPopup(True)
    # The value follows each key, so a form read straight after typing sees the typed date.
    edit.setKeyboardTracking(True)
    edit.installEventFilter(_SeparatorAfterFullPart(edit))
    if not edit.toolTip():
        edit.setToolTip(_(TIP))
    return edit


def date_field(value: date | QDate | None = None, parent: QWidget | None = None) -> QDateEdit:
    """A new date field that takes typing (see the module docstring)."""
    edit = QDateEdit(parent)
    if isinstance(value, date):
        edit.setDate(QDate(value.year, value.month, value.day))
    elif isinstance(value, QDate):
        edit.setDate(value)
    return make_typeable(edit)
