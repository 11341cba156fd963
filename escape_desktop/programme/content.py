"""Programme content model (templates, exercise stations, instruments) built from plain dicts.

The dicts usually come from TOML resource files; every field is validated and a
problem raises ContentError naming the source file and the field.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from escape_desktop.i18n import N_, _

from .errors import ContentError as ContentError
from .screening import Screening, parse_screening

__all__ = [
    "ContentError",
    "DOSE_KINDS",
    "DIRECTIONS",
    "INSTRUMENT_KINDS",
    "MISSING_RULES",
    "OUTCOME_DOMAINS",
    "DOMAIN_WORDS",
    "NOT_MEASURED",
    "NONE_PUBLISHED",
    "Level",
    "Station",
    "ProgressionRules",
    "SessionPlan",
    "ProgrammeTemplate",
    "InstrumentItem",
    "Instrument",
    "parse_station",
    "parse_template",
    "parse_instrument",
]

DOSE_KINDS: tuple[str, ...] = ("repetitions", "seconds", "load_kg", "step_cm", "minutes")
DIRECTIONS: tuple[str, ...] = ("higher_better", "lower_better")
INSTRUMENT_KINDS: tuple[str, ...] = ("items", "score")
MISSING_RULES: tuple[str, ...] = ("prorate", "none")
# The three headline domains; "wellbeing" is the key kept for quality of life and wellbeing.
OUTCOME_DOMAINS: tuple[str, ...] = ("function", "pain", "wellbeing")
DOMAIN_WORDS: dict[str, str] = {
    "function": "daily activities (function)",
    "pain": "pain",
    "wellbeing": "quality of life and wellbeing",
}
# A programme file says this for a headline domain it has no measure for.
NOT_MEASURED = "not_measured"
# An instrument's mid_source when no threshold has been published (or none was found).
NONE_PUBLISHED = "none published"

_KEY_RE = re.compile(r"^[a-z][a-z0-9_]*$")
_MAX_DECIMALS = 4


# --------------------------------------------------------------------------- model


@dataclass(frozen=True)
class Level:
    """One step of a station, easiest first, with the dose to aim for."""

    name: str
    description: str
    target_dose: float


@dataclass(frozen=True)
class Station:
    """An exercise station of the circuit with ordered levels."""

    key: str
    name: str
    dose_kind: str  # "repetitions" | "seconds" | "load_kg" | "step_cm" | "minutes"
    dose_unit: str
    levels: tuple[Level, ...]
    description: str = ""
    # How to do it at home, in the participant's words; empty: as in class.
    home: str = ""


@dataclass(frozen=True)
class ProgressionRules:
    """Thresholds used to suggest (never impose) a change of level or dose."""

    sessions_at_target: int = 2
    max_pain_to_progress: int = 3
    pain_to_step_back: int = 6
    max_effort_to_progress: int = 7
    dose_increment_fraction: float = 0.2


@dataclass(frozen=True)
class SessionPlan:
    """The default plan for one numbered session (its education topic)."""

    number: int
    topic: str
    notes: str = ""


@dataclass(frozen=True)
class ProgrammeTemplate:
    """A programme (e.g. knee & hip, or back) with its sessions, stations and measures."""

    key: str
    title: str
    condition: str
    sessions: tuple[SessionPlan, ...]
    stations: tuple[str, ...]
    instruments: tuple[str, ...]
    # Headline domain -> the one instrument behind it; a domain not measured is left out.
    outcome_instruments: dict[str, str] = field(hash=False)
    progression: ProgressionRules
    education_minutes: int
    exercise_minutes: int
    screening: Screening | None = None  # questions asked at enrolment (programme/screening.py)


@dataclass(frozen=True)
class InstrumentItem:
    """One question of an item-level instrument, answered with a whole number."""

    key: str
    text: str
    min: int
    max: int


@dataclass(frozen=True)
class Instrument:
    """A start/end measure: either a total score entered directly or a set of items."""

    key: str
    name: str
    kind: str  # "items" | "score"
    min: float
    max: float
    direction: str  # "higher_better" | "lower_better"
    decimals: int
    unit: str
    items: tuple[InstrumentItem, ...]
    max_missing_items: int
    missing_rule: str  # "prorate" | "none"
    mid: float | None  # smallest change (in the better direction) that counts as meaningful
    mid_source: str  # where `mid` comes from, or "none published"
    licence_note: str
    has_adapted_flag: bool
    # A change of at least this percent of the start value also counts (pain: 30 %).
    mid_percent: float | None = None
    # A physical test (the chair stand), not a questionnaire: away from the hall it can only
    # be watched over video, which the change figures may leave out (programme.measure_taken).
    physical_test: bool = False


# --------------------------------------------------------------------------- reading


class _Reader:
    """Reads typed fields from one dict, producing errors that name file and field."""

    def __init__(self, data: Any, source: str, path: str = "") -> None:
        self.source = source
        self.path = path
        if not isinstance(data, Mapping):
            if not path:  # the file itself (it was "the file", in English, inside the sentence)
                raise ContentError(_("{source} must be a table of fields.").format(source=source))
            raise ContentError(
                _("{source}: {where} must be a table of fields.").format(source=source, where=path)
            )
        self.data = data

    def name(self, key: str) -> str:
        return f"{self.path}.{key}" if self.path else key

    def fail(self, key: str, message: str, *, then: str = "", **values: object) -> ContentError:
        """``message``: one whole sentence marked N_(), naming {file} and {field} where the
        language puts them; ``then``: a second sentence after it (what values to use)."""
        said = _(message).format(file=self.source, field=self.name(key), **values)
        return ContentError(f"{said}{then}")

    def reject_unknown(self, allowed: set[str]) -> None:
        unknown = sorted(str(k) for k in self.data if k not in allowed)
        if unknown:
            raise self.fail(
                unknown[0],
                N_(
                    "{file}: {field} is not a known field (check the spelling; known fields "
                    "are {known})."
                ),
                known=", ".join(sorted(allowed)),
            )

    def _get(self, key: str, default: Any, required: bool) -> Any:
        if key not in self.data:
            if required:
                raise self.fail(key, N_("{file}: {field} is missing."))
            return default
        return self.data[key]

    def text(self, key: str, default: str | None = None, *, allow_empty: bool = False) -> str:
        value = self._get(key, default, default is None)
        if not isinstance(value, str):
            raise self.fail(key, N_("{file}: {field} must be text in quotes."))
        value = value.strip()
        if not value and not allow_empty and default is None:
            raise self.fail(key, N_("{file}: {field} must not be empty."))
        return value

    def key(self, key: str) -> str:
        value = self.text(key)
        if not _KEY_RE.match(value):
            raise self.fail(
                key,
                N_(
                    "{file}: {field} must be a short key of lower-case letters, digits and "
                    "underscores starting with a letter (got {value!r})."
                ),
                value=value,
            )
        return value

    def integer(
        self,
        key: str,
        default: int | None = None,
        *,
        low: int | None = None,
        high: int | None = None,
    ) -> int:
        value = self._get(key, default, default is None)
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(
                key, N_("{file}: {field} must be a whole number."), then=_range_hint(low, high)
            )
        if (low is not None and value < low) or (high is not None and value > high):
            raise self.fail(
                key, N_("{file}: {field} is out of range."), then=_range_hint(low, high)
            )
        return value

    def number(
        self,
        key: str,
        default: float | None = None,
        *,
        required: bool | None = None,
        low: float | None = None,
        high: float | None = None,
        positive: bool = False,
    ) -> float:
        must = default is None if required is None else required
        value = self._get(key, default, must)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self.fail(key, N_("{file}: {field} must be a number."))
        value = float(value)
        if not math.isfinite(value):
            raise self.fail(key, N_("{file}: {field} must be a finite number."))
        if positive and value <= 0:
            raise self.fail(key, N_("{file}: {field} must be more than 0."))
        if (low is not None and value < low) or (high is not None and value > high):
            raise self.fail(
                key, N_("{file}: {field} is out of range."), then=_range_hint(low, high)
            )
        return value

    def boolean(self, key: str, default: bool) -> bool:
        value = self._get(key, default, False)
        if not isinstance(value, bool):
            raise self.fail(key, N_("{file}: {field} must be true or false."))
        return value

    def choice(self, key: str, options: tuple[str, ...], default: str | None = None) -> str:
        value = self.text(key, default)
        if value not in options:
            raise self.fail(
                key,
                N_("{file}: {field} must be one of {options} (got {value!r})."),
                options=", ".join(options),
                value=value,
            )
        return value

    def key_list(self, key: str, *, non_empty: bool = True) -> tuple[str, ...]:
        value = self._get(key, None, True)
        if not isinstance(value, list):
            raise self.fail(key, N_("{file}: {field} must be a list of keys in square brackets."))
        if non_empty and not value:
            raise self.fail(key, N_("{file}: {field} must list at least one key."))
        seen: list[str] = []
        for i, entry in enumerate(value):
            if not isinstance(entry, str) or not _KEY_RE.match(entry):
                raise self.fail(
                    f"{key}[{i}]", N_("{file}: {field} must be a short lower-case key in quotes.")
                )
            if entry in seen:
                raise self.fail(
                    f"{key}[{i}]",
                    N_("{file}: {field} repeats {entry!r}; list each key once."),
                    entry=entry,
                )
            seen.append(entry)
        return tuple(seen)

    def table_list(self, key: str, *, required: bool = True) -> list[_Reader]:
        value = self._get(key, [], required)
        if not isinstance(value, list):
            raise self.fail(
                key, N_("{file}: {field} must be a list of tables (use [[...]] sections).")
            )
        if required and not value:
            raise self.fail(key, N_("{file}: {field} must have at least one entry."))
        return [
            _Reader(entry, self.source, f"{self.name(key)}[{i}]") for i, entry in enumerate(value)
        ]

    def sub(self, key: str, *, required: bool) -> _Reader | None:
        if key not in self.data:
            if required:
                raise self.fail(key, N_("{file}: {field} is missing."))
            return None
        return _Reader(self.data[key], self.source, self.name(key))


def _fmt(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def _range_hint(low: float | None, high: float | None) -> str:
    if low is not None and high is not None:
        return " " + _("Use a value from {low} to {high}.").format(low=_fmt(low), high=_fmt(high))
    if low is not None:
        return " " + _("Use a value of {low} or more.").format(low=_fmt(low))
    if high is not None:
        return " " + _("Use a value of {high} or less.").format(high=_fmt(high))
    return ""


def _has_decimals(value: float, decimals: int) -> bool:
    """True when value has no more than `decimals` decimal places (tolerating float noise)."""
    scaled = value * 10**decimals
    return abs(scaled - round(scaled)) < 1e-6


# --------------------------------------------------------------------------- parsing


def parse_station(data: dict, source: str) -> Station:
    """Build a Station from a plain dict (one `[[station]]` table)."""
    r = _Reader(data, source)
    r.reject_unknown({"key", "name", "dose_kind", "dose_unit", "levels", "description", "home"})
    key = r.key("key")
    name = r.text("name")
    dose_kind = r.choice("dose_kind", DOSE_KINDS)
    dose_unit = r.text("dose_unit")
    description = r.text("description", "", allow_empty=True)
    levels: list[Level] = []
    names: set[str] = set()
    for lr in r.table_list("levels"):
        lr.reject_unknown({"name", "description", "target_dose"})
        level_name = lr.text("name")
        if level_name in names:
            raise lr.fail(
                "name",
                N_("{file}: {field} repeats {level_name!r}; give each level its own name."),
                level_name=level_name,
            )
        names.add(level_name)
        target = lr.number("target_dose", positive=True, high=10_000)
        if dose_kind in ("repetitions", "seconds", "step_cm") and not float(target).is_integer():
            raise lr.fail(
                "target_dose",
                N_("{file}: {field} must be a whole number for {dose_kind}."),
                dose_kind=dose_kind,
            )
        levels.append(Level(level_name, lr.text("description", "", allow_empty=True), target))
    home = r.text("home", "", allow_empty=True)
    return Station(key, name, dose_kind, dose_unit, tuple(levels), description, home)


def _parse_rules(r: _Reader | None) -> ProgressionRules:
    if r is None:
        return ProgressionRules()
    d = ProgressionRules()
    r.reject_unknown(
        {
            "sessions_at_target",
            "max_pain_to_progress",
            "pain_to_step_back",
            "max_effort_to_progress",
            "dose_increment_fraction",
        }
    )
    rules = ProgressionRules(
        sessions_at_target=r.integer("sessions_at_target", d.sessions_at_target, low=1, high=12),
        max_pain_to_progress=r.integer(
            "max_pain_to_progress", d.max_pain_to_progress, low=0, high=10
        ),
        pain_to_step_back=r.integer("pain_to_step_back", d.pain_to_step_back, low=1, high=10),
        max_effort_to_progress=r.integer(
            "max_effort_to_progress", d.max_effort_to_progress, low=0, high=10
        ),
        dose_increment_fraction=r.number(
            "dose_increment_fraction", d.dose_increment_fraction, low=0.01, high=1.0
        ),
    )
    if rules.pain_to_step_back <= rules.max_pain_to_progress:
        raise r.fail(
            "pain_to_step_back",
            N_("{file}: {field} must be more than max_pain_to_progress ({max_pain_to_progress})."),
            max_pain_to_progress=rules.max_pain_to_progress,
        )
    return rules


def parse_template(data: dict, source: str) -> ProgrammeTemplate:
    """Build a ProgrammeTemplate from a plain dict (one programme file)."""
    r = _Reader(data, source)
    r.reject_unknown(
        {
            "key",
            "title",
            "condition",
            "sessions",
            "stations",
            "instruments",
            "outcome_instruments",
            "progression",
            "education_minutes",
            "exercise_minutes",
            "screening",
        }
    )
    key = r.key("key")
    title = r.text("title")
    condition = r.text("condition")
    sessions: list[SessionPlan] = []
    for i, sr in enumerate(r.table_list("sessions"), start=1):
        sr.reject_unknown({"number", "topic", "notes"})
        number = sr.integer("number", low=1, high=100)
        if number != i:
            raise sr.fail(
                "number",
                N_("{file}: {field} should be {i}: number the sessions 1, 2, 3 … in order."),
                i=i,
            )
        sessions.append(
            SessionPlan(number, sr.text("topic"), sr.text("notes", "", allow_empty=True))
        )
    stations = r.key_list("stations")
    instruments = r.key_list("instruments")
    outcomes_reader = r.sub("outcome_instruments", required=True)
    assert outcomes_reader is not None
    outcomes_reader.reject_unknown(set(OUTCOME_DOMAINS))
    outcomes: dict[str, str] = {}
    for domain in OUTCOME_DOMAINS:
        value = outcomes_reader.key(domain)
        if value == NOT_MEASURED:
            continue
        if value not in instruments:
            raise outcomes_reader.fail(
                domain,
                N_(
                    "{file}: {field} names {value!r}, which is not in this programme's "
                    "instruments list."
                ),
                value=value,
            )
        # One measure behind two headline bars makes them equal by construction.
        twice = next((d for d, k in outcomes.items() if k == value), None)
        if twice is not None:
            raise outcomes_reader.fail(
                domain,
                N_(
                    "{file}: {field} names {value!r}, which is already used for {twice}; "
                    "give each headline domain a different measure, or write "
                    '"{NOT_MEASURED}".'
                ),
                value=value,
                twice=twice,
                NOT_MEASURED=NOT_MEASURED,
            )
        outcomes[domain] = value
    progression = _parse_rules(r.sub("progression", required=False))
    education = r.integer("education_minutes", low=0, high=240)
    exercise = r.integer("exercise_minutes", low=0, high=240)
    if education + exercise == 0:
        raise r.fail(
            "exercise_minutes", N_("{file}: {field} and education_minutes cannot both be 0.")
        )
    return ProgrammeTemplate(
        key=key,
        title=title,
        condition=condition,
        sessions=tuple(sessions),
        stations=stations,
        instruments=instruments,
        outcome_instruments=outcomes,
        progression=progression,
        education_minutes=education,
        exercise_minutes=exercise,
        screening=parse_screening(r.data.get("screening"), source),
    )


def parse_instrument(data: dict, source: str) -> Instrument:
    """Build an Instrument from a plain dict (one instrument file or `[[instrument]]` table)."""
    r = _Reader(data, source)
    r.reject_unknown(
        {
            "key",
            "name",
            "kind",
            "min",
            "max",
            "direction",
            "decimals",
            "unit",
            "items",
            "max_missing_items",
            "missing_rule",
            "mid",
            "mid_source",
            "mid_percent",
            "licence_note",
            "has_adapted_flag",
            "physical_test",
        }
    )
    key = r.key("key")
    name = r.text("name")
    kind = r.choice("kind", INSTRUMENT_KINDS)
    decimals = r.integer("decimals", 0, low=0, high=_MAX_DECIMALS)
    low = r.number("min")
    high = r.number("max")
    if high <= low:
        raise r.fail("max", N_("{file}: {field} must be more than min ({low})."), low=_fmt(low))
    for fld, value in (("min", low), ("max", high)):
        if not _has_decimals(value, decimals):
            raise r.fail(
                fld,
                N_("{file}: {field} has more decimal places than decimals = {decimals} allows."),
                decimals=decimals,
            )
    direction = r.choice("direction", DIRECTIONS)
    unit = r.text("unit", "", allow_empty=True)

    items: list[InstrumentItem] = []
    if kind == "items":
        seen: set[str] = set()
        for ir in r.table_list("items"):
            ir.reject_unknown({"key", "text", "min", "max"})
            item_key = ir.key("key")
            if item_key in seen:
                raise ir.fail(
                    "key",
                    N_("{file}: {field} repeats {item_key!r}; give each item its own key."),
                    item_key=item_key,
                )
            seen.add(item_key)
            item_min = ir.integer("min", low=-1000, high=1000)
            item_max = ir.integer("max", low=-1000, high=1000)
            if item_max <= item_min:
                raise ir.fail(
                    "max",
                    N_("{file}: {field} must be more than min ({item_min})."),
                    item_min=item_min,
                )
            items.append(InstrumentItem(item_key, ir.text("text"), item_min, item_max))
        total_min = sum(i.min for i in items)
        total_max = sum(i.max for i in items)
        if total_min < low or total_max > high:
            raise r.fail(
                "items",
                N_(
                    "{file}: {field} add up to a range of {total_min} to {total_max}, which "
                    "does not fit inside min {low} to max {high}."
                ),
                total_min=total_min,
                total_max=total_max,
                low=_fmt(low),
                high=_fmt(high),
            )
    elif "items" in r.data and r.data["items"]:
        raise r.fail("items", N_('{file}: {field} must be left out when kind = "score".'))

    max_missing = r.integer("max_missing_items", 0, low=0)
    missing_rule = r.choice("missing_rule", MISSING_RULES, "none")
    if kind == "score" and max_missing:
        raise r.fail("max_missing_items", N_('{file}: {field} must be 0 when kind = "score".'))
    if items and max_missing >= len(items):
        raise r.fail(
            "max_missing_items",
            N_("{file}: {field} must be less than the number of items ({count})."),
            count=len(items),
        )
    if max_missing and missing_rule != "prorate":
        raise r.fail(
            "missing_rule",
            N_('{file}: {field} must be "prorate" when max_missing_items is more than 0.'),
        )

    mid: float | None = None
    if "mid" in r.data:
        mid = r.number("mid", positive=True)
        if mid > high - low:
            raise r.fail(
                "mid",
                N_("{file}: {field} is larger than the whole range of {number}."),
                number=_fmt(high - low),
            )
    mid_percent: float | None = None
    if "mid_percent" in r.data:
        mid_percent = r.number("mid_percent", positive=True, high=100)
        if mid is None:
            raise r.fail(
                "mid_percent", N_("{file}: {field} needs mid as well (the change in points).")
            )
    mid_source = r.text("mid_source", "", allow_empty=True)
    if mid is not None and not mid_source:
        raise r.fail(
            "mid_source",
            N_(
                "{file}: {field} is missing: say where the mid value comes from, or "
                "'site to confirm'."
            ),
        )
    if not mid_source:
        mid_source = NONE_PUBLISHED

    return Instrument(
        key=key,
        name=name,
        kind=kind,
        min=low,
        max=high,
        direction=direction,
        decimals=decimals,
        unit=unit,
        items=tuple(items),
        max_missing_items=max_missing,
        missing_rule=missing_rule,
        mid=mid,
        mid_source=mid_source,
        licence_note=r.text("licence_note", "", allow_empty=True),
        has_adapted_flag=r.boolean("has_adapted_flag", False),
        mid_percent=mid_percent,
        physical_test=r.boolean("physical_test", False),
    )
