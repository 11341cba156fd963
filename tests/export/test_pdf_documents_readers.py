"""Every document printed for a course of 16 with hard names, read back as its readers would.

Names never split inside a word, the progress report is in clear print (12 pt body, 10 pt
charts), the sheet asks for what the app records, every active person gets a card, and
nobody who never came gets a progress page.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import pytest
from _documents_demo import HARD_NAMES, NEVER_CAME, course_of_sixteen
from conftest import DEMO_TODAY
from pypdf import PdfReader

from escape_desktop.context import AppContext
from escape_desktop.db.engine import DB_FILENAME
from escape_desktop.export.pdf_style import fit_name, register_fonts
from escape_desktop.services.documents import build_document, course_info

HARD = [f"{a} {b}" for a, b in HARD_NAMES]


def _runs(path: Path) -> list[list[tuple[str, float, float]]]:
    """Per page: (text, font size in points, baseline y) of every text run, in drawing order."""
    pages = []
    for page in PdfReader(str(path)).pages:
        runs: list[tuple[str, float, float]] = []

        def visit(text, cm, tm, font, size, runs=runs):  # type: ignore[no-untyped-def]
            if text.strip():
                # the size a reader sees: the font size scaled by the text and page matrices
                runs.append((text, abs(size * tm[3] * cm[3]), cm[5] + tm[5] * cm[3]))

        page.extract_text(visitor_text=visit)
        pages.append(runs)
    return pages


def _words(text: str) -> set[str]:
    # pypdf puts a line break (or nothing) where a line ends: split on spaces and hyphens
    return set(re.split(r"[\s\-]+", text))


def _assert_whole(text: str, name: str) -> None:
    """Every piece of the name (between spaces and hyphens) appears whole in the text."""
    found = _words(text)
    for piece in re.split(r"[\s\-]+", name):
        assert piece in found, f"{piece!r} of {name!r} is split or missing"


@pytest.fixture
def sixteen(demo_ctx, demo_today):  # type: ignore[no-untyped-def]
    return course_of_sixteen(demo_ctx, demo_today)


@dataclass
class Printed:
    """One progress report document, printed once for the module and read by several tests
    (each only reads it: printing one costs over a second of CPU)."""

    ctx: AppContext
    course_id: int
    path: Path
    result: Any

    @cached_property
    def runs(self) -> list[list[tuple[str, float, float]]]:
        return _runs(self.path)

    @cached_property
    def text(self) -> str:
        return " ".join((p.extract_text() or "") for p in PdfReader(str(self.path)).pages)


@pytest.fixture(scope="module")
def _module_demo(_demo_template: Path, tmp_path_factory) -> Iterator[AppContext]:  # type: ignore[no-untyped-def]
    """The small demo, as demo_ctx makes it, in a data folder of this module's own."""
    folder = tmp_path_factory.mktemp("readers") / "data"
    folder.mkdir(parents=True)
    shutil.copy2(_demo_template, folder / DB_FILENAME)
    ctx = AppContext.open(folder)
    ctx.actor = "test"
    try:
        yield ctx
    finally:
        ctx.close()


@pytest.fixture(scope="module")
def progress_of_sixteen(_module_demo, tmp_path_factory) -> Printed:  # type: ignore[no-untyped-def]
    """The progress reports of the course of sixteen with hard names."""
    cid = course_of_sixteen(_module_demo, DEMO_TODAY)
    out = tmp_path_factory.mktemp("sixteen") / "progress.pdf"
    result = build_document(_module_demo, "progress", cid, out, today=DEMO_TODAY)
    return Printed(_module_demo, cid, out, result)


@pytest.fixture(scope="module")
def progress_of_finished(_module_demo, tmp_path_factory) -> Printed:  # type: ignore[no-untyped-def]
    """The progress reports of the finished demo course (start and end measures)."""
    from escape_desktop.db.queries import course_by_code

    with _module_demo.db.read() as s:
        cid = course_by_code(s, "KH-2026-001").id
    out = tmp_path_factory.mktemp("finished") / "progress.pdf"
    result = build_document(_module_demo, "progress", cid, out, today=DEMO_TODAY)
    return Printed(_module_demo, cid, out, result)


