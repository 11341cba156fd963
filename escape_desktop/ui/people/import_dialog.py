"""Import a referral list: pick a CSV, see who will be added and which rows have problems, add all at once."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from escape_desktop.context import AppContext
from escape_desktop.db.errors import KnownError
from escape_desktop.programme.nhs import format_nhs_number
from escape_desktop.services.importing import (
    ImportPreview,
    preview_import,
    read_csv_text,
)
from escape_desktop.ui.common import error_dialog, file_dialogs
from escape_desktop.ui.common.change_bus import ChangeBus
from escape_desktop.ui.common.rows_model import RowsModel
from escape_desktop.ui.people.people_ops import PeopleOps

HELP = (
    "A CSV file, such as a spreadsheet saved as CSV. Its first row names the columns: a first "
    "name and a last name (or surname) are needed; date of birth, NHS number, phone, email, "
    "joints, referred by, consent and notes are used when present."
)


def _table(model: RowsModel) -> QTableView:
    view = QTableView()
    view.setModel(model)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.verticalHeader().setVisible(False)
    view.horizontalHeader().setStretchLastSection(True)
    view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    return view


class ImportDialog(QDialog):
    def __init__(
        self,
        ctx: AppContext,
        bus: ChangeBus,
        course_id: int,
        course_code: str,
        parent: QWidget | None = None,
        path: str | Path | None = None,
    ):
        super().__init__(parent)
        self.ctx = ctx
        self.bus = bus
        self.course_id = course_id
        self.preview: ImportPreview | None = None
        self.added: list[int] = []
        self.setWindowTitle(f"Import a referral list onto {course_code}")
        self._build()
        if path is not None:
            self.path.setText(str(path))
            self.load()

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        help_label = QLabel(HELP)
        help_label.setObjectName("hint")
        help_label.setWordWrap(True)
        layout.addWidget(help_label)
        row = QHBoxLayout()
        self.path = QLineEdit()
        self.path.setPlaceholderText("Choose a CSV file")
        self.path.returnPressed.connect(self.load)
        browse = QPushButton("Choose file…")
        browse.clicked.connect(self._browse)
        row.addWidget(self.path, 1)
        row.addWidget(browse)
        layout.addLayout(row)
        self.all_consented = QCheckBox(
            "Everyone on this list has agreed to take part (for rows with a blank consent cell)"
        )
        self.all_consented.toggled.connect(lambda _c: self.load() if self.path.text() else None)
        layout.addWidget(self.all_consented)
        self.summary = QLabel("")
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)
        self.good_label = QLabel("Will be added")
        self.good_model = RowsModel(
            ("Line", "Name", "Date of birth", "NHS number", "Referred by"), self
        )
        self.good_view = _table(self.good_model)
        self.bad_label = QLabel("Rows with problems (left out)")
        self.bad_label.setObjectName("error")
        self.bad_model = RowsModel(("Line", "Problem", "Row"), self)
        self.bad_view = _table(self.bad_model)
        # Each problem is read whole: it wraps in its column instead of running off the side.
        self.bad_view.setWordWrap(True)
        bad_header = self.bad_view.horizontalHeader()
        bad_header.setStretchLastSection(False)
        bad_header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        bad_header.setSectionResizeMode(2, QHeaderView.ResizeMode.Interactive)
        bad_header.resizeSection(2, self.fontMetrics().horizontalAdvance("M") * 14)
        self.bad_view.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        layout.addWidget(self.good_label)
        layout.addWidget(self.good_view, 1)
        layout.addWidget(self.bad_label)
        layout.addWidget(self.bad_view, 1)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.add_button = self.buttons.addButton(
            "Add these people", QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.add_button.setEnabled(False)
        self.buttons.accepted.connect(self._import)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.resize(
            self.fontMetrics().horizontalAdvance("M") * 60, self.fontMetrics().height() * 32
        )

    def _browse(self) -> None:
        name = file_dialogs.open_file(
            self, self.ctx.data_dir, "Referral list", "CSV files (*.csv *.txt);;All files (*)"
        )
        if name:
            self.path.setText(name)
            self.load()

    def load(self) -> None:
        self.preview = None
        self.good_model.set_rows([])
        self.bad_model.set_rows([])
        self.add_button.setEnabled(False)
        try:
            text = read_csv_text(self.path.text().strip())
            self.preview = preview_import(
                self.ctx, self.course_id, text, all_consented=self.all_consented.isChecked()
            )
        except KnownError as e:
            self.summary.setText(str(e))
            self.summary.setObjectName("error")
            self.summary.setStyleSheet("")
            return
        except Exception as e:
            error_dialog.report(self, e)
            return
        p = self.preview
        self.summary.setObjectName("")
        self.summary.setStyleSheet("")
        text = p.summary()
        if p.ignored_columns:
            text += f" Columns not used: {', '.join(p.ignored_columns)}."
        self.summary.setText(text)
        self.good_model.set_rows(
            [
                (
                    str(r.line),
                    r.name,
                    r.values["date_of_birth"].strftime("%d %b %Y")
                    if r.values["date_of_birth"]
                    else "",
                    format_nhs_number(r.values["nhs_number"]) if r.values["nhs_number"] else "",
                    r.values["referral_source"],
                )
                for r in p.good
            ]
        )
        self.bad_model.set_rows([(str(b.line), b.reason, b.text) for b in p.bad])
        self.bad_label.setVisible(bool(p.bad))
        self.bad_view.setVisible(bool(p.bad))
        self.add_button.setText(f"Add {len(p.good)} {'person' if len(p.good) == 1 else 'people'}")
        self.add_button.setEnabled(p.can_import)

    def _import(self) -> None:
        if self.preview is None or not self.preview.can_import:
            return
        ids = PeopleOps(self.ctx, self.bus, self).import_list(self.preview)
        if ids is None:
            self.load()  # the list or the course may have changed meanwhile
            return
        self.added = ids
        self.accept()
