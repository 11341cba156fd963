"""What a change from the window touched: a typed set of flags, so a typo fails in mypy, not silently."""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

T = TypeVar("T")


class Changes(enum.Flag):
    """The kinds of data an operation changed; screens read again only for the kinds they show."""

    NONE = 0
    COURSE = enum.auto()  # a course's details or its list of measures; ids: course ids
    SESSION = enum.auto()  # dates, topics, notes, cancellations; ids: session ids
    ENROLMENT = enum.auto()  # enrolled, withdrawn, moved, imported; ids: enrolment ids
    PARTICIPANT = enum.auto()  # a person's details; ids: participant ids
    ATTENDANCE = enum.auto()  # register marks; ids: enrolment ids
    EXERCISE = enum.auto()  # circuit results and levels; ids: enrolment ids
    ASSESSMENT = enum.auto()  # measures entered; ids: enrolment ids
    STATION = enum.auto()  # the circuit's stations; ids: course ids
    DOCUMENT = enum.auto()  # a document printed (certificates recorded as issued)
    EXPORT = enum.auto()  # an upload file or a person's data saved outside the app
    SETTINGS = enum.auto()  # the app's settings (venues, lock time, large text...)
    # Anything may have changed (demo added, backup restored, people purged, data encrypted).
    ALL = (
        COURSE
        | SESSION
        | ENROLMENT
        | PARTICIPANT
        | ATTENDANCE
        | EXERCISE
        | ASSESSMENT
        | STATION
        | DOCUMENT
        | EXPORT
        | SETTINGS
    )


@dataclass(frozen=True)
class Done(Generic[T]):
    """What a write service did, in the manner of anki's ``OpChanges``: the service says it.

    ``value`` is the service's answer (an id, a count, the previous mark); ``changes`` and
    ``ids`` are what screens must read again; ``label`` names the change in the Edit menu
    ("Ann Lee: present at session 3"); ``undo`` reverses it in one transaction and returns the
    ``Done`` of that reversal, whose own ``undo`` makes the change again (redo). A service
    that changed nothing returns ``Done(value)`` with no changes and no undo.
    """

    value: T
    changes: Changes = Changes.NONE
    ids: tuple[int, ...] = ()
    label: str = ""
    undo: Callable[[], Done[Any]] | None = None
    message: str = ""  # the status-bar sentence; "" means "Saved: <label>" when there is a label

    @property
    def said(self) -> str:
        """The status-bar sentence for this change ("" when nothing changed)."""
        if self.message:
            return self.message
        return f"Saved: {self.label}" if self.label and self.changes else ""


def nothing(value: T) -> Done[T]:
    """A write that turned out to change nothing (the same mark again): no announcement, no undo."""
    return Done(value)
