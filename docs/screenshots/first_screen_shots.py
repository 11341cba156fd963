"""The first screen on a class day (Today panel, reminders, register) and today's circuit, in
one window language, at the whole screen. Demo data only.

Run under a 1366x768 X screen, e.g.
    xvfb-run -a -s "-screen 0 1366x768x24" python docs/screenshots/first_screen_shots.py OUT cy
which writes OUT/register-cy.png and OUT/circuit-cy.png (``en``: register-en.png, circuit-en.png).
At 100 % only: the window is set to 1366x768 points, so under QT_SCALE_FACTOR it overflows the
screen (a11y_shots.py lets the window fit itself instead).
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from datetime import date
from pathlib import Path

from PySide6.QtCore import QEventLoop, QTimer
from PySide6.QtWidgets import QApplication

from escape_desktop.context import AppContext
from escape_desktop.i18n import set_ui_language
from escape_desktop.services.demo import generate_demo

CLASS_DAY = date(2026, 11, 27)  # a Friday: session 6 of the demo's running course


def wait(ms: int = 400) -> None:
    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def shot(path: Path) -> None:
    wait(600)
    subprocess.run(["import", "-window", "root", str(path)], check=True)


def main(out: Path, language: str) -> None:
    set_ui_language(language)
    app = QApplication([])  # noqa: F841 (kept alive for the whole run)
    from escape_desktop.ui.app.launcher import create_main_window
    from escape_desktop.ui.common import qt_language

    qt_language.install()
    ctx = AppContext.open(Path(tempfile.mkdtemp()) / "data")
    generate_demo(ctx, scale="small", today=date(2026, 11, 26))
    w = create_main_window(ctx, today=CLASS_DAY)
    w.setGeometry(0, 0, 1366, 768)
    w.show()
    wait(1000)
    shot(out / f"register-{language}.png")  # as it opens: today's course, its register, reminders
    w.course_view.show_section(1)
    w.course_view.circuit.show_session(6)
    shot(out / f"circuit-{language}.png")
    w.close()
    ctx.close()


if __name__ == "__main__":
    main(Path(sys.argv[1]), sys.argv[2] if len(sys.argv) > 2 else "cy")
