"""What an attack on follow-up found, each one refused or fixed: --course on the printed
letters and list, recording before the window opens, re-recording without saying so, scores
with could-not-reach, whole days, non-file outputs, contact ways with no detail, two letters
for one person, and a letter with no reply address."""

from __future__ import annotations

import sys
from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from escape_desktop.cli import main
from escape_desktop.services import followup_letters, followups, settings_registry
from escape_desktop.services.errors import ValidationError


@pytest.fixture
def on_demo_day(monkeypatch, demo_today):  # type: ignore[no-untyped-def]
    """The command line counts from today: here, the day the demo was made for."""

    class DemoDay(date):
        @classmethod
        def today(cls) -> date:  # type: ignore[override]
            return demo_today

    monkeypatch.setattr(followups, "date", DemoDay)
    return demo_today


def _pdf_text(path) -> str:  # type: ignore[no-untyped-def]
    from pypdf import PdfReader

    return " ".join(page.extract_text() for page in PdfReader(str(path)).pages).replace("\n", " ")


@pytest.mark.parametrize(
    "argv",
    [
        ["followups", "letters", "--course"],
        ["followups", "print", "--course"],
        ["followups", "--course"],  # the course given before the action: "... letters"
    ],
)
def test_letters_and_the_due_list_print_only_the_course_asked_for(
    demo_ctx, on_demo_day, tmp_path, argv
):  # type: ignore[no-untyped-def]
    due = followups.due_list(demo_ctx, on_demo_day)
    assert len({e.course_code for e in due}) >= 2
    code = due[-1].course_code
    mine = {e.last_name for e in due if e.course_code == code}
    others = {e.last_name for e in due if e.course_code != code} - mine
    assert mine and others
    settings_registry.set(demo_ctx, settings_registry.SITE_CONTACT, "Physio Team, 1 Demo Road")
    data = str(demo_ctx.data_dir)
    demo_ctx.close()
    out = tmp_path / "out.pdf"
    tail = ["letters"] if argv == ["followups", "--course"] else []
    assert main([*argv, code, *tail, "--data-dir", data, "--out", str(out)]) == 0
    text = _pdf_text(out)
    assert all(name in text for name in mine), (mine, text)
    assert not any(name in text for name in others), others


# Never a real device here: if the check were lost, a test run as root would swap the
# machine's /dev/null for a PDF. A named pipe, a link to one and a socket stand in for it.
@pytest.mark.skipif(sys.platform == "win32", reason="named pipes and Unix sockets: POSIX only")
@pytest.mark.parametrize("kind", ["pipe", "link to a pipe", "socket"])
def test_out_with_force_never_replaces_anything_but_an_ordinary_file(demo_ctx, tmp_path, kind):  # type: ignore[no-untyped-def]
    import os
    import socket
    import stat

    data = str(demo_ctx.data_dir)
    demo_ctx.close()
    pipe = tmp_path / "pipe"
    os.mkfifo(pipe)
    target = pipe
    listener = None
    if kind == "link to a pipe":
        target = tmp_path / "link"
        target.symlink_to(pipe)
    elif kind == "socket":
        target = tmp_path / "sock"
        listener = socket.socket(socket.AF_UNIX)
        listener.bind(str(target))
    try:
        before = os.stat(target).st_mode
        for action in ("letters", "print"):
            code = main(["followups", action, "--data-dir", data, "--out", str(target), "--force"])
            assert code != 0
        after = os.stat(target).st_mode
    finally:
        if listener is not None:
            listener.close()
    assert after == before and not stat.S_ISREG(after)
    assert not list(tmp_path.glob(".*.part"))  # nothing half-written left beside it


def _waiting(ctx, today, **where):  # type: ignore[no-untyped-def]
    """Someone due or overdue now (matching ``where``), as the due list gives them."""
    return next(
        e
        for e in followups.due_list(ctx, today)
        if all(getattr(e, k) == v for k, v in where.items())
    )


