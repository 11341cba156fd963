"""One definition of a course's and a participant's status: attendance words, completion, starters.

Every screen, document, JSON output and upload column takes its figures from here, so
that "completed", "started" and "needs N more" mean the same thing everywhere:

* A session counts for a person from the session they joined at (``joined_at``, a fact
  the instructor sets: session 1 unless they chose "joined late") until they withdraw;
  a session with a mark on it (present, absent or apologies) always counts as held while
  enrolled, whatever day the mark was typed. The day a person was typed in plays no
  part, so a course keyed in from a paper register after it ran gives the same figures
  as the same course typed in live. A cancelled session counts for nobody.
* A session is held once its day has come (``date <= today``); a course is finished
  once its last planned session has been held: its day is past (``date < today``), or it
  is today and its register has been taken (anyone marked in it), or the course has been
  closed. So the evening of the last class is finished on every surface (register, course
  list, JSON, upload); that morning, before the register, the course is still running.
* "Started" means attended at least one session. Completion (attended at least 75 %
  of the sessions held while enrolled) is decided only once the course is finished;
  until then a person is on track, needs N more, or cannot reach 75 %.
"""

from __future__ import annotations

from collections.abc import Collection, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from fractions import Fraction
from typing import Any

from escape_desktop.i18n import N_, Translator, _, ngettext, ui_translator

from .completion import COMPLETION_THRESHOLD, is_completer, sessions_needed
from .rounding import round_half_away

__all__ = [
    "PRESENT",
    "ABSENT",
    "APOLOGIES",
    "ATTENDANCE_MARKS",
    "MARK_LETTER",
    "MARK_WORD",
    "MARK_MEANING",
    "mark_from_letter",
    "UPCOMING",
    "RUNNING",
    "FINISHED",
    "COURSE_PHASES",
    "NOT_STARTED_YET",
    "DID_NOT_START",
    "IN_PROGRESS",
    "COMPLETED",
    "DID_NOT_COMPLETE",
    "WITHDRAWN",
    "STATUSES",
    "STATUS_WORD",
    "ON_TRACK",
    "NEEDS_MORE",
    "CANNOT_REACH",
    "SessionFact",
    "EnrolmentFact",
    "PersonStatus",
    "CourseSummary",
    "Ratio",
    "course_phase",
    "course_finished",
    "taken_sessions",
    "registers_not_taken",
    "registers_not_taken_text",
    "person_status",
    "course_summary",
    "decision_day",
    "progress_text",
    "default_joined_at",
    "counts_for",
]

# ----------------------------------------------------------------- attendance vocabulary
PRESENT = "present"
ABSENT = "absent"
APOLOGIES = "apologies"
ATTENDANCE_MARKS: tuple[str, ...] = (PRESENT, ABSENT, APOLOGIES)
# The letters the attendance CSV has always used; A is never "apologies" anywhere.
MARK_LETTER: dict[str, str] = {PRESENT: "P", ABSENT: "A", APOLOGIES: "S"}
MARK_WORD: dict[str, str] = {PRESENT: "Present", ABSENT: "Absent", APOLOGIES: "Apologies"}
MARK_MEANING: dict[str, str] = {
    PRESENT: "came to the session",
    ABSENT: "did not come and did not let us know",
    APOLOGIES: "did not come and sent apologies beforehand",
}


def mark_from_letter(letter: str) -> str | None:
    """The stored mark for a register letter (P, A or S, any case); None for anything else."""
    wanted = letter.strip().upper()
    return next((m for m, x in MARK_LETTER.items() if x == wanted), None)


# ----------------------------------------------------------------- statuses
UPCOMING = "upcoming"
RUNNING = "running"
FINISHED = "finished"
COURSE_PHASES: tuple[str, ...] = (UPCOMING, RUNNING, FINISHED)
# A course's phase in words (the command line's course list): translate with _() where shown.
PHASE_WORD: dict[str, str] = {
    UPCOMING: N_("upcoming"),
    RUNNING: N_("running"),
    FINISHED: N_("finished"),
}

NOT_STARTED_YET = "not_started_yet"
DID_NOT_START = "did_not_start"
IN_PROGRESS = "in_progress"
COMPLETED = "completed"
DID_NOT_COMPLETE = "did_not_complete"
WITHDRAWN = "withdrawn"
STATUSES: tuple[str, ...] = (
    NOT_STARTED_YET,
    DID_NOT_START,
    IN_PROGRESS,
    COMPLETED,
    DID_NOT_COMPLETE,
    WITHDRAWN,
)
STATUS_WORD: dict[str, str] = {
    NOT_STARTED_YET: N_("Not started yet"),
    DID_NOT_START: N_("Did not start"),
    IN_PROGRESS: N_("In progress"),
    COMPLETED: N_("Completed"),
    DID_NOT_COMPLETE: N_("Did not complete"),
    WITHDRAWN: N_("Withdrawn"),
}

