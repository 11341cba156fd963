"""A demo course of 16 with hard names, for the document tests and for looking at the pages."""

from __future__ import annotations

from escape_desktop.context import AppContext
from escape_desktop.db.models import Course
from escape_desktop.db.queries import course_by_code

HARD_NAMES = (
    ("Bartholomew-Alexander", "Featherstonehaugh-Montgomery"),
    ("Łukasz", "Żółć"),
    ("Nguyễn", "Thị Minh"),
)


def course_of_sixteen(ctx: AppContext, code: str = "KH-2026-002") -> int:
    """Fill the course up to 16 people, three of them with the hard names; returns its id."""
    from escape_desktop.services.participants import ParticipantInput, enrol_participant

    with ctx.db.read() as s:
        course = course_by_code(s, code)
        cid = course.id
        have = len(course.enrolments)
    with ctx.db.transaction() as s:
        s.get(Course, cid).capacity = 20
    names = list(HARD_NAMES)
    i = 0
    while have < 16 or names:
        first, last = names.pop(0) if names else (f"Extra{i}", "Demo-Filler")
        enrol_participant(ctx, cid, ParticipantInput(first_name=first, last_name=last))
        have += 1
        i += 1
    return cid
