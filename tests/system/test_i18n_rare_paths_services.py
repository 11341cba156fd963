"""Sentences on rare paths below the window are the instructor's language (issue 31): a long
print's progress lines, an upload with nothing to send, every problem and warning of a
referral list's import, "did what was set" marking people present, a hand-over file refused
(one whole sentence, its field named in the same language), a registry upload refused, the
results letters with nobody to write to. Each path is driven for real under the
pseudo-language "xx" (every catalogue message wrapped in markers): a word outside the
markers that is not data escaped the catalogue. These were English under Welsh."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from escape_desktop import i18n
from escape_desktop.db.models import Session
from escape_desktop.services import circuit, courses, participants
from escape_desktop.services.courses import CourseInput
from escape_desktop.services.errors import ValidationError
from escape_desktop.services.participants import ParticipantInput

ROOT = Path(__file__).resolve().parents[2]
POT = ROOT / "resources" / "i18n" / "escape_desktop.pot"
OPEN = i18n.PSEUDO_OPEN


def _loose(text: str, data: str = "") -> set[str]:
    """Words of ``text`` outside the markers that are not ``data`` (names, codes, values)."""
    allowed = {w.lower() for w in re.findall(r"[^\W\d_]+", data)}
    outside = i18n.outside_pseudo(text)
    return {w.lower() for w in re.findall(r"[^\W\d_]+", outside)} - allowed


def _said(text: str, data: str = "") -> None:
    assert OPEN in text, text
    assert not _loose(text, data), (_loose(text, data), text)


@pytest.fixture
def course(ctx):  # type: ignore[no-untyped-def]
    """A course of three people with a circuit, its first session in the past."""
    cid = courses.create_course(
        ctx,
        CourseInput(
            title="Tuesday knees", programme_key="knee_hip", start_date="2026-01-05",
            weekdays=[1, 4],
        ),
    )  # fmt: skip
    ids = [
        participants.enrol_participant(
            ctx, cid, ParticipantInput(first_name=f, last_name=last, consent_programme=True)
        )[1]
        for f, last in (("Ada", "Demo-Abbott"), ("Bill", "Demo-Brennan"))
    ]
    circuit.set_course_stations(ctx, cid, ["sit_to_stand", "step_ups"])
    with ctx.db.read() as s:
        sessions = dict(
            s.execute(select(Session.number, Session.id).where(Session.course_id == cid)).all()
        )
    return cid, ids, sessions


NAMES = "Ada Demo-Abbott Bill Demo-Brennan"


def test_a_long_prints_progress_lines_are_the_instructors_language(ctx, course, tmp_path, pseudo):  # type: ignore[no-untyped-def]
    """The progress dialog's lines while a session sheet, certificates and a summary are made."""
    from escape_desktop.services.documents import build_document

    cid, ids, _sessions = course
    lines: list[str] = []
    for kind in ("session-sheet", "certificates", "summary"):
        build_document(
            ctx, kind, cid, tmp_path / f"{kind}.pdf", session_number=1,
            enrolment_ids=ids if kind == "certificates" else None,
            progress=lambda _done, _total, message: lines.append(message),
        )  # fmt: skip
    assert len(lines) >= 9, lines  # each: reading the course, working, laying out, done
    for line in lines:
        # the result's own line names the file written (data)
        _said(re.sub(r"\S*[/\\]\S*", "", line), NAMES)


def test_did_what_was_set_says_who_it_marked_present_in_the_instructors_language(
    ctx, course, pseudo
) -> None:  # type: ignore[no-untyped-def]
    cid, (ada, bill), _sessions = course
    done = circuit.did_as_set(ctx, cid, 1, [(e, "step_ups") for e in (ada, bill)])
    assert "Ada" in done.said and "Bill" in done.said  # both were marked present
    _said(done.said, NAMES + " step ups")


def test_the_circuit_refuses_someone_away_in_the_instructors_language(ctx, course, pseudo) -> None:  # type: ignore[no-untyped-def]
    """'Did what was set' for people all marked away is refused: the sentence named the mark
    in English ('sent apologies') inside it."""
    from escape_desktop.services.attendance import mark_attendance

    cid, (ada, bill), sessions = course
    for who, mark in ((ada, "absent"), (bill, "apologies")):
        mark_attendance(ctx, who, sessions[1], mark)
        with pytest.raises(ValidationError) as refused:
            circuit.did_as_set(ctx, cid, 1, [(who, "step_ups")])
        _said(str(refused.value), NAMES)


