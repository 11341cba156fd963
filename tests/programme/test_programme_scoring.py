"""Tests for checking and comparing start/end measures."""

import math

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from escape_desktop.library import load_library
from escape_desktop.programme.content import parse_instrument
from escape_desktop.programme.scoring import (
    ScoreError,
    change,
    check_item,
    check_score,
    improved,
    reaches_mid,
    score_items,
)

LIB = load_library()


def inst(key):
    return LIB.instrument(key)


# --- check_score, table-driven per shipped instrument -------------------------------


@pytest.mark.parametrize(
    "key, good, bad",
    [
        ("pain_nrs", [0, 3, 10, 7.0], [-1, 11, 2.5, math.nan, True, "5"]),
        ("chair_stand_30s", [0, 12, 60], [-1, 61, 10.5]),
        ("active_days", [0, 7], [8, -1, 3.5]),
        ("koos_ps", [0, 48.7, 100], [100.1, -0.1, 33.33]),
        ("hoos_ps", [0, 100], [101]),
        ("swemwbs", [7.0, 19.25, 35.0, 23.21], [6.99, 35.01, 20.123]),
        ("msk_hq", [0, 56], [57, 10.5]),
        ("eq5d_vas", [0, 100], [101, 50.5]),
        ("ases_pain", [1.0, 5.4, 10], [0.9, 10.1, 5.45]),
    ],
)
def test_check_score(key, good, bad):
    instrument = inst(key)
    for value in good:
        assert check_score(instrument, value) == pytest.approx(float(value))
    for value in bad:
        with pytest.raises(ScoreError):
            check_score(instrument, value)


def test_score_messages_are_plain_sentences():
    with pytest.raises(ScoreError, match=r"^Pain rating must be a whole number from 0 to 10\.$"):
        check_score(inst("pain_nrs"), 11)
    with pytest.raises(ScoreError, match=r"from 7\.00 to 35\.00 with at most 2 decimal places\.$"):
        check_score(inst("swemwbs"), 40)


# --- items --------------------------------------------------------------------------

CONF = inst("confidence_items")


@pytest.mark.parametrize(
    "answers, expected",
    [
        ({"exercise": 5, "flare_up": 6, "stay_active": 7}, 18),
        ({"exercise": 0, "flare_up": 0, "stay_active": 0}, 0),
        ({"exercise": 10, "flare_up": 10, "stay_active": 10}, 30),
        ({"exercise": 6, "flare_up": None, "stay_active": 8}, 21),  # mean 7 x 3
        ({"exercise": 7, "stay_active": 8}, 23),  # 22.5 rounds half up
        ({"exercise": 7, "flare_up": None, "stay_active": None}, None),  # too many missing
        ({}, None),
    ],
)
def test_score_items(answers, expected):
    assert score_items(CONF, answers) == expected


def test_score_items_refuses_bad_answers():
    with pytest.raises(ScoreError):
        score_items(CONF, {"exercise": 11, "flare_up": 1, "stay_active": 1})
    with pytest.raises(ScoreError):
        score_items(CONF, {"exercise": 1, "flare_up": 1, "stay_active": 1, "other": 1})
    with pytest.raises(ScoreError):
        score_items(inst("pain_nrs"), {})


def test_check_item():
    assert check_item(CONF, "exercise", 4) == 4
    assert check_item(CONF, "exercise", 4.0) == 4
    for bad in (-1, 11, 2.5, None, True):
        with pytest.raises(ScoreError):
            check_item(CONF, "exercise", bad)
    with pytest.raises(ScoreError):
        check_item(CONF, "nope", 1)


def test_missing_rule_none_gives_none_for_any_gap():
    strict = parse_instrument(
        {
            "key": "strict",
            "name": "Strict",
            "kind": "items",
            "min": 0,
            "max": 4,
            "direction": "higher_better",
            "items": [
                {"key": "a", "text": "A?", "min": 0, "max": 2},
                {"key": "b", "text": "B?", "min": 0, "max": 2},
            ],
        },
        "strict.toml",
    )
    assert score_items(strict, {"a": 1, "b": 2}) == 3
    assert score_items(strict, {"a": 1, "b": None}) is None


