"""The registry report's figures, per site and overall: pure arithmetic on counts of people alike.

Definitions follow the app's own (programme/ and the outcomes command): a person *started*
unless their status is did_not_start; a *completer* attended at least 75 % of the sessions
held (the upload's ``completed``); the completion rate is completers / starters on finished
courses only; a headline domain (function, pain, wellbeing) uses the measure the person's
programme names for it; *improved* means the end value is better than the start in the
measure's direction; *meaningful* means the gain reached the measure's threshold.
"""

from __future__ import annotations

import fractions
import itertools
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from escape_desktop.i18n import N_
from escape_desktop.programme.content import Instrument
from escape_desktop.programme.followup import PointCounts
from escape_desktop.programme.followup import counts as follow_up_counts
from escape_desktop.programme.outcomes import classify_change
from escape_desktop.programme.rounding import format_number, round_half_away

DOMAINS = ("function", "pain", "wellbeing")
# English in the figure files (CSV, JSON); translated where the PDF prints them.
DOMAIN_LABELS = {
    "function": N_("Improved daily function"),
    "pain": N_("Less pain"),
    "wellbeing": N_("Better quality of life or wellbeing"),
}
# NHS statistical disclosure practice: no rate for a group of under 5 people, and a count
# of 1 to 4 people is not printed.
SMALL_CELL = 5
Z95 = 1.959963984540054
Z998 = 3.090232306167813  # two-sided 99.8 %: the funnel plot's outer limits


def secondary_suppression(
    parts: Sequence[int], threshold: int = SMALL_CELL, hidden_already: Sequence[bool] = ()
) -> list[bool]:
    """Which of the parts of a total that is shown to hide (True): every count of 1 to
    ``threshold`` − 1 (primary), and then, so that none can be worked out by subtracting the
    shown parts from the total, more of the smallest others until the hidden parts are at
    least two and add up to 0 or at least ``threshold`` (secondary). ``hidden_already``: parts
    hidden for another reason (a table's other direction), kept hidden."""
    hidden = [0 < n < threshold for n in parts]
    for i, h in enumerate(hidden_already):
        hidden[i] = hidden[i] or bool(h)
    while any(hidden) and not all(hidden):
        together = sum(n for n, h in zip(parts, hidden, strict=True) if h)
        if sum(hidden) >= 2 and not 0 < together < threshold:
            break
        # The smallest part still shown (a non-zero one first: hiding a 0 adds nothing).
        shown = [i for i, h in enumerate(hidden) if not h]
        hidden[min(shown, key=lambda i: (parts[i] == 0, parts[i]))] = True
    return hidden


def funnel_limits(p0: float, n: int, z: float) -> tuple[float, float]:
    """The funnel plot's control limits (fractions 0-1) around the overall rate ``p0`` for a
    site of ``n`` people: p0 ± z·√(p0(1−p0)/n), the normal approximation to the binomial
    NHS benchmarking charts use, kept within 0 and 1."""
    half = z * math.sqrt(p0 * (1 - p0) / n)
    return max(0.0, p0 - half), min(1.0, p0 + half)


FUNNEL_BANDS = ("below 99.8 %", "below 95 %", "within", "above 95 %", "above 99.8 %")


def funnel_band(successes: int, n: int, p0: float) -> str:
    """Where a site's rate falls against the limits for its size: 'within' when inside the
    95 % limits; otherwise above or below the 95 % (or the 99.8 %) limits."""
    p = successes / n
    lo95, hi95 = funnel_limits(p0, n, Z95)
    lo998, hi998 = funnel_limits(p0, n, Z998)
    if p < lo998:
        return "below 99.8 %"
    if p > hi998:
        return "above 99.8 %"
    if p < lo95:
        return "below 95 %"
    if p > hi95:
        return "above 95 %"
    return "within"


def wilson_interval(successes: int, n: int, z: float = Z95) -> tuple[float, float] | None:
    """The Wilson score interval for a proportion (as fractions 0-1); None when n is 0."""
    if n <= 0:
        return None
    p = successes / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


