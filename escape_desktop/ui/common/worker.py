"""Slow work off the GUI thread, on one database worker, with success and failure callbacks and progress."""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable
from typing import Any

import shiboken6
from PySide6.QtCore import QCoreApplication, QObject, QRunnable, QThreadPool, Signal

log = logging.getLogger(__name__)

Progress = Callable[[int, int, str], None]  # done, total, message


class _Signals(QObject):
    progress = Signal(int, int, str)
    finished = Signal(object)
    failed = Signal(object)


class _Job(QRunnable):
    def __init__(self, fn: Callable[[Progress], Any], signals: _Signals):
        super().__init__()
        self.fn = fn
        self.signals = signals

    def run(self) -> None:
        try:
            result = self.fn(self._progress)
        except BaseException as e:  # handed to the GUI thread, which shows it
            log.error("background job failed\n%s", traceback.format_exc())
            self._emit(self.signals.failed, e)
        else:
            self._emit(self.signals.finished, result)

    def _progress(self, done: int, total: int, message: str) -> None:
        self._emit(self.signals.progress, done, total, message)

    def _emit(self, signal: Any, *args: Any) -> None:
        # The screen that asked may have closed meanwhile; its answer then has nowhere to go.
        if shiboken6.isValid(self.signals):
            try:
                signal.emit(*args)
            except RuntimeError:
                log.info("background job finished after its window closed")


_pool: QThreadPool | None = None


def database_worker() -> QThreadPool:
    """The one thread that background work runs on, so two jobs never write the file at once.

    Jobs queue in the order they were asked for (a backup waits for a PDF to finish). It
    belongs to the application, which waits for a running job before it quits.
    """
    global _pool
    if _pool is None or not shiboken6.isValid(_pool):
        _pool = QThreadPool(QCoreApplication.instance())
        _pool.setMaxThreadCount(1)
    return _pool


def run_in_background(
    fn: Callable[[Progress], Any],
    *,
    on_done: Callable[[Any], None],
    on_error: Callable[[BaseException], None],
    on_progress: Progress | None = None,
    parent: QObject | None = None,
) -> _Signals:
    """Run ``fn(progress)`` on the database worker; callbacks run on the GUI thread.

    Keep the returned object alive until done (it is parented to ``parent`` when given).
    """
    signals = _Signals(parent)
    signals.finished.connect(on_done)
    signals.failed.connect(on_error)
    if on_progress is not None:
        signals.progress.connect(on_progress)
    database_worker().start(_Job(fn, signals))
    return signals
