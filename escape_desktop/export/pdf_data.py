"""What every printed document knows about its course: typed records the services fill in.

The renderers take these and a path, never a session or a context: services/documents.py
reads the register (programme/register.py's records, the same the window shows) and adds
the figures, so export/ needs nothing of db/.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from escape_desktop.i18n import _

# The register's records, defined once (db/queries reads them, the window shows them).
from escape_desktop.programme.register import Register as Register
from escape_desktop.programme.register import RegisterRow as RegisterRow
from escape_desktop.programme.register import SessionInfo as SessionInfo
from escape_desktop.programme.status import (
    COMPLETED,
    DID_NOT_START,
    FINISHED,
    WITHDRAWN,
    CourseSummary,
    PersonStatus,
    progress_text,
)

from .pdf_errors import DocumentError


@dataclass(frozen=True)
class CourseInfo:
    """A course's register plus the facts printed in every heading.

    Every figure (status, attended, completers, who may have a certificate, the planned
    number of sessions) is worked out by services.figures and handed in here: documents
    print them, they never count for themselves.
    """

    reg: Register
    programme_title: str
    today: date
    summary: CourseSummary
    statuses: Mapping[int, PersonStatus]  # enrolment id -> status, from programme.status
    planned_sessions: int  # the programme's planned number ("the 12-session programme")
    certificate_ids: tuple[int, ...] = ()  # who may have a certificate now, by enrolment id
    closed_early_on: date | None = None  # a closed course held no session after this day
    registers_not_taken: tuple[int, ...] = ()  # past sessions nobody was marked in (numbers)

    @property
    def held_until(self) -> date:
        """Sessions up to this day have been held: today, or the day a closed course closed."""
        if self.closed_early_on is not None and self.closed_early_on < self.today:
            return self.closed_early_on
        return self.today

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
        """The last session's day; for a finished course, the last one it delivered (a
        course closed early ends on its last session before closing, not the planned one)."""
        held = sorted(self.held_sessions, key=lambda x: x.date)
        if self.finished:
            held = held[: self.summary.sessions_delivered]
        return held[-1].date if held else None

    @property
    def planned(self) -> int:
        """The programme's planned number of sessions (a cancelled one is made up, not dropped)."""
        return self.planned_sessions

    @property
    def finished(self) -> bool:
        return self.summary.phase == FINISHED

    def delivered(self) -> int:
        return self.summary.sessions_delivered

    def status(self, row: RegisterRow) -> PersonStatus:
        return self.statuses[row.enrolment_id]

    def attended(self, row: RegisterRow) -> int:
        return self.status(row).attended

    def is_completer(self, row: RegisterRow) -> bool:
        return self.status(row).status == COMPLETED

    def people(self) -> list[RegisterRow]:
        """Everyone still on the course (withdrawn and did-not-start people left out)."""
        return [r for r in self.reg.rows if self.status(r).status not in (WITHDRAWN, DID_NOT_START)]

    def completers(self) -> list[RegisterRow]:
        return [r for r in self.reg.rows if self.is_completer(r)]

    def certificate_people(self) -> list[RegisterRow]:
        """Who gets a certificate by default: as services.certificates decided."""
        wanted = set(self.certificate_ids)
        return [r for r in self.reg.rows if r.enrolment_id in wanted]

    def completion_text(self, row: RegisterRow) -> str:
        """One short phrase for the register's last column (the register screen's words)."""
        return progress_text(self.status(row))

    def session(self, number: int) -> SessionInfo:
        for x in self.sessions:
            if x.number == number:
                return x
        raise DocumentError(
            _("Course {code} has no session {n}; choose a number from 1 to {last}.").format(
                code=self.code, n=number, last=len(self.sessions)
            )
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
