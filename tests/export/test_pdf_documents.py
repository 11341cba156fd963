"""Printed documents read back with pypdf: names, page counts, topics, levels, fonts, safe writes."""

from __future__ import annotations

import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from escape_desktop.db.models import AuditEvent, CertificateIssued
from escape_desktop.db.queries import course_by_code
from escape_desktop.export.documents import KINDS, default_filename
from escape_desktop.export.pdf_session_sheet import (
    SheetCell,
    SheetRow,
    SheetStation,
    render_session_sheet,
)
from escape_desktop.export.pdf_style import DocumentError
from escape_desktop.services.documents import build_document, course_info

OUTPUT = Path(__file__).resolve().parents[1] / "output"


def _course(ctx, code: str) -> int:
    with ctx.db.read() as s:
        return course_by_code(s, code).id


def _text(path: Path) -> list[str]:
    return [page.extract_text() or "" for page in PdfReader(str(path)).pages]


def _keep(path: Path, name: str) -> None:
    """A copy under tests/output (git-ignored) to look at."""
    OUTPUT.mkdir(exist_ok=True)
    shutil.copy2(path, OUTPUT / name)


def _squash(text: str) -> str:
    return " ".join(text.split())


def test_register_lists_every_name_including_non_latin1(demo_ctx, demo_today, tmp_path):
    cid = _course(demo_ctx, "KH-2026-002")
    info = course_info(demo_ctx, cid, demo_today)
    out = tmp_path / "register.pdf"
    result = build_document(demo_ctx, "register", cid, out, today=demo_today)
    _keep(out, "test-register.pdf")
    text = _squash(" ".join(_text(out)))
    assert result.pages == 1
    for row in info.reg.rows:
        assert row.name in text
    assert any(ord(ch) > 255 for row in info.reg.rows for ch in row.name)  # e.g. ń, ễ, Ł
    assert "Register — KH-2026-002" in text


def test_certificates_one_page_per_completer_and_issuing_recorded(demo_ctx, demo_today, tmp_path):
    cid = _course(demo_ctx, "KH-2026-001")
    info = course_info(demo_ctx, cid, demo_today)
    completers = info.completers()
    assert completers, "the finished demo course has completers"
    out = tmp_path / "certs.pdf"
    result = build_document(demo_ctx, "certificates", cid, out, today=demo_today)
    _keep(out, "test-certificates.pdf")
    pages = _text(out)
    assert len(pages) == len(completers) == result.pages
    for page, row in zip(pages, completers, strict=True):
        assert row.name in _squash(page)
        assert "ESCAPE-pain: knees and hips" in page
        assert "Exercise instructor" in page or "Physiotherapist" in page
    with demo_ctx.db.read() as s:
        issued = set(s.scalars(select(CertificateIssued.enrolment_id)))
        events = s.scalar(select(func.count()).where(AuditEvent.action == "issue_certificate"))
    assert issued == {r.enrolment_id for r in completers}
    assert events == len(completers)


def test_certificates_for_chosen_people_and_a_test_print_records_nothing(
    demo_ctx, demo_today, tmp_path
):
    cid = _course(demo_ctx, "KH-2026-002")  # running: nobody has completed yet
    with pytest.raises(DocumentError, match="tick the people") as refused:
        build_document(demo_ctx, "certificates", cid, tmp_path / "c.pdf", today=demo_today)
    assert "--participant" not in str(refused.value)  # the window's words, not the CLI's
    assert not (tmp_path / "c.pdf").exists()
    info = course_info(demo_ctx, cid, demo_today)
    chosen = info.people()[:2]
    out = tmp_path / "chosen.pdf"
    build_document(
        demo_ctx,
        "certificates",
        cid,
        out,
        enrolment_ids=[r.enrolment_id for r in chosen],
        today=demo_today,
        record=False,
    )
    pages = _text(out)
    assert [r.name in _squash(p) for p, r in zip(pages, chosen, strict=True)] == [True, True]
    with demo_ctx.db.read() as s:
        assert s.scalar(select(func.count()).select_from(CertificateIssued)) == 0


def _enrolled_before_the_course(ctx, enrolment_id: int, day: date) -> None:
    """Enrolments are dated the real today; these courses lie in the past, so date them back."""
    from escape_desktop.db.models import Enrolment

    with ctx.db.transaction() as s:
        s.get(Enrolment, enrolment_id).enrolled_on = day


