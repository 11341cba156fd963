"""Import a referral list: the file is read again whenever its name changes, and only what is shown is added.

The Columns tab shows how each column of the list is read; the instructor confirms or
changes any the app guessed from its words or could not place, and the choice is kept for
the referrer's next list.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEvent, QModelIndex, QPersistentModelIndex, QRect, Qt, QTimer
from PySide6.QtGui import QGuiApplication, QKeyEvent, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from escape_desktop.context import AppContext
from escape_desktop.errors import KnownError
from escape_desktop.i18n import N_, _, ngettext, ui_date
from escape_desktop.programme.nhs import format_nhs_number
from escape_desktop.services.importing import (
    ColumnMatch,
    DuplicateRow,
    ImportPreview,
    ImportRow,
    MissingColumns,
    ReferralTable,
    column_choices,
    columns_for_referrer,
    forget_columns,
    preview_import,
    read_referral_file,
    referrer_for_header,
    referrers_for_header,
    remember_columns,
    save_problems_csv,
    saved_referrers,
)
from escape_desktop.ui.common import error_dialog, file_dialogs, style
from escape_desktop.ui.common.change_bus import ChangeBus
from escape_desktop.ui.common.rows_model import ListModel, RowsModel
from escape_desktop.ui.common.save_guard import refuse_data_folder
from escape_desktop.ui.people.people_ops import PeopleOps

HELP = N_(
    "A referral list saved as CSV or Excel (.xlsx), as GP and physiotherapy systems export "
    "it. A row names the columns (a title above it is skipped); a first name (forename) and "
    "a last name (surname), or one whole-name column, are needed, and the Columns tab lets "
    "you say which column is which."
)
NOT_USED = ""  # the Columns tab's choice for a column the app does not keep
CONSENT_HINT = N_(
    "Leave a box unticked to keep each person's answer as the list gives it; a blank cell "
    "means not asked yet, and the register reminds you to ask at the first session."
)
DEBOUNCE_MS = 400  # typing a path: read the file once the typing pauses

# The choices for someone who may already be on file, in the instructor's words.
LEAVE_OUT = "leave"
ENROL_EXISTING = "existing"
ADD_AS_NEW = "new"
ADD_FOR_REVIEW = "review"  # someone to confirm, added as "needs review before starting"


@dataclass(frozen=True)
class ProblemLine:
    """One problem of one row: rows with several problems show one line each."""

    line: int
    name: str
    problem: str


class ProblemsModel(ListModel):
    """The rows that will be left out, one problem a line, in the enrol dialog's words."""

    TITLES: tuple[str, ...] = (N_("Line"), N_("Name"), N_("Problem"))

    def __init__(self, parent: Any = None):
        super().__init__(parent)
        self.TITLES = tuple(_(t) for t in type(self).TITLES)  # in the window's language

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = 0) -> Any:
        row = self.row_at(index)
        if row is None:
            return None
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return (str(row.line), row.name or _("(no name)"), row.problem)[index.column()]
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() == 0:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def as_text(self, rows: list[int]) -> str:
        """The chosen rows as tab-separated text, with the titles, for pasting into an email."""
        lines = ["\t".join(self.TITLES)]
        for r in sorted(set(rows)):
            p = self.rows[r]
            lines.append(f"{p.line}\t{p.name}\t{p.problem}")
        return "\n".join(lines) + "\n"


class ProblemsView(QTableView):
    """The problems table; Ctrl+C copies the selected rows (all rows when none is selected)."""

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.matches(QKeySequence.StandardKey.Copy):
            self.copy_rows()
            return
        super().keyPressEvent(event)

    def copy_rows(self) -> str:
        model = self.model()
        assert isinstance(model, ProblemsModel)
        rows = [i.row() for i in self.selectionModel().selectedRows()] or list(
            range(model.rowCount())
        )
        text = model.as_text(rows)
        QGuiApplication.clipboard().setText(text)
        return text

    def visible_rows(self) -> int:
        """How many rows can be read whole without scrolling."""
        height = self.viewport().height()
        row_height = self.verticalHeader().defaultSectionSize()
        return height // max(1, row_height)


