"""Render the main screens offscreen to tests/output/*.png (looked at by people; copied to docs/screenshots)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication
from qt_wait import delete_and_wait

from escape_desktop.db import queries
from escape_desktop.ui.app.launcher import create_main_window

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")

OUT = Path(__file__).resolve().parents[1] / "output"
SIZE = (1366, 768)


def save(widget, name: str) -> Path:
    OUT.mkdir(exist_ok=True)
    QApplication.processEvents()
    path = OUT / f"{name}.png"
    assert widget.grab().save(str(path))
    return path


@pytest.fixture
def window(qtbot, demo_ctx, demo_today):
    w = create_main_window(demo_ctx, today=demo_today)
    w.show()
    w.resize(*SIZE)
    with demo_ctx.db.read() as s:
        running = queries.course_by_code(s, "KH-2026-002").id
    w.open_course(running)
    yield w
    delete_and_wait(qtbot, [w])


def test_main_window_register_at_1366x768(window):
    path = save(window, "main-register")
    reg = window.course_view.register
    table = reg.table
    today = reg.model.today_column()
    # At laptop size the names stay in view beside today's column.
    assert table.visualRect(reg.model.index(0, today)).intersects(table.viewport().rect())
    assert reg.names.isVisible() and reg.names.width() > 300
    # Every name fits its column.
    fm = reg.names.fontMetrics()
    widest = max(fm.horizontalAdvance(r.name) for r in reg.model.rows)
    assert reg.names.columnWidth(0) >= widest + 8
    assert path.stat().st_size > 10_000


@pytest.mark.parametrize("tab,name", [(1, "circuit"), (2, "measures"), (3, "documents")])
def test_course_sections_at_1366x768(window, tab, name):
    """Each section as the instructor first sees it on a running course, at laptop size."""
    window.course_view.show_section(tab)
    section = window.course_view.tabs.currentWidget()
    assert section.isVisible() and section.course_id == window.course_view.course_id
    path = save(window, name)
    assert path.stat().st_size > 10_000
    if name == "circuit":
        # Today's session is shown, with everyone on the course and the whole circuit.
        assert section.model.rowCount() > 0 and section.model.columnCount() > 0
        assert section.session_info.text()
    elif name == "measures":
        assert section.people_model.rowCount() > 0
    else:
        assert section.save_button.isEnabled()


def test_finished_course(window):
    with window.ctx.db.read() as s:
        finished = queries.course_by_code(s, "KH-2026-001").id
    window.open_course(finished)
    save(window, "main-finished-course")
    states = {window.course_view.register.model.index(r, 2).data() for r in range(5)}
    assert states <= {"Completed", "Can't reach 75%", "Withdrawn"}


def test_welcome(qtbot, ctx, demo_today):
    first = create_main_window(ctx, today=demo_today)
    first.show()
    first.resize(*SIZE)
    save(first, "welcome")
    assert first.welcome.isVisible()
    delete_and_wait(qtbot, [first])


def test_dialogs(qtbot, window, demo_today, tmp_path):
    from escape_desktop.ui.courses.course_wizard import CourseWizard
    from escape_desktop.ui.people.import_dialog import ImportDialog
    from escape_desktop.ui.people.participant_dialog import ParticipantDialog

    wizard = CourseWizard(window.ctx, window, today=demo_today)
    wizard.show()
    wizard.next()
    save(wizard, "wizard-when")
    wizard.next()
    save(wizard, "wizard-dates")
    assert wizard.dates.dates.rowCount() == 12
    wizard.reject()
    dialog = ParticipantDialog(window, lambda d: None, course_label="KH-2026-002 · Knees & hips")
    dialog.show()
    dialog.first_name.setText("Siân")
    dialog.last_name.setText("Demo-Łukasz")
    dialog.dob.setText("03/02/1950")
    dialog.nhs.setText("9434765919")
    save(dialog, "enrol-dialog")
    dialog.reject()
    csv = tmp_path / "referrals.csv"
    csv.write_text(
        "first_name,last_name,date_of_birth,nhs_number,referral_source,consent_programme\n"
        "Ada,Demo-Listed,1951-05-06,943 476 5919,GP,yes\n"
        "Bill,Demo-Listed,1949-01-02,,physiotherapist,yes\n"
        ",Demo-Noname,1950-01-01,,GP,yes\n"
        "Carl,Demo-Listed,1950-01-01,943 476 5918,GP,yes\n",
        encoding="utf-8",
    )
    with window.ctx.db.read() as s:
        upcoming = queries.course_by_code(s, "KH-2026-003").id
    imp = ImportDialog(window.ctx, window.bus, upcoming, "KH-2026-003", window, path=csv)
    imp.show()
    save(imp, "import-dialog")
    assert imp.good_model.rowCount() == 2 and imp.bad_model.rowCount() == 2
    imp.reject()


def test_large_text(qtbot, window):
    from PySide6.QtGui import QFont, QFontMetrics

    window.large_text_action.trigger()
    try:
        save(window, "main-large-text")
        # The course codes on the left stay whole ("KH-2026-002", not "KH-20…").
        table = window.courses.table
        bold = QFont(table.font())
        bold.setBold(True)
        widest = max(
            QFontMetrics(bold).horizontalAdvance(r.code) for r in window.courses.model.rows
        )
        assert table.columnWidth(0) >= widest + 8
        assert table.viewport().width() >= sum(table.columnWidth(c) for c in range(3)) - 1
    finally:
        window.large_text_action.trigger()


SCALED = """
import sys
from datetime import date
from PySide6.QtWidgets import QApplication
from escape_desktop.context import AppContext
from escape_desktop.db import queries
from escape_desktop.ui.app.launcher import create_main_window
app = QApplication([])
ctx = AppContext.open(sys.argv[1])
w = create_main_window(ctx, today=date(2026, 11, 26))
w.show()
w.showNormal()  # the offscreen screen is narrow, so the window opened maximised on it
w.resize(1366, 768)
with ctx.db.read() as s:
    running = queries.course_by_code(s, "KH-2026-002").id
w.open_course(running)
app.processEvents()
image = w.grab()
image.save(sys.argv[2])
print(image.width(), image.devicePixelRatio())
w.close()
ctx.close()
"""


def test_200_percent_scaling_renders_sharp(demo_ctx):
    """QT_SCALE_FACTOR=2: the same window at twice the pixels (a 1366x768 laptop at 200%)."""
    demo_ctx.db.checkpoint()
    OUT.mkdir(exist_ok=True)
    target = OUT / "main-200-percent.png"
    env = dict(os.environ, QT_SCALE_FACTOR="2", QT_QPA_PLATFORM="offscreen")
    run = subprocess.run(
        [sys.executable, "-c", SCALED, str(demo_ctx.data_dir), str(target)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    width, ratio = run.stdout.split()
    assert float(ratio) == 2.0 and int(width) == 1366 * 2
    assert target.exists()