def test_certificates_printed_on_the_last_day_include_who_completes_today(ctx, tmp_path):
    from escape_desktop.services.attendance import mark_attendance
    from escape_desktop.services.courses import CourseInput, create_course
    from escape_desktop.services.participants import ParticipantInput, enrol_participant

    course = create_course(
        ctx,
        CourseInput(
            title="Tuesday knees",
            programme_key="knee_hip",
            start_date=date(2026, 1, 6),
            weekdays=[1, 4],
            venue="Test Hall",
        ),
    )
    cid = course
    info = course_info(ctx, cid, date(2026, 1, 1))
    last = info.sessions[-1]
    today = last.date
    people = []
    for first, attended in (("Łukasz", 8), ("Siân", 5)):
        _pid, eid = enrol_participant(
            ctx,
            cid,
            ParticipantInput(first_name=first, last_name="Demo-Test", consent_programme=True),
        )
        people.append(eid)
        _enrolled_before_the_course(ctx, eid, date(2026, 1, 1))
        for x in info.sessions[:attended]:
            mark_attendance(ctx, eid, x.id, "present")
    out = tmp_path / "last-day.pdf"
    result = build_document(ctx, "certificates", cid, out, today=today)
    assert result.names == ["Łukasz Demo-Test"]  # 8 + today = 9 of 12; Siân cannot reach 9
    assert "Łukasz Demo-Test" in _squash(_text(out)[0])


def test_session_sheet_shows_topic_staff_and_each_persons_levels(demo_ctx, demo_today, tmp_path):
    from escape_desktop.services.circuit import circuit_grid

    cid = _course(demo_ctx, "KH-2026-002")
    grid = circuit_grid(demo_ctx, cid, 6)
    out = tmp_path / "sheet.pdf"
    result = build_document(demo_ctx, "session-sheet", cid, out, session_number=6, today=demo_today)
    _keep(out, "test-session-sheet.pdf")
    text = _squash(" ".join(_text(out)))
    # ten stations at a clipboard's 10 pt: four, three and three a part, each part a page
    assert result.pages == 3
    assert "Session 6 of 12" in text
    assert grid.session_topic in text
    for row in grid.rows:
        assert row.name in text
    # a person's level and target for each station appear as "L<n> <dose>"
    first = grid.rows[0]
    cell = next(iter(first.cells.values()))
    dose = (
        str(int(cell.target_dose))
        if float(cell.target_dose).is_integer()
        else f"{cell.target_dose:g}"
    )
    assert f"L{cell.level + 1} {dose}" in text


def test_sixteen_people_by_ten_stations_print_in_two_parts_with_walk_in_rows(
    demo_ctx, demo_today, tmp_path
):
    cid = _course(demo_ctx, "KH-2026-002")
    info = course_info(demo_ctx, cid, demo_today)
    stations = [
        SheetStation(f"s{i}", f"Station number {i} with a long name", "reps each leg")
        for i in range(10)
    ]
    rows = [
        SheetRow(
            i,
            f"Person{i} Demo-Nguyễn-Zieliński",
            {f"s{j}": SheetCell(j % 4, str(10 + j)) for j in range(10)},
        )
        for i in range(16)
    ]
    out = tmp_path / "big.pdf"
    pages = render_session_sheet(info, 3, stations, rows, out)
    _keep(out, "test-sheet-16x10.pdf")
    sizes: set[float] = set()

    def visit(text, cm, tm, font, size):  # type: ignore[no-untyped-def]
        y = cm[5] + tm[5] * cm[3]
        if text.strip() and y > 40:  # above the page footer (8 pt, 8 mm from the edge)
            sizes.add(round(size * tm[3] * cm[3], 1))

    reader = PdfReader(str(out))
    text = _squash(" ".join(p.extract_text(visitor_text=visit) for p in reader.pages))
    assert pages >= 3  # stations 1-4, 5-7 and 8-10, each part from a new page
    assert sizes and min(sizes) >= 10  # read at a clipboard's distance
    assert text.count("Person15") == 3 and text.count("Person0") == 3
    assert text.count("walk-in") == 6  # two walk-in rows in each part, even with 16 people


