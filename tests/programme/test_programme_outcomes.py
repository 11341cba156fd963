"""Meaningful change, headline proportions, rounding and the one-measure-per-domain rule."""

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from escape_desktop.library import ContentError, clear_cache, load_library
from escape_desktop.programme.content import parse_instrument
from escape_desktop.programme.outcomes import (
    ABOUT_THE_SAME,
    IMPROVED_A_LITTLE,
    MEANINGFUL,
    WORSE,
    classify_change,
    domain_proportions,
)
from escape_desktop.programme.rounding import format_number, round_half_away
from escape_desktop.programme.status import Ratio


def inst(key):
    return load_library().instrument(key)


@pytest.mark.parametrize(
    "key, start, end, kind",
    [
        ("pain_nrs", 7, 5, MEANINGFUL),  # a 2-point fall
        ("pain_nrs", 7, 6, IMPROVED_A_LITTLE),  # 1 point, 14 %
        ("pain_nrs", 3, 2, MEANINGFUL),  # 1 point but 33 %: Farrar's 30 % rule
        ("pain_nrs", 4, 4, ABOUT_THE_SAME),
        ("pain_nrs", 4, 5, WORSE),
        ("chair_stand_30s", 10, 12, IMPROVED_A_LITTLE),  # 2 < 2.5 stands
        ("chair_stand_30s", 10, 13, MEANINGFUL),
        ("koos_ps", 40.0, 37.8, MEANINGFUL),  # lower is better; exactly 2.2
        ("koos_ps", 40.0, 37.9, IMPROVED_A_LITTLE),
        ("swemwbs", 20.0, 22.99, IMPROVED_A_LITTLE),  # conservative 3 points
        ("swemwbs", 20.0, 23.0, MEANINGFUL),
    ],
)
def test_classify_change_hand_worked(key, start, end, kind):
    assert classify_change(inst(key), start, end).kind == kind


def test_no_threshold_means_no_meaningful_claim():
    c = classify_change(inst("hoos_ps"), 50.0, 20.0)
    assert c.improved and c.meaningful is None and c.kind == IMPROVED_A_LITTLE
    assert inst("hoos_ps").mid_source.startswith("none published")


def test_every_instrument_names_its_source():
    for instrument in load_library().instruments.values():
        assert instrument.mid_source, instrument.key
        if instrument.mid is None:
            assert (
                "none published" in instrument.mid_source or "unconfirmed" in instrument.mid_source
            )


def test_proportions_count_only_people_with_both_values():
    pain = inst("pain_nrs")
    values = [(7, 4), (6, 6), (5, 7), (8, None), (None, 3), (None, None), (6, 5)]
    # With both: 7->4 meaningful, 6->6 same, 5->7 worse, 6->5 a little (17 %): 4 people.
    p = domain_proportions("pain", pain, values)
    assert p.improved == Ratio(2, 4) and p.meaningful == Ratio(1, 4)
    assert p.worse == Ratio(1, 4) and p.about_the_same == Ratio(1, 4)
    assert p.as_json()["improved"] == {"numerator": 2, "denominator": 4, "percent": 50.0}
    assert p.threshold == 2 and p.threshold_percent == 30
    nothing = domain_proportions("wellbeing", None, values)
    assert not nothing.measured and nothing.instrument_name == "not measured"
    assert nothing.improved.percent() is None


def naive_kind(direction, mid, mid_percent, start, end):
    """Integer-only re-implementation for whole-number scales."""
    gain = end - start if direction == "higher_better" else start - end
    if gain < 0:
        return WORSE
    if gain == 0:
        return ABOUT_THE_SAME
    if mid is not None and (
        gain >= mid or (mid_percent and start and 100 * gain >= mid_percent * abs(start))
    ):
        return MEANINGFUL
    return IMPROVED_A_LITTLE


@settings(max_examples=300, deadline=None)
@given(
    pairs=st.lists(
        st.tuples(
            st.one_of(st.none(), st.integers(0, 10)), st.one_of(st.none(), st.integers(0, 10))
        ),
        max_size=30,
    )
)
def test_pain_proportions_match_naive_count(pairs):
    pain = inst("pain_nrs")
    got = domain_proportions("pain", pain, pairs)
    both = [(s, e) for s, e in pairs if s is not None and e is not None]
    kinds = [naive_kind("lower_better", 2, 30, s, e) for s, e in both]
    assert got.improved == Ratio(
        kinds.count(MEANINGFUL) + kinds.count(IMPROVED_A_LITTLE), len(both)
    )
    assert got.meaningful == Ratio(kinds.count(MEANINGFUL), len(both))
    assert got.worse == Ratio(kinds.count(WORSE), len(both))


@pytest.mark.parametrize(
    "value, decimals, expected",
    [
        (0.5, 0, 1.0),
        (1.5, 0, 2.0),
        (2.5, 0, 3.0),
        (-2.5, 0, -3.0),
        (2.675, 2, 2.68),
        (0.125, 2, 0.13),
        (-0.05, 1, -0.1),
        (-0.04, 1, 0.0),
        (12.45, 1, 12.5),
    ],
)
def test_round_half_away_from_zero(value, decimals, expected):
    assert round_half_away(value, decimals) == expected


def test_format_number_keeps_the_instruments_decimals():
    assert format_number(2.5, 0) == "3"
    assert format_number(20.735, 2) == "20.74"
    assert format_number(7, 2) == "7.00"
    assert format_number(-0.04, 1) == "0.0"


def _write_programme(folder: Path, function: str, pain: str, wellbeing: str) -> None:
    (folder / "programmes").mkdir(parents=True)
    shipped = Path(load_library().sources[("template", "back")])
    text = (Path(__file__).parents[2] / "resources" / "programmes" / shipped.name).read_text(
        "utf-8"
    )
    text = text.replace('key = "back"', 'key = "site_back"', 1)
    start = text.index("[outcome_instruments]")
    end = text.index("[progression]")
    block = f'[outcome_instruments]\nfunction = "{function}"\npain = "{pain}"\nwellbeing = "{wellbeing}"\n\n'
    (folder / "programmes" / "site_back.toml").write_text(
        text[:start] + block + text[end:], "utf-8"
    )


def test_loader_refuses_one_measure_behind_two_domains(tmp_path):
    _write_programme(tmp_path, "msk_hq", "pain_nrs", "msk_hq")
    clear_cache()
    try:
        with pytest.raises(
            ContentError, match=r"site_back\.toml: outcome_instruments\.wellbeing.*msk_hq.*function"
        ):
            load_library([tmp_path])
    finally:
        clear_cache()


def test_loader_accepts_a_domain_not_measured(tmp_path):
    _write_programme(tmp_path, "chair_stand_30s", "pain_nrs", "not_measured")
    clear_cache()
    try:
        template = load_library([tmp_path]).template("site_back")
    finally:
        clear_cache()
    assert template.outcome_instruments == {"function": "chair_stand_30s", "pain": "pain_nrs"}


def test_shipped_programmes_use_a_different_measure_per_domain():
    for template in load_library().templates.values():
        keys = list(template.outcome_instruments.values())
        assert len(keys) == len(set(keys)), template.key


def test_mid_percent_needs_mid():
    data = {
        "key": "x",
        "name": "X",
        "kind": "score",
        "min": 0,
        "max": 10,
        "direction": "lower_better",
        "mid_percent": 30,
    }
    with pytest.raises(ContentError, match="mid_percent needs mid"):
        parse_instrument(data, "x.toml")
