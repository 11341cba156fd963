"""Background work and the error hook survive a window that closes before they finish."""

import sys
import threading

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QWidget
from qt_wait import delete_and_wait, settle

from escape_desktop.ui.common import error_dialog
from escape_desktop.ui.common.worker import database_worker, run_in_background


def test_background_result_reaches_the_gui_thread_with_progress(qtbot):
    seen: dict[str, object] = {}

    def work(progress):
        progress(1, 2, "half")
        progress(2, 2, "done")
        return threading.current_thread() is threading.main_thread()

    parent = QObject()
    steps = []
    with qtbot.waitCallback() as done:
        run_in_background(
            work,
            on_done=done,
            on_error=lambda e: seen.setdefault("error", e),
            on_progress=lambda d, t, m: steps.append((d, t, m)),
            parent=parent,
        )
    assert done.args == [False]  # it ran off the GUI thread
    qtbot.waitUntil(lambda: len(steps) == 2)
    assert steps == [(1, 2, "half"), (2, 2, "done")]
    assert "error" not in seen


def test_failure_is_handed_to_on_error(qtbot):
    def work(progress):
        raise ValueError("disk said no")

    parent = QObject()
    with qtbot.waitCallback() as failed:
        run_in_background(work, on_done=lambda r: None, on_error=failed, parent=parent)
    assert isinstance(failed.args[0], ValueError)


def test_a_job_whose_window_closed_finishes_quietly(qtbot):
    gate = threading.Event()
    results = []
    parent = QObject()
    run_in_background(
        lambda progress: gate.wait(5) and progress(1, 1, "x") or "late",
        on_done=results.append,
        on_error=results.append,
        parent=parent,
    )
    delete_and_wait(qtbot, [parent])  # the parent, and the signals object with it, are gone now
    gate.set()
    assert database_worker().waitForDone(5000)
    settle()  # a result still on its way to the main thread would be delivered here
    assert results == []


def test_error_hook_shows_the_dialog_even_if_its_window_is_gone(qtbot, monkeypatch):
    shown = []
    monkeypatch.setattr(
        error_dialog, "show_message", lambda parent, title, text, error=False: shown.append(parent)
    )
    window = QWidget()
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)  # restored after the test
    error_dialog.install_excepthook(lambda: window)
    delete_and_wait(qtbot, [window])
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        sys.excepthook(*sys.exc_info())
    assert shown == [None]