def test_a_sheet_longer_than_a_page_prints_everyone_and_the_note(demo_ctx, demo_today, tmp_path):
    # 30 people and tall station headings: the table fills page 1 and the note is pushed on to
    # page 2, where its paragraph is laid out again (this once failed to draw).
    cid = _course(demo_ctx, "KH-2026-002")
    info = course_info(demo_ctx, cid, demo_today)
    stations = [
        SheetStation("a", "Supercalifragilisticexpialidocious exercise", ""),
        SheetStation("b", "Knee", ""),
        SheetStation("c", "Wall press-ups with a twist and a shout", "seconds each side"),
        SheetStation("d", "Sit & stand <fast>", "reps"),
        SheetStation("e", "Stepping sideways", "Ünïcödé ŁŚ units"),
    ]
    rows = [
        SheetRow(i, f"Person{i} Demo-Żak", {k: SheetCell(i % 5, str(i)) for k in "abcde"})
        for i in range(30)
    ]
    out = tmp_path / "long.pdf"
    pages = render_session_sheet(info, 3, stations, rows, out)
    _keep(out, "test-sheet-two-pages.pdf")
    text = _squash(" ".join(_text(out)))
    assert pages == len(_text(out)) >= 2
    for row in rows:
        assert row.name in text
    assert "Sit & stand <fast>" in text  # markup characters print as typed
    assert "Tick Here for everyone who came" in text


def test_a_name_needing_three_lines_gets_a_taller_row_instead_of_overprinting(
    demo_ctx, demo_today, tmp_path
):
    cid = _course(demo_ctx, "KH-2026-002")
    info = course_info(demo_ctx, cid, demo_today)
    stations = [SheetStation(f"s{i}", f"Station {i}", "reps") for i in range(10)]
    names = ["Ann Demo", "Bartholomew Demo-Nguyễn-Zieliński-Wójcik-Longname", "Cat Demo"]
    rows = [SheetRow(i, n, {"s0": SheetCell(0, "5")}) for i, n in enumerate(names)]
    out = tmp_path / "tall.pdf"
    render_session_sheet(info, 3, stations, rows, out)
    _keep(out, "test-sheet-tall-name.pdf")
    lines: list[tuple[str, float]] = []

    def visit(text, cm, tm, font, size):  # type: ignore[no-untyped-def]
        if text.strip():
            lines.append((text.strip(), cm[5] + tm[5] * cm[3]))

    PdfReader(str(out)).pages[0].extract_text(visitor_text=visit)
    long_name = [y for t, y in lines if "Bartholomew" in t or "Longname" in t or "gname" in t]
    next_name = [y for t, y in lines if t.startswith("Cat Demo")]
    assert len(long_name) >= 2 and next_name
    # Baselines: the next name sits about 3.7 pt under the middle of its 18.4 pt row, so its
    # row starts about 12.9 pt above that baseline; the long name's last line (2.1 pt of
    # descent) must end above it.
    assert min(long_name) - 2.1 >= next_name[0] + 12.0


def test_progress_report_for_each_person_who_came_with_measures_and_home_plan(
    demo_ctx, demo_today, tmp_path
):
    from escape_desktop.services.circuit import home_plan_for

    cid = _course(demo_ctx, "KH-2026-001")
    info = course_info(demo_ctx, cid, demo_today)
    people = [r for r in info.people() if info.attended(r) > 0]
    out = tmp_path / "progress.pdf"
    result = build_document(demo_ctx, "progress", cid, out, today=demo_today)
    _keep(out, "test-progress.pdf")
    text = _squash(" ".join(_text(out)))
    assert result.names == [r.name for r in people]
    first = text[text.index(people[0].name) : text.index(people[1].name)]
    assert "How you have changed" in first and "Keep going at home" in first
    assert "went from" in first
    plan = home_plan_for(demo_ctx, people[0].enrolment_id)
    for item in plan.items:
        assert _squash(item.level_name) in first
        assert item.dose_text in first
    assert "hall" not in text  # the home versions, not the class ones


