"""Whole sentences, never glued from pieces (issue 31): Welsh puts the verb first and mutates a
word after a number ("2 fesur dechrau", "Anfonodd Gil ymddiheuriadau"), so a sentence made of
a translated frame and a word or phrase dropped into it ("{name}: {status}{online}", "then
{doing}", "{count} {timepoint} measure saved") cannot be Welsh. Each command-line path here
runs under Welsh and must print the catalogue's whole sentence for it; the glued form printed
another (English words inside it, or Welsh pieces in English order), and fails.
"""

from __future__ import annotations

import json
import re
from datetime import date, timedelta
from pathlib import Path

import pytest

from escape_desktop import i18n
from escape_desktop.cli import main

CY = i18n.translator("cy")


@pytest.fixture
def welsh(monkeypatch):  # type: ignore[no-untyped-def]
    """Welsh from here on, for this test (commands run in this process start in it too)."""
    before = i18n.ui_language()

    def choose() -> None:
        i18n.set_ui_language("cy")
        monkeypatch.setattr(i18n, "chosen_ui_language", lambda: "cy")

    yield choose
    i18n.set_ui_language(before)


def _run(capsys, folder: Path, *args: str) -> tuple[int, str, str]:  # type: ignore[no-untyped-def]
    code = main([*args, "--data-dir", str(folder)])
    out = capsys.readouterr()
    return code, out.out.strip(), out.err.strip()


def _json(capsys, folder: Path, *args: str) -> dict:  # type: ignore[no-untyped-def]
    code, out, err = _run(capsys, folder, *args, "--json")
    assert code == 0, err
    return json.loads(out)


def _said(capsys, folder: Path, *args: str) -> str:  # type: ignore[no-untyped-def]
    code, out, err = _run(capsys, folder, *args)
    assert code == 0, err
    return out


def _refused(capsys, folder: Path, *args: str) -> str:  # type: ignore[no-untyped-def]
    code, out, err = _run(capsys, folder, *args)
    assert code != 0 and len(err.splitlines()) == 1, (out, err)
    return err