def _now(ctx, today, e):  # type: ignore[no-untyped-def]
    found = {(x.enrolment_id, x.point): x for x in followups.entries(ctx, today)}
    return found[(e.enrolment_id, e.point)]


@pytest.mark.parametrize("days", [2.5, "2.5", 0.1, "6.99", -1, 8])
def test_active_days_at_follow_up_are_whole_days_0_to_7(demo_ctx, demo_today, days):  # type: ignore[no-untyped-def]
    e = _waiting(demo_ctx, demo_today)
    with pytest.raises(ValidationError) as refused:
        followups.record_follow_up(
            demo_ctx,
            e.enrolment_id,
            e.point,
            "done",
            scores={"active_days": days},
            today=demo_today,
        )
    assert refused.value.field == "active_days"
    assert _now(demo_ctx, demo_today, e).state == e.state  # nothing saved


def test_whole_active_days_are_kept(demo_ctx, demo_today):  # type: ignore[no-untyped-def]
    e = _waiting(demo_ctx, demo_today)
    followups.record_follow_up(
        demo_ctx, e.enrolment_id, e.point, "done", scores={"active_days": "7"}, today=demo_today
    )
    assert _now(demo_ctx, demo_today, e).scores == {"active_days": 7.0}


def test_a_hand_over_file_with_half_an_active_day_at_follow_up_is_refused(demo_ctx):  # type: ignore[no-untyped-def]
    from escape_desktop.services.handover.validate import check_record

    record = {
        "outcome": "done",
        "contacted_on": "2026-11-20",
        "method": "phone",
        "note": "",
        "updated_at": "2026-11-20T10:00:00",
        "scores": {"active_days": 3.0},
    }
    check_record("follow_up|P-ABCDEFGH|3", record, demo_ctx.library)  # whole days pass
    with pytest.raises(ValidationError):
        check_record(
            "follow_up|P-ABCDEFGH|3",
            {**record, "scores": {"active_days": 2.5}},
            demo_ctx.library,
        )


def test_the_12_month_point_cannot_be_recorded_ten_months_early(demo_ctx, demo_today):  # type: ignore[no-untyped-def]
    three = _waiting(demo_ctx, demo_today, point=3, state="due")
    twelve = _now(demo_ctx, demo_today, replace_point(three, 12))
    assert twelve.state == "upcoming"
    with pytest.raises(ValidationError) as refused:
        followups.record_follow_up(
            demo_ctx, three.enrolment_id, 12, "done", scores={"pain_nrs": 2}, today=demo_today
        )
    opens = twelve.due_on - timedelta(days=7)  # shown as due a week before its day
    assert refused.value.field == "on"
    assert f"{opens:%d %b %Y}" in refused.value.message  # says when it opens
    assert _now(demo_ctx, demo_today, twelve).state == "upcoming"


def replace_point(e, point):  # type: ignore[no-untyped-def]
    from dataclasses import replace

    return replace(e, point=point)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(early=st.integers(min_value=1, max_value=400), late=st.integers(min_value=0, max_value=400))
def test_a_point_is_refused_before_its_window_opens_and_taken_from_then(
    demo_ctx, demo_today, early, late
):  # type: ignore[no-untyped-def]
    # could not reach (a decline may come any day after the course: it is no answer)
    # the same person each time (what an earlier example recorded is replaced)
    e = min(
        (x for x in followups.entries(demo_ctx, demo_today) if x.point == 3),
        key=lambda x: x.enrolment_id,
    )
    opens = e.due_on - timedelta(days=7)
    today = opens + timedelta(days=late)
    day = max(opens - timedelta(days=early), e.course_ended)
    if day < opens:
        with pytest.raises(ValidationError) as refused:
            followups.record_follow_up(
                demo_ctx, e.enrolment_id, 3, "unreachable", on=day, today=today
            )
        assert refused.value.field == "on"
    followups.record_follow_up(
        demo_ctx, e.enrolment_id, 3, "unreachable", on=opens, today=today, replace=True
    )
    assert _now(demo_ctx, today, e).contacted_on == opens


