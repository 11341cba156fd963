"""Retention & erase: how long records are kept, deleting people past it, and one person's
rights (everything about them to a file, or erasing them on request)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from escape_desktop.context import AppContext
from escape_desktop.i18n import N_, _, ngettext, ui_date
from escape_desktop.services import reading, retention, safety_settings
from escape_desktop.ui.common import file_dialogs, style
from escape_desktop.ui.common.change_bus import ChangeBus
from escape_desktop.ui.common.operation import run_op
from escape_desktop.ui.common.rows_model import ROW_DATA_ROLE, RowsModel
from escape_desktop.ui.common.save_guard import refuse_data_folder

TAB_RETENTION, TAB_PERSON = range(2)
# A person's status on their course, in the window's language.
STATUS_TEXT = {
    "enrolled": N_("Enrolled"),
    "active": N_("Active"),
    "completed": N_("Completed"),
    "withdrawn": N_("Withdrawn"),
    "did_not_start": N_("Did not start"),
    "": N_("Not on a course"),
}


def _table(model: RowsModel) -> QTableView:
    view = QTableView()
    view.setModel(model)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.verticalHeader().setVisible(False)
    view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
    return view


class RetentionDialog(QDialog):
    def __init__(
        self,
        ctx: AppContext,
        bus: ChangeBus,
        parent: QWidget | None = None,
        *,
        tab: int = TAB_RETENTION,
        today: date | None = None,
    ):
        super().__init__(parent)
        self.ctx = ctx
        self.bus = bus
        self.today = today
        self.setWindowTitle(_("Retention & erase"))
        style.fit_to_screen(self, 760, 520)
        self.tabs = QTabWidget()
        self.tabs.addTab(self._build_retention(), _("&Keeping records"))
        self.tabs.addTab(self._build_person(), _("&One person's records"))
        self.tabs.setCurrentIndex(tab)
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        layout.addWidget(close)
        self.refresh_due()
        self.search_people()

    # --- keeping records ------------------------------------------------------------------
    def _build_retention(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        intro = QLabel(
            _(
                "Health records are usually kept for 8 years after someone's last course. "
                "People whose last course ended longer ago than this are listed below; "
                "deleting them removes every record about them for good."
            )
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        form = QFormLayout()
        self.years = QSpinBox()
        self.years.setRange(1, 100)
        self.years.setSuffix(" " + _("years after the last course"))
        self.years.setMaximumWidth(280)
        self.years.setValue(safety_settings.get_settings(self.ctx).retention_years)
        self.years.editingFinished.connect(self.save_years)
        keep_label = QLabel(_("Keep records &for"))
        keep_label.setBuddy(self.years)
        form.addRow(keep_label, self.years)
        layout.addLayout(form)
        self.due_model = RowsModel(
            (_("Code"), _("Name"), _("Last course ended"), _("Courses")), self
        )
        self.due_table = _table(self.due_model)
        self.due_table.setAccessibleName(_("Due to be erased"))
        layout.addWidget(self.due_table, 1)
        row = QHBoxLayout()
        self.due_label = QLabel("")
        self.purge_button = QPushButton(_("&Delete these people for good…"))
        self.purge_button.clicked.connect(self.purge)
        row.addWidget(self.due_label, 1)
        row.addWidget(self.purge_button)
        layout.addLayout(row)
        return page

    def save_years(self) -> None:
        years = self.years.value()
        if run_op(
            self,
            lambda: safety_settings.set_retention_years(self.ctx, years),
            bus=self.bus,
        ).ok:
            self.refresh_due()

    def refresh_due(self) -> None:
        due = retention.purge_candidates(self.ctx, self.today)
        self.due_model.set_rows(
            [
                (
                    c.code,
                    c.name,
                    ui_date(c.last_course_ended, "short")
                    if c.last_course_ended
                    else _("no course"),
                    str(c.courses),
                )
                for c in due
            ],
            due,
        )
        self.due_label.setText(
            ngettext(
                "{n} person is past the keeping period.",
                "{n} people are past the keeping period.",
                len(due),
            ).format(n=len(due))
            if due
            else _("Nobody is past the keeping period.")
        )
        self.purge_button.setEnabled(bool(due))

    def purge(self) -> None:
        n = self.due_model.rowCount()
        answer = QMessageBox.question(
            self,
            _("Delete for good"),
            ngettext(
                "Delete {n} person and every record about them (register, exercise records, "
                "measures)? This cannot be undone; backups older than today still hold them "
                "until they are thinned out within a year.",
                "Delete {n} people and every record about them (register, exercise records, "
                "measures)? This cannot be undone; backups older than today still hold them "
                "until they are thinned out within a year.",
                n,
            ).format(n=n),
        )
        if answer != QMessageBox.StandardButton.Yes:
            return
        if run_op(
            self,
            lambda: retention.purge(self.ctx, today=self.today),
            bus=self.bus,
        ).ok:
            self.refresh_due()
            self.search_people()

    # --- one person -----------------------------------------------------------------------
    def _build_person(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        intro = QLabel(
            _(
                "Find the person, then either save everything held about them to a file (when "
                "they ask to see it), or erase them (when they ask to be forgotten)."
            )
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.search = QLineEdit()
        self.search.setAccessibleName(_("Find the person"))
        self.search.setPlaceholderText(_("Name, code, NHS number or phone"))
        self.search.setClearButtonEnabled(True)
        layout.addWidget(self.search)
        self.people_model = RowsModel(
            (_("Code"), _("Name"), _("Born"), _("Course"), _("Status")), self
        )
        self.people_table = _table(self.people_model)
        self.people_table.setAccessibleName(_("People found"))
        layout.addWidget(self.people_table, 1)
        row = QHBoxLayout()
        self.export_button = QPushButton(_("&Save everything about them…"))
        self.export_button.clicked.connect(self.export_person)
        self.erase_button = QPushButton(_("&Erase them…"))
        self.erase_button.clicked.connect(self.erase_person)
        row.addStretch(1)
        row.addWidget(self.export_button)
        row.addWidget(self.erase_button)
        layout.addLayout(row)
        self._debounce = QTimer(self, singleShot=True, interval=250)
        self._debounce.timeout.connect(self.search_people)
        self.search.textChanged.connect(lambda _t: self._debounce.start())
        return page

    def search_people(self) -> None:
        hits = reading.find_people(self.ctx, self.search.text())
        seen: dict[int, reading.ParticipantHit] = {}
        for h in hits:
            seen.setdefault(h.participant_id, h)
        people = list(seen.values())
        self.people_model.set_rows(
            [
                (
                    h.code,
                    h.name,
                    ui_date(h.date_of_birth, "short") if h.date_of_birth else "",
                    h.course_code,
                    _(STATUS_TEXT[h.status]) if h.status in STATUS_TEXT else h.status,
                )
                for h in people
            ],
            people,
        )
        if people:
            self.people_table.selectRow(0)
        self.export_button.setEnabled(bool(people))
        self.erase_button.setEnabled(bool(people))

    def chosen_person(self) -> reading.ParticipantHit | None:
        rows = self.people_table.selectionModel().selectedRows()
        if not rows:
            return None
        return self.people_model.data(rows[0], ROW_DATA_ROLE)

    def export_path(self, hit: reading.ParticipantHit) -> str:
        path = file_dialogs.save_file(
            self,
            self.ctx.data_dir,
            _("Save everything about this person"),
            f"{hit.code}.json",
            _("JSON (*.json)"),
        )
        return path

    def export_person(self) -> None:
        hit = self.chosen_person()
        if hit is None:
            return
        path = self.export_path(hit)
        if not path or refuse_data_folder(self, path, self.ctx.data_dir):
            return
        run_op(
            self,
            lambda: retention.save_subject_access(self.ctx, hit.participant_id, Path(path)),
            bus=self.bus,
        )

    def erase_reason(self, hit: reading.ParticipantHit) -> tuple[str, bool]:
        return QInputDialog.getText(
            self,
            _("Erase a person"),
            _("Erase {name} ({code}) and every record about them? This cannot be undone.").format(
                name=hit.name, code=hit.code
            )
            + "\n\n"
            + _("Why (for the log; do not type their name):"),
        )

    def erase_person(self) -> None:
        hit = self.chosen_person()
        if hit is None:
            return
        reason, ok = self.erase_reason(hit)
        if not ok:
            return
        if run_op(
            self,
            lambda: retention.erase_participant(self.ctx, hit.participant_id, reason),
            bus=self.bus,
        ).ok:
            self.search_people()
            self.refresh_due()
