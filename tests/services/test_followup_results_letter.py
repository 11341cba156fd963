"""The optional letter to a participant after their 12-month follow-up: their start, end and
12-month figures in the progress report's words, checked against the raw rows."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import text

from escape_desktop.export.pdf_style import number
from escape_desktop.services import followup_results as followups
from escape_desktop.services import settings_registry
from escape_desktop.services.errors import ValidationError


def _pdf_text(path) -> str:
    from pypdf import PdfReader

    return "\n".join(page.extract_text() for page in PdfReader(str(path)).pages)


def _raw(ctx):
    """Per enrolment with a 12-month follow-up done and a yes to contact: {key: (start, end,
    12 months)}, by plain SQL."""
    with ctx.db.engine.connect() as c:
        people = c.execute(
            text(
                "SELECT f.enrolment_id, f.scores, p.first_name, p.last_name FROM follow_ups f"
                " JOIN enrolments e ON e.id = f.enrolment_id"
                " JOIN participants p ON p.id = e.participant_id"
                " WHERE f.point = 12 AND f.outcome = 'done' AND p.consent_follow_up = 1"
            )
        ).all()
        out = {}
        for eid, scores, first, last in people:
            rows = c.execute(
                text(
                    "SELECT instrument_key, timepoint, score FROM assessments"
                    " WHERE enrolment_id = :e AND timepoint IN ('start', 'end')"
                ),
                {"e": eid},
            ).all()
            got: dict[str, dict[str, float]] = {}
            for key, point, score in rows:
                if score is not None:
                    got.setdefault(key, {})[point] = float(score)
            twelve = json.loads(scores) if isinstance(scores, str) else (scores or {})
            out[(first, last)] = {
                k: (v.get("start"), v.get("end"), twelve.get(k)) for k, v in got.items()
            }
    return out


def test_the_letter_says_each_persons_start_end_and_12_month_figures(demo_ctx, demo_today):
    raw = _raw(demo_ctx)
    assert raw, "the demo has 12-month follow-ups done"
    letters = followups.results_letters(demo_ctx, demo_today)
    assert {(x.first_name, x.last_name) for x in letters} == set(raw)
    checked = 0
    for x in letters:
        words = " ".join(x.sentences)
        for key, (start, end, twelve) in raw[(x.first_name, x.last_name)].items():
            inst = demo_ctx.library.instruments[key]
            if (
                start is not None
                and end is not None
                and number(start, inst.decimals) != number(end, inst.decimals)
            ):
                assert f"from {number(start, inst.decimals)} to {number(end, inst.decimals)}" in (
                    words
                ), (key, words)
            if twelve is not None and (start is not None or end is not None):
                assert f"At the follow-up it was {number(float(twelve), inst.decimals)}" in words
                checked += 1
        # whether it lasted, for each measure with a start and a 12-month value
        assert words.count("From the start to 12 months") == sum(
            1
            for s, _e, t in raw[(x.first_name, x.last_name)].values()
            if s is not None and t is not None
        )
    assert checked > 0


def test_the_lasting_verdict_is_the_one_classification(demo_ctx, demo_today):
    """Pain (lower is better, meaningful change 2 points or 30%): by hand from the raw rows."""
    raw = _raw(demo_ctx)
    seen = 0
    for x in followups.results_letters(demo_ctx, demo_today):
        values = raw[(x.first_name, x.last_name)].get("pain_nrs")
        if not values or values[0] is None or values[2] is None:
            continue
        start, twelve = values[0], float(values[2])
        said = next(t for t in x.sentences if "pain rating" in t).split("From the start")[1]
        drop = start - twelve
        if drop >= 2 or (start > 0 and drop / start >= 0.3):
            assert "better by more than" in said
        elif drop < 0:
            assert "worse" in said
        else:
            assert "better by more than" not in said and "worse" not in said
        seen += 1
    assert seen > 0


def test_nobody_without_consent_or_a_12_month_follow_up_gets_a_letter(demo_ctx, demo_today):
    letters = followups.results_letters(demo_ctx, demo_today)
    first = letters[0]
    with demo_ctx.db.engine.begin() as c:
        c.execute(
            text("UPDATE participants SET consent_follow_up = 0 WHERE code = :c"),
            {"c": first.participant_code},
        )
        not_done = (
            c.execute(
                text(
                    "SELECT p.code FROM participants p JOIN enrolments e ON e.participant_id = p.id"
                    " WHERE p.consent_follow_up = 1 AND NOT EXISTS (SELECT 1 FROM follow_ups f"
                    " WHERE f.enrolment_id = e.id AND f.point = 12 AND f.outcome = 'done')"
                )
            )
            .scalars()
            .all()
        )
    codes = {x.participant_code for x in followups.results_letters(demo_ctx, demo_today)}
    assert first.participant_code not in codes
    assert codes and not codes & set(not_done)
    # nobody at all: one sentence, and no file
    with demo_ctx.db.engine.begin() as c:
        c.execute(text("UPDATE participants SET consent_follow_up = NULL"))
    with pytest.raises(ValidationError) as e:
        followups.print_results_letters(demo_ctx, demo_ctx.data_dir / "x.pdf", demo_today)
    assert "12-month" in e.value.message and "\n" not in e.value.message
    assert not (demo_ctx.data_dir / "x.pdf").exists()


def test_the_letter_prints_with_the_sites_contact_and_from_the_command_line(
    demo_ctx, demo_today, tmp_path, capsys
):
    from escape_desktop.cli import main

    settings_registry.set(demo_ctx, settings_registry.SITE_NAME, "Demo Trust")
    settings_registry.set(
        demo_ctx, settings_registry.SITE_CONTACT, "Physio Team, 1 Demo Road, Demotown DE1 1MO"
    )
    letters = followups.results_letters(demo_ctx, demo_today)
    out = tmp_path / "results.pdf"
    assert followups.print_results_letters(demo_ctx, out, demo_today) == len(letters)
    words = _pdf_text(out).replace("\n", " ")
    assert "Demo Road" in words and "Demo Trust" in words
    assert all(x.last_name in words for x in letters)
    data = str(demo_ctx.data_dir)
    demo_ctx.close()
    cli_out = tmp_path / "cli.pdf"
    assert main(["followups", "results", "--data-dir", data, "--out", str(cli_out)]) == 0
    assert cli_out.exists() and "saved" in capsys.readouterr().out
    # never over a file without --force
    assert main(["followups", "results", "--data-dir", data, "--out", str(cli_out)]) != 0
    err = capsys.readouterr().err.strip()
    assert err and "\n" not in err


def test_a_welsh_readers_letter_is_in_welsh_with_the_same_figures(demo_ctx, demo_today, tmp_path):
    english = {x.participant_code: x for x in followups.results_letters(demo_ctx, demo_today)}
    code = next(iter(english))
    with demo_ctx.db.engine.begin() as c:
        c.execute(text("UPDATE participants SET language = 'cy' WHERE code = :c"), {"c": code})
    letters = {x.participant_code: x for x in followups.results_letters(demo_ctx, demo_today)}
    welsh = letters[code]
    assert welsh.language == "cy"
    assert all(x.language == "en" for c, x in letters.items() if c != code)
    assert "O’r dechrau hyd at 12 mis" in " ".join(welsh.sentences)
    assert "From the start" not in " ".join(welsh.sentences)

    def numbers(x):  # type: ignore[no-untyped-def]
        import re

        return [re.findall(r"\d+(?:\.\d+)?", s) for s in x.sentences]

    assert numbers(welsh) == numbers(english[code])  # the same figures, in Welsh words
    out = tmp_path / "cy.pdf"
    followups.print_results_letters(demo_ctx, out, demo_today)
    words = _pdf_text(out)
    assert "Annwyl" in words and "Dear" in words  # one letter each, in its reader's language
