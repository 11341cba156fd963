"""Start-to-end change that does not overstate: per-person classes and the headline proportions.

A person's change on one measure is exactly one of: meaningful improvement (at least
the measure's published threshold in the better direction), improved a little
(better, but less than that), about the same (no change at the measure's own
precision), or worse. "Improved at all" = meaningful + a little: the figure the
programme's published results use, so a class can compare itself with them. A person
counts in a proportion only with both a start and an end value.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from .content import DOMAIN_WORDS, Instrument
from .rounding import round_half_away
from .status import Ratio

__all__ = [
    "MEANINGFUL",
    "IMPROVED_A_LITTLE",
    "ABOUT_THE_SAME",
    "WORSE",
    "CHANGE_CLASSES",
    "CHANGE_WORDS",
    "Change",
    "DomainProportions",
    "classify_change",
    "domain_proportions",
]

MEANINGFUL = "meaningful"
IMPROVED_A_LITTLE = "improved_a_little"
ABOUT_THE_SAME = "about_the_same"
WORSE = "worse"
CHANGE_CLASSES: tuple[str, ...] = (MEANINGFUL, IMPROVED_A_LITTLE, ABOUT_THE_SAME, WORSE)
CHANGE_WORDS: dict[str, str] = {
    MEANINGFUL: "Meaningful improvement",
    IMPROVED_A_LITTLE: "Improved a little",
    ABOUT_THE_SAME: "About the same",
    WORSE: "Worse",
}


@dataclass(frozen=True)
class Change:
    """One person's start-to-end change on one measure."""

    change: float  # end - start at the measure's precision (not turned for direction)
    gain: float  # the change in the better direction: positive is better
    improved: bool  # better at all
    meaningful: bool | None  # reached the threshold; None when the measure has none
    worse: bool
    kind: str  # one of CHANGE_CLASSES; IMPROVED_A_LITTLE covers all improvement without a threshold


def _at_precision(value: float, decimals: int) -> Fraction:
    return Fraction(Decimal(repr(round_half_away(value, decimals))))


def classify_change(instrument: Instrument, start: float, end: float) -> Change:
    """Classify one person's change from `start` to `end` on `instrument`."""
    s = _at_precision(start, instrument.decimals)
    e = _at_precision(end, instrument.decimals)
    diff = e - s
    gain = diff if instrument.direction == "higher_better" else -diff
    meaningful: bool | None = None
    if instrument.mid is not None:
        meaningful = gain > 0 and gain >= Fraction(Decimal(repr(instrument.mid)))
        if not meaningful and instrument.mid_percent is not None and gain > 0 and s != 0:
            # e.g. pain: a fall of 30 % of the start value is also a meaningful change.
            relative = gain * 100 / abs(s)
            meaningful = relative >= Fraction(Decimal(repr(instrument.mid_percent)))
    if gain > 0:
        kind = MEANINGFUL if meaningful else IMPROVED_A_LITTLE
    elif gain == 0:
        kind = ABOUT_THE_SAME
    else:
        kind = WORSE
    return Change(
        change=float(diff) + 0.0,
        gain=float(gain) + 0.0,
        improved=gain > 0,
        meaningful=meaningful,
        worse=gain < 0,
        kind=kind,
    )


@dataclass(frozen=True)
class DomainProportions:
    """One headline domain for a group: improved at all, meaningful improvement and worse."""

    domain: str  # "function" | "pain" | "wellbeing"
    label: str
    instrument_key: str | None  # None: the programme does not measure this domain
    instrument_name: str
    threshold: float | None  # the measure's meaningful-change threshold, if any
    threshold_percent: float | None
    threshold_source: str
    improved: Ratio
    meaningful: Ratio | None  # None when the measure has no threshold (or is not measured)
    worse: Ratio
    about_the_same: Ratio

    @property
    def measured(self) -> bool:
        return self.instrument_key is not None

    def as_json(self) -> dict[str, object]:
        return {
            "domain": self.domain,
            "label": self.label,
            "instrument": self.instrument_key,
            "instrument_name": self.instrument_name,
            "threshold": self.threshold,
            "threshold_percent": self.threshold_percent,
            "threshold_source": self.threshold_source,
            "improved": self.improved.as_json(),
            "meaningful": None if self.meaningful is None else self.meaningful.as_json(),
            "worse": self.worse.as_json(),
            "about_the_same": self.about_the_same.as_json(),
        }


def domain_proportions(
    domain: str,
    instrument: Instrument | None,
    values: Iterable[tuple[float | None, float | None]],
) -> DomainProportions:
    """Proportions for one domain from each person's (start, end); pairs missing either are left out."""
    label = DOMAIN_WORDS.get(domain, domain)
    if instrument is None:
        zero = Ratio(0, 0)
        return DomainProportions(
            domain, label, None, "not measured", None, None, "", zero, None, zero, zero
        )
    changes = [
        classify_change(instrument, start, end)
        for start, end in values
        if start is not None and end is not None
    ]
    n = len(changes)
    meaningful = (
        None
        if instrument.mid is None
        else Ratio(sum(1 for c in changes if c.kind == MEANINGFUL), n)
    )
    return DomainProportions(
        domain=domain,
        label=label,
        instrument_key=instrument.key,
        instrument_name=instrument.name,
        threshold=instrument.mid,
        threshold_percent=instrument.mid_percent,
        threshold_source=instrument.mid_source,
        improved=Ratio(sum(1 for c in changes if c.improved), n),
        meaningful=meaningful,
        worse=Ratio(sum(1 for c in changes if c.worse), n),
        about_the_same=Ratio(sum(1 for c in changes if c.kind == ABOUT_THE_SAME), n),
    )


# Questionnaires that belong to one joint: a person is asked only those for their own joints.
JOINT_ONLY: dict[str, str] = {"koos_ps": "knee", "hoos_ps": "hip"}


def measures_for_person(keys: Sequence[str], joints: str) -> list[str]:
    """The course's measures (by key) that apply to a person with these joints ("knee,hip");
    with no joints on file, every measure applies."""
    theirs = {j.strip() for j in (joints or "").split(",") if j.strip()}
    if not theirs:
        return list(keys)
    return [k for k in keys if k not in JOINT_ONLY or JOINT_ONLY[k] in theirs]
