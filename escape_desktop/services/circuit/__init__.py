"""The exercise circuit: who does what at which level, suggestions, stations, history, home plan.

Split along its seams: ``grid`` (read models: ``circuit_grid``, ``station_history``,
``home_plan``), ``recording`` (results and suggestions) and ``stations`` (which stations a
course uses). Callers import from this package. No Qt here.

Where a level and dose come from (the carry-forward rule): a person's cell in session N
shows what was recorded in session N; with nothing recorded yet it shows the latest of
(a) the level and target of their last recorded session before N and (b) a suggestion
the instructor accepted before N (a suggestion accepted in session M was decided after
M's results, so it wins over M's record). With no history at all: the first level and
its target dose.
"""

from .bulk import (
    AWAY,
    OpenSuggestion,
    SetDone,
    accept_suggestions,
    away_sentence,
    did_as_set,
    open_suggestions,
)
from .grid import (
    Cell,
    CircuitGrid,
    CircuitRow,
    GridStation,
    HistoryCache,
    HistoryPoint,
    HomePlan,
    HomePlanItem,
    SessionChoice,
    circuit_grid,
    course_sessions,
    default_session_number,
    grid_rows,
    home_plan,
    home_plan_for,
    pain_by_session,
    station_history,
)
from .recording import (
    CellSaved,
    ExerciseState,
    decide,
    exercise_state,
    restore_exercise_state,
    restore_states,
    save_cell,
    save_grid_cell,
    undo_decision,
)
from .stations import (
    DOSE_KIND_LABELS,
    CourseStationInfo,
    add_custom_station,
    available_stations,
    course_stations,
    set_course_stations,
)

__all__ = [
    "AWAY",
    "OpenSuggestion",
    "SetDone",
    "accept_suggestions",
    "away_sentence",
    "did_as_set",
    "open_suggestions",
    "restore_states",
    "ExerciseState",
    "exercise_state",
    "restore_exercise_state",
    "Cell",
    "CircuitGrid",
    "CircuitRow",
    "GridStation",
    "HistoryPoint",
    "HomePlan",
    "HomePlanItem",
    "SessionChoice",
    "CourseStationInfo",
    "HistoryCache",
    "circuit_grid",
    "grid_rows",
    "course_sessions",
    "default_session_number",
    "save_cell",
    "save_grid_cell",
    "CellSaved",
    "decide",
    "undo_decision",
    "station_history",
    "pain_by_session",
    "home_plan",
    "home_plan_for",
    "course_stations",
    "available_stations",
    "set_course_stations",
    "add_custom_station",
    "DOSE_KIND_LABELS",
]
