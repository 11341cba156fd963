"""Tests for loading and validating programme content (templates, stations, instruments)."""

import copy
import textwrap
from pathlib import Path

import pytest

from escape_desktop.library import Library, clear_cache, load_library
from escape_desktop.paths import resource_path
from escape_desktop.programme.content import (
    ContentError,
    ProgressionRules,
    parse_instrument,
    parse_station,
    parse_template,
)


@pytest.fixture(autouse=True)
def _fresh_cache():
    clear_cache()
    yield
    clear_cache()


def write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


# --- shipped content ----------------------------------------------------------------


def test_all_shipped_files_load():
    lib = load_library()
    assert isinstance(lib, Library)
    assert set(lib.templates) == {"knee_hip", "back"}
    for name in ("programmes", "exercises", "instruments"):
        assert list(resource_path(name).glob("*.toml"))
    expected_stations = {
        "sit_to_stand",
        "seated_knee_extension",
        "step_ups",
        "mini_squats",
        "static_cycling",
        "marching",
        "heel_raises",
        "standing_hip_abduction",
        "balance",
        "wall_press",
        "bridging",
        "bird_dog",
        "pelvic_tilt",
    }
    assert expected_stations <= set(lib.stations)
    for station in lib.stations.values():
        assert 3 <= len(station.levels) <= 5
        assert station.description
    expected_instruments = {
        "pain_nrs",
        "chair_stand_30s",
        "active_days",
        "koos_ps",
        "hoos_ps",
        "swemwbs",
        "msk_hq",
        "eq5d_vas",
        "ases_pain",
        "confidence_items",
    }
    assert expected_instruments <= set(lib.instruments)


def test_knee_hip_template():
    t = load_library().template("knee_hip")
    assert len(t.sessions) == 12
    assert [s.number for s in t.sessions] == list(range(1, 13))
    assert len(t.stations) == 10
    assert t.instruments == (
        "pain_nrs",
        "chair_stand_30s",
        "active_days",
        "koos_ps",
        "hoos_ps",
        "swemwbs",
    )
    assert t.outcome_instruments == {
        "function": "chair_stand_30s",
        "pain": "pain_nrs",
        "wellbeing": "swemwbs",
    }
    assert (t.education_minutes, t.exercise_minutes) == (20, 40)
    assert t.progression == ProgressionRules()


def test_back_template():
    t = load_library().template("back")
    assert len(t.sessions) == 12
    assert t.instruments == ("pain_nrs", "chair_stand_30s", "active_days", "msk_hq")
    # Three headline bars from three different measures (MSK-HQ once, not twice).
    assert t.outcome_instruments == {
        "function": "chair_stand_30s",
        "pain": "pain_nrs",
        "wellbeing": "msk_hq",
    }
    assert {"bridging", "pelvic_tilt"} <= set(t.stations)


def test_instrument_details():
    lib = load_library()
    pain = lib.instrument("pain_nrs")
    assert (pain.kind, pain.min, pain.max, pain.decimals, pain.direction) == (
        "score",
        0,
        10,
        0,
        "lower_better",
    )
    assert pain.mid == 2 and pain.mid_source
    chair = lib.instrument("chair_stand_30s")
    assert chair.has_adapted_flag and chair.direction == "higher_better"
    sw = lib.instrument("swemwbs")
    assert (sw.min, sw.max, sw.decimals) == (7.0, 35.0, 2)
    assert "licence" in sw.licence_note.lower()
    for key in ("koos_ps", "hoos_ps"):
        assert lib.instrument(key).direction == "lower_better"
    conf = lib.instrument("confidence_items")
    assert conf.kind == "items" and len(conf.items) == 3
    assert (conf.missing_rule, conf.max_missing_items) == ("prorate", 1)
    # Licensed questionnaires are score entry only: no item wording shipped.
    for key in ("koos_ps", "hoos_ps", "swemwbs", "msk_hq", "eq5d_vas", "ases_pain"):
        assert lib.instrument(key).kind == "score" and lib.instrument(key).items == ()


def test_lookup_helpers_raise_plain_key_errors():
    lib = load_library()
    with pytest.raises(KeyError, match="no programme template called 'nope'"):
        lib.template("nope")
    with pytest.raises(KeyError, match="exercise station"):
        lib.station("nope")
    with pytest.raises(KeyError, match="instrument"):
        lib.instrument("nope")


def test_library_is_cached_per_dirs(tmp_path):
    assert load_library() is load_library()
    assert load_library([tmp_path]) is not load_library()


# --- site overrides -----------------------------------------------------------------


