"""A course's register as plain records: db/queries reads it, the window shows it and export/
prints it. Defined once here, so the printed register and the screen cannot drift apart."""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass, field
from datetime import date

from .status import (
    WITHDRAWN,
    CourseSummary,
    EnrolmentFact,
    PersonStatus,
    SessionFact,
    course_summary,
    decision_day,
)
from .status import registers_not_taken as untaken_sessions


@dataclass(frozen=True)
class SessionInfo:
    """One session of the course: its day, topic, whether it was held, who ran it, notes."""

    id: int
    number: int
    date: date
    topic: str
    cancelled: bool
    cancel_reason: str
    staff_present: str
    notes: str
    # Held over video: the course is virtual or this session was moved online (its reason).
    online: bool = False
    online_reason: str = ""
    moved_online: bool = False  # moved online on its own (an in-person or hybrid course)


@dataclass
class RegisterRow:
    """One enrolment: who, their status and their mark at each session."""

    enrolment_id: int
    participant_id: int
    code: str
    first_name: str
    last_name: str
    status: str
    withdrawn_reason: str
    marks: dict[int, str] = field(default_factory=dict)  # session id -> mark
    enrolled_on: date | None = None
    withdrawn_on: date | None = None
    joined_at: int = 1  # the session they joined at
    joined_online: set[int] = field(default_factory=set)  # session ids: joined over video

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


@dataclass
class Register:
    """A course's sessions and everyone's marks."""

    course_id: int
    code: str
    title: str
    programme: str
    venue: str
    start_time: str
    capacity: int
    instructors: list[str]
    sessions: list[SessionInfo]
    rows: list[RegisterRow]
    closed_on: date | None = None  # closed early: finished from this day
    delivery_mode: str = "in_person"  # in_person / virtual / hybrid (programme.delivery)

    def delivered(self, today: date) -> int:
        day, _closed = decision_day(today, self.closed_on)
        return sum(1 for x in self.sessions if not x.cancelled and x.date <= day)

    def figures(self, today: date) -> tuple[CourseSummary, dict[Hashable, PersonStatus]]:
        """The course's counts and each person's status (by enrolment id) from programme.status,
        on the marks as they stand in this register (the screen updates them in place)."""
        people, sessions = self._facts()
        day, closed = decision_day(today, self.closed_on)
        return course_summary(people, sessions, day, closed=closed)

    def registers_not_taken(self, today: date) -> list[int]:
        """Numbers of the sessions held with nobody marked in them, on the marks shown."""
        people, sessions = self._facts()
        day, _closed = decision_day(today, self.closed_on)
        return [x.number for x in untaken_sessions(people, sessions, day)]

    def _facts(self) -> tuple[list[EnrolmentFact], list[SessionFact]]:
        sessions = [SessionFact(x.id, x.date, x.cancelled, x.number) for x in self.sessions]
        people = [
            EnrolmentFact(
                key=r.enrolment_id,
                enrolled_on=r.enrolled_on,
                marks=r.marks,
                withdrawn=r.status == WITHDRAWN,
                withdrawn_on=r.withdrawn_on,
                joined_at=r.joined_at,
            )
            for r in self.rows
        ]
        return people, sessions

    def attended(self, row: RegisterRow) -> int:
        held = {x.id for x in self.sessions if not x.cancelled}
        return sum(1 for sid, m in row.marks.items() if m == "present" and sid in held)
