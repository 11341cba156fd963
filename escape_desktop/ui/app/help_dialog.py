"""The built-in guide (F1): a few plain HTML pages shipped with the app, searchable, no internet.

The pages live in resources/help/ (with their pictures), so the frozen app has them too.
F1 opens the page about the screen or dialog in front of the instructor. They are written in
English and shown in the window's language through the catalogue, a block at a time
(i18n.guide_page): one catalogue for the whole app, so a paragraph changed in English asks
for its translation again, and the pseudo-language test covers the guide too.
"""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, QUrl
from PySide6.QtGui import QKeyEvent, QTextCharFormat, QTextCursor, QTextDocument
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QSplitter,
    QTextBrowser,
    QTextEdit,
    QVBoxLayout,
    QWidget,
)

from escape_desktop.i18n import N_, SOURCE, _, guide_page, ui_translator
from escape_desktop.paths import resource_path
from escape_desktop.ui.common import style

# The guide's pages in reading order: (file stem, title in the list). The titles and every
# block of the pages are in the catalogue.
PAGES: tuple[tuple[str, str], ...] = (
    ("first-run", N_("Starting for the first time")),
    ("course", N_("A course from start to finish")),
    ("register", N_("The register")),
    ("circuit", N_("The circuit")),
    ("measures", N_("Start and end measures")),
    ("documents", N_("Printing and documents")),
    ("upload", N_("The central upload")),
    ("backups", N_("Backups and the passphrase")),
    ("new-laptop", N_("Moving to a new laptop")),
    ("keyboard", N_("Working from the keyboard")),
)
TITLES = dict(PAGES)

# Which page a dialog's F1 opens, by the dialog's class name (the dialogs live in other
# packages; naming them here keeps the guide in one place and imports none of them).
DIALOG_PAGES = {
    "CourseWizard": "course",
    "CourseEditDialog": "course",
    "ParticipantDialog": "course",
    "ImportDialog": "course",
    "SearchDialog": "register",
    "SessionDialog": "register",
    "WithdrawDialog": "register",
    "MoveDialog": "register",
    "StationsDialog": "circuit",
    "LevelDialog": "circuit",
    "CircuitHistoryDialog": "circuit",
    "InstrumentsDialog": "measures",
    "PrintPreviewDialog": "documents",
    "ExportDialog": "upload",
    "BackupsDialog": "backups",
    "UnlockDialog": "backups",
    "ChoosePassphraseDialog": "backups",
    "ChangePassphraseDialog": "backups",
    "RecoveryKeyDialog": "backups",
    "RecoveryResetDialog": "backups",
    "SettingsDialog": "first-run",
    "KeysDialog": "keyboard",
}


def help_folder() -> Path:
    return resource_path("help")


def page_path(page: str) -> Path:
    return help_folder() / f"{page}.html"


# A picture's src on a guide page: images/NAME.png, relative to the help folder.
_PICTURE_SRC = re.compile(r'(<img\b[^>]*?\bsrc=")(images/[^"/]+)\.png(")', re.IGNORECASE)


def localised_pictures(page: str, language: str, folder: Path) -> str:
    """``page`` with each picture swapped for its copy in ``language`` (images/NAME-cy.png for
    images/NAME.png) where ``folder`` has one, so a Welsh page shows the Welsh window; the
    English picture where it has none (a language without pictures shows no broken one)."""

    def swap(m: re.Match[str]) -> str:
        own = f"{m.group(2)}-{language}.png"
        if (folder / own).is_file():
            return f"{m.group(1)}{own}{m.group(3)}"
        return m.group(0)

    if language == SOURCE:
        return page
    return _PICTURE_SRC.sub(swap, page)


def page_html(page: str) -> str:
    """A page's HTML in the window's language, its pictures too where they exist."""
    tr = ui_translator()
    text = guide_page(page_path(page).read_text(encoding="utf-8"), tr)
    return localised_pictures(text, tr.language, help_folder())


def page_text(page: str) -> str:
    """The words of a page, as shown, without its markup (what the search looks in)."""
    return html.unescape(re.sub(r"<[^>]+>", " ", page_html(page)))


class GuideBrowser(QTextBrowser):
    """Shows the guide's pages in the window's language, whether opened from the list or
    reached by a link on another page."""

    def loadResource(self, kind: int, name: QUrl | str) -> Any:
        url = name if isinstance(name, QUrl) else QUrl(name)
        path = Path(url.toLocalFile() or url.path())
        if (
            kind == QTextDocument.ResourceType.HtmlResource.value
            and path.suffix == ".html"
            and path.stem in TITLES
        ):
            return page_html(path.stem)
        return super().loadResource(kind, name)


def page_for_widget(widget: QWidget | None) -> str | None:
    """The page about ``widget``'s dialog or screen: a dialog's own page, or a ``helpPage``
    property set on the widget or one of its parents."""
    while widget is not None:
        for cls in type(widget).__mro__:
            if cls.__name__ in DIALOG_PAGES:
                return DIALOG_PAGES[cls.__name__]
        value = widget.property("helpPage")
        if isinstance(value, str) and value in TITLES:
            return value
        widget = widget.parentWidget()
    return None