def test_extra_dir_overrides_and_adds(tmp_path):
    write(
        tmp_path / "exercises",
        "ours.toml",
        """
        [[station]]
        key = "balance"
        name = "Our balance"
        dose_kind = "seconds"
        dose_unit = "s"
        [[station.levels]]
        name = "Easy"
        description = "Feet apart."
        target_dose = 10

        [[station]]
        key = "wobble_board"
        name = "Wobble board"
        dose_kind = "seconds"
        dose_unit = "s"
        [[station.levels]]
        name = "Holding on"
        target_dose = 20
    """,
    )
    write(
        tmp_path / "instruments",
        "site.toml",
        """
        [[instrument]]
        key = "site_score"
        name = "Site score"
        kind = "score"
        min = 0
        max = 5
        direction = "higher_better"
    """,
    )
    lib = load_library([tmp_path])
    assert lib.station("balance").name == "Our balance"
    assert lib.station("wobble_board").levels[0].target_dose == 20
    assert lib.instrument("site_score").max == 5
    # The shipped library is untouched.
    assert load_library().station("balance").name == "Balance"


# --- broken files name the file and the field ---------------------------------------

GOOD_STATION = """
    [[station]]
    key = "s1"
    name = "S1"
    dose_kind = "repetitions"
    dose_unit = "reps"
    [[station.levels]]
    name = "One"
    target_dose = 10
"""


@pytest.mark.parametrize(
    "folder, name, text, expected",
    [
        (
            "exercises",
            "bad.toml",
            GOOD_STATION.replace("target_dose = 10", "target_dose = -1"),
            "bad.toml station[s1]: levels[0].target_dose must be more than 0.",
        ),
        (
            "exercises",
            "bad.toml",
            GOOD_STATION.replace('dose_kind = "repetitions"', 'dose_kind = "laps"'),
            "bad.toml station[s1]: dose_kind must be one of",
        ),
        (
            "exercises",
            "bad.toml",
            GOOD_STATION.split("[[station.levels]]")[0],
            "bad.toml station[s1]: levels is missing.",
        ),
        (
            "exercises",
            "bad.toml",
            GOOD_STATION.replace('key = "s1"', ""),
            "bad.toml station[0]: key is missing.",
        ),
        (
            "exercises",
            "bad.toml",
            GOOD_STATION.replace("target_dose = 10", "target_dos = 10"),
            "bad.toml station[s1]: levels[0].target_dos is not a known field",
        ),
        (
            "exercises",
            "bad.toml",
            GOOD_STATION + GOOD_STATION,
            "bad.toml: key 's1' is already defined",
        ),
        ("exercises", "bad.toml", "this is = = not toml", "bad.toml: the file is not valid TOML"),
        (
            "instruments",
            "bad_inst.toml",
            'key = "x"\nname = "X"\nkind = "score"\nmin = 0\nmax = 10\ndirection = "up"\n',
            "bad_inst.toml: direction must be one of higher_better, lower_better",
        ),
        (
            "instruments",
            "bad_inst.toml",
            'key = "x"\nname = "X"\nkind = "score"\nmin = 10\nmax = 0\ndirection = "higher_better"\n',
            "bad_inst.toml: max must be more than min",
        ),
        (
            "instruments",
            "bad_inst.toml",
            'key = "x"\nname = "X"\nkind = "score"\nmin = 0\nmax = 10\ndirection = "higher_better"\nmid = 2\n',
            "bad_inst.toml: mid_source is missing",
        ),
        (
            "instruments",
            "bad_inst.toml",
            'key = "x"\nname = "X"\nkind = "items"\nmin = 0\nmax = 5\ndirection = "higher_better"\n'
            '[[items]]\nkey = "a"\ntext = "A?"\nmin = 0\nmax = 10\n',
            "bad_inst.toml: items add up to a range of 0 to 10",
        ),
    ],
)
def test_broken_file_names_file_and_field(tmp_path, folder, name, text, expected):
    write(tmp_path / folder, name, text)
    with pytest.raises(ContentError) as info:
        load_library([tmp_path])
    assert expected in str(info.value)


KNEE = (resource_path("programmes") / "knee_hip.toml").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    "old, new, expected",
    [
        ('topic = "Why joints hurt"\n', "", "knee_hip.toml: sessions[2].topic is missing."),
        ("number = 4\n", "number = 5\n", "knee_hip.toml: sessions[3].number should be 4"),
        (
            '"wall_press",\n',
            '"wall_press", "no_such_station",\n',
            "knee_hip.toml: stations[10] names 'no_such_station'",
        ),
        (
            '"swemwbs"]',
            '"swemwbs", "no_such_measure"]',
            "knee_hip.toml: instruments[6] names 'no_such_measure'",
        ),
        (
            'wellbeing = "swemwbs"',
            'wellbeing = "eq5d_vas"',
            "knee_hip.toml: outcome_instruments.wellbeing names 'eq5d_vas', which is not in",
        ),
        (
            "pain_to_step_back = 6",
            "pain_to_step_back = 2",
            "knee_hip.toml: progression.pain_to_step_back must be more than max_pain_to_progress",
        ),
        (
            "education_minutes = 20",
            'education_minutes = "20"',
            "knee_hip.toml: education_minutes must be a whole number",
        ),
    ],
)
def test_broken_site_template(tmp_path, old, new, expected):
    assert old in KNEE
    write(tmp_path / "programmes", "knee_hip.toml", KNEE.replace(old, new, 1))
    with pytest.raises(ContentError) as info:
        load_library([tmp_path])
    assert expected in str(info.value)


