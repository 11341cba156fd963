"""Tests for the 75% completion rule."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from escape_desktop.programme.completion import (
    COMPLETION_THRESHOLD,
    is_completer,
    sessions_needed,
)


@pytest.mark.parametrize(
    "attended, delivered, expected",
    [
        (9, 12, True),
        (8, 12, False),
        (12, 12, True),
        (0, 12, False),
        (8, 11, False),  # one cancelled: 8/11 is 72.7%
        (9, 11, True),
        (8, 10, True),  # two cancelled: 8/10 = 80%
        (3, 4, True),  # exactly 75%
        (2, 4, False),
        (0, 0, False),  # nothing held yet
        (1, 1, True),
    ],
)
def test_is_completer(attended, delivered, expected):
    assert is_completer(attended, delivered) is expected


def test_threshold_constant():
    assert COMPLETION_THRESHOLD == 0.75


@pytest.mark.parametrize(
    "delivered, needed", [(12, 9), (11, 9), (10, 8), (8, 6), (4, 3), (1, 1), (0, 0)]
)
def test_sessions_needed(delivered, needed):
    assert sessions_needed(delivered) == needed


def test_custom_threshold_uses_exact_arithmetic():
    # 0.7 * 10 is 7.000000000000001 in floating point; 7 of 10 must still count.
    assert is_completer(7, 10, threshold=0.7)
    assert sessions_needed(10, threshold=0.7) == 7
    assert not is_completer(6, 10, threshold=0.7)


@pytest.mark.parametrize("args", [(-1, 12), (5, -1), (13, 12), (1.5, 12)])
def test_bad_counts_are_refused(args):
    with pytest.raises(ValueError):
        is_completer(*args)


@given(st.integers(1, 200), st.data())
def test_sessions_needed_is_the_smallest_completing_count(delivered, data):
    needed = sessions_needed(delivered)
    assert is_completer(needed, delivered)
    if needed > 0:
        assert not is_completer(needed - 1, delivered)
    attended = data.draw(st.integers(0, delivered))
    assert is_completer(attended, delivered) == (attended >= needed)
    assert is_completer(attended, delivered) == (attended * 4 >= delivered * 3)
