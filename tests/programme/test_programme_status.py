"""Course and participant status, hand-worked, and against a naive re-implementation."""

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from escape_desktop.programme.status import (
    ABSENT,
    APOLOGIES,
    CANNOT_REACH,
    COMPLETED,
    DID_NOT_COMPLETE,
    DID_NOT_START,
    FINISHED,
    IN_PROGRESS,
    MARK_LETTER,
    NEEDS_MORE,
    NOT_STARTED_YET,
    ON_TRACK,
    PRESENT,
    RUNNING,
    UPCOMING,
    WITHDRAWN,
    EnrolmentFact,
    Ratio,
    SessionFact,
    course_phase,
    course_summary,
    mark_from_letter,
    person_status,
    progress_text,
)

MON = date(2026, 3, 2)  # a Monday; sessions every Monday and Thursday from here


def twelve(cancelled: tuple[int, ...] = ()) -> list[SessionFact]:
    days = []
    d = MON
    while len(days) < 12:
        if d.weekday() in (0, 3):
            days.append(d)
        d += timedelta(days=1)
    return [SessionFact(i + 1, day, (i + 1) in cancelled) for i, day in enumerate(days)]


def person(present=(), absent=(), apologies=(), enrolled=MON - timedelta(days=14), **kw):
    marks = {n: PRESENT for n in present}
    marks.update({n: ABSENT for n in absent})
    marks.update({n: APOLOGIES for n in apologies})
    return EnrolmentFact(kw.pop("key", 1), enrolled, marks, **kw)


SESSIONS = twelve()
LAST = SESSIONS[-1].date
AFTER = LAST + timedelta(days=1)
AFTER_4 = SESSIONS[3].date  # the day of session 4: four held, eight to come


def test_attendance_letters_never_use_a_for_apologies():
    assert MARK_LETTER == {PRESENT: "P", ABSENT: "A", APOLOGIES: "S"}
    assert mark_from_letter("a") == ABSENT and mark_from_letter(" S ") == APOLOGIES
    assert mark_from_letter("L") is None


def test_course_phase():
    assert course_phase(SESSIONS, MON - timedelta(days=1)) == UPCOMING
    assert course_phase(SESSIONS, MON) == RUNNING
    assert course_phase(SESSIONS, LAST) == RUNNING  # on the last day, still running
    assert course_phase(SESSIONS, AFTER) == FINISHED
    assert course_phase(SESSIONS, AFTER_4, closed=True) == FINISHED


def test_last_class_is_finished_once_its_register_is_taken():
    # Issue 25: the evening of the last class, everyone looked "On track" and the course
    # "Running" until the next day. Once the register of the last session is taken that day,
    # the course is finished and completion decided; that morning it is still running.
    nine = person(key=1, present=(*range(1, 9), 12), absent=(9, 10, 11))
    eight = person(key=2, present=range(1, 9), absent=(9, 10, 11, 12))
    morning = [
        person(key=1, present=range(1, 9), absent=(9, 10, 11)),
        person(key=2, present=range(1, 9), absent=(9, 10, 11)),
    ]
    summary, statuses = course_summary(morning, SESSIONS, LAST)
    assert summary.phase == RUNNING and summary.completers is None
    assert statuses[1].status == IN_PROGRESS  # nothing decided before the last register
    summary, statuses = course_summary([nine, eight], SESSIONS, LAST)
    assert summary.phase == FINISHED
    assert (summary.completers, summary.did_not_complete) == (1, 1)
    assert statuses[1].status == COMPLETED and statuses[2].status == DID_NOT_COMPLETE
    assert summary.completion_rate == 50.0
    assert course_phase(SESSIONS, LAST, taken={SESSIONS[-1].key}) == FINISHED
    # The register of an earlier session taken today finishes nothing.
    assert course_phase(SESSIONS, AFTER_4, taken={SESSIONS[3].key}) == RUNNING


