"""The row a registry keeps for each person (``records.row``, read by the merged export and
the report) is the very JSON text json.dumps gives, whatever the cells hold: the load writes
it a piece at a time for speed (registry.load.row_writer)."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from escape_desktop.registry.load import row_writer

cells = st.text(alphabet=st.characters(codec="utf-8"), max_size=12)
# An upload's header names each column once, and the site's column is the one left out.
names = cells.filter(lambda name: name != "site_code")


@given(st.lists(st.tuples(names, cells), min_size=1, max_size=8, unique_by=lambda kv: kv[0]))
def test_the_row_kept_is_the_json_text_of_its_cells(pairs):  # type: ignore[no-untyped-def]
    header = ["site_code", *(k for k, _ in pairs)]
    row = ["S1", *(v for _, v in pairs)]
    text = row_writer(header)(row)
    assert text == json.dumps(dict(pairs), ensure_ascii=False, separators=(",", ":"))
    assert json.loads(text) == dict(pairs)


# A measure's cell as an upload holds it: blank, a whole number or a decimal, maybe "3.0".
scores = st.one_of(
    st.just(""),
    st.integers(-200, 200).map(str),
    st.floats(-200, 200, allow_nan=False).map(lambda x: f"{x:.{abs(hash(x)) % 4}f}"),
)
slots = st.tuples(*[st.one_of(st.none(), st.integers(0, 2))] * 3)
measure_names = st.text(alphabet=st.characters(codec="utf-8"), min_size=1, max_size=8)


@given(
    st.lists(st.tuples(measure_names, slots), max_size=5, unique_by=lambda kv: kv[0]),
    st.lists(scores, min_size=3, max_size=3),
)
def test_the_measures_kept_are_the_json_text_of_their_numbers(measures, cells):  # type: ignore[no-untyped-def]
    from escape_desktop.registry.load import _MEASURES_JSON, _num, measures_writer

    expected = _MEASURES_JSON(
        {k: [_num(cells[i]) if i is not None else None for i in idx] for k, idx in measures}
    )
    assert measures_writer(measures)(cells) == expected
    assert json.loads(expected) == json.loads(measures_writer(measures)(cells))
