"""Follow-up at 3 and 12 months: the due list, recording with undo, and the figures checked
against a calculation by hand from the raw rows."""

from __future__ import annotations

import calendar
from datetime import date, timedelta

import pytest
from sqlalchemy import text

from escape_desktop import i18n
from escape_desktop.context import AppContext
from escape_desktop.services import followup_letters, followups, settings_registry
from escape_desktop.services.errors import ValidationError

COURSE = "KH-2026-001"


def _course(ctx, code=COURSE):
    with ctx.db.engine.connect() as c:
        return c.execute(text("SELECT id FROM courses WHERE code = :c"), {"c": code}).scalar_one()


def _last_held(ctx, course_id, today):
    with ctx.db.engine.connect() as c:
        return date.fromisoformat(
            c.execute(
                text(
                    "SELECT max(date) FROM sessions WHERE course_id = :c AND NOT cancelled"
                    " AND date <= :t"
                ),
                {"c": course_id, "t": today.isoformat()},
            ).scalar_one()
        )


def _months_later(day: date, months: int) -> date:
    y, m = divmod(day.month - 1 + months, 12)
    year, month = day.year + y, m + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _consent_all(ctx, course_id, value=1):
    with ctx.db.engine.begin() as c:
        c.execute(
            text(
                "UPDATE participants SET consent_follow_up = :v WHERE id IN"
                " (SELECT participant_id FROM enrolments WHERE course_id = :c)"
            ),
            {"v": value, "c": course_id},
        )


def _completers(ctx, course_id, today):
    from escape_desktop.services.figures import course_figures

    f = course_figures(ctx, course_id, today)
    return sorted(eid for eid, p in f.people.items() if p.completed)


def test_nobody_is_followed_up_without_a_yes(demo_ctx, demo_today):
    cid = _course(demo_ctx)
    later = demo_today + timedelta(days=400)
    _consent_all(demo_ctx, cid, None)
    assert followups.entries(demo_ctx, later, [cid]) == []
    _consent_all(demo_ctx, cid, 0)
    assert followups.entries(demo_ctx, later, [cid]) == []


def test_completers_who_agreed_are_due_at_3_and_12_months(demo_ctx, demo_today):
    cid = _course(demo_ctx)
    _consent_all(demo_ctx, cid)
    last = _last_held(demo_ctx, cid, demo_today)
    three, twelve = _months_later(last, 3), _months_later(last, 12)
    found = followups.entries(demo_ctx, demo_today, [cid])
    completers = _completers(demo_ctx, cid, demo_today)
    assert completers
    assert sorted({e.enrolment_id for e in found}) == completers  # nobody else
    assert {(e.point, e.due_on) for e in found} == {(3, three), (12, twelve)}
    assert {e.state for e in found} == {"upcoming"}

    # a week before the day it shows as due; two weeks after, overdue
    def due(day):
        return [e for e in followups.due_list(demo_ctx, day) if e.course_id == cid]

    assert {e.state for e in due(three - timedelta(days=7))} == {"due"}
    assert due(three - timedelta(days=8)) == []
    late = due(three + timedelta(days=15))
    assert {(e.point, e.state) for e in late} == {(3, "overdue")}
    # the site switches the 12-month point off: it is no longer listed
    settings_registry.set(demo_ctx, settings_registry.FOLLOW_UP_12, False)
    assert {e.point for e in followups.entries(demo_ctx, demo_today, [cid])} == {3}


