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
    assert w.isMaximized()  # a laptop screen or smaller: the whole screen
    w.showNormal()
    assert room.contains(w.geometry())


def test_saved_size_that_fits_is_kept(qtbot, ctx, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    saved_geometry(qtbot, ctx, 760, 540)  # (the offscreen screen itself is 800x600)
    monkeypatch.setattr(mw.MainWindow, "available_geometry", lambda self: QRect(0, 0, 1920, 1040))
    w = mw.MainWindow(ctx)
    qtbot.addWidget(w)
    assert not w.isMaximized()
    assert (w.width(), w.height()) == (760, 540)


def test_first_start_on_a_1366_laptop_is_maximised(qtbot, ctx, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    room = QRect(0, 0, 1366, 728)  # 768 less the taskbar
    monkeypatch.setattr(mw.MainWindow, "available_geometry", lambda self: room)
    w = mw.MainWindow(ctx)
    qtbot.addWidget(w)
    assert w.isMaximized()
    w.showNormal()
    assert room.contains(w.geometry())


def test_first_start_on_a_wide_screen_is_laptop_sized(qtbot, ctx, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    room = QRect(0, 0, 1920, 1040)
    monkeypatch.setattr(mw.MainWindow, "available_geometry", lambda self: room)
    w = mw.MainWindow(ctx)
    qtbot.addWidget(w)
    assert not w.isMaximized()
    assert room.contains(w.geometry()) and w.width() == 1366


# --- the screens at hall sizes ------------------------------------------------------------
# A 768-high screen less a 40 px taskbar and a 30 px title bar.
CHROME = 70
SIZES = {
    "1366": ((1366, 768), False),
    "1024": ((1024, 768), False),
    "1366-150%": ((1366, 768), True),
}
PROXY_150 = round(11 * 1.5)  # large text at 1.5x the normal 11 pt stands in for 150 % scaling


@pytest.fixture
def hall_window(qtbot, demo_ctx, demo_today, make_window, monkeypatch, request):  # type: ignore[no-untyped-def]
    from PySide6.QtWidgets import QApplication

    from escape_desktop.db import queries
    from escape_desktop.ui.common import style

    (width, height), large = SIZES[request.param]
    if large:
        monkeypatch.setattr(style, "LARGE_POINT_SIZE", PROXY_150)
    else:
        style.apply(QApplication.instance(), False)  # whatever a test before it left
    w = make_window(demo_ctx, demo_today)
    qtbot.waitUntil(lambda: w.is_ready)
    if large:
        w._apply_large_text(True)
    w.resize(width, height - CHROME)
    with demo_ctx.db.read() as s:
        w.open_course(queries.course_by_code(s, "KH-2026-002").id)
    QApplication.processEvents()
    yield w
    if large:
        style.apply(QApplication.instance(), False)


def settle(qtbot) -> None:  # type: ignore[no-untyped-def]
    from qt_wait import settle as deliver_queued_events

    deliver_queued_events()  # layouts catch up with a new size or font after a few events


@pytest.mark.parametrize("hall_window", list(SIZES), indirect=True)
def test_no_text_is_clipped_on_any_main_screen(qtbot, hall_window) -> None:  # type: ignore[no-untyped-def]
    from hall_check import clipped

    w = hall_window
    for tab in range(4):
        w.course_view.show_section(tab)
        settle(qtbot)
        assert clipped(w) == [], f"section {tab}"
    w.pages.setCurrentIndex(mw.PAGE_WELCOME)
    settle(qtbot)
    assert clipped(w) == [], "welcome page"


@pytest.mark.parametrize("hall_window", ["1366"], indirect=True)
def test_register_shows_a_class_of_12_and_six_sessions_at_1366(qtbot, hall_window) -> None:  # type: ignore[no-untyped-def]
    from hall_check import columns_shown, rows_shown

    from escape_desktop.ui.register.register_model import FIRST_SESSION

    reg = hall_window.course_view.register
    hall_window.course_view.show_section(0)
    settle(qtbot)
    assert reg.model.rowCount() == 12
    assert rows_shown(reg.table) >= 12
    assert columns_shown(reg.table, FIRST_SESSION) >= 6
    # The date is still there, in the column's tooltip.
    from PySide6.QtCore import Qt

    tip = reg.model.headerData(
        FIRST_SESSION, Qt.Orientation.Horizontal, Qt.ItemDataRole.ToolTipRole
    )
    assert "2026" in tip


@pytest.mark.parametrize("hall_window", list(SIZES), indirect=True)
def test_circuit_station_view_fits_every_hall_screen(qtbot, hall_window) -> None:  # type: ignore[no-untyped-def]
    from hall_check import clipped, columns_shown

    from escape_desktop.ui.circuit.circuit_views import CircuitView

    w = hall_window
    w.course_view.show_section(1)
    circuit = w.course_view.section(1)
    for view in (CircuitView.STATION, CircuitView.PERSON):
        circuit.set_view(view)
        settle(qtbot)
        assert columns_shown(circuit.table) == 1  # the whole cell in view, no sideways scrolling
        assert circuit.view_label.isVisible()
        assert clipped(w) == []
    circuit.set_view(CircuitView.GRID)


def _dialogs(ctx, today):  # type: ignore[no-untyped-def]
    """Each dialog as the window opens it, on the demo's running course."""
    from sqlalchemy import select

    from escape_desktop.db import queries
    from escape_desktop.db.models import Session
    from escape_desktop.services import courses
    from escape_desktop.services import today as today_service
    from escape_desktop.ui.app.today_panel import WeekDialog
    from escape_desktop.ui.common.change_bus import ChangeBus
    from escape_desktop.ui.courses.course_edit_dialog import CourseEditDialog
    from escape_desktop.ui.courses.course_wizard import CourseWizard
    from escape_desktop.ui.courses.session_dialog import SessionDialog
    from escape_desktop.ui.documents.export_dialog import ExportDialog
    from escape_desktop.ui.people.participant_dialog import ParticipantDialog
    from escape_desktop.ui.people.search_dialog import SearchDialog
    from escape_desktop.ui.safety.settings_dialog import SettingsDialog

    bus = ChangeBus()
    with ctx.db.read() as s:
        cid = queries.course_by_code(s, "KH-2026-002").id
        x = s.scalar(select(Session).where(Session.course_id == cid, Session.number == 3))
        info = queries.SessionInfo(x.id, x.number, x.date, x.topic, x.cancelled,
                                   x.cancel_reason, x.staff_present, x.notes)  # fmt: skip
    return {
        "session": lambda: SessionDialog(ctx, bus, info, ["Jo Demo-Physio"]),
        "course": lambda: CourseEditDialog(ctx, cid, courses.course_input(ctx, cid), bus=bus),
        "wizard": lambda: CourseWizard(ctx, None, today=today, bus=bus),
        "enrol": lambda: ParticipantDialog(None, lambda _d: None, today=today),
        "export": lambda: ExportDialog(ctx, bus, None, cid, today=today),
        "settings": lambda: SettingsDialog(ctx, bus),
        "search": lambda: SearchDialog(ctx),
        "week": lambda: WeekDialog(today_service.this_week(ctx, today)),
    }


DIALOGS = ["session", "course", "wizard", "enrol", "export", "settings", "search", "week"]


@pytest.fixture(scope="module", autouse=True)
def _normal_text_after_the_module(qapp):  # type: ignore[no-untyped-def]
    """The dialog tests leave the app's text size as they set it (re-applying the app's style
    sheet costs a fifth of a second, so the 150 % ones run one after another and set it once);
    the next module starts with normal text."""
    yield
    from escape_desktop.ui.common import style

    style.apply(qapp, False)


# All the dialogs at normal text, then all at 150 %: each test sets the size it is about
# (style.apply does nothing when the app already has it).
@pytest.mark.parametrize("name", DIALOGS)
@pytest.mark.parametrize("large", [False, True], ids=["normal", "150%"])
def test_dialogs_fit_1024x768_and_clip_nothing(
    qtbot, demo_ctx, demo_today, monkeypatch, name, large
) -> None:  # type: ignore[no-untyped-def]
    from hall_check import clipped
    from PySide6.QtWidgets import QApplication

    from escape_desktop.ui.common import style

    app = QApplication.instance()
    if large:
        monkeypatch.setattr(style, "LARGE_POINT_SIZE", PROXY_150)
    style.apply(app, large)
    assert app.font().pointSize() == style.point_size(large)
    dialog = _dialogs(demo_ctx, demo_today)[name]()
    qtbot.addWidget(dialog)
    dialog.show()
    settle(qtbot)
    room = (1024, 768 - CHROME)
    if dialog.width() > room[0] or dialog.height() > room[1]:
        dialog.resize(min(dialog.width(), room[0]), min(dialog.height(), room[1]))
        settle(qtbot)
    # It can be made to fit the screen, and then nothing is cut off or hidden.
    assert dialog.minimumSizeHint().width() <= room[0]
    assert dialog.minimumSizeHint().height() <= room[1]
    assert clipped(dialog) == []
    dialog.close()