# While the course runs: where a person who has started stands against 75 %.
ON_TRACK = "on_track"
NEEDS_MORE = "needs_more"
CANNOT_REACH = "cannot_reach"


@dataclass(frozen=True)
class SessionFact:
    """One scheduled session as the definitions need it."""

    key: Hashable  # the session's id, used to find a person's marks
    date: date
    cancelled: bool = False
    number: int = 0  # the session's number on the course (1 = the first); 0 = not known


@dataclass(frozen=True)
class EnrolmentFact:
    """One person's place on a course as the definitions need it."""

    key: Hashable  # the enrolment's id
    enrolled_on: date | None
    marks: Mapping[Any, str]  # session key -> present / absent / apologies
    withdrawn: bool = False
    withdrawn_on: date | None = None
    # The session number they joined at (1 = from the start). None only for callers that
    # know no session numbers: then the old rule by enrolment date applies.
    joined_at: int | None = None


@dataclass(frozen=True)
class PersonStatus:
    """A participant's status on a course, with the counts it was decided from."""

    status: str  # one of STATUSES
    attended: int  # sessions attended (held, not cancelled)
    held: int  # sessions held while the person was enrolled: what completion counts against
    to_come: int  # sessions still to come while enrolled (0 once finished or withdrawn)
    needed: int  # sessions to attend to complete, out of held + to_come
    progress: str | None  # ON_TRACK / NEEDS_MORE / CANNOT_REACH while in progress, else None

    @property
    def started(self) -> bool:
        return self.attended > 0

    @property
    def completed(self) -> bool:
        return self.status == COMPLETED

    @property
    def needs(self) -> int:
        """More sessions to attend to reach 75 % (0 once reached)."""
        return max(0, self.needed - self.attended)


@dataclass(frozen=True)
class Ratio:
    """A proportion kept as its two counts; the percent is worked out only for display."""

    numerator: int
    denominator: int

    def percent(self, decimals: int = 1) -> float | None:
        """Percentage rounded half away from zero; None with nothing to divide by."""
        if not self.denominator:
            return None
        return round_half_away(Fraction(100 * self.numerator, self.denominator), decimals)

    def as_json(self, decimals: int = 1) -> dict[str, int | float | None]:
        return {
            "numerator": self.numerator,
            "denominator": self.denominator,
            "percent": self.percent(decimals),
        }


@dataclass(frozen=True)
class CourseSummary:
    """A course's headline counts: the funnel enrolled -> started -> completed."""

    phase: str  # UPCOMING / RUNNING / FINISHED
    enrolled: int  # everyone with a place, withdrawn included
    participants: int  # enrolled and not withdrawn (as the course list shows)
    withdrawn: int
    not_started_yet: int  # none of their sessions held yet
    started: int  # attended at least one session (withdrawn or not): the rate's denominator
    did_not_start: int  # sessions held (or withdrew) and attended none
    in_progress: int
    completers: int | None  # None while the course is not finished
    did_not_complete: int | None  # starters who did not complete; None while not finished
    on_track: int | None  # only while running: in progress and on track
    needs_more: int | None  # only while running: in progress, can still reach 75 %
    cannot_complete: int | None  # only while running: in progress, cannot reach 75 %
    sessions_delivered: int  # held, not cancelled
    sessions_planned: int  # scheduled and not cancelled (held + to come)
    sessions_cancelled: int

    @property
    def completion(self) -> Ratio | None:
        """Completers of starters; None while the course is not finished."""
        if self.completers is None:
            return None
        return Ratio(self.completers, self.started)

    @property
    def completion_rate(self) -> float | None:
        """Completers as a percentage of starters (1 decimal); None while running or with no starters."""
        ratio = self.completion
        return None if ratio is None else ratio.percent(1)


# ----------------------------------------------------------------- course phase


def _live(sessions: Sequence[SessionFact]) -> list[SessionFact]:
    return [x for x in sessions if not x.cancelled]


def taken_sessions(people: Iterable[EnrolmentFact]) -> frozenset[Hashable]:
    """The sessions whose register has been taken: anyone has a mark in them."""
    return frozenset(k for p in people for k, m in p.marks.items() if m)