def test_every_status_hand_worked():
    # Before the course: not started yet.
    assert person_status(person(), SESSIONS, MON - timedelta(days=1)).status == NOT_STARTED_YET
    # Four held, came to none: did not start, even though the course runs on.
    assert person_status(person(absent=(1, 2, 3, 4)), SESSIONS, AFTER_4).status == DID_NOT_START
    # Came to 3 of 4 held, 8 to come: in progress, never "completed" while running.
    p = person_status(person(present=(1, 2, 3)), SESSIONS, AFTER_4)
    assert (p.status, p.held, p.to_come, p.needed, p.progress) == (IN_PROGRESS, 4, 8, 9, ON_TRACK)
    assert progress_text(p) == "On track"
    # 9 of 12 at the end: completed; 8 of 12: did not complete (needs ceil(0.75*12) = 9).
    nine = person(present=range(1, 10), absent=(10, 11, 12))
    assert person_status(nine, SESSIONS, AFTER).status == COMPLETED
    eight = person(present=range(1, 9), absent=(9, 10, 11, 12))
    assert person_status(eight, SESSIONS, AFTER).status == DID_NOT_COMPLETE
    # Withdrawn after attending: withdrawn, and a starter.
    gone = person(present=(1, 2), withdrawn=True, withdrawn_on=SESSIONS[2].date)
    w = person_status(gone, SESSIONS, AFTER)
    assert (w.status, w.started, w.to_come) == (WITHDRAWN, True, 0)


def test_needs_n_more_and_cannot_reach_while_running():
    # 1 of 4 held: 8 to come, 9 needed -> needs 8 more (reachable: 1 + 8 = 9).
    p = person_status(person(present=(1,), apologies=(2, 3, 4)), SESSIONS, AFTER_4)
    assert (p.progress, p.needs) == (NEEDS_MORE, 8)
    assert progress_text(p) == "Needs 8 more"
    # 1 of 5 held: 7 to come, 1 + 7 = 8 < 9 -> cannot reach 75 %.
    p = person_status(person(present=(1,), absent=(2, 3, 4, 5)), SESSIONS, SESSIONS[4].date)
    assert p.progress == CANNOT_REACH
    assert "75" in progress_text(p)


def test_late_joiner_is_not_charged_for_earlier_sessions():
    # Joined after session 4; came to 5..11, missed 12: 7 of their 8 sessions (87.5 %).
    late = person(present=range(5, 12), absent=(12,), enrolled=SESSIONS[4].date - timedelta(days=1))
    p = person_status(late, SESSIONS, AFTER)
    assert (p.held, p.attended, p.status) == (8, 7, COMPLETED)
    # While running (day of session 6) they are on track, not "can't reach".
    p = person_status(late, SESSIONS, SESSIONS[5].date)
    assert (p.held, p.to_come, p.needed, p.progress) == (2, 6, 6, ON_TRACK)


def test_cancelled_session_is_held_against_nobody():
    sessions = twelve(cancelled=(5,))
    # 9 of the 11 held sessions: 81.8 % -> completed; the cancelled one is not counted.
    nine = person(present=(1, 2, 3, 4, 6, 7, 8, 9, 10), absent=(11, 12))
    p = person_status(nine, sessions, AFTER)
    assert (p.held, p.attended, p.status) == (11, 9, COMPLETED)
    # 8 of 11 = 72.7 % -> did not complete.
    eight = person(present=(1, 2, 3, 4, 6, 7, 8, 9), absent=(10, 11, 12))
    assert person_status(eight, sessions, AFTER).status == DID_NOT_COMPLETE


def test_summary_running_claims_no_completers():
    people = [
        person(key=1, present=(1, 2, 3, 4)),  # on track
        person(key=2, present=(1,), absent=(2, 3, 4)),  # needs 8 more
        person(key=3, absent=(1, 2, 3, 4)),  # did not start
        person(key=4, present=(1, 2), withdrawn=True, withdrawn_on=SESSIONS[1].date),
        person(key=5, enrolled=AFTER_4 + timedelta(days=1)),  # joins later: not started yet
    ]
    summary, statuses = course_summary(people, SESSIONS, AFTER_4)
    assert summary.phase == RUNNING
    assert (summary.completers, summary.completion_rate, summary.completion) == (None, None, None)
    assert (summary.enrolled, summary.participants, summary.withdrawn) == (5, 4, 1)
    assert (summary.started, summary.did_not_start, summary.not_started_yet) == (3, 1, 1)
    assert (summary.on_track, summary.needs_more, summary.cannot_complete) == (1, 1, 0)
    assert (summary.sessions_delivered, summary.sessions_planned) == (4, 12)
    assert statuses[5].status == NOT_STARTED_YET


