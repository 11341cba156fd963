"""The course's Documents section: choose a document, make the PDF off the GUI thread, open it.

ReportLab is imported only when a document is made (export.documents loads it lazily), so
opening the window never pays for it.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
import weakref
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDesktopServices, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from escape_desktop.context import AppContext
from escape_desktop.errors import KnownError

# documents.py itself is light: ReportLab loads only when a document is built.
from escape_desktop.export.documents import (
    DESCRIPTIONS,
    LABELS,
    PEOPLE_KINDS,
    SESSION_KINDS,
    default_filename,
)
from escape_desktop.export.documents import KINDS as DOC_KINDS
from escape_desktop.i18n import _
from escape_desktop.programme.status import COMPLETED, DID_NOT_START, WITHDRAWN
from escape_desktop.services.changes import Changes
from escape_desktop.services.reading import Register, course_register
from escape_desktop.ui.common import file_dialogs
from escape_desktop.ui.common.announce import LiveLabel
from escape_desktop.ui.common.change_bus import ChangeBus
from escape_desktop.ui.common.course_section import CourseSection, Stale
from escape_desktop.ui.common.operation import run_op
from escape_desktop.ui.common.save_guard import refuse_data_folder

log = logging.getLogger(__name__)

KINDS = [(key, LABELS[key], DESCRIPTIONS[key]) for key in DOC_KINDS]
# What the documents tab lists: the course, its sessions and its people.
SHOWN = (
    Changes.COURSE | Changes.SESSION | Changes.ENROLMENT | Changes.PARTICIPANT | Changes.ATTENDANCE
)


class DocumentsSection(CourseSection):
    """Choose a document for the course, its session or people; print it or save a PDF (a CourseSection)."""

    RELOAD_ON = SHOWN

    def __init__(self, ctx: AppContext, bus: ChangeBus, parent: QWidget | None = None):
        super().__init__(ctx, bus, parent)
        self.today: date | None = None  # None: the real date (tests pin it)
        self._reg: Register | None = None
        self._job: object | None = None  # the running PDF job, if any
        self.last_path: Path | None = None
        self.save_dir: Path | None = None  # remembered between saves in one run
        # Removes the temporary copy being previewed; also runs if the window goes or the app quits.
        self._print_dir: weakref.finalize[..., DocumentsSection] | None = None
        self.preview: QWidget | None = None
        self.viewer_message: QMessageBox | None = None
        self.loads = 0  # how many times the course was read (tests count it)
        self._build_choices()
        self._build_people()
        self._build_actions()
        layout = QVBoxLayout(self)
        layout.addWidget(self.choices)
        layout.addWidget(self.people_box, 1)
        layout.addWidget(self.action_row)
        # Without the list of people the buttons sit under the choices, not at the far bottom.
        layout.addStretch(0)
        self._layout = layout
        self.kind_combo.currentIndexChanged.connect(self._kind_changed)
        self._kind_changed()
        self.set_course(None)

    # ------------------------------------------------------------------ building

    def _build_choices(self) -> None:
        self.choices = QWidget(self)
        form = QFormLayout(self.choices)
        form.setContentsMargins(0, 0, 0, 0)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.FieldsStayAtSizeHint)
        self.kind_combo = QComboBox()
        for key, label, _about in KINDS:
            self.kind_combo.addItem(_(label), key)
        self.kind_combo.setAccessibleName(_("Document"))
        self.kind_combo.setMinimumContentsLength(28)
        self.kind_help = QLabel()
        self.kind_help.setObjectName("hint")
        self.kind_help.setWordWrap(True)
        self.session_spin = QSpinBox()
        self.session_spin.setRange(1, 12)
        self.session_spin.setAccessibleName(_("Session number"))
        self.session_spin.setMinimumWidth(self.fontMetrics().horizontalAdvance("00") + 48)
        self.session_label = QLabel(_("Sess&ion:"))
        self.session_label.setMinimumWidth(self.session_label.sizeHint().width())
        self.session_label.setBuddy(self.session_spin)
        doc_label = QLabel(_("Doc&ument:"))
        doc_label.setMinimumWidth(doc_label.sizeHint().width())  # a longer language never cut
        doc_label.setBuddy(self.kind_combo)
        form.addRow(doc_label, self.kind_combo)
        form.addRow("", self.kind_help)
        form.addRow(self.session_label, self.session_spin)

    def _build_people(self) -> None:
        self.people_box = QWidget(self)
        box = QVBoxLayout(self.people_box)
        box.setContentsMargins(0, 0, 0, 0)
        self.default_radio = QRadioButton()
        self.chosen_radio = QRadioButton(_("Only the people ticked below"))
        self.default_radio.setChecked(True)
        self.people_list = QListWidget()
        self.people_list.setAccessibleName(_("People"))
        self.people_list.itemChanged.connect(self._person_ticked)
        box.addWidget(self.default_radio)
        box.addWidget(self.chosen_radio)
        box.addWidget(self.people_list, 1)

    def _build_actions(self) -> None:
        self.action_row = QWidget(self)
        row = QVBoxLayout(self.action_row)
        row.setContentsMargins(0, 8, 0, 0)
        buttons = QHBoxLayout()
        self.print_button = QPushButton(_("&Print…"))
        self.print_button.setObjectName("primary")
        self.print_button.setToolTip(
            _("See the pages as they will print, then print them (Ctrl+P)")
        )
        self.print_button.clicked.connect(self.print_document)
        self.save_button = QPushButton(_("&Save PDF…"))
        self.save_button.setToolTip(_("Make the document and save it as a PDF file"))
        self.save_button.clicked.connect(self.save_pdf)
        self.print_shortcut = QShortcut(QKeySequence(QKeySequence.StandardKey.Print), self)
        self.print_shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.print_shortcut.activated.connect(self.print_document)
        self.open_check = QCheckBox(_("&Open it when ready"))
        self.open_check.setChecked(True)
        self.open_button = QPushButton(_("Open &last PDF"))
        self.open_button.setEnabled(False)
        self.open_button.clicked.connect(self.open_last)
        buttons.addWidget(self.print_button)
        buttons.addWidget(self.save_button)
        buttons.addWidget(self.open_check)
        buttons.addStretch(1)
        buttons.addWidget(self.open_button)
        self.progress = QProgressBar()
        self.progress.setVisible(False)
        self.progress.setTextVisible(True)
        self.status = LiveLabel()
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        row.addLayout(buttons)
        row.addWidget(self.progress)
        row.addWidget(self.status)

    # ------------------------------------------------------------------ state

    def kind(self) -> str:
        return str(self.kind_combo.currentData())

    def set_course(self, course_id: int | None) -> None:
        self.status.clear()
        super().set_course(course_id)

    def load(self, level: Stale) -> None:
        self._reload()  # one read covers the course and its people

    def _today(self) -> date:
        return self.today or date.today()

    def _reload(self) -> None:
        self.loads += 1
        self._reg = None
        if self.course_id is not None:
            self._reg = course_register(self.ctx, self.course_id)
        reg = self._reg
        enabled = reg is not None
        for w in (self.choices, self.people_box, self.save_button, self.print_button):
            w.setEnabled(enabled)
        if reg is None:
            self.status.setText(_("Choose a course to print its documents."))
            self.people_list.clear()
            return
        if reg.sessions:
            self.session_spin.setRange(1, max(x.number for x in reg.sessions))
            upcoming = [x.number for x in reg.sessions if x.date >= self._today()]
            self.session_spin.setValue(upcoming[0] if upcoming else reg.sessions[-1].number)
        self._fill_people()
        self._kind_changed()

    def _completer_ids(self) -> set[int]:
        reg = self._reg
        if reg is None:
            return set()
        _summary, statuses = reg.figures(self._today())  # programme.status decides
        return {int(k) for k, v in statuses.items() if v.status == COMPLETED}  # type: ignore[call-overload]

    def _fill_people(self) -> None:
        reg = self._reg
        self.people_list.blockSignals(True)
        self.people_list.clear()
        done = self._completer_ids()
        statuses = reg.figures(self._today())[1] if reg else {}
        for r in reg.rows if reg else []:
            if statuses[r.enrolment_id].status in (WITHDRAWN, DID_NOT_START):
                continue
            label = (
                _("{name}   (completed)").format(name=r.name) if r.enrolment_id in done else r.name
            )
            item = QListWidgetItem(label)
            item.setData(Qt.ItemDataRole.UserRole, r.enrolment_id)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
            self.people_list.addItem(item)
        self.people_list.blockSignals(False)

    def _person_ticked(self, item: QListWidgetItem) -> None:
        if item.checkState() == Qt.CheckState.Checked:
            self.chosen_radio.setChecked(True)

    def _kind_changed(self) -> None:
        kind = self.kind()
        self.kind_help.setText(_(next(text for key, _label, text in KINDS if key == kind)))
        sheet = kind in SESSION_KINDS
        self.session_spin.setVisible(sheet)
        self.session_label.setVisible(sheet)
        people = kind in PEOPLE_KINDS
        self.people_box.setVisible(people)
        self._layout.setStretch(self._layout.count() - 1, 0 if people else 1)
        self.default_radio.setText(
            _("Everyone who completed (on the last day: who completes by coming today)")
            if kind == "certificates"
            else _("Everyone on the course")
        )

    def chosen_ids(self) -> list[int] | None:
        """The ticked people, or None for the document's default group."""
        if self.kind() not in PEOPLE_KINDS or not self.chosen_radio.isChecked():
            return None
        ids = []
        for i in range(self.people_list.count()):
            item = self.people_list.item(i)
            if item.checkState() == Qt.CheckState.Checked:
                ids.append(int(item.data(Qt.ItemDataRole.UserRole)))
        return ids

    # ------------------------------------------------------------------ actions

    def suggested_path(self) -> Path:
        folder = self.save_dir
        if folder is None:
            folder = file_dialogs.start_folder(self.ctx.data_dir)
        code = self._reg.code if self._reg else "course"
        number = self.session_spin.value() if self.kind() in SESSION_KINDS else None
        return folder / default_filename(code, self.kind(), number)

    def ask_path(self, suggested: Path) -> Path | None:
        """The file the user picks (tests replace this)."""
        name = file_dialogs.save_file(
            self, self.ctx.data_dir, _("Save the PDF"), suggested, _("PDF documents (*.pdf)")
        )
        if not name:
            return None
        path = Path(name)
        return path if path.suffix.lower() == ".pdf" else path.with_suffix(".pdf")

    def save_pdf(self) -> None:
        """Make the document and save it where the user chooses."""
        if self._reg is None or self._job is not None or not self._people_ok():
            return
        path = self.ask_path(self.suggested_path())
        if path is None or refuse_data_folder(self, path, self.ctx.data_dir):
            return
        self.save_dir = path.parent
        self._make(path, self._done)

    def print_document(self) -> None:
        """Make the document in a private temporary folder, then show it as it will print."""
        if self._reg is None or self._job is not None or not self._people_ok():
            return
        if self.preview is not None and self.preview.isVisible():
            self.preview.raise_()  # its PDF is still in use: bring it forward instead
            return
        self._discard_print_copy()
        folder = Path(tempfile.mkdtemp(prefix="escape-print-"))
        self._print_dir = weakref.finalize(self, shutil.rmtree, folder, True)
        self._make(folder / self.suggested_path().name, self._made_for_print)

    def _people_ok(self) -> bool:
        ids = self.chosen_ids()
        if ids is not None and not ids:
            self.status.setText(_("Tick at least one person, or choose everyone."))
            return False
        return True

    def _make(self, path: Path, done: Callable[[Any], None]) -> None:
        assert self._reg is not None
        ids = self.chosen_ids()
        kind, course_id = self.kind(), self._reg.course_id
        number = self.session_spin.value() if kind in SESSION_KINDS else None
        today = self._today()
        ctx = self.ctx

        def work(progress):  # type: ignore[no-untyped-def]
            from escape_desktop.services.documents import make_document

            return make_document(
                ctx,
                kind,
                course_id,
                path,
                session_number=number,
                enrolment_ids=ids,
                progress=progress,
                today=today,
            )

        self.save_button.setEnabled(False)
        self.print_button.setEnabled(False)
        self.progress.setRange(0, 0)
        self.progress.setVisible(True)
        self.status.setText(_("Making the PDF…"))
        self._job = run_op(
            self,
            work,
            bus=self.bus,
            initiator=self,
            background=True,
            progress=self._progress,
            success=done,
            failure=self._failed,
        )

    def _made_for_print(self, result) -> None:  # type: ignore[no-untyped-def]
        from escape_desktop.ui.documents.print_preview import PrintPreviewDialog

        self._finish()
        path = Path(result.path)
        self.status.setText(_("Ready to print: check the pages, then press Print."))
        dialog = PrintPreviewDialog(
            self.ctx,
            self.bus,
            path,
            self.kind_combo.currentText(),
            self.suggested_path().name,
            self,
        )
        dialog.finished.connect(lambda _r: self._discard_print_copy())
        self.preview = dialog
        dialog.open()

    def _discard_print_copy(self) -> None:
        # The temporary PDF holds people's names: it goes once the preview is closed.
        remove, self._print_dir = self._print_dir, None
        if remove is not None:
            remove()

    def _progress(self, done: int, total: int, message: str) -> None:
        self.progress.setRange(0, max(1, total))
        self.progress.setValue(done)
        self.status.setText(message)

    def _finish(self) -> None:
        self._job = None
        self.progress.setVisible(False)
        self.save_button.setEnabled(self._reg is not None)
        self.print_button.setEnabled(self._reg is not None)

    def _done(self, result) -> None:  # type: ignore[no-untyped-def]
        self._finish()
        self.last_path = Path(result.path)
        self.open_button.setEnabled(True)
        self.status.setText(result.message())
        if self.open_check.isChecked():
            self.open_last()

    def _failed(self, error: BaseException) -> None:
        self._finish()
        if isinstance(error, KnownError):
            self.status.setText(str(error))
            return
        log.error("document failed: %r", error)
        self.status.setText(_("The PDF could not be made."))
        QMessageBox.critical(
            self,
            _("PDF not made"),
            _(
                "The PDF could not be made ({error}). Nothing was saved; please try again, and "
                "if it happens again, send the log to your IT contact."
            ).format(error=f"{type(error).__name__}: {error}"),
        )

    def open_last(self) -> None:
        if self.last_path is None:
            return
        if QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.last_path))):
            return
        # No PDF viewer on this laptop (or it would not start): say so, and offer the folder.
        folder = self.last_path.parent
        self.status.setText(
            _("No program for PDFs opened on this computer; the file is saved in {folder}.").format(
                folder=folder
            )
        )
        box = QMessageBox(
            QMessageBox.Icon.Information,
            _("PDF saved"),
            _(
                "The PDF is saved, but no program for PDFs opened on this computer. "
                "It is in the folder {folder}."
            ).format(folder=folder),
            QMessageBox.StandardButton.Close,
            self,
        )
        folder_button = box.addButton(_("Open the &folder"), QMessageBox.ButtonRole.AcceptRole)
        box.setDefaultButton(folder_button)
        folder_button.clicked.connect(
            lambda: QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder)))
        )
        self.viewer_message = box
        box.open()
