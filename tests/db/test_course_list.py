"""The window's courses list reads each course's phase in SQL and its figures only for the
rows shown (issue 29): what the instructor sees must be what every other surface says.

The phase decided from a course's first and last live session is checked against
programme.status's own rule over random courses, and the whole list against
course_summaries (the one full implementation) on many days of the demo's year.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from escape_desktop.context import AppContext
from escape_desktop.db import first_screen
from escape_desktop.programme import status as programme_status
from escape_desktop.programme.status import SessionFact

DAY0 = date(2026, 1, 1)


@given(
    sessions=st.lists(
        st.tuples(st.integers(0, 60), st.booleans()), min_size=0, max_size=12
    ),  # (day offset, cancelled)
    today=st.integers(-5, 70),
    closed=st.one_of(st.none(), st.integers(-5, 70)),
    taken=st.booleans(),
)
def test_the_phase_from_first_and_last_session_is_programme_status_phase(
    sessions: list[tuple[int, bool]], today: int, closed: int | None, taken: bool
) -> None:
    facts = [
        SessionFact(i, DAY0 + timedelta(days=d), cancelled, i + 1)
        for i, (d, cancelled) in enumerate(sessions)
    ]
    on = DAY0 + timedelta(days=today)
    closed_on = DAY0 + timedelta(days=closed) if closed is not None else None
    live = [x.date for x in facts if not x.cancelled]
    got = first_screen.list_phase(min(live, default=None), max(live, default=None), on, closed_on)
    day, closed_now = programme_status.decision_day(on, closed_on)
    keys = {x.key for x in facts} if taken else set()
    expected = programme_status.course_phase(facts, day, closed_now, keys)
    if got is None:  # only when the last live session is that very day: the marks decide
        assert max(live) == day and not closed_now
        assert expected in (programme_status.RUNNING, programme_status.FINISHED)
    else:
        assert got == expected


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(offset=st.integers(-120, 300))
def test_the_lazy_list_shows_what_course_summaries_decides(
    demo_ctx: AppContext, demo_today: date, offset: int
) -> None:
    today = demo_today + timedelta(days=offset)
    with demo_ctx.db.raw_read() as conn:
        full = {r.id: r for r in first_screen.course_summaries(conn, today)}
    lazy = first_screen.course_list(demo_ctx.db.raw_read, today)
    assert [r.id for r in lazy] == list(full)  # same courses, same order (newest first)
    for row in lazy:
        want = full[row.id]
        assert (row.status, row.start_date, row.end_date) == (
            want.status,
            want.start_date,
            want.end_date,
        )
        assert (row.code, row.title, row.venue, row.capacity, row.closed_on) == (
            want.code,
            want.title,
            want.venue,
            want.capacity,
            want.closed_on,
        )
        assert row.full() == want
        assert (row.participants, row.completers, row.sessions_delivered) == (
            want.participants,
            want.completers,
            want.sessions_delivered,
        )


def test_the_list_reads_figures_only_for_the_rows_asked(
    demo_ctx: AppContext, demo_today: date, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(first_screen, "PAGE", 2)
    reads: list[int] = []
    real = first_screen.course_summaries

    def counting(conn, today, **kwargs):  # type: ignore[no-untyped-def]
        rows = real(conn, today, **kwargs)
        reads.extend(r.id for r in rows)
        return rows

    monkeypatch.setattr(first_screen, "course_summaries", counting)
    rows = first_screen.course_list(demo_ctx.db.raw_read, demo_today)
    assert len(rows) == 7
    decided_now = len(reads)  # only a course whose last session is today is read up front
    first_screen.read_figures(rows[:2])
    assert len(reads) - decided_now <= 2
    assert rows[5].participants >= 0  # a row further down: its own page, read when asked
    assert rows[5].id in reads and len(reads) - decided_now <= 4
    with demo_ctx.db.raw_read() as conn:
        assert first_screen.any_course(conn)
