"""The grid's fast HistoryPoint (issue 29) is the same value as the dataclass's own."""

from dataclasses import fields
from datetime import date

from escape_desktop.services.circuit.grid import HistoryPoint, _history_point


def test_fast_point_equals_the_dataclass_point():
    made = HistoryPoint(
        session_number=3,
        level=1,
        target_dose=8.0,
        dose_achieved=None,
        pain=2,
        effort=5,
        session_date=date(2026, 11, 9),
        level_name="Level 2",
    )
    fast = _history_point(3, 1, 8.0, None, 2, 5, date(2026, 11, 9), "Level 2")
    assert fast == made and hash(fast) == hash(made) and repr(fast) == repr(made)
    # A field added to HistoryPoint must be set by the fast path too.
    assert set(vars(fast)) == {f.name for f in fields(HistoryPoint)}