def test_registers_not_taken_is_the_instructors_language(pseudo) -> None:  # type: ignore[no-untyped-def]
    from escape_desktop.programme.status import registers_not_taken_text

    for numbers in ([4], [3, 5]):
        _said(registers_not_taken_text(numbers))


def test_an_upload_with_nothing_to_send_or_no_site_says_so_in_the_instructors_language(
    ctx, pseudo
) -> None:  # type: ignore[no-untyped-def]
    from types import SimpleNamespace

    from escape_desktop.export.upload_rows import UploadScope
    from escape_desktop.services import uploads

    with pytest.raises(ValidationError) as refused:
        uploads.require_site(ctx)
    _said(str(refused.value))
    for changed_only, no_consent, not_asked in ((True, 0, 0), (False, 2, 1), (False, 0, 0)):
        data = SimpleNamespace(
            excluded_unchanged=3 if changed_only else 0,
            excluded_no_consent=no_consent,
            excluded_not_asked=not_asked,
        )
        said = uploads._nothing_message(data, UploadScope(changed_only=changed_only))  # type: ignore[arg-type]
        _said(said)


LIST = (
    "First name,Last name,Date of birth,Sex,NHS number,Phone,Joints affected,Take part,"
    "Contact afterwards,Documents in,Joined at session,Referral reason\n"
    "Ann,Demo-Ayres,12/03/1950,F,,07700 900123,knee,yes,maybe,Klingon,,sore\n"
    "=HYPERLINK(1),Demo-Bryn,12/03/1950,Q,7.7E+09,ann@example.org,elbow,no,,,x,\n"
    "Ann,Demo-Ayres,12/03/1950,F,,,knee,perhaps,,,,\n"
)


def test_every_import_problem_and_warning_is_the_instructors_language(ctx, course, pseudo) -> None:  # type: ignore[no-untyped-def]
    """A referral list with one of each problem: the rows' sentences, the warnings, the
    summary and the consent counts are all the catalogue's."""
    from escape_desktop.services import importing

    cid, _ids, _sessions = course
    preview = importing.preview_import(ctx, cid, LIST, today=date(2026, 1, 1))
    assert preview.bad and preview.warnings
    # What the list itself holds, quoted back: the values and the names.
    data = (
        "Ann Demo-Ayres Demo-Bryn Q E ann example org elbow no maybe Klingon x perhaps sore "
        "HYPERLINK KH English Cymraeg Tuesday knees " + preview.course_code
    )
    problems = [p.message for b in preview.bad for p in b.problems]
    fields = {p.field for b in preview.bad for p in b.problems}
    # a formula, the sex, the NHS number, the phone, the joints, take part, joined at, a repeat
    assert {"sex", "nhs_number", "phone", "joints", "consent_programme", "joined_at"} <= fields
    for text in (
        *problems,
        *(b.sentence() for b in preview.bad),
        *(w for _line, w in preview.warnings),
        preview.summary(),
        preview.consent_counts().sentence(),
    ):
        _said(text, data)
    # A row's problem quotes the reading's own sentence inside its marked one ("Sex:
    # {problem}"): the readings are checked on their own, where their markers show.
    from escape_desktop.programme.referrals import read_phone, read_sex

    for said in (
        read_sex("Q").warning,
        read_phone("7.7E+09").problem,
        read_phone("ann@example.org").problem,
    ):
        _said(said, "Q E ann example org")


def test_a_hand_over_refusal_is_one_sentence_with_its_field_in_the_instructors_language(
    pseudo,
) -> None:  # type: ignore[no-untyped-def]
    """It was 'refused because in {where} {why lowered}' with English record and field names
    ('When the mark was made') inside it, whatever the language."""
    from escape_desktop.services.handover.validate import Refusal, check_record

    for key, values in (
        ("attendance|P-1|3", {"mark": "present", "updated_at": "yesterday"}),
        ("assessment|P-1|start|pain_nrs", {"assessed_on": "2027-01-04", "adapted": "no"}),
        ("participant|P-1", {"first_name": 7}),
        ("follow_up|P-1|12", {"outcome": "maybe"}),
    ):
        with pytest.raises(Refusal) as refused:
            check_record(key, values, None)
        _said(str(refused.value), "P pain nrs start yesterday no maybe")