def registers_not_taken(
    people: Sequence[EnrolmentFact], sessions: Sequence[SessionFact], today: date
) -> list[SessionFact]:
    """The sessions whose day has passed with nobody marked in them, in session order.

    Such a session still counts as held for everyone (completion is not changed by it), so
    a forgotten register or a class that was never cancelled quietly lowers everyone's
    completion: screens and documents name these sessions so the instructor takes their
    registers or marks them cancelled. Only live sessions (not cancelled) with ``date <
    today`` that count for at least one enrolled, not-withdrawn person are listed. For a
    closed course pass its decision day (``decision_day``) as ``today``.
    """
    taken = taken_sessions(people)
    staying = [p for p in people if not p.withdrawn]
    return sorted(
        (
            x
            for x in _live(sessions)
            if x.date < today and x.key not in taken and any(_counts_for(x, p) for p in staying)
        ),
        key=lambda x: (x.date, x.number),
    )


def registers_not_taken_text(numbers: Sequence[int], tr: Translator | None = None) -> str:
    """The one honest line every surface prints when registers are missing ("" when none):
    "2 sessions (3 and 5) have no register; completion counts them as held: take their
    registers or mark them cancelled." In ``tr``'s language (a document's reader), else the
    instructor's."""
    if not numbers:
        return ""
    tr = tr or ui_translator()
    shown = [str(n) for n in numbers]
    which = shown[0]
    if len(shown) > 1:
        which = tr._("{some} and {last}").format(some=", ".join(shown[:-1]), last=shown[-1])
    return tr.ngettext(
        "{n} session ({which}) has no register; completion counts it as held: take its "
        "register or mark it cancelled.",
        "{n} sessions ({which}) have no register; completion counts them as held: take their "
        "registers or mark them cancelled.",
        len(shown),
    ).format(n=len(shown), which=which)


def course_finished(
    sessions: Sequence[SessionFact],
    today: date,
    closed: bool = False,
    taken: Collection[Hashable] = (),
) -> bool:
    """True once the last planned (not cancelled) session has been held, or the course was
    closed. Held: its day is past, or it is today and its register was taken (``taken``)."""
    if closed:
        return True
    live = _live(sessions)
    if not live:
        return False
    last = max(live, key=lambda x: x.date)
    return last.date < today or (last.date == today and last.key in taken)


def decision_day(today: date, closed_on: date | None) -> tuple[date, bool]:
    """The day a course's figures are decided on, and whether it is closed.

    A course closed early counts only the sessions up to its closing day: the sessions it
    no longer runs must not become "held" (and be charged to everyone) as their dates pass.
    """
    if closed_on is not None and closed_on <= today:
        return closed_on, True
    return today, False


def course_phase(
    sessions: Sequence[SessionFact],
    today: date,
    closed: bool = False,
    taken: Collection[Hashable] = (),
) -> str:
    """UPCOMING before the first session's day, FINISHED once the last one is held, else RUNNING."""
    if course_finished(sessions, today, closed, taken):
        return FINISHED
    live = _live(sessions)
    if not live or min(x.date for x in live) > today:
        return UPCOMING
    return RUNNING


# ----------------------------------------------------------------- one person


def _counts_for(session: SessionFact, person: EnrolmentFact) -> bool:
    """Whether a (not cancelled) session is one of the person's own sessions."""
    mark = person.marks.get(session.key)
    if mark == PRESENT:
        return True  # they came, whatever the dates on file say
    if person.withdrawn and person.withdrawn_on is not None and session.date > person.withdrawn_on:
        return False
    if mark is not None:
        return True  # marked absent or apologies: they were on the course that day
    if person.joined_at is not None and session.number:
        return session.number >= person.joined_at
    if person.joined_at is None and person.enrolled_on is not None:
        return session.date >= person.enrolled_on
    return True


def counts_for(session: SessionFact, person: EnrolmentFact) -> bool:
    """Whether a held, not cancelled session is one of the person's own (counts for them)."""
    return _counts_for(session, person)


