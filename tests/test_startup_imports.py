"""Opening the window must not pay for what it does not show: no ReportLab, no Alembic.

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
NOT_AT_START = ("reportlab", "alembic", "mako")

ROOT = Path(__file__).resolve().parent.parent


def loaded_after(code: str, data_dir: Path) -> set[str]:
    """Top-level packages in sys.modules after running ``code`` in a new interpreter."""
    probe = (
        "import json, sys\n"
        f"DATA_DIR = {str(data_dir)!r}\n" + code + "\n"
        "print(json.dumps(sorted({name.split('.')[0] for name in sys.modules})))\n"
    )
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
    return set(json.loads(result.stdout.strip().splitlines()[-1]))


def test_the_window_path_and_opening_data_skip_heavy_imports(demo_ctx: AppContext) -> None:
    loaded = loaded_after(
        "import escape_desktop.cli, escape_desktop.ui.app, escape_desktop.ui.main_window\n"
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
        "from escape_desktop.ui.app import create_main_window\n"
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
