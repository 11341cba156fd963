"""The one path for a change from the window: typed changes reach the screens that show them
(not the one that made the change), a failure shows one known error and announces nothing,
an undo step is taken back with Ctrl+Z, and a hidden course tab reads once when shown."""

from __future__ import annotations

from datetime import timedelta

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QTabWidget, QWidget
from sqlalchemy import select

from escape_desktop.db.models import Attendance, Enrolment, Session
from escape_desktop.db.queries import course_by_code
from escape_desktop.services import courses as course_service
from escape_desktop.services.changes import Changes
from escape_desktop.ui.common import error_dialog
from escape_desktop.ui.common.change_bus import ChangeBus, OpChanges
from escape_desktop.ui.common.course_section import CourseSection, Stale
from escape_desktop.ui.common.operation import UndoStep, run_op
from escape_desktop.ui.documents.documents_section import DocumentsSection
from escape_desktop.ui.measures.measures_section import MeasuresSection
from escape_desktop.ui.people.people_ops import PeopleOps
from escape_desktop.ui.register.register_ops import RegisterOps
from escape_desktop.ui.register.register_section import RegisterSection


def _course(ctx, code: str) -> int:  # type: ignore[no-untyped-def]
    with ctx.db.read() as s:
        return course_by_code(s, code).id


def _shown(messages: list[tuple[str, str]], monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(
        error_dialog,
        "show_message",
        lambda parent, title, text, error=False: messages.append((title, text)),
    )


def test_a_register_mark_reaches_the_tabs_that_show_attendance_but_not_the_register(
    qtbot, demo_ctx, demo_today, monkeypatch
):
    bus = ChangeBus()
    ops = RegisterOps(demo_ctx, bus)
    register = RegisterSection(demo_ctx, bus, ops, today=demo_today + timedelta(days=1))
    documents = DocumentsSection(demo_ctx, bus)
    measures = MeasuresSection(demo_ctx, bus)
    for w in (register, documents, measures):
        qtbot.addWidget(w)
        w.set_course(_course(demo_ctx, "KH-2026-002"))
    reads: list[int] = []
    monkeypatch.setattr(register, "reload", lambda: reads.append(1))
    heard: list[tuple[OpChanges, object]] = []
    bus.changed.connect(lambda change, by: heard.append((change, by)))
    docs_before, measures_before = documents.loads, measures.loads
    person = register.model.rows[0]
    session = register.model.session_at(register.model.today_column())

    assert ops.mark(
        person.enrolment_id, session.id, "present", person.name, session.number, register
    )

    with demo_ctx.db.read() as s:
        mark = s.scalar(
            select(Attendance.mark).where(
                Attendance.enrolment_id == person.enrolment_id,
                Attendance.session_id == session.id,
            )
        )
    assert mark == "present"
    assert [(c.changes, c.ids, by) for c, by in heard] == [
        (Changes.ATTENDANCE, (person.enrolment_id,), register)
    ]
    assert reads == []  # the register already shows its own mark
    assert documents.loads == docs_before + 1  # the documents list who came
    assert measures.loads == measures_before + 1  # attendance counts in the figures

    # A change none of them shows (a printed document) makes none of them read again.
    bus.announce(Changes.DOCUMENT, [1])
    assert (reads, documents.loads, measures.loads) == ([], docs_before + 1, measures_before + 1)


def test_a_failing_service_shows_one_known_error_and_announces_nothing(
    qtbot, demo_ctx, monkeypatch
):
    messages: list[tuple[str, str]] = []
    _shown(messages, monkeypatch)
    bus = ChangeBus()
    heard: list[OpChanges] = []
    said: list[str] = []
    bus.changed.connect(lambda change, _by: heard.append(change))
    bus.saved.connect(said.append)
    with demo_ctx.db.read() as s:
        withdrawn = s.scalar(select(Enrolment.id).where(Enrolment.status == "withdrawn"))
    assert withdrawn is not None, "the demo has someone withdrawn"

    ok = PeopleOps(demo_ctx, bus).withdraw(withdrawn, "Could not get there", "Someone")

    assert not ok
    assert len(messages) == 1
    title, text = messages[0]
    assert "already withdrawn" in text  # the service's own sentence, not "something went wrong"
    assert "did not expect" not in text
    assert heard == [] and said == []
    assert bus.undo_stack.count() == 0  # nothing to undo either


def test_an_operation_with_an_undo_step_is_undone_with_ctrl_z(
    qtbot, demo_ctx, demo_today, make_window
):
    """Any operation becomes undoable by passing an UndoStep (here: session notes, not undoable
    from the register today), and Ctrl+Z in the window takes it back and says so."""
    window = make_window(demo_ctx, demo_today)
    qtbot.waitUntil(lambda: window.is_ready and window.checked, timeout=10000)
    with demo_ctx.db.read() as s:
        sid, before = s.execute(select(Session.id, Session.notes).limit(1)).one()
    said: list[str] = []
    window.bus.saved.connect(said.append)
    heard: list[Changes] = []
    window.bus.changed.connect(lambda change, _by: heard.append(change.changes))

    op = run_op(
        window,
        lambda: course_service.set_session_notes(demo_ctx, sid, "Hall too cold"),
        bus=window.bus,
        changes=Changes.SESSION,
        ids=[sid],
        message="Saved: notes",
        undo=UndoStep(
            "session notes",
            undo=lambda: course_service.set_session_notes(demo_ctx, sid, before),
            redo=lambda: course_service.set_session_notes(demo_ctx, sid, "Hall too cold"),
            undone="Undone: notes",
        ),
    )
    assert op.ok
    assert window.undo_action.text() == "&Undo session notes"

    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=3000)
    table = window.course_view.register.table
    table.setFocus()
    qtbot.keyClick(table, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)

    with demo_ctx.db.read() as s:
        assert s.get(Session, sid).notes == before
    assert heard == [Changes.SESSION, Changes.SESSION]  # once when made, once when undone
    assert said[-1] == "Undone: notes"


