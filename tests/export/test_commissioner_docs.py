"""The class summary speaks the commissioners' vocabulary and lets no free text out."""

from __future__ import annotations

import re

from pypdf import PdfReader
from sqlalchemy import select

from escape_desktop.db.models import Enrolment
from escape_desktop.db.queries import course_by_code
from escape_desktop.services.documents import build_document, course_info


def _text(path) -> str:  # type: ignore[no-untyped-def]
    return re.sub(r"\s+", " ", " ".join(p.extract_text() or "" for p in PdfReader(str(path)).pages))


def _finished_with_a_withdrawal(ctx, today):  # type: ignore[no-untyped-def]
    with ctx.db.read() as s:
        for code in ("KH-2026-001", "KH-2026-002", "BK-2026-001", "KH-2026-003"):
            course = course_by_code(s, code)
            if course is None:
                continue
            gone = s.scalars(
                select(Enrolment).where(
                    Enrolment.course_id == course.id, Enrolment.status == "withdrawn"
                )
            ).all()
            if gone:
                return course.id
    raise AssertionError("the demo has a withdrawal")


def test_the_summary_prints_no_withdrawal_reason_and_no_typed_referral(
    demo_ctx, demo_today, tmp_path
):
    cid = _finished_with_a_withdrawal(demo_ctx, demo_today)
    with demo_ctx.db.read() as s:
        reasons = {
            e.withdrawn_reason
            for e in s.scalars(select(Enrolment).where(Enrolment.course_id == cid))
            if e.withdrawn_reason
        }
        typed = {
            e.participant.referral_source
            for e in s.scalars(select(Enrolment))
            if e.participant.referral_source
        }
    assert reasons
    out = tmp_path / "summary.pdf"
    build_document(demo_ctx, "summary", cid, out, today=demo_today)
    text = _text(out)
    for reason in reasons:
        assert reason not in text
    assert "Withdrawn:" in text
    for words in typed:
        if len(words) > 12:  # a typed source longer than any coded word
            assert words not in text


def test_the_summary_prints_the_attendance_rate_with_its_counts_and_a_glossary(
    demo_ctx, demo_today, tmp_path
):
    cid = _finished_with_a_withdrawal(demo_ctx, demo_today)
    info = course_info(demo_ctx, cid, demo_today)
    attended = sum(x.attended for x in info.statuses.values())
    held = sum(x.held for x in info.statuses.values())
    out = tmp_path / "summary.pdf"
    build_document(demo_ctx, "summary", cid, out, today=demo_today)
    text = _text(out)
    # Independently: DOMAIN.md's sessions held while enrolled, attended.
    percent = (200 * attended + held) // (2 * held)  # halves away from zero
    assert f"Attendance rate: {percent}% ({attended} of the {held} sessions" in text
    assert "Glossary" in text and "Agreed to share" in text
    assert "referred and enrolled" not in text
    assert "78.5 % completed nationally" in text  # a benchmark to compare the rate with
    # The headline bars show meaningful change where a threshold is published.
    assert "Meaningful improvement, of people measured" in text
