"""Which measures a class calls for, for one person (programme.today.measures_due)."""

from escape_desktop.programme.today import measures_due

LIVE = list(range(1, 13))


def test_start_at_the_persons_first_class_end_at_the_last_two():
    assert measures_due(LIVE, 1, None) == "start"  # not come yet: this is their first
    assert measures_due(LIVE, 3, 3) == "start"  # came first today, at session 3
    assert measures_due(LIVE, 3, 1) is None  # started at session 1: nothing due at 3
    assert measures_due(LIVE, 11, 1) == "end" and measures_due(LIVE, 12, 1) == "end"
    assert measures_due([1, 2, 4, 5], 4, 1) == "end"  # session 3 cancelled: 4 and 5 are last
    assert measures_due(LIVE, 13, None) is None  # not a class of this course
