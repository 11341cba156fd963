"""Screenshots for docs/accessibility.md: 150 % and 200 % scaling, and the focus ring.

Run from the repository under an X server the size of a hall laptop, one scale a run, e.g.
    QT_SCALE_FACTOR=2 xvfb-run -a -s "-screen 0 1366x768x24" python docs/screenshots/a11y_shots.py docs/screenshots zoom
    xvfb-run -a -s "-screen 0 1366x768x24" python docs/screenshots/a11y_shots.py docs/screenshots focus
The whole X screen is taken with ImageMagick's ``import -window root``. Demo data only.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from datetime import date
from pathlib import Path

from PySide6.QtCore import QEventLoop, Qt, QTimer
from PySide6.QtWidgets import QApplication, QDialogButtonBox

from escape_desktop.context import AppContext
from escape_desktop.db import queries
from escape_desktop.services import courses
from escape_desktop.services.demo import generate_demo
from escape_desktop.ui.app.launcher import create_main_window
from escape_desktop.ui.common import style

CLASS_DAY = date(2026, 11, 27)  # a Friday: session 6 of the demo's running course


def wait(ms: int = 400) -> None:
    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def shot(path: Path) -> None:
    wait()
    subprocess.run(["import", "-window", "root", str(path)], check=True)


def main(out: Path, what: str) -> None:
    app = QApplication([])
    ctx = AppContext.open(Path(tempfile.mkdtemp()) / "data")
    generate_demo(ctx, scale="small", today=date(2026, 11, 26))
    with ctx.db.read() as s:
        cid = queries.course_by_code(s, "KH-2026-002").id
    if what == "focus":
        for dark in (False, True):
            style.set_scheme_override(dark)
            style.apply(app, dark=dark)
            w = create_main_window(ctx, today=CLASS_DAY)
            w.show()
            wait(800)
            w.open_course(cid)
            from escape_desktop.ui.courses.course_edit_dialog import CourseEditDialog

            dialog = CourseEditDialog(ctx, cid, courses.course_input(ctx, cid), bus=w.bus, parent=w)
            dialog.show()
            wait()
            dialog.activateWindow()
            dialog.title.setFocus(Qt.FocusReason.TabFocusReason)
            name = "dark" if dark else "light"
            shot(out / f"focus-field-{name}.png")
            dialog.buttons.button(QDialogButtonBox.StandardButton.Save).setFocus(
                Qt.FocusReason.TabFocusReason
            )
            shot(out / f"focus-save-{name}.png")
            dialog.reject()
            w.close()
        return
    percent = round(float(os.environ.get("QT_SCALE_FACTOR", "1")) * 100)
    w = create_main_window(ctx, today=CLASS_DAY)
    w.show()
    wait(1000)
    w.open_course(cid)
    w.course_view.show_section(0)
    shot(out / f"zoom-{percent}-register.png")
    w.course_view.show_section(2)
    shot(out / f"zoom-{percent}-measures.png")
    w.course_view.show_section(0)
    from escape_desktop.ui.courses.course_wizard import CourseWizard

    wizard = CourseWizard(ctx, w, today=CLASS_DAY, bus=w.bus)
    wizard.show()
    shot(out / f"zoom-{percent}-wizard.png")
    wizard.reject()
    w.close()


if __name__ == "__main__":
    main(Path(sys.argv[1]), sys.argv[2])