def test_a_hand_over_refusal_names_its_field_in_welsh() -> None:
    """The field's name sits inside the problem's sentence, where the pseudo-language's
    outer markers would hide it: under Welsh it is the catalogue's Welsh name."""
    from escape_desktop.services.handover.validate import Refusal, check_record

    welsh = i18n.translator("cy")
    before = i18n.ui_language()
    i18n.set_ui_language("cy")
    try:
        with pytest.raises(Refusal) as refused:
            check_record("attendance|P-1|3", {"mark": "present", "updated_at": "x"}, None)
    finally:
        i18n.set_ui_language(before)
    said = str(refused.value)
    assert welsh._("When the mark was made") in said, said
    assert "mark" not in said.replace("P-1", ""), said


def test_a_registry_upload_refused_is_the_instructors_language(tmp_path, pseudo) -> None:  # type: ignore[no-untyped-def]
    from escape_desktop.registry.load import UploadRefused, read_upload

    lonely = tmp_path / "upload.csv"
    lonely.write_text("a,b\n1,2\n", encoding="utf-8")
    for path in (tmp_path / "nothing.csv", lonely):
        with pytest.raises(UploadRefused) as refused:
            read_upload(path, lambda _name: None)  # type: ignore[arg-type,return-value]
        _said(str(refused.value).replace(str(tmp_path), ""), "nothing upload csv manifest json")


def test_no_results_letter_and_joining_online_are_refused_in_the_instructors_language(
    ctx, pseudo
) -> None:  # type: ignore[no-untyped-def]
    from escape_desktop.programme.delivery import HYBRID, IN_PERSON, joined_online_problem
    from escape_desktop.services.followup_results import results_letters

    with pytest.raises(ValidationError) as refused:
        results_letters(ctx)
    _said(str(refused.value))
    for mode, online, mark in ((HYBRID, False, "absent"), (HYBRID, True, "present"),
                               (IN_PERSON, False, "present")):  # fmt: skip
        said = joined_online_problem(mode, online, mark)
        assert said is not None
        _said(said)


def test_a_broken_file_is_refused_in_one_whole_sentence_naming_file_and_field(ctx, pseudo) -> None:  # type: ignore[no-untyped-def]
    """An upload profile's, a manifest's, a content file's and a screening table's problem
    is one catalogue sentence with the file and the field in it as placeholders, so Welsh
    can put them where its word order wants them. It was '{file}: {field} {problem}' with a
    fragment ('must be a whole number') translated apart: two marker pairs, one inside the
    other (or, in the content files, the file and field outside any)."""
    import json

    from escape_desktop.export.upload_manifest import FORMAT, ManifestError, parse_manifest
    from escape_desktop.export.upload_profile import ProfileError, load_profiles
    from escape_desktop.programme.content import ContentError, _Reader
    from escape_desktop.programme.screening import parse_screening

    folder = ctx.data_dir / "content" / "upload_profiles"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "broken.toml").write_text(
        'name = "broken"\n[[columns]]\nname = "x"\nsource = "course.code"\ndecimals = 9\n',
        encoding="utf-8",
    )
    said = []
    with pytest.raises(ProfileError) as refused:
        load_profiles(ctx.data_dir, ctx.library)
    said.append(str(refused.value))
    manifest = {"format": FORMAT, "format_version": 1, "site": {"code": "not a code"}}
    with pytest.raises(ManifestError) as refused:
        parse_manifest(json.dumps(manifest))
    said.append(str(refused.value))
    with pytest.raises(ContentError) as refused:
        _Reader({"level": 99}, "stations.toml", "station").integer("level", low=1, high=10)
    said.append(str(refused.value))
    with pytest.raises(ContentError) as refused:
        parse_screening({"advice": "", "sources": ["x"], "questions": [{}]}, "screen.toml")
    said.append(str(refused.value))
    for text in said:
        whole = text.split(i18n.PSEUDO_CLOSE)[0] + i18n.PSEUDO_CLOSE
        assert text.startswith(OPEN) and whole.count(OPEN) == 1, text  # one sentence
        assert any(f in whole for f in ("broken.toml", "stations.toml", "screen.toml", "site")), (
            text
        )


