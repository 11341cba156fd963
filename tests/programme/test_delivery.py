"""Delivery mode: which sessions and attendances were online, and the figures by place."""

from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from escape_desktop.programme.delivery import (
    DELIVERY_MODES,
    HYBRID,
    IN_PERSON,
    MODE_CODE,
    VIRTUAL,
    attended_online,
    joined_online_problem,
    mode_figures,
    mode_from_code,
    parse_mode,
    session_online,
)
from escape_desktop.programme.status import ABSENT, APOLOGIES, PRESENT, EnrolmentFact, SessionFact

MON = date(2026, 3, 2)


def twelve(cancelled=frozenset()) -> list[SessionFact]:
    days, d = [], MON
    while len(days) < 12:
        if d.weekday() in (0, 3):
            days.append(d)
        d += timedelta(days=1)
    return [SessionFact(i + 1, x, (i + 1) in cancelled, i + 1) for i, x in enumerate(days)]


def test_a_virtual_course_is_online_whatever_the_session_says():
    assert session_online(VIRTUAL, False) and session_online(VIRTUAL, True)
    assert not session_online(IN_PERSON, False) and session_online(IN_PERSON, True)
    assert not session_online(HYBRID, False) and session_online(HYBRID, True)


def test_joining_online_counts_only_on_a_hybrid_course():
    assert attended_online(HYBRID, False, True)
    assert not attended_online(IN_PERSON, False, True)  # no video link: the flag means nothing
    assert not attended_online(HYBRID, False, False)
    assert attended_online(IN_PERSON, True, False)  # the session itself went online


def test_joined_online_is_refused_where_it_cannot_be_true():
    assert joined_online_problem(HYBRID, False, PRESENT) is None
    assert joined_online_problem(HYBRID, False, ABSENT) is not None
    assert joined_online_problem(HYBRID, False, None) is not None
    assert joined_online_problem(HYBRID, True, PRESENT) is not None  # everyone was online
    assert joined_online_problem(VIRTUAL, False, PRESENT) is not None
    assert joined_online_problem(IN_PERSON, False, PRESENT) is not None


def test_codes_and_spellings_round_trip():
    assert sorted(MODE_CODE.values()) == [1, 2, 3]
    for mode in DELIVERY_MODES:
        assert mode_from_code(MODE_CODE[mode]) == mode
        assert mode_from_code(str(MODE_CODE[mode])) == mode
        assert parse_mode(mode) == mode
    assert parse_mode("  In   Person ") == IN_PERSON
    assert parse_mode("Online") == VIRTUAL
    assert parse_mode("boat") is None and mode_from_code(4) is None


def test_a_hybrid_course_by_hand():
    # 12 sessions, 6 held by the Monday of week 4 (2, 5, 9, 12, 16, 19 March; 23 March is
    # today and held too: 7). Session 3 moved online, session 6 cancelled.
    sessions = twelve(cancelled=frozenset({6}))
    today = MON + timedelta(days=21)
    ann = EnrolmentFact(1, MON, {1: PRESENT, 2: PRESENT, 3: PRESENT, 4: ABSENT, 5: PRESENT})
    bob = EnrolmentFact(2, MON, {1: PRESENT, 3: APOLOGIES, 7: PRESENT}, joined_at=1)
    late = EnrolmentFact(3, MON, {4: PRESENT, 5: PRESENT}, joined_at=4)
    figures = mode_figures(
        HYBRID, sessions, [ann, bob, late], {3}, {1: {2, 5}, 2: {7}, 3: set()}, today
    )
    # held, not cancelled: 1, 2, 3, 4, 5, 7 -> hall 1, 2, 4, 5, 7; online 3
    assert (figures.sessions_in_hall, figures.sessions_online) == (5, 1)
    # hall places: ann 5, bob 5, late 3 (4, 5, 7) = 13; present: ann 1,2,5 bob 1,7 late 4,5 = 7
    assert figures.attendance_in_hall.numerator == 7
    assert figures.attendance_in_hall.denominator == 13
    # online session 3: ann and bob count (late joined at 4): 2 places, ann present
    assert (
        figures.attendance_online_sessions.numerator,
        figures.attendance_online_sessions.denominator,
    ) == (1, 2)
    # over video: ann at 3 (online), ann 2 and 5, bob 7 (joined online) = 4; in room 4
    assert (figures.attended_online, figures.attended_in_room) == (4, 4)


def test_an_in_person_course_ignores_a_stray_joined_online_flag():
    sessions = twelve()
    ann = EnrolmentFact(1, MON, {1: PRESENT, 2: PRESENT})
    figures = mode_figures(IN_PERSON, sessions, [ann], set(), {1: {1}}, MON + timedelta(days=4))
    assert (figures.attended_online, figures.attended_in_room) == (0, 2)
    assert figures.sessions_online == 0


marks = st.sampled_from([PRESENT, ABSENT, APOLOGIES, None])


@settings(max_examples=60, deadline=None)
@given(
    mode=st.sampled_from(DELIVERY_MODES),
    moved=st.sets(st.integers(1, 12)),
    cancelled=st.frozensets(st.integers(1, 12)),
    days=st.integers(0, 45),
    grid=st.lists(
        st.tuples(st.lists(marks, min_size=12, max_size=12), st.sets(st.integers(1, 12))),
        max_size=6,
    ),
)
def test_places_split_between_hall_and_online_add_up(mode, moved, cancelled, days, grid):
    sessions = twelve(cancelled)
    today = MON + timedelta(days=days)
    people = [
        EnrolmentFact(i, MON, {n + 1: m for n, m in enumerate(row) if m is not None})
        for i, (row, _) in enumerate(grid)
    ]
    joined = {i: j for i, (_, j) in enumerate(grid)}
    f = mode_figures(mode, sessions, people, moved, joined, today)
    held = [x for x in sessions if not x.cancelled and x.date <= today]
    assert f.sessions_in_hall + f.sessions_online == len(held)
    if mode == VIRTUAL:
        assert f.sessions_in_hall == 0 and f.attended_in_room == 0
    # everyone joined at 1 and nobody withdrew: every held session counts for everyone
    assert f.attendance_in_hall.denominator + f.attendance_online_sessions.denominator == len(
        held
    ) * len(people)
    present = sum(1 for p in people for x in held if p.marks.get(x.key) == PRESENT)
    assert f.attended_in_room + f.attended_online == present
    assert f.attendance_in_hall.numerator + f.attendance_online_sessions.numerator == present
    if mode == IN_PERSON:
        assert f.attended_online == f.attendance_online_sessions.numerator
