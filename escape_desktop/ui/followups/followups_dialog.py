"""The follow-ups due (Today panel) and the form that records one from the keyboard.

Every change goes through run_op to services.followups.record_follow_up: one transaction,
announced once, undone with Ctrl+Z.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QRadioButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from escape_desktop.context import AppContext
from escape_desktop.i18n import N_, _, ngettext, pgettext, ui_date
from escape_desktop.programme import followup as fu
from escape_desktop.programme.content import Instrument
from escape_desktop.services import followups
from escape_desktop.services.errors import ValidationError
from escape_desktop.ui.common import announce, error_dialog, file_dialogs, style
from escape_desktop.ui.common.change_bus import ChangeBus
from escape_desktop.ui.common.date_field import date_field
from escape_desktop.ui.common.operation import run_op

HEADERS = (N_("State"), N_("Follow-up"), N_("Name"), N_("Course"), N_("Due"), N_("Contact"))


def contact_text(e: followups.FollowUpEntry) -> str:
    """How the person likes to be contacted, with the number or address to use."""
    return followups.contact_words(e)


def state_text(e: followups.FollowUpEntry) -> str:
    """The point's state in words; a decline carried from the other point says where."""
    if e.declined_at is not None:
        return _("Declined at {point} months").format(point=e.declined_at)
    return _(fu.STATE_WORDS.get(e.state, e.state))


def point_text(e: followups.FollowUpEntry) -> str:
    """The point; in the due list, with the person's earlier point still open beside it."""
    if e.also_open:
        return _("{point} months ({other} months not recorded)").format(
            point=e.point, other=", ".join(str(p) for p in e.also_open)
        )
    return ngettext("{n} month", "{n} months", e.point).format(n=e.point)


