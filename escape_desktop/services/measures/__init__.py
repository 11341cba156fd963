"""Start and end measures: what a course uses, entry of a person's set, results and class outcomes.

Split along its seams: ``entry`` (what is recorded), ``results`` (one person's results) and
``outcomes`` (class analytics). Callers import from this package.
"""

from .entry import (
    TIMEPOINT_LABELS,
    MeasureInput,
    MeasuresDay,
    MeasuresEntryRow,
    MeasuresState,
    Replacement,
    StoredMeasure,
    WouldReplace,
    course_instruments,
    default_assessment_date,
    entry_overview,
    measures_day,
    measures_state,
    person_measures,
    record_measures,
    replacements,
    restore_measures_state,
)
from .outcomes import (
    DOMAIN_LABELS,
    CourseOutcomes,
    InstrumentSummary,
    ModeGroup,
    ParticipantOutcome,
    Proportion,
    completion_text,
    course_outcomes,
    course_programme,
    outcomes_for_range,
    proportion_text,
    ratio_text,
)
from .results import InstrumentResult, participant_results

__all__ = [
    "MeasuresDay",
    "Replacement",
    "WouldReplace",
    "measures_day",
    "replacements",
    "MeasuresState",
    "measures_state",
    "restore_measures_state",
    "DOMAIN_LABELS",
    "TIMEPOINT_LABELS",
    "MeasureInput",
    "StoredMeasure",
    "MeasuresEntryRow",
    "InstrumentResult",
    "ParticipantOutcome",
    "InstrumentSummary",
    "Proportion",
    "CourseOutcomes",
    "ModeGroup",
    "course_instruments",
    "default_assessment_date",
    "entry_overview",
    "person_measures",
    "record_measures",
    "participant_results",
    "course_outcomes",
    "completion_text",
    "proportion_text",
    "ratio_text",
    "outcomes_for_range",
    "course_programme",
]
