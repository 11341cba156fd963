"""The instructor's documents in Welsh at their edges: short column words kept whole, a
language typed oddly on the command line."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pdf_fit import words

from escape_desktop import i18n
from escape_desktop.db.queries import course_by_code
from escape_desktop.services.documents import build_document

RUNNING = "KH-2026-002"  # the demo's running (hybrid) course


def _course(ctx, code: str) -> int:  # type: ignore[no-untyped-def]
    with ctx.db.read() as s:
        return course_by_code(s, code).id


@pytest.fixture
def welsh_window() -> Iterator[None]:
    i18n.set_ui_language("cy")
    yield
    i18n.set_ui_language(None)


@pytest.mark.parametrize("session", [1, 7, 12])
def test_the_welsh_sheets_short_column_words_stay_whole(
    demo_ctx, demo_today, welsh_window, tmp_path, session
):
    """'ymdr.' (effort) sits in its narrow column on one line: its full stop was wrapped
    onto a line of its own, into the first person's row."""
    out = tmp_path / "sheet-cy.pdf"
    cid = _course(demo_ctx, RUNNING)
    build_document(demo_ctx, "session-sheet", cid, out, today=demo_today, session_number=session)
    found, _sizes = words(out)
    first_page = [w.text for w in found if w.page == 1]
    cy = i18n.translator("cy")
    for word in ("aim", "done", "pain", "effort"):
        said = cy.pgettext("session sheet column, 5 letters at most", word)
        assert first_page.count(said) >= 4, (said, first_page)  # four stations a part
    assert "." not in first_page  # no full stop left alone on a line