def default_joined_at(
    sessions: Sequence[SessionFact], day: date, marked: Sequence[int] = ()
) -> int:
    """The session a person enrolled on `day` joined at, unless the instructor says otherwise.

    Session 1 when enrolled before or during the course's first week, or when the course is
    typed in after it ran; someone enrolled later in a running course joins at the next
    session (today's included). `marked` are the numbers of sessions that already carry a
    mark for the person: they joined at the earliest of those at the latest.
    """
    live = sorted((x for x in sessions if not x.cancelled and x.number), key=lambda x: x.number)
    earliest = min(marked) if marked else None
    if not live:
        return 1
    first, last = live[0], live[-1]
    if (day - first.date).days < 7 or day > last.date:
        joined = 1
    else:
        joined = next((x.number for x in live if x.date >= day), last.number)
    if earliest is not None:
        joined = min(joined, earliest)
    return max(1, joined)


def person_status(
    person: EnrolmentFact,
    sessions: Sequence[SessionFact],
    today: date,
    closed: bool = False,
    threshold: float = COMPLETION_THRESHOLD,
) -> PersonStatus:
    """Decide one participant's status on a course as of `today` (alone, the register of the
    last session counts as taken when this person is marked in it)."""
    finished = course_finished(sessions, today, closed, taken_sessions((person,)))
    held = attended = to_come = 0
    for session in _live(sessions):
        if not _counts_for(session, person):
            continue
        if session.date <= today:
            held += 1
            attended += person.marks.get(session.key) == PRESENT
        elif not finished and not person.withdrawn:
            to_come += 1
    needed = sessions_needed(held + to_come, threshold)
    progress: str | None = None
    if person.withdrawn:
        status = WITHDRAWN
    elif attended == 0:
        if held == 0 and not finished:
            status = NOT_STARTED_YET
        else:
            status = DID_NOT_START
    elif finished:
        status = COMPLETED if is_completer(attended, held, threshold) else DID_NOT_COMPLETE
    else:
        status = IN_PROGRESS
        if attended + to_come < needed:
            progress = CANNOT_REACH
        elif attended >= needed or is_completer(attended, held, threshold):
            progress = ON_TRACK  # enough already, or coming to 75 % of sessions so far
        else:
            progress = NEEDS_MORE
    return PersonStatus(status, attended, held, to_come, needed, progress)


def progress_text(person: PersonStatus) -> str:
    """The register's words for a person: "On track", "Needs 2 more", "Can't reach 75 %", or the status."""
    if person.progress == ON_TRACK:
        return _("On track")
    if person.progress == NEEDS_MORE:
        return ngettext("Needs {n} more", "Needs {n} more", person.needs).format(n=person.needs)
    if person.progress == CANNOT_REACH:
        return _("Can't reach 75 %")
    return _(STATUS_WORD[person.status])


# ----------------------------------------------------------------- the whole course


def course_summary(
    people: Sequence[EnrolmentFact],
    sessions: Sequence[SessionFact],
    today: date,
    closed: bool = False,
    threshold: float = COMPLETION_THRESHOLD,
) -> tuple[CourseSummary, dict[Hashable, PersonStatus]]:
    """The course's counts and each person's status (by enrolment key), from one set of rules."""
    taken = taken_sessions(people)
    phase = course_phase(sessions, today, closed, taken)
    # Decided once for the course rather than once a person (the first screen asks for every
    # course): the cancelled sessions play no part, and a finished course is as good as closed.
    live = _live(sessions)
    done = closed or course_finished(live, today, taken=taken)
    statuses = {p.key: person_status(p, live, today, done, threshold) for p in people}
    values = list(statuses.values())

    def count(status: str) -> int:
        return sum(1 for x in values if x.status == status)

    def running_count(progress: str) -> int | None:
        if phase != RUNNING:
            return None
        return sum(1 for x in values if x.status == IN_PROGRESS and x.progress == progress)

    started = sum(1 for x in values if x.started)
    live = _live(sessions)
    completers = count(COMPLETED) if phase == FINISHED else None
    summary = CourseSummary(
        phase=phase,
        enrolled=len(values),
        participants=len(values) - count(WITHDRAWN),
        withdrawn=count(WITHDRAWN),
        not_started_yet=count(NOT_STARTED_YET),
        started=started,
        # Everyone else who has had the chance: no-shows, and people who withdrew unseen.
        did_not_start=sum(1 for x in values if not x.started and x.status != NOT_STARTED_YET),
        in_progress=count(IN_PROGRESS),
        completers=completers,
        did_not_complete=None if completers is None else started - completers,
        on_track=running_count(ON_TRACK),
        needs_more=running_count(NEEDS_MORE),
        cannot_complete=running_count(CANNOT_REACH),
        sessions_delivered=sum(1 for x in live if x.date <= today),
        sessions_planned=len(live),
        sessions_cancelled=len(sessions) - len(live),
    )
    return summary, statuses
