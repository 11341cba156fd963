"""Enrol or edit a person: checked as you type, consents as explicit choices, errors on the field."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

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
    QLayout,
    QLineEdit,
    QPlainTextEdit,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from escape_desktop.db.errors import KnownError
from escape_desktop.programme.nhs import check_digit, format_nhs_number, normalise_nhs_number
from escape_desktop.services.common import parse_date
from escape_desktop.services.errors import ValidationError
from escape_desktop.services.participants import JOINTS, SEXES, ParticipantInput, age_on
from escape_desktop.ui.common import error_dialog
from escape_desktop.ui.common.style import mark_invalid

REFERRAL_SOURCES = ("", "GP", "physiotherapist", "self", "consultant", "social prescriber")
SEX_LABELS = {
    "": "",
    "female": "Female",
    "male": "Male",
    "other": "Other",
    "prefer not to say": "Prefer not to say",
}


def check_nhs(text: str) -> tuple[bool, str]:
    """(ok, message) for the NHS number box: blank is fine; shown 3-3-4 when valid."""
    if not text.strip():
        return True, "Optional."
    try:
        digits = normalise_nhs_number(text)
    except ValueError as e:
        return False, str(e)
    expected = check_digit(digits[:9])
    if expected is None or expected != int(digits[9]):
        return False, "This NHS number's check digit is wrong; please check it against the letter."
    return True, f"✓ {format_nhs_number(digits)}"


def check_dob(text: str, today: date) -> tuple[bool, str]:
    if not text.strip():
        return True, "Optional; gives the age band for reports."
    try:
        dob = parse_date(text, "date_of_birth", "Date of birth")
    except ValidationError as e:
        return False, e.message
    assert dob is not None
    if dob > today:
        return False, "That date is in the future; check the year."
    age = age_on(dob, today)
    if age > 120:
        return False, "That is over 120 years ago; check the year."
    if age < 16:
        return False, f"Age {age}: the programme is for adults; check the year."
    return True, f"Age {age} ({dob:%d %b %Y})"


class ParticipantDialog(QDialog):
    """``submit(data)`` saves; a ValidationError it raises is shown on its field and the dialog stays."""

    def __init__(
        self,
        parent: QWidget | None,
        submit: Callable[[ParticipantInput], object],
        *,
        title: str = "Enrol a person",
        course_label: str = "",
        initial: ParticipantInput | None = None,
        today: date | None = None,
    ):
        super().__init__(parent)
        self.setWindowTitle(title)
        self.submit = submit
        self.today = today or date.today()
        self.saved = False
        self._build(course_label)
        if initial is not None:
            self.set_value(initial)
        self._refresh()
        self.first_name.setFocus()

    # --- building ----------------------------------------------------------------------
    def _build(self, course_label: str) -> None:
        layout = QVBoxLayout(self)
        if course_label:
            head = QLabel(course_label)
            head.setObjectName("subtitle")
            layout.addWidget(head)
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        self.first_name = QLineEdit()
        self.last_name = QLineEdit()
        self.dob = QLineEdit()
        self.dob.setPlaceholderText("DD/MM/YYYY")
        self.dob_hint = QLabel()
        self.dob_hint.setObjectName("hint")
        self.sex = QComboBox()
        for key in SEXES:
            self.sex.addItem(SEX_LABELS.get(key, key), key)
        self.nhs = QLineEdit()
        self.nhs.setPlaceholderText("e.g. 943 476 5919")
        self.nhs_hint = QLabel()
        self.nhs_hint.setObjectName("hint")
        self.phone = QLineEdit()
        self.email = QLineEdit()
        joints = QWidget()
        jl = QHBoxLayout(joints)
        jl.setContentsMargins(0, 0, 0, 0)
        self.joints = {j: QCheckBox(j.capitalize()) for j in JOINTS}
        for box in self.joints.values():
            jl.addWidget(box)
        jl.addStretch(1)
        self.referral = QComboBox()
        self.referral.setEditable(True)
        self.referral.addItems(REFERRAL_SOURCES)
        self.consent_programme, consent_row = self._yes_no(
            "Agrees to take part", "Has not agreed yet"
        )
        self.consent_share, share_row = self._yes_no("Agrees to share coded data", "Does not agree")
        self.notes = QPlainTextEdit()
        self.notes.setTabChangesFocus(True)
        self.notes.setFixedHeight(self.fontMetrics().height() * 3 + 16)
        form.addRow("First name *", self.first_name)
        form.addRow("Last name *", self.last_name)
        form.addRow("Date of birth", self.dob)
        form.addRow("", self.dob_hint)
        form.addRow("Sex", self.sex)
        form.addRow("NHS number", self.nhs)
        form.addRow("", self.nhs_hint)
        form.addRow("Phone", self.phone)
        form.addRow("Email", self.email)
        form.addRow("Joints affected", joints)
        form.addRow("Referred by", self.referral)
        form.addRow("Take part *", consent_row)
        form.addRow("Share for audit", share_row)
        share_hint = QLabel("Results go to the central team under a code, never the name.")
        share_hint.setObjectName("hint")
        form.addRow("", share_hint)
        form.addRow("Notes", self.notes)
        layout.addLayout(form)
        self.error = QLabel()
        self.error.setObjectName("error")
        self.error.setWordWrap(True)
        self.error.hide()
        layout.addWidget(self.error)
        # Why Save is greyed out, in plain sight (a tooltip is never seen in a sports hall).
        self.ready_hint = QLabel()
        self.ready_hint.setObjectName("hint")
        self.ready_hint.setWordWrap(True)
        layout.addWidget(self.ready_hint)
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
            "nhs_number": self.nhs,
            "phone": self.phone,
            "email": self.email,
            "joints": joints,
            "referral_source": self.referral,
            "consent_programme": consent_row,
            "consent_share": share_row,
            "notes": self.notes,
        }
        for edit in (self.first_name, self.last_name, self.dob, self.nhs, self.phone, self.email):
            edit.textChanged.connect(self._refresh)
        self.nhs.editingFinished.connect(self._format_nhs)
        layout.setSizeConstraint(QLayout.SizeConstraint.SetMinimumSize)
        self.setMinimumWidth(self.fontMetrics().horizontalAdvance("M") * 42)

    def _yes_no(self, yes: str, no: str) -> tuple[QButtonGroup, QWidget]:
        row = QWidget()
        rl = QHBoxLayout(row)
        rl.setContentsMargins(0, 0, 0, 0)
        group = QButtonGroup(row)
        y = QRadioButton(yes)
        n = QRadioButton(no)
        group.addButton(y, 1)
        group.addButton(n, 0)
        rl.addWidget(y)
        rl.addWidget(n)
        rl.addStretch(1)
        group.idToggled.connect(lambda *_: self._refresh())
        return group, row

    # --- values ------------------------------------------------------------------------
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
            consent_programme=self.consent_programme.checkedId() == 1,
            consent_share=self.consent_share.checkedId() == 1,
            notes=self.notes.toPlainText(),
        )

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
        self.consent_programme.button(1 if data.consent_programme else 0).setChecked(True)
        self.consent_share.button(1 if data.consent_share else 0).setChecked(True)
        self.notes.setPlainText(data.notes)

    def _format_nhs(self) -> None:
        """Show a valid NHS number as 3-3-4 once the person leaves the box."""
        ok, text = check_nhs(self.nhs.text())
        if ok and text.startswith("✓ "):
            self.nhs.setText(text[2:])

    # --- checking ----------------------------------------------------------------------
    def _refresh(self) -> None:
        dob_ok, dob_text = check_dob(self.dob.text(), self.today)
        self.dob_hint.setText(dob_text)
        self.dob_hint.setObjectName("hint" if dob_ok else "error")
        self.dob_hint.setStyleSheet("")  # re-polish for the object name
        mark_invalid(self.dob, not dob_ok)
        nhs_ok, nhs_text = check_nhs(self.nhs.text())
        self.nhs_hint.setText(nhs_text)
        self.nhs_hint.setObjectName("hint" if nhs_ok else "error")
        self.nhs_hint.setStyleSheet("")
        mark_invalid(self.nhs, not nhs_ok)
        for edit in (self.first_name, self.last_name):
            if edit.text().strip():
                mark_invalid(edit, False)
        ready = (
            bool(self.first_name.text().strip())
            and bool(self.last_name.text().strip())
            and dob_ok
            and nhs_ok
            and self.consent_programme.checkedId() != -1
            and self.consent_share.checkedId() != -1
        )
        save = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        save.setEnabled(ready)
        if not ready:
            missing = []
            if not self.first_name.text().strip() or not self.last_name.text().strip():
                missing.append("the name")
            if self.consent_programme.checkedId() == -1 or self.consent_share.checkedId() == -1:
                missing.append("both consent choices")
            why = (
                "Fill in " + " and ".join(missing) + " to save."
                if missing
                else "Fix the boxes in red to save."
            )
            save.setToolTip(why)
            self.ready_hint.setText(why)
        else:
            save.setToolTip("")
            self.ready_hint.setText("")
        self.ready_hint.setVisible(not ready)
        if self.error.isVisible() and ready:
            self.error.hide()

    def show_error(self, e: ValidationError | KnownError) -> None:
        self.error.setText(str(e))
        self.error.show()
        field = getattr(e, "field", "")
        widget = self.fields.get(field)
        if widget is not None:
            mark_invalid(widget, True)
            widget.setFocus(Qt.FocusReason.OtherFocusReason)

    def _save(self) -> None:
        data = self.value()
        if not data.consent_programme:
            self.show_error(
                ValidationError(
                    "consent_programme",
                    "The person must agree to take part before they can be enrolled; "
                    "ask them, or cancel for now.",
                )
            )
            return
        try:
            self.submit(data)
        except KnownError as e:
            self.show_error(e)
            return
        except Exception as e:  # unexpected: logged and shown, the dialog stays open
            error_dialog.report(self, e)
            return
        self.saved = True
        self.accept()
