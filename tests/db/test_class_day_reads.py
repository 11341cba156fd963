"""The window's class-day reads in plain SQL (db/class_day.py) give exactly what the SQLAlchemy
read model gives, so the two cannot drift (issue 29: the window is ready to mark before
SQLAlchemy is imported, and everything else still reads through it).

Over generated courses as they happen: cancelled sessions, sessions moved online, late
joiners, people withdrawn, courses typed in after they ran (every session past and marked),
courses closed early, Welsh names and people of the same name, up to 16 people, today on
the first, a middle or the last session.
"""

from __future__ import annotations

import itertools
from datetime import date, datetime, timedelta

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from escape_desktop.context import AppContext
from escape_desktop.db.models import (
    Assessment,
    Attendance,
    Course,
    CourseInstructor,
    Enrolment,
    Instructor,
    Participant,
    Session,
    Venue,
)
from escape_desktop.programme import status as status_rules
from escape_desktop.programme.today import measures_due
from escape_desktop.services import participants, reading, screening, today

TODAY = date(2026, 12, 8)
FIRST_NAMES = ["Siân", "Llŷr", "Gwenllïan", "Dafydd", "Ann", "Ŵyn", "Mary-Jane", "Ceri"]
LAST_NAMES = ["ap Dafydd", "Jones", "Ellis-Hughes", "Prŷs", "O'Brien", "Jones", "Williams"]
MARKS = ["present", "absent", "apologies", "present", None]
_ids = itertools.count(1)

person = st.fixed_dictionaries(
    {
        "first": st.sampled_from(FIRST_NAMES),
        "last": st.sampled_from(LAST_NAMES),
        "withdrawn": st.booleans(),
        "joined": st.integers(1, 4),  # late joiners start at session 2, 3 or 4
        "consent": st.sampled_from([None, True, False]),
        "share": st.sampled_from([None, True, False]),
        "screening": st.sampled_from(["not_screened", "clear", "needs_review", "cleared"]),
        "marks": st.lists(st.sampled_from(MARKS), min_size=12, max_size=12),
        "online": st.lists(st.booleans(), min_size=12, max_size=12),
        "measured": st.sampled_from([(), ("start",), ("start", "end")]),
    }
)
course = st.fixed_dictionaries(
    {
        "sessions": st.integers(1, 12),
        # Days from the first session to TODAY: negative = not started, larger than the
        # course = typed in after it ran; the third choice puts today on a session.
        "started_days_ago": st.one_of(st.integers(-20, 200), st.sampled_from([0, 3, 7])),
        "gap": st.sampled_from([3, 4, 7]),
        "cancelled": st.lists(st.booleans(), min_size=12, max_size=12),
        "moved_online": st.lists(st.booleans(), min_size=12, max_size=12),
        "mode": st.sampled_from(["in_person", "virtual", "hybrid"]),
        "closed": st.booleans(),
        "venue": st.booleans(),
        "instructors": st.lists(st.sampled_from(["Rhian", "Owain", "Bethan"]), unique=True),
        "people": st.lists(person, max_size=16),
    }
)


def _person(first: str, last: str, marks: list[str | None], **kw: object) -> dict:
    return {
        "first": first, "last": last, "withdrawn": False, "joined": 1, "consent": True,
        "share": True, "screening": "clear", "marks": marks + [None] * (12 - len(marks)),
        "online": [False] * 12, "measured": (), **kw,
    }  # fmt: skip


