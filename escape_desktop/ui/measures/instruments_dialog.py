"""Choose which start/end measures a course uses, and their order on the entry form."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from escape_desktop.context import AppContext
from escape_desktop.errors import KnownError
from escape_desktop.i18n import _, ngettext
from escape_desktop.programme.content import Instrument
from escape_desktop.services import measures
from escape_desktop.services.courses import set_course_instruments
from escape_desktop.ui.common import style
from escape_desktop.ui.common.announce import LiveLabel
from escape_desktop.ui.common.change_bus import ChangeBus
from escape_desktop.ui.common.operation import run_op
from escape_desktop.ui.measures import measure_words

KEY_ROLE = Qt.ItemDataRole.UserRole + 1


def describe(inst: Instrument, outcome_domains: list[str]) -> str:
    """A few plain lines about a measure: how it is entered, its range, and its licence note."""
    d = inst.decimals
    how = (
        ngettext(
            "Answered question by question ({n} question).",
            "Answered question by question ({n} questions).",
            len(inst.items),
        ).format(n=len(inst.items))
        if inst.kind == "items"
        else _("Enter the total score from the form.")
    )
    better = _("Higher is better.") if inst.direction == "higher_better" else _("Lower is better.")
    unit = "" if inst.unit.startswith("/") else f" {measure_words.unit(inst.unit)}".rstrip()
    lines = [
        f"<b>{measure_words.name(inst.name)}</b>",
        how
        + " "
        + _("Range {low} to {high}{unit}.").format(
            low=f"{inst.min:.{d}f}", high=f"{inst.max:.{d}f}", unit=unit
        )
        + " "
        + better,
    ]
    if inst.mid is not None:
        lines.append(
            _("Worthwhile change: {mid}.").format(mid=f"{inst.mid:g}")
            + " "
            + measure_words.note(inst.mid_source)
        )
    elif inst.mid_source:
        lines.append(measure_words.note(inst.mid_source))
    if outcome_domains:
        lines.append(
            _("Counts for the class outcome: {outcomes}.").format(
                outcomes=", ".join(outcome_domains)
            )
        )
    if inst.licence_note:
        lines.append(measure_words.note(inst.licence_note))
    return "<br>".join(lines)


class InstrumentsDialog(QDialog):
    """Tick the measures to use; Alt+Up / Alt+Down move the highlighted one."""

    def __init__(
        self,
        ctx: AppContext,
        bus: ChangeBus,
        course_id: int,
        programme_key: str = "",
        parent: QWidget | None = None,
    ):
        super().__init__(parent)
        self.ctx = ctx
        self.bus = bus
        self.course_id = course_id
        self.setWindowTitle(_("Choose measures for this course"))
        template = ctx.library.templates.get(programme_key)
        self.domains: dict[str, list[str]] = {}
        if template is not None:
            for domain, key in template.outcome_instruments.items():
                self.domains.setdefault(key, []).append(measures.DOMAIN_LABELS[domain].lower())
        self._build_list()
        self._build_side()
        self._build_buttons()
        layout = QVBoxLayout(self)
        intro = QLabel(
            _(
                "Tick the measures this course collects at the first and last session. "
                "Measures already entered are kept even if you untick them."
            ),
            self,
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        row = QHBoxLayout()
        row.addWidget(self.list, 1)
        row.addLayout(self.side)
        layout.addLayout(row, 1)
        layout.addWidget(self.details)
        layout.addWidget(self.error)
        layout.addWidget(self.button_box)
        style.fit_to_screen(self, 640, 520)
        self.list.setCurrentRow(0)
        self.list.setFocus()

    def _build_list(self) -> None:
        self.list = QListWidget(self)
        self.list.setAccessibleName(_("Measures"))
        chosen = [i.key for i in measures.course_instruments(self.ctx, self.course_id)]
        rest = sorted(
            (k for k in self.ctx.library.instruments if k not in chosen),
            key=lambda k: measure_words.name(self.ctx.library.instruments[k].name).lower(),
        )
        for key in chosen + rest:
            inst = self.ctx.library.instruments[key]
            kind = _("questions") if inst.kind == "items" else _("score")
            item = QListWidgetItem(f"{measure_words.name(inst.name)}  ({kind})", self.list)
            item.setData(KEY_ROLE, key)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked if key in chosen else Qt.CheckState.Unchecked)
        self.list.currentRowChanged.connect(self._show_details)
        self.list.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Alt+Up / Alt+Down in the list move the highlighted measure."""
        if (
            watched is self.list
            and event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and event.modifiers() == Qt.KeyboardModifier.AltModifier
            and event.key() in (Qt.Key.Key_Up, Qt.Key.Key_Down)
        ):
            self.move_current(-1 if event.key() == Qt.Key.Key_Up else 1)
            return True
        return super().eventFilter(watched, event)

    def _build_side(self) -> None:
        self.side = QVBoxLayout()
        self.up_button = QPushButton(_("Move &up (Alt+Up)"), self)
        self.down_button = QPushButton(_("Move &down (Alt+Down)"), self)
        self.up_button.clicked.connect(lambda: self.move_current(-1))
        self.down_button.clicked.connect(lambda: self.move_current(1))
        self.side.addWidget(self.up_button)
        self.side.addWidget(self.down_button)
        self.side.addStretch(1)
        self.details = QLabel("", self)
        self.details.setWordWrap(True)
        self.details.setTextFormat(Qt.TextFormat.RichText)
        self.details.setMinimumHeight(110)
        self.details.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.error = LiveLabel("", self)
        style.set_tone(self.error, "bad")
        self.error.setWordWrap(True)

    def _build_buttons(self) -> None:
        self.button_box = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.button_box.accepted.connect(self.accept)
        self.button_box.rejected.connect(self.reject)

    def _show_details(self, row: int) -> None:
        if row < 0:
            self.details.setText("")
            return
        key = self.list.item(row).data(KEY_ROLE)
        inst = self.ctx.library.instruments[key]
        self.details.setText(describe(inst, self.domains.get(key, [])))

    def move_current(self, step: int) -> None:
        row = self.list.currentRow()
        target = row + step
        if row < 0 or not 0 <= target < self.list.count():
            return
        item = self.list.takeItem(row)
        self.list.insertItem(target, item)
        self.list.setCurrentRow(target)

    def chosen_keys(self) -> list[str]:
        return [
            self.list.item(i).data(KEY_ROLE)
            for i in range(self.list.count())
            if self.list.item(i).checkState() == Qt.CheckState.Checked
        ]

    def accept(self) -> None:
        keys = self.chosen_keys()
        if not keys:
            self.error.setText(
                _("Tick at least one measure, or press Cancel to keep the current ones.")
            )
            return

        def failed(e: BaseException) -> None:
            if not isinstance(e, KnownError):
                raise e  # unexpected: logged and shown by the error hook
            self.error.setText(_("Not saved: {error}").format(error=e))

        op = run_op(
            self,
            lambda: set_course_instruments(self.ctx, self.course_id, keys),
            bus=self.bus,
            failure=failed,
        )
        if op.ok:
            super().accept()
