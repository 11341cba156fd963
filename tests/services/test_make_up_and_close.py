"""Keeping the programme whole from the window: a make-up session offered on cancelling, and
closing a course early; both through the undo stack."""

from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtWidgets import QInputDialog

from escape_desktop.db import queries
from escape_desktop.services import courses
from escape_desktop.services.courses import CourseInput
from escape_desktop.services.figures import course_figures
from escape_desktop.ui.common.change_bus import ChangeBus
from escape_desktop.ui.courses import course_close
from escape_desktop.ui.courses.session_dialog import SessionDialog

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")


@pytest.fixture
def course_id(ctx):
    # Far enough ahead that the make-up day is after today whatever the real date.
    start = date(date.today().year + 1, 3, 2)
    return courses.create_course(
        ctx,
        CourseInput(
            title="Spring knees", programme_key="knee_hip", start_date=start, weekdays=[0, 3]
        ),
    )


def _sessions(ctx, cid):
    with ctx.db.read() as s:
        return list(queries.register(s, cid).sessions)


def _cancel_in_dialog(qtbot, ctx, bus, session, monkeypatch, accept: bool) -> list:
    asked: list = []
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: ("hall flooded", True))
    dialog = SessionDialog(ctx, bus, session, [])
    qtbot.addWidget(dialog)

    def answer(offer):
        asked.append(offer)
        return accept

    monkeypatch.setattr(dialog, "ask_make_up", answer)
    dialog._toggle_cancelled()
    return asked


def test_cancelling_offers_a_make_up_day_that_can_be_undone(qtbot, ctx, course_id, monkeypatch):
    bus = ChangeBus()
    before = _sessions(ctx, course_id)
    asked = _cancel_in_dialog(qtbot, ctx, bus, before[3], monkeypatch, accept=True)
    assert len(asked) == 1 and asked[0].day > before[-1].date
    after = _sessions(ctx, course_id)
    assert len(after) == 13 and after[-1].date == asked[0].day
    assert sum(1 for x in after if not x.cancelled) == 12  # the programme stays whole
    bus.undo_stack.undo()  # undo the make-up (the cancellation stays)
    assert len(_sessions(ctx, course_id)) == 12
    bus.undo_stack.redo()
    assert _sessions(ctx, course_id)[-1].date == asked[0].day


def test_the_make_up_may_be_declined(qtbot, ctx, course_id, monkeypatch):
    bus = ChangeBus()
    before = _sessions(ctx, course_id)
    asked = _cancel_in_dialog(qtbot, ctx, bus, before[3], monkeypatch, accept=False)
    assert asked  # it was offered
    after = _sessions(ctx, course_id)
    assert len(after) == 12 and after[3].cancelled


def test_closing_a_course_finishes_it_and_undo_reopens(qtbot, ctx, course_id, monkeypatch):
    bus = ChangeBus()
    assert course_figures(ctx, course_id).summary.phase == "upcoming"
    assert course_close.close_action_text(ctx, course_id) == "Close this course…"
    monkeypatch.setattr(course_close, "confirm_close", lambda parent, *_: True)
    course_close.toggle_course_closed(ctx, bus, None, course_id)
    assert course_figures(ctx, course_id).summary.phase == "finished"
    assert course_close.close_action_text(ctx, course_id) == "Reopen this course"
    bus.undo_stack.undo()
    assert courses.course_closed_on(ctx, course_id) is None
    bus.undo_stack.redo()
    assert courses.course_closed_on(ctx, course_id) == date.today()
    course_close.toggle_course_closed(ctx, bus, None, course_id)  # reopen
    assert course_figures(ctx, course_id).summary.phase == "upcoming"


def test_closing_can_be_thought_better_of(qtbot, ctx, course_id, monkeypatch):
    monkeypatch.setattr(course_close, "confirm_close", lambda parent, *_: False)
    course_close.toggle_course_closed(ctx, ChangeBus(), None, course_id)
    assert courses.course_closed_on(ctx, course_id) is None