def test_an_upload_files_cross_check_and_scope_are_the_instructors_language(ctx, pseudo) -> None:  # type: ignore[no-untyped-def]
    """The main file against its attendance file ('P-1 on KH-1 attended 5 sessions here but
    the attendance file marks 2 present'), and which courses an upload holds ('courses
    starting ... to ...', kept with its record): English, whatever the language."""
    from escape_desktop.export.upload_profile import get_profile
    from escape_desktop.export.upload_rows import UploadScope
    from escape_desktop.export.upload_validate import cross_check

    profile = get_profile(None, ctx.data_dir, ctx.library)
    assert profile.attendance is not None
    main, att = profile.main, profile.attendance
    value = {"participant.code": "P-1", "course.code": "KH-1"}
    value |= {"enrolment.sessions_attended": "5", "enrolment.sessions_held": "1"}
    row = [value.get(c.source, "") for c in main.columns]
    present = dict(next(c for c in att.columns if c.source == "attendance.mark").mapping)
    a_value = {"participant.code": "P-1", "course.code": "KH-1"}
    a_value["attendance.mark"] = present.get("present", "present")
    a_row = [a_value.get(c.source, "") for c in att.columns]
    text = "\n".join(",".join(r) for r in (main.header, row)) + "\n"
    a_text = "\n".join(",".join(r) for r in (att.header, a_row, a_row)) + "\n"
    found = cross_check(text, a_text, profile)
    assert len(found) == 2, found  # attended 5, marked present 2; held 1, marked 2
    for problem in found:
        _said(problem.message, "P KH")
    for scope in (
        UploadScope(course_id=1),
        UploadScope(date_from=date(2027, 1, 1), date_to=date(2027, 3, 31), changed_only=True),
        UploadScope(date_to=date(2027, 3, 31)),
        UploadScope(),
    ):
        _said(scope.describe("KH-1"), "KH")


# The modules whose sentences these tests walk: an f-string sentence in them escaped the
# static check (tests/system/test_i18n_sentences_left.py reads only plain strings), as
# "{name} sent apologies at session {n}" and "1 session has no register" did.
CLEANED = (
    "services/documents.py", "services/uploads.py", "services/importing.py",
    "services/upload_source.py", "services/circuit/bulk.py", "services/followup_results.py",
    "services/handover/validate.py", "registry/load.py", "registry/store.py",
    "registry/server.py", "programme/content.py", "programme/delivery.py",
    "programme/referrals.py", "programme/screening.py", "programme/status.py",
    "export/upload_validate.py", "export/upload_rows.py", "export/upload_manifest.py",
)  # fmt: skip
SQL = ("SELECT", "INSERT", "UPDATE", "DELETE", "ALTER", "GRANT", "COPY", "PRAGMA", "CREATE", "WITH")
# An upload's line in the audit log (a record kept in English, as every audit detail is).
FSTRINGS_LEFT = {
    "services/uploads.py": 1,
    # A load that collided with another loader's (LoadCollided): caught and retried by the
    # load itself, never shown.
    "registry/load.py": 1,
}


def english_f_strings(source: str) -> list[tuple[int, str]]:
    """f-strings of three or more words outside _(), N_(), ngettext(), pgettext(), a log
    or audit call, or SQL."""
    import ast

    tree = ast.parse(source)
    wrappers = {"_", "N_", "ngettext", "pgettext", "audit", "execute", "debug", "info",
                "warning", "error", "exception", "copy"}  # fmt: skip
    inside: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            f = node.func
            name = f.id if isinstance(f, ast.Name) else getattr(f, "attr", "")
            if name in wrappers:
                for arg in [*node.args, *(k.value for k in node.keywords)]:
                    inside.update(id(n) for n in ast.walk(arg))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr) and id(node) not in inside:
            text = " ".join(v.value if isinstance(v, ast.Constant) else "{}" for v in node.values)
            words = [w for w in text.split() if re.search(r"[A-Za-z]{2,}", w)]
            if len(words) >= 3 and not text.strip().startswith(SQL):
                found.append((node.lineno, text))
    return found


def test_no_english_f_string_sentence_in_the_modules_made_translatable() -> None:
    package = ROOT / "escape_desktop"
    over = {}
    for name in CLEANED:
        found = english_f_strings((package / name).read_text(encoding="utf-8"))
        if len(found) > FSTRINGS_LEFT.get(name, 0):
            over[name] = found
    assert not over, f"wrap these in _() with {{name}} placeholders: {over}"
    bare = 'def f(name):\n    return f"{name} was away at session 3, so nothing"\n'
    assert english_f_strings(bare)
    assert not english_f_strings('def f(n):\n    return _("{n} was away").format(n=n)\n')
