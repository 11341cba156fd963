"""The guide's pictures (resources/help/images) in a language other than English: NAME-LANG.png.

Run from the repository, e.g.
    QT_QPA_PLATFORM=offscreen python docs/screenshots/guide_shots.py resources/help/images cy
The same screens as the English pictures (tests/ui/test_ui_screens.py at 1366x768, the demo's
running course), with the window language set to LANG, then made the English picture's width
(720 px; the session sheet 620 px, the first page of the printed sheet) and reduced to 256
colours with ImageMagick, as the English ones are. Demo data only.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from datetime import date
from pathlib import Path

from PySide6.QtCore import QEventLoop, QTimer
from PySide6.QtWidgets import QApplication, QWidget

from escape_desktop import i18n
from escape_desktop.context import AppContext
from escape_desktop.db import queries
from escape_desktop.services.demo import generate_demo
from escape_desktop.services.documents import build_document
from escape_desktop.ui.app.launcher import create_main_window
from escape_desktop.ui.common import qt_language

DEMO_DAY = date(2026, 11, 26)  # the tests' demo day: session 5 done, session 6 tomorrow
SIZE = (1366, 768)


def wait(ms: int = 400) -> None:
    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def finish(raw: Path, out: Path, width: int) -> None:
    """``raw`` made ``width`` wide and 256 colours, as the English pictures are."""
    subprocess.run(
        [
            "convert",
            str(raw),
            "-resize",
            f"{width}x",
            "-strip",
            "+dither",
            "-colors",
            "256",
            f"PNG8:{out}",
        ],
        check=True,
    )


def main(out: Path, language: str) -> None:
    i18n.set_ui_language(language)
    app = QApplication([])  # noqa: F841 (kept alive for the whole run)
    qt_language.install()
    work = Path(tempfile.mkdtemp())
    ctx = AppContext.open(work / "data")
    generate_demo(ctx, scale="small", seed=7, today=DEMO_DAY)

    def save(widget: QWidget, name: str, width: int = 720) -> None:
        wait()
        raw = work / f"{name}.png"
        assert widget.grab().save(str(raw))
        finish(raw, out / f"{name}-{language}.png", width)

    empty = AppContext.open(work / "first" / "data")
    welcome = create_main_window(empty, today=DEMO_DAY)  # an empty data folder: the welcome
    welcome.show()
    welcome.showNormal()  # the offscreen screen is narrow, so the window opened maximised on it
    welcome.resize(*SIZE)
    save(welcome, "welcome")
    welcome.close()

    w = create_main_window(ctx, today=DEMO_DAY)
    w.show()
    w.showNormal()
    w.resize(*SIZE)
    with ctx.db.read() as s:
        running = queries.course_by_code(s, "KH-2026-002").id
    w.open_course(running)
    save(w, "main-register")
    w.course_view.show_section(1)
    w.course_view.section(1).show_session(6)  # the register's session (the circuit reads the
    save(w, "circuit")  # real date for its default)
    w.course_view.show_section(2)
    save(w, "measures")
    w.course_view.show_section(0)

    from escape_desktop.ui.courses.course_wizard import CourseWizard
    from escape_desktop.ui.people.participant_dialog import ParticipantDialog

    wizard = CourseWizard(ctx, w, today=DEMO_DAY)
    wizard.show()
    wizard.next()
    wizard.next()
    save(wizard, "wizard-dates")
    wizard.reject()
    dialog = ParticipantDialog(w, lambda d: None, course_label="KH-2026-002 · Knees & hips")
    dialog.show()
    dialog.first_name.setText("Siân")
    dialog.last_name.setText("Demo-Łukasz")
    dialog.dob.setText("03/02/1950")
    dialog.nhs.setText("9434765919")
    save(dialog, "enrol-dialog")
    dialog.reject()
    w.close()

    # The session sheet as printed (the window's language), its first page.
    pdf = work / "sheet.pdf"
    build_document(ctx, "session-sheet", running, pdf, today=DEMO_DAY, session_number=6)
    subprocess.run(
        ["pdftoppm", "-png", "-r", "100", "-f", "1", "-l", "1", str(pdf), str(work / "sheet")],
        check=True,
    )
    page = next(work.glob("sheet*.png"))
    finish(page, out / f"session-sheet-{language}.png", 620)
    ctx.close()
    empty.close()


if __name__ == "__main__":
    main(Path(sys.argv[1]), sys.argv[2])
