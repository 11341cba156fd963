"""Settings: venues, instructors, default programme and large text; each change is saved at once."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from escape_desktop.context import AppContext
from escape_desktop.i18n import LANGUAGES, _
from escape_desktop.services import courses as course_service
from escape_desktop.services import settings as settings_service
from escape_desktop.services import settings_registry as registry
from escape_desktop.services.changes import Done
from escape_desktop.ui.common import file_dialogs, style
from escape_desktop.ui.common.change_bus import ChangeBus
from escape_desktop.ui.common.operation import run_op


class NameList(QGroupBox):
    """A list of names with a box to add one and a button to remove the chosen one."""

    def __init__(
        self,
        title: str,
        placeholder: str,
        names: list[str],
        add: Callable[[str], bool],
        remove: Callable[[str], bool],
    ):
        super().__init__(title)
        self._add, self._remove = add, remove
        layout = QVBoxLayout(self)
        self.list = QListWidget()
        self.list.addItems(names)
        self.list.setMaximumHeight(self.fontMetrics().height() * 6 + 12)
        row = QHBoxLayout()
        self.edit = QLineEdit()
        self.edit.setPlaceholderText(placeholder)
        self.edit.returnPressed.connect(self._on_add)
        add_button = QPushButton(_("Add"))
        add_button.clicked.connect(self._on_add)
        self.remove_button = QPushButton(_("Remove"))
        self.remove_button.clicked.connect(self._on_remove)
        row.addWidget(self.edit, 1)
        row.addWidget(add_button)
        row.addWidget(self.remove_button)
        layout.addWidget(self.list)
        layout.addLayout(row)

    def _on_add(self) -> None:
        name = self.edit.text().strip()
        if not name:
            return
        if self._add(name):  # False: not saved, and the error was shown
            self.list.addItem(name)
            self.list.sortItems()
            self.edit.clear()

    def _on_remove(self) -> None:
        item = self.list.currentItem()
        if item is None:
            return
        if self._remove(item.text()):
            self.list.takeItem(self.list.row(item))


class SettingsDialog(QDialog):
    def __init__(self, ctx: AppContext, bus: ChangeBus, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.bus = bus
        self.setWindowTitle(_("Settings"))
        current = settings_service.load(ctx)
        outer = QVBoxLayout(self)
        # Everything but the Close button scrolls: on a 768-pixel screen with large text the
        # settings are taller than the screen, and Close must stay in view.
        content = QWidget()
        layout = QVBoxLayout(content)
        layout.setContentsMargins(0, 0, 0, 0)
        scroll = QScrollArea()
        scroll.setWidget(content)
        style.quiet_scroll(scroll, _("Settings"))
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        outer.addWidget(scroll, 1)
        note = QLabel(_("Changes are saved as you make them."))
        note.setObjectName("hint")
        layout.addWidget(note)
        from escape_desktop.ui.app.language_setting import WindowLanguageBox

        self.window_language = WindowLanguageBox()
        layout.addWidget(self.window_language)
        form = QFormLayout()
        form.setRowWrapPolicy(
            QFormLayout.RowWrapPolicy.WrapLongRows
        )  # large text: never cut a label
        self.programme = QComboBox()
        for key, t in sorted(ctx.library.templates.items()):
            self.programme.addItem(_(t.title), key)
        self.programme.setCurrentIndex(max(0, self.programme.findData(current.default_programme)))
        self.programme.currentIndexChanged.connect(self._programme_changed)
        self.holidays = QComboBox()
        for key, name in sorted(course_service.bank_holiday_lists(ctx).items()):
            self.holidays.addItem(_(name), key)  # the shipped list's name is in the catalogue
        self.holidays.addItem(_("None: schedule classes on bank holidays too"), "none")
        self.holidays.setCurrentIndex(
            max(0, self.holidays.findData(registry.get(ctx, registry.BANK_HOLIDAYS)))
        )
        self.holidays.currentIndexChanged.connect(self._holidays_changed)
        self.large_text = QCheckBox(_("Large text, for reading at arm's length"))
        self.large_text.setChecked(current.large_text)
        self.large_text.toggled.connect(self._large_changed)
        form.addRow(_("New courses use"), self.programme)
        form.addRow(_("New courses skip"), self.holidays)
        # How large: 150 % and 200 % for those who would otherwise need Windows' own scaling.
        self.large_size = QComboBox()
        for percent in style.LARGE_PERCENTS:
            self.large_size.addItem(f"{percent} %", percent)
        self.large_size.setAccessibleName(_("Large text size"))
        self.large_size.setCurrentIndex(
            max(0, self.large_size.findData(registry.get(ctx, registry.LARGE_TEXT_SIZE)))
        )
        self.large_size.currentIndexChanged.connect(self._large_size_changed)
        large_row = QHBoxLayout()
        large_row.addWidget(self.large_text)
        large_row.addWidget(QLabel(_("Size:")))
        large_row.addWidget(self.large_size)
        large_row.addStretch(1)
        form.addRow("", large_row)
        # Who the central upload says it comes from (saved when the box is left).
        self.site_name = QLineEdit(registry.get(ctx, registry.SITE_NAME))
        self.site_name.setPlaceholderText(_("e.g. Riverside Physiotherapy"))
        self.site_name.editingFinished.connect(self._site_name_changed)
        self.site_code = QLineEdit(registry.get(ctx, registry.SITE_CODE))
        self.site_code.setPlaceholderText(_("e.g. RJ1 or A81001"))
        self.site_code.setMaxLength(10)
        self.site_code.editingFinished.connect(self._site_code_changed)
        form.addRow(_(registry.SITE_NAME.label), self.site_name)
        form.addRow(_(registry.SITE_CODE.label), self.site_code)
        # Follow-up points (issue 32): either can be switched off for the site; the due
        # list, the figures and the upload then leave that point out.
        self.follow_up: dict[int, QCheckBox] = {}
        follow_row = QHBoxLayout()
        for point, setting in ((3, registry.FOLLOW_UP_3), (12, registry.FOLLOW_UP_12)):
            box = QCheckBox(_("at {n} months").format(n=point))
            box.setAccessibleName(_(setting.label))
            box.setChecked(bool(registry.get(ctx, setting)))
            box.toggled.connect(lambda on, s=setting: self._follow_up_changed(s, on))
            self.follow_up[point] = box
            follow_row.addWidget(box)
        follow_row.addStretch(1)
        form.addRow(_("Follow people up"), follow_row)
        # Issue 33: a chair stand watched over video is not the hall test; the site decides
        # whether its change counts, and every figure says how many either way.
        self.video_tests = QCheckBox(_("Count them in the change figures"))
        self.video_tests.setAccessibleName(_(registry.VIDEO_TESTS_IN_CHANGE.label))
        self.video_tests.setChecked(bool(registry.get(ctx, registry.VIDEO_TESTS_IN_CHANGE)))
        self.video_tests.toggled.connect(self._video_tests_changed)
        form.addRow(_("Physical tests watched over video"), self.video_tests)
        layout.addLayout(form)
        layout.addWidget(self._documents_box())
        self.venues = NameList(
            _("Venues"),
            _("e.g. Riverside Leisure Centre"),
            settings_service.venues(ctx),
            lambda n: self._save(lambda: settings_service.new_venue(ctx, n)),
            lambda n: self._save(lambda: settings_service.remove_venue(ctx, n)),
        )
        self.instructors = NameList(
            _("Instructors"),
            _("e.g. Sam Physio"),
            settings_service.instructors(ctx),
            lambda n: self._save(lambda: settings_service.new_instructor(ctx, n)),
            lambda n: self._save(lambda: settings_service.remove_instructor(ctx, n)),
        )
        layout.addWidget(self.venues)
        layout.addWidget(self.instructors)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        buttons.accepted.connect(self.accept)
        outer.addWidget(buttons)
        # As wide as the settings need (labels run longer in Welsh than in English): the
        # scroll area scrolls down, never sideways, so a narrower window would cut them off.
        needed = (
            content.minimumSizeHint().width()
            + scroll.verticalScrollBar().sizeHint().width()
            + outer.contentsMargins().left()
            + outer.contentsMargins().right()
        )
        screen = self.screen().availableGeometry().width() if self.screen() else needed
        self.setMinimumWidth(
            max(self.fontMetrics().horizontalAdvance("M") * 36, min(needed, screen))
        )

    def _documents_box(self) -> QGroupBox:
        """What the printed documents say about the site: saved when a box is left."""
        box = QGroupBox(_("On printed documents"))
        form = QFormLayout(box)
        self.site_contact = QPlainTextEdit(registry.get(self.ctx, registry.SITE_CONTACT))
        self.what_next = QPlainTextEdit(registry.get(self.ctx, registry.WHAT_NEXT))
        for edit in (self.site_contact, self.what_next):
            edit.setTabChangesFocus(True)
            edit.setFixedHeight(self.fontMetrics().lineSpacing() * 4 + 12)
        self.logo = QLineEdit(registry.get(self.ctx, registry.CERTIFICATE_LOGO))
        self.logo.setPlaceholderText(_("none"))
        choose = QPushButton(_("Choose…"))
        choose.clicked.connect(self._choose_logo)
        logo_row = QHBoxLayout()
        logo_row.addWidget(self.logo, 1)
        logo_row.addWidget(choose)
        form.addRow(_(registry.SITE_CONTACT.label), self.site_contact)
        form.addRow(_(registry.WHAT_NEXT.label), self.what_next)
        form.addRow(_(registry.CERTIFICATE_LOGO.label), logo_row)
        self.logo.editingFinished.connect(
            lambda: self._save_text(registry.CERTIFICATE_LOGO, self.logo.text())
        )
        # Certificates, progress reports and circuit cards of people who have not chosen a
        # language (each person's own choice is on their details).
        self.document_language = QComboBox()
        for code, name in LANGUAGES.items():
            self.document_language.addItem(name, code)
        self.document_language.setAccessibleName(_(registry.DOCUMENT_LANGUAGE.label))
        chosen = registry.get(self.ctx, registry.DOCUMENT_LANGUAGE)
        self.document_language.setCurrentIndex(max(0, self.document_language.findData(chosen)))
        self.document_language.currentIndexChanged.connect(self._document_language_changed)
        form.addRow(_("Documents in"), self.document_language)
        self.bilingual = QCheckBox(_("Welsh ones followed by the same in English"))
        self.bilingual.setAccessibleName(_(registry.BILINGUAL_DOCUMENTS.label))
        self.bilingual.setChecked(bool(registry.get(self.ctx, registry.BILINGUAL_DOCUMENTS)))
        self.bilingual.toggled.connect(self._bilingual_changed)
        form.addRow("", self.bilingual)
        return box

    def _bilingual_changed(self, on: bool) -> None:
        if not self._save(lambda: registry.set(self.ctx, registry.BILINGUAL_DOCUMENTS, on)):
            self.bilingual.blockSignals(True)
            self.bilingual.setChecked(bool(registry.get(self.ctx, registry.BILINGUAL_DOCUMENTS)))
            self.bilingual.blockSignals(False)

    def _document_language_changed(self, _index: int) -> None:
        code = self.document_language.currentData()
        self._save(lambda: registry.set(self.ctx, registry.DOCUMENT_LANGUAGE, code))

    def _save_text(self, setting: registry.Text, value: str) -> None:
        if value.strip() != registry.get(self.ctx, setting):
            self._save(lambda: registry.set(self.ctx, setting, value.strip()))

    def _choose_logo(self) -> None:
        name = file_dialogs.open_file(
            self, self.ctx.data_dir, _("Choose the logo"), _("Pictures (*.png *.jpg *.jpeg)")
        )
        if name:
            self.logo.setText(name)
            self._save_text(registry.CERTIFICATE_LOGO, name)

    def done(self, result: int) -> None:
        # The two longer texts are saved when the window closes (a text box has no "left").
        self._save_text(registry.SITE_CONTACT, self.site_contact.toPlainText())
        self._save_text(registry.WHAT_NEXT, self.what_next.toPlainText())
        super().done(result)

    def _save(self, change: Callable[[], Done[Any]]) -> bool:
        """Run one settings change through the operation path; False if it was not saved.

        The settings service says what it changed (SETTINGS, "Saved: settings")."""
        return run_op(self, change, bus=self.bus).ok

    def _programme_changed(self, _index: int) -> None:
        key = self.programme.currentData()
        self._save(lambda: registry.set(self.ctx, registry.DEFAULT_PROGRAMME, key))

    def _holidays_changed(self, _index: int) -> None:
        key = self.holidays.currentData()
        self._save(lambda: registry.set(self.ctx, registry.BANK_HOLIDAYS, key))

    def _large_changed(self, on: bool) -> None:
        self._save(lambda: registry.set(self.ctx, registry.LARGE_TEXT, on))

    def _large_size_changed(self, _index: int) -> None:
        percent = self.large_size.currentData()
        self._save(lambda: registry.set(self.ctx, registry.LARGE_TEXT_SIZE, percent))

    def _follow_up_changed(self, setting: registry.YesNo, on: bool) -> None:
        if not self._save(lambda: registry.set(self.ctx, setting, on)):
            box = self.follow_up[3 if setting is registry.FOLLOW_UP_3 else 12]
            box.blockSignals(True)
            box.setChecked(bool(registry.get(self.ctx, setting)))  # as saved
            box.blockSignals(False)

    def _video_tests_changed(self, on: bool) -> None:
        setting = registry.VIDEO_TESTS_IN_CHANGE
        if not self._save(lambda: registry.set(self.ctx, setting, on)):
            self.video_tests.blockSignals(True)
            self.video_tests.setChecked(bool(registry.get(self.ctx, setting)))  # as saved
            self.video_tests.blockSignals(False)

    def _site_name_changed(self) -> None:
        text = self.site_name.text()
        if text.strip() != registry.get(self.ctx, registry.SITE_NAME):
            self._save(lambda: registry.set(self.ctx, registry.SITE_NAME, text))

    def _site_code_changed(self) -> None:
        text = self.site_code.text().strip().upper()
        self.site_code.setText(text)
        if text != registry.get(self.ctx, registry.SITE_CODE):
            self._save(lambda: registry.set(self.ctx, registry.SITE_CODE, text))
