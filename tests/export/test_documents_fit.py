"""Every document fits its page for the longest realistic values: nothing overprinted or cut.

A 60-character venue, 17 people with hard names, a station with a long title, a site name that
needs two lines, and a registry of three sites with four-digit counts: every page is read back
through its word boxes (tests/export/pdf_fit.py) and no two words may overlap and none may come
within the printer's margin.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from _documents_demo import course_of_sixteen
from pdf_fit import problems
from pypdf import PdfReader

from escape_desktop.db.models import Course, Venue
from escape_desktop.registry.figures import (
    Fraction,
    GroupFigures,
    Headline,
    MeasureRule,
    ReportData,
)
from escape_desktop.registry.pdf_report import render_registry_report
from escape_desktop.services.circuit.stations import (
    add_custom_station,
    course_stations,
    set_course_stations,
)
from escape_desktop.services.documents import build_document, course_info
from escape_desktop.services.participants import ParticipantInput, enrol_participant

VENUE = "Kingsbridge and District Community Leisure Centre, Studio 2B"
assert len(VENUE) == 60
LONG_STATION = "Standing hip abduction with resistance band, holding the wall bars"


def _runs(path: Path) -> list[tuple[str, float]]:
    out: list[tuple[str, float]] = []
    for page in PdfReader(str(path)).pages:

        def visit(text, cm, tm, font, size):  # type: ignore[no-untyped-def]
            if text.strip():
                out.append((text, abs(size * tm[3] * cm[3])))

        page.extract_text(visitor_text=visit)
    return out


@pytest.fixture
def longest(demo_ctx, demo_today):  # type: ignore[no-untyped-def]
    """The busy demo course with the longest realistic values; returns its id."""
    ctx = demo_ctx
    cid = course_of_sixteen(ctx, demo_today)
    enrol_participant(
        ctx,
        cid,
        ParticipantInput(first_name="Wolfgang-Amadeus", last_name="Demo-Oppenheimer-Castellano"),
    )
    with ctx.db.transaction() as s:
        own = s.get(Course, cid).venue_id
        for venue in s.query(Venue):
            venue.name = VENUE if venue.id == own else f"{VENUE[:50]} {venue.id}"
    station = add_custom_station(
        ctx,
        name=LONG_STATION,
        dose_kind="repetitions",
        dose_unit="reps",
        levels=[
            ("Light band, both hands on the bars", "Small steps out to the side, slowly", 10),
            ("Medium band, one hand on the bars", "Wider steps, keep the hips level", 12),
        ],
    )
    keys = [x.key for x in course_stations(ctx, cid) if x.active] + [station.key]
    set_course_stations(ctx, cid, keys)
    return cid


KINDS = [
    ("register", {}),
    ("session-sheet", {"session_number": 1}),
    ("session-sheet", {"session_number": 6}),
    ("cards", {"session_number": 6}),
    ("certificates", {"everyone": True}),
    ("progress", {}),
    ("summary", {}),
]


@pytest.mark.parametrize("kind, extra", KINDS, ids=[f"{k}-{i}" for i, (k, _) in enumerate(KINDS)])
def test_every_document_fits_its_page_with_the_longest_values(
    demo_ctx, demo_today, longest, tmp_path, kind, extra
):
    info = course_info(demo_ctx, longest, demo_today)
    assert len(info.people()) >= 17 and info.venue == VENUE
    options = dict(extra)
    if options.pop("everyone", False):
        options["enrolment_ids"] = [r.enrolment_id for r in info.people()]
    out = tmp_path / f"{kind}.pdf"
    build_document(demo_ctx, kind, longest, out, today=demo_today, record=False, **options)
    assert problems(out) == []


def test_the_certificate_prints_the_whole_venue_and_is_never_dated_ahead(
    demo_ctx, demo_today, longest, tmp_path
):
    info = course_info(demo_ctx, longest, demo_today)
    assert info.last_date is not None and info.last_date > demo_today  # still running
    out = tmp_path / "certificates.pdf"
    rows = info.people()
    build_document(
        demo_ctx,
        "certificates",
        longest,
        out,
        enrolment_ids=[rows[0].enrolment_id],
        today=demo_today,
        record=False,
    )
    text = " ".join((PdfReader(str(out)).pages[0].extract_text() or "").split())
    assert VENUE in text
    # Nobody has completed a running course: a certificate of attendance, dated today.
    assert "Certificate of Attendance" in text and "for completing" not in text
    assert f"{demo_today.day} {demo_today:%B %Y}" in text
    later = info.last_date + timedelta(days=1)
    assert f"{later.day} {later:%B %Y}" not in text


def test_the_circuit_card_is_clear_print(demo_ctx, demo_today, longest, tmp_path):
    out = tmp_path / "cards.pdf"
    build_document(
        demo_ctx, "cards", longest, out, session_number=6, today=demo_today, record=False
    )
    runs = _runs(out)
    assert min(size for _, size in runs) >= 12  # RNIB clear print: 12 pt and larger
    text = " ".join(t for t, _ in runs)
    assert "as printed on" in text and "New level" in text
    assert LONG_STATION.split()[0] in text


def _site(code: str, name: str, scale: int) -> GroupFigures:
    def headline(domain: str, label: str, a: int, b: int) -> Headline:
        meaningful = Fraction(b, 1000 * scale) if domain != "quality_of_life" else None
        return Headline(domain, label, ("koos_ps",), Fraction(a, 1000 * scale), meaningful)

    return GroupFigures(
        code=code,
        name=name,
        courses=98 * scale,
        referred=1999 * scale,
        enrolled=1763 * scale,
        started=1634 * scale,
        completed=1267 * scale,
        finished_starters=1630 * scale,
        finished_completers=1267 * scale,
        left_out_no_consent=120 * scale,
        left_out_not_asked=116 * scale,
        headlines=(
            headline("function", "Ability in daily activities", 701 * scale, 455 * scale),
            headline("pain", "Less pain", 663 * scale, 512 * scale),
            headline("quality_of_life", "Quality of life and wellbeing", 598 * scale, 0),
        ),
        with_start=1500 * scale,
        with_both=1234 * scale,
        finished_with_both=1230 * scale,
    )


def test_the_registry_report_fits_with_four_digit_counts(tmp_path):
    sites = (
        _site("RX1", "Royal Kingsbridge and District Hospitals NHS Foundation Trust", 1),
        _site("RX2", "North Riverside Community Musculoskeletal Physiotherapy Service", 2),
        _site("RX3", "Demo Leisure", 3),
    )
    overall = _site("ALL", "All sites", 6)
    data = ReportData(
        title="ESCAPE-pain registry report",
        period="courses starting 1 January 2025 to 31 December 2026",
        made_on="7 December 2026",
        sites=sites,
        overall=overall,
        rules=(
            MeasureRule("koos_ps", "KOOS-PS", "lower_better", 2.2, "content library"),
            MeasureRule("msk_hq", "MSK-HQ", "higher_better", None, "none"),
        ),
        batches=3,
    )
    out = tmp_path / "registry.pdf"
    render_registry_report(data, out)
    assert problems(out) == []
    text = " ".join(" ".join((p.extract_text() or "").split()) for p in PdfReader(str(out)).pages)
    for site in sites:
        assert site.name.split()[-1] in text  # names wrap, never cut with an ellipsis
    assert "…" not in text
    assert "Agreed to share" in text and "Glossary" in text
    assert "not available" in text  # MSK-HQ: no threshold confirmed
    assert "(1,267/1,630)" in text  # a share with its numerator and denominator
    assert "national 2014–2018: 78.5 %" in text  # the benchmark beside the sites' rates


@pytest.mark.parametrize(
    "kind, extra", [("register", {}), ("session-sheet", {"session_number": 1})]
)
def test_the_register_and_sheet_are_readable_at_a_clipboards_distance(
    demo_ctx, demo_today, longest, tmp_path, kind, extra
):
    out = tmp_path / f"{kind}.pdf"
    build_document(demo_ctx, kind, longest, out, today=demo_today, record=False, **extra)
    sizes = []
    for page in PdfReader(str(out)).pages:

        def visit(text, cm, tm, font, size):  # type: ignore[no-untyped-def]
            if text.strip():  # the page footer too
                sizes.append(abs(size * tm[3] * cm[3]))

        page.extract_text(visitor_text=visit)
    assert sizes and min(sizes) >= 10


def test_a_virtual_session_prints_home_circuit_cards_that_fit(
    demo_ctx, demo_today, longest, tmp_path
):
    from escape_desktop.services import courses

    hall = tmp_path / "hall.pdf"
    build_document(
        demo_ctx, "cards", longest, hall, session_number=6, today=demo_today, record=False
    )
    assert "At home" not in " ".join(t for t, _ in _runs(hall))
    form = courses.course_input(demo_ctx, longest)
    form.delivery_mode = "virtual"
    courses.edit_course(demo_ctx, longest, form)
    out = tmp_path / "home-cards.pdf"
    build_document(
        demo_ctx, "cards", longest, out, session_number=6, today=demo_today, record=False
    )
    assert problems(out) == []
    runs = _runs(out)
    assert min(size for _, size in runs) >= 12
    text = " ".join(t for t, _ in runs)
    home = demo_ctx.library.station("sit_to_stand").home
    assert "At home over video" in text and home.split(",")[0] in text
    assert LONG_STATION.split()[0] in text  # a site's own station keeps its place
