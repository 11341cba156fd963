"""Backups & restore: the list of backups, back up now, restore one, and where copies go."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from escape_desktop.context import AppContext
from escape_desktop.i18n import N_, _, ui_date
from escape_desktop.services import backups, data_safety, safety_settings
from escape_desktop.ui.common import error_dialog, file_dialogs, style
from escape_desktop.ui.common.announce import LiveLabel
from escape_desktop.ui.common.change_bus import ChangeBus
from escape_desktop.ui.common.operation import run_exclusive, run_op
from escape_desktop.ui.common.rows_model import ListModel
from escape_desktop.ui.common.save_guard import refuse_data_folder

ModelIndex = QModelIndex | QPersistentModelIndex


def size_text(n: int) -> str:
    if n >= 1_048_576:
        return _("{size} MB").format(size=f"{n / 1_048_576:.1f}")
    return _("{size} KB").format(size=max(1, n // 1024))


def when_text(at: Any) -> str:
    """A backup's day and time, the day in the window's language: "7 Dec 2026 18:30"."""
    return f"{ui_date(at.date(), 'short')} {at:%H:%M}"


class BackupsModel(ListModel):
    COL_WHEN, COL_KIND, COL_SIZE, COL_WHERE = range(4)
    TITLES = (N_("Made"), N_("Why"), N_("Size"), N_("Where"))

    def __init__(self, data_dir: Path, parent: Any = None):
        super().__init__(parent)
        self.data_dir = Path(data_dir)

    rows: list[backups.BackupInfo]

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        title = super().headerData(section, orientation, role)
        return _(title) if isinstance(title, str) else title

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        b = self.row_at(index)
        if b is None:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            col = index.column()
            if col == self.COL_WHEN:
                return when_text(b.made_at)
            if col == self.COL_KIND:
                return b.label
            if col == self.COL_SIZE:
                return size_text(b.size)
            if col == self.COL_WHERE:
                local = b.path.parent == backups.backups_folder(self.data_dir)
                if local:
                    return _("this laptop")
                if b.laptop:  # a shared folder: which laptop made it
                    folder = b.path.parent
                    if folder.name.startswith(backups.LAPTOP_PREFIX):
                        folder = folder.parent
                    return _("{laptop}, in {folder}").format(laptop=b.laptop, folder=folder)
                return str(b.path.parent)
        if role == Qt.ItemDataRole.ToolTipRole:
            return str(b.path)
        if role == Qt.ItemDataRole.UserRole:
            return b
        return None


class BackupsDialog(QDialog):
    def __init__(self, ctx: AppContext, bus: ChangeBus, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.bus = bus
        self.busy = False
        self._job: object | None = None
        self.setWindowTitle(_("Backups & restore"))
        style.fit_to_screen(self, 760, 520)
        layout = QVBoxLayout(self)
        intro = QLabel(
            _(
                "A checked backup is made when the app closes and every 30 minutes while you "
                "work. Old ones are thinned: one a day for two weeks, one a week for three "
                "months, then one a month for a year. Backups are locked with the same "
                "passphrase as the data."
            )
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self._build_table(layout)
        self._build_actions(layout)
        self._build_settings(layout)
        self.progress = QProgressBar()
        self.progress.setVisible(False)
        self.status = LiveLabel("")
        self.status.setWordWrap(True)
        layout.addWidget(self.progress)
        layout.addWidget(self.status)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        layout.addWidget(close)
        self.refresh()

    def _build_table(self, layout: QVBoxLayout) -> None:
        self.model = BackupsModel(self.ctx.data_dir, self)
        self.table = QTableView()
        self.table.setAccessibleName(_("Backups"))
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(BackupsModel.COL_WHERE, QHeaderView.ResizeMode.Stretch)
        layout.addWidget(self.table, 1)

    def _build_actions(self, layout: QVBoxLayout) -> None:
        row = QHBoxLayout()
        self.backup_button = QPushButton(_("&Back up now"))
        self.backup_button.clicked.connect(self.backup_now)
        self.restore_button = QPushButton(_("&Restore the chosen backup…"))
        self.restore_button.clicked.connect(self.restore_selected)
        self.restore_file_button = QPushButton(_("Restore from a &file…"))
        self.restore_file_button.clicked.connect(self.restore_from_file)
        for b in (self.backup_button, self.restore_button, self.restore_file_button):
            row.addWidget(b)
        row.addStretch(1)
        layout.addLayout(row)

    def _build_settings(self, layout: QVBoxLayout) -> None:
        current = safety_settings.get_settings(self.ctx)
        form = QFormLayout()
        folder_row = QHBoxLayout()
        self.folder = QLineEdit(current.backup_folder)
        self.folder.setAccessibleName(_("Second copy folder"))
        self.folder.setPlaceholderText(_("None: backups stay on this laptop only"))
        self.folder.setReadOnly(True)
        choose = QPushButton(_("&Choose…"))
        choose.clicked.connect(self.choose_folder)
        clear = QPushButton(_("&Stop copying"))
        clear.clicked.connect(lambda: self.set_folder(""))
        folder_row.addWidget(self.folder, 1)
        folder_row.addWidget(choose)
        folder_row.addWidget(clear)
        form.addRow(_("Also copy to (USB stick)"), folder_row)
        # Whether the stick is in now: said before a backup finds out
        self.folder_note = QLabel("")
        self.folder_note.setWordWrap(True)
        self.folder_note.setVisible(False)
        form.addRow(self.folder_note)
        self.idle = QSpinBox()
        self.idle.setRange(0, 240)
        self.idle.setSuffix(" " + _("minutes"))
        self.idle.setSpecialValueText(_("never"))
        self.idle.setValue(current.idle_lock_minutes)
        self.idle.setMaximumWidth(160)
        self.idle.editingFinished.connect(self.save_idle)
        lock_label = QLabel(_("&Lock when left alone for"))
        lock_label.setBuddy(self.idle)
        form.addRow(lock_label, self.idle)
        layout.addLayout(form)

    # --- actions --------------------------------------------------------------------------
    def show_folder_state(self) -> None:
        """The folder where the stick is today, or a sentence when it is not plugged in."""
        place = safety_settings.find_backup_folder(self.ctx)
        if place is not None and place.folder is not None:
            self.folder.setText(str(place.folder))
        out = place.out if place is not None else ""
        self.folder_note.setText(out)
        self.folder_note.setVisible(bool(out))

    def refresh(self) -> None:
        self.show_folder_state()
        self.model.set_rows(backups.list_all_backups(self.ctx))
        if self.model.rowCount():
            self.table.selectRow(0)
        self.restore_button.setEnabled(self.model.rowCount() > 0 and not self.busy)

    def selected(self) -> backups.BackupInfo | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.rows[rows[0].row()] if rows else None

    def _set_busy(self, busy: bool) -> None:
        self.busy = busy
        for b in (self.backup_button, self.restore_button, self.restore_file_button):
            b.setEnabled(not busy)
        self.progress.setVisible(busy)
        if busy:
            self.progress.setRange(0, 0)

    def _on_progress(self, done: int, total: int, message: str) -> None:
        self.progress.setRange(0, total)
        self.progress.setValue(done)
        self.status.setText(message)

    def backup_now(self) -> None:
        if self.busy:
            return
        self._set_busy(True)
        self.status.setText(_("Making a backup…"))

        def done(result: Any) -> None:  # the Done's value: a backups.BackupResult
            self._set_busy(False)
            text = _("Backup made: {file}.").format(file=result.path.name)
            if result.copied_to:
                text += " " + _("A copy is in {folder}.").format(folder=result.copied_to.parent)
            for w in result.warnings:
                text += f" {w}"
            self.status.setText(text)
            self.refresh()  # and a stick found under another drive letter: where it is now

        def failed(e: BaseException) -> None:
            self._set_busy(False)
            self.status.setText("")
            error_dialog.report(self, e, _("The backup was not made"))

        # A backup changes no data the screens show: the service announces nothing.
        self._job = run_op(
            self,
            lambda progress: data_safety.backup_now(self.ctx, "manual", progress=progress),
            bus=self.bus,
            background=True,
            progress=self._on_progress,
            success=done,
            failure=failed,
        )

    def restore_selected(self) -> None:
        chosen = self.selected()
        if chosen is not None:
            other = bool(
                chosen.laptop and chosen.path.parent.name.startswith(backups.LAPTOP_PREFIX)
            )  # another laptop sharing the folder
            when = _("{date} at {time}").format(
                date=ui_date(chosen.made_at.date(), "long"), time=f"{chosen.made_at:%H:%M}"
            )
            what = (
                _("the backup made on {laptop} from {when}").format(laptop=chosen.laptop, when=when)
                if other
                else _("the backup from {when}").format(when=when)
            )
            self.restore(chosen.path, what, laptop=chosen.laptop if other else "")

    def restore_from_file(self) -> None:
        path = file_dialogs.open_file(
            self,
            self.ctx.data_dir,
            _("Choose a backup"),
            _("Backups (*.db)"),
            start=backups.backups_folder(self.ctx.data_dir),
        )
        if path:
            self.restore(Path(path), Path(path).name)

    def confirm_restore(self, what: str) -> bool:
        answer = QMessageBox.question(
            self,
            _("Restore a backup"),
            _("Put {what} in place of the current data?").format(what=what)
            + "\n\n"
            + _(
                "Anything entered since then will not be in it. The current data is backed up "
                "first, so this can be undone by restoring that backup."
            ),
        )
        return answer == QMessageBox.StandardButton.Yes

    def restore(self, path: Path, what: str, laptop: str = "") -> None:
        if self.busy:
            return
        other_key = backups.made_under_another_key(self.ctx, path, laptop)
        if other_key:  # said before the question, not as "damaged" after it
            QMessageBox.information(self, _("Restore a backup"), other_key)
            return
        if not self.confirm_restore(what):
            return
        self._set_busy(True)

        def restored(kept: Path | None) -> None:
            self._set_busy(False)
            self.status.setText(
                _("Restored {what}. The data it replaced is kept as {kept}.").format(
                    what=what, kept=kept.name
                )
                if kept
                else _("Restored {what}. The data it replaced is kept in a file beside it.").format(
                    what=what
                )
            )
            self.refresh()

        def failed(e: BaseException) -> None:
            self._set_busy(False)
            error_dialog.report(self, e, _("The backup was not restored"))

        # Exclusive: a modal progress covers the window and nothing else is saved meanwhile.
        self._job = run_exclusive(
            self,
            lambda progress: data_safety.restore(self.ctx, path, progress=progress),
            bus=self.bus,
            doing=data_safety.RESTORING,
            sentence=data_safety.wait_sentence(data_safety.RESTORING),
            success=restored,
            failure=failed,
        )

    def choose_folder(self) -> None:
        path = file_dialogs.choose_folder(
            self, self.ctx.data_dir, _("Where should copies of backups go?")
        )
        if path:
            self.set_folder(path)

    def set_folder(self, path: str) -> None:
        if refuse_data_folder(self, path, self.ctx.data_dir):
            return  # copies inside the data folder would be lost with it
        if run_op(
            self,
            lambda: data_safety.set_backup_folder(self.ctx, path),
            bus=self.bus,
        ).ok:
            self.folder.setText(path)
            self.refresh()

    def save_idle(self) -> None:
        minutes = self.idle.value()
        run_op(
            self,
            lambda: data_safety.set_idle_lock_minutes(self.ctx, minutes),
            bus=self.bus,
        )