def test_summary_finished_rate_is_of_starters():
    sessions = twelve(cancelled=(5,))
    people = [
        person(key=1, present=(1, 2, 3, 4, 6, 7, 8, 9, 10)),  # 9/11 completed
        person(key=2, present=(1, 2, 3), absent=(4, 6)),  # 3/11 did not complete
        person(key=3, absent=(1, 2)),  # never came: not in the denominator
        person(key=4, present=(1,), withdrawn=True, withdrawn_on=SESSIONS[1].date),
    ]
    summary, _ = course_summary(people, sessions, AFTER)
    assert summary.phase == FINISHED
    assert (summary.started, summary.did_not_start, summary.completers) == (3, 1, 1)
    assert summary.did_not_complete == 2
    assert summary.completion == Ratio(1, 3)
    assert summary.completion_rate == 33.3
    assert (summary.on_track, summary.cannot_complete) == (None, None)
    assert (summary.sessions_delivered, summary.sessions_planned, summary.sessions_cancelled) == (
        11,
        11,
        1,
    )


# --------------------------------------------------------------------- property test


def naive_status(marks, enrolled, withdrawn, withdrawn_on, sessions, today):
    """The rules written out plainly, one session at a time, without the module's helpers."""
    live = [x for x in sessions if not x.cancelled]
    # Over once the last session is held: its day past, or today with its register taken.
    last = max(live, key=lambda x: x.date) if live else None
    over = last is not None and (last.date < today or (last.date == today and last.key in marks))
    mine = []
    for x in live:
        came = marks.get(x.key) == "present"
        # A session with any mark on it was one of theirs, whatever day they were typed in.
        if x.key not in marks and enrolled is not None and x.date < enrolled:
            continue
        if not came and withdrawn and withdrawn_on is not None and x.date > withdrawn_on:
            continue
        mine.append(x)
    held = [x for x in mine if x.date <= today]
    came = len([x for x in held if marks.get(x.key) == "present"])
    if withdrawn:
        return "withdrawn", came
    if came == 0:
        if len(held) == 0 and not over:
            return "not_started_yet", came
        return "did_not_start", came
    if not over:
        return "in_progress", came
    # 75 % in whole numbers: 4 * came >= 3 * held.
    return ("completed" if 4 * came >= 3 * len(held) else "did_not_complete"), came


marks_st = st.dictionaries(
    st.integers(1, 12), st.sampled_from(["present", "absent", "apologies"]), max_size=12
)


@settings(max_examples=300, deadline=None)
@given(
    marks=marks_st,
    cancelled=st.frozensets(st.integers(1, 12), max_size=4),
    enrolled_offset=st.integers(-20, 50),
    withdrawn=st.booleans(),
    withdrawn_offset=st.integers(0, 50),
    today_offset=st.integers(-5, 50),
)
def test_status_matches_naive_rules(
    marks, cancelled, enrolled_offset, withdrawn, withdrawn_offset, today_offset
):
    sessions = twelve(tuple(cancelled))
    for x in sessions:
        if x.cancelled:
            marks.pop(x.key, None)  # a cancelled session cannot be marked
    today = MON + timedelta(days=today_offset)
    for x in sessions:  # nobody is marked for a day that has not come
        if x.date > today:
            marks.pop(x.key, None)
    enrolled = MON + timedelta(days=enrolled_offset)
    w_on = MON + timedelta(days=withdrawn_offset) if withdrawn else None
    fact = EnrolmentFact(1, enrolled, marks, withdrawn, w_on)
    got = person_status(fact, sessions, today)
    assert (got.status, got.attended) == naive_status(
        marks, enrolled, withdrawn, w_on, sessions, today
    )
    summary, _ = course_summary([fact], sessions, today)
    # The funnel adds up, and nobody completes a course still running.
    assert summary.started + summary.did_not_start + summary.not_started_yet == summary.enrolled
    if summary.phase != FINISHED:
        assert summary.completers is None and got.status != COMPLETED


@pytest.mark.parametrize(
    "n, d, decimals, percent",
    # 1/8 = 12.5 %: Python's round() would give 12; half away from zero gives 13.
    [(1, 8, 0, 13.0), (3, 8, 0, 38.0), (1, 16, 1, 6.3), (2, 3, 1, 66.7), (0, 5, 1, 0.0)],
)
def test_ratio_percent_rounds_half_away_from_zero(n, d, decimals, percent):
    assert Ratio(n, d).percent(decimals) == percent
    assert Ratio(n, 0).percent(decimals) is None
