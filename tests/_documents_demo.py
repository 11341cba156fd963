"""A demo course of 16 with hard names, for the document tests and for looking at the pages."""

from __future__ import annotations

from datetime import date

from escape_desktop.context import AppContext
from escape_desktop.db.models import Course
from escape_desktop.db.queries import course_by_code

HARD_NAMES = (
    ("Bartholomew-Alexander", "Featherstonehaugh-Montgomery"),
    ("Łukasz", "Żółć"),
    ("Nguyễn", "Thị Minh"),
)
NEVER_CAME = "Extra0 Demo-Filler"  # fillers are enrolled but never came


def course_of_sixteen(ctx: AppContext, today: date, code: str = "KH-2026-002") -> int:
    """Fill the course up to 16 people; the three with hard names came to the first session
    (so they have a progress page), the fillers never came. Returns the course id."""
    from escape_desktop.services.attendance import mark_attendance
    from escape_desktop.services.documents import course_info
    from escape_desktop.services.participants import ParticipantInput, enrol_participant

    with ctx.db.read() as s:
        course = course_by_code(s, code)
        cid = course.id
        first = min(
            (x for x in course.sessions if not x.cancelled and x.date <= today),
            key=lambda x: x.number,
        )
        first_id = first.id
    # People on the course as the documents count them (not withdrawn, not "did not start")
    have = len(course_info(ctx, cid, today).people())
    with ctx.db.transaction() as s:
        s.get(Course, cid).capacity = 24
    names = list(HARD_NAMES)
    i = 0
    while have < 16 or names:
        hard = bool(names)
        first_name, last = names.pop(0) if names else (f"Extra{i}", "Demo-Filler")
        if not hard:
            i += 1
        _, enrolment_id = enrol_participant(
            ctx, cid, ParticipantInput(first_name=first_name, last_name=last)
        )
        if hard:
            mark_attendance(ctx, enrolment_id, first_id, "present")
        have += 1
    return cid
