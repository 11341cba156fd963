"""Equality monitoring on enrolment (issue 30 item 7): a person's ethnic category, stated sex
and gender identity, each optional and coded by the NHS Data Dictionary, kept apart from one
another, refused when not a code, and carried by a database made before them."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, text

from escape_desktop.cli import main
from escape_desktop.context import AppContext
from escape_desktop.db.engine import DB_FILENAME, Database
from escape_desktop.db.migrate import upgrade
from escape_desktop.db.models import Participant
from escape_desktop.programme.equality import ETHNIC_CATEGORIES, GENDER_IDENTITIES, STATED_SEXES
from escape_desktop.services.courses import CourseInput, create_course
from escape_desktop.services.errors import ValidationError
from escape_desktop.services.participants import (
    ParticipantInput,
    enrol_participant,
    participant_input,
    validate_participant,
)

START = date(2026, 3, 2)


def _course(ctx: AppContext) -> int:
    return create_course(
        ctx,
        CourseInput(title="Equality", programme_key="knee_hip", start_date=START, weekdays=[0, 3]),
    )


def _stored(ctx: AppContext, person_id: int) -> tuple[str | None, str | None, str | None]:
    with ctx.db.read() as s:
        p = s.get(Participant, person_id)
        assert p is not None
        return p.ethnic_category, p.stated_sex, p.gender_identity


def test_the_three_items_round_trip_apart_and_default_to_not_asked(ctx):
    cid = _course(ctx)
    pid, _eid = enrol_participant(
        ctx,
        cid,
        ParticipantInput(
            first_name="Ada", last_name="Demo", ethnic_category="h", stated_sex="2",
            gender_identity="3",
        ),
    )  # fmt: skip
    assert _stored(ctx, pid) == ("H", "2", "3")
    back = participant_input(ctx, pid)
    assert (back.ethnic_category, back.stated_sex, back.gender_identity) == ("H", "2", "3")
    # Nobody is assumed to have answered: left alone, all three are "not asked" (NULL), not
    # "not stated", and the dialog's own "sex" does not fill in the stated sex.
    other, _ = enrol_participant(
        ctx, cid, ParticipantInput(first_name="Bea", last_name="Demo", sex="female")
    )
    assert _stored(ctx, other) == (None, None, None)


@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    ethnic=st.sampled_from([*ETHNIC_CATEGORIES, "", None]),
    sex=st.sampled_from([*STATED_SEXES, "", None]),
    gender=st.sampled_from([*GENDER_IDENTITIES, "", None]),
)
def test_every_code_is_taken_and_blank_is_not_asked(ethnic, sex, gender):
    values = validate_participant(
        ParticipantInput(
            first_name="Ada", last_name="Demo", ethnic_category=ethnic, stated_sex=sex,
            gender_identity=gender,
        )
    )  # fmt: skip
    assert values["ethnic_category"] == (ethnic or None)
    assert values["stated_sex"] == (sex or None)
    assert values["gender_identity"] == (gender or None)


@pytest.mark.parametrize(
    ("field", "value", "a_choice"),
    [
        ("ethnic_category", "I", "99"),  # the Data Dictionary has no I, O or Q
        ("ethnic_category", "White", "A"),
        ("stated_sex", "F", "2"),  # the code, not the letter the dialog's "sex" reads
        ("gender_identity", "5", "Z"),
    ],
)
def test_a_code_that_is_not_one_is_refused_with_the_choices(ctx, field, value, a_choice):
    cid = _course(ctx)
    with pytest.raises(ValidationError) as caught:
        enrol_participant(
            ctx, cid, ParticipantInput(first_name="Ada", last_name="Demo", **{field: value})
        )
    assert caught.value.field == field
    assert a_choice in str(caught.value)
    with ctx.db.read() as s:  # nothing half-saved
        assert s.scalars(select(Participant)).all() == []


def _cli(capsys, folder: Path, *args: str) -> tuple[int, str, str]:
    code = main([*args, "--data-dir", str(folder)])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_course_enrol_takes_the_three_codes(tmp_path, capsys):
    data = tmp_path / "data"
    code, out, err = _cli(
        capsys, data, "course", "new", "--title", "Knees, Demo Hall", "--start",
        START.isoformat(), "--weekdays", "mon,thu", "--json",
    )  # fmt: skip
    assert code == 0, err
    course = json.loads(out)["code"]
    enrol = ("course", "enrol", "--course", course, "--last-name", "Demo-Cli")
    code, out, err = _cli(
        capsys, data, *enrol, "--first-name", "Ada", "--ethnic-category", "99",
        "--stated-sex", "x", "--gender-identity", "Z", "--json",
    )  # fmt: skip
    assert code == 0, err
    person = json.loads(out)["person"]
    code, out, err = _cli(
        capsys, data, *enrol, "--first-name", "Bea", "--ethnic-category", "Q", "--new-person"
    )
    assert code != 0 and len(err.strip().splitlines()) == 1 and "Traceback" not in err
    db = Database(data / DB_FILENAME)
    try:
        with db.read() as s:
            rows = s.execute(
                select(
                    Participant.code,
                    Participant.ethnic_category,
                    Participant.stated_sex,
                    Participant.gender_identity,
                )
            ).all()
    finally:
        db.dispose()
    assert [tuple(r) for r in rows] == [(person, "99", "X", "Z")]


def test_migration_0012_keeps_everyone_and_asks_nobody(tmp_path):
    db = Database(tmp_path / DB_FILENAME)
    try:
        upgrade(db, "0011_measure_taken")
        with db.transaction() as s:
            s.execute(
                text(
                    "INSERT INTO participants (id, code, first_name, last_name, sex, phone,"
                    " email, joints, referral_source, consent_programme, consent_share, notes,"
                    " created_at, language) VALUES (1, 'P-OLD1', 'A', 'Demo-Old', 'female', '',"
                    " '', 'knee', '', 1, 1, '', '2026-01-01 10:00:00', 'cy')"
                )
            )
        upgrade(db)
        with db.read() as s:
            row = s.execute(
                text(
                    "SELECT code, sex, language, ethnic_category, stated_sex, gender_identity"
                    " FROM participants"
                )
            ).one()
        # The old "sex" is kept as it was and not copied into the stated sex
        assert tuple(row) == ("P-OLD1", "female", "cy", None, None, None)
    finally:
        db.dispose()
