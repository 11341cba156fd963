"""Screenshots for issue 25 (docs/screenshots): the Measures tab on a course's last session,
and the circuit after "did what was set". Demo data only.

Run under a 1366x768 X screen, e.g.
    xvfb-run -a -s "-screen 0 1366x768x24" python docs/screenshots/classday_shots.py docs/screenshots
(each picture is the whole screen, taken with ImageMagick's ``import -window root``).
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from datetime import date
from pathlib import Path

from PySide6.QtCore import QEventLoop, Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication
from sqlalchemy import select

from escape_desktop.context import AppContext
from escape_desktop.db.models import Course, Session
from escape_desktop.services.demo import generate_demo
from escape_desktop.ui.app.launcher import create_main_window

DEMO_DAY = date(2026, 11, 26)
CLASS_DAY = date(2026, 11, 27)  # session 6 of the demo's running course


def wait(ms: int = 400) -> None:
    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def shot(path: Path) -> None:
    wait(600)
    subprocess.run(["import", "-window", "root", str(path)], check=True)


def main(out: Path) -> None:
    app = QApplication([])  # noqa: F841 (kept alive for the whole run)
    ctx = AppContext.open(Path(tempfile.mkdtemp()) / "data")
    generate_demo(ctx, scale="small", today=DEMO_DAY)
    with ctx.db.read() as s:
        cid = s.scalar(select(Course.id).where(Course.code == "KH-2026-002"))
        last = s.scalar(
            select(Session.date)
            .where(Session.course_id == cid, Session.cancelled.is_(False))
            .order_by(Session.number.desc())
        )

    # The measures tab on the last session: it opens on End and says so in large type.
    w = create_main_window(ctx, today=last)
    w.setGeometry(0, 0, 1366, 768)
    w.show()
    wait(800)
    w.open_course(cid)
    w.course_view.show_section(2)
    measures = w.course_view.measures
    measures.people_view.setCurrentIndex(measures.people_model.index(0, 0))
    measures.entry.focus_first()
    shot(out / "measures-last-session.png")
    w.close()

    # The circuit of today's class after Shift+Space on the first two people.
    w = create_main_window(ctx, today=CLASS_DAY)
    w.setGeometry(0, 0, 1366, 768)
    w.show()
    wait(800)
    w.open_course(cid)
    w.course_view.show_section(1)
    circuit = w.course_view.circuit
    circuit.show_session(6)
    circuit.table.setCurrentIndex(circuit.model.index(0, 0))
    circuit.table.setFocus()
    for _ in range(2):
        QTest.keyClick(circuit.table, Qt.Key.Key_Space, Qt.KeyboardModifier.ShiftModifier)
    QTest.keyClick(circuit.table, Qt.Key.Key_Space)  # and one cell of the third
    shot(out / "circuit-did-as-set.png")
    w.close()


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("."))