# --- parse functions directly --------------------------------------------------------

STATION = {
    "key": "s",
    "name": "S",
    "dose_kind": "load_kg",
    "dose_unit": "kg",
    "levels": [{"name": "A", "target_dose": 2.5}, {"name": "B", "target_dose": 5}],
}


def test_parse_station_ok_and_errors():
    station = parse_station(STATION, "x.toml")
    assert [lvl.target_dose for lvl in station.levels] == [2.5, 5.0]
    bad = copy.deepcopy(STATION)
    bad["levels"] = []
    with pytest.raises(ContentError, match=r"^x\.toml: levels must have at least one entry\.$"):
        parse_station(bad, "x.toml")
    bad = copy.deepcopy(STATION)
    bad["dose_kind"] = "repetitions"
    with pytest.raises(ContentError, match=r"levels\[0\]\.target_dose must be a whole number"):
        parse_station(bad, "x.toml")
    bad = copy.deepcopy(STATION)
    bad["levels"][1]["name"] = "A"
    with pytest.raises(ContentError, match=r"levels\[1\]\.name repeats"):
        parse_station(bad, "x.toml")
    with pytest.raises(ContentError, match="must be a table"):
        parse_station(["not", "a", "dict"], "x.toml")  # type: ignore[arg-type]


def test_parse_instrument_rules():
    base = {
        "key": "i",
        "name": "I",
        "kind": "score",
        "min": 0,
        "max": 10,
        "direction": "higher_better",
    }
    inst = parse_instrument(base, "i.toml")
    assert (inst.decimals, inst.missing_rule, inst.max_missing_items, inst.mid) == (
        0,
        "none",
        0,
        None,
    )
    for change, field in [
        ({"decimals": 7}, "decimals"),
        ({"min": 0.5}, "min"),
        ({"max_missing_items": 1}, "max_missing_items"),
        ({"has_adapted_flag": "yes"}, "has_adapted_flag"),
        ({"kind": "survey"}, "kind"),
        ({"mid": 50, "mid_source": "x"}, "mid"),
        ({"key": "Has Spaces"}, "key"),
        ({"name": True}, "name"),
    ]:
        with pytest.raises(ContentError, match=rf"^i\.toml: {field} "):
            parse_instrument({**base, **change}, "i.toml")
    items = {
        **base,
        "kind": "items",
        "max": 4,
        "items": [
            {"key": "a", "text": "A", "min": 0, "max": 2},
            {"key": "b", "text": "B", "min": 0, "max": 2},
        ],
    }
    assert len(parse_instrument(items, "i.toml").items) == 2
    with pytest.raises(
        ContentError, match="max_missing_items must be less than the number of items"
    ):
        parse_instrument({**items, "max_missing_items": 2, "missing_rule": "prorate"}, "i.toml")
    with pytest.raises(ContentError, match='missing_rule must be "prorate"'):
        parse_instrument({**items, "max_missing_items": 1}, "i.toml")
    with pytest.raises(ContentError, match=r"items\[1\]\.key repeats"):
        parse_instrument({**items, "items": [items["items"][0], items["items"][0]]}, "i.toml")


def test_parse_template_without_progression_uses_defaults():
    data = {
        "key": "t",
        "title": "T",
        "condition": "C",
        "sessions": [{"number": 1, "topic": "Hello"}],
        "stations": ["a"],
        "instruments": ["p", "q"],
        "outcome_instruments": {"function": "p", "pain": "q", "wellbeing": "not_measured"},
        "education_minutes": 20,
        "exercise_minutes": 40,
    }
    template = parse_template(data, "t.toml")
    assert template.progression == ProgressionRules()
    assert template.sessions[0].notes == ""
    missing = {k: v for k, v in data.items() if k != "outcome_instruments"}
    with pytest.raises(ContentError, match=r"^t\.toml: outcome_instruments is missing\.$"):
        parse_template(missing, "t.toml")
    partial = {**data, "outcome_instruments": {"function": "p", "pain": "q"}}
    with pytest.raises(
        ContentError, match=r"^t\.toml: outcome_instruments\.wellbeing is missing\.$"
    ):
        parse_template(partial, "t.toml")
