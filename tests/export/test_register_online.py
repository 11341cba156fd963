"""The printed register of a hybrid course shows who joined online (P*) with its key, and
says which sessions were moved online, as the screen's register does (issue 33)."""

from __future__ import annotations

import re

from pypdf import PdfReader
from sqlalchemy import text

from escape_desktop.db.models import Course
from escape_desktop.services.documents import build_document


def _words(path) -> str:
    return " ".join(" ".join((p.extract_text() or "").split()) for p in PdfReader(path).pages)


def test_the_register_marks_joined_online_and_keys_it(demo_ctx, demo_today, tmp_path):
    with demo_ctx.db.read() as s:
        hybrid = s.query(Course).filter(Course.delivery_mode == "hybrid").first()
        assert hybrid is not None
        cid = hybrid.id
        # Plain SQL: present marks that joined over video, and the sessions moved online.
        joined = s.execute(
            text(
                "SELECT count(*) FROM attendance a JOIN sessions x ON x.id = a.session_id"
                " WHERE x.course_id = :c AND a.joined_online AND a.mark = 'present'"
                " AND NOT x.cancelled"
            ),
            {"c": cid},
        ).scalar()
        moved = s.execute(
            text("SELECT count(*) FROM sessions WHERE course_id = :c AND online AND NOT cancelled"),
            {"c": cid},
        ).scalar()
    assert joined and moved  # the demo's hybrid course has both
    out = tmp_path / "register.pdf"
    build_document(demo_ctx, "register", cid, out, today=demo_today, record=False)
    said = _words(out)
    key = "P* present, joined over video."
    assert key in said
    assert said.replace(key, "").count("P*") == joined
    assert "online: session moved online (session" in said


def test_an_in_person_register_has_no_online_key(demo_ctx, demo_today, tmp_path):
    with demo_ctx.db.read() as s:
        cid = s.execute(
            text(
                "SELECT c.id FROM courses c WHERE c.delivery_mode = 'in_person' AND NOT EXISTS"
                " (SELECT 1 FROM sessions x WHERE x.course_id = c.id AND x.online) LIMIT 1"
            )
        ).scalar()
    out = tmp_path / "register.pdf"
    build_document(demo_ctx, "register", cid, out, today=demo_today, record=False)
    said = _words(out)
    assert "P*" not in said and "over video" not in said


def test_a_past_session_sheet_marks_who_joined_online_as_the_register_does(
    demo_ctx, demo_today, tmp_path
):
    """The 'as recorded' sheet of a hybrid course's hall session: P* for each person present
    over video (its key says so), P for the rest; it used to print P for everyone."""
    with demo_ctx.db.read() as s:
        hybrid = s.query(Course).filter(Course.delivery_mode == "hybrid").first()
        assert hybrid is not None
        cid = hybrid.id
        number, joined, present = s.execute(
            text(
                "SELECT x.number, sum(a.joined_online AND a.mark = 'present'),"
                " sum(a.mark = 'present') FROM sessions x JOIN attendance a"
                " ON a.session_id = x.id WHERE x.course_id = :c AND NOT x.online"
                " AND NOT x.cancelled AND x.date < :today GROUP BY x.id"
                " HAVING sum(a.joined_online AND a.mark = 'present') > 0 LIMIT 1"
            ),
            {"c": cid, "today": demo_today.isoformat()},
        ).one()
    out = tmp_path / "sheet.pdf"
    build_document(demo_ctx, "session-sheet", cid, out, session_number=number, today=demo_today)
    said = _words(out)
    key = "P* present, joined over video"
    assert key in said
    said = said.replace(key, "").replace("(P*)", "")  # the key, and the banner's how-to
    assert said.count("P*") == joined
    assert len(re.findall(r"\bP\b", said)) + joined >= present
