"""What a change from the window touched: a typed set of flags, so a typo fails in mypy, not silently."""

from __future__ import annotations

import enum


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