def test_progress_report_shows_follow_up_only_when_someone_has_one(demo_ctx, demo_today, tmp_path):
    from sqlalchemy import text

    from escape_desktop.services import followups

    cid = _course(demo_ctx, "KH-2026-001")
    with demo_ctx.db.engine.begin() as c:  # everyone agreed to be contacted afterwards
        c.execute(text("UPDATE participants SET consent_follow_up = 1"))
    point = next(e for e in followups.entries(demo_ctx, demo_today, [cid]) if e.point == 3)
    person = next(
        p for p in course_info(demo_ctx, cid, demo_today).people()
        if p.enrolment_id == point.enrolment_id
    )  # fmt: skip
    out = tmp_path / "before.pdf"
    build_document(
        demo_ctx, "progress", cid, out, enrolment_ids=[person.enrolment_id], today=demo_today
    )
    assert "follow-up" not in _squash(" ".join(_text(out)))
    followups.record_follow_up(  # at 3 months, the day it is due
        demo_ctx, point.enrolment_id, 3, "done", scores={"pain_nrs": 1}, today=point.due_on
    )
    out = tmp_path / "after.pdf"
    build_document(
        demo_ctx, "progress", cid, out, enrolment_ids=[person.enrolment_id], today=demo_today
    )
    text = _squash(" ".join(_text(out)))
    assert "At the follow-up it was 1." in text


def test_summary_states_completion_and_the_three_proportions(demo_ctx, demo_today, tmp_path):
    from escape_desktop.services.measures import course_outcomes

    cid = _course(demo_ctx, "KH-2026-001")
    outcomes = course_outcomes(demo_ctx, cid, today=demo_today)
    out = tmp_path / "summary.pdf"
    build_document(demo_ctx, "summary", cid, out, today=demo_today)
    _keep(out, "test-summary.pdf")
    text = _squash(" ".join(_text(out)))
    assert f"{outcomes.completion_rate:.0f}%" in text
    for p in outcomes.proportions:
        assert p.label in text
        if p.denominator:
            assert f"{p.numerator} of {p.denominator}" in text


@pytest.mark.skipif(shutil.which("pdffonts") is None, reason="poppler's pdffonts not installed")
@pytest.mark.parametrize("kind", KINDS)
def test_every_font_is_embedded(demo_ctx, demo_today, tmp_path, kind):
    cid = _course(demo_ctx, "KH-2026-001")
    out = tmp_path / f"{kind}.pdf"
    build_document(demo_ctx, kind, cid, out, session_number=4, today=demo_today, record=False)
    listing = subprocess.run(["pdffonts", str(out)], capture_output=True, text=True, check=True)
    fonts = listing.stdout.splitlines()[2:]
    assert fonts, "some text was drawn"
    for line in fonts:
        assert "DejaVuSans" in line and " yes yes yes " in line, line


def test_a_crash_mid_write_keeps_the_old_file_and_leaves_no_scraps(
    demo_ctx, demo_today, tmp_path, monkeypatch
):
    import escape_desktop.export.pdf_register as pdf_register

    def half_then_crash(info, path, tr=None):  # type: ignore[no-untyped-def]
        Path(path).write_bytes(b"%PDF-1.4 half a document")
        raise RuntimeError("power cut")

    monkeypatch.setattr(pdf_register, "render_register", half_then_crash)
    folder = tmp_path / "docs"
    folder.mkdir()
    out = folder / "register.pdf"
    out.write_bytes(b"the previous good copy")
    cid = _course(demo_ctx, "KH-2026-001")
    with pytest.raises(RuntimeError):
        build_document(demo_ctx, "register", cid, out, today=demo_today)
    assert out.read_bytes() == b"the previous good copy"
    assert [p.name for p in folder.iterdir()] == ["register.pdf"]


def test_saving_into_a_missing_folder_says_what_to_do(demo_ctx, demo_today, tmp_path):
    cid = _course(demo_ctx, "KH-2026-001")
    with pytest.raises(DocumentError, match="does not exist; choose another place"):
        build_document(demo_ctx, "register", cid, tmp_path / "nope" / "r.pdf", today=demo_today)


def test_default_file_names():
    assert default_filename("KH-2026-001", "session-sheet", 3) == "KH-2026-001 session 3 sheet.pdf"
    assert default_filename("KH-2026-001", "register") == "KH-2026-001 register.pdf"
    assert default_filename("A/B", "summary") == "A-B class summary.pdf"


