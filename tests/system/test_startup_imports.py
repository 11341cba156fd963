"""Opening the window must not pay for what it does not show: no ReportLab, no Alembic, and
until the window is ready to mark no SQLAlchemy and no cryptography either (issue 29: the
register, its heading, its reminders and the Today panel are read in plain SQL).

Run in a fresh interpreter each time, because this test session has long since imported
everything.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from escape_desktop.context import AppContext

# Needed only to print documents, to migrate an old database, or to read an encrypted one.
NOT_AT_START = ("reportlab", "alembic", "mako", "babel")
# Not before the first paint of the window: the courses list is read with plain SQL, and the
# key file's cipher is only needed for encrypted data.
NOT_AT_FIRST_PAINT = ("sqlalchemy", "cryptography", *NOT_AT_START)
# Not before the window is ready to mark either (issue 29: SQLAlchemy alone is about 3x a bare
# window's start-up and 100 MiB): packages.
NOT_AT_READY_PACKAGES = NOT_AT_FIRST_PAINT
# ... and what only a write, a dialog, a document or an export needs. Module names.
NOT_AT_READY = (
    "escape_desktop.db.models",  # the ORM models (SQLAlchemy)
    "escape_desktop.db.queries",
    "escape_desktop.services.attendance",  # the first mark imports it
    "escape_desktop.ui.common.charts",
    "escape_desktop.ui.safety",  # the Data menu comes once SQLAlchemy is imported
    "escape_desktop.services.importing",  # the referral-list reader (Import list dialog)
    "escape_desktop.export",  # PDFs, charts, upload files
    "escape_desktop.ui.documents",
    "openpyxl",
)

# The app started as the installed command starts it; prints the packages loaded at the first
# paint of its window and again once it is ready (course view built, quick check passed).
APP_START = """
import json, sys
from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication
import escape_desktop.cli
import escape_desktop.ui.app.launcher as ui_app

def packages():
    return sorted({name.split('.')[0] for name in sys.modules})

def ours():
    return sorted(name for name in sys.modules if name.startswith(("escape_desktop", "openpyxl")))

class Watch(QObject):
    def __init__(self, window):
        super().__init__()
        self.window, self.painted = window, None
    def eventFilter(self, obj, event):
        if self.painted is None and event.type() == QEvent.Type.Paint and obj.isWidgetType():
            if obj.window() is self.window:
                self.painted = packages()
        return False

_create = ui_app.create_main_window
def create(*args, **kwargs):
    window = _create(*args, **kwargs)
    watch = Watch(window)
    QApplication.instance().installEventFilter(watch)
    window._watch = watch
    seen = {}
    def poll():
        if not seen and window.is_ready and window.checked:
            view = window.course_view
            seen.update({"painted": watch.painted, "ready": packages(), "modules": ours(),
                         "course": view.course_id, "rows": len(view.register.model.rows),
                         "built": sorted(view._built),
                         "menus": [a.text() for a in window.menuBar().actions()]})
        if seen and getattr(window, "_warmed", True):  # then, without a click, SQLAlchemy and the Data menu
            seen["warm"] = packages()
            seen["warm_menus"] = [a.text() for a in window.menuBar().actions()]
            print(json.dumps(seen))
            QApplication.quit()
        else:
            QTimer.singleShot(10, poll)
    QTimer.singleShot(0, poll)
    return window

ui_app.create_main_window = create
sys.exit(escape_desktop.cli.main(["--data-dir", DATA_DIR]))
"""

ROOT = Path(__file__).resolve().parents[2]


def run_probe(probe: str) -> str:
    """Run ``probe`` in a new interpreter; its standard output."""
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    result = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


def loaded_after(code: str, data_dir: Path) -> set[str]:
    """Top-level packages in sys.modules after running ``code`` in a new interpreter."""
    probe = (
        "import json, sys\n"
        f"DATA_DIR = {str(data_dir)!r}\n" + code + "\n"
        "print(json.dumps(sorted({name.split('.')[0] for name in sys.modules})))\n"
    )
    return set(json.loads(run_probe(probe).strip().splitlines()[-1]))


def test_the_app_is_ready_to_mark_before_sqlalchemy(demo_ctx: AppContext) -> None:
    folder = demo_ctx.data_dir
    demo_ctx.close()
    out = run_probe(f"DATA_DIR = {str(folder)!r}\n" + APP_START)
    seen = json.loads(out.strip().splitlines()[-1])
    painted, ready = set(seen["painted"]), set(seen["ready"])
    assert "escape_desktop" in painted and "PySide6" in painted  # the probe really ran
    assert not painted & set(NOT_AT_FIRST_PAINT)
    # Ready to mark: the last course's register, filled, and still no SQLAlchemy.
    assert seen["course"] is not None and seen["rows"] > 0
    assert not ready & set(NOT_AT_READY_PACKAGES)
    loaded = seen["modules"]
    assert "escape_desktop.ui.register.register_section" in loaded  # the probe saw our modules
    assert "escape_desktop.ui.app.today_panel" in loaded
    assert not [m for m in loaded if m.startswith(NOT_AT_READY)]
    assert seen["built"] == []  # the hidden sections wait until their tab is shown
    # Then, without a click, SQLAlchemy arrives in an idle moment, and the Data menu with it.
    warm = set(seen["warm"])
    assert "sqlalchemy" in warm and not warm & set(NOT_AT_START)
    assert len(seen["warm_menus"]) == len(seen["menus"]) + 1  # the Data menu


def test_the_window_path_and_opening_data_skip_heavy_imports(demo_ctx: AppContext) -> None:
    loaded = loaded_after(
        "import escape_desktop.cli, escape_desktop.ui.app.launcher, escape_desktop.ui.app.main_window\n"
        "from escape_desktop.context import AppContext\n"
        "ctx = AppContext.open(DATA_DIR)\n"
        "ctx.close()\n",
        demo_ctx.data_dir,
    )
    assert "escape_desktop" in loaded and "PySide6" in loaded  # the probe really ran
    assert not loaded & set(NOT_AT_START)


def test_building_and_showing_the_main_window_skips_heavy_imports(demo_ctx: AppContext) -> None:
    loaded = loaded_after(
        "import escape_desktop.cli\n"
        "from PySide6.QtWidgets import QApplication\n"
        "from escape_desktop.context import AppContext\n"
        "from escape_desktop.ui.app.launcher import create_main_window\n"
        "app = QApplication([])\n"
        "ctx = AppContext.open(DATA_DIR)\n"
        "window = create_main_window(ctx)\n"
        "window.show()\n"
        "app.processEvents()\n"
        "window.close()\n"
        "ctx.close()\n",
        demo_ctx.data_dir,
    )
    assert "escape_desktop" in loaded and "PySide6" in loaded
    assert not loaded & set(NOT_AT_START)


def test_the_command_line_parser_alone_does_not_open_qt(tmp_path: Path) -> None:
    """`escape-desktop --version` or `courses` in a script must not load the GUI toolkit."""
    loaded = loaded_after(
        "import escape_desktop.cli\nescape_desktop.cli.build_parser()\n", tmp_path
    )
    assert "escape_desktop" in loaded
    assert not loaded & {"PySide6", "shiboken6", *NOT_AT_START}
