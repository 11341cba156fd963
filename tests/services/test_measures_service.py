"""Measures through the services: entry checks, nothing half-saved, change in each measure's direction."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from escape_desktop.context import AppContext
from escape_desktop.db.models import Assessment
from escape_desktop.services import measures
from escape_desktop.services.assessments import record_assessment
from escape_desktop.services.courses import CourseInput, create_course, set_course_instruments
from escape_desktop.services.errors import ValidationError
from escape_desktop.services.measures import MeasureInput
from escape_desktop.services.participants import ParticipantInput, enrol_participant

START = date(2026, 3, 2)


def _course(ctx: AppContext, programme: str = "knee_hip") -> int:
    return create_course(
        ctx,
        CourseInput(title="Test class", programme_key=programme, start_date=START, weekdays=[0, 3]),
    )


def _person(ctx: AppContext, course_id: int, first: str = "Ada", last: str = "Demo") -> int:
    _, eid = enrol_participant(
        ctx, course_id, ParticipantInput(first_name=first, last_name=last, consent_programme=True)
    )
    return eid


def _count(ctx: AppContext) -> int:
    with ctx.db.read() as s:
        return s.scalar(select(func.count()).select_from(Assessment))


def _save(ctx, eid, timepoint, replace=False, **values):
    entries = {
        k: v if isinstance(v, MeasureInput) else MeasureInput(score=v) for k, v in values.items()
    }
    return measures.record_measures(ctx, eid, timepoint, entries, START, replace=replace)


def test_course_uses_its_programmes_measures_in_order(ctx):
    cid = _course(ctx)
    keys = [i.key for i in measures.course_instruments(ctx, cid)]
    assert keys == list(ctx.library.template("knee_hip").instruments)
    set_course_instruments(ctx, cid, ["swemwbs", "pain_nrs"])
    assert [i.key for i in measures.course_instruments(ctx, cid)] == ["swemwbs", "pain_nrs"]


@pytest.mark.parametrize(
    "key, start, end, change, improved, mid",
    [
        ("pain_nrs", 7, 4, -3.0, True, True),  # lower is better: a fall of 3 clears the MID of 2
        ("pain_nrs", 4, 3, -1.0, True, False),  # 25 %: short of Farrar's 30 % as well
        ("pain_nrs", 3, 5, 2.0, False, False),
        ("chair_stand_30s", 10, 13, 3.0, True, True),  # higher is better; threshold 2.5
        ("chair_stand_30s", 10, 12, 2.0, True, False),
        ("chair_stand_30s", 10, 9, -1.0, False, False),
        ("active_days", 2, 2, 0.0, False, None),  # no MID defined: None, not False
        ("koos_ps", 40.5, 30.2, -10.3, True, True),  # threshold 2.2 (Singh 2014)
        ("hoos_ps", 40.5, 30.2, -10.3, True, None),  # none published
        ("swemwbs", 19.25, 23.21, 3.96, True, True),  # threshold 3 (Shah 2018)
    ],
)
def test_results_respect_each_measures_direction(ctx, key, start, end, change, improved, mid):
    cid = _course(ctx)
    set_course_instruments(ctx, cid, [key])
    eid = _person(ctx, cid)
    _save(ctx, eid, "start", **{key: start})
    _save(ctx, eid, "end", **{key: str(end)})
    (result,) = measures.participant_results(ctx, eid)
    assert (result.start, result.end) == (pytest.approx(start), pytest.approx(end))
    assert result.change == pytest.approx(change)
    assert result.improved is improved
    assert result.reaches_mid is mid


def test_out_of_range_value_refuses_the_whole_set(ctx):
    cid = _course(ctx)
    eid = _person(ctx, cid)
    with pytest.raises(ValidationError) as err:
        _save(ctx, eid, "start", pain_nrs=5, chair_stand_30s=12, active_days=9)
    assert err.value.field == "active_days"
    assert "0 to 7" in err.value.message
    assert _count(ctx) == 0  # the good pain and chair-stand values were not written either


@pytest.mark.parametrize("bad", ["eleven", "10.5", "-1", "1e3", "nan"])
def test_bad_text_is_refused_with_a_sentence(ctx, bad):
    cid = _course(ctx)
    eid = _person(ctx, cid)
    with pytest.raises(ValidationError) as err:
        _save(ctx, eid, "start", pain_nrs=bad)
    assert err.value.message.endswith(".")
    assert "Pain rating" in err.value.message
    assert _count(ctx) == 0


def test_missing_items_are_prorated_up_to_the_limit(ctx):
    cid = _course(ctx)
    set_course_instruments(ctx, cid, ["confidence_items"])
    eid = _person(ctx, cid)
    one_missing = MeasureInput(answers={"exercise": "6", "flare_up": "", "stay_active": "8"})
    _save(ctx, eid, "start", confidence_items=one_missing)
    stored = measures.person_measures(ctx, eid, "start")["confidence_items"]
    assert stored.score == 21.0  # mean 7 x 3 items
    assert stored.answers == {"exercise": 6, "flare_up": None, "stay_active": 8}

    two_missing = MeasureInput(answers={"exercise": 6, "flare_up": None, "stay_active": None})
    _save(ctx, eid, "end", confidence_items=two_missing)
    (result,) = measures.participant_results(ctx, eid)
    assert result.start == 21.0
    assert result.end is None  # too many missing: no score, so no change either
    assert result.change is None and result.improved is None


def test_item_out_of_range_is_refused(ctx):
    cid = _course(ctx)
    set_course_instruments(ctx, cid, ["confidence_items"])
    eid = _person(ctx, cid)
    with pytest.raises(ValidationError) as err:
        _save(
            ctx,
            eid,
            "start",
            confidence_items=MeasureInput(
                answers={"exercise": 11, "flare_up": 2, "stay_active": 3}
            ),
        )
    assert err.value.field == "confidence_items"
    assert "0 to 10" in err.value.message
    assert _count(ctx) == 0


def test_clearing_a_value_removes_it_and_adapted_only_sticks_where_defined(ctx):
    cid = _course(ctx)
    eid = _person(ctx, cid)
    _save(
        ctx,
        eid,
        "start",
        pain_nrs=MeasureInput(score=5, adapted=True),
        chair_stand_30s=MeasureInput(score=8, adapted=True),
    )
    stored = measures.person_measures(ctx, eid, "start")
    assert stored["chair_stand_30s"].adapted is True
    assert stored["pain_nrs"].adapted is False  # pain has no adapted flag
    _save(
        ctx,
        eid,
        "start",
        replace=True,
        pain_nrs="",
        chair_stand_30s=MeasureInput(score=9, adapted=True),
    )
    stored = measures.person_measures(ctx, eid, "start")
    assert set(stored) == {"chair_stand_30s"}
    assert stored["chair_stand_30s"].score == 9


def test_dates_default_to_first_and_last_session(ctx):
    cid = _course(ctx)
    from escape_desktop.db.queries import register

    with ctx.db.read() as s:
        sessions = register(s, cid).sessions
    assert measures.default_assessment_date(ctx, cid, "start") == sessions[0].date
    assert measures.default_assessment_date(ctx, cid, "end") == sessions[-1].date
    today = date(2027, 1, 5)
    assert measures.default_assessment_date(ctx, cid, "follow_up", today) == today


def test_record_assessment_keeps_its_contract(ctx):
    cid = _course(ctx)
    eid = _person(ctx, cid)
    record_assessment(ctx, eid, "start", "pain_nrs", score="6", assessed_on="2026-03-02")
    with pytest.raises(ValidationError):
        record_assessment(ctx, eid, "start", "pain_nrs", score=12)
    assert measures.person_measures(ctx, eid, "start")["pain_nrs"].score == 6


def test_overview_counts_what_is_entered(ctx):
    cid = _course(ctx)
    a = _person(ctx, cid, "Ada", "Alpha")
    _person(ctx, cid, "Ben", "Beta")
    _save(ctx, a, "start", pain_nrs=4, active_days=3)
    rows = measures.entry_overview(ctx, cid)
    assert [r.name for r in rows] == ["Ada Alpha", "Ben Beta"]
    assert rows[0].done == {"start": 2, "end": 0, "follow_up": 0}
    assert rows[0].total == 6
    assert rows[1].done["start"] == 0


SITE_INSTRUMENT = """
key = "grip_kg"
name = "Grip strength"
kind = "score"
min = 0
max = 80
decimals = 1
direction = "higher_better"
unit = "kg"
mid = 5
mid_source = "Site's own working value."
"""


def test_a_site_definition_file_works_end_to_end(ctx):
    folder = ctx.data_dir / "content" / "instruments"
    folder.mkdir(parents=True)
    (folder / "grip.toml").write_text(SITE_INSTRUMENT, encoding="utf-8")
    site = AppContext.open(ctx.data_dir)  # a fresh context reads the site's content folder
    try:
        assert "grip_kg" in site.library.instruments
        cid = _course(site)
        set_course_instruments(site, cid, ["pain_nrs", "grip_kg"])
        eid = _person(site, cid)
        _save(site, eid, "start", pain_nrs=6, grip_kg="20.5")
        _save(site, eid, "end", pain_nrs=5, grip_kg="26")
        with pytest.raises(ValidationError, match="0.0 to 80.0"):
            _save(site, eid, "end", grip_kg="81")
        grip = measures.participant_results(site, eid)[1]
        assert (grip.name, grip.change, grip.reaches_mid) == ("Grip strength", 5.5, True)
        outcome = measures.course_outcomes(site, cid, today=date(2026, 6, 1))
        assert outcome.summary("grip_kg").n_both == 1
    finally:
        site.close()


def test_measures_outside_the_course_list_are_still_shown(ctx):
    cid = _course(ctx)
    eid = _person(ctx, cid)
    _save(ctx, eid, "start", eq5d_vas=60)
    keys = [r.instrument_key for r in measures.participant_results(ctx, eid)]
    assert keys[-1] == "eq5d_vas"  # recorded, though the course does not list it


def test_range_takes_courses_by_first_session(demo_ctx, demo_today):
    everything = measures.outcomes_for_range(
        demo_ctx, date(2000, 1, 1), date(2100, 1, 1), demo_today
    )
    assert len(everything.courses) == 7  # the demo's three older, followed-up courses too
    none = measures.outcomes_for_range(demo_ctx, date(2001, 1, 1), date(2001, 12, 31), demo_today)
    assert none.courses == [] and none.rows == []
    assert all(p.denominator == 0 and p.percent is None for p in none.proportions)
    with pytest.raises(ValidationError):
        measures.outcomes_for_range(demo_ctx, date(2026, 2, 1), date(2026, 1, 1))
    # Across a knee/hip and a back course each uses its own programme's measure per domain.
    function, _pain, wellbeing = everything.proportions
    assert set(function.instruments) == {"chair_stand_30s"}
    assert set(wellbeing.instruments) == {"swemwbs", "msk_hq"}


def test_class_means_round_half_away_on_the_recorded_digits(ctx):
    # 10.1, 10.2, 10.2, 10.2 average exactly 10.175: shown to two decimals it is 10.18. Summed
    # in floats it is 10.17499..., which rounded down. The change's mean likewise (-0.125).
    cid = _course(ctx)
    set_course_instruments(ctx, cid, ["koos_ps"])
    for i, (start, end) in enumerate([(10.1, 10.0), (10.2, 10.2), (10.2, 10.0), (10.2, 10.0)]):
        eid = _person(ctx, cid, first=f"P{i}")
        _save(ctx, eid, "start", koos_ps=str(start))
        _save(ctx, eid, "end", koos_ps=str(end))
    summary = measures.course_outcomes(ctx, cid).summary("koos_ps")
    assert summary is not None
    assert (summary.mean_start, summary.mean_end) == (10.18, 10.05)
    assert summary.mean_change == -0.13


def test_a_saved_value_is_never_replaced_or_cleared_without_saying_so(ctx):
    # Issue 25: end scores typed on the start form silently replaced the baseline.
    cid = _course(ctx)
    eid = _person(ctx, cid)
    _save(ctx, eid, "start", pain_nrs=6, chair_stand_30s=10)
    with pytest.raises(measures.WouldReplace) as refused:
        _save(ctx, eid, "start", pain_nrs=3, chair_stand_30s=10)
    assert [(r.instrument_key, r.old, r.new) for r in refused.value.replacements] == [
        ("pain_nrs", "6", "3")
    ]
    assert "start value 6" in refused.value.replacements[0].question()
    with pytest.raises(measures.WouldReplace):
        _save(ctx, eid, "start", pain_nrs="")  # clearing is replacing too
    assert measures.person_measures(ctx, eid, "start")["pain_nrs"].score == 6
    # The same value again, or a new measure, replaces nothing; end values are their own.
    _save(ctx, eid, "start", pain_nrs=6, active_days=3)
    _save(ctx, eid, "end", pain_nrs=3)
    assert measures.person_measures(ctx, eid, "start")["pain_nrs"].score == 6
    _save(ctx, eid, "start", replace=True, pain_nrs=3)
    assert measures.person_measures(ctx, eid, "start")["pain_nrs"].score == 3


def test_the_class_says_which_measures_and_the_date_is_the_day_they_came(ctx):
    # Start measures at the person's first class, end at the last two; the default date is
    # the day of the class the person attended, not session 1's (issue 25).
    from escape_desktop.db.queries import register
    from escape_desktop.services.attendance import mark_attendance

    cid = _course(ctx)
    eid = _person(ctx, cid)
    with ctx.db.read() as s:
        sessions = [x for x in register(s, cid).sessions if not x.cancelled]
    first, second, last = sessions[0], sessions[1], sessions[-1]
    # Session 1: not come yet, so start measures are due for them.
    day = measures.measures_day(ctx, eid, first.date)
    assert (day.timepoint, day.due, day.session_number) == ("start", True, first.number)
    # They missed session 1 and came first to session 2: start is due there, dated that day.
    mark_attendance(ctx, eid, first.id, "absent")
    mark_attendance(ctx, eid, second.id, "present")
    assert measures.measures_day(ctx, eid, second.date).timepoint == "start"
    assert measures.default_assessment_date(ctx, cid, "start", enrolment_id=eid) == second.date
    # A middle class calls for none.
    assert not measures.measures_day(ctx, eid, sessions[5].date).due
    # The last class: end measures, dated the day they came.
    day = measures.measures_day(ctx, eid, last.date)
    assert (day.timepoint, day.due) == ("end", True)
    mark_attendance(ctx, eid, sessions[-2].id, "present")
    assert measures.default_assessment_date(ctx, cid, "end", enrolment_id=eid) == sessions[-2].date
