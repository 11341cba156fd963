"""Progress reports: kind words and the service's contact for someone who got worse, no spill pages."""

from __future__ import annotations

import re
from collections import defaultdict

from pdf_fit import words
from pypdf import PdfReader
from sqlalchemy import select

from escape_desktop.db.models import Assessment, Enrolment
from escape_desktop.db.queries import course_by_code
from escape_desktop.services import settings_registry
from escape_desktop.services.documents import build_document

CONTACT = "Call the physio team on 01234 567890, Monday to Friday 9 to 5."


def _text(path) -> str:  # type: ignore[no-untyped-def]
    return re.sub(r"\s+", " ", " ".join(p.extract_text() or "" for p in PdfReader(str(path)).pages))


def _someone_measured(ctx):  # type: ignore[no-untyped-def]
    with ctx.db.read() as s:
        course = course_by_code(s, "KH-2026-001")
        eid = s.scalars(
            select(Assessment.enrolment_id)
            .join(Enrolment, Enrolment.id == Assessment.enrolment_id)
            .where(Enrolment.course_id == course.id, Assessment.timepoint == "end")
        ).first()
        return course.id, eid


def test_someone_whose_scores_all_got_worse_is_encouraged_and_told_who_to_call(
    demo_ctx, demo_today, tmp_path
):
    settings_registry.set(demo_ctx, settings_registry.SITE_CONTACT, CONTACT)  # set once
    cid, eid = _someone_measured(demo_ctx)
    with demo_ctx.db.transaction() as s:
        rows = s.scalars(select(Assessment).where(Assessment.enrolment_id == eid)).all()
        start = {a.instrument_key: a.score for a in rows if a.timepoint == "start"}
        for a in rows:
            if a.timepoint != "end" or start.get(a.instrument_key) is None:
                continue
            inst = demo_ctx.library.instruments[a.instrument_key]
            # Start well inside the scale, end clearly worse (beyond any threshold).
            span = inst.max - inst.min
            lo, hi = inst.min + span * 0.3, inst.min + span * 0.7
            good, bad = (hi, lo) if inst.direction == "higher_better" else (lo, hi)
            step = 1 if float(inst.min).is_integer() else 0.1
            good, bad = round(good / step) * step, round(bad / step) * step
            for b in rows:
                if b.instrument_key == a.instrument_key and b.timepoint == "start":
                    b.score = good
            a.score = bad
    out = tmp_path / "progress.pdf"
    build_document(demo_ctx, "progress", cid, out, enrolment_ids=[eid], today=demo_today)
    text = _text(out)
    assert "worse" in text
    assert "not your fault" in text and "Keep going" in text
    assert CONTACT in text


def test_no_progress_report_page_holds_only_a_few_spilled_lines(demo_ctx, demo_today, tmp_path):
    for code in ("KH-2026-001", "KH-2026-002"):
        with demo_ctx.db.read() as s:
            cid = course_by_code(s, code).id
        out = tmp_path / f"{code}.pdf"
        build_document(demo_ctx, "progress", cid, out, today=demo_today)
        found, sizes = words(out)
        extent: dict[int, list[float]] = defaultdict(list)
        for w in found:
            if w.bottom > 45:  # above the footer
                extent[w.page] += [w.bottom, w.top]
        for page in range(1, len(sizes) + 1):
            ys = extent[page]
            # a page with content a few lines tall (under 120 pt) is a spill page
            assert ys and max(ys) - min(ys) >= 120, f"{code} page {page} holds a spill"


def test_one_active_day_is_one_day(demo_ctx, demo_today, tmp_path):
    cid, eid = _someone_measured(demo_ctx)
    with demo_ctx.db.transaction() as s:
        for a in s.scalars(
            select(Assessment).where(
                Assessment.enrolment_id == eid, Assessment.instrument_key == "active_days"
            )
        ):
            a.score = 3 if a.timepoint == "start" else 1
    out = tmp_path / "progress.pdf"
    build_document(demo_ctx, "progress", cid, out, enrolment_ids=[eid], today=demo_today)
    text = _text(out)
    assert "1 days" not in text
    assert "to 1 day" in text


def test_summary_chart_titles_are_never_cut(demo_ctx, demo_today, tmp_path):
    cid, _ = _someone_measured(demo_ctx)
    out = tmp_path / "summary.pdf"
    build_document(demo_ctx, "summary", cid, out, today=demo_today)
    text = _text(out)
    assert "…" not in text
