"""The sentences that refuse a broken configuration or upload file (an upload manifest, an
upload profile) come from the catalogue: under the pseudo-language every word of them is
inside its markers, except the file's own names and values that the sentence quotes."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from escape_desktop import i18n

ROOT = Path(__file__).resolve().parents[2]
POT = ROOT / "resources" / "i18n" / "escape_desktop.pot"


def _unmarked_words(text: str, allowed: str) -> set[str]:
    """Words of ``text`` outside the markers that are not in ``allowed`` (the data)."""
    data = {w.lower() for w in re.findall(r"[^\W\d_]+", allowed)}
    outside = i18n.outside_pseudo(text)
    return {w.lower() for w in re.findall(r"[^\W\d_]+", outside)} - data


def _manifest() -> dict:  # type: ignore[type-arg]
    return {
        "format": "escape-desktop-upload",
        "format_version": 1,
        "site": {"code": "DEMO-01", "name": "Demo Hall"},
        "profile": {"name": "demo", "version": "1"},
        "exported_at": "2027-01-04T10:00:00",
        "app_version": "1.0",
        "batch_id": "b1",
        "files": [{"name": "upload.csv", "kind": "main", "rows": 1, "sha256": "0" * 64}],
        "courses": [],
    }


def _breakages() -> list[tuple[str, dict, str]]:  # type: ignore[type-arg]
    """(what is broken, the manifest, the file's own words the sentence may quote)."""
    out = []
    m = _manifest()
    m["site"]["code"] = "not a code"
    out.append(("site code", m, "site code not a"))
    m = _manifest()
    m["files"][0]["kind"] = "extra"
    out.append(("file kind", m, "files kind main attendance extra"))
    m = _manifest()
    m["exported_at"] = "yesterday"
    out.append(("date", m, "exported_at yesterday"))
    m = _manifest()
    m["courses"] = [{"course_code": "KH-1", "course_status": "odd"}]
    out.append(("course status", m, "courses course_status upcoming running finished"))
    m = _manifest()
    m["format_version"] = 99
    out.append(("newer format", m, "escape desktop"))
    return out


def test_a_broken_manifest_is_refused_in_the_instructors_language(pseudo) -> None:  # type: ignore[no-untyped-def]
    from escape_desktop.export.upload_manifest import FORMAT, ManifestError, parse_manifest

    for what, manifest, data in _breakages():
        manifest["format"] = FORMAT
        with pytest.raises(ManifestError) as refused:
            parse_manifest(json.dumps(manifest))
        said = str(refused.value)
        assert i18n.PSEUDO_OPEN in said, what
        assert not _unmarked_words(said, data + " " + FORMAT), (what, said)
    with pytest.raises(ManifestError) as refused:
        parse_manifest("{not json")
    assert not _unmarked_words(str(refused.value), ""), str(refused.value)


@pytest.mark.parametrize(
    ("snippet", "data"),
    [
        ('[[columns]]\nname = "x"\nsource = "nowhere.at_all"\n', "columns source nowhere at all"),
        ('[[columns]]\nname = "x"\nsource = "course.code"\ndecimals = 9\n', "columns decimals"),
        ('[age_bands]\nedges = [65, 45]\n[[columns]]\nname = "x"\nsource = "course.code"\n', ""),
        ('[[columns]]\nname = "x"\nsource = "participant.last_name"\n', "columns source"),
        ("[[columns]\nname = ", "toml"),
    ],
)
def test_a_broken_upload_profile_is_refused_in_the_instructors_language(
    ctx, pseudo, snippet, data
) -> None:  # type: ignore[no-untyped-def]
    from escape_desktop.export.upload_profile import ProfileError, load_profiles

    folder = ctx.data_dir / "content" / "upload_profiles"
    folder.mkdir(parents=True, exist_ok=True)
    text = snippet if snippet.startswith("[[columns]\n") else f'name = "broken"\n{snippet}'
    (folder / "broken.toml").write_text(text, encoding="utf-8")
    with pytest.raises(ProfileError) as refused:
        load_profiles(ctx.data_dir, ctx.library)
    said = str(refused.value)
    # The file's name, the field's path and the quoted values are the file's own words; the
    # "not a field" sentence lists the export's field names, which are data too.
    from escape_desktop.export.upload_profile import SOURCES

    known = " ".join(SOURCES) + " participant joint instrument key start end change date"
    assert i18n.PSEUDO_OPEN in said, said
    assert not _unmarked_words(said, f"broken toml age_bands edges {data} {known}"), said


def _content_folder(tmp_path: Path, broken: str) -> Path:
    """A site's content folder with one kind of breakage in it."""
    from escape_desktop.paths import resource_path

    if broken == "closures":
        (tmp_path / "closures").mkdir()
        (tmp_path / "closures" / "bad.toml").write_text(
            'name = "X"\ndays = [ { date = "soon" } ]\n'
        )
    elif broken == "no name":
        (tmp_path / "closures").mkdir()
        (tmp_path / "closures" / "bad.toml").write_text("days = []\n")
    elif broken == "ansi":  # saved as "ANSI" by an older Notepad: Caf\xe9, not UTF-8
        (tmp_path / "closures").mkdir()
        (tmp_path / "closures" / "bad.toml").write_bytes('name = "Café"\n'.encode("cp1252"))
    elif broken == "toml":
        (tmp_path / "exercises").mkdir()
        (tmp_path / "exercises" / "bad.toml").write_text("[[station]\nkey = ")
    else:  # the same station defined twice in one folder
        (tmp_path / "exercises").mkdir()
        shipped = sorted(Path(resource_path("exercises")).glob("*.toml"))[0].read_text("utf-8")
        for name in ("a.toml", "b.toml"):
            (tmp_path / "exercises" / name).write_text(shipped, encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize("broken", ["closures", "no name", "ansi", "toml", "twice"])
def test_a_broken_content_file_is_refused_in_the_instructors_language(
    tmp_path, pseudo, broken
) -> None:  # type: ignore[no-untyped-def]
    from escape_desktop.library import ContentError, clear_cache, closure_lists, load_library

    folder = _content_folder(tmp_path, broken)
    clear_cache()
    with pytest.raises(ContentError) as refused:
        if broken in ("closures", "no name", "ansi"):
            closure_lists([folder])
        else:
            load_library([folder])
    said = str(refused.value)
    assert i18n.PSEUDO_OPEN in said, said
    # Outside the markers only the file's name is left (the sentence names it first).
    assert not _unmarked_words(said, "a b bad toml"), said


def test_an_upload_files_problems_are_told_in_the_instructors_language(ctx, pseudo) -> None:  # type: ignore[no-untyped-def]
    from escape_desktop.export.upload_profile import get_profile
    from escape_desktop.export.upload_validate import validate_text

    profile = get_profile(None, ctx.data_dir, ctx.library)
    header = ",".join(reversed(profile.main.header))  # every column there, in the wrong order
    odd = ",".join("=x" for _column in profile.main.header)  # every cell wrong
    report = validate_text(f"{header}\n\nsurplus,cells\n{odd}\n", profile)
    # the order, the blank line, the short row and a problem in every cell of the last
    assert not report.ok and len(report.problems) > len(profile.main.header)
    columns = " ".join(profile.main.header)
    # each problem's own sentence, not only the "row 3:" around it
    for said in [report.summary(), *(p.message for p in report.problems)]:
        assert said.startswith(i18n.PSEUDO_OPEN), said
        assert not _unmarked_words(said, columns), said


def test_an_upload_profile_saved_in_a_windows_code_page_is_refused_in_a_sentence(
    ctx, pseudo
) -> None:  # type: ignore[no-untyped-def]
    """A profile edited in an old Notepad and saved as "ANSI" (Caf\\xe9 in cp1252) is not UTF-8:
    refused in the instructor's language, naming the file, not 'Something went wrong:
    UnicodeDecodeError'."""
    from escape_desktop.export.upload_profile import ProfileError, load_profiles

    folder = ctx.data_dir / "content" / "upload_profiles"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "broken.toml").write_bytes('name = "Café list"\n'.encode("cp1252"))
    with pytest.raises(ProfileError) as refused:
        load_profiles(ctx.data_dir, ctx.library)
    said = str(refused.value)
    assert "broken.toml" in said
    assert i18n.PSEUDO_OPEN in said, said
    assert not _unmarked_words(said, "broken toml"), said


def test_a_missing_field_of_a_profile_reads_as_welsh_word_order(ctx, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The field's name comes first in "{file}: {field} {problem}", so the Welsh fragment
    cannot start with its verb ("name mae ar goll" is English word order): it says
    "name ar goll", as the content library's "is missing." already does."""
    from escape_desktop.export.upload_profile import ProfileError, load_profiles

    before = i18n.ui_language()
    i18n.set_ui_language("cy")
    try:
        folder = ctx.data_dir / "content" / "upload_profiles"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "broken.toml").write_text("version = 1\n", encoding="utf-8")
        with pytest.raises(ProfileError) as refused:
            load_profiles(ctx.data_dir, ctx.library)
    finally:
        i18n.set_ui_language(before)
    said = str(refused.value)
    assert "ar goll" in said, said
    assert " mae ar goll" not in said, said
