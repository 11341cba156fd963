"""Completion does not depend on the day people were typed in: the session they joined at does.

Checked against an independent count of DOMAIN.md's definition: a person completed when they
attended at least 75 % of the sessions held (not cancelled) from the one they joined at, a
session carrying a mark for them always being one of theirs.
"""

from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from escape_desktop.programme.status import (
    ABSENT,
    APOLOGIES,
    COMPLETED,
    DID_NOT_COMPLETE,
    PRESENT,
    EnrolmentFact,
    SessionFact,
    default_joined_at,
    person_status,
)

MON = date(2026, 3, 2)


def twelve() -> list[SessionFact]:
    days, d = [], MON
    while len(days) < 12:
        if d.weekday() in (0, 3):
            days.append(d)
        d += timedelta(days=1)
    return [SessionFact(i + 1, day, False, i + 1) for i, day in enumerate(days)]


SESSIONS = twelve()
AFTER = SESSIONS[-1].date + timedelta(days=1)
LETTERS = {"P": PRESENT, "A": ABSENT, "S": APOLOGIES}


def facts(pattern: str, typed_on: date, joined_at: int | None = None) -> EnrolmentFact:
    """A person as the data layer hands them over: marks, and the session they joined at."""
    marks = {n + 1: LETTERS[c] for n, c in enumerate(pattern) if c in LETTERS}
    joined = joined_at or default_joined_at(SESSIONS, typed_on, list(marks))
    return EnrolmentFact(1, typed_on, marks, joined_at=joined)


def test_the_issue_course_typed_in_after_it_ran_is_not_a_completer():
    # P P P S P S P A P A P A: 7 of 12 attended = 58 %. Today's code said "7 of 7 · Completed".
    after = person_status(facts("PPPSPSPAPAPA", AFTER), SESSIONS, AFTER + timedelta(days=30))
    live = person_status(facts("PPPSPSPAPAPA", MON - timedelta(days=7)), SESSIONS, AFTER)
    assert (after.attended, after.held, after.status) == (7, 12, DID_NOT_COMPLETE)
    assert after == live


def test_default_joined_at_follows_the_rule():
    assert default_joined_at(SESSIONS, MON - timedelta(days=20)) == 1  # before the course
    assert default_joined_at(SESSIONS, MON + timedelta(days=6)) == 1  # during the first week
    assert default_joined_at(SESSIONS, AFTER + timedelta(days=100)) == 1  # typed in afterwards
    # Enrolled mid-course while it runs: the next session (Monday of week 3 is session 5).
    assert default_joined_at(SESSIONS, MON + timedelta(days=14)) == 5
    assert default_joined_at(SESSIONS, MON + timedelta(days=13)) == 5
    # ...but never after a session that already carries a mark for them.
    assert default_joined_at(SESSIONS, MON + timedelta(days=14), [3, 7]) == 3


def test_a_late_joiner_is_an_explicit_choice_and_not_charged_before_it():
    # Joined at session 5, typed in after the course ran: 7 of the 8 sessions from 5 on.
    person = facts("....PPPAPPPP", AFTER, joined_at=5)
    result = person_status(person, SESSIONS, AFTER)
    assert (result.attended, result.held, result.status) == (7, 8, COMPLETED)


def test_a_mark_before_the_session_joined_at_still_counts():
    person = facts("A...PPPPPPPP", AFTER, joined_at=5)
    result = person_status(person, SESSIONS, AFTER)
    assert (result.attended, result.held) == (8, 9)


def _independent(pattern: str, joined: int) -> tuple[int, int, bool]:
    held = [i for i in range(12) if i + 1 >= joined or pattern[i] in LETTERS]
    attended = sum(1 for i in held if pattern[i] == "P")
    return attended, len(held), attended * 4 >= len(held) * 3 and attended > 0


@settings(max_examples=300, deadline=None)
@given(
    pattern=st.text(alphabet="PAS.", min_size=12, max_size=12),
    typed_days_after=st.integers(min_value=1, max_value=400),
)
def test_typed_after_the_course_ran_gives_the_same_completion_as_typed_live(
    pattern, typed_days_after
):
    decided = AFTER + timedelta(days=typed_days_after)
    live = person_status(facts(pattern, MON - timedelta(days=3)), SESSIONS, decided)
    later = person_status(
        facts(pattern, AFTER + timedelta(days=typed_days_after)), SESSIONS, decided
    )
    assert later == live
    attended, held, completed = _independent(pattern, 1)
    assert (later.attended, later.held) == (attended, held)
    assert later.completed == completed
