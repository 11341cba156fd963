"""Screenshots of the window on hall laptops (docs/screenshots): 1366x728 and 1024x728 screens.

Run from the repository with a screen of that size, e.g.
    QT_QPA_PLATFORM="offscreen:configfile=screen.json" python docs/screenshots/hall_shots.py OUT 1366
where screen.json is {"screens": [{"name": "hall", "x": 0, "y": 0, "width": 1366, "height": 728,
"logicalDpi": 96, "logicalBaseDpi": 96, "dpr": 1}]} (768 less a 40 px taskbar). Demo data only.
"""

from __future__ import annotations

import sys
import tempfile
from datetime import date
from pathlib import Path

from PySide6.QtCore import QEventLoop, QTimer
from PySide6.QtWidgets import QApplication

from escape_desktop.context import AppContext
from escape_desktop.services import today as today_service
from escape_desktop.services.demo import generate_demo
from escape_desktop.ui.app.launcher import create_main_window
from escape_desktop.ui.app.today_panel import WeekDialog
from escape_desktop.ui.circuit.circuit_views import CircuitView

CLASS_DAY = date(2026, 11, 27)  # a Friday: session 6 of the demo's running course


def wait(ms: int = 300) -> None:
    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def main(out: Path, label: str) -> None:
    app = QApplication([])  # noqa: F841 (kept alive for the whole run)
    ctx = AppContext.open(Path(tempfile.mkdtemp()) / "data")
    generate_demo(ctx, scale="small", today=date(2026, 11, 26))
    w = create_main_window(ctx, today=CLASS_DAY)
    w.show()
    wait(800)
    w.grab().save(str(out / f"hall-{label}-register.png"))
    circuit = w.course_view.section(1)
    w.course_view.show_section(1)
    circuit.show_session(6)  # today's class (the circuit reads the real date for its default)
    for view, name in ((CircuitView.STATION, "station"), (CircuitView.PERSON, "person")):
        circuit.set_view(view)
        circuit.table.setCurrentIndex(circuit.table.model().index(1, 0))
        circuit.start_edit("8")  # typing at the second person (cancelled below: nothing saved)
        wait()
        w.grab().save(str(out / f"hall-{label}-circuit-{name}.png"))
        circuit._editor_cancelled()
    circuit.set_view(CircuitView.GRID)
    w.course_view.show_section(0)
    dialog = WeekDialog(today_service.this_week(ctx, CLASS_DAY), w)
    dialog.show()
    wait()
    dialog.grab().save(str(out / "this-week.png"))
    dialog.close()
    w.close()
    ctx.close()


if __name__ == "__main__":
    main(Path(sys.argv[1]), sys.argv[2])