def test_recording_a_follow_up_with_undo_and_redo(demo_ctx, demo_today):
    cid = _course(demo_ctx)
    _consent_all(demo_ctx, cid)
    eid = _completers(demo_ctx, cid, demo_today)[0]
    last = _last_held(demo_ctx, cid, demo_today)
    day = _months_later(last, 3) + timedelta(days=40)  # entered late
    done = followups.record_follow_up(
        demo_ctx,
        eid,
        3,
        "done",
        on=day,
        scores={"pain_nrs": "3", "swemwbs": 24},
        method="phone",
        today=day,
    )
    assert done.ids == (eid,) and done.undo is not None
    got = {(e.enrolment_id, e.point): e for e in followups.entries(demo_ctx, day, [cid])}
    assert got[(eid, 3)].state == "done"
    assert got[(eid, 3)].scores == {"pain_nrs": 3.0, "swemwbs": 24.0}
    assert got[(eid, 3)].contacted_on == day
    redo = done.undo()
    got = {(e.enrolment_id, e.point): e for e in followups.entries(demo_ctx, day, [cid])}
    assert got[(eid, 3)].state == "overdue"
    assert redo.undo is not None
    redo.undo()
    got = {(e.enrolment_id, e.point): e for e in followups.entries(demo_ctx, day, [cid])}
    assert got[(eid, 3)].state == "done" and got[(eid, 3)].scores["pain_nrs"] == 3.0
    # could not reach replaces it, with no scores kept
    followups.record_follow_up(demo_ctx, eid, 3, "unreachable", on=day, today=day, replace=True)
    got = {(e.enrolment_id, e.point): e for e in followups.entries(demo_ctx, day, [cid])}
    assert got[(eid, 3)].state == "unreachable" and got[(eid, 3)].scores == {}


@pytest.mark.parametrize(
    "outcome, scores, field",
    [
        ("done", {}, "scores"),  # done needs a measure
        ("done", {"chair_stand_30s": 12}, "chair_stand_30s"),  # never at follow-up
        ("done", {"pain_nrs": 11}, "pain_nrs"),  # out of range
        ("maybe", {}, "outcome"),
    ],
)
def test_a_follow_up_that_cannot_be_saved_saves_nothing(
    demo_ctx, demo_today, outcome, scores, field
):
    cid = _course(demo_ctx)
    _consent_all(demo_ctx, cid)
    eid = _completers(demo_ctx, cid, demo_today)[0]
    day = _months_later(_last_held(demo_ctx, cid, demo_today), 3)  # the day it is due
    with pytest.raises(ValidationError) as e:
        followups.record_follow_up(demo_ctx, eid, 3, outcome, scores=scores, today=day)
    assert e.value.field == field
    assert {x.state for x in followups.entries(demo_ctx, day, [cid]) if x.point == 3} == {"due"}


def test_someone_not_followed_up_cannot_have_a_follow_up(demo_ctx, demo_today):
    cid = _course(demo_ctx)
    _consent_all(demo_ctx, cid, None)
    eid = _completers(demo_ctx, cid, demo_today)[0]
    with pytest.raises(ValidationError):
        followups.record_follow_up(demo_ctx, eid, 3, "declined", today=demo_today)


def test_figures_match_a_calculation_by_hand(demo_ctx, demo_today):
    cid = _course(demo_ctx)
    _consent_all(demo_ctx, cid)
    people = _completers(demo_ctx, cid, demo_today)
    assert len(people) >= 4
    last = _last_held(demo_ctx, cid, demo_today)
    day = _months_later(last, 3) + timedelta(days=3)
    outcomes = ["done", "done", "unreachable", "declined"]
    for i, (eid, outcome) in enumerate(zip(people, outcomes, strict=False)):
        scores = {"pain_nrs": 1 + i, "swemwbs": 20 + 3 * i} if outcome == "done" else {}
        followups.record_follow_up(demo_ctx, eid, 3, outcome, on=day, scores=scores, today=day)
    fig = followups.follow_up_figures(demo_ctx, [cid], day).point(3)
    assert fig is not None
    # by hand: every completer who agreed counts (the point is due); 2 done of them
    n = len(people)
    assert (fig.counts.counted, fig.counts.done, fig.counts.unreachable, fig.counts.declined) == (
        n,
        2,
        1,
        1,
    )
    assert fig.counts.due == n - 4
    assert fig.counts.response.percent(1) == round(100 * 2 / n, 1)
    # sustained change in pain, start -> 3 months, from the raw rows
    with demo_ctx.db.engine.connect() as c:
        rows = c.execute(
            text(
                "SELECT a.score, json_extract(f.scores, '$.pain_nrs') FROM follow_ups f"
                " JOIN assessments a ON a.enrolment_id = f.enrolment_id"
                " AND a.timepoint = 'start' AND a.instrument_key = 'pain_nrs'"
                " JOIN enrolments e ON e.id = f.enrolment_id"
                " WHERE f.point = 3 AND f.outcome = 'done' AND e.course_id = :c"
            ),
            {"c": cid},
        ).all()
    pairs = [(s, e) for s, e in rows if s is not None and e is not None]
    pain = next(p for p in fig.proportions if p.domain == "pain")
    assert pain.improved.denominator == len(pairs)
    assert pain.improved.numerator == sum(1 for s, e in pairs if e < s)
    assert pain.worse.numerator == sum(1 for s, e in pairs if e > s)
    assert pain.meaningful is not None
    assert pain.meaningful.numerator == sum(
        1 for s, e in pairs if s - e >= 2 or (s > 0 and (s - e) / s >= 0.3)
    )
    # the sit-to-stand is not repeated: function is not measured at follow-up
    function = next(p for p in fig.proportions if p.domain == "function")
    assert not function.measured