def _table(model: Any, view: QTableView | None = None) -> QTableView:
    view = view or QTableView()
    view.setModel(model)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.verticalHeader().setVisible(False)
    view.horizontalHeader().setStretchLastSection(True)
    view.setWordWrap(False)
    view.setTextElideMode(Qt.TextElideMode.ElideRight)
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
        self._shown_for: tuple[str, bool, bool] | None = None  # what the preview was read from
        self.added: list[int] = []
        self.choices: dict[int, QComboBox] = {}  # duplicate's line -> its choice
        self.table: ReferralTable | None = None  # the list as read, for reading it again
        self._table_path = ""
        self.chosen_columns: dict[str, str] = {}  # header -> detail, as the instructor chose
        self.column_boxes: dict[int, QComboBox] = {}  # column index -> its choice
        self.matches: list[ColumnMatch] = []
        self.setWindowTitle(_("Import a referral list onto {code}").format(code=course_code))
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(DEBOUNCE_MS)
        self._debounce.timeout.connect(self.load_if_changed)
        self._build()
        self._fit_to_screen()
        if path is not None:
            self.path.setText(str(path))
            self.load()

    # --- building ----------------------------------------------------------------------
    def _build(self) -> None:
        # All but the buttons scrolls: at 200 % scaling the screen is 384 points high, less
        # than the problems table alone keeps.
        body = QWidget()
        layout = QVBoxLayout(body)
        layout.setContentsMargins(0, 0, 0, 0)
        help_label = QLabel(_(HELP))
        help_label.setObjectName("hint")
        help_label.setWordWrap(True)
        layout.addWidget(help_label)
        row = QHBoxLayout()
        self.path = QLineEdit()
        self.path.setPlaceholderText(_("Choose a CSV or Excel file, or type or paste its name"))
        self.path.setAccessibleName(_("Referral list file"))
        # Any change of the name makes the preview stale at once; the file is read again
        # when typing pauses, and straight away on Return, Tab or leaving the box.
        self.path.textChanged.connect(self._on_path_edited)
        self.path.editingFinished.connect(self.load_if_changed)
        self.browse = QPushButton(_("Choose file…"))
        self.browse.setAutoDefault(False)
        self.browse.clicked.connect(self._browse)
        row.addWidget(self.path, 1)
        row.addWidget(self.browse)
        layout.addLayout(row)
        who = QHBoxLayout()
        self.referrer = QComboBox()
        self.referrer.setEditable(True)
        self.referrer.addItems(saved_referrers(self.ctx))
        self.referrer.setCurrentText("")
        self.referrer.setAccessibleName(_("Who sent the list"))
        self.referrer.setToolTip(
            _("The columns you confirm are kept for this referrer's next list")
        )
        line_edit = self.referrer.lineEdit()
        if line_edit is not None:
            line_edit.setPlaceholderText(_("e.g. Demo Health Centre (optional)"))
        self.referrer.activated.connect(lambda _i: self._use_referrer())
        referrer_label = QLabel(_("&From:"))
        referrer_label.setBuddy(self.referrer)
        who.addWidget(referrer_label)
        who.addWidget(self.referrer, 1)
        layout.addLayout(who)
        self.all_consented = QCheckBox(_("Everyone on this list agreed to take part"))
        self.all_share = QCheckBox(_("Everyone agreed to share coded data for the central upload"))
        for box in (self.all_consented, self.all_share):
            box.toggled.connect(lambda _on: self.load())
            layout.addWidget(box)
        consent_hint = QLabel(_(CONSENT_HINT))
        consent_hint.setObjectName("hint")
        consent_hint.setWordWrap(True)
        layout.addWidget(consent_hint)
        self.summary = QLabel("")
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.summary)
        self.consents = QLabel("")
        self.consents.setWordWrap(True)
        layout.addWidget(self.consents)
        self.notes = QLabel("")
        self.notes.setObjectName("hint")
        self.notes.setWordWrap(True)
        layout.addWidget(self.notes)
        self.tabs = QTabWidget()
        self._build_columns_tab()
        self._build_good_tab()
        self._build_problems_tab()
        self._build_duplicates_tab()
        self._build_confirm_tab()
        layout.addWidget(self.tabs, 1)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.add_button = self.buttons.addButton(
            _("Add these people"), QDialogButtonBox.ButtonRole.AcceptRole
        )
        # Return in the file box must never add anyone: no button is the default.
        for b in self.buttons.buttons():
            if isinstance(b, QPushButton):
                b.setAutoDefault(False)
                b.setDefault(False)
        self.add_button.setEnabled(False)
        self.buttons.accepted.connect(self._import)
        self.buttons.rejected.connect(self.reject)
        outer = QVBoxLayout(self)
        outer.addWidget(style.scroll_of(body, _("Referral list")), 1)
        outer.addWidget(self.buttons)

    def _build_columns_tab(self) -> None:
        self.columns_area = QScrollArea()
        self.columns_area.setWidgetResizable(True)
        self.columns_tab = QWidget()
        box = QVBoxLayout(self.columns_tab)
        box.setContentsMargins(0, 0, 0, 0)
        box.addWidget(self.columns_area, 1)
        row = QHBoxLayout()
        # A referrer typed wrongly once, or a practice that changed system, stays in the
        # "From" list and is picked for lists it no longer fits: it can be forgotten here.
        self.forget_referrer = QPushButton(_("Forget this referrer's columns"))
        self.forget_referrer.setAutoDefault(False)
        self.forget_referrer.setAccessibleName(_("Forget the columns kept for this referrer"))
        self.forget_referrer.clicked.connect(self._forget_referrer)
        self.forgotten = QLabel("")
        self.forgotten.setObjectName("hint")
        self.forgotten.setWordWrap(True)
        row.addWidget(self.forget_referrer)
        row.addWidget(self.forgotten, 1)
        box.addLayout(row)
        self.tabs.addTab(self.columns_tab, _("Columns"))
        self.referrer.currentTextChanged.connect(lambda _t: self._update_forget())
        self._set_columns([])
        self._update_forget()

    def _update_forget(self) -> None:
        name = self.referrer.currentText().strip()
        self.forget_referrer.setEnabled(bool(name) and name in saved_referrers(self.ctx))

    def _forget_referrer(self) -> None:
        name = self.referrer.currentText().strip()
        try:
            forgotten = forget_columns(self.ctx, name)
        except KnownError as e:
            self.forgotten.setText(str(e))
            return
        if not forgotten:
            return
        at = self.referrer.findText(name)
        if at >= 0:
            self.referrer.removeItem(at)
        self.referrer.setCurrentText("")
        self.forgotten.setText(
            _(
                "The columns kept for {name} are forgotten; this list is read by its headings."
            ).format(name=name)
        )
        self.chosen_columns = {}
        self.read_again()
        self.tabs.setCurrentWidget(self.columns_tab)
        self._update_forget()

    def _build_good_tab(self) -> None:
        self.good_model = RowsModel(
            (
                _("Line"),
                _("Name"),
                _("Date of birth"),
                _("Sex"),
                _("NHS number"),
                _("Take part"),
                _("Share"),
                _("To confirm"),
            ),
            self,
        )
        self.good_view = _table(self.good_model)
        self.good_view.setAccessibleName(_("People to add"))
        self.good_view.horizontalHeader().setSectionResizeMode(
            QHeaderView.ResizeMode.ResizeToContents
        )
        self.tabs.addTab(self.good_view, _("Will be added"))

    def _build_problems_tab(self) -> None:
        page = QWidget()
        column = QVBoxLayout(page)
        top = QHBoxLayout()
        self.bad_label = QLabel(
            _(
                "These rows are left out. Send them back to the referrer to correct, or enrol "
                "the people one by one. Ctrl+C copies the chosen rows."
            )
        )
        self.bad_label.setWordWrap(True)
        self.save_problems = QPushButton(_("Save for the referrer…"))
        self.save_problems.setAutoDefault(False)
        self.save_problems.setToolTip(_("Save the rows with problems as a CSV file to send back"))
        self.save_problems.clicked.connect(self._save_problems)
        top.addWidget(self.bad_label, 1)
        top.addWidget(self.save_problems, 0, Qt.AlignmentFlag.AlignTop)
        column.addLayout(top)
        self.saved_note = QLabel("")
        self.saved_note.setObjectName("hint")
        column.addWidget(self.saved_note)
        self.bad_model = ProblemsModel(self)
        self.bad_view = _table(self.bad_model, ProblemsView())
        self.bad_view.setAccessibleName(_("Lines with problems"))
        assert isinstance(self.bad_view, ProblemsView)
        self.bad_view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        header = self.bad_view.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Interactive)
        header.resizeSection(1, self.fontMetrics().horizontalAdvance("M") * 14)
        # One line a problem, rows of one height: what fits can be counted and read at a glance.
        self.bad_view.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.bad_view.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 10)
        self._keep_eight_rows()
        column.addWidget(self.bad_view, 1)
        self.problems_tab = page
        self.tabs.addTab(page, _("Problems"))

    def _keep_eight_rows(self) -> None:
        """The problems table never shrinks below eight whole rows (the issue's 1.5 rows)."""
        row = self.bad_view.verticalHeader().defaultSectionSize()
        header = self.bad_view.horizontalHeader().sizeHint().height()
        frame = 2 * self.bad_view.frameWidth()
        scroll = self.bad_view.horizontalScrollBar().sizeHint().height()
        self.bad_view.setMinimumHeight(header + 8 * row + frame + scroll + 2)

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange:  # large text: rows grow, keep eight
            self.bad_view.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 10)
            self._keep_eight_rows()

    def _build_duplicates_tab(self) -> None:
        self.duplicates_area = QScrollArea()
        self.duplicates_area.setWidgetResizable(True)
        style.quiet_scroll(self.duplicates_area, _("People who may be on file already"))
        self.duplicates_tab = self.duplicates_area
        self.tabs.addTab(self.duplicates_area, _("May be on file"))
        self._set_duplicates([])

    def _build_confirm_tab(self) -> None:
        self.confirm_area = QScrollArea()
        self.confirm_area.setWidgetResizable(True)
        self.confirm_tab = self.confirm_area
        self.tabs.addTab(self.confirm_area, _("To confirm"))
        self._set_to_confirm([])

    def _fit_to_screen(self, available: QRect | None = None) -> None:
        """Big enough for the problems table, never bigger than the screen (1024x768 included)."""
        if available is None:
            screen = self.screen() or QGuiApplication.primaryScreen()
            available = screen.availableGeometry() if screen else QRect(0, 0, 1366, 728)
        em = self.fontMetrics().horizontalAdvance("M")
        width = min(em * 80, available.width() - 40)
        height = min(self.fontMetrics().height() * 44, available.height() - 60)
        self.resize(max(width, 400), max(height, 300))

    # --- reading the file --------------------------------------------------------------
    def _key(self) -> tuple[str, bool, bool]:
        return (
            file_dialogs.typed_path(self.path.text()),
            self.all_consented.isChecked(),
            self.all_share.isChecked(),
        )

    @property
    def is_current(self) -> bool:
        """The preview on screen belongs to the file named in the box and the ticks shown."""
        return self.preview is not None and self._shown_for == self._key()

    def _on_path_edited(self, _text: str) -> None:
        self.add_button.setEnabled(False)  # stale until the file is read again
        if self._shown_for is not None and self._shown_for != self._key():
            # Never one file's rows beside another file's name, not even while typing.
            self._clear()
            self._shown_for = None
            self.summary.setText(_("Reading the file…"))
            self._set_error(False)
        self._debounce.start()

    def load_if_changed(self) -> None:
        if self._shown_for != self._key():
            self.load()

    def _browse(self) -> None:
        typed = self.path.text().strip()
        name = file_dialogs.open_file(
            self,
            self.ctx.data_dir,
            _("Referral list"),
            _("Referral lists (*.csv *.txt *.xlsx);;All files (*)"),
            start=str(Path(typed).parent) if typed else "",
        )
        if name:
            self.path.setText(name)
            self.load()

    def _clear(self) -> None:
        self.preview = None
        self.good_model.set_rows([])
        self.bad_model.set_rows([])
        self._set_duplicates([])
        self._set_to_confirm([])
        self.consents.setText("")
        self.notes.setText("")
        self.saved_note.setText("")
        self._set_columns([])
        self._update_tabs()

    def load(self) -> None:
        """Read the file named in the box and show what would be added; Add waits for this."""
        self._debounce.stop()
        self.add_button.setEnabled(False)
        key = self._key()
        self._shown_for = key
        self._clear()
        if not key[0]:
            self.table = None
            self._set_columns([])
            self.summary.setText(_("Choose the referral list to see who is on it."))
            self._set_error(False)
            return
        try:
            table = read_referral_file(key[0])
        except KnownError as e:
            self.table = None
            self._set_columns([])
            self.summary.setText(str(e))
            self._set_error(True)
            return
        except Exception as e:
            error_dialog.report(self, e)
            return
        if key[0] != self._table_path:  # another list: its referrer's columns, if known
            self._table_path = key[0]
            self.chosen_columns = {}
            known = referrer_for_header(self.ctx, table.header)
            self.forgotten.setText("")
            if known:
                self.referrer.setCurrentText(known)
                self.chosen_columns = columns_for_referrer(self.ctx, known)
            else:
                several = referrers_for_header(self.ctx, table.header)
                if len(several) > 1:  # same headings, read differently: never a guess
                    self.forgotten.setText(
                        _(
                            "Lists from {names} have these columns but are read differently: "
                            "choose who sent this one in From."
                        ).format(
                            names=_("{first} and {last}").format(
                                first=", ".join(several[:-1]), last=several[-1]
                            )
                        )
                    )
        self.table = table
        self.read_again()

    def read_again(self) -> None:
        """Check the list already read against the columns as now chosen."""
        if self.table is None:
            return
        # Until the list is read again with the new columns, Add would add the old reading
        # (or, when the list no longer has a name column, crash on no preview at all).
        self.add_button.setEnabled(False)
        key = self._key()
        self._clear()
        try:
            self.preview = preview_import(
                self.ctx,
                self.course_id,
                self.table,
                all_consented=key[1],
                all_agreed_to_share=key[2],
                columns=self.chosen_columns,
            )
        except MissingColumns as e:
            self.summary.setText(str(e))
            self._set_error(True)
            self._set_columns(e.matches)
            self.tabs.setCurrentWidget(self.columns_tab)
            return
        except KnownError as e:
            self.summary.setText(str(e))
            self._set_error(True)
            self._set_columns([])
            return
        except Exception as e:
            error_dialog.report(self, e)
            return
        self._set_error(False)
        self._set_columns(self.preview.matches)
        self._show(self.preview)

    def _use_referrer(self) -> None:
        """A referrer chosen from the list: their remembered columns, read again."""
        name = self.referrer.currentText().strip()
        remembered = columns_for_referrer(self.ctx, name)
        if remembered and self.table is not None:
            here = {h.strip() for h in self.table.header}
            gone = [h for h in remembered if h not in here]
            if len(gone) == len(remembered):  # their system changed, or another referrer
                self.forgotten.setText(
                    _(
                        "None of the columns kept for {name} are in this list; it is read by "
                        "its headings. Check who sent it."
                    ).format(name=name)
                )
            elif gone:
                self.forgotten.setText(
                    _("Kept for {name} but not in this list: {columns}.").format(
                        name=name, columns=", ".join(gone)[:120]
                    )
                )
            else:
                self.forgotten.setText("")
            self.chosen_columns = remembered
            self.read_again()

    # --- the columns -------------------------------------------------------------------
    def _set_columns(self, matches: list[ColumnMatch]) -> None:
        """One line a column: its heading, what it is read as (a choice), an example value."""
        self.matches = matches
        page = QWidget()
        grid = QGridLayout(page)
        self.column_boxes = {}
        if not matches:
            empty = QLabel(_("Choose a list to see its columns."))
            empty.setObjectName("hint")
            grid.addWidget(empty, 0, 0)
        else:
            intro = QLabel(
                _(
                    "Check what each column holds. Columns marked 'check' were read from their "
                    "words; 'not used' ones are left out. Change any that are wrong."
                )
            )
            intro.setWordWrap(True)
            grid.addWidget(intro, 0, 0, 1, 4)
            for title, col in (
                (_("Column in the list"), 0),
                (_("Read as"), 1),
                (_("First row"), 3),
            ):
                head = QLabel(f"<b>{title}</b>")
                grid.addWidget(head, 1, col)
        example = self.table.rows[0][1] if self.table is not None and self.table.rows else []
        for i, m in enumerate(matches, start=2):
            if not m.header:
                continue
            name = QLabel(m.header)
            box = QComboBox()
            box.addItem(_("Not used"), NOT_USED)
            for field, label in column_choices():
                box.addItem(_(label), field)
            box.setCurrentIndex(max(0, box.findData(m.field)))
            box.setAccessibleName(_("Column {name}: read as").format(name=m.header))
            name.setBuddy(box)
            box.activated.connect(lambda _i, b=box, h=m.header: self._column_chosen(h, b))
            self.column_boxes[m.index] = box
            sample = example[m.index] if m.index < len(example) else ""
            value = QLabel(sample[:40])
            value.setObjectName("hint")
            if m.to_confirm:
                state = QLabel(_("check") if m.field else _("not placed"))
                state.setObjectName("warning")
                state.setToolTip(
                    _("Read from the heading’s words: confirm it or choose another")
                    if m.field
                    else _("The app does not know this heading: choose what it holds, or leave it")
                )
            else:
                state = QLabel(_("chosen") if m.chosen else "")
                state.setObjectName("hint")
            grid.addWidget(name, i, 0)
            grid.addWidget(box, i, 1)
            grid.addWidget(state, i, 2)
            grid.addWidget(value, i, 3)
        grid.setColumnStretch(3, 1)
        grid.setRowStretch(len(matches) + 2, 1)
        self.columns_area.setWidget(page)
        check = sum(m.to_confirm for m in matches)
        self.tabs.setTabText(
            self.tabs.indexOf(self.columns_tab),
            _("Columns ({n} to check)").format(n=check) if check else _("Columns"),
        )

    def _column_chosen(self, header: str, box: QComboBox) -> None:
        self.chosen_columns[header] = str(box.currentData() or NOT_USED)
        index = next((i for i, b in self.column_boxes.items() if b is box), None)
        # Read again once this signal is over: the boxes are rebuilt by it.
        QTimer.singleShot(0, lambda: self._after_column_chosen(index))

    def _after_column_chosen(self, index: int | None) -> None:
        self.read_again()
        self.tabs.setCurrentWidget(self.columns_tab)
        if index is not None and index in self.column_boxes:
            self.column_boxes[index].setFocus()

    def _set_error(self, on: bool) -> None:
        self.summary.setObjectName("error" if on else "")
        self.summary.setStyleSheet("")  # re-polish for the object name

    def _show(self, p: ImportPreview) -> None:
        self.summary.setText(f"{Path(self._key()[0]).name}: {p.summary()}")
        self.consents.setText(p.consent_counts().sentence() if p.good else "")
        notes = []
        if p.unused_note():
            notes.append(p.unused_note())
        warnings = [_("Line {n}: {warning}").format(n=line, warning=w) for line, w in p.warnings]
        if len(warnings) > 3:
            more = len(warnings) - 3
            warnings = [
                *warnings[:3],
                ngettext("and {n} more to look at.", "and {n} more to look at.", more).format(
                    n=more
                ),
            ]
        notes.extend(warnings)
        if p.to_check:
            n = len(p.to_check)
            notes.append(
                ngettext(
                    "{n} person to confirm: see the To confirm tab.",
                    "{n} people to confirm: see the To confirm tab.",
                    n,
                ).format(n=n)
            )
        if p.good:
            notes.append(
                _(
                    "Everyone added waits on the register as ‘needs review’ until you have asked "
                    "the screening questions at their first class."
                )
            )
        if p.columns_to_confirm:
            notes.append(
                _("Check the Columns tab: {n} read from their words or not placed.").format(
                    n=len(p.columns_to_confirm)
                )
            )
        self.notes.setText("\n".join(notes))
        self.good_model.set_rows(
            [
                (
                    str(r.line),
                    r.name,
                    ui_date(r.values["date_of_birth"], "short")
                    if r.values["date_of_birth"]
                    else "",
                    r.values["sex"],
                    format_nhs_number(r.values["nhs_number"]) if r.values["nhs_number"] else "",
                    _consent_word(r.values["consent_programme"]),
                    _consent_word(r.values["consent_share"]),
                    "; ".join((*r.flag_texts, *r.warnings)),
                )
                for r in p.good
            ]
        )
        self.bad_model.set_rows(
            [
                ProblemLine(b.line, b.name, problem.message)
                for b in p.bad
                for problem in (b.problems or ())
            ]
            or [ProblemLine(b.line, b.name, b.reason) for b in p.bad]
        )
        self._set_duplicates(p.duplicates)
        self._set_to_confirm(p.to_check)
        self._update_tabs()
        if p.bad:
            self.tabs.setCurrentWidget(self.problems_tab)
        elif p.columns_to_confirm:
            self.tabs.setCurrentWidget(self.columns_tab)
        elif p.to_check:
            self.tabs.setCurrentWidget(self.confirm_tab)
        elif p.duplicates and not p.good:
            self.tabs.setCurrentWidget(self.duplicates_tab)
        else:
            self.tabs.setCurrentWidget(self.good_view)
        self._update_add()

    def _update_tabs(self) -> None:
        p = self.preview
        good = len(p.good) if p else 0
        bad = len(p.bad) if p else 0
        dup = len(p.duplicates) if p else 0
        tabs = self.tabs
        tabs.setTabText(tabs.indexOf(self.good_view), _("Will be added ({n})").format(n=good))
        tabs.setTabText(
            tabs.indexOf(self.problems_tab),
            ngettext("Problems ({n} row)", "Problems ({n} rows)", bad).format(n=bad),
        )
        tabs.setTabText(tabs.indexOf(self.duplicates_tab), _("May be on file ({n})").format(n=dup))
        check = len(p.to_check) if p else 0
        tabs.setTabText(tabs.indexOf(self.confirm_tab), _("To confirm ({n})").format(n=check))
        self.save_problems.setEnabled(bad > 0)

    # --- people who may already be on file ---------------------------------------------
    def _set_duplicates(self, duplicates: list[DuplicateRow]) -> None:
        page = QWidget()
        grid = QGridLayout(page)
        self.choices = {}
        if not duplicates:
            empty = QLabel(_("Nobody on this list seems to be on file already."))
            empty.setObjectName("hint")
            grid.addWidget(empty, 0, 0)
        for i, d in enumerate(duplicates):
            line = QLabel(_("Line {n}").format(n=d.line))
            message = QLabel(d.message)
            message.setWordWrap(True)
            grid.addWidget(line, i, 0, Qt.AlignmentFlag.AlignTop)
            grid.addWidget(message, i, 1)
            if d.offers_enrol_existing:
                choice = QComboBox()
                choice.addItem(_("Leave them out"), LEAVE_OUT)
                choice.addItem(_("Enrol the person on file here"), ENROL_EXISTING)
                if d.offers_add_as_new:
                    choice.setItemText(1, _("The same person: enrol them here"))
                    choice.addItem(_("Someone else: add as a new person"), ADD_AS_NEW)
                choice.setAccessibleName(_("Line {n}: {name}").format(n=d.line, name=d.name))
                choice.currentIndexChanged.connect(lambda _i: self._update_add())
                self.choices[d.line] = choice
                grid.addWidget(choice, i, 2, Qt.AlignmentFlag.AlignTop)
            else:
                left = QLabel(_("Left out"))
                left.setObjectName("hint")
                grid.addWidget(left, i, 2, Qt.AlignmentFlag.AlignTop)
        grid.setColumnStretch(1, 1)
        grid.setRowStretch(max(1, len(duplicates)), 1)
        self.duplicates_area.setWidget(page)

    # --- people to confirm (too young, another programme's joint) ----------------------
    def _set_to_confirm(self, rows: list[ImportRow]) -> None:
        page = QWidget()
        grid = QGridLayout(page)
        self.confirm_choices: dict[int, QComboBox] = {}
        if not rows:
            empty = QLabel(_("Nobody on this list needs confirming before they are added."))
            empty.setObjectName("hint")
            grid.addWidget(empty, 0, 0)
        for i, r in enumerate(rows):
            grid.addWidget(QLabel(_("Line {n}").format(n=r.line)), i, 0, Qt.AlignmentFlag.AlignTop)
            message = QLabel(f"{r.name}: " + "; ".join(r.flag_texts) + ".")
            message.setWordWrap(True)
            grid.addWidget(message, i, 1)
            choice = QComboBox()
            choice.addItem(_("Add; review them on the register"), ADD_FOR_REVIEW)
            choice.addItem(_("Leave them out"), LEAVE_OUT)
            choice.setAccessibleName(_("Line {n}: {name}").format(n=r.line, name=r.name))
            choice.currentIndexChanged.connect(lambda _i: self._update_add())
            self.confirm_choices[r.line] = choice
            grid.addWidget(choice, i, 2, Qt.AlignmentFlag.AlignTop)
        grid.setColumnStretch(1, 1)
        grid.setRowStretch(max(1, len(rows)), 1)
        self.confirm_area.setWidget(page)

    def left_out(self) -> list[int]:
        """Lines of people to confirm whom the instructor leaves off the course."""
        return [line for line, c in self.confirm_choices.items() if c.currentData() == LEAVE_OUT]

    def chosen(self) -> tuple[list[int], list[int]]:
        """(lines to enrol as the person on file, lines to add as someone new)."""
        existing = [line for line, c in self.choices.items() if c.currentData() == ENROL_EXISTING]
        new = [line for line, c in self.choices.items() if c.currentData() == ADD_AS_NEW]
        return existing, new

    def _update_add(self) -> None:
        p = self.preview
        if p is None or not self.is_current:
            self.add_button.setEnabled(False)
            return
        existing, new = self.chosen()
        count = len(p.good) - len(self.left_out()) + len(existing) + len(new)
        self.add_button.setText(ngettext("Add {n} person", "Add {n} people", count).format(n=count))
        self.add_button.setEnabled(0 < count <= p.places_left)

    # --- actions -----------------------------------------------------------------------
    def keyPressEvent(self, event: QKeyEvent) -> None:
        # Return and Enter read the file (the box's editingFinished), never press Add.
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            focus = self.focusWidget()
            if isinstance(focus, QPushButton):
                focus.click()
            return
        super().keyPressEvent(event)

    def _save_problems(self) -> None:
        p = self.preview
        if p is None or not p.bad:
            return
        suggested = Path(self._key()[0]).with_name(Path(self._key()[0]).stem + " - problems.csv")
        # The save dialog asks before replacing a file that is already there.
        name = file_dialogs.save_file(
            self,
            self.ctx.data_dir,
            _("Save the rows with problems"),
            suggested,
            _("CSV files (*.csv)"),
        )
        if not name:
            return
        # The dialog asked about replacing the name as typed; a ".csv" we add ourselves was
        # never asked about, so that file is not replaced.
        asked = name.lower().endswith(".csv")
        if not asked:
            name += ".csv"
        if refuse_data_folder(self, name, self.ctx.data_dir):
            return
        if _same_file(name, self._key()[0]):
            error_dialog.show_message(
                self,
                _("Could not save the list"),
                _(
                    "That is the referral list itself; choose another name for the rows with problems."
                ),
            )
            return
        try:
            count = save_problems_csv(p, name, overwrite=asked)
        except KnownError as e:
            error_dialog.show_message(self, _("Could not save the list"), str(e))
            return
        self.saved_note.setText(
            ngettext(
                "Saved {n} row to {name}; send it to the referrer to correct.",
                "Saved {n} rows to {name}; send it to the referrer to correct.",
                count,
            ).format(n=count, name=Path(name).name)
        )

    def _import(self) -> None:
        if not self.is_current:  # the name changed since the preview: read it first
            self.load()
            return
        assert self.preview is not None
        existing, new = self.chosen()
        ids = PeopleOps(self.ctx, self.bus, self).import_list(
            self.preview, enrol_existing=existing, add_as_new=new, leave_out=self.left_out()
        )
        if ids is None:
            self.load()  # the list or the course may have changed meanwhile
            return
        referrer = self.referrer.currentText().strip()
        if referrer:  # the columns as confirmed, for this referrer's next list
            try:
                remember_columns(self.ctx, referrer, self.preview.matches)
            except KnownError:
                pass  # the people are added; only the memory of the columns is missing
        self.added = ids
        self.accept()


def _same_file(a: str, b: str) -> bool:
    try:
        return Path(a).exists() and Path(a).samefile(b)
    except OSError:
        return False


def _consent_word(value: bool | None) -> str:
    return {True: _("yes"), False: _("no"), None: _("not asked yet")}[value]
