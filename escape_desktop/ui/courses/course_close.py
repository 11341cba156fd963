"""Close a course early ("finished" from today, completion decided now), or reopen it."""

from __future__ import annotations

from PySide6.QtWidgets import QMessageBox, QWidget

from escape_desktop.context import AppContext
from escape_desktop.i18n import N_, _
from escape_desktop.programme.status import registers_not_taken_text
from escape_desktop.services import courses as course_service
from escape_desktop.ui.common.change_bus import ChangeBus
from escape_desktop.ui.common.operation import run_op


def close_action_text(ctx: AppContext, course_id: int | None) -> str:
    """The Course menu's words for the course shown: close it, or reopen it if closed."""
    if course_id is not None and course_service.course_closed_on(ctx, course_id) is not None:
        return _("Reopen this course")
    return _("Close this course…")


CLOSE_QUESTION = N_(
    "Close this course now? It counts as finished from today: who completed is decided "
    "on the sessions held so far, and sessions still to come are not counted. "
    "You can reopen it later."
)


def close_question(ctx: AppContext, course_id: int) -> str:
    """The question asked before closing; it names any session held with no register."""
    missing = course_service.registers_not_taken_on_closing(ctx, course_id)
    if not missing:
        return _(CLOSE_QUESTION)
    return (
        _(CLOSE_QUESTION)
        + "\n\n"
        + _("Before you do: {missing}").format(missing=registers_not_taken_text(missing))
    )


def confirm_close(parent: QWidget | None, text: str = CLOSE_QUESTION) -> bool:
    """Ask before closing (tests answer for the instructor)."""
    answer = QMessageBox.question(
        parent,
        _("Close this course?"),
        _(text),
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
        QMessageBox.StandardButton.No,
    )
    return answer == QMessageBox.StandardButton.Yes


def toggle_course_closed(
    ctx: AppContext, bus: ChangeBus, parent: QWidget | None, course_id: int
) -> None:
    """Close the course (after asking) or reopen it; either can be undone."""
    if course_service.course_closed_on(ctx, course_id) is not None:
        run_op(parent, lambda: course_service.reopen_course(ctx, course_id), bus=bus)
        return
    if not confirm_close(parent, close_question(ctx, course_id)):
        return
    run_op(parent, lambda: course_service.close_course(ctx, course_id), bus=bus)