class FollowUpsDialog(QDialog):
    """Who is due or overdue for a follow-up; Enter records the chosen one."""

    def __init__(self, ctx: AppContext, bus: ChangeBus, today: date, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx, self.bus, self.today = ctx, bus, today
        self.setWindowTitle(_("Follow-ups due"))
        self.entries: list[followups.FollowUpEntry] = []
        layout = QVBoxLayout(self)
        self.intro = QLabel("")
        self.intro.setWordWrap(True)
        layout.addWidget(self.intro)
        # Everyone followed up, recorded or not: where a decline recorded by mistake is found
        # (a person who declined is never in the due list).
        self.show_all = QCheckBox(_("Show &everyone followed up, not only those due"), self)
        self.show_all.setAccessibleName(_("Show everyone followed up"))
        self.show_all.toggled.connect(lambda _on: self.reload())
        layout.addWidget(self.show_all)
        self.table = QTableWidget(0, len(HEADERS), self)
        self.table.setAccessibleName(_("Follow-ups due"))
        self.table.setAccessibleDescription(
            _(
                "People due or overdue for their 3- or 12-month follow-up. Enter records the chosen "
                "person's follow-up."
            )
        )
        self.table.setHorizontalHeaderLabels([_(h) for h in HEADERS])
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QTableWidget.SelectionMode.SingleSelection)
        self.table.setTabKeyNavigation(False)  # Tab leaves the table
        self.table.cellDoubleClicked.connect(lambda row, _col: self.record_row(row))
        self.table.activated.connect(lambda index: self.record_row(index.row()))
        self.table.currentCellChanged.connect(lambda *_cells: self._script_for_current())
        layout.addWidget(self.table, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.record_button = buttons.addButton(
            _("&Record follow-up…"), QDialogButtonBox.ButtonRole.ActionRole
        )
        self.record_button.clicked.connect(lambda: self.record_row(self.table.currentRow()))
        self.script_button = buttons.addButton(
            _("&Phone script…"), QDialogButtonBox.ButtonRole.ActionRole
        )
        self.script_button.clicked.connect(lambda: self.show_script(self.table.currentRow()))
        # The letter after a 12-month follow-up: printed only when asked for (no setting).
        self.results_button = buttons.addButton(
            _("12-month &letters…"), QDialogButtonBox.ButtonRole.ActionRole
        )
        self.results_button.setAccessibleName(_("Print 12-month results letters"))
        self.results_button.setToolTip(
            _(
                "A letter to each person whose 12-month follow-up is done, with their start, end "
                "and 12-month scores in plain words"
            )
        )
        self.results_button.clicked.connect(self.print_results)
        buttons.rejected.connect(self.reject)
        self.printed = QLabel("")
        self.printed.setWordWrap(True)
        layout.addWidget(self.printed)
        layout.addWidget(buttons)
        self.reload()
        fm = self.fontMetrics()
        style.fit_to_screen(self, fm.horizontalAdvance("M") * 60, fm.height() * 20 + 40)

    def reload(self) -> None:
        everyone = self.show_all.isChecked()
        self.entries = (
            followups.entries(self.ctx, self.today)
            if everyone
            else followups.due_list(self.ctx, self.today)
        )
        overdue = sum(1 for e in self.entries if e.state == fu.OVERDUE)
        if everyone:
            self.intro.setText(
                _(
                    "Every follow-up point of everyone followed up, by due day. A person who "
                    "declined is never asked again; open their row to take a decline back."
                )
            )
        else:
            self.intro.setText(
                ngettext(
                    "{n} due or overdue ({overdue} overdue). People who completed a course and "
                    "agreed to be contacted are asked again 3 and 12 months after their last session.",
                    "{n} due or overdue ({overdue} overdue). People who completed a course and "
                    "agreed to be contacted are asked again 3 and 12 months after their last session.",
                    len(self.entries),
                ).format(n=len(self.entries), overdue=overdue)
                if self.entries
                else _("Nobody is due for a follow-up this week.")
            )
        self.table.setRowCount(len(self.entries))
        for row, e in enumerate(self.entries):
            cells = (
                state_text(e),
                point_text(e),
                e.name,
                e.course_code,
                ui_date(e.due_on, "short"),
                contact_text(e),
            )
            for col, text in enumerate(cells):
                self.table.setItem(row, col, QTableWidgetItem(text))
        self.table.resizeColumnsToContents()
        self.table.horizontalHeader().setStretchLastSection(True)
        has = bool(self.entries)
        self.record_button.setEnabled(has)
        self.script_button.setEnabled(has)
        if has:
            self.table.setCurrentCell(0, 0)
            self.table.setFocus()
        self._script_for_current()

    def _script_for_current(self) -> None:
        """No phone script for someone who declined, or no longer agrees to be contacted:
        they are never asked again."""
        row = self.table.currentRow()
        e = self.entries[row] if 0 <= row < len(self.entries) else None
        self.script_button.setEnabled(e is not None and e.state != fu.DECLINED and e.contact_ok)

    def form_for(self, row: int) -> RecordFollowUpDialog | None:
        if not 0 <= row < len(self.entries):
            return None
        e = self.entries[row]
        instruments = followups.follow_up_instruments(self.ctx, e.course_id, e.joints)
        # the person's every point: an earlier one still open can be entered late from here
        points = [
            x
            for x in followups.entries(self.ctx, self.today, [e.course_id])
            if x.enrolment_id == e.enrolment_id
        ]
        return RecordFollowUpDialog(
            self.ctx, self.bus, e, instruments, self.today, self, points=points
        )

    def record_row(self, row: int) -> None:
        form = self.form_for(row)
        if form is not None and form.exec() == QDialog.DialogCode.Accepted:
            self.reload()

    def print_results(self) -> None:
        """Ask where to save the 12-month results letters, then save them; refused in one
        sentence, before the save dialog, when nobody's 12-month follow-up is done."""
        from escape_desktop.services import followup_results

        ok, _letters = error_dialog.guarded(
            self, followup_results.results_letters, self.ctx, self.today
        )
        if not ok:
            return
        path = file_dialogs.save_file(
            self,
            self.ctx.data_dir,
            _("Save the 12-month results letters"),
            pgettext("file name", "12-month results letters") + ".pdf",
            _("PDF files (*.pdf)"),
        )
        if path:
            self.save_results(Path(path))

    def save_results(self, path: Path) -> bool:
        """The letters into ``path`` (the save dialog has asked before replacing a file)."""
        from escape_desktop.services import followup_results

        ok, pages = error_dialog.guarded(
            self, followup_results.print_results_letters, self.ctx, path, self.today
        )
        if ok:
            self.printed.setText(
                ngettext(
                    "12-month results letters saved: {path} ({pages} page).",
                    "12-month results letters saved: {path} ({pages} pages).",
                    pages,
                ).format(path=path, pages=pages)
            )
            announce.say(self, self.printed.text())
        return bool(ok)

    def show_script(self, row: int) -> None:
        if not 0 <= row < len(self.entries) or self.entries[row].state == fu.DECLINED:
            return
        e = self.entries[row]
        from escape_desktop.services import settings_registry as reg

        text = followups.phone_script(
            e,
            followups.follow_up_instruments(self.ctx, e.course_id, e.joints),
            reg.get(self.ctx, reg.SITE_NAME),
        )
        box = QMessageBox(
            QMessageBox.Icon.NoIcon,
            _("Phone script: {name}").format(name=e.name),
            text,
            parent=self,
        )
        box.exec()


class RecordFollowUpDialog(QDialog):
    """One person's follow-up: done (with the measures asked), could not reach, declined."""

    def __init__(
        self,
        ctx: AppContext,
        bus: ChangeBus,
        entry: followups.FollowUpEntry,
        instruments: Sequence[Instrument],
        today: date,
        parent: QWidget | None = None,
        points: Sequence[followups.FollowUpEntry] = (),
    ):
        super().__init__(parent)
        self.ctx, self.bus, self.entry, self.today = ctx, bus, entry, today
        self.instruments = list(instruments)
        self.setWindowTitle(_("Follow-up: {name}").format(name=entry.name))
        layout = QVBoxLayout(self)
        self.head = QLabel("")
        self.head.setWordWrap(True)
        layout.addWidget(self.head)
        # Which point: the row's, or the person's other one (an overdue 3-month point is
        # entered late from the 12-month row).
        self.points = {x.point: x for x in points if x.enrolment_id == entry.enrolment_id}
        self.points.setdefault(entry.point, entry)
        self.point_choice = QComboBox(self)
        self.point_choice.setAccessibleName(_("Which follow-up"))
        for p in sorted(self.points):
            self.point_choice.addItem(
                _("{point} months: {state}").format(point=p, state=state_text(self.points[p])), p
            )
        self.point_choice.setCurrentIndex(max(self.point_choice.findData(entry.point), 0))
        self.point_choice.currentIndexChanged.connect(lambda _i: self._point_chosen())
        self.point_choice.setVisible(len(self.points) > 1)
        if len(self.points) > 1:
            chooser = QFormLayout()
            chooser.addRow(_("&Follow-up:"), self.point_choice)
            layout.addLayout(chooser)
        self._show_head()
        outcome_row = QHBoxLayout()
        self.outcome = QButtonGroup(self)
        self.buttons: dict[str, QRadioButton] = {}
        for i, (key, words) in enumerate(
            (
                (fu.DONE, _("&Done")),
                (fu.UNREACHABLE, _("&Could not reach")),
                (fu.DECLINED, _("D&eclined")),
            )
        ):
            b = QRadioButton(words, self)
            b.setAccessibleName(words.replace("&", ""))
            self.outcome.addButton(b, i)
            self.buttons[key] = b
            outcome_row.addWidget(b)
        outcome_row.addStretch(1)
        layout.addLayout(outcome_row)
        form = QFormLayout()
        self.day = date_field(today, self)
        self.day.setAccessibleName(_("Date of the follow-up"))
        form.addRow(_("D&ate:"), self.day)
        self.method = QComboBox(self)
        self.method.setAccessibleName(_("How they were contacted"))
        for key, words in fu.CONTACT_WAYS.items():
            self.method.addItem(_(words), key)
        index = self.method.findData(entry.contact_by or "phone")
        self.method.setCurrentIndex(max(index, 0))
        form.addRow(_("&How:"), self.method)
        self.scores: dict[str, QLineEdit] = {}
        for inst in self.instruments:
            edit = QLineEdit(self)
            name = _("{measure} ({low} to {high})").format(
                measure=inst.name, low=f"{inst.min:g}", high=f"{inst.max:g}"
            )
            edit.setAccessibleName(name)
            edit.setPlaceholderText(_("not asked"))
            form.addRow(_("{label}:").format(label=name), edit)
            self.scores[inst.key] = edit
        self.note = QPlainTextEdit(self)
        self.note.setAccessibleName(_("Note"))
        self.note.setTabChangesFocus(True)
        self.note.setFixedHeight(self.fontMetrics().height() * 3 + 12)
        form.addRow(_("&Note:"), self.note)
        layout.addLayout(form)
        self.message = QLabel("")
        self.message.setWordWrap(True)
        layout.addWidget(self.message)
        box = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        box.accepted.connect(self.save)
        box.rejected.connect(self.reject)
        # A decline recorded by mistake: taken back, the person is due again. Offered while
        # the point shown (the row's, or the one chosen above) is declined.
        self.take_back_button = box.addButton(
            _("&Take back the decline"), QDialogButtonBox.ButtonRole.ActionRole
        )
        self.take_back_button.setAccessibleName(_("Take back the decline"))
        self.take_back_button.setToolTip(
            _("The decline was recorded by mistake: the person is due again")
        )
        self.take_back_button.clicked.connect(self.take_back)
        self.take_back_button.setVisible(entry.state == fu.DECLINED)
        layout.addWidget(box)
        self.outcome.idToggled.connect(lambda _id, _on: self._scores_follow_outcome())
        current = entry.state if entry.state in fu.OUTCOMES else fu.DONE
        self.buttons[current].setChecked(True)
        self._scores_follow_outcome()

    def _show_head(self) -> None:
        e = self.entry
        self.head.setText(
            _("{name} ({course}): {months}-month follow-up, due {due}. {contact}.").format(
                name=e.name,
                course=e.course_code,
                months=e.point,
                due=ui_date(e.due_on, "short"),
                contact=contact_text(e),
            )
        )

    def _point_chosen(self) -> None:
        """Another of the person's points chosen: the form records that one."""
        chosen = self.point_choice.currentData()
        if chosen in self.points:
            self.entry = self.points[chosen]
            self._show_head()
            self.take_back_button.setVisible(self.entry.state == fu.DECLINED)
            if self.entry.state in fu.OUTCOMES:
                self.buttons[self.entry.state].setChecked(True)

    def chosen(self) -> str:
        for key, b in self.buttons.items():
            if b.isChecked():
                return key
        return fu.DONE

    def _scores_follow_outcome(self) -> None:
        done = self.chosen() == fu.DONE
        for edit in self.scores.values():
            edit.setEnabled(done)

    def ask_replace(self, recorded_on: date | None, outcome: str) -> bool:
        """Ask before a record already there is replaced (tests answer for the instructor)."""
        as_word = _(fu.OUTCOME_WORDS.get(outcome, outcome)).lower()
        question = (
            _("Replace the follow-up recorded on {day}?").format(day=ui_date(recorded_on))
            if recorded_on
            else _("Replace the follow-up recorded?")
        )
        answer = QMessageBox.question(
            self,
            _("Replace the follow-up?"),
            question
            + "\n"
            + _(
                "{name}’s {months}-month follow-up is already recorded as {outcome}. "
                "Edit ▸ Undo puts it back."
            ).format(name=self.entry.name, months=self.entry.point, outcome=as_word),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No,
        )
        return answer == QMessageBox.StandardButton.Yes

    def save(self) -> bool:
        qd = self.day.date()
        day = date(qd.year(), qd.month(), qd.day())
        outcome = self.chosen()
        scores = {k: e.text() for k, e in self.scores.items()} if outcome == fu.DONE else {}
        already: list[followups.AlreadyRecorded] = []

        def failed(error: BaseException) -> None:
            if isinstance(error, followups.AlreadyRecorded):
                already.append(error)  # asked below; nothing was written
                return
            self.message.setText(str(error))
            style.set_tone(self.message, "bad")
            field = getattr(error, "field", "")
            if isinstance(error, ValidationError) and field in self.scores:
                self.scores[field].setFocus(Qt.FocusReason.OtherFocusReason)

        def record(replace: bool) -> bool:
            op = run_op(
                self,
                lambda: followups.record_follow_up(
                    self.ctx,
                    self.entry.enrolment_id,
                    self.entry.point,
                    outcome,
                    on=day,
                    scores=scores,
                    method=str(self.method.currentData() or ""),
                    note=self.note.toPlainText(),
                    today=self.today,
                    replace=replace,
                ),
                bus=self.bus,
                initiator=self,
                failure=failed,
            )
            return op.ok

        ok = record(False)
        if not ok and already:
            if not self.ask_replace(already[0].recorded_on, already[0].outcome):
                self.message.setText(_("Nothing was changed; the earlier follow-up is kept."))
                style.set_tone(self.message, None)
                return False
            ok = record(True)
        if not ok:
            return False
        self.accept()
        return True

    def take_back(self) -> bool:
        """Take back the person's decline (at this point, or the one it was carried from)."""
        point = self.entry.declined_at or self.entry.point

        def failed(error: BaseException) -> None:
            self.message.setText(str(error))
            style.set_tone(self.message, "bad")

        op = run_op(
            self,
            lambda: followups.take_back_decline(self.ctx, self.entry.enrolment_id, point),
            bus=self.bus,
            initiator=self,
            failure=failed,
        )
        if not op.ok:
            return False
        self.accept()
        return True