def test_the_demo_has_people_due_done_unreachable_and_declined_at_both_points(demo_ctx, demo_today):
    found = followups.entries(demo_ctx, demo_today)
    for point in (3, 12):
        states = {e.state for e in found if e.point == point}
        assert {"due", "done", "unreachable", "declined"} <= states, (point, states)
    # nobody in the demo is followed up without a yes, and a done point has its measures
    assert all(e.scores for e in found if e.state == "done")
    assert not any("chair_stand_30s" in e.scores for e in found)


def test_follow_ups_and_the_consent_travel_with_a_course_hand_over(demo_ctx, demo_today, tmp_path):
    from escape_desktop.services import handover

    phrase = "correct horse battery staple 32"
    cid = _course(demo_ctx, "KH-2025-001")
    sent = {(e.participant_code, e.point): (e.state, e.scores, e.contacted_on)
            for e in followups.entries(demo_ctx, demo_today, [cid])}  # fmt: skip
    assert any(v[0] == "done" for v in sent.values())
    file = tmp_path / "course.escape"
    handover.send_course(demo_ctx, "KH-2025-001", file, phrase)
    other = AppContext.open(tmp_path / "other")
    try:
        handover.receive_course(other, file, phrase)
        with other.db.engine.connect() as c:
            new_id = c.execute(
                text("SELECT id FROM courses WHERE code = 'KH-2025-001'")
            ).scalar_one()
        got = {(e.participant_code, e.point): (e.state, e.scores, e.contacted_on)
               for e in followups.entries(other, demo_today, [new_id])}  # fmt: skip
    finally:
        other.close()
    assert got == sent


def test_the_consent_to_be_contacted_is_asked_at_enrolment_and_kept(demo_ctx):
    from dataclasses import replace

    from escape_desktop.services.participants import (
        ParticipantInput,
        edit_participant,
        participant_input,
        validate_participant,
    )

    values = validate_participant(
        ParticipantInput("Ada", "Demo-Lee", consent_follow_up=True, contact_by="Post")
    )
    assert values["consent_follow_up"] is True and values["contact_by"] == "post"
    assert validate_participant(ParticipantInput("Ada", "Demo-Lee"))["consent_follow_up"] is None
    with pytest.raises(ValidationError) as e:
        validate_participant(ParticipantInput("Ada", "Demo-Lee", contact_by="pigeon"))
    assert e.value.field == "contact_by"
    # an edit keeps what was said, and saying no is kept as no (never turned into not asked)
    with demo_ctx.db.engine.connect() as c:
        pid = c.execute(text("SELECT min(id) FROM participants")).scalar_one()
    before = participant_input(demo_ctx, pid)
    edit_participant(demo_ctx, pid, replace(before, consent_follow_up=False, contact_by="email"))
    after = participant_input(demo_ctx, pid)
    assert (after.consent_follow_up, after.contact_by) == (False, "email")
    edit_participant(demo_ctx, pid, replace(after, notes="seen again"))
    assert participant_input(demo_ctx, pid).consent_follow_up is False


