"""The upload's columns made a whole column at a time give the cells one row at a time gave.

export/upload_rows.py renders each distinct value of a column once and looks the cells up
(issue 29, item 3). A table keyed by value would merge values Python holds equal but the file
writes differently (True, 1 and 1.0; 0 and False), so a column mixing them must still give
each its own text. Checked on random columns: missing values, Welsh and formula-like text,
4-digit counts, dates before 1000 and in a non-ISO format, measures with and without a
start or end, a mapping with a default.
"""

from __future__ import annotations

from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from escape_desktop.export.upload_profile import ColumnSpec, FileSpec, Profile
from escape_desktop.export.upload_rows import _cell_fn, _column_cells, _Row

START = date(2026, 1, 12)

values = st.one_of(
    st.none(),
    st.sampled_from([True, False, 1, 0, 1.0, 0.0, date(999, 12, 31), date(5, 6, 7)]),
    st.integers(-9999, 9999),
    st.floats(-9999, 9999, allow_nan=False),
    st.sampled_from(["Siân Llŷr", "=SUM(A1)", "-2", " +1", "line\nbreak", "back\\slash", ""]),
    st.text(max_size=8),
    st.dates(min_value=date(1, 1, 1), max_value=date(2100, 1, 1)),
)
scores = st.one_of(
    st.none(),
    st.tuples(
        st.one_of(st.none(), st.floats(-100, 100, allow_nan=False), st.integers(0, 1000)),
        st.booleans(),
        st.one_of(st.none(), st.dates(min_value=date(900, 1, 1))),
    ),
)
columns = st.sampled_from(
    [
        ColumnSpec("a", "participant.notes", "text", ""),
        ColumnSpec("b", "enrolment.sessions_attended", "integer", ""),
        ColumnSpec("c", "enrolment.attendance_percent", "number", "", decimals=1),
        ColumnSpec("d", "participant.consent_share", "boolean", ""),
        ColumnSpec("e", "enrolment.withdrawn_on", "date", ""),
        ColumnSpec(
            "f",
            "participant.sex",
            "code",
            "",
            mapping=(("true", "yes"), ("1", "one"), ("1.0", "one point"), ("", "blank")),
            default="=other",
        ),
        ColumnSpec("g", "instrument.pain_nrs.start", "number", "", decimals=1),
        ColumnSpec("h", "instrument.pain_nrs.change", "number", "", decimals=2),
        ColumnSpec("i", "instrument.pain_nrs.start_date", "date", ""),
        ColumnSpec("j", "instrument.pain_nrs.adapted_end", "boolean", ""),
        ColumnSpec("k", "participant.date_of_birth", "text", "", transform="age_band"),
        ColumnSpec("l", "participant.date_of_birth", "integer", "", transform="year"),
    ]
)


def _profile(date_format: str, line_breaks: str) -> Profile:
    return Profile(
        "p",
        "p",
        "",
        "test",
        FileSpec("enrolment", (), ()),
        None,
        date_format=date_format,
        line_breaks=line_breaks,
        true_value="Y",
        false_value="N",
        age_edges=(18, 65),
        age_labels=("<18", "18-64", "65+"),
        age_unknown="unknown",
    )


@settings(max_examples=100, deadline=None)
@given(
    col=columns,
    cells=st.lists(st.tuples(values, scores, scores), max_size=12),
    date_format=st.sampled_from(["%Y-%m-%d", "%d/%m/%Y"]),
    line_breaks=st.sampled_from(["space", "escape", "keep"]),
)
def test_a_column_at_a_time_gives_the_cells_a_row_at_a_time_gave(
    col, cells, date_format, line_breaks
):
    profile = _profile(date_format, line_breaks)
    rows = []
    for value, start, end in cells:
        if col.transform and not isinstance(value, date):
            value = None  # a date of birth is a date or missing
        if col.type == "date" and not col.source.startswith("instrument."):
            value = value if isinstance(value, date) else None
        got = {}
        if start is not None:
            got[("pain_nrs", "start")] = start
        if end is not None:
            got[("pain_nrs", "end")] = end
        rows.append(_Row({col.source: value}, START, got))
    one_at_a_time = _cell_fn(col, profile)
    try:
        expected = [one_at_a_time(r) for r in rows]
    except (TypeError, ValueError, OverflowError):
        return  # a value this column never holds (text in a number column)
    assert _column_cells(col, profile, rows) == expected


@settings(max_examples=100, deadline=None)
@given(
    days=st.lists(
        st.one_of(st.dates(), st.sampled_from([date(999, 12, 31), date(5, 6, 7)])), max_size=6
    ),
    date_format=st.sampled_from(["%Y-%m-%d", "%d/%m/%Y"]),
)
def test_a_date_reads_as_the_profile_format_says(days, date_format):
    # The ISO fast path must give strftime's text, even for a year before 1000.
    col = ColumnSpec("e", "enrolment.withdrawn_on", "date", "")
    rows = [_Row({col.source: day}, START, {}) for day in days]
    assert _column_cells(col, _profile(date_format, "space"), rows) == [
        day.strftime(date_format) for day in days
    ]
