"""Follow-up at 3 and 12 months: when a point is due, who is asked, and what counts."""

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from escape_desktop.programme.followup import (
    DECLINED,
    DONE,
    DUE,
    OPENS_BEFORE,
    OVERDUE,
    OVERDUE_AFTER,
    UNREACHABLE,
    UPCOMING,
    add_months,
    counted,
    counts,
    due_on,
    eligible,
    state,
    taken_remotely,
)

days = st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 12, 31))


def test_due_day_is_calendar_months_after_the_last_session():
    assert due_on(date(2026, 3, 12), 3) == date(2026, 6, 12)
    assert due_on(date(2026, 3, 12), 12) == date(2027, 3, 12)
    # a shorter month: its last day, not the next month
    assert due_on(date(2026, 11, 30), 3) == date(2027, 2, 28)
    assert due_on(date(2027, 11, 30), 3) == date(2028, 2, 29)
    assert due_on(date(2026, 10, 31), 12) == date(2027, 10, 31)


@given(days, st.integers(min_value=0, max_value=240))
def test_add_months_keeps_the_day_or_the_months_end(day, months):
    later = add_months(day, months)
    assert (later.year * 12 + later.month) - (day.year * 12 + day.month) == months
    assert later.day == day.day or (later.day < day.day and (later + timedelta(days=1)).day == 1)
    assert later >= day


@given(days, days)
def test_state_moves_upcoming_due_overdue_as_days_pass(due, today):
    got = state(due, today)
    if today < due - timedelta(days=OPENS_BEFORE):
        assert got == UPCOMING
        assert not counted(due, today)
    elif today <= due + timedelta(days=OVERDUE_AFTER):
        assert got == DUE
        assert counted(due, today)
    else:
        assert got == OVERDUE
        assert counted(due, today)


@given(days, days, st.sampled_from([DONE, UNREACHABLE, DECLINED]))
def test_a_recorded_outcome_wins_and_counts_even_early_or_late(due, today, outcome):
    assert state(due, today, outcome) == outcome
    assert counted(due, today, outcome)


def test_only_completers_who_said_yes_are_followed_up():
    assert eligible(True, True)
    assert not eligible(True, None)  # not asked is never a yes
    assert not eligible(True, False)
    assert not eligible(False, True)


def test_the_sit_to_stand_is_never_asked_at_follow_up():
    assert not taken_remotely("chair_stand_30s")
    assert taken_remotely("pain_nrs") and taken_remotely("koos_ps") and taken_remotely("swemwbs")


@given(
    st.lists(st.sampled_from([UPCOMING, DUE, OVERDUE, DONE, UNREACHABLE, DECLINED, "not_asked"]))
)
def test_counts_add_up(states):
    c = counts(3, states)
    assert c.followed == sum(1 for s in states if s != "not_asked")
    assert c.counted == c.followed - states.count(UPCOMING)
    assert c.counted == c.done + c.unreachable + c.declined + c.due + c.overdue
    assert c.response.numerator == states.count(DONE)
    assert c.completeness.numerator == c.done + c.unreachable + c.declined
    assert c.response.denominator == c.completeness.denominator == c.counted
    both = c + c
    assert both.counted == 2 * c.counted and both.done == 2 * c.done
