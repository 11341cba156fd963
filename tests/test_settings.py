"""Site settings: kept in the database, with sensible defaults; venue and instructor lists."""

from __future__ import annotations

import pytest

from escape_desktop.services import settings
from escape_desktop.services.courses import CourseInput, create_course
from escape_desktop.services.errors import ValidationError


def test_defaults_before_anything_is_set(ctx):
    s = settings.load(ctx)
    assert s.default_programme == "knee_hip"
    assert s.large_text is False
    assert s.first_run_done is False


def test_values_survive_reopening(ctx):
    from escape_desktop.context import AppContext

    settings.set_default_programme(ctx, "back")
    settings.set_large_text(ctx, True)
    ctx.close()
    again = AppContext.open(ctx.data_dir)
    try:
        s = settings.load(again)
        assert (s.default_programme, s.large_text) == ("back", True)
    finally:
        again.close()


def test_unknown_programme_is_refused(ctx):
    with pytest.raises(ValidationError) as e:
        settings.set_default_programme(ctx, "swimming")
    assert e.value.field == "default_programme"


def test_venues_and_instructors_are_listed_and_removed_when_unused(ctx):
    settings.add_venue(ctx, "Riverside Leisure Centre")
    settings.add_venue(ctx, "Millbrook Community Centre")
    settings.add_instructor(ctx, "Sam Demo-Physio")
    assert settings.venues(ctx) == ["Millbrook Community Centre", "Riverside Leisure Centre"]
    assert settings.instructors(ctx) == ["Sam Demo-Physio"]
    with pytest.raises(ValidationError, match="already a venue"):
        settings.add_venue(ctx, "Riverside Leisure Centre")
    settings.remove_venue(ctx, "Millbrook Community Centre")
    assert settings.venues(ctx) == ["Riverside Leisure Centre"]


def test_a_venue_or_instructor_in_use_stays(ctx):
    create_course(
        ctx,
        CourseInput(
            title="Knees",
            programme_key="knee_hip",
            start_date="2027-01-04",
            weekdays=[0, 3],
            venue="Riverside Leisure Centre",
            instructors=["Sam Demo-Physio"],
        ),
    )
    with pytest.raises(ValidationError, match="used by course"):
        settings.remove_venue(ctx, "Riverside Leisure Centre")
    with pytest.raises(ValidationError, match="named on course"):
        settings.remove_instructor(ctx, "Sam Demo-Physio")