@dataclass(frozen=True)
class MeasureRule:
    """What the report needs to know about one measure."""

    key: str
    name: str
    direction: str  # "higher_better" | "lower_better"
    threshold: float | None  # a gain at least this big is meaningful; None: not defined
    threshold_source: str  # "content library", "upload change column", or "none"
    # The programme's own definition of the measure, when the content library has it: then
    # "improved" and "meaningful" are decided by programme.outcomes, as on every other surface.
    instrument: Instrument | None = None


@dataclass(frozen=True)
class Fraction:
    numerator: int
    denominator: int

    @property
    def percent(self) -> float | None:
        return None if not self.denominator else 100.0 * self.numerator / self.denominator

    @property
    def interval(self) -> tuple[float, float] | None:
        ci = wilson_interval(self.numerator, self.denominator)
        return None if ci is None else (100.0 * ci[0], 100.0 * ci[1])

    def percent_text(self, decimals: int = 0) -> str:
        """The percentage as printed, rounded half away from zero on the exact ratio."""
        if not self.denominator:
            return "–"
        return format_number(fractions.Fraction(100 * self.numerator, self.denominator), decimals)

    def as_json(self) -> dict:
        ci = self.interval
        exact = fractions.Fraction(100 * self.numerator, self.denominator or 1)
        return {
            "numerator": self.numerator,
            "denominator": self.denominator,
            # Half away from zero like every other surface: 1 of 16 is 6.3, not round()'s 6.2.
            "percent": None if not self.denominator else round_half_away(exact, 1),
            "ci95": None if ci is None else [round_half_away(ci[0], 1), round_half_away(ci[1], 1)],
        }


@dataclass(frozen=True)
class Headline:
    domain: str
    label: str
    measures: tuple[str, ...]
    improved: Fraction
    meaningful: Fraction | None  # None when no measure used has a threshold
    left_out: int = 0  # people whose change on it their site left out (tests over video)


@dataclass(frozen=True)
class GroupFigures:
    """One site (or all of them): funnel, completion, headline proportions, completeness."""

    code: str
    name: str
    courses: int
    referred: int  # everyone on the course lists: in the file plus left out
    enrolled: int  # in the file (agreed to share)
    started: int
    completed: int  # completers on finished courses (a running course's are not final)
    finished_starters: int
    finished_completers: int
    left_out_no_consent: int
    left_out_not_asked: int
    headlines: tuple[Headline, ...]
    with_start: int  # starters with every headline start measure
    with_both: int  # starters with every headline start and end measure
    # Starters on finished courses with every headline start and end measure: a running
    # course has not had its end measures yet, so it stays out of the completeness rate.
    finished_with_both: int = 0
    # Follow-up at 3 and 12 months per point (programme.followup.counts), from the uploads'
    # follow-up columns; empty when no upload carries them.
    follow_up: tuple[PointCounts, ...] = ()

    @property
    def completion(self) -> Fraction:
        return Fraction(self.finished_completers, self.finished_starters)

    @property
    def completeness(self) -> Fraction:
        """Start and end measures, of the starters on finished courses."""
        return Fraction(self.finished_with_both, self.finished_starters)

    def as_json(self) -> dict:
        return {
            "code": self.code,
            "name": self.name,
            "courses": self.courses,
            # The class summary's and the report's words: enrolled (on the course lists),
            # agreed to share (in the uploads; every other figure counts only them).
            # Referrals that never enrolled are not known to the registry.
            "funnel": {
                "referred": None,
                "enrolled": self.referred,
                "agreed_to_share": self.enrolled,
                "started": self.started,
                "completed": self.completed,
            },
            "left_out": {
                "did_not_agree_to_share": self.left_out_no_consent,
                "not_asked_yet": self.left_out_not_asked,
            },
            "completion_rate": self.completion.as_json(),
            "proportions": {
                h.domain: {
                    "measures": list(h.measures),
                    "improved": h.improved.as_json(),
                    "meaningful": None if h.meaningful is None else h.meaningful.as_json(),
                    "left_out_over_video": h.left_out,
                }
                for h in self.headlines
            },
            "completeness": {
                "with_start": Fraction(self.with_start, self.started).as_json(),
                "with_start_and_end": self.completeness.as_json(),
            },
            "follow_up": [c.as_json() for c in self.follow_up],
        }