def _pdf_text(path) -> str:
    from pypdf import PdfReader

    return "\n".join(page.extract_text() for page in PdfReader(str(path)).pages)


def test_the_letter_asks_only_what_can_be_asked_by_post_and_says_where_to_reply(
    demo_ctx, demo_today, tmp_path
):
    settings_registry.set(demo_ctx, settings_registry.SITE_NAME, "Demo Trust")
    settings_registry.set(
        demo_ctx, settings_registry.SITE_CONTACT, "Physio Team, 1 Demo Road, Demotown DE1 1MO"
    )
    due = followups.due_list(demo_ctx, demo_today)
    out = tmp_path / "letters.pdf"
    pages = followup_letters.print_letters(demo_ctx, out, demo_today)
    assert pages == len({e.enrolment_id for e in due}) > 0  # one letter a person
    text = _pdf_text(out)
    assert "Demo Road" in text and "Demo Trust" in text
    for e in due:
        assert e.last_name in text
    assert "chair" not in text.lower() and "stand" not in text.lower()
    listed = tmp_path / "due.pdf"
    followups.print_due_list(demo_ctx, listed, demo_today)
    text = _pdf_text(listed)
    assert all(e.last_name in text.replace("\n", " ") for e in due)


def test_the_class_summary_says_whether_it_lasts_once_the_course_is_over(
    demo_ctx, demo_today, tmp_path
):
    from escape_desktop.services.documents import build_document

    out = tmp_path / "summary.pdf"
    build_document(demo_ctx, "summary", _course(demo_ctx, "KH-2025-001"), out, today=demo_today)
    assert "Does it last?" in _pdf_text(out)
    running = tmp_path / "running.pdf"
    build_document(demo_ctx, "summary", _course(demo_ctx, "KH-2026-002"), running, today=demo_today)
    assert "Does it last?" not in _pdf_text(running)


def test_the_command_line_lists_and_records_follow_ups(demo_ctx, capsys, tmp_path):
    import json
    from datetime import date as real_date

    from escape_desktop.cli import main

    data = str(demo_ctx.data_dir)
    demo_ctx.close()
    assert main(["followups", "--data-dir", data, "--json"]) == 0
    due = json.loads(capsys.readouterr().out)
    assert due and {d["state"] for d in due} <= {"due", "overdue"}
    first = due[0]
    assert main(["followups", "record", "--data-dir", data, "--course", first["course"],
                 "--person", first["participant"], "--point", str(first["point_months"]),
                 "--outcome", "declined"]) == 0  # fmt: skip
    capsys.readouterr()
    assert main(["followups", "--data-dir", data, "--all", "--json"]) == 0
    every = json.loads(capsys.readouterr().out)
    mine = [d for d in every if d["participant"] == first["participant"]
            and d["point_months"] == first["point_months"]]  # fmt: skip
    assert mine[0]["state"] == "declined"
    assert mine[0]["contacted_on"] == real_date.today().isoformat()
    # a mistake is one sentence on stderr and a non-zero exit; nothing is saved
    assert main(["followups", "record", "--data-dir", data, "--course", first["course"],
                 "--person", "P-NOBODY00", "--point", "3", "--outcome", "done"]) != 0  # fmt: skip
    err = capsys.readouterr().err.strip()
    assert err and "\n" not in err and "Traceback" not in err
    out = tmp_path / "letters.pdf"
    assert main(["site", "--data-dir", data, "--contact", "Physio Team, 1 Demo Road"]) == 0
    assert main(["followups", "letters", "--data-dir", data, "--out", str(out)]) == 0
    assert out.stat().st_size > 0
    assert main(["followups", "letters", "--data-dir", data, "--out", str(out)]) != 0  # no --force


