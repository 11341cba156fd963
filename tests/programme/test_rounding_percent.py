"""A whole percentage in integer arithmetic is the one rounding rule's answer (half away)."""

from __future__ import annotations

from fractions import Fraction

from hypothesis import given
from hypothesis import strategies as st

from escape_desktop.programme.rounding import percent, round_half_away


@given(st.integers(min_value=1, max_value=500), st.data())
def test_percent_is_round_half_away_of_the_fraction(whole, data):
    part = data.draw(st.integers(min_value=0, max_value=whole))
    assert percent(part, whole) == int(round_half_away(Fraction(100 * part, whole)))


def test_halves_go_up():
    assert percent(5, 8) == 63  # 62.5, where round() would give 62
    assert percent(1, 8) == 13  # 12.5
    assert percent(0, 3) == 0 and percent(3, 3) == 100
