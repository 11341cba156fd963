"""What every printed document knows about its course: typed records the services fill in.

The renderers take these and a path, never a session or a context: services/documents.py
reads the register and copies it into these frozen records, so export/ needs nothing of db/.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

from escape_desktop.programme.completion import is_completer, sessions_needed

from .pdf_errors import DocumentError

ACTIVE_STATUSES = ("enrolled", "active", "completed")


@dataclass(frozen=True)
class SessionInfo:
    """One session of the course as printed (same fields as the register query's)."""

    id: int
    number: int
    date: date
    topic: str
    cancelled: bool
    cancel_reason: str
    staff_present: str
    notes: str


@dataclass(frozen=True)
class RegisterRow:
    """One enrolment as printed: who, their status and their mark at each session."""

    enrolment_id: int
    participant_id: int
    code: str
    first_name: str
    last_name: str
    status: str
    withdrawn_reason: str
    marks: Mapping[int, str] = field(default_factory=dict)  # session id -> mark

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


@dataclass(frozen=True)
class Register:
    """A course's sessions and everyone's marks, as the documents print them."""

    course_id: int
    code: str
    title: str
    programme: str
    venue: str
    start_time: str
    capacity: int
    instructors: Sequence[str]
    sessions: Sequence[SessionInfo]
    rows: Sequence[RegisterRow]

    def delivered(self, today: date) -> int:
        return sum(1 for x in self.sessions if not x.cancelled and x.date <= today)


@dataclass(frozen=True)
class CourseInfo:
    """A course's register plus the facts printed in every heading."""

    reg: Register
    programme_title: str
    today: date

    @property
    def code(self) -> str:
        return self.reg.code

    @property
    def title(self) -> str:
        return self.reg.title

    @property
    def venue(self) -> str:
        return self.reg.venue

    @property
    def sessions(self) -> list[SessionInfo]:
        return list(self.reg.sessions)

    @property
    def held_sessions(self) -> list[SessionInfo]:
        return [x for x in self.reg.sessions if not x.cancelled]

    @property
    def first_date(self) -> date | None:
        held = self.held_sessions
        return held[0].date if held else None

    @property
    def last_date(self) -> date | None:
        held = self.held_sessions
        return held[-1].date if held else None

    @property
    def planned(self) -> int:
        """Sessions the course will hold (cancelled ones left out)."""
        return len(self.held_sessions)

    @property
    def finished(self) -> bool:
        last = self.last_date
        return last is not None and last <= self.today

    def delivered(self) -> int:
        return self.reg.delivered(self.today)

    def attended(self, row: RegisterRow) -> int:
        held = {x.id for x in self.sessions if not x.cancelled and x.date <= self.today}
        return sum(1 for sid, m in row.marks.items() if m == "present" and sid in held)

    def is_completer(self, row: RegisterRow) -> bool:
        if row.status == "withdrawn":
            return False
        delivered = self.delivered()
        return is_completer(min(self.attended(row), delivered), delivered)

    def people(self) -> list[RegisterRow]:
        """Everyone still on the course (withdrawn and did-not-start people left out)."""
        return [r for r in self.reg.rows if r.status in ACTIVE_STATUSES]

    def completers(self) -> list[RegisterRow]:
        return [r for r in self.people() if self.is_completer(r)]

    def certificate_people(self) -> list[RegisterRow]:
        """Who gets a certificate by default.

        After the course: the completers. On the day of the last session, before its register
        is marked: also those who complete by coming today (certificates are printed on the
        way to the hall). Earlier: only those who already reached 75% of all planned sessions.
        """
        last = self.held_sessions[-1] if self.held_sessions else None
        if last is None:
            return []
        last_marked = any(last.id in r.marks for r in self.reg.rows)
        if last.date < self.today or (last.date == self.today and last_marked):
            return self.completers()
        needed = sessions_needed(self.planned)
        bonus = 1 if last.date == self.today else 0
        return [r for r in self.people() if self.attended(r) + bonus >= needed]

    def completion_text(self, row: RegisterRow) -> str:
        """One short phrase for the register's last column."""
        if row.status == "withdrawn":
            return "Withdrawn"
        if row.status == "did_not_start":
            return "Did not start"
        attended = self.attended(row)
        if self.finished:
            return "Completed" if self.is_completer(row) else "Not completed"
        needed = sessions_needed(self.planned)
        if attended >= needed:
            return "Completed"
        left = sum(1 for x in self.held_sessions if x.date > self.today)
        if attended + left >= needed:
            return f"Needs {needed - attended} more"
        return "Cannot reach 75%"

    def session(self, number: int) -> SessionInfo:
        for x in self.sessions:
            if x.number == number:
                return x
        raise DocumentError(
            f"Course {self.code} has no session {number}; choose a number from 1 to "
            f"{len(self.sessions)}."
        )

    def staff_text(self, session: SessionInfo | None = None) -> str:
        if session is not None and session.staff_present:
            return session.staff_present
        return ", ".join(self.reg.instructors)

    def dates_text(self) -> str:
        from .pdf_style import short_date

        first, last = self.first_date, self.last_date
        if first is None:
            return ""
        if last is None or last == first:
            return short_date(first)
        return f"{short_date(first)} to {short_date(last)}"
