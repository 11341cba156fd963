"""Site settings kept in the database: default programme, large text, and the lists of venues and instructors."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from escape_desktop.context import AppContext
from escape_desktop.db.models import Course, Instructor, Venue
from escape_desktop.i18n import _

from . import settings_registry as registry
from .changes import Changes, Done, nothing
from .common import audit
from .courses import add_instructor, add_venue
from .errors import ValidationError

# The stored keys (db.first_screen reads LARGE_TEXT before any service loads; a test keeps
# them equal).
DEFAULT_PROGRAMME = registry.DEFAULT_PROGRAMME.key
LARGE_TEXT = registry.LARGE_TEXT.key
FIRST_RUN_DONE = registry.FIRST_RUN_DONE.key

__all__ = [
    "SiteSettings",
    "load",
    "set_default_programme",
    "set_large_text",
    "mark_first_run_done",
    "bank_holidays",
    "set_bank_holidays",
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


def load(ctx: AppContext) -> SiteSettings:
    """All settings in one read, with defaults for what was never set."""
    values = registry.stored(ctx)
    programme = registry.get(ctx, registry.DEFAULT_PROGRAMME, values)
    if programme not in ctx.library.templates:
        programme = "knee_hip" if "knee_hip" in ctx.library.templates else ""
        if not programme and ctx.library.templates:
            programme = sorted(ctx.library.templates)[0]
    return SiteSettings(
        default_programme=programme,
        large_text=registry.get(ctx, registry.LARGE_TEXT, values),
        first_run_done=registry.get(ctx, registry.FIRST_RUN_DONE, values),
    )


def set_default_programme(ctx: AppContext, key: str) -> Done[None]:
    return registry.set(ctx, registry.DEFAULT_PROGRAMME, key)


def bank_holidays(ctx: AppContext) -> str:
    """Which bank-holiday list new schedules skip: a list's key, or "none"."""
    return registry.get(ctx, registry.BANK_HOLIDAYS)


def set_bank_holidays(ctx: AppContext, key: str) -> Done[None]:
    return registry.set(ctx, registry.BANK_HOLIDAYS, key)


def set_large_text(ctx: AppContext, on: bool) -> Done[None]:
    return registry.set(ctx, registry.LARGE_TEXT, on)


def mark_first_run_done(ctx: AppContext) -> Done[None]:
    return registry.set(ctx, registry.FIRST_RUN_DONE, True)


def venues(ctx: AppContext) -> list[str]:
    with ctx.db.read() as s:
        return list(s.scalars(select(Venue.name).order_by(Venue.name)))


def instructors(ctx: AppContext) -> list[str]:
    with ctx.db.read() as s:
        return list(s.scalars(select(Instructor.name).order_by(Instructor.name)))


SAVED = "Saved: settings"


def new_venue(ctx: AppContext, name: str) -> Done[int]:
    """Add a venue to the list (``courses.add_venue``); the value is its id."""
    return Done(add_venue(ctx, name), Changes.SETTINGS, message=SAVED)


def new_instructor(ctx: AppContext, name: str) -> Done[int]:
    """Add an instructor to the list (``courses.add_instructor``); the value is their id."""
    return Done(add_instructor(ctx, name), Changes.SETTINGS, message=SAVED)


def remove_venue(ctx: AppContext, name: str) -> Done[None]:
    """Remove a venue from the list; courses held there keep their history, so it must be unused."""
    with ctx.db.transaction() as s:
        venue = s.scalar(select(Venue).where(Venue.name == name))
        if venue is None:
            return nothing(None)
        used = s.scalar(select(Course.code).where(Course.venue_id == venue.id).limit(1))
        if used is not None:
            raise ValidationError(
                "venue",
                _("{name} is used by course {used}; it stays in the list.").format(
                    name=name, used=used
                ),
            )
        s.delete(venue)
        audit(s, ctx.actor, "remove_venue", "venue", venue.id, name)
    return Done(None, Changes.SETTINGS, message=SAVED)


def remove_instructor(ctx: AppContext, name: str) -> Done[None]:
    """Remove an instructor from the list; their courses keep them."""
    from escape_desktop.db.models import CourseInstructor

    with ctx.db.transaction() as s:
        person = s.scalar(select(Instructor).where(Instructor.name == name))
        if person is None:
            return nothing(None)
        used = s.scalar(
            select(Course.code)
            .join(CourseInstructor, CourseInstructor.course_id == Course.id)
            .where(CourseInstructor.instructor_id == person.id)
            .limit(1)
        )
        if used is not None:
            raise ValidationError(
                "instructor",
                _("{name} is named on course {used}; they stay in the list.").format(
                    name=name, used=used
                ),
            )
        s.delete(person)
        audit(s, ctx.actor, "remove_instructor", "instructor", person.id, name)
    return Done(None, Changes.SETTINGS, message=SAVED)
