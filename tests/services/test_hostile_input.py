"""Hostile input: every service either stores text and numbers exactly or refuses them with
a ValidationError that says what to do; it never crashes and never half-writes."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from escape_desktop.context import AppContext
from escape_desktop.db.models import (
    Assessment,
    Course,
    Enrolment,
    ExerciseRecord,
    Instructor,
    Participant,
    Session,
    Venue,
)
from escape_desktop.services import (
    assessments,
    attendance,
    courses,
    exercise,
    participants,
    retention,
    safety_settings,
)
from escape_desktop.services.errors import NotFound, ValidationError

NASTY = [
    '=HYPERLINK("http://x","click")',
    "+SUM(A1:A9)",
    "-2+3",
    "@cmd",
    "\tTabbed",
    "'; DROP TABLE participants; --",
    "Robert'); DELETE FROM courses WHERE ('1'='1",
    "\u202eevil\u202c txt.exe",
    "مرحبا بالعالم",
    "שלום",
    "👩🏽‍⚕️🦵🏿 knee",
    "Zoë Siân Łukasz Nguyễn Ó Briain",
    "a\x00b",
    "\x1b[31mred",
    "line\nbreak",
    "\r\n",
    "\ud800lonely",
    "\ufeffbom",
    "e\u0301",  # combining accent
    "%_\\",
    "x" * 5001,
    "y" * 201,
    "",
    "   ",
]
hostile_text = st.one_of(
    st.sampled_from(NASTY),
    st.text(max_size=300),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=50),
    st.builds(lambda a, b: a + b, st.sampled_from(NASTY), st.text(max_size=20)),
)
hostile_number = st.one_of(
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(["", " 3 ", "3.0", "1e3", "NaN", "inf", "-0", "٣", "½", "3,5", "0x10", "10²"]),
    st.text(max_size=10),
    st.none(),
    st.booleans(),
)
SETTINGS = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def refused_clearly(e: ValidationError) -> None:
    assert e.field and e.message
    assert e.message[0].isupper() and e.message.rstrip().endswith((".", "?"))
    assert "Traceback" not in e.message


def first_ids(ctx: AppContext) -> tuple[int, int, int]:
    """A course, one of its non-cancelled sessions, and an enrolment on it."""
    with ctx.db.read() as s:
        e = s.scalars(select(Enrolment).order_by(Enrolment.id)).first()
        sess = s.scalars(
            select(Session).where(Session.course_id == e.course_id, Session.cancelled.is_(False))
        ).first()
        return e.course_id, sess.id, e.id


@SETTINGS
@given(first=hostile_text, last=hostile_text, notes=hostile_text, phone=hostile_text)
def test_participant_text(demo_ctx: AppContext, first, last, notes, phone) -> None:  # type: ignore[no-untyped-def]
    course_id, _, _ = first_ids(demo_ctx)
    with demo_ctx.db.read() as s:
        s.get(Course, course_id)
    data = participants.ParticipantInput(
        first_name=first, last_name=last, notes=notes, phone=phone, consent_programme=True
    )
    try:
        with demo_ctx.db.transaction() as s:  # room on the course for every example
            s.get(Course, course_id).capacity = 40
        pid, eid = participants.enrol_participant(demo_ctx, course_id, data)
    except ValidationError as e:
        refused_clearly(e)
        return
    with demo_ctx.db.read() as s:
        p = s.get(Participant, pid)
        assert (p.first_name, p.last_name, p.notes, p.phone) == (
            first.strip(),
            last.strip(),
            notes.strip(),
            phone.strip(),
        )
    participants.remove_enrolment(demo_ctx, eid)


@SETTINGS
@given(title=hostile_text, venue=hostile_text, notes=hostile_text, code=hostile_text,
       capacity=hostile_number, start_time=hostile_text)  # fmt: skip
def test_course_fields(
    demo_ctx: AppContext, title, venue, notes, code, capacity, start_time
) -> None:  # type: ignore[no-untyped-def]
    data = courses.CourseInput(
        title=title, programme_key="knee_hip", start_date=date(2027, 1, 4), weekdays=[0, 3],
        venue=venue, notes=notes, code=code, capacity=capacity, start_time=start_time,
    )  # fmt: skip
    try:
        cid = courses.create_course(demo_ctx, data)
    except ValidationError as e:
        refused_clearly(e)
        return
    with demo_ctx.db.read() as s:
        c = s.get(Course, cid)
        assert c.title == title.strip() and c.notes == notes.strip()
        assert (c.venue.name if c.venue else "") == venue.strip()
        if code.strip():
            assert c.code == code.strip()
        assert c.capacity == int(float(str(capacity).strip()))


@SETTINGS
@given(topic=hostile_text, notes=hostile_text, staff=hostile_text, reason=hostile_text)
def test_session_text(demo_ctx: AppContext, topic, notes, staff, reason) -> None:  # type: ignore[no-untyped-def]
    _, session_id, _ = first_ids(demo_ctx)
    calls = [
        (courses.set_session_topic, topic, "topic"),
        (courses.set_session_notes, notes, "notes"),
        (courses.set_staff_present, staff, "staff_present"),
    ]
    for fn, value, attr in calls:
        with demo_ctx.db.read() as s:
            before = getattr(s.get(Session, session_id), attr)
        try:
            fn(demo_ctx, session_id, value)
        except ValidationError as e:
            refused_clearly(e)
            expected = before  # nothing half-written
        else:
            expected = value.strip()
        with demo_ctx.db.read() as s:
            assert getattr(s.get(Session, session_id), attr) == expected


@SETTINGS
@given(name=hostile_text, other=hostile_text)
def test_venue_instructor_closure(demo_ctx: AppContext, name, other) -> None:  # type: ignore[no-untyped-def]
    for fn, model in ((courses.add_venue, Venue), (courses.add_instructor, Instructor)):
        try:
            new_id = fn(demo_ctx, name, other)
        except ValidationError as e:
            refused_clearly(e)
            continue
        with demo_ctx.db.read() as s:
            assert s.get(model, new_id).name == name.strip()
    try:
        courses.add_closure(demo_ctx, "2027-02-01", other, name)
    except ValidationError as e:
        refused_clearly(e)


@SETTINGS
@given(level=hostile_number, target=hostile_number, achieved=hostile_number,
       pain=hostile_number, effort=hostile_number, note=hostile_text)  # fmt: skip
def test_exercise_record(demo_ctx: AppContext, level, target, achieved, pain, effort, note) -> None:  # type: ignore[no-untyped-def]
    _, session_id, enrolment_id = first_ids(demo_ctx)
    data = exercise.ExerciseInput(level, target, achieved, pain, effort, note)
    try:
        rid = exercise.record_exercise(demo_ctx, enrolment_id, session_id, "sit_to_stand", data)
    except ValidationError as e:
        refused_clearly(e)
        return
    with demo_ctx.db.read() as s:
        r = s.get(ExerciseRecord, rid)
        assert r.note == note.strip()
        assert r.level + 1 == int(float(str(level).strip()))
        assert r.target_dose == float(str(target).strip())
        assert r.pain is None or 0 <= r.pain <= 10
        assert r.effort is None or 0 <= r.effort <= 10


@SETTINGS
@given(
    score=hostile_number,
    answer=hostile_number,
    timepoint=st.sampled_from(["start", "end", "x", ""]),
)
def test_assessments(demo_ctx: AppContext, score, answer, timepoint) -> None:  # type: ignore[no-untyped-def]
    _, _, enrolment_id = first_ids(demo_ctx)
    try:
        aid = assessments.record_assessment(
            demo_ctx, enrolment_id, timepoint, "pain_nrs", score=score
        )
    except ValidationError as e:
        refused_clearly(e)
    else:
        with demo_ctx.db.read() as s:
            stored = s.get(Assessment, aid).score
        # pain is whole numbers: float noise (2e-103) snaps to the whole number it is
        assert abs(stored - float(str(score).strip())) <= 1e-6 and 0 <= stored <= 10
        assert stored == int(stored)
    try:
        assessments.record_assessment(
            demo_ctx, enrolment_id, "end", "confidence_items",
            answers={"exercise": answer, "flare_up": 5, "stay_active": 5, "nonsense": answer},
        )  # fmt: skip
    except ValidationError as e:
        refused_clearly(e)


@SETTINGS
@given(mark=st.one_of(hostile_text, st.sampled_from(["present", "absent", "apologies"])))
def test_register_marks(demo_ctx: AppContext, mark) -> None:  # type: ignore[no-untyped-def]
    _, session_id, enrolment_id = first_ids(demo_ctx)
    try:
        attendance.mark_attendance(demo_ctx, enrolment_id, session_id, mark)
    except ValidationError as e:
        refused_clearly(e)


@SETTINGS
@given(reason=hostile_text, when=hostile_text)
def test_withdraw_reason(demo_ctx: AppContext, reason, when) -> None:  # type: ignore[no-untyped-def]
    _, _, enrolment_id = first_ids(demo_ctx)
    try:
        participants.withdraw(demo_ctx, enrolment_id, reason, when or None)
    except ValidationError as e:
        refused_clearly(e)
        return
    with demo_ctx.db.read() as s:
        assert s.get(Enrolment, enrolment_id).withdrawn_reason == reason.strip()
    participants.reinstate(demo_ctx, enrolment_id)


@SETTINGS
@given(minutes=hostile_number, years=hostile_number, folder=hostile_text)
def test_safety_settings(demo_ctx: AppContext, minutes, years, folder) -> None:  # type: ignore[no-untyped-def]
    for fn, value in (
        (safety_settings.set_idle_lock_minutes, minutes),
        (safety_settings.set_retention_years, years),
        (safety_settings.set_backup_folder, folder),
    ):
        try:
            fn(demo_ctx, value)
        except ValidationError as e:
            refused_clearly(e)
    got = safety_settings.get_settings(demo_ctx)
    assert 0 <= got.idle_lock_minutes <= 240 and 1 <= got.retention_years <= 100


@SETTINGS
@given(reason=hostile_text)
def test_erase_reason(demo_ctx: AppContext, reason) -> None:  # type: ignore[no-untyped-def]
    with demo_ctx.db.read() as s:
        pid = s.scalars(select(Participant.id).order_by(Participant.id.desc())).first()
        course_id = s.scalars(select(Course.id).order_by(Course.id)).first()
    if pid is None:  # every demo person was erased by earlier examples: add one
        pid, _ = participants.enrol_participant(
            demo_ctx,
            course_id,
            participants.ParticipantInput("Ada", "Demo-Extra", consent_programme=True),
        )
    try:
        retention.erase_participant(demo_ctx, pid, reason)
    except ValidationError as e:
        refused_clearly(e)
        return
    except NotFound:
        pytest.fail("the person was there")
    with demo_ctx.db.read() as s:
        assert s.get(Participant, pid) is None
