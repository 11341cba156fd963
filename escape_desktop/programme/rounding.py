"""The one rounding rule for figures people read (half away from zero: 2.5 -> 3, -2.5 -> -3),
and the one way a count is put into words ("1 day", "2 days")."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

__all__ = [
    "round_half_away",
    "format_number",
    "percent",
    "plural",
    "with_unit",
    "mean_decimals",
]


def plural(count: int, one: str, many: str | None = None) -> str:
    """The count with its noun: "1 day", "0 days", "2 people" (``many`` for an irregular plural)."""
    word = one if count == 1 else (many if many is not None else one + "s")
    return f"{count} {word}"


def with_unit(number_text: str, unit: str) -> str:
    """A printed number with its counted unit, which resources name in the plural ("days",
    "stands", "reps"): "1 day", "0 days", "2.5 days"; a unit not ending in s is kept."""
    unit = unit.strip()
    if not unit:
        return number_text
    if number_text in ("1", "-1", "+1") and unit.endswith("s") and not unit.endswith("ss"):
        unit = unit[:-1]
    return f"{number_text} {unit}"


def mean_decimals(recorded_decimals: int) -> int:
    """Decimals a mean of a measure is shown with: one beyond what the measure records, never more."""
    return max(0, recorded_decimals) + 1


def _exact(value: float | int | Decimal | Fraction) -> Fraction:
    if isinstance(value, bool):
        raise TypeError("A figure to round must be a number, not true/false.")
    if isinstance(value, float):
        # The shortest decimal that prints as this float: 2.675 is rounded as 2.675, which
        # is what the person typed, not as the binary 2.67499999...
        return Fraction(Decimal(repr(value)))
    return Fraction(value)


def round_half_away(value: float | int | Decimal | Fraction, decimals: int = 0) -> float:
    """Round to `decimals` places, halves away from zero (Python's round() goes to even)."""
    if decimals < 0:
        raise ValueError("decimals must be 0 or more.")
    exact = _exact(value)
    scale = 10**decimals
    scaled = abs(exact) * scale
    whole = int(scaled)  # floor, as scaled >= 0
    if scaled - whole >= Fraction(1, 2):
        whole += 1
    result = Fraction(whole, scale)
    return float(-result if exact < 0 else result) + 0.0  # + 0.0 turns -0.0 into 0.0


def percent(part: int, whole: int) -> int:
    """``part`` of ``whole`` (counts, whole > 0) as a whole percentage: round_half_away of
    100 * part / whole, in integer arithmetic (the upload works it out for every row)."""
    return (200 * part + whole) // (2 * whole)


def format_number(value: float | int | Decimal | Fraction, decimals: int = 0) -> str:
    """The figure as text with exactly `decimals` places, rounded half away from zero."""
    rounded = round_half_away(value, decimals)
    return f"{Decimal(repr(rounded)).quantize(Decimal(1).scaleb(-decimals)):f}"