@dataclass(frozen=True)
class CourseLeftOut:
    site_code: str
    course_code: str
    no_consent: int
    not_asked: int


@dataclass(frozen=True)
class MeasureMean:
    """One measure across all sites: means of the people with both a start and an end value."""

    key: str
    name: str
    n: int
    mean_start: float | None
    mean_end: float | None
    mean_change: float | None  # end minus start, as recorded (the direction says which is better)
    decimals: int  # the measure's own precision; means are printed with one more
    direction: str


def financial_year(first: int) -> str:
    """The NHS financial year that begins on 1 April of ``first``, as written: "2026-27"."""
    return f"{first}-{(first + 1) % 100:02d}"


def financial_year_dates(label: str) -> tuple[date, date] | None:
    """The first and last day (1 April, 31 March) of a financial year written "2026-27";
    None when ``label`` is not one."""
    match = re.fullmatch(r"(\d{4})-(\d{2})", label.strip())
    if match is None:
        return None
    first = int(match.group(1))
    if int(match.group(2)) != (first + 1) % 100:
        return None
    return date(first, 4, 1), date(first + 1, 3, 31)


@dataclass(frozen=True)
class YearFigures:
    """One financial year (1 April to 31 March, by the course's first session): each site's
    figures and all sites'."""

    year: str  # "2026-27"
    sites: tuple[GroupFigures, ...]
    overall: GroupFigures

    def as_json(self) -> dict:
        return {
            "financial_year": self.year,
            "sites": [f.as_json() for f in self.sites],
            "overall": self.overall.as_json(),
        }


@dataclass(frozen=True)
class ReportData:
    """Everything the PDF shows, typed; made by report.gather_report."""

    title: str
    period: str
    made_on: str
    sites: tuple[GroupFigures, ...]
    overall: GroupFigures
    rules: tuple[MeasureRule, ...]
    batches: int
    notes: tuple[str, ...] = field(default_factory=tuple)
    means: tuple[MeasureMean, ...] = ()
    # The figures for each delivery mode's courses (in person, virtual, hybrid, not recorded).
    modes: tuple[GroupFigures, ...] = ()
    # The same figures per financial year, oldest first (courses with no start date in none).
    years: tuple[YearFigures, ...] = ()
    # People by ethnic category, stated sex and gender identity, suppressed: an
    # equality.EqualityReport (typed loosely: equality.py builds on this module).
    equality: Any = None
    # Chair-stand changes left out of the headlines (tests watched over video, as the site's
    # setting said): the PDF's glossary says how many, in the reader's language.
    left_out_over_video: int = 0


def _gain(rule: MeasureRule, start: float, end: float) -> float:
    return end - start if rule.direction == "higher_better" else start - end


def classify(rule: MeasureRule, start: float, end: float) -> tuple[bool, bool | None]:
    """One person's change on a measure: (improved, meaningful); meaningful is None when the
    measure has no threshold. The programme's own rules (programme.outcomes) when the content
    library defines the measure, as on every other surface."""
    if rule.instrument is not None:
        change = classify_change(rule.instrument, start, end)
        return change.improved, change.meaningful
    gain = _gain(rule, start, end)
    return gain > 0, None if rule.threshold is None else gain >= rule.threshold


@dataclass
class _DomainTally:
    improved: int = 0
    denominator: int = 0  # people with a start and an end value whose change counts
    meaningful: int = 0
    meaningful_denominator: int = 0
    left_out: int = 0  # start and end taken, change left out by the site (over video)


