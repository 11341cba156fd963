"""Settings › Window language: English or Cymraeg for this instructor on this machine.

The choice is kept in the user's preferences (i18n.save_ui_language), not in the site's data,
and applies from the next start: every screen sets its words when it is built, and rebuilding
the window in the middle of a class would close what is open.
"""

from __future__ import annotations

import logging

from PySide6.QtWidgets import QComboBox, QFormLayout, QGroupBox, QLabel, QWidget

from escape_desktop import i18n
from escape_desktop.i18n import _

log = logging.getLogger(__name__)


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
            # The language's name as it calls itself (Cymraeg), whatever the window speaks.
            text = _("The window will be in {language} when the app next starts.").format(
                language=i18n.LANGUAGES.get(saved, saved)
            )
        else:
            text = _("Your own choice on this computer; other instructors keep theirs.")
        self.note.setText(text)