@given(st.lists(st.one_of(st.none(), st.integers(0, 10)), min_size=3, max_size=3))
def test_item_score_property(values):
    answers = dict(zip(["exercise", "flare_up", "stay_active"], values))
    result = score_items(CONF, answers)
    missing = values.count(None)
    if missing > 1:
        assert result is None
    else:
        assert result is not None
        assert CONF.min <= result <= CONF.max
        answered = [v for v in values if v is not None]
        assert abs(result - sum(answered) * 3 / len(answered)) <= 0.5
        assert check_score(CONF, result) == result


# --- comparing start and end --------------------------------------------------------


@pytest.mark.parametrize(
    "key, start, end, delta, better, mid",
    [
        ("pain_nrs", 7, 4, -3, True, True),
        ("pain_nrs", 7, 6, -1, True, False),
        ("pain_nrs", 5, 5, 0, False, False),
        ("pain_nrs", 3, 6, 3, False, False),
        ("pain_nrs", 3, 2, -1, True, True),  # a 33 % fall: meaningful by the 30 % rule
        ("pain_nrs", 2, 6, 4, False, False),
        ("chair_stand_30s", 8, 11, 3, True, True),  # 2.5 stands in whole stands is 3
        ("chair_stand_30s", 8, 10, 2, True, False),
        ("chair_stand_30s", 8, 9, 1, True, False),
        ("koos_ps", 40.2, 30.1, -10.1, True, True),
        ("koos_ps", 40.2, 38.1, -2.1, True, False),
        ("hoos_ps", 40.2, 30.1, -10.1, True, None),
        ("swemwbs", 20.73, 21.54, 0.81, True, False),
        ("swemwbs", 20.73, 23.73, 3.0, True, True),
        ("swemwbs", 21.54, 20.73, -0.81, False, False),
        ("active_days", 2, 5, 3, True, None),
    ],
)
def test_change_improved_mid(key, start, end, delta, better, mid):
    instrument = inst(key)
    assert change(instrument, start, end) == pytest.approx(delta)
    assert improved(instrument, start, end) is better
    assert reaches_mid(instrument, start, end) is mid


def test_mid_is_met_exactly_despite_float_noise():
    instrument = parse_instrument(
        {
            "key": "wb",
            "name": "Wellbeing",
            "kind": "score",
            "min": 7,
            "max": 35,
            "decimals": 2,
            "direction": "higher_better",
            "mid": 0.1,
            "mid_source": "test",
        },
        "wb.toml",
    )
    # 20.3 - 20.2 is 0.10000000000000142 or 0.0999... in floats; decimals make it exact.
    assert reaches_mid(instrument, 20.2, 20.3) is True
    assert reaches_mid(instrument, 20.21, 20.3) is False


def test_comparisons_refuse_out_of_range():
    with pytest.raises(ScoreError):
        improved(inst("pain_nrs"), 3, 12)
    with pytest.raises(ScoreError):
        change(inst("chair_stand_30s"), -1, 3)


SCORE_KEYS = [
    "pain_nrs",
    "chair_stand_30s",
    "active_days",
    "koos_ps",
    "swemwbs",
    "msk_hq",
    "ases_pain",
]


@st.composite
def instrument_and_values(draw):
    instrument = inst(draw(st.sampled_from(SCORE_KEYS)))
    scale = 10**instrument.decimals
    lo, hi = round(instrument.min * scale), round(instrument.max * scale)
    a = draw(st.integers(lo, hi)) / scale
    b = draw(st.integers(lo, hi)) / scale
    return instrument, a, b


@given(instrument_and_values())
def test_direction_is_respected(args):
    instrument, start, end = args
    if instrument.direction == "higher_better":
        assert improved(instrument, start, end) == (end > start)
    else:
        assert improved(instrument, start, end) == (end < start)
    # Swapping start and end can never make both directions an improvement.
    assert not (improved(instrument, start, end) and improved(instrument, end, start))
    assert change(instrument, start, end) == pytest.approx(end - start)
    mid = reaches_mid(instrument, start, end)
    if instrument.mid is None:
        assert mid is None
    elif mid:
        assert improved(instrument, start, end)


@given(st.sampled_from(SCORE_KEYS), st.floats(allow_nan=True, allow_infinity=True))
def test_out_of_range_is_refused(key, value):
    instrument = inst(key)
    assume(not (instrument.min <= value <= instrument.max))
    with pytest.raises(ScoreError):
        check_score(instrument, value)
