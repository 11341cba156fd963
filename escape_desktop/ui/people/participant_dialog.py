"""Enrol or edit a person: checked as you type, consents yes / no / not asked yet, screening at enrolment.

The dialog keeps still: its width is set once, hints and the reason Save is greyed out have
space kept for them, so nothing moves under the pointer while typing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QFrame,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLayout,
    QLineEdit,
    QPlainTextEdit,
    QRadioButton,
    QScrollArea,
    QSizePolicy,
    QSpinBox,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from escape_desktop.context import AppContext
from escape_desktop.errors import KnownError
from escape_desktop.i18n import LANGUAGES, N_, _, ui_date
from escape_desktop.programme.nhs import check_digit, format_nhs_number, normalise_nhs_number
from escape_desktop.programme.screening import Screening
from escape_desktop.services.common import parse_date
from escape_desktop.services.errors import ValidationError
from escape_desktop.services.participants import (
    JOINTS,
    SEXES,
    JoinedAt,
    ParticipantInput,
    age_on,
)
from escape_desktop.ui.common import error_dialog, style
from escape_desktop.ui.common.announce import LiveLabel
from escape_desktop.ui.common.style import mark_invalid
from escape_desktop.ui.people.equality_fields import EqualityFields

if TYPE_CHECKING:
    from escape_desktop.ui.people.people_ops import PeopleOps

REFERRAL_SOURCES = ("", "GP", "physiotherapist", "self", "consultant", "social prescriber")
SEX_LABELS = {
    "": "",
    "female": N_("Female"),
    "male": N_("Male"),
    "other": N_("Other"),
    "prefer not to say": N_("Prefer not to say"),
}
YES, NO, NOT_ASKED = 1, 0, 2  # the consent choices' button ids
NEEDS_REVIEW_TEXT = N_(
    "They will be marked “needs review before starting” and kept off the circuit."
)
JOINT_WORDS = {"knee": N_("Knee"), "hip": N_("Hip"), "back": N_("Back")}


def check_nhs(text: str) -> tuple[bool, str]:
    """(ok, message) for the NHS number box: blank is fine; shown 3-3-4 when valid."""
    if not text.strip():
        return True, _("Optional.")
    try:
        digits = normalise_nhs_number(text)
    except ValueError as e:
        return False, str(e)
    expected = check_digit(digits[:9])
    if expected is None or expected != int(digits[9]):
        return False, _(
            "This NHS number’s check digit is wrong; please check it against the letter."
        )
    return True, f"✓ {format_nhs_number(digits)}"


def check_dob(text: str, today: date) -> tuple[bool, str]:
    if not text.strip():
        return True, _("Optional; gives the age band for reports.")
    try:
        dob = parse_date(text, "date_of_birth", N_("Date of birth"))
    except ValidationError as e:
        return False, e.message
    assert dob is not None
    if dob > today:
        return False, _("That date is in the future; check the year.")
    age = age_on(dob, today)
    if age > 120:
        return False, _("That is over 120 years ago; check the year.")
    if age < 16:
        return False, _("Age {age}: the programme is for adults; check the year.").format(age=age)
    return True, _("Age {age} ({born})").format(age=age, born=ui_date(dob, "short"))


class ParticipantDialog(QDialog):
    """``submit(data)`` saves; a ValidationError it raises is shown on its field and the dialog stays.

    With a ``screening`` checklist (enrolment), every question must be answered before Save.
    """

    def __init__(
        self,
        parent: QWidget | None,
        submit: Callable[[ParticipantInput], object],
        *,
        title: str | None = None,
        course_label: str = "",
        initial: ParticipantInput | None = None,
        today: date | None = None,
        screening: Screening | None = None,
        joined: JoinedAt | None = None,
        set_joined: Callable[[int], object] | None = None,
    ):
        super().__init__(parent)
        self.setWindowTitle(title or _("Enrol a person"))
        self.submit = submit
        # The session the person joined their course at (Details of someone on a course).
        self.joined = joined
        self.set_joined = set_joined
        self.today = today or date.today()
        self.saved = False
        self.screening = screening
        self.answers: dict[str, QButtonGroup] = {}
        self._build(course_label)
        self.consent_follow_up.button(NOT_ASKED).setChecked(True)  # until they are asked
        if initial is not None:
            self.set_value(initial)
        self._refresh()
        self._set_tab_order()
        self._keep_still()
        self.first_name.setFocus()

    # --- building ----------------------------------------------------------------------
    def _build(self, course_label: str) -> None:
        layout = QVBoxLayout(self)
        if course_label:
            head = QLabel(course_label)
            head.setObjectName("subtitle")
            layout.addWidget(head)
        form = QFormLayout()
        self.form = form
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        self.first_name = QLineEdit()
        self.last_name = QLineEdit()
        self.dob = QLineEdit()
        self.dob.setPlaceholderText(_("DD/MM/YYYY"))
        self.dob_hint = self._hint()
        self.sex = QComboBox()
        for key in SEXES:
            self.sex.addItem(_(SEX_LABELS.get(key, key)) if key else "", key)
        # The language of their certificate, progress report and circuit card, beside Sex so
        # the dialog keeps its height (it must open whole on a 1366x768 laptop).
        self.language = QComboBox()
        self.language.setAccessibleName(_("Documents in (language)"))
        self.language.addItem(_("the site's language"), None)
        for code, name in LANGUAGES.items():
            self.language.addItem(name, code)
        self.sex.setAccessibleName(_("Sex"))  # its row holds two boxes: each named itself
        sex_row = QWidget()
        sex_layout = QHBoxLayout(sex_row)
        sex_layout.setContentsMargins(0, 0, 0, 0)
        sex_layout.addWidget(self.sex, 1)
        language_label = QLabel(_("Documents in"))
        language_label.setBuddy(self.language)
        self.language_label = language_label
        sex_layout.addWidget(language_label)
        sex_layout.addWidget(self.language, 1)
        self.nhs = QLineEdit()
        self.nhs.setPlaceholderText(_("e.g. 943 476 5919"))
        self.nhs_hint = self._hint()
        self.phone = QLineEdit()
        self.email = QLineEdit()
        joints = QWidget()
        jl = QHBoxLayout(joints)
        jl.setContentsMargins(0, 0, 0, 0)
        self.joints = {j: QCheckBox(_(JOINT_WORDS.get(j, j.capitalize()))) for j in JOINTS}
        for box in self.joints.values():
            jl.addWidget(box)
        jl.addStretch(1)
        self.referral = QComboBox()
        self.referral.setEditable(True)
        self.referral.addItems(REFERRAL_SOURCES)
        self.consent_programme, consent_row = self._consent_choice(_("Take part"))
        self.consent_share, share_row = self._consent_choice(_("Share for audit"))
        # Follow-up 3 and 12 months later (issue 32): its own consent, "Not asked yet" until
        # the person is asked and then never assumed; and how, on the same row.
        self.consent_follow_up, follow_row = self._consent_choice(_("Contact afterwards"))
        self.contact_by = QComboBox()
        self.contact_by.setAccessibleName(_("Contact afterwards by"))
        for label, key in ((_("by: not said"), ""), (_("by phone"), "phone"),
                           (_("by post"), "post"), (_("by email"), "email")):  # fmt: skip
            self.contact_by.addItem(label, key)
        follow_layout = follow_row.layout()
        assert follow_layout is not None
        follow_layout.addWidget(self.contact_by)
        self.notes = QPlainTextEdit()
        self.notes.setTabChangesFocus(True)
        self.notes.setFixedHeight(self.fontMetrics().height() * 3 + 16)
        form.addRow(_("First name *"), self.first_name)
        form.addRow(_("Last name *"), self.last_name)
        form.addRow(_("Date of birth"), self.dob)
        form.addRow("", self.dob_hint)
        form.addRow(_("Sex"), sex_row)
        form.addRow(_("NHS number"), self.nhs)
        form.addRow("", self.nhs_hint)
        form.addRow(_("Phone"), self.phone)
        form.addRow(_("Email"), self.email)
        form.addRow(_("Joints affected"), joints)
        form.addRow(_("Referred by"), self.referral)
        form.addRow(_("Take part *"), consent_row)
        form.addRow(_("Share for audit"), share_row)
        form.addRow(_("Follow-up"), follow_row)  # short: the label column is narrow
        follow_row.setToolTip(_("May we contact them 3 and 12 months after the course, and how?"))
        share_hint = QLabel(
            _(
                "Shared under a code, never the name. Not asked yet: the register reminds you "
                "at the first session."
            )
        )
        share_hint.setObjectName("hint")
        share_hint.setWordWrap(True)
        share_hint.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        form.addRow("", share_hint)
        form.addRow(_("Notes"), self.notes)
        self.equality = EqualityFields()
        form.addRow(self.equality)
        self.joined_at: QSpinBox | None = None
        if self.joined is not None:
            self.joined_at = QSpinBox()
            self.joined_at.setRange(1, max(1, self.joined.sessions))
            self.joined_at.setValue(self.joined.joined_at)
            self.joined_at.setAccessibleName(_("Joined at session"))
            form.addRow(_("Joined at session"), self.joined_at)
            joined_hint = QLabel(
                _(
                    "1 = from the start. Choose a later session only for someone who joined "
                    "late: completion counts from there. A session with a mark always counts."
                )
            )
            joined_hint.setObjectName("hint")
            joined_hint.setWordWrap(True)
            form.addRow("", joined_hint)
        columns = QHBoxLayout()
        columns.addLayout(form, 3)  # the form's rows are the wider, in Welsh most
        self.screening_box: QGroupBox | None = None
        if self.screening is not None:
            self.screening_box = self._build_screening(self.screening)
            columns.addWidget(self.screening_box, 2)
        self.body = QWidget()
        self.body.setLayout(columns)
        columns.setContentsMargins(0, 0, 0, 0)
        # On a 768-pixel screen with large text the form and the screening questions are taller
        # than the screen: they scroll, and the messages and buttons below stay in view.
        self.body_scroll = QScrollArea()
        self.body_scroll.setWidget(self.body)
        style.quiet_scroll(self.body_scroll, _("Details of the person"))
        self.body_scroll.setWidgetResizable(True)
        self.body_scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.body_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        layout.addWidget(self.body_scroll, 1)
        # Why Save is greyed out, or why it failed, in plain sight (a tooltip is never seen in
        # a sports hall), in a space kept for it so nothing jumps when Save becomes available.
        self.error = LiveLabel()
        self.error.setObjectName("error")
        self.error.setWordWrap(True)
        self.ready_hint = QLabel()
        self.ready_hint.setObjectName("hint")
        self.ready_hint.setWordWrap(True)
        self.messages = QStackedWidget()
        self.messages.addWidget(self.ready_hint)
        self.messages.addWidget(self.error)
        self.messages.setFixedHeight(self.fontMetrics().height() * 2 + 8)
        layout.addWidget(self.messages)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self._save)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.fields: dict[str, QWidget] = {
            "first_name": self.first_name,
            "last_name": self.last_name,
            "date_of_birth": self.dob,
            "sex": self.sex,
            "language": self.language,
            "nhs_number": self.nhs,
            "phone": self.phone,
            "email": self.email,
            "joints": joints,
            "referral_source": self.referral,
            "consent_programme": consent_row,
            "consent_share": share_row,
            "consent_follow_up": follow_row,
            "contact_by": follow_row,
            "notes": self.notes,
            **self.equality.boxes,
        }
        if self.joined_at is not None:
            self.fields["joined_at"] = self.joined_at
        if self.screening_box is not None:
            self.fields["screening"] = self.screening_box
        for edit in (self.first_name, self.last_name, self.dob, self.nhs, self.phone, self.email):
            edit.textChanged.connect(self._refresh)
        self.nhs.editingFinished.connect(self._format_nhs)
        layout.setSizeConstraint(QLayout.SizeConstraint.SetMinimumSize)

    def _hint(self) -> QLabel:
        """A hint under a box, two lines kept for it so a longer message does not move the form."""
        label = QLabel()
        label.setObjectName("hint")
        label.setWordWrap(True)
        label.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        label.setFixedHeight(self.fontMetrics().height() * 2 + 4)
        label.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        return label

    def _consent_choice(self, what: str) -> tuple[QButtonGroup, QWidget]:
        row = QWidget()
        rl = QHBoxLayout(row)
        rl.setContentsMargins(0, 0, 0, 0)
        group = QButtonGroup(row)
        for label, key in ((_("Yes"), YES), (_("No"), NO), (_("Not asked yet"), NOT_ASKED)):
            button = QRadioButton(label)
            button.setAccessibleName(_("{what}: {answer}").format(what=what, answer=label))
            group.addButton(button, key)
            rl.addWidget(button)
        rl.addStretch(1)
        group.idToggled.connect(lambda *_: self._refresh())
        return group, row

    def _build_screening(self, screening: Screening) -> QGroupBox:
        box = QGroupBox(_("Screening before they start: ask every question"))
        box.setObjectName("screening")
        grid = QGridLayout(box)
        grid.setColumnStretch(0, 1)
        grid.setHorizontalSpacing(10)
        group_seen = ""
        row = 0
        for q in screening.questions:
            if q.group and q.group != group_seen:
                group_seen = q.group
                grid.addWidget(QLabel(f"<b>{_(q.group)}</b>"), row, 0, 1, 3)
                row += 1
            text = QLabel(_(q.text))
            text.setWordWrap(True)
            answer = QButtonGroup(box)
            for col, (label, key) in enumerate(((_("Yes"), YES), (_("No"), NO)), start=1):
                button = QRadioButton(label)
                button.setAccessibleName(f"{_(q.text)} {label}")
                answer.addButton(button, key)
                grid.addWidget(button, row, col, Qt.AlignmentFlag.AlignTop)
            answer.idToggled.connect(lambda *_: self._refresh())
            self.answers[q.key] = answer
            grid.addWidget(text, row, 0, Qt.AlignmentFlag.AlignTop)
            row += 1
        # The advice appears in a space kept for it when any answer is yes.
        self.advice = LiveLabel("")
        self.advice.setObjectName("error")
        self.advice.setWordWrap(True)
        self.advice.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        grid.addWidget(self.advice, row, 0, 1, 3)
        grid.setRowStretch(row + 1, 1)
        return box

    def _set_tab_order(self) -> None:
        """Tab goes down the form as it reads, then down the screening questions, then Save."""
        chain: list[QWidget] = [
            self.first_name,
            self.last_name,
            self.dob,
            self.sex,
            self.language,
            self.nhs,
            self.phone,
            self.email,
            *self.joints.values(),
            self.referral,
            *self.consent_programme.buttons(),
            *self.consent_share.buttons(),
            *self.consent_follow_up.buttons(),
            self.contact_by,
            self.notes,
            *self.equality.widgets(),
        ]
        if self.joined_at is not None:
            chain.append(self.joined_at)
        for group in self.answers.values():
            chain.extend(group.buttons())
        chain.extend(self.buttons.buttons())
        for first, second in zip(chain, chain[1:], strict=False):
            QWidget.setTabOrder(first, second)
        self.tab_chain = chain

    def _keep_still(self) -> None:
        """Fix the width once: a long name or a long hint wraps or scrolls, it never widens."""
        self.ensurePolished()  # the style sheet's text size, before anything is measured
        em = self.fontMetrics().horizontalAdvance("M")
        # A choice box is never narrower than its longest choice (Welsh runs a third longer
        # than English), except the equality lists, whose long categories show what fits and
        # the whole choice in their tooltip.
        for combo in self.findChildren(QComboBox):
            if combo not in self.equality.boxes.values():
                combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
            combo.setMinimumWidth(combo.sizeHint().width())
        # A hint wraps to the width it is given: it never asks for a wider dialog.
        for label in self.body.findChildren(QLabel):
            if label.wordWrap():
                label.setMinimumWidth(min(label.minimumSizeHint().width(), em * 16))
        layout = self.layout()
        assert layout is not None
        margins = layout.contentsMargins()
        # The body sits beside the scroll area's bar: its width is the dialog's less both.
        bar = self.body_scroll.verticalScrollBar().sizeHint().width()
        chrome = margins.left() + margins.right() + bar
        self.body.layout().activate()  # type: ignore[union-attr]
        # Wide enough for the longest row (Yes, No, Not asked yet and how to contact) in the
        # window's language, and a comfortable width for typing; still inside the screen.
        width = max(
            em * (82 if self.screening is not None else 50),
            self.body.minimumSizeHint().width() + chrome,
        )
        screen = self.screen()
        if screen is not None:
            room = screen.availableGeometry().width() - 40
            if width > room:
                self._narrow()
                self.body.layout().activate()  # type: ignore[union-attr]
                width = max(min(width, room), self.body.minimumSizeHint().width() + chrome)
            if width > room:  # wider than the screen: it scrolls sideways, nothing is cut
                self.body_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
            width = min(width, room)
        # The width is held by the body (the layout keeps the dialog at least that wide) and
        # a maximum, so the layout's own minimum never shrinks or widens it.
        self.body.setMinimumWidth(max(width - chrome, self.body.minimumSizeHint().width()))
        self.body_scroll.setMinimumWidth(min(width - margins.left() - margins.right(),
                                             self.body.minimumWidth() + bar))  # fmt: skip
        self.setMaximumWidth(width)
        layout.activate()
        self.resize(width, self.minimumSizeHint().height())
        # Wrapped text gets the height it needs at this width, once: a top-level dialog does
        # not ask its labels for height-for-width, and would squash them instead. Twice, as
        # the first heights can move the columns.
        if self.screening is not None:
            self.advice.setText(f"{_(self.screening.advice)} {_(NEEDS_REVIEW_TEXT)}")
        wrapped = [
            label
            for label in self.findChildren(QLabel)
            if label.wordWrap()
            and label.text()
            and label not in (self.dob_hint, self.nhs_hint)
            and label.parent() is not self.messages
        ]
        for _twice in range(2):
            layout.activate()
            for label in wrapped:
                label.setMinimumHeight(label.heightForWidth(label.width()))
        self._show_advice()
        # Why Save is greyed out: the lines the longest reason takes at this width (three in
        # a long language at large text), kept whichever reason shows.
        lines = self.ready_hint.heightForWidth(self.messages.width())
        self.messages.setFixedHeight(max(self.messages.height(), lines + 8))
        body = self.body.layout()
        assert body is not None
        self.body.setMinimumHeight(body.sizeHint().height())  # all of the form, Notes included
        layout.activate()
        # Open tall enough for the whole form where the screen allows: the scroll area's own
        # minimum is a few lines, and the dialog opened 200 pixels high with the screening
        # questions in a slot two lines tall.
        scroll_min = self.body_scroll.minimumSizeHint().height()
        height = self.minimumSizeHint().height() - scroll_min + self.body.minimumHeight() + 4
        if self.body_scroll.horizontalScrollBarPolicy() != Qt.ScrollBarPolicy.ScrollBarAlwaysOff:
            # Scrolling sideways (a screen too narrow for the form): its bar takes height too.
            height += self.body_scroll.horizontalScrollBar().sizeHint().height()
        if screen is not None:
            height = min(height, screen.availableGeometry().height() - 60)  # title bar
        self.resize(width, max(height, self.minimumSizeHint().height()))

    def _narrow(self) -> None:
        """Rows that hold two things side by side put the second on a row of its own, for a
        screen too narrow for them (200 % text, or a language a third longer than English)."""
        sex_row = self.sex.parentWidget()
        follow_row = self.contact_by.parentWidget()
        assert sex_row is not None and follow_row is not None
        for widgets, row_widget, label in (
            ((self.language_label, self.language), sex_row, self.language_label),
            ((self.contact_by,), follow_row, None),
        ):
            row_layout = row_widget.layout()
            assert row_layout is not None
            for widget in widgets:
                row_layout.removeWidget(widget)
            position = self.form.getWidgetPosition(row_widget)  # (row, role)
            row: int = position[0]  # type: ignore[index]
            field = widgets[-1]
            if label is not None:
                self.form.insertRow(row + 1, label, field)
            else:
                self.form.insertRow(row + 1, "", field)
            field.setSizePolicy(QSizePolicy.Policy.Minimum, field.sizePolicy().verticalPolicy())
        self.equality.stack()

    # --- values ------------------------------------------------------------------------
    @staticmethod
    def _consent_of(group: QButtonGroup) -> bool | None:
        return {YES: True, NO: False}.get(group.checkedId())

    def value(self) -> ParticipantInput:
        return ParticipantInput(
            first_name=self.first_name.text(),
            last_name=self.last_name.text(),
            date_of_birth=self.dob.text().strip() or None,
            sex=self.sex.currentData() or "",
            nhs_number=self.nhs.text(),
            phone=self.phone.text(),
            email=self.email.text(),
            joints=",".join(j for j, box in self.joints.items() if box.isChecked()),
            referral_source=self.referral.currentText(),
            consent_programme=self._consent_of(self.consent_programme),
            consent_share=self._consent_of(self.consent_share),
            notes=self.notes.toPlainText(),
            consent_follow_up=self._consent_of(self.consent_follow_up),
            contact_by=str(self.contact_by.currentData() or ""),
            language=self.language.currentData() or None,
            **self.equality.values(),
        )

    def screening_answers(self) -> dict[str, bool] | None:
        """The yes/no answers by question key; None without a checklist or with one unanswered."""
        if self.screening is None:
            return None
        ids = {key: group.checkedId() for key, group in self.answers.items()}
        if any(i == -1 for i in ids.values()):
            return None
        return {key: i == YES for key, i in ids.items()}

    def set_value(self, data: ParticipantInput) -> None:
        self.first_name.setText(data.first_name)
        self.last_name.setText(data.last_name)
        dob = data.date_of_birth
        self.dob.setText(dob.strftime("%d/%m/%Y") if isinstance(dob, date) else (dob or ""))
        self.sex.setCurrentIndex(max(0, self.sex.findData(data.sex)))
        self.nhs.setText(format_nhs_number(data.nhs_number) if data.nhs_number else "")
        self.phone.setText(data.phone)
        self.email.setText(data.email)
        for j, box in self.joints.items():
            box.setChecked(j in data.joints.split(","))
        self.referral.setCurrentText(data.referral_source)
        for group, consent in (
            (self.consent_programme, data.consent_programme),
            (self.consent_share, data.consent_share),
        ):
            # "Not asked yet" stays not asked: never shown, or saved, as a "no".
            key = NOT_ASKED if consent is None else (YES if consent else NO)
            group.button(key).setChecked(True)
        self.notes.setPlainText(data.notes)
        key = (
            NOT_ASKED if data.consent_follow_up is None else (YES if data.consent_follow_up else NO)
        )
        self.consent_follow_up.button(key).setChecked(True)
        self.contact_by.setCurrentIndex(max(0, self.contact_by.findData(data.contact_by)))
        found = self.language.findData(data.language) if data.language else 0
        self.language.setCurrentIndex(max(0, found))
        self.equality.set_value(data)

    def _format_nhs(self) -> None:
        """Show a valid NHS number as 3-3-4 once the person leaves the box."""
        ok, text = check_nhs(self.nhs.text())
        if ok and text.startswith("✓ "):
            self.nhs.setText(text[2:])

    # --- checking ----------------------------------------------------------------------
    def _refresh(self) -> None:
        dob_ok, dob_text = check_dob(self.dob.text(), self.today)
        self.dob_hint.setText(dob_text)
        style.set_style_name(self.dob_hint, "hint" if dob_ok else "error")
        mark_invalid(self.dob, not dob_ok, "" if dob_ok else dob_text)
        nhs_ok, nhs_text = check_nhs(self.nhs.text())
        self.nhs_hint.setText(nhs_text)
        style.set_style_name(self.nhs_hint, "hint" if nhs_ok else "error")
        mark_invalid(self.nhs, not nhs_ok, "" if nhs_ok else nhs_text)
        for edit in (self.first_name, self.last_name):
            if edit.text().strip():
                mark_invalid(edit, False)
        screened = self.screening is None or self.screening_answers() is not None
        self._show_advice()
        ready = (
            bool(self.first_name.text().strip())
            and bool(self.last_name.text().strip())
            and dob_ok
            and nhs_ok
            and self.consent_programme.checkedId() != -1
            and self.consent_share.checkedId() != -1
            and screened
        )
        save = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        save.setEnabled(ready)
        if not ready:
            missing = []
            if not self.first_name.text().strip() or not self.last_name.text().strip():
                missing.append(_("the name"))
            if self.consent_programme.checkedId() == -1 or self.consent_share.checkedId() == -1:
                missing.append(_("both consent choices"))
            if not screened:
                missing.append(_("every screening question"))
            if len(missing) > 1:
                listed = _("{first} and {last}").format(
                    first=", ".join(missing[:-1]) if len(missing) > 2 else missing[0],
                    last=missing[-1],
                )
            else:
                listed = "".join(missing)
            why = (
                _("Fill in {missing} to save.").format(missing=listed)
                if missing
                else _("Fix the boxes in red to save.")
            )
            save.setToolTip(why)
            self.ready_hint.setText(why)
        else:
            save.setToolTip("")
            self.ready_hint.setText("")
        if self.messages.currentWidget() is self.error and ready:
            self.messages.setCurrentWidget(self.ready_hint)

    def _show_advice(self) -> None:
        if self.screening is None:
            return
        yes = [key for key, group in self.answers.items() if group.checkedId() == YES]
        self.advice.setText(f"{_(self.screening.advice)} {_(NEEDS_REVIEW_TEXT)}" if yes else "")

    def show_error(self, e: ValidationError | KnownError) -> None:
        self.error.setText(str(e))
        self.messages.setCurrentWidget(self.error)
        field = getattr(e, "field", "")
        widget = self.fields.get(field)
        if widget is not None:
            mark_invalid(widget, True, str(e))
            widget.setFocus(Qt.FocusReason.OtherFocusReason)

    def _save(self) -> None:
        data = self.value()
        if data.consent_programme is False:
            self.show_error(
                ValidationError(
                    "consent_programme",
                    _(
                        "The person must agree to take part before they can be enrolled; "
                        "ask them, or cancel for now."
                    ),
                )
            )
            return
        try:
            self.submit(data)
            if (
                self.joined_at is not None
                and self.joined is not None
                and self.set_joined is not None
                and self.joined_at.value() != self.joined.joined_at
            ):
                self.set_joined(self.joined_at.value())
        except KnownError as e:
            self.show_error(e)
            return
        except Exception as e:  # unexpected: logged and shown, the dialog stays open
            error_dialog.report(self, e)
            return
        self.saved = True
        self.accept()


class EnrolDialog(ParticipantDialog):
    """Enrol a new person on a course, with the course's screening checklist, through the ops."""

    def __init__(
        self,
        parent: QWidget | None,
        ctx: AppContext,
        ops: PeopleOps,
        course_id: int,
        *,
        course_label: str = "",
        today: date | None = None,
    ):
        from escape_desktop.services.screening import checklist_for_course

        self.ops = ops
        self.course_id = course_id
        self.enrolment_id: int | None = None
        super().__init__(
            parent,
            self._enrol,
            course_label=course_label,
            today=today,
            screening=checklist_for_course(ctx, course_id),
        )

    def _enrol(self, data: ParticipantInput) -> None:
        answers: Mapping[str, bool] | None = self.screening_answers()
        self.enrolment_id = self.ops.enrol(self.course_id, data, screening=answers)
