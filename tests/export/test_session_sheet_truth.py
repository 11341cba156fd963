"""The instructor's session sheet tells the truth: its reminders, its rows and its legend."""

from __future__ import annotations

import re

from pypdf import PdfReader
from sqlalchemy import select

from escape_desktop.db.models import Attendance, Enrolment, Participant, Session
from escape_desktop.programme.status import PRESENT
from escape_desktop.services.documents import build_document, course_info, measures_due


def _text(path) -> str:  # type: ignore[no-untyped-def]
    return re.sub(r"\s+", " ", " ".join(p.extract_text() or "" for p in PdfReader(str(path)).pages))


def _course_and_first(ctx, today):  # type: ignore[no-untyped-def]
    """A course whose first session is past, with its first session's number and id."""
    from escape_desktop.db.models import Course

    with ctx.db.read() as s:
        for course in s.scalars(select(Course).order_by(Course.id)):
            live = sorted((x for x in course.sessions if not x.cancelled), key=lambda x: x.number)
            if live and live[0].date < today and live[-1].date >= today:
                return course.id, live[0]
    raise AssertionError("the demo has a running course")


def test_start_measure_reminders_name_only_who_came_and_only_their_own_questionnaires(
    demo_ctx, demo_today
):
    cid, first = _course_and_first(demo_ctx, demo_today)
    info = course_info(demo_ctx, cid, demo_today)
    due = measures_due(demo_ctx, info, first.number)
    assert due is not None and due.when == "Start"
    with demo_ctx.db.read() as s:
        came = {
            f"{a} {b}".strip(): joints
            for a, b, joints in s.execute(
                select(Participant.first_name, Participant.last_name, Participant.joints)
                .join(Enrolment, Enrolment.participant_id == Participant.id)
                .join(Attendance, Attendance.enrolment_id == Enrolment.id)
                .where(Attendance.session_id == first.id, Attendance.mark == PRESENT)
            )
        }
    for entry in due.people:
        name, _, wanted = entry.partition(" (")
        assert name in came, f"{name} did not come to session {first.number}"
        joints = came[name].split(",")
        if "hip" not in joints:
            assert "hip" not in wanted, entry  # a knee-only person is not asked the hip one
        if "knee" not in joints:
            assert "knee" not in wanted, entry


def test_the_recorded_sheet_keeps_someone_who_withdrew_later(demo_ctx, demo_today, tmp_path):
    with demo_ctx.db.read() as s:
        cid, number, name = s.execute(
            select(Session.course_id, Session.number, Participant.first_name)
            .join(Attendance, Attendance.session_id == Session.id)
            .join(Enrolment, Enrolment.id == Attendance.enrolment_id)
            .join(Participant, Participant.id == Enrolment.participant_id)
            .where(Enrolment.status == "withdrawn", Attendance.mark == PRESENT)
            .where(Session.date < demo_today)
            .order_by(Session.id)
        ).first()
    out = tmp_path / "sheet.pdf"
    build_document(demo_ctx, "session-sheet", cid, out, session_number=number, today=demo_today)
    text = _text(out)
    assert "as recorded" in text.lower()
    assert name in text  # came that day, withdrew since: still on the sheet of that day


def test_the_recorded_sheet_legend_uses_the_letters_its_cells_print(demo_ctx, demo_today, tmp_path):
    cid, first = _course_and_first(demo_ctx, demo_today)
    out = tmp_path / "sheet.pdf"
    build_document(
        demo_ctx, "session-sheet", cid, out, session_number=first.number, today=demo_today
    )
    text = _text(out)
    assert "P came to the session" in text and "S did not come and sent apologies" in text
    assert "✓ came" not in text and "Ap apologies" not in text