def test_progress_is_reported_while_building(demo_ctx, demo_today, tmp_path):
    cid = _course(demo_ctx, "BK-2026-001")
    seen: list[tuple[int, int, str]] = []
    build_document(
        demo_ctx,
        "progress",
        cid,
        tmp_path / "p.pdf",
        today=demo_today,
        progress=lambda d, t, m: seen.append((d, t, m)),
    )
    assert len(seen) >= 3
    assert seen[-1][0] == seen[-1][1]  # finished
    assert "saved" in seen[-1][2]


def test_double_barrelled_names_break_at_the_hyphen_not_mid_word():
    from escape_desktop.export.pdf_style import fit_name, register_fonts

    register_fonts()

    def lines(name: str, width: float = 70) -> list[str]:
        return fit_name(name, width, size=9, floor=8)[1]

    assert lines("Zoë Demo-Nguyễn-Zieliński") == ["Zoë Demo-", "Nguyễn-Zieliński"]
    assert lines("Winston Demo-Morgan", 60) == ["Winston", "Demo-Morgan"]  # spaces first


def test_a_course_closed_early_dates_its_certificates_the_day_it_ended(ctx, tmp_path):
    # Closed after the fourth session and printed a week later: the certificate must not
    # carry the planned last day, weeks in the future.
    from escape_desktop.services.attendance import mark_attendance
    from escape_desktop.services.courses import CourseInput, close_course, create_course
    from escape_desktop.services.participants import ParticipantInput, enrol_participant

    cid = create_course(
        ctx,
        CourseInput(
            title="Closed knees",
            programme_key="knee_hip",
            start_date=date(2026, 1, 6),
            weekdays=[1, 4],
            venue="Test Hall",
        ),
    )
    sessions = course_info(ctx, cid, date(2026, 1, 1)).sessions
    _pid, eid = enrol_participant(
        ctx, cid, ParticipantInput(first_name="Rhi", last_name="Demo-Test", consent_programme=True)
    )
    _enrolled_before_the_course(ctx, eid, date(2026, 1, 1))
    for x in sessions[:4]:
        mark_attendance(ctx, eid, x.id, "present")
    close_course(ctx, cid, sessions[3].date)
    out = tmp_path / "closed.pdf"
    result = build_document(ctx, "certificates", cid, out, today=sessions[6].date)
    assert result.names == ["Rhi Demo-Test"]
    text = _squash(_text(out)[0])
    ended = sessions[3].date
    assert f"Date: {ended.day} {ended:%B %Y}" in text
    assert f"{sessions[-1].date:%B %Y}" not in text.replace(f"{ended:%B %Y}", "")
    # The summary's attendance chart and the printed register stop at the closing day too.
    build_document(ctx, "summary", cid, tmp_path / "s.pdf", today=sessions[6].date)
    summary = _squash(" ".join(_text(tmp_path / "s.pdf")))
    assert "each of the 4 sessions held" in summary
    build_document(ctx, "register", cid, tmp_path / "r.pdf", today=sessions[6].date)
    register = _squash(" ".join(_text(tmp_path / "r.pdf")))
    assert "Present 1 1 1 1 1 completed" in register


def test_printed_numbers_round_half_away_and_the_chart_shows_the_tables_mean():
    from escape_desktop.export.pdf_style import number

    # An f-string rounds halves to even (2.5 -> "2") and 0.125 -> "0.12": not the house rule.
    assert (number(2.5, 0), number(0.125, 2), number(-2.5, 0), number(4.0, 1)) == (
        "3",
        "0.13",
        "−3",
        "4",
    )


def test_the_summary_chart_prints_the_mean_the_table_prints(demo_ctx, demo_today, tmp_path):
    cid = _course(demo_ctx, "KH-2026-001")
    out = tmp_path / "summary.pdf"
    build_document(demo_ctx, "summary", cid, out, today=demo_today)
    text = "\n".join(_text(out)[1:])  # the chart may fall on the page after the table
    table = text[text.index("Pain rating (/10)") :].split("\n")
    chart = text[text.index("Mean start and end") :]
    start = table[2].strip()  # Both taken, then the mean start
    assert "." in start and f"Start\n{start}" in chart.replace(" ", "")
