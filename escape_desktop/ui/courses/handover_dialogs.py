"""Hand a course to another laptop from the window: "Send this course…" and "Receive a course…".

The services (services/handover.py) do the work and record it in the audit log; these dialogs
choose the file and the passphrase, show what a file holds and what receiving it would do
(a dry run), let the instructor choose each conflict, then show what was done.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QGuiApplication
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMenu,
    QPushButton,
    QRadioButton,
    QStackedWidget,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from escape_desktop.context import AppContext
from escape_desktop.errors import KnownError
from escape_desktop.i18n import N_, _, ngettext, ui_date
from escape_desktop.services import handover
from escape_desktop.services.handover import HandoverReport, HandoverSummary, counts_text
from escape_desktop.ui.common import file_dialogs, style
from escape_desktop.ui.common.announce import LiveLabel
from escape_desktop.ui.common.change_bus import ChangeBus
from escape_desktop.ui.common.operation import Operation, run_op
from escape_desktop.ui.common.save_guard import refuse_data_folder

FILE_FILTER = N_("Course hand-over files (*.escape);;All files (*)")
KEEP_HERE, TAKE_RECEIVED = N_("Keep this laptop's"), N_("Take the received")
CHOOSE = N_("Choose…")


def _error_label() -> QLabel:
    label = LiveLabel("")
    label.setWordWrap(True)
    style.set_tone(label, "bad")
    label.hide()
    return label


def _value_text(value: Any) -> str:
    return _("(blank)") if value in (None, "") else str(value)


def _sent_when(sent_at: str) -> str:
    """The moment the file was made, in the window's language ("7 Dec 2026 at 10:05")."""
    try:
        moment = datetime.fromisoformat(sent_at)
    except ValueError:
        return sent_at
    return _("{day} at {time}").format(day=ui_date(moment.date(), "short"), time=f"{moment:%H:%M}")


# ---------------------------------------------------------------- send


