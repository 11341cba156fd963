"""Registers not taken: past sessions nobody was marked in, which completion counts as held."""

from dataclasses import replace
from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from escape_desktop.programme.status import (
    ABSENT,
    APOLOGIES,
    PRESENT,
    EnrolmentFact,
    SessionFact,
    person_status,
    registers_not_taken,
    registers_not_taken_text,
)

MON = date(2026, 3, 2)  # a Monday; sessions every Monday and Thursday


def twelve(cancelled: frozenset[int] = frozenset()) -> list[SessionFact]:
    days, d = [], MON
    while len(days) < 12:
        if d.weekday() in (0, 3):
            days.append(d)
        d += timedelta(days=1)
    return [SessionFact(i + 1, x, (i + 1) in cancelled, i + 1) for i, x in enumerate(days)]


def place(key: int, marked: dict[int, str], joined: int = 1, withdrawn: bool = False):
    return EnrolmentFact(
        key,
        MON,
        marked,
        withdrawn=withdrawn,
        withdrawn_on=MON + timedelta(days=20) if withdrawn else None,
        joined_at=joined,
    )


SESSIONS = twelve()
DAY = {x.number: x.date for x in SESSIONS}


def numbers(found: list[SessionFact]) -> list[int]:
    return [x.number for x in found]


def test_a_forgotten_register_is_named_and_todays_is_not():
    # Registers taken at 1, 2 and 4; nobody marked at 3 or 5. Today is session 6's day.
    people = [place(k, {1: PRESENT, 2: PRESENT, 4: ABSENT}) for k in (1, 2, 3)]
    got = registers_not_taken(people, SESSIONS, DAY[6])
    assert numbers(got) == [3, 5]
    # Session 6 is today: its register may still be taken this evening.
    assert 6 not in numbers(got)
    # The day after, session 6 joins the list.
    assert numbers(registers_not_taken(people, SESSIONS, DAY[6] + timedelta(days=1))) == [
        3,
        5,
        6,
    ]


def test_one_mark_anywhere_takes_the_register():
    people = [place(1, {3: APOLOGIES}), place(2, {})]
    assert 3 not in numbers(registers_not_taken(people, SESSIONS, DAY[4]))


def test_cancelled_sessions_are_not_registers_to_take():
    people = [place(1, {1: PRESENT})]
    got = registers_not_taken(people, twelve(frozenset({2, 3})), DAY[5])
    assert numbers(got) == [4]


def test_sessions_that_count_for_nobody_staying_are_left_out():
    # Only a late joiner (from session 6) and a withdrawn person: sessions 1-5 are nobody's.
    people = [place(1, {}, joined=6), place(2, {}, withdrawn=True)]
    assert numbers(registers_not_taken(people, SESSIONS, DAY[8])) == [6, 7]
    assert registers_not_taken([], SESSIONS, DAY[8]) == []


def test_the_listed_session_is_one_completion_counts_as_held():
    # What the line on the page says: completion counts a forgotten register as held, so
    # cancelling it (or taking it) changes the figure; the definition itself is untouched.
    people = [place(1, {n: PRESENT for n in (1, 2, 4, 5)})]
    after = DAY[12] + timedelta(days=1)
    (missing,) = [x for x in SESSIONS if x.number == 3]
    assert registers_not_taken(people, SESSIONS, after)[0] == missing
    held_now = person_status(people[0], SESSIONS, after).held
    cancelled = [replace(x, cancelled=x.number == 3) for x in SESSIONS]
    assert person_status(people[0], cancelled, after).held == held_now - 1


marks_st = st.dictionaries(
    st.integers(1, 12), st.sampled_from((PRESENT, ABSENT, APOLOGIES)), max_size=12
)


@settings(max_examples=300, deadline=None)
@given(
    everyone=st.lists(
        st.tuples(marks_st, st.integers(1, 12), st.booleans()), min_size=0, max_size=6
    ),
    cancelled=st.frozensets(st.integers(1, 12), max_size=4),
    today_offset=st.integers(-5, 50),
)
def test_matches_a_plain_reading_of_the_rule(everyone, cancelled, today_offset):
    sessions = twelve(cancelled)
    today = MON + timedelta(days=today_offset)
    people = []
    for key, (marks, joined, withdrawn) in enumerate(everyone):
        kept = {
            n: m for n, m in marks.items() if n not in cancelled and DAY[n] <= today
        }  # nobody is marked on a cancelled session or a day still to come
        people.append(place(key, kept, joined, withdrawn))
    got = numbers(registers_not_taken(people, sessions, today))
    marked = {n for p in people for n in p.marks}
    want = [
        x.number
        for x in sessions
        if not x.cancelled
        and x.date < today
        and x.number not in marked
        and any(not p.withdrawn and x.number >= (p.joined_at or 1) for p in people)
    ]
    assert got == want
    # Each listed session is charged as held to someone staying: cancelling it lowers a count.
    for n in got:
        without = [replace(x, cancelled=x.cancelled or x.number == n) for x in sessions]
        assert any(
            person_status(p, without, today).held < person_status(p, sessions, today).held
            for p in people
            if not p.withdrawn
        )


def test_the_line_names_the_sessions_and_what_to_do():
    assert registers_not_taken_text([]) == ""
    one = registers_not_taken_text([5])
    assert one.startswith("1 session (5) has no register") and "cancelled" in one
    two = registers_not_taken_text([3, 5, 9])
    assert two.startswith("3 sessions (3, 5 and 9) have no register")
    assert "counts them as held" in two and "take their registers" in two