def test_recording_a_point_again_is_refused_unless_told_to_replace(demo_ctx, demo_today):  # type: ignore[no-untyped-def]
    e = _waiting(demo_ctx, demo_today)
    first = followups.record_follow_up(
        demo_ctx, e.enrolment_id, e.point, "done", scores={"pain_nrs": 3}, today=demo_today
    )
    # the same again changes nothing and asks nothing
    same = followups.record_follow_up(
        demo_ctx, e.enrolment_id, e.point, "done", scores={"pain_nrs": 3}, today=demo_today
    )
    assert not same.changes
    with pytest.raises(followups.AlreadyRecorded) as refused:
        followups.record_follow_up(
            demo_ctx, e.enrolment_id, e.point, "unreachable", today=demo_today
        )
    assert refused.value.recorded_on == demo_today and refused.value.outcome == "done"
    kept = _now(demo_ctx, demo_today, e)
    assert (kept.state, kept.scores) == ("done", {"pain_nrs": 3.0})  # the earlier record stands
    replaced = followups.record_follow_up(
        demo_ctx, e.enrolment_id, e.point, "unreachable", today=demo_today, replace=True
    )
    assert _now(demo_ctx, demo_today, e).state == "unreachable"
    assert replaced.undo is not None and first.undo is not None
    replaced.undo()  # undo puts the earlier record back
    back = _now(demo_ctx, demo_today, e)
    assert (back.state, back.scores) == ("done", {"pain_nrs": 3.0})


@pytest.mark.parametrize("outcome", ["unreachable", "declined"])
def test_scores_with_could_not_reach_or_declined_are_refused_not_dropped(
    demo_ctx, demo_today, outcome
):  # type: ignore[no-untyped-def]
    e = _waiting(demo_ctx, demo_today)
    with pytest.raises(ValidationError) as refused:
        followups.record_follow_up(
            demo_ctx, e.enrolment_id, e.point, outcome, scores={"pain_nrs": 4}, today=demo_today
        )
    assert refused.value.field == "scores"
    assert _now(demo_ctx, demo_today, e).state == e.state


def _record(data, e, *more):  # type: ignore[no-untyped-def]
    return main(
        ["followups", "record", "--data-dir", data, "--course", e.course_code,
         "--person", e.participant_code, "--point", str(e.point), *more]
    )  # fmt: skip


def _one_sentence(capsys) -> str:  # type: ignore[no-untyped-def]
    err = capsys.readouterr().err.strip()
    assert err and "\n" not in err and "Traceback" not in err
    return err


def test_the_command_line_refuses_what_it_used_to_drop_and_keeps_a_note(
    demo_ctx, on_demo_day, capsys
):  # type: ignore[no-untyped-def]
    e = _waiting(demo_ctx, on_demo_day)
    data = str(demo_ctx.data_dir)
    # a score with could not reach, and the same measure twice: refused, nothing saved
    assert _record(data, e, "--outcome", "could-not-reach", "--score", "pain_nrs=3") != 0
    _one_sentence(capsys)
    assert _record(data, e, "--outcome", "done", "--score", "pain_nrs=3",
                   "--score", "pain_nrs=5") != 0  # fmt: skip
    _one_sentence(capsys)
    assert _now(demo_ctx, on_demo_day, e).state == e.state
    # --note is kept, as the window's note is
    assert _record(data, e, "--outcome", "done", "--score", "pain_nrs=3",
                   "--note", "rang back on Tuesday") == 0  # fmt: skip
    capsys.readouterr()
    got = _now(demo_ctx, on_demo_day, e)
    assert (got.state, got.scores, got.note) == ("done", {"pain_nrs": 3.0}, "rang back on Tuesday")
    # recorded again: refused, saying how to replace it; with --replace it is replaced
    assert _record(data, e, "--outcome", "declined") != 0
    assert "--replace" in _one_sentence(capsys)
    assert _now(demo_ctx, on_demo_day, e).state == "done"
    assert _record(data, e, "--outcome", "declined", "--replace") == 0
    assert _now(demo_ctx, on_demo_day, e).state == "declined"


