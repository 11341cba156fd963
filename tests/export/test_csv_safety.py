"""Spreadsheet safety of exported text, and files written whole or not at all."""

from __future__ import annotations

import csv
import unicodedata
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from escape_desktop.db.models import Enrolment, Participant
from escape_desktop.export.csv_safety import (
    atomic_write_csv,
    file_sha256,
    is_unsafe,
    safe_text,
    unescape_text,
)
from escape_desktop.services import participants as people

TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n")
HOSTILE = [
    "=1+1",
    "+44 7700 900123",
    "-2",
    "@SUM(A1:A3)",
    "\t=cmd",
    "\r=cmd",
    "\n=cmd",
    " =1+1",
    '=HYPERLINK("http://x.invalid","x")',
    "a\n=b",
    "'=already quoted",
    "plain",
    "",
]


@given(st.text())
def test_no_safe_cell_starts_with_a_trigger(text):
    for policy in ("space", "escape", "keep"):
        cell = safe_text(text, policy)
        assert not cell.startswith(TRIGGERS)
        assert not is_unsafe(cell)
        if policy != "keep":
            assert "\n" not in cell and "\r" not in cell


@given(st.text().filter(lambda t: not t.startswith("'")))
def test_the_quote_is_the_only_change_when_line_breaks_are_kept(text):
    assert unescape_text(safe_text(text, "keep")) == text


@pytest.mark.parametrize("value", HOSTILE)
def test_csv_round_trip_keeps_what_was_meant(tmp_path, value):
    path = tmp_path / "x.csv"
    cells = [safe_text(value, "keep"), "-2", "3.5"]
    digest = atomic_write_csv(path, ["text", "change", "score"], [cells])
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows == [["text", "change", "score"], cells]
    assert unescape_text(rows[1][0]) == value or value.startswith("'")
    assert rows[1][1] == "-2"  # numbers are never prefixed
    assert digest == file_sha256(path)


def test_line_break_policies():
    assert safe_text("one\ntwo\r\nthree", "space") == "one two three"
    assert safe_text("one\ntwo", "escape") == "one\\ntwo"
    assert safe_text("c:\\new", "escape") == "c:\\\\new"
    assert safe_text("one\ntwo", "keep") == "one\ntwo"
    assert safe_text("\n=1", "space") == "' =1"


def test_writing_stops_cleanly_when_the_rows_fail(tmp_path):
    path = tmp_path / "u.csv"
    path.write_text("old\n", encoding="utf-8")

    def rows():
        yield ["a"]
        raise RuntimeError("power cut")

    with pytest.raises(RuntimeError):
        atomic_write_csv(path, ["h"], rows())
    assert path.read_text(encoding="utf-8") == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["u.csv"]


# Text a person could type into the app: printable, with newlines only where allowed.
def _typed(allow_newlines: bool) -> st.SearchStrategy[str]:
    def ok(ch: str) -> bool:
        return unicodedata.category(ch) not in ("Cc", "Cs") or (allow_newlines and ch in "\n\t")

    alphabet = st.characters(blacklist_categories=("Cs",)).filter(ok)
    typed = st.text(alphabet, min_size=1, max_size=40)
    prefixed = st.tuples(st.sampled_from(["=", "+", "-", "@", " =", "\t+", "\n-"]), typed).map(
        "".join
    )
    return st.one_of(st.sampled_from([h for h in HOSTILE if h.strip()]), prefixed, typed)


PERSONAL_PROFILE = """
name = "hostile-check"
allow_personal_data = true
allow_free_text = true
[format]
line_breaks = "{policy}"
[include]
consent_share = false
course_status = ["upcoming", "running", "finished"]
[[columns]]
name = "first"
source = "participant.first_name"
[[columns]]
name = "last"
source = "participant.last_name"
[[columns]]
name = "notes"
source = "participant.notes"
[[columns]]
name = "referral"
source = "participant.referral_source"
[[columns]]
name = "joints"
source = "participant.joints"
[[columns]]
name = "pain_change"
source = "instrument.pain_nrs.change"
"""


@pytest.mark.parametrize("policy", ["space", "escape"])
def test_hostile_text_stored_through_the_app_is_defused(demo_ctx, demo_today, tmp_path, policy):
    from escape_desktop.services.uploads import export_upload

    folder = demo_ctx.data_dir / "content" / "upload_profiles"
    folder.mkdir(parents=True)
    (folder / "hostile.toml").write_text(PERSONAL_PROFILE.format(policy=policy), encoding="utf-8")
    with demo_ctx.db.read() as s:
        pid = s.scalar(select(Participant.id).join(Enrolment).order_by(Participant.id))
    counter = iter(range(10_000))

    @settings(
        max_examples=40,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(
        first=_typed(False),
        last=_typed(False),
        notes=_typed(True),
        referral=_typed(False),
    )
    def check(first: str, last: str, notes: str, referral: str) -> None:
        details = people.participant_input(demo_ctx, pid)
        details.first_name = first.strip() or "x"
        details.last_name = last.strip() or "x"
        details.notes = notes
        details.referral_source = referral[:100]
        try:
            people.edit_participant(demo_ctx, pid, details)
        except people.ValidationError:
            return  # the app refused it, so it can never be exported
        out = tmp_path / f"h{next(counter)}.csv"
        export_upload(demo_ctx, out, profile_name="hostile-check", today=demo_today)
        with out.open(encoding="utf-8", newline="") as fh:
            rows = list(csv.reader(fh))
        for row in rows[1:]:
            for cell in row[:5]:
                assert not cell.startswith(TRIGGERS), repr(cell)
                assert "\n" not in cell and "\r" not in cell
            change = row[5]
            assert change == "" or change.lstrip("-").isdigit()
        out.unlink()

    check()
    assert next(counter) >= 20, "most examples should be accepted by the app and exported"


def test_numbers_are_never_quoted(demo_ctx, demo_today, tmp_path):
    from escape_desktop.services.uploads import export_upload

    out = tmp_path / "u.csv"
    export_upload(demo_ctx, out, today=demo_today)
    text = Path(out).read_text(encoding="utf-8")
    assert ",'-" not in text