@pytest.mark.parametrize(
    "kind, extra",
    [
        ("session-sheet", {"session_number": 6}),
        ("cards", {}),
        ("register", {}),
        ("certificates", {"everyone": True}),
    ],
)
def test_no_name_is_split_inside_a_word(demo_ctx, demo_today, sixteen, tmp_path, kind, extra):
    info = course_info(demo_ctx, sixteen, demo_today)
    assert len(info.people()) == 16
    kwargs = dict(extra)
    if kwargs.pop("everyone", False):
        kwargs["enrolment_ids"] = [r.enrolment_id for r in info.people()]
    out = tmp_path / f"{kind}.pdf"
    build_document(demo_ctx, kind, sixteen, out, today=demo_today, record=False, **kwargs)
    text = " ".join(page.extract_text() or "" for page in PdfReader(str(out)).pages)
    for name in HARD:
        _assert_whole(text, name)


def test_no_name_is_split_inside_a_word_in_the_progress_reports(
    progress_of_sixteen: Printed, demo_today
):  # type: ignore[no-untyped-def]
    info = course_info(progress_of_sixteen.ctx, progress_of_sixteen.course_id, demo_today)
    assert len(info.people()) == 16
    for name in HARD:
        _assert_whole(progress_of_sixteen.text, name)


def test_the_name_helper_breaks_only_at_spaces_and_hyphens():
    register_fonts()
    for name in [*HARD, "Ann Demo-Lee"]:
        for width in (40, 60, 90, 140, 400):
            size, lines = fit_name(name, width)
            assert "".join(lines).replace(" ", "") == name.replace(" ", "")
            for line in lines:
                for piece in filter(None, re.split(r"[\s\-]+", line)):
                    assert piece in re.split(r"[\s\-]+", name)
            assert size >= 7 or len(lines) > 2 or width < 60


def test_progress_report_body_is_12pt_and_charts_10pt(progress_of_sixteen: Printed):
    chart_label = re.compile(r"^(\((better|worse)\)|(Start|End|Start and end) [−\d.]+|[−\d.]+)$")
    body_sizes, chart_sizes = [], []
    small_print = False  # the small print may run on to the next page
    for runs in progress_of_sixteen.runs:
        for text, size, y in runs:
            if y < 40:  # the page footer
                continue
            if text.strip().startswith("Your progress on"):
                small_print = False
            if text.strip().startswith("Small print"):
                small_print = True
            if small_print:
                assert size >= 10, text
            elif chart_label.match(text.strip()):
                chart_sizes.append(size)
            else:
                body_sizes.append((size, text))
    assert chart_sizes and min(chart_sizes) >= 10
    assert body_sizes and min(body_sizes)[0] >= 12, min(body_sizes)


def test_progress_report_speaks_plain_english(progress_of_finished: Printed):
    text = re.sub(r"\s+", " ", progress_of_finished.text)
    body = " ".join(part.split("Small print")[0] for part in text.split("Your progress on"))
    for acronym in ("KOOS", "HOOS", "SWEMWBS", "MSK-HQ"):
        assert acronym not in body
    assert "is better, so this is" in text
    assert "Not better" not in text


def test_nobody_who_never_came_gets_a_progress_page(progress_of_sixteen: Printed, demo_today):
    printed = progress_of_sixteen
    info = course_info(printed.ctx, printed.course_id, demo_today)
    result = printed.result
    assert NEVER_CAME not in result.names
    assert all(info.attended(r) > 0 for r in info.people() if r.name in result.names)
    assert set(HARD) <= set(result.names)
    assert "Extra0" not in printed.text


def test_sheet_asks_for_done_pain_effort_and_notes(demo_ctx, demo_today, sixteen, tmp_path):
    out = tmp_path / "sheet.pdf"
    build_document(demo_ctx, "session-sheet", sixteen, out, session_number=8, today=demo_today)
    pages = [p.extract_text() or "" for p in PdfReader(str(out)).pages]
    for heading in ("done", "pain", "effort", "Notes"):
        assert all(heading in p for p in pages if "Stations" in p), heading
    text = " ".join(pages)
    assert text.count("walk-in") >= 2 * 2  # two rows in each part, with 16 people
    assert "Levels in use" in text