def test_a_reply_address_of_several_lines_keeps_its_lines_on_the_letter(
    demo_ctx, demo_today, tmp_path
):
    """An address is written on an envelope line by line: run together, 'Ysbyty Gwynedd,
    Penrhosgarnedd Bangor' is no address."""
    lines = [
        "ESCAPE-pain Team, Physiotherapy",
        "Ysbyty Demo, Penrhosgarnedd",
        "Bangor LL57 2PW",
        "Phone 01632 960000",
        "escape@demo.example",
    ]
    settings_registry.set(demo_ctx, settings_registry.SITE_CONTACT, "\n".join(lines))
    out = tmp_path / "letters.pdf"
    assert followup_letters.print_letters(demo_ctx, out, demo_today) > 0
    printed = [line.strip() for line in _pdf_text(out).splitlines()]
    for line in lines:
        assert line in printed, line
    # as long an address as the setting takes (under 500 characters, 22 short lines): still
    # one page a person, the page that is posted back
    many = [f"Line {i:02d} of the addr" for i in range(22)]
    settings_registry.set(demo_ctx, settings_registry.SITE_CONTACT, "\n".join(many))
    people = len({e.enrolment_id for e in followups.due_list(demo_ctx, demo_today)})
    assert followup_letters.print_letters(demo_ctx, tmp_path / "long.pdf", demo_today) == people
    text = " ".join(_pdf_text(tmp_path / "long.pdf").split())  # the last lines run together
    assert all(line in text for line in many)


def test_setting_the_contact_before_the_site_name_is_saved_and_no_failure(demo_ctx, capsys):
    from escape_desktop.cli import main

    settings_registry.set(demo_ctx, settings_registry.SITE_NAME, "")
    data = str(demo_ctx.data_dir)
    assert main(["site", "--data-dir", data, "--contact", "Physio Team, 1 Demo Road"]) == 0
    assert settings_registry.get(demo_ctx, settings_registry.SITE_CONTACT).startswith("Physio")
    assert "name" in capsys.readouterr().err  # still says what uploads need
    assert main(["site", "--data-dir", data]) != 0  # asking is still a check


@pytest.fixture
def welsh():
    i18n.set_ui_language("cy")
    yield i18n.translator("cy")
    i18n.set_ui_language(None)


def test_the_undo_label_and_refusals_speak_the_window_language(demo_ctx, demo_today, welsh):
    cid = _course(demo_ctx)
    _consent_all(demo_ctx, cid)
    eid = _completers(demo_ctx, cid, demo_today)[0]
    day = _months_later(_last_held(demo_ctx, cid, demo_today), 3) + timedelta(days=40)
    done = followups.record_follow_up(
        demo_ctx, eid, 3, "done", on=day, scores={"pain_nrs": "3"}, method="phone", today=day
    )
    forms = welsh.ngettext("{name}: {outcome} at {n} month", "{name}: {outcome} at {n} months", 3)
    assert forms != "{name}: {outcome} at {n} months"  # the catalogue has the Welsh
    name = done.label.split(":")[0]
    assert done.label == forms.format(name=name, outcome=welsh._("Done").lower(), n=3)
    assert " at " not in done.label and "months" not in done.label
    assert done.undo is not None
    redo = done.undo()
    assert redo.label == done.label and redo.undo is not None  # undo and redo: the same words
    redo.undo()
    with pytest.raises(followups.AlreadyRecorded) as again:
        followups.record_follow_up(demo_ctx, eid, 3, "unreachable", on=day, today=day)
    assert "already recorded" not in str(again.value)
    assert welsh.date(day, "short") in str(again.value)  # the day in Welsh, not "%d %b %Y"
    with pytest.raises(ValidationError) as future:
        followups.record_follow_up(
            demo_ctx, eid, 12, "declined", on=day + timedelta(days=5), today=day
        )
    assert (
        str(future.value)
        == welsh._("The date cannot be in the future.")
        != ("The date cannot be in the future.")
    )


def test_the_follow_up_command_help_is_in_welsh(welsh, capsys):
    from escape_desktop.cli import build_parser

    with pytest.raises(SystemExit):
        build_parser().parse_args(["followups", "record", "--help"])
    out = capsys.readouterr().out
    assert welsh._("record one person's follow-up") not in ("", "record one person's follow-up")
    assert welsh._("a note, as in the window") in out
    assert "a note, as in the window" not in out
