"""Handing a course to another laptop: the file is whole or refused, and merges lose nothing."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from escape_desktop.cli import main
from escape_desktop.context import AppContext
from escape_desktop.db.models import (
    Attendance,
    AuditEvent,
    Course,
    CourseHandover,
    Enrolment,
    Participant,
    Session,
)
from escape_desktop.services import handover
from escape_desktop.services.attendance import mark_attendance
from escape_desktop.services.handover import (
    HandoverRefused,
    inspect_handover,
    receive_course,
    send_course,
    snapshot,
    unseal,
)

PHRASE = "a hall with no signal"
COURSE = "KH-2026-001"


def cli(capsys: pytest.CaptureFixture, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.fixture
def laptops(demo_copy, tmp_path: Path) -> Iterator[tuple[Path, Path]]:  # type: ignore[no-untyped-def]
    """Two demo laptops, as two instructors' would be: seed 1 and seed 2."""
    yield demo_copy(tmp_path / "laptop-a", 1), demo_copy(tmp_path / "laptop-b", 2)


@pytest.fixture(autouse=True)
def handover_phrase(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ESCAPE_DESKTOP_HANDOVER_PASSPHRASE", PHRASE)


def state(folder: Path, code: str) -> dict:
    """Everything a course says, in the instructor's terms, read fresh from the folder."""
    ctx = AppContext.open(folder)
    try:
        with ctx.db.read() as s:
            course = s.scalar(select(Course).where(Course.code == code))
            assert course is not None
            return snapshot(s, course)
    finally:
        ctx.close()


def everything(folder: Path) -> dict:
    """Row counts of every table, and each course's records: 'nothing changed' means this."""
    ctx = AppContext.open(folder)
    try:
        with ctx.db.read() as s:
            tables = s.scalars(
                text(
                    "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite%'"
                )
            ).all()
            counts = {t: s.scalar(text(f'SELECT count(*) FROM "{t}"')) for t in tables}
            courses = {c.code: snapshot(s, c) for c in s.scalars(select(Course))}
        return {"counts": counts, "courses": courses}
    finally:
        ctx.close()


def send(capsys: pytest.CaptureFixture, folder: Path, code: str, out: Path) -> None:
    rc, _, err = cli(capsys, "course", "send", "--course", code, "--out", str(out),
                     "--data-dir", str(folder))  # fmt: skip
    assert rc == 0, err


def receive(capsys: pytest.CaptureFixture, folder: Path, file: Path, *extra: str) -> dict:
    rc, out, err = cli(capsys, "course", "receive", str(file), "--json",
                       "--data-dir", str(folder), *extra)  # fmt: skip
    assert rc == 0, err
    return json.loads(out)


def _without_ids(value: object, code: str) -> object:
    """JSON with the course code neutral and database ids dropped: they are this laptop's own."""
    if isinstance(value, dict):
        return {k: _without_ids(v, code) for k, v in value.items() if k != "enrolment_id"}
    if isinstance(value, list):
        return [_without_ids(v, code) for v in value]
    return "<course>" if value == code else value


def views(capsys: pytest.CaptureFixture, folder: Path, code: str) -> list:
    shown = []
    for number in range(1, 13):
        rc, out, err = cli(capsys, "circuit", "--course", code, "--session", str(number),
                           "--json", "--data-dir", str(folder))  # fmt: skip
        assert rc == 0, err
        shown.append(_without_ids(json.loads(out), code))
    rc, out, err = cli(capsys, "outcomes", "--course", code, "--json", "--data-dir", str(folder))
    assert rc == 0, err
    shown.append(_without_ids(json.loads(out), code))
    return shown


def set_mark(folder: Path, code: str, person: str, number: int, mark: str | None) -> None:
    ctx = AppContext.open(folder)
    try:
        with ctx.db.read() as s:
            course = s.scalar(select(Course).where(Course.code == code))
            assert course is not None
            enrolment_id = s.scalar(
                select(Enrolment.id)
                .join(Participant)
                .where(Participant.code == person, Enrolment.course_id == course.id)
            )
            session_id = s.scalar(
                select(Session.id).where(Session.course_id == course.id, Session.number == number)
            )
        assert enrolment_id is not None and session_id is not None
        mark_attendance(ctx, enrolment_id, session_id, mark)
    finally:
        ctx.close()


def people_with_marks(records: dict, number: int = 2) -> list[str]:
    """Participant codes of people marked present at session ``number``."""
    return sorted(
        k.split("|")[1]
        for k, v in records.items()
        if k.startswith("attendance|") and k.endswith(f"|{number}") and v["mark"] == "present"
    )


# ------------------------------------------------------------------------------ tests


def test_a_sent_course_reads_the_same_on_the_other_laptop(laptops, tmp_path, capsys):
    a, b = laptops
    file = tmp_path / "stick" / "course.escape"
    file.parent.mkdir()
    send(capsys, a, COURSE, file)
    before_b = everything(b)

    report = receive(capsys, b, file)

    # Laptop B had its own KH-2026-001 (another course): both are kept, the new one renamed.
    assert report["course_added"] is True
    assert report["renamed_from"] == COURSE
    received_code = report["course_code"]
    assert received_code != COURSE
    assert views(capsys, b, received_code) == views(capsys, a, COURSE)
    after_b = everything(b)
    assert after_b["courses"][COURSE] == before_b["courses"][COURSE]
    assert all(after_b["courses"][c] == r for c, r in before_b["courses"].items())
    # A backup came first, and the audit log says what happened.
    assert Path(report["backup"]).exists()
    ctx = AppContext.open(b)
    try:
        with ctx.db.read() as s:
            assert s.scalar(select(func.count()).where(AuditEvent.action == "receive_course")) == 1
    finally:
        ctx.close()


def test_inspect_and_dry_run_change_nothing(laptops, tmp_path, capsys):
    a, b = laptops
    file = tmp_path / "course.escape"
    send(capsys, a, COURSE, file)
    before = everything(b)
    summary = inspect_handover(file, PHRASE)
    assert summary.course_code == COURSE
    assert summary.counts["participant"] == len(
        [k for k in state(a, COURSE) if k.startswith("participant|")]
    )
    report = receive(capsys, b, file, "--dry-run")
    assert report["dry_run"] is True and report["added"]["attendance"] > 0
    assert everything(b) == before
    assert not list((b / "backups").glob("*before-handover*"))


def test_one_changed_byte_anywhere_is_refused_and_nothing_changes(
    laptops, tmp_path, capsys, monkeypatch
):
    a, b = laptops
    monkeypatch.setattr(handover, "SCRYPT_LOG2_N", 10)  # cheap keys: many files to try
    file = tmp_path / "course.escape"
    send(capsys, a, COURSE, file)
    good = file.read_bytes()
    before = everything(b)
    ctx = AppContext.open(b)
    positions = sorted(
        set(range(handover.HEADER.size + 40)) | set(range(0, len(good), 61)) | {len(good) - 1}
    )
    try:
        for pos in positions:
            bad = bytearray(good)
            bad[pos] ^= 0x01
            file.write_bytes(bytes(bad))
            with pytest.raises(HandoverRefused) as refused:
                receive_course(ctx, file, PHRASE)
            message = str(refused.value)
            assert message.count(". ") == 0 and "\n" not in message, message
            assert "nothing here was changed" in message
    finally:
        ctx.close()
    # And through the command line: one line on stderr, a non-zero exit, no traceback.
    rc, out, err = cli(capsys, "course", "receive", str(file), "--data-dir", str(b))
    assert rc == 1 and out == ""
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert everything(b) == before


def test_a_truncated_file_is_refused(laptops, tmp_path, capsys):
    a, b = laptops
    file = tmp_path / "course.escape"
    send(capsys, a, COURSE, file)
    good = file.read_bytes()
    before = everything(b)
    for length in (0, 10, handover.HEADER.size, len(good) // 2, len(good) - 1):
        file.write_bytes(good[:length])
        rc, out, err = cli(capsys, "course", "receive", str(file), "--data-dir", str(b))
        assert rc == 1 and out == ""
        assert "cut short" in err and len(err.strip().splitlines()) == 1
    assert everything(b) == before


def test_a_wrong_passphrase_is_one_sentence(laptops, tmp_path, capsys, monkeypatch):
    a, b = laptops
    file = tmp_path / "course.escape"
    send(capsys, a, COURSE, file)
    monkeypatch.setenv("ESCAPE_DESKTOP_HANDOVER_PASSPHRASE", "not the right words")
    rc, out, err = cli(capsys, "course", "receive", str(file), "--data-dir", str(b))
    assert rc == 1 and out == ""
    assert "passphrase" in err and len(err.strip().splitlines()) == 1
    assert err.strip().count(". ") == 0
    # From a file too, and a missing one is named.
    phrase_file = tmp_path / "phrase.txt"
    phrase_file.write_text(PHRASE + "\n", encoding="utf-8")
    monkeypatch.delenv("ESCAPE_DESKTOP_HANDOVER_PASSPHRASE")
    assert inspect_handover(file, phrase_file.read_text().strip()).course_code == COURSE
    rc, _, err = cli(capsys, "course", "receive", str(file), "--dry-run", "--data-dir", str(b),
                     "--handover-passphrase-file", str(phrase_file))  # fmt: skip
    assert rc == 0, err
    rc, _, err = cli(capsys, "course", "receive", str(file), "--data-dir", str(b))
    assert rc == 1 and "hand-over passphrase" in err


def test_a_suggested_passphrase_opens_its_file_and_a_weak_one_is_refused(laptops, tmp_path):
    from escape_desktop.services.errors import ValidationError
    from escape_desktop.services.handover import suggest_passphrase

    a, _ = laptops
    phrase = suggest_passphrase()
    assert phrase != suggest_passphrase()
    ctx = AppContext.open(a)
    try:
        send_course(ctx, COURSE, tmp_path / "c.escape", phrase)
        with pytest.raises(ValidationError, match="too weak"):
            send_course(ctx, COURSE, tmp_path / "weak.escape", "1234")
    finally:
        ctx.close()
    assert inspect_handover(tmp_path / "c.escape", phrase).course_code == COURSE
    assert not (tmp_path / "weak.escape").exists()


@pytest.mark.real_key_cost
def test_a_sent_file_costs_scrypt_n_2_15_per_guess_and_opens(laptops, tmp_path):
    """The tests seal hand-over files cheaply (conftest._cheap_keys); a real one states the
    production cost in its header, which a guesser pays for every passphrase tried."""
    a, _ = laptops
    ctx = AppContext.open(a)
    try:
        send_course(ctx, COURSE, tmp_path / "c.escape", PHRASE)
    finally:
        ctx.close()
    blob = (tmp_path / "c.escape").read_bytes()
    assert handover.HEADER.unpack_from(blob)[2] == handover.SCRYPT_LOG2_N == 15
    assert inspect_handover(tmp_path / "c.escape", PHRASE).course_code == COURSE


def test_out_refuses_an_existing_file_and_the_data_folder(laptops, tmp_path, capsys):
    a, _ = laptops
    file = tmp_path / "course.escape"
    file.write_bytes(b"something precious")
    rc, _, err = cli(capsys, "course", "send", "--course", COURSE, "--out", str(file),
                     "--data-dir", str(a))  # fmt: skip
    assert rc == 1 and "--force" in err
    assert file.read_bytes() == b"something precious"
    rc, _, err = cli(capsys, "course", "send", "--course", COURSE, "--out", str(a / "x.escape"),
                     "--data-dir", str(a))  # fmt: skip
    assert rc == 1 and "data folder" in err and not (a / "x.escape").exists()
    rc, _, err = cli(capsys, "course", "send", "--course", COURSE, "--out", str(file),
                     "--force", "--data-dir", str(a))  # fmt: skip
    assert rc == 0, err
    assert inspect_handover(file, PHRASE).course_code == COURSE


def test_out_refuses_the_data_folder_in_another_letter_case_as_windows_does(
    laptops, tmp_path, capsys, monkeypatch
):
    a, _ = laptops
    monkeypatch.setattr("escape_desktop.paths.case_insensitive_files", lambda: True)  # Windows
    shouting = Path(str(a).upper()) / "x.escape"
    rc, _, err = cli(capsys, "course", "send", "--course", COURSE, "--out", str(shouting),
                     "--data-dir", str(a))  # fmt: skip
    assert rc == 1 and "data folder" in err


def test_the_file_holds_no_one_from_another_course(laptops, tmp_path, capsys):
    a, _ = laptops
    file = tmp_path / "course.escape"
    send(capsys, a, COURSE, file)
    payload = json.dumps(unseal(file.read_bytes(), PHRASE), ensure_ascii=False)
    ctx = AppContext.open(a)
    try:
        with ctx.db.read() as s:
            rows = s.execute(
                select(Participant.code, Participant.first_name, Participant.last_name,
                       Course.code)
                .join(Enrolment, Enrolment.participant_id == Participant.id)
                .join(Course, Course.id == Enrolment.course_id)
            ).all()  # fmt: skip
    finally:
        ctx.close()
    our_surnames = {r[2] for r in rows if r[3] == COURSE}
    others = [r for r in rows if r[3] != COURSE]
    assert others and our_surnames
    checked = 0
    for person_code, _first, last, _ in others:
        assert person_code not in payload
        if last not in our_surnames:  # demo surnames repeat; a namesake on this course is fine
            assert last not in payload
            checked += 1
    assert checked >= 5
    for other_course in {r[3] for r in others}:
        assert other_course not in payload


def test_a_round_trip_changes_nothing_that_was_not_edited(laptops, tmp_path, capsys):
    a, b = laptops
    there, back = tmp_path / "there.escape", tmp_path / "back.escape"
    send(capsys, a, COURSE, there)
    before_a = everything(a)
    code_b = receive(capsys, b, there)["course_code"]
    send(capsys, b, code_b, back)
    report = receive(capsys, a, back)
    assert report["course_added"] is False and report["course_code"] == COURSE
    assert report["added"] == report["updated"] == report["removed"] == {}
    assert report["conflicts"] == []
    after_a = everything(a)
    assert after_a["courses"] == before_a["courses"]
    # Only the record of the hand-overs, the audit log and nothing else grew.
    grown = {t for t, n in after_a["counts"].items() if n != before_a["counts"][t]}
    assert grown <= {"course_handovers", "audit_events"}

    # One edit on B comes back as exactly that edit.
    person = people_with_marks(state(b, code_b))[0]
    records_b = state(b, code_b)
    old = records_b[f"attendance|{person}|2"]["mark"]
    new = "apologies" if old != "apologies" else "absent"
    set_mark(b, code_b, person, 2, new)
    back.unlink()
    send(capsys, b, code_b, back)
    report = receive(capsys, a, back)
    assert report["updated"] == {"attendance": 1} and report["conflicts"] == []
    expected = dict(before_a["courses"][COURSE])
    expected[f"attendance|{person}|2"] = {**expected[f"attendance|{person}|2"], "mark": new}
    got = state(a, COURSE)
    assert {k: handover.digest(v) for k, v in got.items()} == {
        k: handover.digest(v) for k, v in expected.items()
    }


def test_a_cleared_mark_is_cleared_there_and_the_same_file_twice_changes_nothing(
    laptops, tmp_path, capsys
):
    a, b = laptops
    first = tmp_path / "first.escape"
    send(capsys, a, COURSE, first)
    code_b = receive(capsys, b, first)["course_code"]
    person = people_with_marks(state(a, COURSE), 3)[0]
    set_mark(a, COURSE, person, 3, None)
    second = tmp_path / "second.escape"
    send(capsys, a, COURSE, second)
    report = receive(capsys, b, second)
    assert report["removed"] == {"attendance": 1} and report["conflicts"] == []
    assert f"attendance|{person}|3" not in state(b, code_b)
    before = everything(b)["courses"]
    again = receive(capsys, b, second)
    assert again["added"] == again["updated"] == again["removed"] == {}
    assert everything(b)["courses"] == before


def test_edits_on_both_sides_are_conflicts_with_a_deterministic_result(laptops, tmp_path, capsys):
    a, b = laptops
    first = tmp_path / "first.escape"
    send(capsys, a, COURSE, first)
    code_b = receive(capsys, b, first)["course_code"]
    x, y, z = people_with_marks(state(a, COURSE), 4)[:3]
    # x session 4: changed on both laptops; y: only on A; z: only on B.
    set_mark(a, COURSE, x, 4, "apologies")
    set_mark(b, code_b, x, 4, "absent")
    set_mark(a, COURSE, y, 4, "apologies")
    set_mark(b, code_b, z, 4, "apologies")
    second = tmp_path / "second.escape"
    send(capsys, a, COURSE, second)

    spare, spare2 = tmp_path / "laptop-b-copy", tmp_path / "laptop-b-copy-2"
    shutil.copytree(b, spare)
    shutil.copytree(b, spare2)
    preview = receive(capsys, b, second, "--dry-run")
    conflicts = preview["conflicts"]
    assert [c["id"] for c in conflicts] == [f"attendance|{x}|4"]
    assert conflicts[0]["here"]["mark"] == "absent"
    assert conflicts[0]["received"]["mark"] == "apologies"
    assert conflicts[0]["differs"] == ["mark"]
    assert preview["updated"] == {"attendance": 1} and preview["kept_here"] == {"attendance": 1}

    # Without a choice: left as it is here, and reported.
    left = receive(capsys, b, second)
    assert left["unresolved"] == 1
    after = state(b, code_b)
    assert after[f"attendance|{x}|4"]["mark"] == "absent"
    assert after[f"attendance|{y}|4"]["mark"] == "apologies"
    assert after[f"attendance|{z}|4"]["mark"] == "apologies"
    # Still a conflict on A when B's copy comes back: never settled silently.
    third = tmp_path / "third.escape"
    send(capsys, b, code_b, third)
    ctx = AppContext.open(a)
    try:
        report = receive_course(ctx, third, PHRASE, dry_run=True)
    finally:
        ctx.close()
    assert [c.id for c in report.conflicts] == [f"attendance|{x}|4"]

    # With a choice: the same result on two copies of the laptop.
    results = []
    for folder in (spare, spare2):
        ctx = AppContext.open(folder)
        try:
            chosen = receive_course(ctx, second, PHRASE, {f"attendance|{x}|4": "received"})
        finally:
            ctx.close()
        assert chosen.conflicts[0].chosen == "received" and not chosen.unresolved
        results.append(state(folder, code_b))
    assert results[0] == results[1]
    assert results[0][f"attendance|{x}|4"]["mark"] == "apologies"


def test_people_are_matched_by_nhs_number_then_name_and_birth_date(laptops, tmp_path, capsys):
    a, b = laptops
    on_course = people_with_marks(state(a, COURSE))
    ctx_a, ctx_b = AppContext.open(a), AppContext.open(b)
    try:
        with ctx_b.db.transaction() as s:
            here = s.scalars(select(Participant).order_by(Participant.id).limit(2)).all()
            with ctx_a.db.transaction() as sa:
                by_nhs = sa.scalar(select(Participant).where(Participant.code == on_course[0]))
                by_name = sa.scalar(select(Participant).where(Participant.code == on_course[1]))
                assert by_nhs and by_name
                by_nhs.nhs_number = here[0].nhs_number = "9434765919"
                by_name.first_name, by_name.last_name = here[1].first_name, here[1].last_name
                by_name.date_of_birth = here[1].date_of_birth
            codes_here = (here[0].code, here[1].code)
        file = tmp_path / "course.escape"
        send_course(ctx_a, COURSE, file, PHRASE)
        report = receive_course(ctx_b, file, PHRASE)
        with ctx_b.db.read() as s:
            people_before = s.scalar(select(func.count()).select_from(Participant))
    finally:
        ctx_a.close()
        ctx_b.close()
    how = {p.code_received: p for p in report.people}
    assert (how[on_course[0]].how, how[on_course[0]].code_here) == ("nhs_number", codes_here[0])
    assert how[on_course[0]].needs_confirmation is False
    assert (how[on_course[1]].how, how[on_course[1]].code_here) == (
        "name_and_birth_date",
        codes_here[1],
    )
    assert how[on_course[1]].needs_confirmation is True
    assert sum(p.how == "new" for p in report.people) == len(report.people) - 2
    # The matched people were not added twice, and their register came across under them.
    received = state(b, report.course_code)
    assert f"enrolment|{codes_here[0]}" in received and f"enrolment|{on_course[0]}" not in received
    assert people_before == everything(b)["counts"]["participants"]


def test_a_course_made_before_the_global_id_gets_one(tmp_path):
    from escape_desktop.db.engine import DB_FILENAME, Database
    from escape_desktop.db.migrate import upgrade

    db = Database(tmp_path / DB_FILENAME)
    upgrade(db, "0001_baseline")
    with db.transaction() as s:
        for n in (1, 2):
            s.execute(
                text(
                    "INSERT INTO courses (code, title, programme_key, start_date, weekdays, "
                    "start_time, capacity, notes, created_at) VALUES (:c, 'Old', 'knee_hip', "
                    "'2025-01-06', '0,3', '10:00', 12, '', '2025-01-01 10:00:00')"
                ),
                {"c": f"KH-2025-00{n}"},
            )
    db.dispose()
    ctx = AppContext.open(tmp_path)
    try:
        with ctx.db.read() as s:
            uids = s.scalars(select(Course.uid)).all()
            assert s.scalar(select(func.count()).select_from(CourseHandover)) == 0
    finally:
        ctx.close()
    assert len(uids) == 2 and len(set(uids)) == 2 and all(len(u) == 36 for u in uids)


def test_a_new_course_gets_its_own_global_id(ctx):
    from escape_desktop.services.courses import CourseInput, create_course

    ids = [
        create_course(ctx, CourseInput("Knees", "knee_hip", "2026-01-05", [0, 3])) for _ in range(2)
    ]
    with ctx.db.read() as s:
        uids = [s.get(Course, i).uid for i in ids]  # type: ignore[union-attr]
        assert s.scalar(select(func.count()).select_from(Attendance)) == 0
    assert len(set(uids)) == 2 and all(len(u) == 36 for u in uids)


def test_a_persons_document_language_goes_with_the_course(laptops, tmp_path, capsys):
    """Chosen on laptop A, their certificate comes out in Welsh on laptop B as well; everyone
    who has not chosen hashes as before (carried only when set)."""
    a, b = laptops
    ctx = AppContext.open(a)
    try:
        with ctx.db.transaction() as s:
            course = s.scalar(select(Course).where(Course.code == COURSE))
            assert course is not None
            person = course.enrolments[0].participant
            person.language = "cy"
            code = person.code
    finally:
        ctx.close()
    records = state(a, COURSE)
    assert records[f"participant|{code}"]["language"] == "cy"
    assert all("language" not in v for k, v in records.items() if k.startswith("participant|")
               and k != f"participant|{code}")  # fmt: skip
    file = tmp_path / "course.escape"
    send(capsys, a, COURSE, file)
    report = receive(capsys, b, file)
    ctx = AppContext.open(b)
    try:
        with ctx.db.read() as s:
            got = s.scalar(select(Participant.language).where(Participant.code == code))
    finally:
        ctx.close()
    assert report["course_added"] is True and got == "cy"


def test_a_persons_equality_monitoring_goes_with_the_course(laptops, tmp_path, capsys):
    """Asked on laptop A, the three equality items arrive on laptop B as they were; everyone
    not asked hashes as before (carried only when set)."""
    a, b = laptops
    ctx = AppContext.open(a)
    try:
        with ctx.db.transaction() as s:
            course = s.scalar(select(Course).where(Course.code == COURSE))
            assert course is not None
            person = course.enrolments[0].participant
            person.ethnic_category, person.stated_sex, person.gender_identity = "99", "2", "Z"
            code = person.code
    finally:
        ctx.close()
    records = state(a, COURSE)
    assert records[f"participant|{code}"]["ethnic_category"] == "99"
    assert all("ethnic_category" not in v for k, v in records.items()
               if k.startswith("participant|") and k != f"participant|{code}")  # fmt: skip
    file = tmp_path / "course.escape"
    send(capsys, a, COURSE, file)
    receive(capsys, b, file)
    ctx = AppContext.open(b)
    try:
        with ctx.db.read() as s:
            got = s.execute(
                select(
                    Participant.ethnic_category, Participant.stated_sex, Participant.gender_identity
                ).where(Participant.code == code)
            ).one()
    finally:
        ctx.close()
    assert tuple(got) == ("99", "2", "Z")


def _set_language(folder: Path, code: str, language: str | None) -> None:
    ctx = AppContext.open(folder)
    try:
        with ctx.db.transaction() as s:
            person = s.scalar(select(Participant).where(Participant.code == code))
            assert person is not None
            person.language = language
    finally:
        ctx.close()


def _language(folder: Path, code: str) -> str | None:
    ctx = AppContext.open(folder)
    try:
        with ctx.db.read() as s:
            return s.scalar(select(Participant.language).where(Participant.code == code))
    finally:
        ctx.close()


def test_a_round_trip_through_an_older_laptop_clears_nobodys_language(laptops, tmp_path, capsys):
    """A laptop from before the document language travelled sends records without it: that
    says nothing about anyone's language, so coming back it neither clears a Welsh choice
    nor shows as a change; a file that does carry languages still clears one cleared there."""
    a, b = laptops
    records = state(a, COURSE)
    code = next(k for k in records if k.startswith("participant|")).split("|", 1)[1]
    _set_language(a, code, "cy")
    first = tmp_path / "to-b.escape"
    send(capsys, a, COURSE, first)
    on_b = receive(capsys, b, first)["course_code"]  # B has a course of that code of its own
    back = tmp_path / "from-b.escape"
    send(capsys, b, on_b, back)
    # As the older version wrote it: no language in any record, no word of which fields
    payload = unseal(back.read_bytes(), PHRASE)
    assert "carries" in payload
    del payload["carries"]
    for key, values in payload["records"].items():
        if key.startswith("participant|"):
            values.pop("language", None)
    older = tmp_path / "from-older-b.escape"
    older.write_bytes(handover.seal(payload, PHRASE))
    report = receive(capsys, a, older)
    assert report["course_code"] == COURSE and not report["course_added"]
    assert _language(a, code) == "cy"
    assert not report["updated"] and not report["conflicts"]  # nothing to take from it
    # B (this version) clears it: the file says it carries languages, so A clears it too
    _set_language(b, code, None)
    cleared = tmp_path / "cleared.escape"
    send(capsys, b, on_b, cleared)
    receive(capsys, a, cleared)
    assert _language(a, code) is None
