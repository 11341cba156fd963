"""Waiting on Qt without a clock: deliver what is queued, or wait until widgets are gone.

A fixed `qtbot.wait(N)` is too short on a busy machine and too long on a quiet one; these
wait exactly as long as the thing they wait for.
"""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import QAbstractEventDispatcher, QCoreApplication, QEventLoop, QObject
from shiboken6 import isValid

# A guard only: each pass delivers everything queued so far; 50 passes is far beyond the
# depth of any chain of events the app queues (a resize, its layout, a zero-delay timer...).
_MAX_PASSES = 50


def settle() -> None:
    """Deliver every event already queued and the ones those queue in turn: layout requests
    after a resize or a font change, zero-delay timers, queued signals from worker threads.

    Afterwards what is on the screen is what the app will show; a test of what must NOT
    change (a dialog keeping still) asserts after this.
    """
    dispatcher = QAbstractEventDispatcher.instance()
    for _ in range(_MAX_PASSES):
        QCoreApplication.sendPostedEvents()
        if dispatcher is None or not dispatcher.processEvents(
            QEventLoop.ProcessEventsFlag.AllEvents
        ):
            break


def delete_and_wait(qtbot, objects: Iterable[QObject], timeout: int = 5000) -> None:  # type: ignore[no-untyped-def]
    """deleteLater() each object still alive and wait until Qt has destroyed them all."""
    alive = [o for o in objects if isValid(o)]
    for o in alive:
        o.deleteLater()
    qtbot.waitUntil(lambda: not any(isValid(o) for o in alive), timeout=timeout)
