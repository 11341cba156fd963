"""The enrol dialog's "Equality monitoring (optional)" group (issue 30 item 7).

Three separate boxes, each "Not asked" until the person is asked: their ethnic category, their
stated sex and their gender identity, with the NHS Data Dictionary's choices
(programme.equality). Nothing here is read from the dialog's own "Sex".
"""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QComboBox, QGridLayout, QGroupBox, QLabel, QWidget

from escape_desktop.i18n import _
from escape_desktop.programme.equality import ETHNIC_CATEGORIES, GENDER_IDENTITIES, STATED_SEXES
from escape_desktop.services.participants import ParticipantInput

FIELDS = ("ethnic_category", "stated_sex", "gender_identity")


class EqualityFields(QGroupBox):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(_("Equality monitoring (optional)"), parent)
        self.boxes: dict[str, QComboBox] = {
            "ethnic_category": self._box(
                ETHNIC_CATEGORIES, _("Ethnic category (equality monitoring)")
            ),
            "stated_sex": self._box(STATED_SEXES, _("Stated sex (equality monitoring)")),
            "gender_identity": self._box(
                GENDER_IDENTITIES, _("Gender identity (equality monitoring)")
            ),
        }
        # Two rows, so the dialog keeps close to its height on a 1366x768 laptop: the long
        # ethnic categories across the whole width, the two short lists side by side.
        grid = QGridLayout(self)
        self.grid = grid
        self.labels: dict[str, QLabel] = {}
        for row, col, name, words in (
            (0, 0, "ethnic_category", _("Ethnic category")),
            (1, 0, "stated_sex", _("Stated sex")),
            (1, 2, "gender_identity", _("Gender identity")),
        ):
            label = QLabel(words)
            label.setBuddy(self.boxes[name])
            self.labels[name] = label
            grid.addWidget(label, row, col)
            if name == "ethnic_category":
                grid.addWidget(self.boxes[name], row, col + 1, 1, 3)
            else:
                grid.addWidget(self.boxes[name], row, col + 1)
        grid.setColumnStretch(1, 1)
        grid.setColumnStretch(3, 1)

    def stack(self) -> None:
        """One list a row, for a screen too narrow for the two short lists side by side
        (large text, or a language longer than English)."""
        for name in ("gender_identity",):
            self.grid.removeWidget(self.labels[name])
            self.grid.removeWidget(self.boxes[name])
            self.grid.addWidget(self.labels[name], 2, 0)
            self.grid.addWidget(self.boxes[name], 2, 1, 1, 3)
        self.grid.removeWidget(self.boxes["stated_sex"])
        self.grid.addWidget(self.boxes["stated_sex"], 1, 1, 1, 3)

    @staticmethod
    def _box(codes: dict[str, str], name: str) -> QComboBox:
        box = QComboBox()
        box.setAccessibleName(name)
        box.addItem(_("Not asked"), None)
        for code, words in codes.items():
            box.addItem(_(words), code)
        # The long categories must not widen the dialog: the box shows what fits.
        box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        box.setMinimumContentsLength(12)
        # What does not fit is cut short: the whole choice is in its tooltip (and a screen
        # reader reads the box's whole value).
        box.setToolTip(box.currentText())
        box.currentTextChanged.connect(box.setToolTip)
        return box

    def widgets(self) -> list[QWidget]:
        """The boxes in the order Tab visits them."""
        return [self.boxes[name] for name in FIELDS]

    def values(self) -> dict[str, Any]:
        """The chosen codes by ParticipantInput field; None where the person was not asked."""
        return {name: box.currentData() or None for name, box in self.boxes.items()}

    def set_value(self, data: ParticipantInput) -> None:
        for name, box in self.boxes.items():
            code = getattr(data, name)
            box.setCurrentIndex(max(0, box.findData(code)) if code else 0)