# A 16-person class typed in after it ran (every session past): two people absent at the
# last two live sessions before the last, a late joiner, a withdrawal, two of the same name,
# a screening to review, a consent not asked, the start measures taken by some.
P, A, S = "present", "absent", "apologies"
TYPED_IN_AFTER = {
    "sessions": 10, "started_days_ago": 120, "gap": 7, "cancelled": [False] * 12,
    "moved_online": [False] * 12, "mode": "hybrid", "closed": False, "venue": True,
    "instructors": ["Rhian"],
    "people": [
        _person("Siân", "Jones", [P] * 7 + [A, S, P]),
        _person("Siân", "Jones", [P] * 7 + [S, A, P], measured=("start",)),
        _person("Llŷr", "ap Dafydd", [None, None, P, P, A, P, P, P, P, P], joined=3),
        _person("Gwenllïan", "Prŷs", [P, A, A], withdrawn=True),
        _person("Ŵyn", "Ellis-Hughes", [A, P, P, P], screening="needs_review", consent=None),
        *[_person(f"Ann{i}", "Williams", [P] * 10, measured=("start", "end")) for i in range(11)],
    ],
}  # fmt: skip


def _make(ctx: AppContext, spec: dict) -> int:
    """Write one course as the services would leave it; its id."""
    n = next(_ids)
    first_day = TODAY - timedelta(days=spec["started_days_ago"])
    days = [first_day + timedelta(days=spec["gap"] * i) for i in range(spec["sessions"])]
    now = datetime(2026, 1, 1, 9, 0)
    with ctx.db.transaction() as s:
        venue = None
        if spec["venue"]:
            venue = Venue(name=f"Canolfan Hamdden {n}")
            s.add(venue)
        c = Course(
            code=f"CD{n:04d}",
            title=f"ESCAPE-pain Ysgol {n}",
            programme_key="escape_pain_knee_hip",
            venue=venue,
            start_date=days[0],
            weekdays="0,3",
            start_time="10:00",
            capacity=16,
            created_at=now,
            delivery_mode=spec["mode"],
            closed_on=days[len(days) // 2] if spec["closed"] else None,
        )
        s.add(c)
        s.flush()
        for name in spec["instructors"]:
            instructor = s.query(Instructor).filter_by(name=name).one_or_none()
            if instructor is None:
                instructor = Instructor(name=name)
                s.add(instructor)
                s.flush()
            s.add(CourseInstructor(course_id=c.id, instructor_id=instructor.id))
        sessions = []
        for i, d in enumerate(days):
            x = Session(
                course_id=c.id,
                number=i + 1,
                date=d,
                topic=f"Topic {i + 1}",
                cancelled=spec["cancelled"][i] and i % 3 == 1,  # about one in six
                cancel_reason="Storm" if spec["cancelled"][i] and i % 3 == 1 else "",
                online=spec["moved_online"][i] and i % 4 == 2,
                online_reason="Hall flooded" if spec["moved_online"][i] and i % 4 == 2 else "",
            )
            s.add(x)
            sessions.append(x)
        s.flush()
        for k, p in enumerate(spec["people"]):
            participant = Participant(
                code=f"P{n:04d}{k:02d}",
                first_name=p["first"],
                last_name=p["last"],
                created_at=now,
                consent_programme=p["consent"],
                consent_share=p["share"],
            )
            s.add(participant)
            s.flush()
            joined = min(p["joined"], len(days))
            e = Enrolment(
                participant_id=participant.id,
                course_id=c.id,
                status="withdrawn" if p["withdrawn"] else "enrolled",
                withdrawn_reason="Moved away" if p["withdrawn"] else "",
                withdrawn_on=days[-1] if p["withdrawn"] else None,
                enrolled_on=days[0] - timedelta(days=7),
                joined_session=joined,
                screening_status=p["screening"],
            )
            s.add(e)
            s.flush()
            for i, x in enumerate(sessions):
                mark = p["marks"][i]
                if mark is None or x.date > TODAY or i + 1 < joined:
                    continue
                s.add(
                    Attendance(
                        enrolment_id=e.id,
                        session_id=x.id,
                        mark=mark,
                        updated_at=now,
                        joined_online=mark == "present" and p["online"][i],
                    )
                )
            for timepoint in p["measured"]:
                s.add(
                    Assessment(
                        enrolment_id=e.id,
                        timepoint=timepoint,
                        instrument_key="koos_ps",
                        assessed_on=days[0],
                        updated_at=now,
                    )
                )
        return c.id


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(spec=course)
@example(spec=TYPED_IN_AFTER)
def test_the_plain_register_is_the_orm_register(ctx: AppContext, spec: dict) -> None:
    course_id = _make(ctx, spec)
    plain = reading.course_register(ctx, course_id)
    orm = reading.orm_register(ctx, course_id)
    assert orm is not None and len(orm.rows) == len(spec["people"])
    assert plain == orm  # every session, person, mark, name order, instructor, the heading
    # The figures the window shows from it are then the same too (programme.status).
    assert plain.figures(TODAY) == orm.figures(TODAY)
    assert reading.course_heading(ctx, course_id) == (orm.code, orm.title)
    # The register's reminder line: consents not asked, screenings to review.
    not_asked, review = reading.reminders(ctx, course_id)
    assert not_asked == {p.enrolment_id for p in participants.consent_not_asked(ctx, course_id)}
    assert review == screening.needing_review(ctx, course_id)


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(spec=course, which=st.sampled_from(["first", "middle", "last"]))
@example(spec=TYPED_IN_AFTER, which="last")
@example(spec=TYPED_IN_AFTER, which="first")
def test_the_today_brief_says_what_the_orm_register_says(
    ctx: AppContext, spec: dict, which: str
) -> None:
    """The Today panel's brief (plain SQL) against the same facts read through SQLAlchemy."""
    course_id = _make(ctx, spec)
    reg = reading.orm_register(ctx, course_id)
    assert reg is not None
    at = {"first": 0, "middle": len(reg.sessions) // 2, "last": len(reg.sessions) - 1}[which]
    sess = reg.sessions[at]
    got = today.brief(ctx, sess.id)
    live = [x for x in reg.sessions if not x.cancelled]
    held_before = [x for x in live if x.number < sess.number][-2:]
    with ctx.db.read() as s:
        measured = {
            (a.enrolment_id, a.timepoint)
            for a in s.query(Assessment).join(Enrolment).filter(Enrolment.course_id == course_id)
        }
    review = screening.needing_review(ctx, course_id)
    here = [r for r in reg.rows if r.status != status_rules.WITHDRAWN]
    assert [p.enrolment_id for p in got.due] == [r.enrolment_id for r in here]
    assert [p.name for p in got.due] == [r.name for r in here]
    assert (got.course_id, got.code, got.title, got.number, got.sessions, got.day) == (
        course_id,
        reg.code,
        reg.title,
        sess.number,
        len(reg.sessions),
        sess.date,
    )
    assert (got.cancelled, got.online, got.last) == (
        sess.cancelled,
        sess.online,
        bool(live) and live[-1].id == sess.id,
    )
    start, end, missed = [], [], []
    for r in here:
        came = [x.number for x in live if r.marks.get(x.id) == status_rules.PRESENT]
        due = measures_due([x.number for x in live], sess.number, min(came, default=None))
        if due == "start" and (r.enrolment_id, "start") not in measured:
            start.append(r.enrolment_id)
        if due == "end" and (r.enrolment_id, "end") not in measured:
            end.append(r.enrolment_id)
        if len(held_before) == 2 and all(
            r.marks.get(x.id) in (status_rules.ABSENT, status_rules.APOLOGIES) for x in held_before
        ):
            missed.append(r.enrolment_id)
    assert [p.enrolment_id for p in got.start_measures] == start
    assert [p.enrolment_id for p in got.end_measures] == end
    assert [p.enrolment_id for p in got.missed_two] == missed
    if spec is TYPED_IN_AFTER and which == "last":  # the example really says something
        assert len(missed) == 2 and len(start) == 0 and len(end) == 4
    assert [p.enrolment_id for p in got.review] == [
        r.enrolment_id for r in here if r.enrolment_id in review
    ]
