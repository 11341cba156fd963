"""The hall's laptops: the window opens within the screen, and the screens fit at 1366x768,
1024x768 and with large text (a 1.5x font stands in for 150 % scaling: QT_SCALE_FACTOR cannot
change once the application exists)."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QRect, QSettings

from escape_desktop.ui.app import main_window as mw

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")


def saved_geometry(qtbot, ctx, width: int, height: int) -> None:  # type: ignore[no-untyped-def]
    """Leave a ui.ini as a window this size on a bigger screen would have."""
    w = mw.MainWindow(ctx, today=None)
    qtbot.addWidget(w)
    w.setGeometry(QRect(40, 40, width, height))
    settings = QSettings(str(Path(ctx.data_dir) / mw.UI_SETTINGS_FILE), QSettings.Format.IniFormat)
    settings.setValue("window/geometry", w.saveGeometry())
    settings.sync()


@pytest.mark.parametrize("screen", [(1024, 728), (1280, 680)])
def test_saved_size_bigger_than_the_screen_is_not_used(qtbot, ctx, monkeypatch, screen) -> None:  # type: ignore[no-untyped-def]
    saved_geometry(qtbot, ctx, 1900, 1150)
    room = QRect(0, 0, *screen)
    monkeypatch.setattr(mw.MainWindow, "available_geometry", lambda self: room)
    w = mw.MainWindow(ctx)
    qtbot.addWidget(w)
    assert w.isMaximized()  # narrower than 1366: the whole screen
    w.showNormal()
    assert room.contains(w.geometry())


def test_saved_size_that_fits_is_kept(qtbot, ctx, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    saved_geometry(qtbot, ctx, 760, 540)  # (the offscreen screen itself is 800x600)
    monkeypatch.setattr(mw.MainWindow, "available_geometry", lambda self: QRect(0, 0, 1920, 1040))
    w = mw.MainWindow(ctx)
    qtbot.addWidget(w)
    assert not w.isMaximized()
    assert (w.width(), w.height()) == (760, 540)


def test_first_start_fits_a_1366_laptop(qtbot, ctx, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    room = QRect(0, 0, 1366, 728)  # 768 less the taskbar
    monkeypatch.setattr(mw.MainWindow, "available_geometry", lambda self: room)
    w = mw.MainWindow(ctx)
    qtbot.addWidget(w)
    assert not w.isMaximized()
    assert room.contains(w.geometry())