class SendDialog(QDialog):
    """Choose the passphrase (one made for this hand-over, shown once, or the site's own),
    then where to save; the file is written in the background."""

    def __init__(
        self, ctx: AppContext, bus: ChangeBus, code: str, title: str, parent: QWidget | None
    ):
        super().__init__(parent)
        self.ctx, self.bus, self.code = ctx, bus, code
        self.op: Operation[Any] | None = None
        self.saved_to: Path | None = None
        self.setWindowTitle(_("Send {code} to another laptop").format(code=code))
        self.setMinimumWidth(560)
        layout = QVBoxLayout(self)
        intro = QLabel(
            _(
                "Save <b>{code}</b> ({title}) as one locked file: its people, register, circuit, "
                "measures and decisions, and nothing from other courses. Open it on the other "
                "laptop with Course → Receive a course…"
            ).format(code=code, title=title)
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.suggested = handover.suggest_passphrase()
        self.use_suggested = QRadioButton(_("Use this passphrase, made for this hand-over:"))
        self.use_suggested.setChecked(True)
        layout.addWidget(self.use_suggested)
        row = QHBoxLayout()
        self.shown = QLineEdit(self.suggested)
        self.shown.setReadOnly(True)
        font = self.shown.font()
        font.setFamily("monospace")
        font.setPointSize(font.pointSize() + 2)
        self.shown.setFont(font)
        self.copy_button = QPushButton(_("Copy"))
        self.copy_button.clicked.connect(self.copy)
        row.addWidget(self.shown, 1)
        row.addWidget(self.copy_button)
        layout.addLayout(row)
        once = QLabel(
            _(
                "It is shown only now: write it down or copy it, and give it to the other person "
                "separately — never on the same stick as the file."
            )
        )
        once.setObjectName("hint")
        once.setWordWrap(True)
        layout.addWidget(once)
        self.use_own = QRadioButton(_("Use the site's shared passphrase:"))
        layout.addWidget(self.use_own)
        form = QFormLayout()
        self.own = QLineEdit()
        self.own.setEchoMode(QLineEdit.EchoMode.Password)
        self.own_again = QLineEdit()
        self.own_again.setEchoMode(QLineEdit.EchoMode.Password)
        form.addRow(_("Passphrase"), self.own)
        form.addRow(_("Type it again"), self.own_again)
        layout.addLayout(form)
        for field in (self.own, self.own_again):
            field.textEdited.connect(lambda _t: self.use_own.setChecked(True))
        self.error = _error_label()
        layout.addWidget(self.error)
        self.done_note = QLabel("")
        self.done_note.setWordWrap(True)
        self.done_note.hide()
        layout.addWidget(self.done_note)
        self.buttons = QDialogButtonBox()
        self.save_button = self.buttons.addButton(
            _("Save the file…"), QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.close_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.save_button.clicked.connect(self.choose_and_save)
        self.close_button.clicked.connect(self.reject)
        layout.addWidget(self.buttons)

    def copy(self) -> None:
        QGuiApplication.clipboard().setText(self.suggested)
        self.copy_button.setText(_("Copied"))

    def passphrase(self) -> str | None:
        """The chosen passphrase, or None (after saying why) when the two typed ones differ."""
        if self.use_suggested.isChecked():
            return self.suggested
        if self.own.text() != self.own_again.text():
            self.show_error(_("The two passphrases are different; type them again."))
            return None
        return self.own.text()

    def show_error(self, text: str) -> None:
        self.error.setText(text)
        self.error.setVisible(bool(text))

    def choose_and_save(self) -> None:
        if self.passphrase() is None:
            return
        # The save dialog asks before replacing a file that is already there.
        path = file_dialogs.save_file(
            self,
            self.ctx.data_dir,
            _("Save {code} for the other laptop").format(code=self.code),
            f"{self.code}.escape",
            _(FILE_FILTER),
        )
        if path:
            self.save_to(Path(path), overwrite=True)

    def save_to(self, path: Path, *, overwrite: bool = False) -> None:
        """Write the file at ``path`` in the background (the save dialog confirmed any overwrite)."""
        passphrase = self.passphrase()
        if passphrase is None or refuse_data_folder(self, path, Path(self.ctx.data_dir)):
            return
        self.show_error("")
        self.save_button.setEnabled(False)
        self.save_button.setText(_("Saving…"))

        def failed(e: BaseException) -> None:
            self.save_button.setEnabled(True)
            self.save_button.setText(_("Save the file…"))
            self.show_error(
                str(e) if isinstance(e, KnownError) else _("Not saved ({error}).").format(error=e)
            )

        self.op = run_op(
            self,
            lambda _progress: handover.send(
                self.ctx, self.code, path, passphrase, overwrite=overwrite
            ),
            bus=self.bus,
            background=True,
            success=lambda _summary: self._saved(path),
            failure=failed,
        )

    def _saved(self, path: Path) -> None:
        self.saved_to = path
        self.save_button.hide()
        self.close_button.setText(_("Close"))
        self.done_note.setText(
            _(
                "Saved as <b>{name}</b> in {folder}. On the other laptop choose Course → "
                "Receive a course… and type the passphrase."
            ).format(name=path.name, folder=path.parent)
        )
        self.done_note.show()


# ---------------------------------------------------------------- receive

PAGE_PASSPHRASE, PAGE_PREVIEW, PAGE_REPORT = range(3)


class ReceiveDialog(QDialog):
    """Passphrase, then what the file holds and what receiving it would do (with a choice for
    each conflict), then what was done."""

    received = Signal(object)  # the HandoverReport, once the course is in

    def __init__(self, ctx: AppContext, bus: ChangeBus, path: Path, parent: QWidget | None):
        super().__init__(parent)
        self.ctx, self.bus, self.path = ctx, bus, Path(path)
        self.summary: HandoverSummary | None = None
        self.preview: HandoverReport | None = None
        self.report: HandoverReport | None = None
        self.op: Operation[Any] | None = None
        self.choices: dict[str, QComboBox] = {}
        self.setWindowTitle(_("Receive a course"))
        self.setMinimumWidth(760)
        layout = QVBoxLayout(self)
        self.pages = QStackedWidget()
        layout.addWidget(self.pages)
        self.pages.addWidget(self._passphrase_page())
        self.pages.addWidget(QWidget())  # the preview, built once the file is open
        self.pages.addWidget(QWidget())  # the report
        self.error = _error_label()
        layout.addWidget(self.error)
        self.buttons = QDialogButtonBox()
        self.next_button = self.buttons.addButton(_("Open"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.cancel_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.next_button.clicked.connect(self._next)
        self.cancel_button.clicked.connect(self.reject)
        layout.addWidget(self.buttons)

    # --- page 1: the passphrase
    def _passphrase_page(self) -> QWidget:
        page = QWidget()
        v = QVBoxLayout(page)
        v.setContentsMargins(0, 0, 0, 0)
        note = QLabel(
            _(
                "Type the passphrase the sender gave you for <b>{name}</b>. Nothing on "
                "this laptop changes until you have seen what it holds and chosen Receive."
            ).format(name=self.path.name)
        )
        note.setWordWrap(True)
        v.addWidget(note)
        self.passphrase = QLineEdit()
        self.passphrase.setEchoMode(QLineEdit.EchoMode.Password)
        self.passphrase.setPlaceholderText(_("Hand-over passphrase"))
        self.passphrase.returnPressed.connect(self._next)
        v.addWidget(self.passphrase)
        v.addStretch(1)
        return page

    def show_error(self, text: str) -> None:
        self.error.setText(text)
        self.error.setVisible(bool(text))

    def _next(self) -> None:
        page = self.pages.currentIndex()
        if page == PAGE_PASSPHRASE:
            self.open_file()
        elif page == PAGE_PREVIEW:
            self.receive()
        else:
            self.accept()

    def open_file(self) -> None:
        """Read the file and try receiving it without keeping anything (a dry run)."""
        text = self.passphrase.text()
        QGuiApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            self.summary = handover.inspect_handover(self.path, text)
            self.preview = handover.receive_course(self.ctx, self.path, text, dry_run=True)
        except KnownError as e:
            self.show_error(str(e))
            self.passphrase.selectAll()
            return
        finally:
            QGuiApplication.restoreOverrideCursor()
        self.show_error("")
        self._swap_page(PAGE_PREVIEW, self._preview_page(self.summary, self.preview))
        self.next_button.setText(_("Receive"))
        self._update_receive()

    def _swap_page(self, index: int, page: QWidget) -> None:
        old = self.pages.widget(index)
        if old is not None:
            self.pages.removeWidget(old)
            old.deleteLater()
        self.pages.insertWidget(index, page)
        self.pages.setCurrentIndex(index)

    # --- page 2: what it holds, what would happen, the choices
    def _preview_page(self, summary: HandoverSummary, preview: HandoverReport) -> QWidget:
        page = QWidget()
        v = QVBoxLayout(page)
        v.setContentsMargins(0, 0, 0, 0)
        title = QLabel(
            _("New course: {code} · {title}").format(
                code=preview.course_code, title=summary.course_title
            )
            if preview.course_added
            else _("Merge into {code} · {title}, already on this laptop").format(
                code=preview.course_code, title=summary.course_title
            )
        )
        title.setObjectName("title")
        title.setWordWrap(True)
        v.addWidget(title)
        sent = _sent_when(summary.sent_at)
        lines = [
            _("Sent {when} by {name}.").format(when=sent, name=summary.sent_by)
            if summary.sent_by
            else _("Sent {when}.").format(when=sent)
        ]
        if preview.renamed_from:
            lines.append(
                _(
                    "This laptop already has a different course called {old}, so "
                    "the received one is added as {code}."
                ).format(old=preview.renamed_from, code=preview.course_code)
            )
        lines.append(_("The file holds {counts}.").format(counts=counts_text(summary.counts)))
        effects = [
            verb.format(counts=counts_text(counts))
            for verb, counts in (
                (_("adds {counts}"), preview.added),
                (_("updates {counts}"), preview.updated),
                (_("keeps this laptop’s newer {counts}"), preview.kept_here),
            )
            if any(counts.values())
        ]
        lines.append(
            _("Receiving {effects}.").format(effects="; ".join(effects))
            if effects
            else _("Nothing changed on the other laptop since the last hand-over.")
        )
        about = QLabel(" ".join(lines))
        about.setWordWrap(True)
        v.addWidget(about)
        self.confirm_people: QCheckBox | None = None
        people = preview.needs_confirmation
        if people:
            names = "; ".join(
                _("{name} (received as {received}) is {here} here").format(
                    name=p.name, received=p.code_received, here=p.code_here
                )
                for p in people
            )
            found = QLabel(
                _("Matched by name and date of birth only: {names}.").format(names=names)
            )
            found.setWordWrap(True)
            v.addWidget(found)
            self.confirm_people = QCheckBox(
                _(
                    "I have checked: these are the same people (if not, cancel and ask the sender "
                    "to add their NHS numbers)"
                )
            )
            self.confirm_people.toggled.connect(self._update_receive)
            v.addWidget(self.confirm_people)
        self.choices = {}
        if preview.conflicts:
            head = QLabel(
                ngettext(
                    "{n} changed on both laptops since the last hand-over: choose which to keep "
                    "for each.",
                    "{n} changed on both laptops since the last hand-over: choose which to keep "
                    "for each.",
                    len(preview.conflicts),
                ).format(n=len(preview.conflicts))
            )
            head.setWordWrap(True)
            v.addWidget(head)
            v.addWidget(self._conflicts_table(preview), 1)
        else:
            v.addStretch(1)
        self.hint = QLabel("")
        self.hint.setObjectName("hint")
        v.addWidget(self.hint)
        return page

    def _conflicts_table(self, preview: HandoverReport) -> QTableWidget:
        table = QTableWidget(len(preview.conflicts), 4)
        table.setHorizontalHeaderLabels([_("What"), _("This laptop"), _("Received"), _("Keep")])
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.verticalHeader().hide()
        table.setWordWrap(True)
        for row, c in enumerate(preview.conflicts):
            fields = c.differs or tuple(sorted(set(c.here or {}) | set(c.received or {})))

            def side(values: Mapping[str, Any] | None, fields: tuple[str, ...] = fields) -> str:
                if values is None:
                    return _("(removed)")
                return "\n".join(
                    f"{f.replace('_', ' ')}: {_value_text(values.get(f))}" for f in fields
                )

            for col, text in enumerate((c.what, side(c.here), side(c.received))):
                table.setItem(row, col, QTableWidgetItem(text))
            choice = QComboBox()
            choice.addItem(_(CHOOSE), "")
            choice.addItem(_(KEEP_HERE), "here")
            choice.addItem(_(TAKE_RECEIVED), "received")
            choice.currentIndexChanged.connect(self._update_receive)
            table.setCellWidget(row, 3, choice)
            self.choices[c.id] = choice
        header = table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for col in (1, 2, 3):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        table.resizeRowsToContents()
        return table

    def chosen(self) -> dict[str, str]:
        """The instructor's choice for each conflict, as the service takes them."""
        return {
            cid: str(box.currentData()) for cid, box in self.choices.items() if box.currentData()
        }

    def _update_receive(self) -> None:
        if self.pages.currentIndex() != PAGE_PREVIEW:
            return
        missing = len(self.choices) - len(self.chosen())
        unconfirmed = self.confirm_people is not None and not self.confirm_people.isChecked()
        self.next_button.setEnabled(not missing and not unconfirmed)
        if missing:
            self.hint.setText(
                ngettext(
                    "Choose which to keep for {n} more before receiving.",
                    "Choose which to keep for {n} more before receiving.",
                    missing,
                ).format(n=missing)
            )
        elif unconfirmed:
            self.hint.setText(
                _("Tick the box to confirm the people matched by name and birth date.")
            )
        else:
            self.hint.setText(_("A backup of this laptop's data is made first."))

    # --- page 3: what was done
    def receive(self) -> None:
        choices, text = self.chosen(), self.passphrase.text()
        self.next_button.setEnabled(False)
        self.next_button.setText(_("Receiving…"))
        self.cancel_button.setEnabled(False)

        def failed(e: BaseException) -> None:
            self.cancel_button.setEnabled(True)
            self.next_button.setText(_("Receive"))
            self._update_receive()
            self.show_error(
                str(e)
                if isinstance(e, KnownError)
                else _("Not received ({error}).").format(error=e)
            )

        self.op = run_op(
            self,
            lambda _progress: handover.receive(self.ctx, self.path, text, choices),
            bus=self.bus,
            background=True,
            success=self._received,
            failure=failed,
        )

    def _received(self, report: HandoverReport) -> None:
        self.report = report
        self._swap_page(PAGE_REPORT, self._report_page(report))
        self.next_button.setText(_("Close"))
        self.next_button.setEnabled(True)
        self.cancel_button.hide()
        self.received.emit(report)

    def _report_page(self, r: HandoverReport) -> QWidget:
        page = QWidget()
        v = QVBoxLayout(page)
        v.setContentsMargins(0, 0, 0, 0)
        title = QLabel(
            _("{code} added to this laptop").format(code=r.course_code)
            if r.course_added
            else _("{code} merged").format(code=r.course_code)
        )
        title.setObjectName("title")
        v.addWidget(title)
        rows: list[tuple[str, str]] = []
        if r.renamed_from:
            rows.append(
                (
                    _("New code"),
                    _("{code} (this laptop already had a different {old})").format(
                        code=r.course_code, old=r.renamed_from
                    ),
                )
            )
        rows += [(_("Added"), counts_text(r.added)), (_("Updated"), counts_text(r.updated))]
        if any(r.kept_here.values()):
            rows.append((_("Kept as on this laptop"), counts_text(r.kept_here)))
        if any(r.removed.values()):
            rows.append((_("Removed (cleared on the other laptop)"), counts_text(r.removed)))
        taken = [c for c in r.conflicts if c.chosen == "received"]
        kept = [c for c in r.conflicts if c.chosen == "here"]
        if r.conflicts:
            rows.append(
                (
                    _("Conflicts resolved"),
                    _("{n}: {taken} took the received, {kept} kept this laptop’s").format(
                        n=len(r.conflicts), taken=len(taken), kept=len(kept)
                    ),
                )
            )
            for c in r.conflicts:
                side = {"received": _("received"), "here": _("this laptop’s")}.get(
                    c.chosen or "", _("left as it was")
                )
                rows.append(("", f"{c.what}: {side}"))
        by_code = [p for p in r.people if p.how == "code"]
        others = [p for p in r.people if p.how not in ("code", "new")]
        if by_code or others:
            found = [_("{n} by their participant code").format(n=len(by_code))] if by_code else []
            found += [_("{name} as {code}").format(name=p.name, code=p.code_here) for p in others]
            rows.append((_("People found here"), "; ".join(found)))
        if r.backup:
            rows.append(
                (
                    _("Backup kept"),
                    _("{name}, from just before receiving").format(name=Path(r.backup).name),
                )
            )
        for w in r.warnings:
            rows.append((_("Note"), w))
        form = QFormLayout()
        for label, value in rows:
            text = QLabel(value)
            text.setWordWrap(True)
            text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            form.addRow(QLabel(f"<b>{label}</b>") if label else QLabel(""), text)
        v.addLayout(form)
        v.addStretch(1)
        note = QLabel(_("Recorded in the audit log (Data → Audit log…)."))
        note.setObjectName("hint")
        v.addWidget(note)
        return page


# ---------------------------------------------------------------- the window's menus


def _course(ctx: AppContext, course_id: int) -> tuple[str, str] | None:
    from escape_desktop.services.reading import course_heading  # when the menu is used

    return course_heading(ctx, course_id)


def send_current_course(window: Any) -> SendDialog | None:
    course_id = window._need_course()
    found = _course(window.ctx, course_id) if course_id is not None else None
    if found is None:
        return None
    dialog = SendDialog(window.ctx, window.bus, found[0], found[1], window)
    window._open_dialog(dialog)
    return dialog


def receive_a_course(window: Any, path: Path | None = None) -> ReceiveDialog | None:
    if path is None:
        chosen = file_dialogs.open_file(
            window, window.ctx.data_dir, _("Choose the course hand-over file"), _(FILE_FILTER)
        )
        if not chosen:
            return None
        path = Path(chosen)
    dialog = ReceiveDialog(window.ctx, window.bus, path, window)
    dialog.received.connect(lambda report: _show_course(window, report.course_code))
    window._open_dialog(dialog)
    return dialog


def _show_course(window: Any, code: str) -> None:
    """The received course, open in the window behind the report."""
    window.courses.reload()
    found = next((r for r in window.courses.model.rows if r.code == code), None)
    if found is not None:
        window.open_course(found.id)


def install(window: QMainWindow) -> None:
    """Course menu: send / receive; Data menu: restore onto this laptop while it holds nothing."""
    from escape_desktop.ui.app.restore_flow import data_is_empty
    from escape_desktop.ui.safety import safety_menu

    w: Any = window
    menu: QMenu = w.course_menu
    menu.addSeparator()
    w.send_course_action = w._action(
        _("Send this course…"),
        lambda: send_current_course(w),
        None,
        _("Save this course for another laptop"),
    )
    w.receive_course_action = w._action(
        _("Receive a course…"),
        lambda: receive_a_course(w),
        None,
        _("Add or merge a course from another laptop"),
    )
    menu.addAction(w.send_course_action)
    menu.addAction(w.receive_course_action)
    controller = safety_menu.controller(window)
    if controller is None:
        return
    data_menu = controller.menu
    data_menu.addSeparator()
    restore: QAction = w._action(
        _("Restore from a backup onto this laptop…"), w.restore_from_backup
    )
    w.restore_backup_action = restore
    data_menu.addAction(restore)

    def update() -> None:
        try:
            restore.setVisible(data_is_empty(w.ctx))
        except Exception:  # a closed or damaged file: the Data menu still opens
            restore.setVisible(False)

    data_menu.aboutToShow.connect(update)
    update()
