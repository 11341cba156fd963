"""Ready to mark before the quick check ends (issue 29): the register takes marks at once, but
nothing reaches the data file until the check has passed.

What an instructor relies on: a mark typed the instant the window appears is saved once the
check passes; on a damaged file it is never written and they are told so; while the data file
is being replaced a mark is still refused, not queued.
"""

from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtCore import QObject

from escape_desktop.context import AppContext
from escape_desktop.ui.app import startup
from escape_desktop.ui.app.launcher import Launcher
from escape_desktop.ui.common import error_dialog, operation


def _stored_marks(ctx: AppContext) -> dict[tuple[int, int], str]:
    with ctx.db.raw_read() as conn:
        rows = conn.execute("SELECT enrolment_id, session_id, mark FROM attendance").fetchall()
    return {(e, s): m for e, s, m in rows}


def _a_held_cell(window):  # type: ignore[no-untyped-def]
    """A register cell of a session already held, with a person still enrolled."""
    model = window.course_view.register.model
    for c in range(model.columnCount()):
        session = model.session_at(c)
        if session is None or session.cancelled or session.date > model.today:
            continue
        for r, row in enumerate(model.rows):
            if row.status != "withdrawn":
                now = row.marks.get(session.id)
                return model.index(r, c), (row.enrolment_id, session.id), now
    pytest.skip("the demo's register has no held session")


@pytest.fixture
def started(qtbot, demo_ctx: AppContext, demo_today: date, monkeypatch):  # type: ignore[no-untyped-def]
    """The app started as launcher.run() starts it, with the quick check still running."""
    monkeypatch.setattr(startup, "check_in_background", lambda *a, **kw: QObject())
    launcher = Launcher(demo_ctx, today=demo_today)
    assert launcher.start()
    window = launcher.window
    assert window is not None
    qtbot.waitUntil(lambda: window.is_ready, timeout=5000)
    assert not window.checked  # the check has not answered
    yield launcher
    if launcher.window is not None:
        launcher.window.deleteLater()
    if launcher.ctx is demo_ctx:
        launcher.ctx = None  # demo_ctx's own fixture closes it
    launcher.close()


def test_a_mark_typed_while_checking_is_saved_once_the_check_passes(started) -> None:
    launcher = started
    window, ctx = launcher.window, launcher.ctx
    register = window.course_view.register
    assert register.isEnabled()  # ready to mark: the register takes keys at once
    index, key, now = _a_held_cell(window)
    wanted = "absent" if now == "present" else "present"
    before = _stored_marks(ctx)

    register._on_mark_requested(index, wanted)
    assert register.model.rows[index.row()].marks.get(key[1]) == wanted  # shown at once
    assert _stored_marks(ctx) == before  # but not written while the file is unchecked

    launcher._on_checked([])  # the check passed
    after = _stored_marks(ctx)
    assert after[key] == wanted
    assert {k: v for k, v in after.items() if k != key} == {
        k: v for k, v in before.items() if k != key
    }
    assert window.undo_action.isEnabled()  # and it can be undone like any mark


def test_on_a_damaged_file_a_mark_typed_while_checking_is_not_written(started, monkeypatch) -> None:
    launcher = started
    window, ctx = launcher.window, launcher.ctx
    index, key, now = _a_held_cell(window)
    before = _stored_marks(ctx)
    window.course_view.register._on_mark_requested(
        index, "absent" if now == "present" else "present"
    )
    asked: list[str] = []

    def look_only(_parent, _title, text, buttons):  # type: ignore[no-untyped-def]
        asked.append(text)
        return buttons.index("Look only (read-only)")

    monkeypatch.setattr(startup, "_ask", look_only)
    launcher._on_checked(["Damage found: page 7"])
    assert asked and "page 7" in asked[0]
    assert "not saved" in asked[0]  # told the mark typed meanwhile was not kept
    assert launcher.ctx is not None and launcher.ctx.db.read_only
    assert _stored_marks(launcher.ctx) == before
    launcher.close()  # the read-only context the damage flow opened


def test_while_the_file_is_being_replaced_a_mark_is_refused_not_queued(
    started, monkeypatch
) -> None:
    launcher = started
    window, ctx = launcher.window, launcher.ctx
    index, key, now = _a_held_cell(window)
    before = _stored_marks(ctx)
    told: list[str] = []
    monkeypatch.setattr(error_dialog, "show_message", lambda _p, _t, text, **_k: told.append(text))
    operation._exclusive[window.bus] = "The data file is being replaced."
    try:
        window.course_view.register._on_mark_requested(
            index, "absent" if now == "present" else "present"
        )
        assert told == ["The data file is being replaced."]
        assert window.course_view.register.model.rows[index.row()].marks.get(key[1]) == now
    finally:
        operation._exclusive.pop(window.bus, None)
    launcher._on_checked([])
    assert _stored_marks(ctx) == before  # nothing was queued to be written later


def test_other_changes_are_refused_with_one_sentence_while_checking(started) -> None:
    window = started.window
    assert operation.exclusive_sentence(window.bus)  # e.g. enrolling waits for the check
    started._on_checked([])
    assert operation.exclusive_sentence(window.bus) is None
