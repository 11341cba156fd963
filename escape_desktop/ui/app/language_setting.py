"""Settings › Window language: English or Cymraeg for this instructor on this machine.

The choice is kept in the user's preferences (i18n.save_ui_language), not in the site's data,
and applies from the next start: every screen sets its words when it is built, and rebuilding
the window in the middle of a class would close what is open.
"""

from __future__ import annotations

import logging

from PySide6.QtWidgets import QComboBox, QFormLayout, QGroupBox, QLabel, QWidget

from escape_desktop import i18n
from escape_desktop.i18n import N_, _

log = logging.getLogger(__name__)


# One whole sentence a language (not a name put into one sentence: Welsh mutates it, "yn
# Gymraeg"), each followed by the language's name in itself.
NEXT_START = {
    "en": N_("The window will be in English when the app next starts."),
    "cy": N_("The window will be in Welsh (Cymraeg) when the app next starts."),
}


class WindowLanguageBox(QGroupBox):
    """The window's language: a choice, and a line saying when it takes effect."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(_("Window language"), parent)
        form = QFormLayout(self)
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        self.choice = QComboBox()
        for code, name in i18n.LANGUAGES.items():
            self.choice.addItem(name, code)  # each language's name in itself
        self.choice.setAccessibleName(_("Window language"))
        self.choice.setCurrentIndex(max(0, self.choice.findData(i18n.saved_ui_language())))
        self.note = QLabel()
        self.note.setWordWrap(True)
        self.note.setObjectName("hint")
        form.addRow(_("The window speaks"), self.choice)
        form.addRow(self.note)
        self._show_note()
        self.choice.currentIndexChanged.connect(self._changed)

    def _changed(self, _index: int) -> None:
        code = self.choice.currentData()
        try:
            i18n.save_ui_language(code)
        except (OSError, ValueError) as e:
            log.warning("the window language could not be saved: %r", e)
            self.note.setText(_("The language could not be saved here; the window stays as it is."))
            return
        self._show_note()

    def _show_note(self) -> None:
        saved = i18n.saved_ui_language()
        if i18n.ui_language_forced():
            text = _(
                "ESCAPE_DESKTOP_LANGUAGE is set on this computer and chooses the language instead."
            )
        elif saved != i18n.ui_language():
            text = _(NEXT_START.get(saved, NEXT_START[i18n.SOURCE]))
        else:
            text = _("Your own choice on this computer; other instructors keep theirs.")
        self.note.setText(text)
