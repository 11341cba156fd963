"""The sentences of rare paths below the window come from the catalogue (issue 31): a crash
recovery on a data folder left mid-encryption, encrypting data that already is (from the
command line and from the service), a passphrase asked of plain data, a measure that would
replace a saved value, a damaged or missing data file. Each path is driven for real under
the pseudo-language "xx" (every catalogue message wrapped in ⟦ ⟧) or Welsh, and the words the
user sees must be the catalogue's: a sentence left in English is printed outside the markers.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

import pytest

from escape_desktop import i18n
from escape_desktop.cli import main
from escape_desktop.context import AppContext

ROOT = Path(__file__).resolve().parents[2]
POT = ROOT / "resources" / "i18n" / "escape_desktop.pot"
CY = i18n.translator("cy")
PASS = "a long enough demo passphrase"


@functools.cache  # the template does not change while the tests run
def _pseudo_po() -> bytes:
    return i18n.pseudo_po(POT.read_bytes())


@pytest.fixture
def language(monkeypatch):  # type: ignore[no-untyped-def]
    """Set the instructor's language ("xx": the pseudo-language, "cy") for one test, English
    again after; a command run in this process starts in it too."""
    before = i18n.ui_language()

    def choose(code: str) -> None:
        if code == "xx":
            i18n.add_language("xx", i18n.pseudo_translator(_pseudo_po()))
        i18n.set_ui_language(code)
        monkeypatch.setattr(i18n, "chosen_ui_language", lambda: code)

    yield choose
    i18n.set_ui_language(before)
    i18n.remove_language("xx")


def _english_left(text: str, *data: object) -> list[str]:
    """The words of ``text`` outside the pseudo-language's markers, the data's taken out."""
    loose = i18n.outside_pseudo(text)
    for value in sorted((str(d) for d in data), key=len, reverse=True):
        loose = loose.replace(value, " ")
    return re.findall(r"[^\W\d_]{2,}", loose)


def _marked(text: str, *data: object) -> bool:
    return i18n.PSEUDO_OPEN in text and not _english_left(text, *data)


def _run(capsys, folder: Path, *args: str) -> tuple[int, str, str]:  # type: ignore[no-untyped-def]
    code = main([*args, "--data-dir", str(folder)])
    out = capsys.readouterr()
    return code, out.out, out.err


class PowerCut(BaseException):
    pass


def _cut(*args: object, **kwargs: object) -> None:
    raise PowerCut


# ------------------------------------------------------------------ crash recovery


@pytest.mark.parametrize("stop_at", ["before the key", "after the key"])
def test_an_encryption_cut_short_is_finished_by_check_in_the_instructors_language(
    ctx: AppContext, capsys, language, monkeypatch, stop_at: str
) -> None:  # type: ignore[no-untyped-def]
    """The power goes mid-encryption; the next `check` finishes or undoes it and says which,
    and a recovery key made but never confirmed is shown, both in the catalogue's words."""
    import shutil

    from escape_desktop.db import encryption
    from escape_desktop.db.encryption import ENCRYPTING_SUFFIX

    folder = ctx.data_dir
    if stop_at == "before the key":  # killed while writing the encrypted copy: it stays
        ctx.close()
        shutil.copyfile(folder / "escape.db", folder / ("escape.db" + ENCRYPTING_SUFFIX))
    else:  # the key is saved; the power goes before the copies are put in place
        monkeypatch.setattr(encryption, "finish_encryption", _cut)
        with pytest.raises(PowerCut):
            encryption.encrypt_existing(ctx.db, PASS)
        monkeypatch.undo()
        ctx.close()
    assert list(folder.glob("*.encrypting")), "the cut left the folder mid-action"
    monkeypatch.setenv("ESCAPE_DESKTOP_PASSPHRASE", PASS)

    language("xx")
    code, out, err = _run(capsys, folder, "check")
    assert code == 0, err
    lines = out.strip().splitlines()
    assert len(lines) >= 2, out
    said = lines[0]
    assert "interrupted" in said  # the finishing sentence, first
    assert _marked(said), said
    if stop_at == "after the key":
        pending = next(line for line in lines if "recovery key" in line)
        code_shown = re.search(r"[0-9A-Z]{4}(?:-[0-9A-Z]{4}){5}", pending)
        assert code_shown and _marked(pending, code_shown.group(0), "escape-desktop"), pending
    assert not list(folder.glob("*.encrypting"))