@pytest.mark.parametrize("way", ["phone", "email"])
def test_contact_by_phone_or_email_needs_the_number_or_address(way):  # type: ignore[no-untyped-def]
    from escape_desktop.services.participants import ParticipantInput, validate_participant

    with pytest.raises(ValidationError) as refused:
        validate_participant(ParticipantInput("Ada", "Demo-Lee", contact_by=way))
    assert refused.value.field == "contact_by"
    detail = {"phone": "01632 960123", "email": "ada@example.com"}
    ok = validate_participant(
        ParticipantInput("Ada", "Demo-Lee", contact_by=way, **{way: detail[way]})
    )
    assert (ok["contact_by"], ok[way]) == (way, detail[way])
    # by post needs nothing typed here (letters go to the address the site holds)
    assert validate_participant(ParticipantInput("Ada", "Demo-Lee", contact_by="post"))


def test_everyone_in_the_demo_can_be_reached_the_way_they_chose(demo_ctx):  # type: ignore[no-untyped-def]
    from sqlalchemy import text

    with demo_ctx.db.engine.connect() as c:
        stuck = c.execute(
            text(
                "SELECT count(*) FROM participants WHERE"
                " (contact_by = 'phone' AND coalesce(phone, '') = '')"
                " OR (contact_by = 'email' AND coalesce(email, '') = '')"
            )
        ).scalar_one()
    assert stuck == 0


def _pages(path) -> list[str]:  # type: ignore[no-untyped-def]
    from pypdf import PdfReader

    return [p.extract_text().replace("\n", " ") for p in PdfReader(str(path)).pages]


def test_someone_overdue_at_3_months_when_12_fall_due_gets_one_letter_about_12(
    demo_ctx, demo_today, tmp_path
):  # type: ignore[no-untyped-def]
    settings_registry.set(demo_ctx, settings_registry.SITE_CONTACT, "Physio Team, 1 Demo Road")
    due = followups.due_list(demo_ctx, demo_today)
    open_ = [e for e in followups.entries(demo_ctx, demo_today) if e.state in ("due", "overdue")]
    both = [e for e in open_ if e.point == 3 and any(
        x.enrolment_id == e.enrolment_id and x.point == 12 for x in open_)]  # fmt: skip
    assert both, "the demo has someone overdue at 3 months and due at 12"
    out = tmp_path / "letters.pdf"
    pages = followup_letters.print_letters(demo_ctx, out, demo_today)
    assert pages == len({e.enrolment_id for e in due})
    for e in both:
        theirs = [p for p in _pages(out) if e.participant_code in p]
        assert len(theirs) == 1
        assert "12 months" in theirs[0] and "3 months" not in theirs[0]


def test_letters_are_refused_until_the_site_says_where_replies_go(
    demo_ctx, demo_today, tmp_path, capsys
):  # type: ignore[no-untyped-def]
    out = tmp_path / "letters.pdf"
    assert followups.due_list(demo_ctx, demo_today)
    with pytest.raises(ValidationError) as refused:
        followup_letters.print_letters(demo_ctx, out, demo_today)
    assert refused.value.field == "site_contact"
    assert not out.exists() and not list(tmp_path.glob("*letters*"))  # nothing written
    data = str(demo_ctx.data_dir)
    demo_ctx.close()
    assert main(["followups", "letters", "--data-dir", data, "--out", str(out)]) != 0
    assert "site --contact" in _one_sentence(capsys)  # says where to set it
    address = "Physio Team, Riverside Leisure Centre, 1 Demo Road, Demotown DE1 1MO"
    assert main(["site", "--data-dir", data, "--contact", address]) == 0
    capsys.readouterr()
    assert main(["followups", "letters", "--data-dir", data, "--out", str(out)]) == 0
    assert all("Demo Road" in page for page in _pages(out))  # every letter says where to reply
