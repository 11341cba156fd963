"""Station set-up: which stations a course uses, in what order, and a site's own stations."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, replace

from sqlalchemy import select

from escape_desktop.context import AppContext
from escape_desktop.db.models import (
    CourseStation,
    CustomStation,
)
from escape_desktop.i18n import N_, _
from escape_desktop.programme.content import DOSE_KINDS, Station

from ..changes import Changes, Done, nothing
from ..common import audit, clean_text, parse_float
from ..errors import ValidationError
from ..exercise import MAX_DOSE, custom_to_station
from .grid import (
    _circuit_keys,
    _course,
    _resolve,
)

DOSE_KIND_LABELS: dict[str, str] = {
    "repetitions": "Repetitions",
    "seconds": "Seconds",
    "load_kg": "Weight (kg)",
    "step_cm": "Step height (cm)",
    "minutes": "Minutes",
}


@dataclass(frozen=True)
class CourseStationInfo:
    key: str
    name: str
    active: bool
    custom: bool


# --------------------------------------------------------------------------- stations


def available_stations(ctx: AppContext) -> list[Station]:
    """Every station a course can use: the shipped library and the site's own, by name."""
    with ctx.db.read() as s:
        custom = [custom_to_station(r) for r in s.scalars(select(CustomStation))]
    merged = {st.key: st for st in ctx.library.stations.values()}
    for st in custom:
        merged.setdefault(st.key, st)
    return sorted(merged.values(), key=lambda st: st.name.casefold())


def course_stations(ctx: AppContext, course_id: int) -> list[CourseStationInfo]:
    """The course's circuit in order (active first), then stations taken out of it."""
    with ctx.db.read() as s:
        course = _course(s, course_id)
        active, inactive = _circuit_keys(ctx, s, course)
        defs = _resolve(ctx, s, active + inactive)
        return [
            CourseStationInfo(k, defs[k].name, k in active, k not in ctx.library.stations)
            for k in active + inactive
        ]


def set_course_stations(ctx: AppContext, course_id: int, keys: Sequence[str]) -> None:
    """Make ``keys`` the course's circuit, in that order. Stations left out are kept as
    inactive (their results stay in history), never deleted."""
    keys = list(keys)
    if not keys:
        raise ValidationError("stations", _("Keep at least one station in the circuit."))
    if len(set(keys)) != len(keys):
        raise ValidationError("stations", _("A station is listed twice; keep it once."))
    with ctx.db.transaction() as s:
        course = _course(s, course_id)
        defs = _resolve(ctx, s, keys)
        unknown = [k for k in keys if defs[k].name.endswith("(not in the library)")]
        if unknown:
            raise ValidationError(
                "stations",
                _("The exercise '{unknown}' is not in the library; choose another.").format(
                    unknown=unknown[0]
                ),
            )
        existing = {
            r.station_key: r
            for r in s.scalars(select(CourseStation).where(CourseStation.course_id == course_id))
        }
        if not existing:  # first change: start from the template's circuit
            template_keys, _others = _circuit_keys(ctx, s, course)
            for pos, key in enumerate(template_keys):
                row = CourseStation(course_id=course_id, station_key=key, position=pos, active=True)
                s.add(row)
                existing[key] = row
        for pos, key in enumerate(keys):
            found = existing.get(key)
            if found is None:
                found = CourseStation(course_id=course_id, station_key=key)
                s.add(found)
                existing[key] = found
            row = found
            row.position, row.active = pos, True
        wanted = set(keys)
        extra = len(keys)
        for key, row in sorted(existing.items(), key=lambda kv: kv[1].position):
            if key not in wanted:
                row.active, row.position = False, extra
                extra += 1
        audit(s, ctx.actor, "set_course_stations", "course", course_id, ",".join(keys))


def _slug(name: str) -> str:
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    text = re.sub(r"[^a-z0-9]+", "_", text).strip("_")
    return text[:50] or "exercise"


def add_custom_station(
    ctx: AppContext,
    *,
    name: str,
    dose_kind: str,
    dose_unit: str,
    levels: Sequence[tuple[str, str, float | str]],
    description: str = "",
) -> Station:
    """Add the site's own exercise with its levels (easiest first: name, description,
    target dose). Returns it with its new key (``custom_...``)."""
    name = clean_text(name, "name", N_("The exercise name"), required=True, max_len=200)
    if dose_kind not in DOSE_KINDS:
        raise ValidationError("dose_kind", _("Choose how the dose is counted (e.g. repetitions)."))
    dose_unit = clean_text(dose_unit, "dose_unit", N_("The dose unit"), required=True, max_len=20)
    description = clean_text(description, "description", N_("The description"), max_len=1000)
    if not levels:
        raise ValidationError("levels", _("Add at least one level, easiest first."))
    parsed: list[dict] = []
    seen: set[str] = set()
    for i, (lv_name, lv_desc, lv_target) in enumerate(levels, start=1):
        lv_name = clean_text(
            lv_name, "levels", _("The name of level {i}").format(i=i), required=True, max_len=200
        )
        if lv_name.casefold() in seen:
            raise ValidationError(
                "levels", _("Level {i} has the same name as another; rename it.").format(i=i)
            )
        seen.add(lv_name.casefold())
        target = parse_float(
            lv_target, "levels", _("The target dose of level {i}").format(i=i), 0, MAX_DOSE
        )
        assert target is not None
        if target <= 0:
            raise ValidationError(
                "levels", _("The target dose of level {i} must be more than 0.").format(i=i)
            )
        if dose_kind in ("repetitions", "seconds", "step_cm") and not target.is_integer():
            raise ValidationError(
                "levels", _("The target dose of level {i} must be a whole number.").format(i=i)
            )
        parsed.append(
            {
                "name": lv_name,
                "description": clean_text(
                    lv_desc, "levels", _("The description of level {i}").format(i=i)
                ),
                "target_dose": target,
            }
        )
    with ctx.db.transaction() as s:
        taken = set(ctx.library.stations) | set(s.scalars(select(CustomStation.key)))
        if any(n.casefold() == name.casefold() for n in s.scalars(select(CustomStation.name))):
            raise ValidationError(
                "name",
                _("There is already an exercise called {name}; use another name.").format(
                    name=name
                ),
            )
        base = "custom_" + _slug(name)
        key, n = base, 2
        while key in taken:
            key, n = f"{base}_{n}", n + 1
        row = CustomStation(
            key=key,
            name=name,
            dose_kind=dose_kind,
            dose_unit=dose_unit,
            description=description,
            levels=parsed,
        )
        s.add(row)
        s.flush()
        audit(s, ctx.actor, "add_custom_station", "custom_station", row.id, key)
        return custom_to_station(row)


# --------------------------------------------------------------------------- for the window


def choose_stations(ctx: AppContext, course_id: int, keys: Sequence[str]) -> Done[None]:
    """``set_course_stations``, saying what it did; undo puts the earlier circuit back."""
    before = [c.key for c in course_stations(ctx, course_id) if c.active]
    set_course_stations(ctx, course_id, keys)
    after = list(keys)
    if after == before:
        return nothing(None)

    def undo() -> Done[None]:
        done = choose_stations(ctx, course_id, before)
        return replace(done, undo=lambda: choose_stations(ctx, course_id, after))

    return Done(
        None,
        Changes.STATION,
        (course_id,),
        label=_("the circuit's stations"),
        undo=undo,
        message=_("Circuit stations saved."),
    )
