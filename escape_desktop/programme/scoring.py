"""Check and score start/end measures, and compare a participant's start and end values."""

from __future__ import annotations

import math
from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal
from numbers import Real

from escape_desktop.i18n import _, ngettext

from .content import Instrument
from .outcomes import classify_change

__all__ = [
    "ScoreError",
    "check_score",
    "check_item",
    "score_items",
    "change",
    "improved",
    "reaches_mid",
]


class ScoreError(ValueError):
    """An entered value cannot be accepted; the message is one plain sentence."""


def _fmt(value: float, decimals: int) -> str:
    return f"{value:.{decimals}f}"


def _round(value: float | Decimal, decimals: int) -> float:
    """Round half up (not banker's rounding) to the given decimal places."""
    quantum = Decimal(1).scaleb(-decimals)
    return float(Decimal(str(value)).quantize(quantum, rounding=ROUND_HALF_UP))


def _is_number(value: object) -> bool:
    return isinstance(value, Real) and not isinstance(value, bool)


def _range_sentence(instrument: Instrument) -> str:
    d = instrument.decimals
    low, high = _fmt(instrument.min, d), _fmt(instrument.max, d)
    if d == 0:
        return _("{name} must be a whole number from {low} to {high}.").format(
            name=instrument.name, low=low, high=high
        )
    return ngettext(
        "{name} must be a number from {low} to {high} with at most {d} decimal place.",
        "{name} must be a number from {low} to {high} with at most {d} decimal places.",
        d,
    ).format(name=instrument.name, low=low, high=high, d=d)


def check_score(instrument: Instrument, value: float) -> float:
    """Return the value (as a float) if it is a valid total for the instrument, else raise."""
    if not _is_number(value) or not math.isfinite(float(value)):
        raise ScoreError(_range_sentence(instrument))
    number = float(value)
    if not instrument.min <= number <= instrument.max:
        raise ScoreError(_range_sentence(instrument))
    scaled = number * 10**instrument.decimals
    if abs(scaled - round(scaled)) > 1e-6:
        raise ScoreError(_range_sentence(instrument))
    # Snap away float noise (19.250000000001 -> 19.25); + 0.0 turns -0.0 into 0.0.
    return min(max(_round(number, instrument.decimals), instrument.min), instrument.max) + 0.0


def check_item(instrument: Instrument, item_key: str, value: int | float) -> int:
    """Return the answer to one item as an int if it is a whole number in the item's range."""
    item = next((i for i in instrument.items if i.key == item_key), None)
    if item is None:
        raise ScoreError(
            _("{name} has no question called {item_key!r}.").format(
                name=instrument.name, item_key=item_key
            )
        )
    if (
        not _is_number(value)
        or not math.isfinite(float(value))
        or not float(value).is_integer()
        or not item.min <= value <= item.max
    ):
        raise ScoreError(
            _("Each answer in {name} must be a whole number from {min} to {max}.").format(
                name=instrument.name, min=item.min, max=item.max
            )
        )
    return int(value)


def score_items(instrument: Instrument, answers: Mapping[str, int | None]) -> float | None:
    """Total of the item answers, prorated for a few missing items, or None if too many are missing.

    With missing items (absent or None) up to max_missing_items and the "prorate"
    rule, the total is the mean of the answered items times the number of items,
    rounded to the instrument's decimals. Otherwise any missing item gives None.
    """
    if instrument.kind != "items" or not instrument.items:
        raise ScoreError(
            _("{name} is entered as a total score, not question by question.").format(
                name=instrument.name
            )
        )
    known = {i.key for i in instrument.items}
    for key in answers:
        if key not in known:
            raise ScoreError(
                _("{name} has no question called {key!r}.").format(name=instrument.name, key=key)
            )
    values: list[int] = []
    missing = 0
    for item in instrument.items:
        raw = answers.get(item.key)
        if raw is None:
            missing += 1
        else:
            values.append(check_item(instrument, item.key, raw))
    if not values:
        return None
    if missing == 0:
        return _round(sum(values), instrument.decimals)
    if instrument.missing_rule != "prorate" or missing > instrument.max_missing_items:
        return None
    prorated = Decimal(sum(values)) * len(instrument.items) / Decimal(len(values))
    total = _round(prorated, instrument.decimals)
    return min(max(total, instrument.min), instrument.max)


def _exact(instrument: Instrument, value: float) -> Decimal:
    return Decimal(str(check_score(instrument, value)))


def change(instrument: Instrument, start: float, end: float) -> float:
    """End minus start, in the instrument's own units (not adjusted for direction)."""
    return _round(_exact(instrument, end) - _exact(instrument, start), instrument.decimals)


def _gain(instrument: Instrument, start: float, end: float) -> Decimal:
    """Improvement in the instrument's direction: positive means better."""
    diff = _exact(instrument, end) - _exact(instrument, start)
    return diff if instrument.direction == "higher_better" else -diff


def improved(instrument: Instrument, start: float, end: float) -> bool:
    """True when the end value is strictly better than the start value."""
    return _gain(instrument, start, end) > 0


def reaches_mid(instrument: Instrument, start: float, end: float) -> bool | None:
    """True when the change is a meaningful improvement (see programme.outcomes); None without a threshold."""
    _exact(instrument, start), _exact(instrument, end)  # same range check as change()
    return classify_change(instrument, start, end).meaningful
