"""One person's progress on the circuit: level and dose per station, pain trend, home plan."""

from __future__ import annotations

from html import escape

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from escape_desktop.context import AppContext
from escape_desktop.errors import KnownError
from escape_desktop.i18n import _
from escape_desktop.programme.content import Station
from escape_desktop.services import circuit, exercise
from escape_desktop.services.circuit import HistoryPoint
from escape_desktop.ui.common import style
from escape_desktop.ui.common.charts import LineChart, Series

KeyRole = Qt.ItemDataRole.UserRole + 1


class CircuitHistoryDialog(QDialog):
    """Pick a station (Up/Down) to see its level and dose charts; pain and the plan below."""

    def __init__(self, ctx: AppContext, enrolment_id: int, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.enrolment_id = enrolment_id
        self.history: dict[str, list[HistoryPoint]] = {}
        self.stations: dict[str, Station] = {}
        self._build()
        self._load()

    def _build(self) -> None:
        # The charts scroll and Close stays in view: at 200 % scaling the screen is 384
        # points high, less than four charts need.
        outer = QVBoxLayout(self)
        body = QWidget()
        grid = QGridLayout(body)
        grid.setContentsMargins(0, 0, 0, 0)
        label = QLabel(_("&Station:"), self)
        self.station_list = QListWidget(self)
        self.station_list.setMaximumWidth(230)
        label.setBuddy(self.station_list)
        self.station_list.currentItemChanged.connect(lambda *_: self.show_station())
        self.level_chart = LineChart(
            self, title=_("Level"), x_label=_("Session"), y_label=_("Level")
        )
        self.dose_chart = LineChart(self, title=_("Dose"), x_label=_("Session"))
        self.pain_chart = LineChart(
            self,
            title=_("Pain and effort (0–10, all stations)"),
            x_label=_("Session"),
            y_label=_("Score"),
        )
        self.pain_chart.set_y_range(0, 10)
        self.plan = QLabel(self)
        self.plan.setWordWrap(True)
        self.plan.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.plan.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        grid.addWidget(label, 0, 0)
        grid.addWidget(self.station_list, 1, 0, 2, 1)
        grid.addWidget(self.level_chart, 1, 1)
        grid.addWidget(self.dose_chart, 1, 2)
        grid.addWidget(self.pain_chart, 2, 1)
        grid.addWidget(self.plan, 2, 2)
        grid.setColumnStretch(1, 1)
        grid.setColumnStretch(2, 1)
        outer.addWidget(style.scroll_of(body, _("Charts")), 1)
        outer.addWidget(buttons)
        style.fit_to_screen(self, 980, 620)

    def _load(self) -> None:
        try:
            self.history = circuit.station_history(self.ctx, self.enrolment_id)
            plan = circuit.home_plan_for(self.ctx, self.enrolment_id)
        except KnownError as e:
            self.plan.setText(str(e))
            return
        self.setWindowTitle(_("Progress on the circuit: {name}").format(name=plan.participant_name))
        for key in self.history:
            st = self.stations[key] = exercise.station(self.ctx, key)
            item = QListWidgetItem(_(st.name))
            item.setData(KeyRole, key)
            self.station_list.addItem(item)
        self._show_pain()
        self._show_plan(plan)
        if self.station_list.count():
            self.station_list.setCurrentRow(0)
        else:
            self.level_chart.set_empty_text(_("No exercise recorded yet for this person."))
        self.station_list.setFocus()

    def current_key(self) -> str | None:
        item = self.station_list.currentItem()
        return item.data(KeyRole) if item is not None else None

    def show_station(self) -> None:
        key = self.current_key()
        if key is None:
            return
        st, points = self.stations[key], self.history[key]
        self.level_chart.set_title(_("Level: {station}").format(station=_(st.name)))
        self.level_chart.set_series(
            [Series(_("Level"), [(p.session_number, p.level + 1) for p in points])]
        )
        self.level_chart.set_y_range(0.5, len(st.levels) + 0.5)
        self.level_chart.set_y_ticks(
            [(i + 1, _("L{number}").format(number=i + 1)) for i in range(len(st.levels))]
        )
        self.dose_chart.set_title(_("Dose: {station}").format(station=_(st.name)))
        self.dose_chart.set_axis_labels(_("Session"), st.dose_unit)
        self.dose_chart.set_series(
            [
                Series(_("Target"), [(p.session_number, p.target_dose) for p in points]),
                Series(_("Done"), [(p.session_number, p.dose_achieved) for p in points]),
            ]
        )
        x_range = self._x_range()
        for chart in (self.level_chart, self.dose_chart):
            chart.set_x_range(*x_range)

    def _x_range(self) -> tuple[float, float]:
        numbers = [p.session_number for pts in self.history.values() for p in pts] or [1]
        return min(numbers) - 0.4, max(numbers) + 0.4

    def _show_pain(self) -> None:
        pain = circuit.pain_by_session(self.history)
        effort: dict[int, list[int]] = {}
        for pts in self.history.values():
            for p in pts:
                if p.effort is not None:
                    effort.setdefault(p.session_number, []).append(p.effort)
        self.pain_chart.set_series(
            [
                Series(_("Highest pain"), pain),
                Series(
                    _("Average effort"),
                    [(n, round(sum(v) / len(v), 1)) for n, v in sorted(effort.items())],
                ),
            ]
        )
        self.pain_chart.set_x_range(*self._x_range())

    def _show_plan(self, plan: circuit.HomePlan) -> None:
        if not plan.items:
            self.plan.setText(
                "<b>{}</b><br>{}".format(_("To carry on at home"), _("Nothing recorded yet."))
            )
            return
        lines = "".join(
            f"<li><b>{escape(_(i.station_name))}</b>: {escape(_(i.level_name))}, "
            f"{escape(i.dose_text)}</li>"
            for i in plan.items
        )
        self.plan.setText("<b>{}</b><ul>{}</ul>".format(_("To carry on at home"), lines))