def test_an_interrupted_re_encryption_is_told_in_welsh(
    ctx: AppContext, capsys, language, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    """A re-key killed before its new key was saved (its half-written copy left beside the
    data) is undone at the next `check`, and that is said in Welsh."""
    import shutil

    from escape_desktop.db.rekey import REKEY_SUFFIX
    from escape_desktop.services import data_safety

    data_safety.encrypt(ctx, PASS)
    folder = ctx.data_dir
    ctx.close()
    half_made = folder / ("escape.db" + REKEY_SUFFIX)
    shutil.copyfile(folder / "escape.db", half_made)  # what a kill mid-copy leaves
    monkeypatch.setenv("ESCAPE_DESKTOP_PASSPHRASE", PASS)

    language("cy")
    code, out, err = _run(capsys, folder, "check")
    assert code == 0, err
    english = (
        "A re-encryption was interrupted before its new key was saved; it was undone, and the "
        "passphrase and recovery key that opened the data still do."
    )
    assert out.splitlines()[0] == CY._(english) != english
    assert not half_made.exists()


# ------------------------------------------------------------------ preconditions


def test_encrypting_encrypted_data_is_refused_in_the_catalogues_words(
    ctx: AppContext, capsys, language, monkeypatch, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    from escape_desktop.errors import KnownError
    from escape_desktop.services import data_safety

    data_safety.encrypt(ctx, PASS)
    language("xx")
    with pytest.raises(KnownError) as refused:  # the window's way
        data_safety.encrypt(ctx, PASS)
    assert _marked(str(refused.value)), refused.value
    with pytest.raises(KnownError) as refused:  # a new folder choosing its passphrase
        data_safety.new_key(ctx.data_dir, PASS)
    assert _marked(str(refused.value)), refused.value
    folder = ctx.data_dir
    ctx.close()

    new = tmp_path / "new.txt"
    new.write_text("another long demo passphrase\n", encoding="utf-8")
    monkeypatch.setenv("ESCAPE_DESKTOP_PASSPHRASE", PASS)
    code, out, err = _run(capsys, folder, "encrypt", "--new-passphrase-file", str(new))
    assert code != 0 and not out
    line = err.strip()
    assert "\n" not in line and _marked(line, "escape-desktop"), line


def test_a_passphrase_asked_of_plain_data_is_refused_in_welsh(
    ctx: AppContext, capsys, language, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    from escape_desktop.errors import KnownError
    from escape_desktop.services import data_safety

    language("cy")
    with pytest.raises(KnownError) as refused:
        data_safety.rekey(ctx, PASS)
    english = "This data has no passphrase yet; protect it with one first."
    assert str(refused.value) == CY._(english) != english
    folder = ctx.data_dir
    ctx.close()
    new = tmp_path / "new.txt"
    new.write_text("short\n", encoding="utf-8")
    code, _out, err = _run(
        capsys, folder, "passphrase", "change", "--new-passphrase-file", str(new)
    )
    assert code != 0 and "passphrase" not in err.replace("--new-passphrase-file", "")
    assert "yfrinymadrodd" in err and "'escape-desktop encrypt'" in err
    # and a new passphrase too short for `encrypt` is refused in Welsh as well
    code, _out, err = _run(capsys, folder, "encrypt", "--new-passphrase-file", str(new))
    assert code != 0 and "characters" not in err and "o leiaf" in err, err


def test_the_site_not_yet_named_is_said_in_the_catalogues_words(
    ctx: AppContext, capsys, language
) -> None:  # type: ignore[no-untyped-def]
    """`site` on data whose provider is not named yet: each line, what is not set, and the
    sentence saying how to set it are the catalogue's."""
    folder = ctx.data_dir
    ctx.close()
    language("xx")
    code, out, err = _run(capsys, folder, "site")
    assert code != 0
    lines = out.strip().splitlines()
    assert len(lines) == 3
    for line in lines:
        assert _marked(line) and line.count(i18n.PSEUDO_OPEN) == 2, line  # "(not set)" too
    assert _marked(err.strip(), "escape-desktop", "NAME", "CODE"), err


def test_a_subject_access_file_says_what_it_is_in_welsh(
    ctx: AppContext, language, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    """The file given to a person who asked for their records says what it holds in the
    instructor's language (its field names are the data's and stay as they are)."""
    import json
    from datetime import date

    from escape_desktop.services.courses import CourseInput, create_course
    from escape_desktop.services.participants import ParticipantInput, enrol_participant
    from escape_desktop.services.retention import write_subject_access

    cid = create_course(
        ctx, CourseInput(title="Demo", programme_key="back", start_date=date.today(), weekdays=[0])
    )
    pid, _eid = enrol_participant(
        ctx, cid, ParticipantInput(first_name="Ann", last_name="Demo", consent_programme=True)
    )
    language("cy")
    out = write_subject_access(ctx, pid, tmp_path / "ann.json")
    about = json.loads(out.read_text(encoding="utf-8"))["about"]
    english = "Everything escape-desktop holds about one person (subject access)."
    assert about == CY._(english) != english


def test_a_yes_at_the_screening_review_is_said_in_the_catalogues_words(
    ctx: AppContext, language
) -> None:  # type: ignore[no-untyped-def]
    """Someone enrolled without the screening questions answers yes to one at the review:
    what the save says, the advice the command line prints, and the Edit menu's name for
    it are all the catalogue's."""
    from datetime import date

    from escape_desktop.services import screening
    from escape_desktop.services.courses import CourseInput, create_course
    from escape_desktop.services.participants import ParticipantInput, enrol_participant

    cid = create_course(
        ctx, CourseInput(title="Demo", programme_key="back", start_date=date.today(), weekdays=[0])
    )
    _pid, eid = enrol_participant(
        ctx, cid, ParticipantInput(first_name="Ann", last_name="Demo", consent_programme=True)
    )
    screening.flag_unscreened(ctx, eid)  # added as from a list: the questions still to ask
    checklist = screening.checklist_for_course(ctx, cid)
    assert checklist is not None and screening.screening_state(ctx, eid).not_screened
    first = checklist.questions[0].key
    language("xx")
    done = screening.review(ctx, eid, "", {q.key: q.key == first for q in checklist.questions})
    assert done.value.keeps_off_circuit
    assert done.message and _marked(done.message), done.message
    assert _marked(done.value.advice), done.value.advice
    (question,) = done.value.flagged  # the question they said yes to, as the dialog lists it
    assert _marked(question), question
    assert _marked(done.label, "Ann Demo"), done.label


# ------------------------------------------------------------------ a value replaced


def test_a_measure_that_would_replace_a_saved_value_asks_in_the_catalogues_words(
    ctx: AppContext, language
) -> None:  # type: ignore[no-untyped-def]
    from datetime import date

    from escape_desktop.services import measures
    from escape_desktop.services.courses import CourseInput, create_course
    from escape_desktop.services.errors import ValidationError
    from escape_desktop.services.measures import MeasureInput, entry
    from escape_desktop.services.participants import ParticipantInput, enrol_participant

    start = date.today()
    cid = create_course(
        ctx, CourseInput(title="Demo", programme_key="knee_hip", start_date=start, weekdays=[0])
    )
    _, eid = enrol_participant(
        ctx, cid, ParticipantInput(first_name="Ann", last_name="Demo", consent_programme=True)
    )

    def save(timepoint: str, score: object) -> None:
        measures.record_measures(
            ctx, eid, timepoint, {"pain_nrs": MeasureInput(score=score)}, start
        )

    save("start", 6)
    name = ctx.library.instrument("pain_nrs").name
    language("xx")
    with pytest.raises(measures.WouldReplace) as refused:
        save("start", 3)
    said = str(refused.value)
    assert _marked(said, name), said
    (clause,) = [r.question() for r in refused.value.replacements]
    assert _marked(clause, name) and "6" in clause and "3" in clause, clause
    with pytest.raises(ValidationError) as refused_too:  # follow-up values have one home
        save("follow_up", 3)
    assert _marked(str(refused_too.value), "Ctrl", "Shift", "escape-desktop"), refused_too.value
    # Saved from the window: what it says, and the Edit menu's name for it, with no English
    # time point glued into a translated sentence
    for timepoint in ("start", "end"):
        done = entry.record(
            ctx, eid, timepoint, {"active_days": MeasureInput(score=3)}, start, who="Ann Demo"
        )
        assert done.message and _marked(done.message, "Ann Demo"), done.message
        assert done.label and _marked(done.label, "Ann Demo"), done.label


# ------------------------------------------------------------------ a damaged or missing file


def test_a_data_file_that_is_not_the_apps_is_reported_by_check_in_welsh(
    ctx: AppContext, capsys, language
) -> None:  # type: ignore[no-untyped-def]
    """Another program's database put where the data file should be: `check` says so (the
    integrity check's own sentence) in Welsh, on stderr, and fails."""
    import sqlite3

    folder = ctx.data_dir
    ctx.close()
    for suffix in ("", "-wal", "-shm"):
        Path(str(folder / "escape.db") + suffix).unlink(missing_ok=True)
    other = sqlite3.connect(folder / "escape.db")
    other.execute("CREATE TABLE notes (x)")
    other.commit()
    other.close()
    language("cy")
    code, _out, err = _run(capsys, folder, "check")
    english = "The data file is a database, but not an escape-desktop one."
    assert code != 0 and CY._(english) != english
    assert err.strip().splitlines() == [CY._(english)]


def test_a_missing_data_file_names_its_newest_backup_in_the_catalogues_words(
    ctx: AppContext, language
) -> None:  # type: ignore[no-untyped-def]
    from escape_desktop.db import backup
    from escape_desktop.services import data_safety

    folder = ctx.data_dir
    made = backup.make_backup(ctx.db, backup.backups_dir(folder), "manual")
    ctx.close()
    for suffix in ("", "-wal", "-shm"):
        Path(str(folder / "escape.db") + suffix).unlink(missing_ok=True)
    language("xx")
    seen = data_safety.open_data(folder, None)
    assert seen.state is data_safety.State.MISSING
    assert made.name in seen.problem
    assert _marked(seen.problem, folder, made.name, "escape.db"), seen.problem


def test_a_backup_folder_out_of_reach_is_said_in_welsh() -> None:
    from escape_desktop.services.safety_settings import not_there_sentence

    before = i18n.ui_language()
    i18n.set_ui_language("cy")
    try:
        share = not_there_sentence("//demo-server/backups")
        stick = not_there_sentence("E:\\escape-backups", "KINGSTON", backing_up=False)
    finally:
        i18n.set_ui_language(before)
    assert "//demo-server/backups" in share and "rhwydwaith" in share and "network" not in share
    assert '"KINGSTON"' in stick and "cof bach" in stick and "plugged" not in stick
