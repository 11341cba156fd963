"""Fast entry of one person's start, end or follow-up measures from a pile of paper forms.

Keyboard: Enter moves to the next box, Ctrl+Enter or Page Down saves and goes to the
next person, Page Up to the previous one, Ctrl+S saves and stays. Every box is checked
as it is typed; a set with a bad value is not saved at all.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date

from PySide6.QtCore import QDate, QEvent, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QFormLayout,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from escape_desktop.context import AppContext
from escape_desktop.errors import KnownError
from escape_desktop.i18n import N_, _, ngettext
from escape_desktop.programme.content import Instrument
from escape_desktop.programme.measure_taken import IN_PERSON, REMOTE
from escape_desktop.services import measures
from escape_desktop.services.assessments import checked_value
from escape_desktop.services.errors import ValidationError
from escape_desktop.services.measures import ENTRY_TIMEPOINTS, TIMEPOINT_LABELS, MeasureInput
from escape_desktop.services.measures.entry import online_on, record
from escape_desktop.ui.common import style
from escape_desktop.ui.common.announce import LiveLabel
from escape_desktop.ui.common.change_bus import ChangeBus
from escape_desktop.ui.common.date_field import make_typeable
from escape_desktop.ui.common.operation import run_op
from escape_desktop.ui.measures import measure_words

# The time points in the window's language (the service's labels are its English).
TIMEPOINT_WORDS = {"start": N_("Start"), "end": N_("End"), "follow_up": N_("Follow-up")}


def timepoint_word(timepoint: str) -> str:
    return _(TIMEPOINT_WORDS.get(timepoint, TIMEPOINT_LABELS.get(timepoint, timepoint)))


def not_saved_prefix() -> str:
    """The words that open every refusal on the form ("Not saved: ")."""
    return _("Not saved: ")


def _fmt(value: float, decimals: int) -> str:
    return f"{value:.{decimals}f}"


class WholeLabel(QLabel):
    """A one-line label never narrower than its words, whatever the text size of the moment."""

    def __init__(self, text: str, parent: QWidget | None = None) -> None:
        super().__init__(text, parent)
        self._hold()

    def _hold(self) -> None:
        self.setMinimumWidth(0)
        self.setMinimumWidth(self.sizeHint().width())

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.StyleChange):
            self._hold()


@dataclass
class MeasureField:
    """The boxes for one measure: a score box, or one box per item; an error line under them."""

    instrument: Instrument
    editors: list[QLineEdit]
    error: QLabel
    total: QLabel | None = None
    adapted: QCheckBox | None = None
    item_keys: list[str] = field(default_factory=list)

    def entry(self) -> MeasureInput:
        adapted = bool(self.adapted and self.adapted.isChecked())
        if self.item_keys:
            answers = {k: e.text() for k, e in zip(self.item_keys, self.editors)}
            return MeasureInput(answers=answers, adapted=adapted)
        return MeasureInput(score=self.editors[0].text(), adapted=adapted)


class MeasuresEntry(QWidget):
    """One person's measures at one time point; the section tells it who and listens for moves."""

    saved = Signal(int, str)  # enrolment id, a short message for the status bar
    move_requested = Signal(int)  # +1 next person, -1 previous person

    def __init__(self, ctx: AppContext, bus: ChangeBus, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.bus = bus
        self.course_id: int | None = None
        self.enrolment_id: int | None = None
        self.person_name = ""
        self.fields: dict[str, MeasureField] = {}
        self.dirty = False
        self._loading = False
        self._shown_timepoint = "start"
        self.today: date | None = None  # None: the real date (tests pin it)
        self.day_due: measures.MeasuresDay | None = None
        self._build_header()
        self._build_form_area()
        self._build_buttons()
        self._build_shortcuts()
        layout = QVBoxLayout(self)
        layout.addWidget(self.header)
        layout.addWidget(self.scroll_area, 1)
        layout.addWidget(self.message)
        layout.addLayout(self.buttons)
        self._set_enabled(False)

    # ------------------------------------------------------------------ building

    def _build_header(self) -> None:
        self.header = QWidget(self)
        grid = QGridLayout(self.header)
        grid.setContentsMargins(0, 0, 0, 0)
        self.person_label = QLabel(_("Choose a person from the list."), self.header)
        font = self.person_label.font()
        font.setPointSizeF(font.pointSizeF() * 1.25)
        font.setBold(True)
        self.person_label.setFont(font)
        # Which measures today's class calls for, in large type: on the last class the form
        # opens on End, so end scores are never typed over the start ones (issue 25).
        self.due_label = QLabel("", self.header)
        self.due_label.setObjectName("title")  # the large type of headings, large text too
        self.due_label.setWordWrap(True)
        big = self.due_label.font()
        big.setPointSizeF(big.pointSizeF() * 1.6)
        big.setBold(True)
        self.due_label.setFont(big)
        self.due_label.hide()  # shown with a person: an empty row would squeeze the form
        self.timepoint = QComboBox(self.header)
        for key in ENTRY_TIMEPOINTS:  # follow-ups are recorded in Follow-ups due
            self.timepoint.addItem(timepoint_word(key), key)
        self.timepoint.setToolTip(
            _(
                "Start: first session. End: last session. Follow-up at 3 and 12 months: "
                "View ▸ Follow-ups due (Ctrl+Shift+U)."
            )
        )
        self.day = QDateEdit(self.header)
        make_typeable(self.day)
        # With nobody chosen the box shows a dash, not a made-up date.
        self.day.setSpecialValueText("–")
        tp_label = QLabel(_("T&imepoint:"), self.header)
        tp_label.setBuddy(self.timepoint)
        day_label = QLabel(_("Da&te measured:"), self.header)
        day_label.setBuddy(self.day)
        # Where the set was taken (issue 33): away from the hall a questionnaire is remote and
        # a physical test was watched over video, which the figures may leave out.
        self.taken = QComboBox(self.header)
        self.taken.addItem(_("In person"), IN_PERSON)
        self.taken.addItem(_("Remote (tests watched over video)"), REMOTE)
        self.taken.setAccessibleName(_("Where measured"))
        self.taken.setToolTip(
            _(
                "Remote: questionnaires read out on the call or sent beforehand; a physical "
                "test such as the chair stand watched over video."
            )
        )
        # Never cut in Welsh: at least as wide as its words in the font of the moment (a width
        # fixed here was the normal text's, and cut the label once large text was on).
        self.taken_label = taken_label = WholeLabel(_("&Where measured:"), self.header)
        taken_label.setBuddy(self.taken)
        # Time point and date one above the other: side by side they made the form too wide
        # to sit beside the list of people with large text.
        grid.addWidget(self.person_label, 0, 0, 1, 3)
        grid.addWidget(self.due_label, 1, 0, 1, 3)
        grid.addWidget(tp_label, 2, 0)
        grid.addWidget(self.timepoint, 2, 1)
        grid.addWidget(day_label, 3, 0)
        grid.addWidget(self.day, 3, 1)
        grid.addWidget(taken_label, 4, 0)
        grid.addWidget(self.taken, 4, 1)
        grid.setColumnStretch(2, 1)
        self.timepoint.currentIndexChanged.connect(self._timepoint_changed)
        self.day.dateChanged.connect(self._edited)
        self.taken.currentIndexChanged.connect(self._edited)

    def _build_form_area(self) -> None:
        self.scroll_area = QScrollArea(self)
        self.scroll_area.setWidgetResizable(True)
        style.quiet_scroll(self.scroll_area, _("Measures form"))
        self.scroll_area.setFrameShape(QFrame.Shape.NoFrame)
        self.form_host = QWidget(self.scroll_area)
        self.form = QFormLayout(self.form_host)
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        # Each measure's name above its box and range: the names are long and the form sits
        # beside the list of people, so side by side would squeeze the boxes and hints.
        self.form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapAllRows)
        self.scroll_area.setWidget(self.form_host)
        self.message = LiveLabel("", self)
        self.message.setWordWrap(True)

    def _build_buttons(self) -> None:
        self.buttons = QHBoxLayout()
        # Short labels keep the form usable beside the list of people on a laptop screen;
        # the keys are in the tooltips.
        self.previous_button = QPushButton(_("◀ Previous"), self)
        self.previous_button.setToolTip(_("Save and go to the person above (Page Up)"))
        self.save_button = QPushButton(_("&Save"), self)
        self.save_button.setToolTip(_("Save this person's measures (Ctrl+S)"))
        self.next_button = QPushButton(_("Save, ne&xt ▶"), self)
        self.next_button.setToolTip(_("Save and go to the next person (Ctrl+Enter or Page Down)"))
        self.next_button.setObjectName("primary")
        self.next_button.setDefault(False)
        self.previous_button.clicked.connect(lambda: self.save_and_move(-1))
        self.save_button.clicked.connect(self.save)
        self.next_button.clicked.connect(lambda: self.save_and_move(1))
        self.buttons.addWidget(self.previous_button)
        self.buttons.addStretch(1)
        self.buttons.addWidget(self.save_button)
        self.buttons.addWidget(self.next_button)

    def _build_shortcuts(self) -> None:
        context = Qt.ShortcutContext.WidgetWithChildrenShortcut
        pairs = [
            (QKeySequence(Qt.Modifier.CTRL | Qt.Key.Key_Return), lambda: self.save_and_move(1)),
            (QKeySequence(Qt.Modifier.CTRL | Qt.Key.Key_Enter), lambda: self.save_and_move(1)),
            (QKeySequence(Qt.Key.Key_PageDown), lambda: self.save_and_move(1)),
            (QKeySequence(Qt.Key.Key_PageUp), lambda: self.save_and_move(-1)),
            (QKeySequence(QKeySequence.StandardKey.Save), self.save),
        ]
        self.shortcuts = []
        for keys, slot in pairs:
            sc = QShortcut(keys, self)
            sc.setContext(context)
            sc.activated.connect(slot)
            self.shortcuts.append(sc)

    def _clear_form(self) -> None:
        while self.form.rowCount():
            self.form.removeRow(0)
        self.fields = {}

    def _build_fields(self, instruments: list[Instrument]) -> None:
        if instruments and [f.instrument for f in self.fields.values()] == instruments:
            # The same measures as the course before (most courses): keep the boxes, empty
            # them. Building them again is most of a course switch with this tab open (issue 29).
            self._empty_fields()
            return
        self._clear_form()
        for inst in instruments:
            self.fields[inst.key] = self._build_field(inst)
        if not instruments:
            self.form.addRow(
                QLabel(_("This course has no measures chosen yet: use Choose measures."))
            )
        # Settle the new rows now, so the first paint shows full-height boxes, not squeezed ones.
        self.form.activate()
        # The boxes are made after the buttons: put the buttons after them for Tab, as read.
        boxes = [
            w
            for w in self.form_host.findChildren(QWidget)
            if w.focusPolicy() & Qt.FocusPolicy.TabFocus
        ]
        if boxes:
            order = [boxes[-1], self.previous_button, self.save_button, self.next_button]
            for first, then in zip(order, order[1:], strict=False):
                QWidget.setTabOrder(first, then)

    def _build_field(self, inst: Instrument) -> MeasureField:
        host = QWidget(self.form_host)
        box = QVBoxLayout(host)
        box.setContentsMargins(0, 0, 0, 6)
        low, high = _fmt(inst.min, inst.decimals), _fmt(inst.max, inst.decimals)
        better = (
            _("higher is better") if inst.direction == "higher_better" else _("lower is better")
        )
        error = QLabel("", host)
        error.setObjectName("error")
        error.setWordWrap(True)
        error.hide()
        editors: list[QLineEdit] = []
        total = adapted = None
        keys: list[str] = []
        if inst.kind == "items":
            grid = QGridLayout()
            for row, item in enumerate(inst.items):
                edit = QLineEdit(host)
                edit.setPlaceholderText(f"{item.min}-{item.max}")
                edit.setFixedWidth(self._box_width(edit.placeholderText()))
                edit.setAccessibleName(
                    f"{measure_words.name(inst.name)}: {measure_words.note(item.text)}"
                )
                text = QLabel(measure_words.note(item.text), host)
                text.setWordWrap(True)
                text.setBuddy(edit)
                grid.addWidget(edit, row, 0)
                grid.addWidget(text, row, 1)
                editors.append(edit)
                keys.append(item.key)
            grid.setColumnStretch(1, 1)
            box.addLayout(grid)
            total = QLabel("", host)
            box.addWidget(total)
        else:
            line = QHBoxLayout()
            edit = QLineEdit(host)
            edit.setPlaceholderText(f"{low}-{high}")
            edit.setFixedWidth(self._box_width(edit.placeholderText()))
            edit.setAccessibleName(measure_words.name(inst.name))
            line.addWidget(edit)
            unit = "" if inst.unit.startswith("/") else f" {measure_words.unit(inst.unit)}"
            # Not word-wrapped, so the scroll area knows the form's true height.
            hint = QLabel(
                _("{low} to {high}{unit}, {better}").format(
                    low=low, high=high, unit=unit, better=better
                ),
                host,
            )
            hint.setObjectName("hint")
            line.addWidget(hint)
            line.addStretch(1)
            box.addLayout(line)
            if inst.has_adapted_flag:
                adapted = QCheckBox(_("Adapted (used hands)"), host)
                adapted.toggled.connect(self._edited)
                box.addWidget(adapted)
            editors.append(edit)
        box.addWidget(error)
        fld = MeasureField(inst, editors, error, total, adapted, keys)
        for edit in editors:
            edit.textEdited.connect(lambda _text, f=fld: self._check_live(f))
            edit.textEdited.connect(self._edited)
            edit.returnPressed.connect(lambda e=edit: self._next_box(e))
        label = QLabel(f"{measure_words.name(inst.name)}:", self.form_host)
        label.setToolTip(measure_words.note(inst.licence_note))
        label.setBuddy(editors[0])
        host.setToolTip(measure_words.note(inst.licence_note))
        self.form.addRow(label, host)
        # A layout shows new rows only on the next turn of the event loop; show them now so
        # the form's size (and the scroll area's) is right on the first paint.
        label.show()
        host.show()
        return fld

    def _empty_fields(self) -> None:
        """Every box empty, every check clear, no problem shown: as the form is when built."""
        for fld in self.fields.values():
            for edit in fld.editors:
                edit.clear()
            if fld.adapted is not None:
                fld.adapted.blockSignals(True)
                fld.adapted.setChecked(False)
                fld.adapted.blockSignals(False)
            if fld.total is not None:
                fld.total.setText("")
            self._show_problem(fld, None)

    def _box_width(self, placeholder: str) -> int:
        """Wide enough for the range shown in an empty box and for any value typed."""
        fm = self.fontMetrics()
        return max(fm.horizontalAdvance(placeholder), fm.horizontalAdvance("000.0")) + 18

    def _set_enabled(self, on: bool) -> None:
        if not on:
            self.day.blockSignals(True)
            self.day.setDate(self.day.minimumDate())  # shows the dash
            self.day.blockSignals(False)
        for w in (
            self.timepoint,
            self.day,
            self.taken,
            self.form_host,
            self.save_button,
            self.next_button,
        ):
            w.setEnabled(on)
        self.previous_button.setEnabled(on)

    # ------------------------------------------------------------------ public

    def set_course(self, course_id: int | None) -> None:
        self.course_id = course_id
        self.enrolment_id = None
        self.dirty = False
        self._build_fields(measures.course_instruments(self.ctx, course_id) if course_id else [])
        self.person_label.setText(_("Choose a person from the list."))
        self.due_label.hide()
        self.message.setText("")
        self._set_enabled(False)

    def set_person(self, enrolment_id: int | None, name: str = "", position: str = "") -> None:
        """Show a person's stored measures at the current time point (unsaved edits are dropped)."""
        self.enrolment_id = enrolment_id
        self.person_name = name
        if enrolment_id is None:
            self.person_label.setText(_("Choose a person from the list."))
            self.due_label.hide()
            self._set_enabled(False)
            return
        self.person_label.setText(f"{name}  {position}".strip())
        self._set_enabled(True)
        try:
            self.day_due = measures.measures_day(self.ctx, enrolment_id, self.today)
        except KnownError:
            self.day_due = None
        if self.day_due is not None:
            # Open on what the class calls for (start at their first class, end at the last).
            self._loading = True
            self.set_timepoint(self.day_due.timepoint)
            self._shown_timepoint = self.day_due.timepoint
            self._loading = False
        self._load()
        self._show_due()

    def _show_due(self) -> None:
        """Say in large type which measures these are and whether today's class calls for them."""
        due = self.day_due
        tp = self.current_timepoint()
        self.due_label.setVisible(self.enrolment_id is not None)
        # Whole phrases per time point: a time-point word glued in cannot follow Welsh order.
        which = _("END MEASURES") if tp == "end" else _("START MEASURES")
        if due is None or due.session_number is None:
            self.due_label.setText(which)
        elif due.due and due.timepoint == tp:
            self.due_label.setText(
                which
                + " · "
                + _("session {number} of {count}").format(
                    number=due.session_number, count=due.sessions
                )
            )
        elif due.due:
            wanted = (
                _("session {number} is the end")
                if due.timepoint == "end"
                else _("session {number} is the start")
            )
            self.due_label.setText(which + " · " + wanted.format(number=due.session_number))
        else:
            self.due_label.setText(
                which + " · " + _("none due at session {number}").format(number=due.session_number)
            )

    def current_timepoint(self) -> str:
        return str(self.timepoint.currentData())

    def set_timepoint(self, timepoint: str) -> None:
        self.timepoint.setCurrentIndex(self.timepoint.findData(timepoint))

    def focus_first(self) -> None:
        first = next(iter(self.fields.values()), None)
        if first is not None:
            first.editors[0].setFocus(Qt.FocusReason.OtherFocusReason)
            first.editors[0].selectAll()

    # ------------------------------------------------------------------ loading

    def reload(self) -> None:
        """Show the stored values again (after an undo), keeping the last message."""
        said = self.message.text()
        self._load()
        self._show_due()
        self.message.setText(said)

    def _load(self) -> None:
        if self.enrolment_id is None or self.course_id is None:
            return
        self._loading = True
        try:
            tp = self.current_timepoint()
            stored = measures.person_measures(self.ctx, self.enrolment_id, tp)
            days = [m.assessed_on for m in stored.values()]
            day = (
                days[0]
                if days
                else measures.default_assessment_date(
                    self.ctx, self.course_id, tp, self.today, self.enrolment_id
                )
            )
            self.day.setDate(QDate(day.year, day.month, day.day))
            # As saved; for a new set, where the person was at that day's session.
            away = (
                any(m.taken != IN_PERSON for m in stored.values())
                if stored
                else online_on(self.ctx, self.enrolment_id, day)
            )
            self.taken.setCurrentIndex(self.taken.findData(REMOTE if away else IN_PERSON))
            for key, fld in self.fields.items():
                m = stored.get(key)
                inst = fld.instrument
                if fld.item_keys:
                    answers = (m.answers if m else None) or {}
                    for k, edit in zip(fld.item_keys, fld.editors):
                        v = answers.get(k)
                        edit.setText("" if v is None else str(v))
                else:
                    fld.editors[0].setText(
                        "" if m is None or m.score is None else _fmt(m.score, inst.decimals)
                    )
                if fld.adapted is not None:
                    fld.adapted.setChecked(bool(m and m.adapted))
                self._check_live(fld)
            self.dirty = False
            self.message.setText("")
        finally:
            self._loading = False

    def _timepoint_changed(self) -> None:
        if self._loading or self.enrolment_id is None:
            self._shown_timepoint = self.current_timepoint()
            return
        wanted = self.current_timepoint()
        if self.dirty:
            # Save what was typed against the time point it was typed for.
            self._loading = True
            self.set_timepoint(self._shown_timepoint)
            self._loading = False
            if not self.save():
                return
            self._loading = True
            self.set_timepoint(wanted)
            self._loading = False
        self._shown_timepoint = wanted
        self._load()
        self._show_due()

    # ------------------------------------------------------------------ checking

    def _edited(self, *_args: object) -> None:
        if not self._loading:
            self.dirty = True

    def _next_box(self, edit: QLineEdit) -> None:
        boxes = [e for f in self.fields.values() for e in f.editors]
        i = boxes.index(edit)
        if i + 1 < len(boxes):
            boxes[i + 1].setFocus(Qt.FocusReason.TabFocusReason)
            boxes[i + 1].selectAll()
        else:
            self.next_button.setFocus(Qt.FocusReason.TabFocusReason)

    def _check_live(self, fld: MeasureField) -> str | None:
        """Show a problem with the boxes of one measure as soon as it is typed."""
        entry = fld.entry()
        problem = None
        value = None
        if not entry.is_blank():
            try:
                value, _answers = checked_value(
                    fld.instrument, score=entry.score, answers=entry.answers
                )
            except ValidationError as e:
                problem = e.message
        self._show_problem(fld, problem)
        if fld.total is not None:
            fld.total.setText(self._total_text(fld, value, entry))
        return problem

    def _total_text(self, fld: MeasureField, value: float | None, entry: MeasureInput) -> str:
        if entry.is_blank():
            return ""
        answers = entry.answers or {}
        missing = sum(1 for v in answers.values() if v is None or not str(v).strip())
        inst = fld.instrument
        if value is None:
            needed = len(inst.items) - inst.max_missing_items
            return ngettext(
                "Answer at least {needed} of the {n} question to give a total.",
                "Answer at least {needed} of the {n} questions to give a total.",
                len(inst.items),
            ).format(needed=needed, n=len(inst.items))
        note = (
            " " + _("({n} missing, estimated from the others)").format(n=missing) if missing else ""
        )
        return _("Total: {value}").format(value=_fmt(value, inst.decimals)) + note

    def _show_problem(self, fld: MeasureField, problem: str | None) -> None:
        fld.error.setText(problem or "")
        fld.error.setVisible(bool(problem))
        for edit in fld.editors:
            style.mark_invalid(edit, bool(problem), problem or "")

    # ------------------------------------------------------------------ saving

    def save(self) -> bool:
        """Save the whole set (all or nothing). Returns False and shows why when it cannot."""
        if self.enrolment_id is None:
            return False
        problems = [(k, p) for k, f in self.fields.items() if (p := self._check_live(f))]
        if problems:
            key, text = problems[0]
            return self._refuse(key, text)
        taken = str(self.taken.currentData())
        entries = {k: replace(f.entry(), taken=taken) for k, f in self.fields.items()}
        qd = self.day.date()
        day = date(qd.year(), qd.month(), qd.day())
        tp = self.current_timepoint()
        enrolment_id = self.enrolment_id

        # Whole sentences for each time point the form saves (start, end): a translated
        # time-point word glued into a sentence cannot take Welsh order or mutation.
        def said(count: int) -> str:
            text = (
                ngettext(
                    "Saved {count} end measure for {who}.",
                    "Saved {count} end measures for {who}.",
                    count,
                )
                if tp == "end"
                else ngettext(
                    "Saved {count} start measure for {who}.",
                    "Saved {count} start measures for {who}.",
                    count,
                )
            )
            return text.format(count=count, who=self.person_name)

        def failed(e: BaseException) -> None:
            if isinstance(e, ValidationError):
                self._refuse(e.field, e.message)
            elif isinstance(e, KnownError):
                self.message.setText(not_saved_prefix() + str(e))
                style.set_tone(self.message, "bad")
            else:
                raise e  # unexpected: logged and shown by the error hook

        # A saved value is never overwritten without asking (issue 25).
        changing = measures.replacements(self.ctx, enrolment_id, tp, entries)
        if changing and not self._confirm_replace(changing):
            self.message.setText(
                not_saved_prefix()
                + (
                    _(
                        "the end values already saved were kept. "
                        "Check the time point, or save again and confirm."
                    )
                    if tp == "end"
                    else _(
                        "the start values already saved were kept. "
                        "Check the time point, or save again and confirm."
                    )
                )
            )
            style.set_tone(self.message, "bad")
            return False
        # The initiator is this form: the section around it still reads its lists again.
        op = run_op(
            self,
            lambda: record(
                self.ctx,
                enrolment_id,
                tp,
                entries,
                day,
                who=self.person_name,
                overwrite=bool(changing),
            ),
            bus=self.bus,
            initiator=self,
            failure=failed,
        )
        if not op.ok or op.value is None:
            return False
        self.dirty = False
        text = said(op.value)
        self.message.setText(text)
        style.set_tone(self.message, None)
        self.saved.emit(enrolment_id, text)
        return True

    def _confirm_replace(self, changing: list[measures.Replacement]) -> bool:
        """Ask before a saved value is changed: "Replace the start value 6 of Pain with 3?"."""
        asks = [r.question() for r in changing]
        text = (
            (asks[0][0].upper() + asks[0][1:] + "?")
            if len(asks) == 1
            else (
                _("Change values already saved for {name}?").format(name=self.person_name)
                + "\n\n"
                + "\n".join(f"• {a[0].upper()}{a[1:]}" for a in asks)
            )
        )
        box = QMessageBox(
            QMessageBox.Icon.Question, _("Replace saved measures?"), text, parent=self
        )
        yes = box.addButton(_("&Replace"), QMessageBox.ButtonRole.AcceptRole)
        keep = box.addButton(_("&Keep the saved values"), QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(keep)
        box.setEscapeButton(keep)
        box.exec()
        return box.clickedButton() is yes

    def _refuse(self, key: str, text: str) -> bool:
        fld = self.fields.get(key)
        name = measure_words.name(fld.instrument.name) if fld else _("This set")
        self.message.setText(
            not_saved_prefix()
            + _("{problem} Correct {measure}, then save again.").format(problem=text, measure=name)
        )
        style.set_tone(self.message, "bad")
        if fld is not None:
            self._show_problem(fld, text)
            bad = fld.editors[0]
            for i, edit in enumerate(fld.editors):
                typed = edit.text().strip()
                if not typed:
                    continue
                if fld.item_keys:
                    item = fld.instrument.items[i]
                    ok = typed.lstrip("-").isdigit() and item.min <= int(typed) <= item.max
                else:
                    ok = False
                if not ok:
                    bad = edit
                    break
            bad.setFocus(Qt.FocusReason.OtherFocusReason)
            bad.selectAll()
        return False

    def save_and_move(self, step: int) -> None:
        if self.enrolment_id is None:
            return
        if self.dirty and not self.save():
            return
        self.move_requested.emit(step)

    def leave(self) -> bool:
        """Before showing someone else: save typed changes. False (and a message) if they are not valid."""
        return not self.dirty or self.save()
