"""Export for the central upload: choose profile and courses, preview the rows, save the file."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QDate, QModelIndex, QObject, Qt, QTimer
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QRadioButton,
    QScrollArea,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from escape_desktop.context import AppContext
from escape_desktop.errors import KnownError
from escape_desktop.export.upload_manifest import manifest_path_for
from escape_desktop.export.upload_rows import UploadData, UploadScope
from escape_desktop.i18n import N_, _, ngettext, ui_date
from escape_desktop.services import uploads
from escape_desktop.services.changes import Done
from escape_desktop.ui.common import file_dialogs, style
from escape_desktop.ui.common.announce import LiveLabel
from escape_desktop.ui.common.change_bus import ChangeBus
from escape_desktop.ui.common.date_field import make_typeable
from escape_desktop.ui.common.operation import run_op
from escape_desktop.ui.common.save_guard import refuse_data_folder

PREVIEW_ROWS = 20

SCOPE_COURSE, SCOPE_RANGE, SCOPE_ALL = 0, 1, 2


def _as_date(value: QDate) -> date:
    return date(value.year(), value.month(), value.day())


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


class UploadPreviewModel(QAbstractTableModel):
    """The first rows of the upload, exactly as they will be written (columns from the profile)."""

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self._header: list[str] = []
        self._rows: list[list[str]] = []

    def set_rows(self, header: list[str], rows: list[list[str]]) -> None:
        self.beginResetModel()
        self._header = list(header)
        self._rows = [list(r) for r in rows]
        self.endResetModel()

    def rowCount(self, parent: QModelIndex | Any = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: QModelIndex | Any = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._header)

    def data(self, index: QModelIndex | Any, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return self._rows[index.row()][index.column()]
        if role == Qt.ItemDataRole.TextAlignmentRole:
            if _is_number(self._rows[index.row()][index.column()]):
                return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal:
            return self._header[section] if 0 <= section < len(self._header) else None
        return str(section + 1)


class CourseCountsModel(QAbstractTableModel):
    """The manifest's counts by course, shown before anything is written."""

    COL_COURSE, COL_IN, COL_NO, COL_NOT_ASKED = range(4)
    HEADERS = (N_("Course"), N_("In the file"), N_("Did not agree to share"), N_("Not asked yet"))

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self._rows: list[tuple[str, int, int, int]] = []

    def set_rows(self, courses: Any) -> None:
        self.beginResetModel()
        self._rows = [
            (
                c.course_code,
                c.count("enrolled"),
                c.left_out_count("did_not_agree_to_share"),
                c.left_out_count("not_asked_yet"),
            )
            for c in courses
        ]
        self.endResetModel()

    def rowCount(self, parent: QModelIndex | Any = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: QModelIndex | Any = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.HEADERS)

    def data(self, index: QModelIndex | Any, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        value = self._rows[index.row()][index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return str(value)
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() != self.COL_COURSE:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def headerData(
        self,
        section: int,
        orientation: Qt.Orientation,
        role: int = Qt.ItemDataRole.DisplayRole,
    ) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return _(self.HEADERS[section])
        return None


class ExportDialog(QDialog):
    """Choices on top, a preview in the middle, where to save and the Export button below."""

    def __init__(
        self,
        ctx: AppContext,
        bus: ChangeBus,
        parent: QWidget | None = None,
        course_id: int | None = None,
        *,
        today: date | None = None,
    ):
        super().__init__(parent)
        self.ctx = ctx
        self.bus = bus
        self.course_id = course_id
        self.today = today or date.today()
        self.last_result: uploads.UploadResult | None = None
        self.last_preview: UploadData | None = None
        self._job: Any = None
        self.setWindowTitle(_("Export for the central upload"))
        self._refresh = QTimer(self)
        self._refresh.setSingleShot(True)
        self._refresh.setInterval(150)
        self._refresh.timeout.connect(self.update_preview)
        self.outcome = LiveLabel()  # made first: changing any choice clears it
        # The choices and preview scroll on a small screen; the buttons stay in view below.
        body = QWidget(self)
        layout = QVBoxLayout(body)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self._build_intro())
        layout.addLayout(self._build_choices())
        layout.addWidget(self._build_preview(), 1)
        layout.addLayout(self._build_target())
        scroll = QScrollArea(self)
        scroll.setWidget(body)
        style.quiet_scroll(scroll, _("Export choices"))
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        outer = QVBoxLayout(self)
        outer.addWidget(scroll, 1)
        # Where the file went stays in view beside the buttons: at 768 px high it was at the
        # foot of the scrolled area, out of sight (issue 25).
        outer.addWidget(self._build_progress())
        outer.addWidget(self._build_buttons())
        self._load_profiles()
        style.fit_to_screen(self, 900, 620)
        self._suggest_path()
        self.update_preview()

    # ------------------------------------------------------------------ building

    def _build_intro(self) -> QLabel:
        label = QLabel(
            _(
                "This makes a spreadsheet file (CSV) for your programme team, with a short note "
                "beside it that lets them check the file. People appear only as their random "
                "code; names, NHS numbers, dates of birth, contact details and anything typed in "
                "your own words are never included. People who did not agree to share, or were "
                "not asked yet, are left out and only counted."
            )
        )
        label.setWordWrap(True)
        return label

    def _build_choices(self) -> QFormLayout:
        form = QFormLayout()
        self.profile = QComboBox()
        self.profile.currentIndexChanged.connect(self._profile_changed)
        self.profile_note = QLabel()
        self.profile_note.setWordWrap(True)
        style.set_tone(self.profile_note, "muted")
        profile_box = QVBoxLayout()
        profile_box.setSpacing(2)
        profile_box.addWidget(self.profile)
        profile_box.addWidget(self.profile_note)
        format_label = QLabel(_("&Format:"))
        format_label.setBuddy(self.profile)
        form.addRow(format_label, profile_box)

        self.scope_group = QButtonGroup(self)
        code = self._course_code()
        self.scope_course = QRadioButton(
            _("This &course ({code})").format(code=code)
            if code
            else _("This &course (open a course first)")
        )
        self.scope_course.setEnabled(bool(code))
        self.scope_range = QRadioButton(_("Courses &starting between"))
        self.scope_all = QRadioButton(_("&Everything"))
        for i, button in (
            (SCOPE_COURSE, self.scope_course),
            (SCOPE_RANGE, self.scope_range),
            (SCOPE_ALL, self.scope_all),
        ):
            self.scope_group.addButton(button, i)
        (self.scope_course if code else self.scope_all).setChecked(True)
        self.scope_group.idToggled.connect(self._scope_toggled)
        self.date_from = QDateEdit(QDate(self.today.year, 1, 1))
        self.date_to = QDateEdit(QDate(self.today.year, self.today.month, self.today.day))
        range_row = QHBoxLayout()
        range_row.addWidget(self.scope_range)
        for edit in (self.date_from, self.date_to):
            make_typeable(edit)
            edit.dateChanged.connect(self._changed)
        self.date_from.setAccessibleName(_("From"))
        self.date_to.setAccessibleName(_("To"))
        range_row.addWidget(self.date_from)
        range_row.addWidget(QLabel(_("and")))
        range_row.addWidget(self.date_to)
        range_row.addStretch(1)
        scope_box = QVBoxLayout()
        scope_box.addWidget(self.scope_course)
        scope_box.addLayout(range_row)
        scope_box.addWidget(self.scope_all)
        form.addRow(_("Which courses:"), scope_box)

        self.changed_only = QCheckBox(_("&Only people whose details changed since the last upload"))
        self.changed_only.toggled.connect(self._changed)
        self.attendance = QCheckBox(_("Also save the &attendance file (one row for each session)"))
        self.attendance.setChecked(True)
        self.bom = QCheckBox(_("&Make accents show correctly in Excel (adds a byte-order mark)"))
        self.bom.setChecked(True)
        options = QVBoxLayout()
        options.addWidget(self.changed_only)
        self.last_upload = QLabel()
        style.set_tone(self.last_upload, "muted")
        options.addWidget(self.last_upload)
        options.addWidget(self.attendance)
        options.addWidget(self.bom)
        form.addRow(_("Options:"), options)
        self._scope_toggled(self.scope_group.checkedId(), True)
        return form

    def _build_preview(self) -> QWidget:
        box = QWidget()
        layout = QVBoxLayout(box)
        layout.setContentsMargins(0, 0, 0, 0)
        self.counts = QLabel()
        self.counts.setWordWrap(True)
        layout.addWidget(self.counts)
        # What the note sent with the file (its manifest) will say, course by course.
        self.course_counts_model = CourseCountsModel(self)
        self.course_counts = QTableView()
        self.course_counts.setModel(self.course_counts_model)
        self.course_counts.setEditTriggers(QTableView.EditTrigger.NoEditTriggers)
        self.course_counts.verticalHeader().setVisible(False)
        self.course_counts.horizontalHeader().setSectionResizeMode(
            QHeaderView.ResizeMode.ResizeToContents
        )
        self.course_counts.horizontalHeader().setStretchLastSection(False)
        self.course_counts.setAccessibleName(_("People by course"))
        row_height = self.fontMetrics().height() + 8
        self.course_counts.setMaximumHeight(row_height * 5 + 4)
        layout.addWidget(self.course_counts)
        self.preview_model = UploadPreviewModel(self)
        self.preview = QTableView()
        self.preview.setModel(self.preview_model)
        self.preview.setAlternatingRowColors(True)
        self.preview.setEditTriggers(QTableView.EditTrigger.NoEditTriggers)
        self.preview.horizontalHeader().setSectionResizeMode(
            QHeaderView.ResizeMode.ResizeToContents
        )
        self.preview.setAccessibleName(_("Preview of the first rows"))
        self.preview.setMinimumHeight(self.fontMetrics().height() * 6)
        layout.addWidget(self.preview, 1)
        return box

    def _build_target(self) -> QHBoxLayout:
        row = QHBoxLayout()
        label = QLabel(_("Save &to:"))
        self.path = QLineEdit()
        self.path.setAccessibleName(_("File to save"))
        label.setBuddy(self.path)
        self.browse = QPushButton(_("C&hoose…"))
        self.browse.clicked.connect(self.choose_path)
        row.addWidget(label)
        row.addWidget(self.path, 1)
        row.addWidget(self.browse)
        return row

    def _build_progress(self) -> QWidget:
        box = QWidget()
        layout = QVBoxLayout(box)
        layout.setContentsMargins(0, 0, 0, 0)
        self.progress = QProgressBar()
        self.progress.setVisible(False)
        layout.addWidget(self.progress)
        self.outcome.setWordWrap(True)
        self.outcome.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.outcome)
        return box

    def _build_buttons(self) -> QDialogButtonBox:
        buttons = QDialogButtonBox(self)  # in the dialog first, so Export stays its default
        self.export_button = buttons.addButton(_("E&xport"), QDialogButtonBox.ButtonRole.AcceptRole)
        # Not the default button: Enter in a field (the file name) must not write at once.
        self.export_button.setDefault(False)
        self.export_button.setAutoDefault(False)
        self.close_button = buttons.addButton(QDialogButtonBox.StandardButton.Close)
        self.export_button.clicked.connect(self.start_export)
        self.close_button.clicked.connect(self.reject)
        return buttons

    # ------------------------------------------------------------------ state

    def _course_code(self) -> str:
        if self.course_id is None:
            return ""
        from escape_desktop.services.reading import course_code

        return course_code(self.ctx, self.course_id)

    def _load_profiles(self) -> None:
        try:
            found = uploads.profiles(self.ctx)
        except KnownError as e:
            self._show_error(str(e))
            self.export_button.setEnabled(False)
            return
        self.profile.blockSignals(True)
        for name in sorted(found, key=lambda n: (n != "escape-pain-v1", n)):
            self.profile.addItem(found[name].title, name)
        self.profile.blockSignals(False)
        self._profiles = found
        self._profile_changed()

    def profile_name(self) -> str | None:
        return self.profile.currentData()

    def _profile_changed(self, *_args: object) -> None:
        name = self.profile_name()
        profile = getattr(self, "_profiles", {}).get(name)
        if name is None or profile is None:
            return
        self.profile_note.setText(" ".join(profile.description.split()))
        self.attendance.setEnabled(profile.attendance is not None)
        if profile.attendance is None:
            self.attendance.setChecked(False)
        self._show_last_upload(name)
        self._changed()

    def _show_last_upload(self, name: str) -> None:
        last = uploads.batches(self.ctx, name, limit=1)
        if last:
            b = last[0]
            self.last_upload.setText(
                ngettext(
                    "Last upload with this format: {when}, {n} person ({scope}).",
                    "Last upload with this format: {when}, {n} people ({scope}).",
                    b.rows,
                ).format(
                    when=f"{ui_date(b.created_at.date(), 'short')} {b.created_at:%H:%M}",
                    n=b.rows,
                    scope=b.scope,
                )
            )
        else:
            self.last_upload.setText(_("No upload has been made with this format yet."))

    def _scope_toggled(self, button_id: int, checked: bool) -> None:
        if not checked:
            return
        in_range = button_id == SCOPE_RANGE
        self.date_from.setEnabled(in_range)
        self.date_to.setEnabled(in_range)
        self._changed()

    def _changed(self, *_args: object) -> None:
        self.outcome.clear()
        self._refresh.start()

    def scope(self) -> UploadScope:
        which = self.scope_group.checkedId()
        changed = self.changed_only.isChecked()
        if which == SCOPE_COURSE and self.course_id is not None:
            return UploadScope(course_id=self.course_id, changed_only=changed)
        if which == SCOPE_RANGE:
            return UploadScope(
                date_from=_as_date(self.date_from.date()),
                date_to=_as_date(self.date_to.date()),
                changed_only=changed,
            )
        return UploadScope(changed_only=changed)

    def _suggest_path(self) -> None:
        previous = uploads.batches(self.ctx, limit=1)
        folder = Path(previous[0].filename).parent if previous else Path()
        if not previous or not folder.is_dir():
            folder = file_dialogs.start_folder(self.ctx.data_dir)
        self.path.setText(str(folder / f"escape-upload-{self.today:%Y-%m-%d}.csv"))

    def choose_path(self) -> None:
        chosen = file_dialogs.save_file(
            self,
            self.ctx.data_dir,
            _("Save the upload file"),
            self.path.text(),
            _("CSV files (*.csv)"),
        )
        if chosen:
            if not chosen.lower().endswith(".csv"):
                chosen += ".csv"
            self.path.setText(chosen)

    def attendance_path(self) -> Path | None:
        if not self.attendance.isChecked():
            return None
        main = Path(file_dialogs.typed_path(self.path.text()))
        return main.with_name(f"{main.stem}-attendance.csv")

    # ------------------------------------------------------------------ preview

    def update_preview(self) -> None:
        self._refresh.stop()
        if self.profile_name() is None:
            return
        try:
            data = uploads.prepare_upload(
                self.ctx, self.profile_name(), self.scope(), today=self.today
            )
        except KnownError as e:
            self.last_preview = None
            self.preview_model.set_rows([], [])
            self.course_counts_model.set_rows([])
            self.counts.setText(str(e))
            self.export_button.setEnabled(False)
            return
        self.last_preview = data
        self.preview_model.set_rows(data.header, data.rows[:PREVIEW_ROWS])
        self.course_counts_model.set_rows(data.course_counts)
        self.counts.setText(self._counts_text(data))
        self.export_button.setEnabled(bool(data.rows) and self._job is None)

    @staticmethod
    def _counts_text(data: UploadData) -> str:
        n = len(data.rows)
        people = ngettext("{n} person", "{n} people", n).format(n=n)
        if data.courses:
            courses = ngettext("{n} course", "{n} courses", data.courses).format(n=data.courses)
            text = _("<b>{people}</b> will be in the file, from {courses}.").format(
                people=people, courses=courses
            )
        else:
            text = _("<b>{people}</b> will be in the file.").format(people=people)
        left = []
        if data.excluded_no_consent:
            left.append(_("{n} who did not agree to share").format(n=data.excluded_no_consent))
        if data.excluded_not_asked:
            left.append(
                _("{n} not asked yet whether they agree to share").format(n=data.excluded_not_asked)
            )
        if data.excluded_unchanged:
            left.append(
                _("{n} with no changes since the last upload").format(n=data.excluded_unchanged)
            )
        if data.excluded_by_rules:
            left.append(
                _("{n} on courses not started yet or not counted").format(n=data.excluded_by_rules)
            )
        if left:
            text += " " + _("Left out: {list}.").format(list="; ".join(left))
        if n > PREVIEW_ROWS:
            text += " " + _("The first {n} rows are shown below.").format(n=PREVIEW_ROWS)
        elif n == 0:
            text += " " + _("There is nothing to export with these choices.")
        return text

    # ------------------------------------------------------------------ export

    def start_export(self) -> None:
        if self._job is not None:
            return
        target = file_dialogs.typed_path(self.path.text())
        if not target:
            self._show_error(_("Choose where to save the file first (Choose… next to Save to)."))
            self.path.setFocus()
            return
        if refuse_data_folder(self, target, self.ctx.data_dir):
            return
        attendance_target = self.attendance_path()
        there = [
            p
            for p in (Path(target), manifest_path_for(target), attendance_target)
            if p is not None and p.exists()
        ]
        if there and not self._confirm_replace(there[0]):
            return
        ctx, profile, scope = self.ctx, self.profile_name(), self.scope()
        attendance, bom, today = self.attendance_path(), self.bom.isChecked(), self.today

        def work(progress: Any) -> Done[uploads.UploadResult]:
            return uploads.upload(
                ctx,
                target,
                profile_name=profile,
                scope=scope,
                attendance_out=attendance,
                bom=bom,
                today=today,
                progress=progress,
                overwrite=True,  # asked above
            )

        self._set_busy(True)
        self.outcome.setText(_("Saving…"))
        self._job = run_op(
            self,
            work,
            bus=self.bus,
            background=True,
            progress=self._progress,
            success=self._done,
            failure=self._failed,
        )

    def _confirm_replace(self, path: Path) -> bool:
        from PySide6.QtWidgets import QMessageBox

        answer = QMessageBox.question(
            self,
            _("Replace the file?"),
            _(
                "{name} already exists in that folder. Replace it (and the files that go "
                "with it) with the new export?"
            ).format(name=path.name),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No,
        )
        return answer == QMessageBox.StandardButton.Yes

    def _progress(self, done: int, total: int, message: str) -> None:
        self.progress.setMaximum(max(total, 1))
        self.progress.setValue(done)
        self.progress.setFormat(message)

    def _set_busy(self, busy: bool) -> None:
        self.progress.setVisible(busy)
        self.progress.setValue(0)
        for widget in (self.export_button, self.browse, self.path, self.profile):
            widget.setEnabled(not busy)

    def _done(self, result: uploads.UploadResult) -> None:
        self._job = None
        self._set_busy(False)
        self.last_result = result
        if not result.written:
            self.outcome.setText(result.message)
            self.update_preview()
            return
        text = result.message
        if result.attendance_path is not None:
            text += " " + ngettext(
                "Attendance ({n} row): {path}.",
                "Attendance ({n} rows): {path}.",
                result.attendance_rows,
            ).format(n=result.attendance_rows, path=result.attendance_path)
        text += " " + _("Send the file to your programme team by your usual secure route.")
        self.outcome.setText(text)
        style.set_tone(self.outcome, None)
        self._show_last_upload(self.profile_name() or "")
        self.update_preview()  # the changes-only count moves on after an upload

    def _failed(self, error: BaseException) -> None:
        self._job = None
        self._set_busy(False)
        if isinstance(error, KnownError):
            self._show_error(str(error))
        else:
            self._show_error(
                _(
                    "The export stopped unexpectedly; no file was changed. Try again, and if it "
                    "happens again send the log to whoever supports the app ({error})."
                ).format(error=type(error).__name__)
            )
        self.update_preview()

    def _show_error(self, text: str) -> None:
        self.outcome.setText(text)
        style.set_tone(self.outcome, "bad")

    def done(self, code: int) -> None:
        if self._job is not None:
            return  # keep the dialog (and its worker) until the file is saved
        super().done(code)


def open_export_dialog(
    ctx: AppContext, bus: ChangeBus, parent: QWidget | None = None, course_id: int | None = None
) -> ExportDialog:
    """Show the export dialog (modal); returns it once closed, for the caller or a test."""
    dialog = ExportDialog(ctx, bus, parent, course_id)
    dialog.exec()
    return dialog
