"""What every course tab shares: set the course, read again on a change, and wait while hidden."""

from __future__ import annotations

import enum
from typing import ClassVar

from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QWidget

from escape_desktop.context import AppContext
from escape_desktop.services.changes import Changes
from escape_desktop.ui.common import style
from escape_desktop.ui.common.change_bus import ChangeBus, OpChanges


class Stale(enum.IntEnum):
    """How much a section must read again; a bigger value includes the smaller ones."""

    NONE = 0  # up to date
    DATA = 1  # what it lists and counts
    COURSE = 2  # the course's shape too (its sessions, its list of measures)


class CourseSection(QWidget):
    """A tab of the course view (register, circuit, measures, documents).

    Contract: built once; ``set_course()`` is called when the course changes. A change on the
    bus that this section shows (``RELOAD_ON``) is read at once when the section is on screen;
    while it is a hidden tab it only marks itself stale and reads when shown, once, however
    many changes came meanwhile. Its own changes (initiator is the section) are already on
    screen and are skipped. Subclasses say how to read with ``load(level)`` and
    ``show_course()``.
    """

    RELOAD_ON: ClassVar[Changes] = Changes.NONE  # the kinds of change this section shows
    COURSE_WIDE: ClassVar[Changes] = Changes.COURSE  # the kinds that change the course's shape
    RELOAD_WHILE_HIDDEN: ClassVar[bool] = False  # read even when hidden (someone shows its data)

    def __init__(self, ctx: AppContext, bus: ChangeBus, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.bus = bus
        self.course_id: int | None = None
        self.stale = Stale.NONE
        bus.changed.connect(self._on_bus_changed)

    # --- what a subclass provides ------------------------------------------------------------
    def load(self, level: Stale) -> None:
        """Read again: DATA the lists and figures, COURSE the course's shape first."""
        raise NotImplementedError

    def show_course(self) -> None:
        """Show a course just chosen (may differ from a reload, e.g. start on today's session)."""
        self.load(Stale.COURSE)

    def changed_on_screen(self, change: OpChanges, level: Stale) -> None:
        """React to a change while on screen; a section can do less than a full read."""
        self.load(level)

    # --- the contract ------------------------------------------------------------------------
    def on_screen(self) -> bool:
        return self.RELOAD_WHILE_HIDDEN or style.on_screen(self)

    def set_course(self, course_id: int | None) -> None:
        self.course_id = course_id
        if not self.on_screen():
            self.stale = Stale.COURSE
            return
        self.stale = Stale.NONE
        self.show_course()

    def level_for(self, change: OpChanges) -> Stale:
        """How much ``change`` asks this section to read again."""
        if not change.touches(self.RELOAD_ON):
            return Stale.NONE
        if change.changes == Changes.COURSE and change.ids and self.course_id not in change.ids:
            return Stale.NONE  # another course was created or edited
        return Stale.COURSE if change.touches(self.COURSE_WIDE) else Stale.DATA

    def _on_bus_changed(self, change: OpChanges, initiator: object) -> None:
        if initiator is self or self.course_id is None:
            return  # our own change is already on screen
        level = self.level_for(change)
        if level == Stale.NONE:
            return
        if not self.on_screen():
            self.stale = max(self.stale, level)
            return
        self.changed_on_screen(change, level)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        level, self.stale = self.stale, Stale.NONE
        if level != Stale.NONE:
            self.load(level)