class _Counting(CourseSection):
    RELOAD_ON = Changes.ATTENDANCE | Changes.SESSION
    COURSE_WIDE = Changes.SESSION

    def __init__(self, ctx, bus):  # type: ignore[no-untyped-def]
        super().__init__(ctx, bus)
        self.loads: list[Stale] = []

    def load(self, level: Stale) -> None:
        self.loads.append(level)


def test_a_hidden_course_tab_reads_once_when_shown_after_changes(qtbot, ctx):
    bus = ChangeBus()
    tabs = QTabWidget()
    qtbot.addWidget(tabs)
    tabs.addTab(QWidget(), "Register")
    section = _Counting(ctx, bus)
    tabs.addTab(section, "Circuit")
    tabs.show()
    qtbot.waitExposed(tabs)
    section.set_course(7)  # hidden: nothing read yet
    tabs.setCurrentIndex(1)
    assert section.loads == [Stale.COURSE]
    tabs.setCurrentIndex(0)

    bus.announce(Changes.ATTENDANCE, [1])
    bus.announce(Changes.SESSION, [2])
    bus.announce(Changes.EXERCISE, [1])  # not shown by this tab
    bus.announce(Changes.COURSE, [99])  # another course
    assert section.loads == [Stale.COURSE]  # hidden: it only noted what to read

    tabs.setCurrentIndex(1)
    assert section.loads == [Stale.COURSE, Stale.COURSE]  # one read, the larger of the two
    tabs.setCurrentIndex(0)
    tabs.setCurrentIndex(1)
    assert len(section.loads) == 2  # nothing new: nothing read

    bus.announce(Changes.ATTENDANCE, [1])  # on screen: read at once
    bus.announce(Changes.ATTENDANCE, [1], initiator=section)  # its own: already shown
    assert section.loads == [Stale.COURSE, Stale.COURSE, Stale.DATA]
