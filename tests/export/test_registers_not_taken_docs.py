"""A forgotten register is said on every surface that prints completion (issue 26 follow-up):
`courses --json`, the class summary and the course's figures; completion itself unchanged."""

from __future__ import annotations

import json
import re

from pypdf import PdfReader
from sqlalchemy import delete, select

from escape_desktop.cli import main
from escape_desktop.db.models import Attendance, Course, Session
from escape_desktop.services.documents import build_document
from escape_desktop.services.figures import course_figures, figures_for_courses


def _text(path) -> str:  # type: ignore[no-untyped-def]
    return re.sub(r"\s+", " ", " ".join(p.extract_text() or "" for p in PdfReader(str(path)).pages))


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
        codes = s.scalars(select(Course.code).order_by(Course.code)).all()
    for code in codes:
        with ctx.db.read() as s:
            cid = s.scalar(select(Course.id).where(Course.code == code))
        if course_figures(ctx, cid, today).summary.completers is not None:
            return code
    raise AssertionError("the demo has a finished course")


def courses_json(ctx, capsys) -> dict:  # type: ignore[no-untyped-def]
    assert main(["courses", "--json", "--data-dir", str(ctx.data_dir)]) == 0
    return {c["code"]: c for c in json.loads(capsys.readouterr().out)}


def test_the_demo_has_every_register_taken_on_its_day(demo_ctx, demo_today):
    with demo_ctx.db.read() as s:
        ids = s.scalars(select(Course.id)).all()
    found = figures_for_courses(demo_ctx, ids, demo_today)
    assert found and all(f.registers_not_taken == () for f in found.values())


def test_forgotten_registers_are_named_and_completion_is_unchanged(
    demo_ctx, demo_today, tmp_path, capsys
):
    code = finished_code(demo_ctx, demo_today)
    cid = forget(demo_ctx, code, (3, 7))
    figures = course_figures(demo_ctx, cid, demo_today)
    assert figures.registers_not_taken == (3, 7)
    # Still held for everyone: nobody attended them, so the definition is as before.
    assert all(p.held >= 2 for p in figures.people.values() if p.status != "withdrawn")
    assert courses_json(demo_ctx, capsys)[code]["registers_not_taken"] == [3, 7]
    out = tmp_path / "summary.pdf"
    build_document(demo_ctx, "summary", cid, out, today=demo_today)
    text = _text(out)
    assert "2 sessions (3 and 7) have no register" in text
    assert "completion counts them as held" in text and "mark them cancelled" in text


def test_the_summary_says_nothing_when_every_register_is_taken(demo_ctx, demo_today, tmp_path):
    code = finished_code(demo_ctx, demo_today)
    with demo_ctx.db.read() as s:
        cid = s.scalar(select(Course.id).where(Course.code == code))
    out = tmp_path / "summary.pdf"
    build_document(demo_ctx, "summary", cid, out, today=demo_today)
    assert "no register" not in _text(out)
