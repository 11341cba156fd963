"""150 % and 200 % Windows scaling on a 1366x768 laptop: every screen and dialog fits the screen
(a 911x512 and a 683x384 logical screen), the register keeps the names and today's column in
view, and the wizard's Back and Next stay on screen (issue 24, 7d).

QT_SCALE_FACTOR cannot change once the application exists, so each factor runs this file as a
program in its own process, on an offscreen screen of 1366x768 physical pixels, and reports
what does not fit as JSON.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

HERE = Path(__file__).resolve()
ROOT = HERE.parents[2]
SCREEN = {
    "synchronousWindowSystemEvents": False,
    "windowFrameMargins": False,
    "screens": [
        {
            "name": "laptop",
            "x": 0,
            "y": 0,
            "width": 1366,
            "height": 768,
            "logicalDpi": 96,
            "logicalBaseDpi": 96,
            "dpr": 1,
        }
    ],
}


def run_probe(factor: float, template: Path, tmp_path: Path, large: int = 0) -> dict:
    folder = tmp_path / f"data-{factor}-{large}"
    folder.mkdir()
    shutil.copy2(template, folder / template.name)
    config = tmp_path / "screen.json"
    config.write_text(json.dumps(SCREEN), encoding="utf-8")
    out = tmp_path / f"probe-{factor}-{large}.json"
    env = dict(os.environ)
    env.update(
        QT_SCALE_FACTOR=str(factor),
        QT_QPA_PLATFORM=f"offscreen:configfile={config}",
        PYTHONPATH=os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")]),
    )
    env.pop("QT_SCREEN_SCALE_FACTORS", None)
    done = subprocess.run(
        [sys.executable, str(HERE), str(folder), str(out), str(large)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(out.read_text(encoding="utf-8"))


# Windows scaling 150 % and 200 %, and the app's own Large text at 200 % on an unscaled laptop.
CASES = {"150%": (1.5, 0), "200%": (2.0, 0), "large text 200%": (1.0, 200)}


@pytest.fixture(scope="module")
def probes(_demo_template, tmp_path_factory) -> dict[str, dict]:
    tmp = tmp_path_factory.mktemp("zoom")
    return {name: run_probe(f, _demo_template, tmp, large) for name, (f, large) in CASES.items()}


@pytest.mark.parametrize("factor", list(CASES))
def test_every_screen_and_dialog_fits_the_scaled_laptop_screen(probes, factor):
    probe = probes[factor]
    scale = CASES[factor][0]
    assert probe["screen"] == [round(1366 / scale), round(768 / scale)]
    assert probe["point_size"] == round(11 * (CASES[factor][1] or 100) / 100)
    assert probe["checked"] >= 28  # the main window's sections and the dialogs were all looked at
    assert probe["too_big"] == []


@pytest.mark.parametrize("factor", list(CASES))
def test_the_register_keeps_names_and_today_in_view(probes, factor):
    assert probes[factor]["register"] == []


@pytest.mark.parametrize("factor", list(CASES))
def test_the_wizard_keeps_back_and_next_on_screen(probes, factor):
    assert probes[factor]["wizard"] == []


def test_large_text_reaches_150_and_200_percent(qtbot, ctx):
    from escape_desktop.services import settings_registry as registry
    from escape_desktop.ui.app.main_window import large_text_on
    from escape_desktop.ui.common import style
    from escape_desktop.ui.common.change_bus import ChangeBus
    from escape_desktop.ui.safety.settings_dialog import SettingsDialog

    dialog = SettingsDialog(ctx, ChangeBus())
    qtbot.addWidget(dialog)
    sizes = [dialog.large_size.itemData(i) for i in range(dialog.large_size.count())]
    assert 150 in sizes and 200 in sizes
    try:
        dialog.large_text.setChecked(True)
        dialog.large_size.setCurrentIndex(dialog.large_size.findData(200))
        assert registry.get(ctx, registry.LARGE_TEXT_SIZE) == 200
        assert large_text_on(ctx)  # what the window reads before its first paint
        assert style.point_size(True) == 22  # twice the usual 11 pt
        dialog.large_size.setCurrentIndex(dialog.large_size.findData(150))
        assert large_text_on(ctx) and style.point_size(True) in (16, 17)
    finally:
        style.set_large_percent(127)


@pytest.mark.parametrize("factor", list(CASES))
def test_text_cut_short_is_whole_on_hover_and_when_spoken(probes, factor):
    assert probes[factor]["elided"] == []


# --- the probe: runs in its own process with the scale factor set --------------------------


def _probe(
    data_dir: Path, out: Path, large: int
) -> None:  # pragma: no cover - runs in a subprocess
    from PySide6.QtCore import QPoint, QRect
    from PySide6.QtWidgets import QAbstractButton, QApplication, QWidget, QWizard

    from escape_desktop.context import AppContext
    from escape_desktop.db import queries
    from escape_desktop.ui.app.launcher import create_main_window
    from escape_desktop.ui.register.register_model import COL_NAME

    sys.path.insert(0, str(HERE.parents[1]))
    from conftest import DEMO_TODAY

    app = QApplication.instance() or QApplication([])
    ctx = AppContext.open(data_dir)
    ctx.actor = "test"
    if large:
        from escape_desktop.services import settings_registry as registry

        registry.set(ctx, registry.LARGE_TEXT, True)
        registry.set(ctx, registry.LARGE_TEXT_SIZE, large)
    today = DEMO_TODAY + timedelta(days=1)  # a class day of KH-2026-002
    window = create_main_window(ctx, today=today)
    window.show()

    def settle(n: int = 6) -> None:
        for _ in range(n):
            app.processEvents()

    for _ in range(200):
        settle()
        if window.is_ready:
            break
    room: QRect = window.screen().availableGeometry()
    report: dict = {
        "screen": [room.width(), room.height()],
        "too_big": [],
        "register": [],
        "wizard": [],
        "checked": 0,
        "point_size": app.font().pointSize(),
    }

    def fits(widget: QWidget, what: str) -> None:
        report["checked"] += 1
        frame = widget.frameGeometry()
        if frame.width() > room.width() or frame.height() > room.height():
            report["too_big"].append(
                f"{what}: {frame.width()}x{frame.height()} on {room.width()}x{room.height()}"
            )

    with ctx.db.read() as s:
        cid = queries.course_by_code(s, "KH-2026-002").id
    window.open_course(cid)
    settle()
    fits(window, "main window")
    view = window.course_view
    for i in range(view.tabs.count()):
        view.show_section(i)
        settle()
        fits(window, f"main window on {view.tabs.tabText(i).replace('&', '')}")
    view.show_section(0)
    settle()
    reg = view.register
    model = reg.model
    # What the user sees: the part of the course page inside its scroll area, on the screen.
    port = getattr(view, "page_scroll", window).viewport() if hasattr(view, "page_scroll") else view
    shown = QRect(port.mapToGlobal(QPoint(0, 0)), port.size()).intersected(room)
    for table, col, what in (
        (reg.names, COL_NAME, "the names"),
        (reg.table, model.today_column(), "today's column"),
    ):
        cell = table.visualRect(model.index(0, col))
        where = QRect(table.viewport().mapToGlobal(cell.topLeft()), cell.size())
        if cell.width() < 20 or not table.isVisible() or not shown.contains(where):
            report["register"].append(
                f"{what}: first cell at {where.x()},{where.y()} {where.width()}x{where.height()}"
                f" outside the {shown.width()}x{shown.height()} seen at {shown.x()},{shown.y()}"
            )
    name_width = reg.names.columnWidth(COL_NAME)
    widest = max(reg.names.fontMetrics().horizontalAdvance(r.name) for r in model.rows)
    if name_width < min(widest, shown.width() // 3):
        report["register"].append(f"names cut to {name_width} px (the longest needs {widest})")

    # Text cut to "…" in a table: the whole text must be in its tooltip and in what is spoken.
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QTableView

    report["elided"] = []
    for section in range(view.tabs.count()):
        view.show_section(section)
    settle()
    for table in window.findChildren(QTableView):
        m = table.model()
        if m is None:
            continue
        fm = table.fontMetrics()
        for row in range(min(m.rowCount(), 15)):
            for col in range(m.columnCount()):
                if table.isColumnHidden(col):
                    continue
                index = m.index(row, col)
                shown = m.data(index, Qt.ItemDataRole.DisplayRole)
                if not isinstance(shown, str):
                    continue
                room_px = table.columnWidth(col) - 12
                for line in shown.split("\n"):
                    if fm.horizontalAdvance(line) <= room_px:
                        continue
                    tip = str(m.data(index, Qt.ItemDataRole.ToolTipRole) or "")
                    said = str(m.data(index, Qt.ItemDataRole.AccessibleTextRole) or shown)
                    if line not in tip or line not in said:
                        name = table.accessibleName() or type(m).__name__
                        report["elided"].append(f"{name}: {line!r} cut, tooltip {tip[:40]!r}")
    view.show_section(0)
    settle()

    from escape_desktop.services import courses
    from escape_desktop.services import today as today_service
    from escape_desktop.ui.app.help_dialog import HelpDialog
    from escape_desktop.ui.app.today_panel import WeekDialog
    from escape_desktop.ui.circuit.circuit_history_dialog import CircuitHistoryDialog
    from escape_desktop.ui.circuit.stations_dialog import StationsDialog
    from escape_desktop.ui.common.change_bus import ChangeBus
    from escape_desktop.ui.courses.course_edit_dialog import CourseEditDialog
    from escape_desktop.ui.courses.course_wizard import CourseWizard
    from escape_desktop.ui.courses.session_dialog import SessionDialog
    from escape_desktop.ui.documents.export_dialog import ExportDialog
    from escape_desktop.ui.measures.instruments_dialog import InstrumentsDialog
    from escape_desktop.ui.people.import_dialog import ImportDialog
    from escape_desktop.ui.people.participant_dialog import ParticipantDialog
    from escape_desktop.ui.people.search_dialog import SearchDialog
    from escape_desktop.ui.people.withdraw_dialog import WithdrawDialog
    from escape_desktop.ui.safety.audit_dialog import AuditDialog
    from escape_desktop.ui.safety.backups_dialog import BackupsDialog
    from escape_desktop.ui.safety.passphrase_dialog import (
        ChangePassphraseDialog,
        ChoosePassphraseDialog,
        UnlockDialog,
    )
    from escape_desktop.ui.safety.retention_dialog import RetentionDialog
    from escape_desktop.ui.safety.settings_dialog import SettingsDialog

    with ctx.db.read() as s:
        register = queries.register(s, cid)
    session = register.sessions[2]
    someone = register.rows[0]
    bus = ChangeBus()
    dialogs = {
        "session": lambda: SessionDialog(ctx, bus, session, ["Jo Demo-Physio"], window),
        "week": lambda: WeekDialog(today_service.this_week(ctx, today), window),
        "guide": lambda: HelpDialog(window),
        "backups": lambda: BackupsDialog(ctx, bus, window),
        "records to delete": lambda: RetentionDialog(ctx, bus, window, today=today),
        "audit": lambda: AuditDialog(ctx, window),
        "circuit stations": lambda: StationsDialog(ctx, cid, window, bus=bus),
        "circuit history": lambda: CircuitHistoryDialog(ctx, someone.enrolment_id, window),
        "measures": lambda: InstrumentsDialog(ctx, bus, cid, parent=window),
        "withdraw": lambda: WithdrawDialog(window, someone.name),
        "unlock": lambda: UnlockDialog(data_dir, window),
        "choose a passphrase": lambda: ChoosePassphraseDialog(window),
        "change the passphrase": lambda: ChangePassphraseDialog(data_dir, window),
        "import a referral list": lambda: ImportDialog(ctx, bus, cid, "KH-2026-002", window),
        "new course wizard": lambda: CourseWizard(ctx, window, today=today, bus=bus),
        "course details": lambda: CourseEditDialog(
            ctx, cid, courses.course_input(ctx, cid), bus=bus, parent=window
        ),
        "enrol": lambda: ParticipantDialog(window, lambda _d: None, today=today),
        "export": lambda: ExportDialog(ctx, bus, window, cid, today=today),
        "settings": lambda: SettingsDialog(ctx, bus, window),
        "search": lambda: SearchDialog(ctx, window),
    }
    for name, make in dialogs.items():
        dialog = make()
        dialog.show()
        settle()
        if os.environ.get("ZOOM_PROBE_SIZES"):
            print(name, dialog.size(), dialog.minimumSizeHint(), dialog.sizeHint(), file=sys.stderr)
        fits(dialog, name)
        if isinstance(dialog, QWizard):
            for _page in range(len(dialog.pageIds())):
                for which in (QWizard.WizardButton.BackButton, QWizard.WizardButton.NextButton):
                    button: QAbstractButton = dialog.button(which)
                    if not button.isVisible():
                        continue
                    where = QRect(button.mapToGlobal(button.rect().topLeft()), button.size())
                    if not room.contains(where):
                        report["wizard"].append(
                            f"page {dialog.currentId()}: {button.text()} at "
                            f"{where.x()},{where.y()} off a {room.width()}x{room.height()} screen"
                        )
                fits(dialog, f"{name} page {dialog.currentId()}")
                before = dialog.currentId()
                if before == dialog.pageIds()[-1]:
                    break
                dialog.next()
                settle()
                if dialog.currentId() in (-1, before):
                    break  # the page wants input first
        dialog.close()
        dialog.deleteLater()
        settle()
    out.write_text(json.dumps(report, indent=1), encoding="utf-8")
    window.close()
    ctx.close()


if __name__ == "__main__":  # pragma: no cover
    _probe(Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3]))
