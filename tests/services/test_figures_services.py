"""The services that read figures from programme.status: demo realism, make-up sessions, certificates."""

from collections import Counter
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from escape_desktop.db import first_screen
from escape_desktop.db.models import Assessment, Course, Enrolment, Participant, Session
from escape_desktop.library import closure_lists
from escape_desktop.programme.status import (
    COMPLETED,
    DID_NOT_COMPLETE,
    DID_NOT_START,
    IN_PROGRESS,
    NOT_STARTED_YET,
    WITHDRAWN,
)
from escape_desktop.services import attendance, certificates, courses
from escape_desktop.services.courses import CourseInput
from escape_desktop.services.errors import ValidationError
from escape_desktop.services.figures import course_figures
from escape_desktop.services.participants import (
    ParticipantInput,
    enrol_participant,
    set_joined_at,
)


def _ids(ctx) -> dict[str, int]:
    with ctx.db.read() as s:
        return dict(s.execute(select(Course.code, Course.id)).all())


def test_demo_has_every_status_and_realistic_schedules(demo_ctx, demo_today):
    ids = _ids(demo_ctx)
    seen: Counter[str] = Counter()
    phases = set()
    late_joiner = False
    for cid in ids.values():
        figures = course_figures(demo_ctx, cid, demo_today)
        phases.add(figures.summary.phase)
        seen.update(p.status for p in figures.people.values())
        # Completers are only claimed once a course is finished.
        assert (figures.summary.completers is None) == (figures.summary.phase != "finished")
    assert phases == {"upcoming", "running", "finished"}
    for status in (
        NOT_STARTED_YET,
        DID_NOT_START,
        IN_PROGRESS,
        COMPLETED,
        DID_NOT_COMPLETE,
        WITHDRAWN,
    ):
        assert seen[status] >= 1, status
    bank = {d for d, _ in closure_lists()["england-and-wales"].days}
    with demo_ctx.db.read() as s:
        sessions = s.scalars(select(Session)).all()
        assert not any(x.date in bank for x in sessions)
        # Every cancelled session in the past has a make-up, so courses keep 12 sessions.
        for cid in ids.values():
            mine = [x for x in sessions if x.course_id == cid]
            if any(x.cancelled for x in mine):
                assert sum(1 for x in mine if not x.cancelled) == 12
        # A withdrawn person came first at least once somewhere in the demo.
        withdrawn = s.scalars(select(Enrolment).where(Enrolment.status == "withdrawn")).all()
        assert withdrawn
        for e in s.scalars(select(Enrolment)):
            late_joiner = late_joiner or e.joined_session > 1
        # Knee questionnaires only for knees, hip ones only for hips.
        rows = s.execute(
            select(Participant.joints, Assessment.instrument_key)
            .join(Enrolment, Enrolment.participant_id == Participant.id)
            .join(Assessment, Assessment.enrolment_id == Enrolment.id)
        ).all()
    assert late_joiner
    assert any(k == "koos_ps" for _, k in rows) and any(k == "hoos_ps" for _, k in rows)
    for joints, key in rows:
        if key == "koos_ps":
            assert "knee" in joints.split(",")
        if key == "hoos_ps":
            assert "hip" in joints.split(",")


def test_register_standing_and_certificates_agree_with_the_figures(demo_ctx, demo_today):
    for cid in _ids(demo_ctx).values():
        figures = course_figures(demo_ctx, cid, demo_today)
        standing = attendance.register_standing(demo_ctx, cid, demo_today)
        assert {k: v.status for k, v in standing.items()} == figures.people
        listed = certificates.certificate_list(demo_ctx, cid, demo_today)
        completed = {k for k, v in figures.people.items() if v.status == COMPLETED}
        if figures.summary.phase == "finished":
            assert {p.enrolment_id for p in listed.people} == completed
            assert all(p.planned_sessions == 12 and not p.early for p in listed.people)
        else:
            assert not completed
            # Early certificates only for people who have already attended enough.
            assert all(figures.people[p.enrolment_id].needs == 0 for p in listed.people)


def _course(ctx, start="2026-03-02") -> int:
    return courses.create_course(
        ctx,
        CourseInput(
            title="Make-up test", programme_key="knee_hip", start_date=start, weekdays=[0, 3]
        ),
    )


def test_cancelled_session_offers_a_make_up_after_the_last_session(ctx):
    cid = _course(ctx)
    with ctx.db.read() as s:
        sessions = s.scalars(
            select(Session).where(Session.course_id == cid).order_by(Session.number)
        ).all()
        fifth, last = sessions[4], sessions[-1]
    assert courses.make_up_offer(ctx, fifth.id, date(2026, 3, 1)) is None  # not cancelled
    courses.cancel_session(ctx, fifth.id, "Hall flooded")
    offer = courses.make_up_offer(ctx, fifth.id, date(2026, 3, 1))
    assert offer is not None and offer.day > last.date and offer.day.weekday() in (0, 3)
    assert (offer.live_sessions, offer.planned_sessions) == (11, 12)
    new_id = courses.add_make_up_session(ctx, fifth.id, today=date(2026, 3, 1))
    with ctx.db.read() as s:
        new = s.get(Session, new_id)
        assert (new.number, new.date, new.topic) == (13, offer.day, fifth.topic)
    # The course is whole again: nothing more to offer, and a second make-up is refused.
    assert courses.make_up_offer(ctx, fifth.id, date(2026, 3, 1)) is None
    with pytest.raises(ValidationError):
        courses.add_make_up_session(ctx, fifth.id, today=date(2026, 3, 1))
    assert course_figures(ctx, cid, date(2026, 3, 1)).summary.sessions_planned == 12


