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
