"""The services' sentences about a field name the field in the window's language: the names
handed to clean_text/parse_* and the settings' labels are in the catalogue (issue 31)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from escape_desktop import i18n
from escape_desktop.services import courses as course_service
from escape_desktop.services import settings_registry as registry
from escape_desktop.services.common import parse_int
from escape_desktop.services.errors import ValidationError


@pytest.fixture
def welsh() -> Iterator[i18n.Translator]:
    i18n.set_ui_language("cy")
    yield i18n.translator("cy")
    i18n.set_ui_language(None)


def test_a_refused_value_names_its_field_in_welsh(welsh) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationError) as e:
        parse_int("lots", "capacity", i18n.N_("Capacity"), 1, 50)
    assert welsh._("Capacity") != "Capacity"
    assert welsh._("Capacity") in e.value.message and "Capacity" not in e.value.message


def test_a_settings_refusal_and_label_in_welsh(ctx, welsh) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationError) as e:
        registry.SITE_CODE.encode(ctx, "not a code")
    assert "ODS" in e.value.message and "capital letters" not in e.value.message
    with pytest.raises(ValidationError) as e:
        registry.LARGE_TEXT.encode(ctx, "yes please")
    assert welsh._(registry.LARGE_TEXT.label) in e.value.message
    assert registry.LARGE_TEXT.label not in e.value.message


def test_a_service_names_the_field_in_welsh(ctx, welsh) -> None:  # type: ignore[no-untyped-def]
    """A closure with no date: the sentence names the field as the Welsh screen does."""
    with pytest.raises(ValidationError) as e:
        course_service.add_closure(ctx, "")
    assert welsh._("Closure date") in e.value.message and "Closure date" not in e.value.message


def test_english_is_unchanged(ctx) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationError) as e:
        course_service.add_closure(ctx, "")
    assert "Closure date" in e.value.message


KNEE_HIP = "Long-lasting knee and/or hip pain (osteoarthritis)"


def test_the_door_checks_in_welsh(welsh) -> None:  # type: ignore[no-untyped-def]
    """The screening flags the register and the import preview show: Welsh sentences, with
    the joints named in Welsh."""
    from escape_desktop.programme.screening import (
        NOT_SCREENED,
        OTHER_CONDITION,
        UNDER_MINIMUM_AGE,
        door_text,
    )

    other = door_text(OTHER_CONDITION, KNEE_HIP, ["back"])
    assert "cefn" in other and "pengliniau" in other and "cluniau" in other
    assert not {"back", "knees", "hips", "referral"} & set(other.split())
    for key in (NOT_SCREENED, UNDER_MINIMUM_AGE):
        said = door_text(key, KNEE_HIP)
        assert said and not {"Screening", "Younger", "referral"} & set(said.split())


def test_the_door_checks_in_english_are_unchanged() -> None:
    from escape_desktop.programme.screening import OTHER_CONDITION, door_text

    assert door_text(OTHER_CONDITION, KNEE_HIP, ["back"]) == (
        "Referred for back pain but this course is for knees and hips: confirm the referral "
        "or move them to the right course"
    )