def test_make_up_skips_bank_holidays_and_closures(ctx):
    # A course whose last session is the Thursday before Easter 2026 (2 April).
    start = date(2026, 2, 23)
    cid = _course(ctx, start.isoformat())
    with ctx.db.read() as s:
        sessions = s.scalars(
            select(Session).where(Session.course_id == cid).order_by(Session.number)
        ).all()
    assert sessions[-1].date == date(2026, 4, 2)
    courses.add_closure(ctx, "2026-04-09", "Venue decorating")
    courses.cancel_session(ctx, sessions[0].id)
    offer = courses.make_up_offer(ctx, sessions[0].id, start)
    # Easter Monday 6 April is a bank holiday, 9 April is closed: Monday 13 April.
    assert offer is not None and offer.day == date(2026, 4, 13)


def test_late_joiner_on_the_register_is_not_charged_for_earlier_sessions(ctx):
    cid = _course(ctx)
    with ctx.db.read() as s:
        sessions = s.scalars(
            select(Session).where(Session.course_id == cid).order_by(Session.number)
        ).all()
    _, eid = enrol_participant(
        ctx, cid, ParticipantInput(first_name="Lee", last_name="Demo-Late", consent_programme=True)
    )
    # Joined late: the instructor says so (the day they were typed in plays no part).
    set_joined_at(ctx, eid, 5)
    for x in sessions[4:8]:
        attendance.mark_attendance(ctx, eid, x.id, "present")
    standing = attendance.register_standing(ctx, cid, sessions[7].date)[eid]
    assert (standing.status.held, standing.status.attended) == (4, 4)
    assert standing.text == "On track"


def test_headline_proportions_come_from_three_measures_and_raw_pairs(demo_ctx):
    from sqlalchemy import text

    from escape_desktop.services.figures import headline_proportions

    cid = _ids(demo_ctx)["BK-2026-001"]
    props = headline_proportions(demo_ctx, cid)
    keys = [p.instrument_key for p in props]
    assert keys == ["chair_stand_30s", "pain_nrs", "msk_hq"]  # no measure twice
    with demo_ctx.db.engine.connect() as c:
        pairs = c.execute(
            text(
                "SELECT a.score, b.score FROM assessments a JOIN assessments b"
                " ON a.enrolment_id = b.enrolment_id AND a.instrument_key = b.instrument_key"
                " JOIN enrolments e ON e.id = a.enrolment_id"
                " WHERE a.timepoint = 'start' AND b.timepoint = 'end'"
                " AND a.instrument_key = 'pain_nrs' AND e.course_id = :cid"
            ),
            {"cid": cid},
        ).all()
    pain = props[1]
    assert pain.improved.denominator == len(pairs) > 0
    assert pain.improved.numerator == sum(1 for s, e in pairs if e < s)
    assert pain.worse.numerator == sum(1 for s, e in pairs if e > s)
    # MSK-HQ has no confirmed threshold: no "meaningful" claim is made for it.
    assert props[2].meaningful is None


def test_course_list_counts_match_each_course_summary(demo_ctx, demo_today):
    listed = courses.course_list_figures(demo_ctx, demo_today)
    assert len(listed) == 7  # four of this season, three older ones being followed up
    for row in listed:
        summary = course_figures(demo_ctx, row.course_id, demo_today).summary
        data = row.as_json()
        assert data["participants"] == summary.enrolled - summary.withdrawn
        assert data["started"] == summary.started
        if row.status == "running":
            assert data["completers"] is None and data["completion_rate"] is None
            assert data["on_track"] is not None
        if row.status == "finished":
            assert data["completers"] == summary.completers is not None


def test_a_course_closed_early_stops_counting_sessions_as_their_days_pass(ctx):
    # Closed after four sessions; a month later the sessions it no longer runs are past.
    # They were never held: the figures stay those of the day it closed, on every reader.
    cid = _course(ctx)
    with ctx.db.read() as s:
        sessions = s.scalars(
            select(Session).where(Session.course_id == cid).order_by(Session.number)
        ).all()
    _, eid = enrol_participant(
        ctx,
        cid,
        ParticipantInput(first_name="Cal", last_name="Demo-Closed", consent_programme=True),
    )
    with ctx.db.transaction() as s:
        s.get(Enrolment, eid).enrolled_on = sessions[0].date
    for x in sessions[:4]:
        attendance.mark_attendance(ctx, eid, x.id, "present")
    courses.close_course(ctx, cid, sessions[3].date)
    later = sessions[8].date + timedelta(days=1)
    figures = course_figures(ctx, cid, later)
    assert figures.summary.sessions_delivered == 4
    assert (figures.people[eid].status, figures.people[eid].held) == (COMPLETED, 4)
    assert figures.summary.completers == 1
    assert attendance.register_standing(ctx, cid, later)[eid].status.status == COMPLETED
    with ctx.db.raw_read() as conn:
        listed = first_screen.course_summaries(conn, later)
    assert [(x.sessions_delivered, x.completers) for x in listed] == [(4, 1)]
