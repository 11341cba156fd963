"""Qt's own words (standard buttons, context menus, the file dialog) and its locale, in the
instructor's language.

Qt ships no Welsh (there is no qtbase_cy.qm), and the app keeps one gettext catalogue for
everything, so Qt asks this translator, which answers from that catalogue: Qt's context is the
entry's msgctxt, its source text the msgid ("QPlatformTheme" / "&Yes" -> "&Ie"). A word the
catalogue lacks is left to Qt, which shows its English. Dates in date boxes and calendars take
the language's QLocale (Welsh month and day names; the week starts on Monday).
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QLocale, QTranslator

from escape_desktop import i18n
from escape_desktop.i18n import pgettext

# The Qt locale each window language uses; English keeps the system's own (a UK or US
# laptop's date order and first weekday).
QT_LOCALES: dict[str, tuple[QLocale.Language, QLocale.Country]] = {
    "cy": (QLocale.Language.Welsh, QLocale.Country.UnitedKingdom),
}


class CatalogueTranslator(QTranslator):
    """A QTranslator that answers from the app's gettext catalogue in the window language."""

    def translate(
        self,
        context: str,
        source: str,
        disambiguation: str | None = None,
        n: int = -1,
    ) -> str | None:
        # None is a null QString, which sends Qt to its own (English) text; an empty string
        # would be taken as the translation and blank the button.
        if i18n.ui_language() == i18n.SOURCE or not context or not source:
            return None
        answer = pgettext(context, source)
        return answer if answer != source else None

    def isEmpty(self) -> bool:
        return False

    def language(self) -> str:
        return i18n.ui_language()


_installed: CatalogueTranslator | None = None
_locale_set = False


def install() -> None:
    """Let Qt's own widgets speak the window language (once a run; safe to call again)."""
    global _installed
    app = QCoreApplication.instance()
    if app is None:
        return
    if _installed is None:
        _installed = CatalogueTranslator(app)
        QCoreApplication.installTranslator(_installed)
    global _locale_set
    found = QT_LOCALES.get(i18n.ui_language())
    if found is not None:
        QLocale.setDefault(QLocale(*found))
        _locale_set = True
    elif _locale_set:  # back to English in the same run (tests): the system's locale again
        QLocale.setDefault(QLocale.system())
        _locale_set = False


def ui_locale() -> QLocale:
    """The QLocale of the window language (the system's for English)."""
    found = QT_LOCALES.get(i18n.ui_language())
    return QLocale(*found) if found is not None else QLocale.system()


def qt_words() -> list[str]:
    """Qt's words the window shows, each in the window language; listed so that pybabel puts
    them in the catalogue with their Qt context (a test checks each has its Welsh)."""
    return [
        # QDialogButtonBox and QMessageBox standard buttons
        pgettext("QPlatformTheme", "OK"),
        pgettext("QPlatformTheme", "Save"),
        pgettext("QPlatformTheme", "Save All"),
        pgettext("QPlatformTheme", "Open"),
        pgettext("QPlatformTheme", "&Yes"),
        pgettext("QPlatformTheme", "Yes to &All"),
        pgettext("QPlatformTheme", "&No"),
        pgettext("QPlatformTheme", "N&o to All"),
        pgettext("QPlatformTheme", "Abort"),
        pgettext("QPlatformTheme", "Retry"),
        pgettext("QPlatformTheme", "Ignore"),
        pgettext("QPlatformTheme", "Close"),
        pgettext("QPlatformTheme", "Cancel"),
        pgettext("QPlatformTheme", "Discard"),
        pgettext("QPlatformTheme", "Help"),
        pgettext("QPlatformTheme", "Apply"),
        pgettext("QPlatformTheme", "Reset"),
        pgettext("QPlatformTheme", "Restore Defaults"),
        pgettext("QMessageBox", "Show Details..."),
        pgettext("QMessageBox", "Hide Details..."),
        # QWizard's buttons (the course wizard), in each of Qt's wizard styles
        pgettext("QWizard", "< &Back"),
        pgettext("QWizard", "&Next >"),
        pgettext("QWizard", "&Next"),
        pgettext("QWizard", "&Finish"),
        pgettext("QWizard", "Cancel"),
        pgettext("QWizard", "&Help"),
        pgettext("QWizard", "Commit"),
        pgettext("QWizard", "Go Back"),
        pgettext("QWizard", "Continue"),
        pgettext("QWizard", "Done"),
        pgettext("QWizard", "Help"),
        # the right-click menu of a text box, a spin box and a text area
        pgettext("QLineEdit", "&Undo"),
        pgettext("QLineEdit", "&Redo"),
        pgettext("QLineEdit", "Cu&t"),
        pgettext("QLineEdit", "&Copy"),
        pgettext("QLineEdit", "&Paste"),
        pgettext("QLineEdit", "Delete"),
        pgettext("QLineEdit", "Select All"),
        pgettext("QWidgetTextControl", "&Undo"),
        pgettext("QWidgetTextControl", "&Redo"),
        pgettext("QWidgetTextControl", "Cu&t"),
        pgettext("QWidgetTextControl", "&Copy"),
        pgettext("QWidgetTextControl", "Copy &Link Location"),
        pgettext("QWidgetTextControl", "&Paste"),
        pgettext("QWidgetTextControl", "Delete"),
        pgettext("QWidgetTextControl", "Select All"),
        # Qt's own file dialog (where the system has none of its own)
        pgettext("QFileDialog", "&Look in:"),
        pgettext("QFileDialog", "File &name:"),
        pgettext("QFileDialog", "Files of &type:"),
        pgettext("QFileDialog", "&Open"),
        pgettext("QFileDialog", "&Save"),
        pgettext("QFileDialog", "Open"),
        pgettext("QFileDialog", "Save As"),
        pgettext("QFileDialog", "Back"),
        pgettext("QFileDialog", "Forward"),
        pgettext("QFileDialog", "Parent Directory"),
        pgettext("QFileDialog", "Create New Folder"),
        pgettext("QFileDialog", "Create a New Folder"),
        pgettext("QFileDialog", "&New Folder"),
        pgettext("QFileDialog", "&Rename"),
        pgettext("QFileDialog", "&Delete"),
        pgettext("QFileDialog", "Show &hidden files"),
        pgettext("QFileDialog", "List View"),
        pgettext("QFileDialog", "Detail View"),
        pgettext("QFileDialog", "Go back"),
        pgettext("QFileDialog", "Go forward"),
        pgettext("QFileDialog", "Go to the parent directory"),
        pgettext("QFileDialog", "Change to list view mode"),
        pgettext("QFileDialog", "Change to detail view mode"),
        pgettext("QFileDialog", "List of places and bookmarks"),
        pgettext("QFileDialog", "Sidebar"),
        pgettext("QFileDialog", "Files"),
        pgettext("QFileDialog", "All Files (*)"),
        pgettext("QFileDialog", "%1 already exists.\nDo you want to replace it?"),
        pgettext("QFileSystemModel", "Name"),
        pgettext("QFileSystemModel", "Size"),
        pgettext("QFileSystemModel", "Type"),
        pgettext("QFileSystemModel", "Date Modified"),
        pgettext("QFileSystemModel", "Computer"),
        pgettext("QAbstractFileIconProvider", "Folder"),
        pgettext("QAbstractFileIconProvider", "Drive"),
    ]
