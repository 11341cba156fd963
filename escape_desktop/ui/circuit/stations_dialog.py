"""Choose, order and add the stations of a course's circuit; add the site's own exercise."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from escape_desktop.context import AppContext
from escape_desktop.errors import KnownError
from escape_desktop.i18n import N_, _
from escape_desktop.programme.content import Station
from escape_desktop.services import circuit
from escape_desktop.services.circuit.stations import choose_stations
from escape_desktop.services.errors import ValidationError
from escape_desktop.ui.common import style
from escape_desktop.ui.common.announce import LiveLabel
from escape_desktop.ui.common.change_bus import ChangeBus
from escape_desktop.ui.common.operation import run_op

KeyRole = Qt.ItemDataRole.UserRole + 1
# The unit a new exercise starts with, in the window's language (the site may type its own;
# it is printed as typed).
DEFAULT_UNITS = {
    "repetitions": N_("reps"),
    "seconds": "s",
    "load_kg": "kg",
    "step_cm": "cm",
    "minutes": N_("min"),
}


def default_unit(kind: str) -> str:
    unit = DEFAULT_UNITS.get(kind, "")
    return _(unit) if unit else ""


# How a dose is counted, in the window's language (the service's labels are its English).
DOSE_KIND_WORDS = {
    "repetitions": N_("Repetitions"),
    "seconds": N_("Seconds"),
    "load_kg": N_("Weight (kg)"),
    "step_cm": N_("Step height (cm)"),
    "minutes": N_("Minutes"),
}


class StationsDialog(QDialog):
    """Left: the circuit in order (Up/Down/Remove). Right: the library (Add). Saved on OK.

    Stations taken out keep their results; they just stop showing in new sessions.
    """

    saved = Signal()

    def __init__(
        self,
        ctx: AppContext,
        course_id: int,
        parent: QWidget | None = None,
        *,
        bus: ChangeBus | None = None,
        initiator: object | None = None,
    ):
        super().__init__(parent)
        self.ctx = ctx
        self.course_id = course_id
        self.bus = bus if bus is not None else ChangeBus(self)  # on its own: nobody listens
        self.initiator = initiator
        self.custom_dialog: CustomStationDialog | None = None
        self.setWindowTitle(_("Stations in this circuit"))
        self._names: dict[str, str] = {}
        self._build()
        self._load()

    def _build(self) -> None:
        grid = QGridLayout(self)
        left_label = QLabel(_("&In this circuit, in order:"), self)
        self.chosen = QListWidget(self)
        self.chosen.setDragDropMode(QAbstractItemView.DragDropMode.InternalMove)
        left_label.setBuddy(self.chosen)
        right_label = QLabel(_("Exercise &library:"), self)
        self.library = QListWidget(self)
        self.library.itemActivated.connect(lambda _i: self.add_selected())
        right_label.setBuddy(self.library)
        self.up_button = QPushButton(_("Move &up"), self)
        self.down_button = QPushButton(_("Move &down"), self)
        self.remove_button = QPushButton(_("&Remove"), self)
        self.add_button = QPushButton(_("← &Add"), self)
        self.new_button = QPushButton(_("&New exercise…"), self)
        self.up_button.clicked.connect(lambda: self.move_selected(-1))
        self.down_button.clicked.connect(lambda: self.move_selected(1))
        self.remove_button.clicked.connect(self.remove_selected)
        self.add_button.clicked.connect(self.add_selected)
        self.new_button.clicked.connect(self.new_exercise)
        QShortcut(QKeySequence("Ctrl+Up"), self.chosen, lambda: self.move_selected(-1))
        QShortcut(QKeySequence("Ctrl+Down"), self.chosen, lambda: self.move_selected(1))
        QShortcut(QKeySequence(Qt.Key.Key_Delete), self.chosen, self.remove_selected)
        middle = QVBoxLayout()
        for b in (self.up_button, self.down_button, self.remove_button, self.add_button):
            middle.addWidget(b)
        middle.addStretch(1)
        middle.addWidget(self.new_button)
        self.message = QLabel(
            _(
                "Taking a station out keeps everyone's results; it just stops showing in new "
                "sessions."
            ),
            self,
        )
        self.message.setWordWrap(True)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        grid.addWidget(left_label, 0, 0)
        grid.addWidget(right_label, 0, 2)
        grid.addWidget(self.chosen, 1, 0)
        grid.addLayout(middle, 1, 1)
        grid.addWidget(self.library, 1, 2)
        grid.addWidget(self.message, 2, 0, 1, 3)
        grid.addWidget(self.buttons, 3, 0, 1, 3)
        style.fit_to_screen(self, 640, 420)

    def _load(self) -> None:
        self.chosen.clear()
        for info in circuit.course_stations(self.ctx, self.course_id):
            self._names[info.key] = _(info.name)
            if info.active:
                self.chosen.addItem(self._item(info.key, _(info.name)))
        self._fill_library()
        if self.chosen.count():
            self.chosen.setCurrentRow(0)

    def _item(self, key: str, name: str) -> QListWidgetItem:
        item = QListWidgetItem(name)
        item.setData(KeyRole, key)
        return item

    def _fill_library(self) -> None:
        taken = set(self.keys())
        self.library.clear()
        for st in circuit.available_stations(self.ctx):
            self._names[st.key] = _(st.name)
            if st.key not in taken:
                own = st.key.startswith("custom_")
                label = _(st.name) + (" " + _("(your own)") if own else "")
                self.library.addItem(self._item(st.key, label))
        if self.library.count():
            self.library.setCurrentRow(0)

    def keys(self) -> list[str]:
        return [self.chosen.item(i).data(KeyRole) for i in range(self.chosen.count())]

    def move_selected(self, step: int) -> None:
        row = self.chosen.currentRow()
        target = row + step
        if row < 0 or not 0 <= target < self.chosen.count():
            return
        item = self.chosen.takeItem(row)
        self.chosen.insertItem(target, item)
        self.chosen.setCurrentRow(target)

    def remove_selected(self) -> None:
        row = self.chosen.currentRow()
        if row < 0:
            return
        self.chosen.takeItem(row)
        self.chosen.setCurrentRow(min(row, self.chosen.count() - 1))
        self._fill_library()

    def add_key(self, key: str) -> None:
        if key in self.keys():
            return
        self.chosen.addItem(self._item(key, self._names.get(key, key)))
        self.chosen.setCurrentRow(self.chosen.count() - 1)
        self._fill_library()

    def add_selected(self) -> None:
        item = self.library.currentItem()
        if item is not None:
            row = self.library.currentRow()
            self.add_key(item.data(KeyRole))
            self.library.setCurrentRow(min(row, self.library.count() - 1))

    def _custom_created(self, station: Station) -> None:
        self._names[station.key] = station.name
        self.add_key(station.key)

    def new_exercise(self) -> None:
        dialog = CustomStationDialog(self.ctx, self, bus=self.bus)
        self.custom_dialog = dialog
        dialog.created.connect(self._custom_created)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()

    def save(self) -> None:
        keys = self.keys()

        def failed(e: BaseException) -> None:
            if not isinstance(e, KnownError):
                raise e  # unexpected: logged and shown by the error hook
            style.set_tone(self.message, "bad")
            self.message.setText(str(e))

        if not run_op(
            self,
            lambda: choose_stations(self.ctx, self.course_id, keys),
            bus=self.bus,
            initiator=self.initiator,
            failure=failed,
        ).ok:
            return
        self.saved.emit()
        self.accept()


class CustomStationDialog(QDialog):
    """The site's own exercise: name, how the dose is counted, and its levels, easiest first."""

    created = Signal(object)  # the new Station

    def __init__(
        self, ctx: AppContext, parent: QWidget | None = None, *, bus: ChangeBus | None = None
    ):
        super().__init__(parent)
        self.ctx = ctx
        self.bus = bus if bus is not None else ChangeBus(self)  # on its own: nobody listens
        self.station: Station | None = None
        self.setWindowTitle(_("New exercise"))
        form = QFormLayout(self)
        self.name = QLineEdit(self)
        self.dose_kind = QComboBox(self)
        for key, label in circuit.DOSE_KIND_LABELS.items():
            self.dose_kind.addItem(_(DOSE_KIND_WORDS.get(key, label)), key)
        self.dose_unit = QLineEdit(default_unit("repetitions"), self)
        self.dose_kind.currentIndexChanged.connect(self._kind_changed)
        self.description = QLineEdit(self)
        self.levels = QTableWidget(3, 3, self)
        self.levels.setHorizontalHeaderLabels([_("Level name"), _("What to do"), _("Target dose")])
        self.levels.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.levels.setTabKeyNavigation(True)
        self.levels.setColumnWidth(0, 170)
        self.levels.setAccessibleName(_("Levels, easiest first"))
        add_level = QPushButton(_("Add a l&evel"), self)
        add_level.clicked.connect(lambda: self.levels.insertRow(self.levels.rowCount()))
        form.addRow(_("&Name:"), self.name)
        form.addRow(_("Dose &counted in:"), self.dose_kind)
        form.addRow(_("&Unit shown:"), self.dose_unit)
        form.addRow(_("&Description:"), self.description)
        form.addRow(QLabel(_("Levels, easiest first (leave spare rows empty):"), self))

        form.addRow(self.levels)
        row = QHBoxLayout()
        row.addWidget(add_level)
        row.addStretch(1)
        form.addRow(row)
        self.message = LiveLabel("", self)
        self.message.setWordWrap(True)
        style.set_tone(self.message, "bad")
        form.addRow(self.message)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        style.fit_to_screen(self, 560, 420)

    def _kind_changed(self, _i: int) -> None:
        if self.dose_unit.text().strip() in ("", *map(default_unit, DEFAULT_UNITS)):
            self.dose_unit.setText(default_unit(self.dose_kind.currentData()))

    def set_level(self, row: int, name: str, what: str, target: str) -> None:
        while self.levels.rowCount() <= row:
            self.levels.insertRow(self.levels.rowCount())
        for col, text in enumerate((name, what, target)):
            self.levels.setItem(row, col, QTableWidgetItem(text))

    def level_rows(self) -> list[tuple[str, str, str]]:
        rows = []
        for r in range(self.levels.rowCount()):
            items = [self.levels.item(r, c) for c in range(3)]
            cells = tuple((item.text().strip() if item is not None else "") for item in items)
            if any(cells):
                rows.append(cells)
        return rows  # type: ignore[return-value]

    def save(self) -> None:
        # A new exercise joins the library; no screen shows it until it is put in a circuit.
        op = run_op(
            self,
            lambda: circuit.add_custom_station(
                self.ctx,
                name=self.name.text(),
                dose_kind=self.dose_kind.currentData(),
                dose_unit=self.dose_unit.text(),
                description=self.description.text(),
                levels=self.level_rows(),
            ),
            bus=self.bus,  # a new exercise in the library: no screen shows it yet
            failure=self._failed,
        )
        if not op.ok or op.value is None:
            return
        station = op.value
        self.station = station
        self.created.emit(station)
        self.accept()

    def _failed(self, e: BaseException) -> None:
        if not isinstance(e, KnownError):
            raise e  # unexpected: logged and shown by the error hook
        self.message.setText(str(e))
        if isinstance(e, ValidationError):
            target = {
                "name": self.name,
                "dose_unit": self.dose_unit,
                "dose_kind": self.dose_kind,
                "description": self.description,
                "levels": self.levels,
            }.get(e.field)
            if target is not None:
                target.setFocus()
