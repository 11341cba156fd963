"""Every screen within one frame, every write within 5 ms, with the whole main window open.

Issue 29, item 2. Each figure is measured with the whole main window open and listening, from
the user's action until the window is laid out and painted (queued events delivered, then a
paint of what changed), and compared with a baseline measured in the same run, alternated with
it: a bare window of the same size whose table is filled from one raw SELECT and painted the
same way (screens), or a raw UPDATE + commit (writes).

Targets: a course switch, the circuit grid shown, the Measures tab and the Documents tab each
<= 16 ms (one frame at 60 Hz); a register mark, a circuit cell and a measure score saved from
the window <= 5 ms end to end.

Each measure is a function taking a data folder (the growth benchmark calls them at 1x, 4x and
16x the large demo's history). The write measures change the folder they are given: they
alternate one mark, one circuit result and one measure score between two values.
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import itertools
import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from benchmarks.common import QUICK, check, large_demo_copy, report

FRAME_MS = 16.0  # one frame at 60 Hz
WRITE_MS = 5.0
WINDOW = (1366, 768)
# The window's today is the real one, as for a user: the large demo is built around the day it
# was made, so the Today panel and its follow-ups count are on screen and listening.
TODAY: date | None = None


@dataclass(frozen=True)
class Timing:
    """Medians of alternated runs: the measured action and its baseline, wall and CPU."""

    seconds: float
    baseline: float
    cpu: float
    baseline_cpu: float
    what: str = ""

    def line(self) -> str:
        return (
            f"    cpu: {self.cpu * 1000:.1f} ms, baseline cpu {self.baseline_cpu * 1000:.1f} ms"
            + (f" ({self.what})" if self.what else "")
        )


def alternate(
    fn: Callable[[], object],
    baseline: Callable[[], object],
    repeat: int = 15,
    warmup: int = 2,
    before: Callable[[], object] | None = None,
) -> Timing:
    """Run ``fn`` and ``baseline`` in turn ``repeat`` times; the medians of each. ``before``
    runs untimed before each run (the pause between a user's actions)."""
    if QUICK:
        repeat, warmup = 1, 0
    for _ in range(warmup):
        fn()
        baseline()
    walls: tuple[list[float], list[float]] = ([], [])
    cpus: tuple[list[float], list[float]] = ([], [])
    for _ in range(repeat):
        for i, f in enumerate((fn, baseline)):
            settle()  # nothing left over from the run before is counted in this one
            if before is not None:
                before()
            c0, t0 = time.process_time(), time.perf_counter()
            f()
            walls[i].append(time.perf_counter() - t0)
            cpus[i].append(time.process_time() - c0)
    return Timing(
        statistics.median(walls[0]),
        statistics.median(walls[1]),
        statistics.median(cpus[0]),
        statistics.median(cpus[1]),
    )


def _app() -> Any:
    from PySide6.QtWidgets import QApplication

    return QApplication.instance() or QApplication([])


def settle(_widget: Any = None) -> None:
    """Deliver queued events until none is left (layouts, then the paints they ask for): what
    Qt marked dirty is laid out and painted, as on screen, and nothing more is forced. Timers
    not yet due (a refresh deferred on purpose) are not waited for."""
    from PySide6.QtCore import QEventLoop

    app = _app()
    dispatcher = app.eventDispatcher()
    for _ in range(50):
        app.sendPostedEvents()
        if not dispatcher.processEvents(QEventLoop.ProcessEventsFlag.AllEvents):
            break


@contextmanager
def main_window(folder: Path) -> Iterator[tuple[Any, Any]]:
    """The whole main window on ``folder``, shown, with every course tab built and listening."""
    from escape_desktop.context import AppContext
    from escape_desktop.ui.app.main_window import create_main_window

    app = _app()
    ctx = AppContext.open(folder)
    window = create_main_window(ctx, today=TODAY)
    window.resize(*WINDOW)
    window.show()
    settle(window)
    try:
        yield ctx, window
    finally:
        window.close()
        window.deleteLater()
        app.processEvents()
        ctx.close()


def busy_courses(ctx: Any, n: int = 2) -> list[int]:
    """The ``n`` courses with most people (not withdrawn), far apart in time: each switch reads
    again from another part of the file."""
    with ctx.db.raw_read() as conn:
        rows = conn.execute(
            "SELECT e.course_id, count(*) FROM enrolments e "
            "WHERE e.status != 'withdrawn' GROUP BY e.course_id ORDER BY 2 DESC, 1"
        ).fetchall()
    ids = [r[0] for r in rows]
    top = max(rows[0][1], 1)
    full = sorted(i for i, c in rows if c == top) or ids[:n]
    step = max(len(full) // n, 1)
    picked = full[::step][:n]
    return picked + [i for i in ids if i not in picked][: n - len(picked)]


class BareTable:
    """The baseline screen: a bare main window of the same size with one table, filled from one
    raw SELECT of the rows the screen shows, then painted."""

    def __init__(self, ctx: Any, sql: str):
        from PySide6.QtWidgets import QMainWindow, QTableView

        self.ctx, self.sql = ctx, sql
        self.window = QMainWindow()
        self.view = QTableView(self.window)
        self.window.setCentralWidget(self.view)
        self.window.resize(*WINDOW)
        self.window.show()
        settle(self.window)

    def show(self, *params: object) -> None:
        from PySide6.QtGui import QStandardItem, QStandardItemModel

        with self.ctx.db.raw_read() as conn:
            rows = conn.execute(self.sql, params).fetchall()
        model = QStandardItemModel(self.view)
        place: dict[object, int] = {}
        columns: dict[object, int] = {}
        for key, name, column, value in rows:
            r = place.setdefault(key, len(place))
            if model.item(r, 0) is None:
                model.setVerticalHeaderItem(r, QStandardItem(str(name)))
            if column is not None:
                c = columns.setdefault(column, len(columns))
                model.setItem(r, c, QStandardItem("" if value is None else str(value)))
        old = self.view.model()
        self.view.setModel(model)
        if old is not None:
            old.deleteLater()
        settle(self.window)

    def close(self) -> None:
        self.window.close()
        self.window.deleteLater()


REGISTER_SQL = """
SELECT e.id, p.first_name || ' ' || p.last_name, s.number, a.mark
FROM enrolments e
JOIN participants p ON p.id = e.participant_id
JOIN sessions s ON s.course_id = e.course_id
LEFT JOIN attendance a ON a.enrolment_id = e.id AND a.session_id = s.id
WHERE e.course_id = ?
ORDER BY p.last_name, p.first_name, s.number
"""

CIRCUIT_SQL = """
SELECT e.id, p.first_name || ' ' || p.last_name, r.station_key,
       'L' || (r.level + 1) || ' aim ' || r.target_dose || ' did ' || ifnull(r.dose_achieved, '-')
FROM enrolments e
JOIN participants p ON p.id = e.participant_id
JOIN sessions s ON s.course_id = e.course_id AND s.number = ?
LEFT JOIN exercise_records r ON r.enrolment_id = e.id AND r.session_id = s.id
WHERE e.course_id = ? AND e.status != 'withdrawn'
ORDER BY p.last_name, p.first_name
"""

MEASURES_SQL = """
SELECT e.id, p.first_name || ' ' || p.last_name, a.instrument_key || ' ' || a.timepoint, a.score
FROM enrolments e
JOIN participants p ON p.id = e.participant_id
LEFT JOIN assessments a ON a.enrolment_id = e.id
WHERE e.course_id = ?
ORDER BY p.last_name, p.first_name
"""


def _switch(folder: Path, tab: int, sql: str, what: str) -> Timing:
    """Switch between two busy courses with tab ``tab`` current, until painted."""
    with main_window(folder) as (ctx, window):
        courses = busy_courses(ctx)
        window.open_course(courses[0])
        window.course_view.show_section(tab)
        settle(window)
        switch = itertools.cycle(courses[::-1])
        base_switch = itertools.cycle(courses[::-1])
        bare = BareTable(ctx, sql)

        def show() -> None:
            window.open_course(next(switch))
            settle(window)

        try:
            t = alternate(show, lambda: bare.show(next(base_switch)))
        finally:
            bare.close()
    return Timing(t.seconds, t.baseline, t.cpu, t.baseline_cpu, what)


def course_switch(folder: Path) -> Timing:
    """Choose another course in the list, the register tab current (the course view, heading
    and register grid read and painted)."""
    from escape_desktop.ui.courses.course_view import TAB_REGISTER

    return _switch(folder, TAB_REGISTER, REGISTER_SQL, "register tab current")


def measures_tab(folder: Path) -> Timing:
    """A course switch with the Measures tab current (people, form, figures, chart painted)."""
    from escape_desktop.ui.courses.course_view import TAB_MEASURES

    return _switch(folder, TAB_MEASURES, MEASURES_SQL, "measures tab current")


def documents_tab(folder: Path) -> Timing:
    """A course switch with the Documents tab current (its list of people painted)."""
    from escape_desktop.ui.courses.course_view import TAB_DOCUMENTS

    return _switch(folder, TAB_DOCUMENTS, REGISTER_SQL, "documents tab current")


def _circuit_course(ctx: Any) -> tuple[int, int, int]:
    """(course id, two session numbers) of the busiest course with held sessions."""
    course = busy_courses(ctx, 1)[0]
    with ctx.db.raw_read() as conn:
        numbers = [
            r[0]
            for r in conn.execute(
                "SELECT number FROM sessions WHERE course_id = ? AND NOT cancelled ORDER BY number",
                (course,),
            )
        ]
    return course, numbers[len(numbers) // 2 - 1], numbers[len(numbers) // 2]


def circuit_shown(folder: Path) -> Timing:
    """The circuit tab current, choose another session: the grid read, laid out and painted."""
    from escape_desktop.ui.courses.course_view import TAB_CIRCUIT

    with main_window(folder) as (ctx, window):
        course, a, b = _circuit_course(ctx)
        window.open_course(course)
        window.course_view.show_section(TAB_CIRCUIT)
        section = window.course_view.circuit
        settle(window)
        numbers = itertools.cycle([b, a])
        base_numbers = itertools.cycle([b, a])
        bare = BareTable(ctx, CIRCUIT_SQL)

        def show() -> None:
            section.show_session(next(numbers))
            settle(window)

        try:
            t = alternate(show, lambda: bare.show(next(base_numbers), course))
        finally:
            bare.close()
        size = f"{section.model.rowCount()} people x {section.model.columnCount()} stations"
    return Timing(t.seconds, t.baseline, t.cpu, t.baseline_cpu, size)


def idle(window: Any) -> None:
    """The pause after a change, before the user's next key: the window's deferred refresh
    (the Today panel, read again a moment after a run of changes) runs now, untimed, so a
    timed write never pays for the one before it. Its own cost is reported apart."""
    timer = getattr(window, "_today_later", None)
    if timer is not None and timer.isActive():
        timer.stop()
        window._refresh_today()
    settle()


def today_refresh(folder: Path) -> Timing:
    """The deferred work after a change: the Today panel read again (its counts and the
    follow-ups due), against one raw count of the follow-ups table."""
    with main_window(folder) as (ctx, window):

        def base() -> None:
            with ctx.db.raw_read() as conn:
                conn.execute("SELECT count(*) FROM follow_ups").fetchone()

        t = alternate(window._refresh_today, base, repeat=7, warmup=1)
    return Timing(t.seconds, t.baseline, t.cpu, t.baseline_cpu, "after a change, off the write")


def transactions(ctx: Any, action: Callable[[], object]) -> tuple[int, int]:
    """(write transactions, statements) that one run of ``action`` sends to the database,
    counted with SQLAlchemy's cursor events (BEGIN IMMEDIATE opens a write; issue 29: a user
    action is one unit of work)."""
    from sqlalchemy import event

    seen: list[str] = []

    def before(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(statement.strip().upper())

    event.listen(ctx.db.engine, "before_cursor_execute", before)
    try:
        action()
    finally:
        event.remove(ctx.db.engine, "before_cursor_execute", before)
    return sum(1 for x in seen if x == "BEGIN IMMEDIATE"), len(seen)


# Counted once per write measure and asserted (``check``): one write transaction.
UNITS: dict[str, tuple[int, int]] = {}


def _raw_update(ctx: Any, sql: str, row_id: int) -> Callable[[], None]:
    """The write baseline: one raw UPDATE of the same row and its commit (the same durability
    settings). It moves only the row's time stamp: a baseline that changed the value would make
    the next measured write a no-op."""
    raw = ctx.db.engine.raw_connection()

    def write() -> None:
        cur = raw.cursor()
        cur.execute("BEGIN IMMEDIATE")
        cur.execute(sql, (datetime.now().isoformat(sep=" "), row_id))
        cur.execute("COMMIT")
        cur.close()

    return write


def mark_saved(folder: Path) -> Timing:
    """A register mark typed in the grid of the whole window (absent, present, ...)."""
    from escape_desktop.ui.courses.course_view import LAZY_SECTIONS, TAB_REGISTER

    with main_window(folder) as (ctx, window):
        course = busy_courses(ctx, 1)[0]
        window.open_course(course)
        for tab in [*LAZY_SECTIONS, TAB_REGISTER]:  # every tab built and listening
            window.course_view.show_section(tab)
            settle(window)
        register = window.course_view.register
        model = register.model
        row = next(i for i, r in enumerate(model.rows) if r.status != "withdrawn")
        session = next(x for x in model.sessions if not x.cancelled)
        cell = model.index(row, model.column_of_session(session.id))
        enrolment = model.rows[row].enrolment_id
        marks = itertools.cycle(["absent", "present"])

        def mark() -> None:
            register._on_mark_requested(cell, next(marks))
            settle(window)

        mark()  # the mark exists from here on
        with ctx.db.raw_read() as conn:
            (mark_id,) = conn.execute(
                "SELECT id FROM attendance WHERE enrolment_id = ? AND session_id = ?",
                (enrolment, session.id),
            ).fetchone()
        baseline = _raw_update(ctx, "UPDATE attendance SET updated_at = ? WHERE id = ?", mark_id)
        idle(window)
        UNITS["register mark"] = transactions(ctx, mark)
        t = alternate(mark, baseline, repeat=21, before=lambda: idle(window))
    return Timing(t.seconds, t.baseline, t.cpu, t.baseline_cpu, "register tab current")


def cell_saved(folder: Path) -> Timing:
    """One circuit result typed in the grid of the whole window (done, pain, effort)."""
    from escape_desktop.ui.courses.course_view import TAB_CIRCUIT

    with main_window(folder) as (ctx, window):
        course, a, _b = _circuit_course(ctx)
        window.open_course(course)
        window.course_view.show_section(TAB_CIRCUIT)
        section = window.course_view.circuit
        section.show_session(a)
        settle(window)
        model = section.model
        row = next(
            i
            for i in range(model.rowCount())
            if model.row_at(i).attendance == "present" and not model.row_at(i).needs_review
        )
        index = model.index(row, 0)
        values = itertools.count(1)

        def save() -> None:
            done = str(next(values) % 12 + 1)
            ok = model.setData(index, {"dose_achieved": done, "pain": "2", "effort": "5"})
            assert ok, model.last_error
            settle(window)

        save()  # the record exists from here on
        with ctx.db.raw_read() as conn:
            (record,) = conn.execute(
                "SELECT id FROM exercise_records WHERE enrolment_id = ? AND session_id = ? "
                "AND station_key = ?",
                (model.row_at(row).enrolment_id, model.grid.session_id, model.grid.stations[0].key),
            ).fetchone()
        baseline = _raw_update(
            ctx, "UPDATE exercise_records SET updated_at = ? WHERE id = ?", record
        )
        idle(window)
        UNITS["circuit cell"] = transactions(ctx, save)
        t = alternate(save, baseline, repeat=21, before=lambda: idle(window))
    return Timing(t.seconds, t.baseline, t.cpu, t.baseline_cpu, "circuit tab current")


def measure_saved(folder: Path) -> Timing:
    """One person's measure score typed in the Measures tab of the whole window and saved
    (the replace question answered yes, as the user does when correcting a value)."""
    from escape_desktop.ui.courses.course_view import TAB_MEASURES

    with main_window(folder) as (ctx, window):
        course = busy_courses(ctx, 1)[0]
        window.open_course(course)
        window.course_view.show_section(TAB_MEASURES)
        section = window.course_view.measures
        settle(window)
        section.people_view.setCurrentIndex(section.people_model.index(0, 0))
        settle(window)
        entry = section.entry
        entry._confirm_replace = lambda _changing: True
        field = next(f for f in entry.fields.values() if not f.item_keys)
        inst = field.instrument
        low, high = int(inst.min), int(inst.max)
        scores = itertools.cycle([str(low + 1), str(min(low + 2, high))])

        def save() -> None:
            field.editors[0].setText(next(scores))
            ok = entry.save()
            assert ok, entry.message.text()
            settle(window)

        save()
        with ctx.db.raw_read() as conn:
            (assessment,) = conn.execute(
                "SELECT id FROM assessments WHERE enrolment_id = ? AND instrument_key = ? "
                "AND timepoint = ?",
                (entry.enrolment_id, inst.key, entry.current_timepoint()),
            ).fetchone()
        baseline = _raw_update(
            ctx, "UPDATE assessments SET updated_at = ? WHERE id = ?", assessment
        )
        t = alternate(save, baseline, repeat=21, before=lambda: idle(window))
    return Timing(t.seconds, t.baseline, t.cpu, t.baseline_cpu, inst.key)


SCREENS: list[tuple[str, Callable[[Path], Timing], str]] = [
    ("course switch, whole window", course_switch, "bare window, one SELECT, painted"),
    ("circuit grid shown, whole window", circuit_shown, "bare window, one SELECT, painted"),
    ("measures tab shown, whole window", measures_tab, "bare window, one SELECT, painted"),
    ("documents tab shown, whole window", documents_tab, "bare window, one SELECT, painted"),
]
WRITES: list[tuple[str, Callable[[Path], Timing], str]] = [
    ("register mark saved, whole window", mark_saved, "raw UPDATE + commit"),
    ("circuit cell saved, whole window", cell_saved, "raw UPDATE + commit"),
    ("measure score saved, whole window", measure_saved, "raw UPDATE + commit"),
]
# Reported, not asserted: the work a change leaves for the pause after it.
AFTER = ("Today panel read again after a change", today_refresh, "one raw count")


def sixteen_people(folder: Path) -> None:
    """Enrol people into the busiest course until it has 16 (the circuit target's grid)."""
    from escape_desktop.context import AppContext
    from escape_desktop.services import participants
    from escape_desktop.services.participants import ParticipantInput

    ctx = AppContext.open(folder)
    try:
        course = busy_courses(ctx, 1)[0]
        with ctx.db.raw_read() as conn:
            (people,) = conn.execute(
                "SELECT count(*) FROM enrolments WHERE course_id = ? AND status != 'withdrawn'",
                (course,),
            ).fetchone()
        with ctx.db.engine.begin() as conn:
            conn.exec_driver_sql(
                "UPDATE courses SET capacity = max(capacity, 16) WHERE id = ?", (course,)
            )
        for i in range(16 - people):
            participants.enrol_participant(
                ctx,
                course,
                ParticipantInput(
                    first_name=f"Extra{i}", last_name="Demo-Bench", consent_programme=True
                ),
            )
    finally:
        ctx.close()


def main(only: str = "") -> list[dict]:
    _app()
    folder = large_demo_copy("bench-screens")
    sixteen_people(folder)
    results = []
    for name, fn, base, limit in [(*x, FRAME_MS) for x in SCREENS] + [
        (*x, WRITE_MS) for x in WRITES
    ]:
        if only and only not in fn.__name__:
            continue
        t = fn(folder)
        results.append(report(name, t.seconds, base, t.baseline, f"<= {limit:g} ms", max_ms=limit))
        print(t.line(), flush=True)
    for what, (writes, statements) in UNITS.items():
        print(f"    {what}: {statements} statements with the whole window listening", flush=True)
        check(f"{what} saved: write transactions", writes, 1, "transaction(s)")
    name, fn, base = AFTER
    if not only or only in fn.__name__:
        t = fn(folder)
        results.append(report(name, t.seconds, base, t.baseline, "reported only"))
        print(t.line(), flush=True)
    return results


if __name__ == "__main__":
    import sys

    main(sys.argv[1] if len(sys.argv) > 1 else "")