class HelpDialog(QDialog):
    """The guide: a searchable list of pages on the left, the page on the right."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(_("Guide"))
        self.setModal(False)
        self.current_page = ""
        self._texts = {page: page_text(page).lower() for page, _title in PAGES}
        self.search = QLineEdit(self)
        self.search.setPlaceholderText(_("Search the guide, e.g. passphrase"))
        self.search.setAccessibleName(_("Search the guide"))
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self._filter)
        self.list = QListWidget(self)
        self.list.setAccessibleName(_("Pages"))
        self.list.currentItemChanged.connect(self._chosen)
        self.nothing = QLabel(_("No page has those words. Try fewer or other words."), self)
        self.nothing.setObjectName("hint")
        self.nothing.setWordWrap(True)
        self.nothing.setVisible(False)
        self.browser = GuideBrowser(self)
        self.browser.setAccessibleName(_("Guide page"))
        self.browser.setOpenLinks(True)
        self.browser.setOpenExternalLinks(False)  # offline: no page leaves the app
        self.browser.setSearchPaths([str(help_folder())])
        self.browser.document().setDocumentMargin(12)
        self.browser.sourceChanged.connect(self._source_changed)
        for page, title in PAGES:
            item = QListWidgetItem(_(title))
            item.setData(Qt.ItemDataRole.UserRole, page)
            self.list.addItem(item)
        left = QWidget(self)
        column = QVBoxLayout(left)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.search)
        column.addWidget(self.list, 1)
        column.addWidget(self.nothing)
        splitter = QSplitter(self)
        splitter.addWidget(left)
        splitter.addWidget(self.browser)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([240, 640])
        layout = QHBoxLayout(self)
        layout.addWidget(splitter)
        style.fit_to_screen(self, 960, 680)

    def open_page(self, page: str) -> None:
        """Show ``page`` (a stem from PAGES); an unknown one shows the first page."""
        if page not in TITLES:
            page = PAGES[0][0]
        for i in range(self.list.count()):
            item = self.list.item(i)
            if item.data(Qt.ItemDataRole.UserRole) == page:
                item.setHidden(False)
                self.list.setCurrentItem(item)
        self._show(page)

    def _show(self, page: str) -> None:
        if page != self.current_page:
            self.browser.setSource(QUrl.fromLocalFile(str(page_path(page))))
        self._highlight()

    def _chosen(self, item: QListWidgetItem | None) -> None:
        if item is not None:
            self._show(str(item.data(Qt.ItemDataRole.UserRole)))

    def _source_changed(self, url: QUrl) -> None:
        # Links between pages land here too: keep the list in step.
        self.current_page = Path(url.toLocalFile() or url.path()).stem
        for i in range(self.list.count()):
            item = self.list.item(i)
            if item.data(Qt.ItemDataRole.UserRole) == self.current_page:
                self.list.blockSignals(True)
                self.list.setCurrentItem(item)
                self.list.blockSignals(False)
        self._highlight()

    def words(self) -> list[str]:
        return [w for w in self.search.text().lower().split() if w]

    def matching_pages(self) -> list[str]:
        """The pages that have every word typed in the search box, in reading order."""
        words = self.words()
        return [page for page, _title in PAGES if all(w in self._texts[page] for w in words)]

    def _filter(self) -> None:
        found = set(self.matching_pages())
        for i in range(self.list.count()):
            item = self.list.item(i)
            item.setHidden(item.data(Qt.ItemDataRole.UserRole) not in found)
        self.nothing.setVisible(not found)
        if found and self.current_page not in found:
            # The page that says most about the words, not just the first that mentions them.
            words = self.words()
            best = max(
                (p for p, _title in PAGES if p in found),
                key=lambda p: sum(self._texts[p].count(w) for w in words),
            )
            self.open_page(best)
        else:
            self._highlight()

    def _highlight(self) -> None:
        """Mark every place the search words appear on the page shown."""
        selections = []
        fmt = QTextCharFormat()
        fmt.setBackground(style.color("highlight"))
        fmt.setForeground(style.color("text"))
        document: QTextDocument = self.browser.document()
        for word in self.words():
            cursor = QTextCursor(document)
            while True:
                cursor = document.find(word, cursor)
                if cursor.isNull():
                    break
                selection = QTextEdit.ExtraSelection()
                selection.cursor = cursor
                selection.format = fmt
                selections.append(selection)
        self.browser.setExtraSelections(selections)
        self.highlights = len(selections)
        if selections:
            # Scroll to the first match without selecting it (a selection hides the marking).
            first = QTextCursor(selections[0].cursor)
            first.clearSelection()
            self.browser.setTextCursor(first)
            self.browser.ensureCursorVisible()


_dialog: HelpDialog | None = None


def show_help(page: str, parent: QWidget | None = None) -> HelpDialog:
    """Open (or bring forward) the guide at ``page``."""
    global _dialog
    import shiboken6

    if _dialog is None or not shiboken6.isValid(_dialog) or _dialog.parentWidget() is not parent:
        _dialog = HelpDialog(parent)
    _dialog.search.clear()
    _dialog.open_page(page)
    _dialog.show()
    _dialog.raise_()
    _dialog.activateWindow()
    return _dialog


class HelpKey(QObject):
    """F1 anywhere opens the guide at the page about what has the focus.

    The main window's F1 is a menu shortcut, but a modal dialog blocks that (and a key that
    a focused widget takes never reaches it), so this filter on the application catches it.
    """

    def __init__(self, fallback_page: str = "first-run", parent: QObject | None = None):
        super().__init__(parent)
        self.fallback_page = fallback_page

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        # Every event of the application passes here: the cheap isinstance test first.
        if isinstance(event, QKeyEvent) and event.type() == QEvent.Type.KeyPress:
            if event.key() == Qt.Key.Key_F1 and not event.modifiers():
                # The widget the key was sent to is the one with the focus.
                focus = watched if isinstance(watched, QWidget) else QApplication.focusWidget()
                window = focus.window() if focus is not None else QApplication.activeWindow()
                if isinstance(window, HelpDialog):
                    return False
                show_guide = getattr(window, "show_guide", None)
                if callable(show_guide):  # the main window knows which screen is showing
                    show_guide()
                    return True
                page = page_for_widget(focus) or page_for_widget(window) or self.fallback_page
                show_help(page, window)
                return True
        return False