class GroupTally:
    """One group's figures (a site, a delivery mode or all sites) added up from counts of
    people alike (the registry's GROUP BY rows, each with how many people it stands for)."""

    def __init__(self, code: str, name: str) -> None:
        self.code, self.name = code, name
        self.courses: set[tuple[str, str]] = set()
        self.enrolled = self.started = self.finished_starters = self.finished_completers = 0
        self.no_consent = self.not_asked = 0
        self.first_seen: dict[str, tuple] = {}  # programme -> when first seen (sort key)
        self.domains = {d: _DomainTally() for d in DOMAINS}
        self.with_start = self.with_both = self.finished_with_both = 0
        self.follow_up: dict[int, dict[str, int]] = {}

    def add_course(self, site: str, course: str) -> None:
        self.courses.add((site, course))

    def add_people(
        self, programme: str, started: bool, completed: bool, finished: bool, n: int, seen: tuple
    ) -> None:
        """n people on courses of ``programme`` alike in whether they started, completed and
        their course is finished; ``seen`` orders the programmes' measures as first met."""
        self.enrolled += n
        if started:
            self.started += n
            if finished:
                self.finished_starters += n
                self.finished_completers += n if completed else 0
        if programme not in self.first_seen or seen < self.first_seen[programme]:
            self.first_seen[programme] = seen

    def add_change(
        self, domain: str, change: tuple[bool, bool | None], left_out: bool, n: int
    ) -> None:
        """n people with a start and an end value on the domain's measure, whose change
        ``classify`` gives (improved, meaningful)."""
        tally = self.domains[domain]
        if left_out:
            tally.left_out += n  # the site leaves this change out (a test watched over video)
            return
        improved, meaningful = change
        tally.denominator += n
        tally.improved += n if improved else 0
        if meaningful is not None:
            tally.meaningful_denominator += n
            tally.meaningful += n if meaningful else 0

    def add_completeness(self, finished: bool, with_start: bool, with_both: bool, n: int) -> None:
        """n starters with (or without) every headline start, and start and end, measure."""
        if with_start:
            self.with_start += n
            if with_both:
                self.with_both += n
                self.finished_with_both += n if finished else 0

    def add_left_out(self, course: CourseLeftOut) -> None:
        self.no_consent += course.no_consent
        self.not_asked += course.not_asked
        self.courses.add((course.site_code, course.course_code))

    def add_follow_up(self, point: int, state: str, n: int) -> None:
        states = self.follow_up.setdefault(point, {})
        states[state] = states.get(state, 0) + n

    def figures(
        self,
        outcome_measures: Mapping[str, Mapping[str, str]],  # programme -> domain -> measure key
        rules: Mapping[str, MeasureRule],
    ) -> GroupFigures:
        headlines = []
        for domain in DOMAINS:
            used: list[str] = []
            for programme in sorted(self.first_seen, key=self.first_seen.__getitem__):
                key = outcome_measures.get(programme, {}).get(domain)
                if key and key in rules and key not in used:
                    used.append(key)
            t = self.domains[domain]
            has_threshold = any(rules[k].threshold is not None for k in used)
            headlines.append(
                Headline(
                    domain,
                    DOMAIN_LABELS[domain],
                    tuple(used),
                    Fraction(t.improved, t.denominator),
                    Fraction(t.meaningful, t.meaningful_denominator) if has_threshold else None,
                    t.left_out,
                )
            )
        return GroupFigures(
            code=self.code,
            name=self.name,
            courses=len(self.courses),
            referred=self.enrolled + self.no_consent + self.not_asked,
            enrolled=self.enrolled,
            started=self.started,
            completed=self.finished_completers,
            finished_starters=self.finished_starters,
            finished_completers=self.finished_completers,
            left_out_no_consent=self.no_consent,
            left_out_not_asked=self.not_asked,
            headlines=tuple(headlines),
            with_start=self.with_start,
            with_both=self.with_both,
            finished_with_both=self.finished_with_both,
            follow_up=tuple(
                follow_up_counts(
                    point,
                    itertools.chain.from_iterable(
                        itertools.repeat(state, n) for state, n in states.items()
                    ),
                )
                for point, states in sorted(self.follow_up.items())
                if states
            ),
        )