def test_a_past_session_prints_what_was_recorded(demo_ctx, demo_today, tmp_path):
    from escape_desktop.db.queries import course_by_code
    from escape_desktop.services.circuit import circuit_grid

    with demo_ctx.db.read() as s:
        cid = course_by_code(s, "KH-2026-001").id
    grid = circuit_grid(demo_ctx, cid, 3)
    done = [c for r in grid.rows for c in r.cells.values() if c.dose_achieved is not None]
    assert done, "the finished demo course has results"
    out = tmp_path / "past.pdf"
    build_document(demo_ctx, "session-sheet", cid, out, session_number=3, today=demo_today)
    text = " ".join(p.extract_text() or "" for p in PdfReader(str(out)).pages)
    assert "as recorded" in text


def test_first_session_has_a_start_measures_banner(demo_ctx, demo_today, sixteen, tmp_path):
    info = course_info(demo_ctx, sixteen, demo_today)
    first = info.held_sessions[0].number
    on_the_day = info.held_sessions[0].date
    out = tmp_path / "first.pdf"
    build_document(demo_ctx, "session-sheet", sixteen, out, session_number=first, today=on_the_day)
    text = re.sub(r"\s+", " ", " ".join(p.extract_text() or "" for p in PdfReader(str(out)).pages))
    assert "Start measures today:" in text
    assert "pain rating" in text and "Still needed from:" in text
    # printed afterwards, the sheet is "as recorded" and the measures "were due"
    build_document(demo_ctx, "session-sheet", sixteen, out, session_number=first, today=demo_today)
    text = re.sub(r"\s+", " ", " ".join(p.extract_text() or "" for p in PdfReader(str(out)).pages))
    assert "as recorded" in text and "Start measures were due at this session" in text


def test_every_active_person_gets_a_card(demo_ctx, demo_today, sixteen, tmp_path):
    info = course_info(demo_ctx, sixteen, demo_today)
    out = tmp_path / "cards.pdf"
    result = build_document(demo_ctx, "cards", sixteen, out, session_number=7, today=demo_today)
    assert sorted(result.names) == sorted(r.name for r in info.people())
    # One A4 card a person in clear print: the stations on the front, the diary overleaf.
    assert result.pages == 2 * len(result.names)
    text = " ".join(p.extract_text() or "" for p in PdfReader(str(out)).pages)
    assert "levels for session 7" in text
    assert "Start measures" in text and "End measures" in text
    assert "effort" in text.lower()


def test_cards_for_a_session_carry_levels_after_accepted_suggestions(
    demo_ctx, demo_today, tmp_path
):
    from escape_desktop.db.queries import course_by_code
    from escape_desktop.services.circuit import circuit_grid
    from escape_desktop.services.documents import gather_cards

    with demo_ctx.db.read() as s:
        cid = course_by_code(s, "KH-2026-002").id
    info = course_info(demo_ctx, cid, demo_today)
    cards, _, chosen = gather_cards(demo_ctx, info, None)
    assert chosen is not None
    grid = circuit_grid(demo_ctx, cid, chosen.number)  # the carry-forward rule's levels
    row = next(r for r in grid.rows if r.name == cards[0].name)
    first_station = grid.stations[0]
    assert cards[0].stations[0].level == row.cells[first_station.key].level_name
    assert cards[0].stations[0].aim == row.cells[first_station.key].dose_text


def test_certificate_name_is_the_largest_text_and_stays_in_its_place(
    demo_ctx, demo_today, sixteen, tmp_path
):
    info = course_info(demo_ctx, sixteen, demo_today)
    rows = [r for r in info.people() if r.name in HARD] + info.people()[:1]
    out = tmp_path / "certs.pdf"
    build_document(
        demo_ctx,
        "certificates",
        sixteen,
        out,
        enrolment_ids=[r.enrolment_id for r in rows],
        today=demo_today,
        record=False,
    )
    places = []
    for runs in _runs(out):
        biggest = max(size for _, size, _ in runs)
        title = next(size for text, size, _ in runs if "Certificate of" in text)
        name_runs = [(t, size) for t, size, _ in runs if size == biggest]
        assert biggest > title, name_runs
        # what follows the name never moves: the line under it sits at the same height
        places.append(
            next(round(y) for t, _, y in runs if "for completing" in t or "for taking part" in t)
        )
        # Chosen on a running course, nobody has completed: each page says attendance.
        page = " ".join(t for t, _, _ in runs)
        assert "Certificate of Attendance" in page and "completing" not in page
    assert len(set(places)) == 1


