"""Registers not taken, on screen (issue 26 follow-up): the course's figures say so, the
Today panel lists them with a way to open each register, closing a course names them."""

from __future__ import annotations

from sqlalchemy import delete, select

from escape_desktop.db.models import Attendance, Course, Session
from escape_desktop.services.figures import course_figures
from escape_desktop.ui.common.change_bus import ChangeBus
from escape_desktop.ui.measures.measures_section import MeasuresSection


def forget(ctx, code: str, numbers: tuple[int, ...]) -> int:  # type: ignore[no-untyped-def]
    """Remove every mark at these sessions, as if their registers were never taken."""
    with ctx.db.transaction() as s:
        cid = s.scalar(select(Course.id).where(Course.code == code))
        ids = s.scalars(
            select(Session.id).where(Session.course_id == cid, Session.number.in_(numbers))
        ).all()
        s.execute(delete(Attendance).where(Attendance.session_id.in_(ids)))
    return int(cid)


def finished_code(ctx, today) -> str:  # type: ignore[no-untyped-def]
    with ctx.db.read() as s:
        rows = s.execute(select(Course.id, Course.code).order_by(Course.code)).all()
    for cid, code in rows:
        if course_figures(ctx, cid, today).summary.completers is not None:
            return code
    raise AssertionError("the demo has a finished course")


def test_the_courses_figures_on_screen_carry_the_line(qtbot, demo_ctx, demo_today):
    cid = forget(demo_ctx, finished_code(demo_ctx, demo_today), (4,))
    section = MeasuresSection(demo_ctx, ChangeBus())
    qtbot.addWidget(section)
    section.today = demo_today
    section.set_course(cid)
    section.tabs.setCurrentWidget(section.outcomes_page)
    text = section.outcome_heading.text()
    assert "1 session (4) has no register" in text and "counts it as held" in text


def running_course(ctx, today):  # type: ignore[no-untyped-def]
    """A course that started three weeks ago (Mon and Thu) with two people."""
    from datetime import timedelta

    from escape_desktop.services import attendance, courses, participants
    from escape_desktop.services.courses import CourseInput
    from escape_desktop.services.participants import ParticipantInput

    start = today - timedelta(days=21 + today.weekday())  # a Monday three weeks back
    cid = courses.create_course(
        ctx,
        CourseInput(
            title="Knees, Demo Hall", programme_key="knee_hip", start_date=start.isoformat(),
            weekdays=[0, 3], venue="Demo Hall", start_time="10:00", capacity=12,
            instructors=["Sam Demo-Physio"],
        ),
    )  # fmt: skip
    ids = [
        participants.enrol_participant(
            ctx,
            cid,
            ParticipantInput(first_name=f, last_name="Demo-Close", consent_programme=True),
            joined_at=1,  # there from the start, typed in late
        )[1]
        for f in ("Ada", "Bill")
    ]
    with ctx.db.read() as s:
        sessions = dict(
            s.execute(select(Session.number, Session.id).where(Session.course_id == cid)).all()
        )
    for n in (1, 2, 4):  # the registers of sessions 1, 2 and 4 taken; 3 forgotten
        for eid in ids:
            attendance.mark_attendance(ctx, eid, sessions[n], "present")
    return cid


def test_closing_names_the_untaken_registers_before_the_instructor_confirms(
    qtbot, ctx, monkeypatch
):
    from datetime import date

    from PySide6.QtWidgets import QMessageBox

    from escape_desktop.services import courses
    from escape_desktop.ui.courses import course_close

    cid = running_course(ctx, date.today())
    missing = courses.registers_not_taken_on_closing(ctx, cid)
    assert missing[0] == 3 and 1 not in missing and 4 not in missing
    asked: list[str] = []

    def answer(_parent, _title, text, *_args):  # type: ignore[no-untyped-def]
        asked.append(text)
        return QMessageBox.StandardButton.No

    monkeypatch.setattr(course_close.QMessageBox, "question", answer)
    course_close.toggle_course_closed(ctx, ChangeBus(), None, cid)
    (text,) = asked
    assert "no register" in text and "(3" in text and "mark them cancelled" in text
    assert courses.course_closed_on(ctx, cid) is None  # they said no: nothing changed


def test_closing_without_missing_registers_asks_the_plain_question(ctx):
    from datetime import date, timedelta

    from escape_desktop.services import courses
    from escape_desktop.services.courses import CourseInput
    from escape_desktop.ui.courses import course_close

    later = courses.create_course(
        ctx,
        CourseInput(
            title="Hips, Demo Hall", programme_key="knee_hip",
            start_date=(date.today() + timedelta(days=14)).isoformat(), weekdays=[1],
            venue="Demo Hall", start_time="10:00", capacity=12, instructors=["Sam Demo-Physio"],
        ),
    )  # fmt: skip
    assert course_close.close_question(ctx, later) == course_close.CLOSE_QUESTION


def test_course_close_on_the_command_line_warns_and_still_closes(ctx, capsys):
    from datetime import date

    from escape_desktop.cli import main
    from escape_desktop.services import courses

    cid = running_course(ctx, date.today())
    with ctx.db.read() as s:
        code = s.scalar(select(Course.code).where(Course.id == cid))
    assert main(["course", "close", "--course", code, "--data-dir", str(ctx.data_dir)]) == 0
    out = capsys.readouterr()
    warning = [line for line in out.err.splitlines() if line.strip()]
    assert len(warning) == 1 and warning[0].startswith("Warning:")
    assert "no register" in warning[0] and "(3" in warning[0]
    assert "Closed" in out.out
    assert courses.course_closed_on(ctx, cid) == date.today()


def test_the_course_heading_says_so_until_the_register_is_taken(
    qtbot, demo_ctx, demo_today, make_window
):
    from escape_desktop.services import attendance

    cid = forget(demo_ctx, finished_code(demo_ctx, demo_today), (5,))
    window = make_window(demo_ctx, demo_today)
    qtbot.waitUntil(lambda: window.is_ready)
    window.open_course(cid)
    view = window.course_view
    qtbot.waitUntil(lambda: "1 session (5) has no register" in view._subtitle_full)
    # Taking the register (one mark is enough) takes the line away.
    reg = view.register.model
    session = next(x for x in reg.register.sessions if x.number == 5)
    row = reg.rows[0]
    attendance.mark_attendance(demo_ctx, row.enrolment_id, session.id, "present")
    reg.set_mark(0, session.id, "present")
    qtbot.waitUntil(lambda: "no register" not in view._subtitle_full)
