"""Site settings kept in the database: default programme, large text, and the lists of venues and instructors."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from escape_desktop.context import AppContext
from escape_desktop.db.models import Course, Instructor, Setting, Venue

from .common import audit, clean_text
from .courses import add_instructor, add_venue
from .errors import ValidationError

DEFAULT_PROGRAMME = "default_programme"
LARGE_TEXT = "large_text"
FIRST_RUN_DONE = "first_run_done"

__all__ = [
    "SiteSettings",
    "load",
    "get",
    "set_value",
    "set_default_programme",
    "set_large_text",
    "mark_first_run_done",
    "venues",
    "instructors",
    "add_venue",
    "add_instructor",
    "remove_venue",
    "remove_instructor",
]


@dataclass(frozen=True)
class SiteSettings:
    default_programme: str
    large_text: bool
    first_run_done: bool


def get(ctx: AppContext, key: str, default: str = "") -> str:
    with ctx.db.read() as s:
        row = s.get(Setting, key)
        return row.value if row is not None else default


def set_value(ctx: AppContext, key: str, value: str) -> None:
    text = clean_text(value, key, "Setting", max_len=2000)
    with ctx.db.transaction() as s:
        row = s.get(Setting, key)
        if row is None:
            s.add(Setting(key=key, value=text))
        elif row.value == text:
            return
        else:
            row.value = text
        audit(s, ctx.actor, "set_setting", "setting", None, f"{key}={text[:80]}")


def load(ctx: AppContext) -> SiteSettings:
    """All settings in one read, with defaults for what was never set."""
    with ctx.db.read() as s:
        values = {row.key: row.value for row in s.scalars(select(Setting))}
    programme = values.get(DEFAULT_PROGRAMME, "")
    if programme not in ctx.library.templates:
        programme = "knee_hip" if "knee_hip" in ctx.library.templates else ""
        if not programme and ctx.library.templates:
            programme = sorted(ctx.library.templates)[0]
    return SiteSettings(
        default_programme=programme,
        large_text=values.get(LARGE_TEXT, "0") == "1",
        first_run_done=values.get(FIRST_RUN_DONE, "0") == "1",
    )


def set_default_programme(ctx: AppContext, key: str) -> None:
    if key not in ctx.library.templates:
        raise ValidationError("default_programme", "Choose a programme from the list.")
    set_value(ctx, DEFAULT_PROGRAMME, key)


def bank_holidays(ctx: AppContext) -> str:
    """Which bank-holiday list new schedules skip: a list's key, or "none"."""
    from .courses import BANK_HOLIDAYS, DEFAULT_BANK_HOLIDAYS

    return get(ctx, BANK_HOLIDAYS, DEFAULT_BANK_HOLIDAYS)


def set_bank_holidays(ctx: AppContext, key: str) -> None:
    from .courses import BANK_HOLIDAYS, bank_holiday_lists

    if key != "none" and key not in bank_holiday_lists(ctx):
        raise ValidationError("bank_holidays", "Choose a bank-holiday list from the list, or none.")
    set_value(ctx, BANK_HOLIDAYS, key)


def set_large_text(ctx: AppContext, on: bool) -> None:
    set_value(ctx, LARGE_TEXT, "1" if on else "0")


def mark_first_run_done(ctx: AppContext) -> None:
    set_value(ctx, FIRST_RUN_DONE, "1")


def venues(ctx: AppContext) -> list[str]:
    with ctx.db.read() as s:
        return list(s.scalars(select(Venue.name).order_by(Venue.name)))


def instructors(ctx: AppContext) -> list[str]:
    with ctx.db.read() as s:
        return list(s.scalars(select(Instructor.name).order_by(Instructor.name)))


def remove_venue(ctx: AppContext, name: str) -> None:
    """Remove a venue from the list; courses held there keep their history, so it must be unused."""
    with ctx.db.transaction() as s:
        venue = s.scalar(select(Venue).where(Venue.name == name))
        if venue is None:
            return
        used = s.scalar(select(Course.code).where(Course.venue_id == venue.id).limit(1))
        if used is not None:
            raise ValidationError(
                "venue", f"{name} is used by course {used}; it stays in the list."
            )
        s.delete(venue)
        audit(s, ctx.actor, "remove_venue", "venue", venue.id, name)


def remove_instructor(ctx: AppContext, name: str) -> None:
    """Remove an instructor from the list; their courses keep them."""
    from escape_desktop.db.models import CourseInstructor

    with ctx.db.transaction() as s:
        person = s.scalar(select(Instructor).where(Instructor.name == name))
        if person is None:
            return
        used = s.scalar(
            select(Course.code)
            .join(CourseInstructor, CourseInstructor.course_id == Course.id)
            .where(CourseInstructor.instructor_id == person.id)
            .limit(1)
        )
        if used is not None:
            raise ValidationError(
                "instructor", f"{name} is named on course {used}; they stay in the list."
            )
        s.delete(person)
        audit(s, ctx.actor, "remove_instructor", "instructor", person.id, name)