def test_better_and_worse_need_the_meaningful_change(demo_ctx):
    from escape_desktop.services.documents import _verdict

    chair = demo_ctx.library.instruments["chair_stand_30s"]  # higher is better, threshold 2.5
    assert _verdict(chair, 10, 18)[0] == "better"
    assert _verdict(chair, 10, 11)[0] == "about the same"  # +1: less than the threshold
    assert _verdict(chair, 18, 10)[0] == "worse"  # 8 fewer stands
    assert _verdict(chair, 10, 10)[0] == "about the same"


def test_a_missing_logo_file_prints_the_certificate_without_it(demo_ctx, demo_today, tmp_path):
    from escape_desktop.db.queries import course_by_code
    from escape_desktop.services import settings_registry as registry

    logo = tmp_path / "logo.png"
    logo.write_bytes(b"not a picture")  # unreadable: the page prints without it
    registry.set(demo_ctx, registry.CERTIFICATE_LOGO, str(logo))
    with demo_ctx.db.read() as s:
        cid = course_by_code(s, "KH-2026-001").id
    out = tmp_path / "certs.pdf"
    result = build_document(demo_ctx, "certificates", cid, out, today=demo_today, record=False)
    assert result.pages >= 1
    logo.unlink()  # gone since it was chosen
    out2 = tmp_path / "certs2.pdf"
    assert build_document(demo_ctx, "certificates", cid, out2, today=demo_today, record=False)


def test_the_sites_logo_is_printed_on_the_certificate(demo_ctx, demo_today, tmp_path):
    from escape_desktop.db.queries import course_by_code
    from escape_desktop.paths import resource_path
    from escape_desktop.services import settings_registry as registry

    with demo_ctx.db.read() as s:
        cid = course_by_code(s, "KH-2026-001").id

    def images(path: Path) -> int:
        page = PdfReader(str(path)).pages[0]
        xobjects = page["/Resources"].get("/XObject") or {}
        return sum(1 for x in xobjects.values() if x.get_object()["/Subtype"] == "/Image")

    out = tmp_path / "plain.pdf"
    build_document(demo_ctx, "certificates", cid, out, today=demo_today, record=False)
    assert images(out) == 0  # border and emblem are vector shapes, not pictures
    registry.set(demo_ctx, registry.CERTIFICATE_LOGO, str(resource_path("icons", "app.png")))
    out = tmp_path / "logo.pdf"
    build_document(demo_ctx, "certificates", cid, out, today=demo_today, record=False)
    assert images(out) == 1


def test_a_name_the_font_cannot_print_is_named_not_left_as_boxes(
    demo_ctx, demo_today, sixteen, tmp_path
):
    """DejaVu Sans has no Chinese letters and ReportLab writes Arabic unjoined and backwards:
    the instructor is told which names to write in by hand instead of finding empty boxes."""
    from escape_desktop.services.participants import ParticipantInput, enrol_participant

    enrol_participant(demo_ctx, sixteen, ParticipantInput(first_name="王", last_name="小明"))
    enrol_participant(demo_ctx, sixteen, ParticipantInput(first_name="فاطمة", last_name="الزهراء"))
    out = tmp_path / "sheet.pdf"
    result = build_document(
        demo_ctx, "session-sheet", sixteen, out, session_number=6, today=demo_today
    )
    text = " ".join(p.extract_text() or "" for p in PdfReader(str(out)).pages)
    assert "小明" not in text  # the font cannot print it: the page has no such letters
    assert set(result.unprintable) == {"王 小明", "فاطمة الزهراء"}
    assert "王 小明" in result.message() and "by hand" in result.message()
    for name in HARD:  # accented Latin and Vietnamese print, so nobody is wrongly named
        _assert_whole(text, name)
        assert name not in result.unprintable


