"""Tests for session date planning."""

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from escape_desktop.programme.schedule import session_dates, weekdays_label


def test_twice_weekly_for_six_weeks():
    # 2025-01-06 is a Monday.
    dates = session_dates(date(2025, 1, 6), [0, 3])
    assert len(dates) == 12
    assert dates[0] == date(2025, 1, 6)
    assert dates[1] == date(2025, 1, 9)
    assert dates[-1] == date(2025, 2, 13)


def test_first_date_is_first_weekday_on_or_after_start():
    # Start on a Tuesday, classes on Monday and Thursday: first is Thursday.
    assert session_dates(date(2025, 1, 7), [0, 3], count=1) == [date(2025, 1, 9)]


def test_closures_are_skipped_and_course_runs_on():
    closures = {date(2025, 1, 9), date(2025, 1, 13)}
    dates = session_dates(date(2025, 1, 6), [3, 0], count=4, closures=closures)
    assert dates == [date(2025, 1, 6), date(2025, 1, 16), date(2025, 1, 20), date(2025, 1, 23)]


def test_duplicate_weekdays_are_harmless():
    assert session_dates(date(2025, 1, 6), [0, 0], count=2) == [date(2025, 1, 6), date(2025, 1, 13)]


@pytest.mark.parametrize(
    "weekdays, count",
    [([], 12), ([7], 12), ([-1], 12), ([0], 0), ([0], -3), (["Mon"], 12), ([True], 12)],
)
def test_bad_input_raises_plain_sentence(weekdays, count):
    with pytest.raises(ValueError) as info:
        session_dates(date(2025, 1, 6), weekdays, count=count)
    assert str(info.value)[0].isupper() and str(info.value).endswith(".")


@pytest.mark.parametrize(
    "weekdays, label",
    [([0, 3], "Mon & Thu"), ([3, 0], "Mon & Thu"), ([2], "Wed"), ([0, 2, 4], "Mon, Wed & Fri")],
)
def test_weekdays_label(weekdays, label):
    assert weekdays_label(weekdays) == label


@given(
    start=st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 1, 1)),
    weekdays=st.lists(st.integers(0, 6), min_size=1, max_size=7),
    count=st.integers(1, 30),
    closure_offsets=st.lists(st.integers(0, 120), max_size=20),
)
def test_schedule_properties(start, weekdays, count, closure_offsets):
    closures = {start + timedelta(days=o) for o in closure_offsets}
    dates = session_dates(start, weekdays, count, closures)
    assert len(dates) == count
    assert all(d.weekday() in weekdays for d in dates)
    assert all(a < b for a, b in zip(dates, dates[1:]))
    assert not closures.intersection(dates)
    assert dates[0] >= start
    # No open class day is skipped between start and the last date.
    day = start
    while day <= dates[-1]:
        if day.weekday() in weekdays and day not in closures:
            assert day in dates
        day += timedelta(days=1)
