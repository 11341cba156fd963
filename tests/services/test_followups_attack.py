"""What an attack on follow-up found, each one refused or fixed: --course on the printed
letters and list, recording before the window opens, re-recording without saying so, scores
with could-not-reach, whole days, non-file outputs, contact ways with no detail, two letters
for one person, and a letter with no reply address."""

from __future__ import annotations

import sys
from datetime import date

import pytest

from escape_desktop.cli import main
from escape_desktop.services import followups
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