def test_every_page_of_a_progress_report_says_whose_it_is(progress_of_finished: Printed):
    """Reports run to two or three pages each; handed out from a stack, a second page with
    no name on it cannot be given to the right person."""
    result = progress_of_finished.result
    pages = progress_of_finished.runs
    assert len(pages) > len(result.names)  # some reports run on to a second page
    whose = ""
    for runs in pages:
        body = [t.strip() for t, _, y in runs if y >= 40 and t.strip()]
        if body and body[0] in result.names:
            whose = body[0]  # a report starts with the person's name
        footer = " ".join(t for t, _, y in runs if y < 40)
        assert whose and whose in footer, (whose, footer)


def test_no_progress_heading_is_left_alone_at_the_foot_of_a_page(progress_of_sixteen: Printed):
    headings = {"How you have changed", "Your exercises in class", "Keep going at home"}
    for number, runs in enumerate(progress_of_sixteen.runs, 1):
        body = [t.strip() for t, _, y in runs if y >= 40 and t.strip()]
        assert body and body[-1] not in headings, f"page {number} ends with {body[-1]!r}"


def test_the_summary_breakdown_counts_the_people_its_heading_names(
    demo_ctx, demo_today, sixteen, tmp_path
):
    """The age, sex and referral tables count everyone enrolled, one of whom never came:
    their heading must say so, with the funnel's enrolled figure."""
    info = course_info(demo_ctx, sixteen, demo_today)
    out = tmp_path / "summary.pdf"
    build_document(demo_ctx, "summary", sixteen, out, today=demo_today)
    text = re.sub(r"\s+", " ", " ".join(p.extract_text() or "" for p in PdfReader(str(out)).pages))
    enrolled, started = info.summary.enrolled, info.summary.started
    assert started < enrolled  # the demo course has someone who did not start
    assert "Who came" not in text
    assert f"Who enrolled ({enrolled} people)" in text


def test_a_sheet_counts_sessions_as_the_other_pages_do_when_one_is_cancelled(
    demo_ctx, demo_today, tmp_path
):
    """The finished demo course has 13 dates, one cancelled: the register, certificate and
    progress report speak of 12 sessions, so a bare 'Session 6 of 13' would contradict them."""
    from escape_desktop.db.queries import course_by_code

    with demo_ctx.db.read() as s:
        cid = course_by_code(s, "KH-2026-001").id
    info = course_info(demo_ctx, cid, demo_today)
    cancelled = sum(1 for x in info.sessions if x.cancelled)
    assert cancelled == 1 and len(info.sessions) - cancelled == 12
    out = tmp_path / "sheet.pdf"
    build_document(demo_ctx, "session-sheet", cid, out, session_number=6, today=demo_today)
    text = re.sub(r"\s+", " ", PdfReader(str(out)).pages[0].extract_text() or "")
    assert "Session 6 of 13 (1 cancelled)" in text


def test_a_very_long_name_stays_between_the_lines_above_and_below_it(
    demo_ctx, demo_today, sixteen, tmp_path
):
    """Five lines at the title's size would run over 'This certificate is presented to'
    and 'for completing the ... programme': the name gets smaller instead."""
    from escape_desktop.services.participants import ParticipantInput, enrol_participant

    _, eid = enrol_participant(
        demo_ctx,
        sixteen,
        ParticipantInput(
            first_name="Maria-Fernanda Alejandra Concepción",
            last_name="de los Santos Featherstonehaugh-Montgomery-Wolfeschlegelsteinhausen",
        ),
    )
    out = tmp_path / "cert.pdf"
    build_document(
        demo_ctx, "certificates", sixteen, out, enrolment_ids=[eid], today=demo_today, record=False
    )
    runs = _runs(out)[0]
    above = next(y for t, _, y in runs if "presented to" in t)
    # Not a completer: a certificate of attendance, in its own words.
    below_run = next((y, s) for t, s, y in runs if "for taking part" in t)
    name = [(t, s, y) for t, s, y in runs if s > 20 and "Certificate" not in t]
    assert len(name) >= 4
    for text, size, y in name:
        assert y + size * 0.8 < above - 2, text  # cap height clear of the line above
        assert y - size * 0.25 > below_run[0] + below_run[1], text  # descenders clear below
    _assert_whole(" ".join(t for t, _, _ in name), "Wolfeschlegelsteinhausen Featherstonehaugh")
