"""One helper puts counts into words: "1 day", never "1 days"."""

from escape_desktop.programme.rounding import mean_decimals, plural, with_unit


def test_plural_says_one_thing_for_one_and_many_for_the_rest():
    assert plural(1, "day") == "1 day"
    assert plural(0, "day") == "0 days"
    assert plural(2, "person", "people") == "2 people"
    assert plural(1, "person", "people") == "1 person"


def test_a_counted_unit_is_singular_for_one():
    assert with_unit("1", "days") == "1 day"
    assert with_unit("3", "days") == "3 days"
    assert with_unit("1.5", "days") == "1.5 days"
    assert with_unit("1", "stands") == "1 stand"
    assert with_unit("26", "") == "26"
    assert with_unit("1", "/100") == "1 /100"


def test_means_carry_at_most_one_decimal_beyond_the_measure():
    assert mean_decimals(0) == 1 and mean_decimals(1) == 2