def test_the_course_commands_speak_whole_welsh_sentences(tmp_path, capsys, welsh, monkeypatch):
    data = tmp_path / "data"
    start = date.today() - timedelta(weeks=5)
    start -= timedelta(days=start.weekday())  # a Monday: a course well under way
    course = _json(
        capsys, data, "course", "new", "--title", "Knees and hips, Demo Hall",
        "--start", start.isoformat(), "--weekdays", "mon,thu",
    )["code"]  # fmt: skip
    c = ("--course", course)

    def enrol(first: str, *extra: str) -> tuple[str, str]:
        made = _json(
            capsys, data, "course", "enrol", *c, "--first-name", first,
            "--last-name", "Demo-Cy", *extra,
        )  # fmt: skip
        return made["person"], f"{first} Demo-Cy"

    ada, ada_name = enrol("Ada", "--screening", "no")
    gil, gil_name = enrol("Gil", "--screening", "no")
    bob, bob_name = enrol("Bob", "--dob", "2009-06-01", "--joints", "back")  # needs review
    welsh()
    wrong: dict[str, str] = {}  # every path is tried; all that fail are named at the end

    def check(path: str, ok: bool, said: str) -> None:
        if not ok:
            wrong[path] = said

    # The review: "cleared to start" was English glued after the name.
    said = _said(capsys, data, "course", "review", *c, "--person", bob, "--screening", "no",
                 "--note", "GP confirmed the referral by phone")  # fmt: skip
    check("review", said == CY._("{name}: cleared to start.").format(name=bob_name), said)

    # The register: the English mark and "(joined online)" were glued into the sentence.
    said = _said(capsys, data, "register", "mark", *c, "--session", "1", "--person", ada,
                 "--status", "present")  # fmt: skip
    want = CY._("{name}: present at session {session}.").format(name=ada_name, session=1)
    check("mark present", said == want, said)
    said = _said(capsys, data, "register", "mark", *c, "--session", "1", "--person", gil,
                 "--status", "apologies")  # fmt: skip
    want = CY._("{name}: apologies at session {session}.").format(name=gil_name, session=1)
    check("mark apologies", said == want, said)

    # The circuit of someone who sent apologies: "{name} {said}" put the verb after the name.
    refusal = _refused(capsys, data, "circuit", "record", *c, "--session", "1", "--person", gil,
                       "--station", "sit_to_stand", "--done", "8")  # fmt: skip
    want = CY._(
        "{name} sent apologies at session {session}; mark them present first (register mark "
        "--status present) if they came."
    ).format(name=gil_name, session=1)
    # the verb first, as Welsh says it
    check("circuit after apologies", refusal == want and refusal.startswith("Anfonodd"), refusal)

    # Measures: "{count} {timepoint} measure saved" glued the English "start" in, unmutated.
    said = _said(capsys, data, "measures", "record", *c, "--person", ada, "--timepoint",
                 "start", "--score", "pain_nrs=6", "--score", "chair_stand_30s=9")  # fmt: skip
    expected = CY.ngettext(
        "{name}: {count} start measure saved for {when}.",
        "{name}: {count} start measures saved for {when}.",
        2,
    )
    opening = expected.split("{when}")[0].format(name=ada_name, count=2)
    # mutated after two ("2 fesur"), and the time point in Welsh
    ok = said.startswith(opening) and "2 fesur dechrau" in said and "start" not in said
    check("measures saved", ok, said)

    # A chair stand said to be taken remotely is saved as watched over video, and said so:
    # "Saved as ... over video, not remote" was English pieces after the Welsh sentence.
    said = _said(capsys, data, "measures", "record", *c, "--person", bob, "--timepoint",
                 "start", "--score", "chair_stand_30s=9", "--taken", "remote")  # fmt: skip
    left = re.findall(r"\b(Saved|video|remote|not)\b", said)
    check("saved as watched over video", not left and "dros fideo" in said, said)

    # A start value that would be replaced: the English "start" was glued into the refusal.
    refusal = _refused(capsys, data, "measures", "record", *c, "--person", ada, "--timepoint",
                       "start", "--score", "pain_nrs=3")  # fmt: skip
    check("replace refused", "dechrau" in refusal and "start" not in refusal, refusal)

    # The circuit as text: "(cancelled)", the marks, "done/pain/effort", the actions and the
    # station names were English pieces around the translated heading.
    said = _said(capsys, data, "circuit", *c, "--session", "1")
    english = {"done", "pain", "effort", "next", "present", "apologies", "reps", "session"}
    left = sorted({w for w in re.findall(r"[^\W\d_]+", said) if w.lower() in english})
    check("circuit as text", not left and "sesiwn 1" in said and "poen" in said, said)

    # The window open on the data: "then {doing}" dropped an English verb phrase in.
    monkeypatch.setattr("escape_desktop.services.data_safety.app_is_running", lambda f: True)
    refusal = _refused(capsys, data, "register", "mark", *c, "--session", "2", "--person", ada,
                       "--status", "present")  # fmt: skip
    want = CY._(
        "escape-desktop is open on this data; close the window first, then run the command "
        "again. Nothing was changed."
    )
    check("window open", refusal == want, refusal)
    monkeypatch.undo()
    welsh()

    # A closed course: "before {doing}" glued "enrolling anyone" in English.
    _json(capsys, data, "course", "close", *c)
    refusal = _refused(capsys, data, "course", "enrol", *c, "--first-name", "Cai",
                       "--last-name", "Demo-Cy", "--screening", "no")  # fmt: skip
    ok = "enrolling" not in refusal and "cyn rhoi unrhyw un ar y cwrs" in refusal
    check("closed course", ok, refusal)
    assert not wrong, f"glued or English under Welsh: {wrong}"


def test_measures_refused_for_a_follow_up_not_done_is_a_whole_welsh_sentence(
    demo_ctx, demo_today, welsh
):  # type: ignore[no-untyped-def]
    """ "leave them out for {outcome}" dropped the outcome's word ("declined") into the
    sentence; each outcome now has its own, and Welsh reads it whole."""
    from escape_desktop.services import followups
    from escape_desktop.services.errors import ValidationError

    e = next(iter(followups.due_list(demo_ctx, demo_today)))
    welsh()
    for outcome, english in (
        ("declined", "someone who declined."),
        ("unreachable", "someone who could not be reached."),
    ):
        with pytest.raises(ValidationError) as refused:
            followups.record_follow_up(
                demo_ctx, e.enrolment_id, e.point, outcome, scores={"pain_nrs": 4},
                today=demo_today,
            )  # fmt: skip
        assert refused.value.message == CY._(
            "Measures are kept only for a follow-up that was done; leave them out for " + english
        )
        assert "asesiad dilynol" in refused.value.message  # Welsh, not the English fallback
