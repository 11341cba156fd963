"""Attacking the decline (issue 32 follow-up): a decline and its taking back travel with a
course hand-over both ways; taking back twice, or for someone who never declined, changes
nothing; a decline said at the 3-month call ends follow-up that day."""

from __future__ import annotations

import calendar
from datetime import date, timedelta

import pytest
from sqlalchemy import text

from escape_desktop.context import AppContext
from escape_desktop.programme import followup as fu
from escape_desktop.services import followups
from escape_desktop.services.errors import ValidationError

PHRASE = "correct horse battery staple 32"
COURSE = "KH-2026-001"


def _months_later(day: date, months: int) -> date:
    y, m = divmod(day.month - 1 + months, 12)
    year, month = day.year + y, m + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _setup(ctx, demo_today):  # type: ignore[no-untyped-def]
    """Everyone on the course agreed to be contacted; a day when the 3-month point is overdue
    and the 12-month one due. Returns (course id, completers, last session, that day)."""
    from escape_desktop.services.figures import course_figures

    with ctx.db.engine.begin() as c:
        cid = c.execute(text("SELECT id FROM courses WHERE code = :c"), {"c": COURSE}).scalar_one()
        c.execute(
            text(
                "UPDATE participants SET consent_follow_up = 1 WHERE id IN"
                " (SELECT participant_id FROM enrolments WHERE course_id = :c)"
            ),
            {"c": cid},
        )
        last = date.fromisoformat(
            c.execute(
                text(
                    "SELECT max(date) FROM sessions WHERE course_id = :c AND NOT cancelled"
                    " AND date <= :t"
                ),
                {"c": cid, "t": demo_today.isoformat()},
            ).scalar_one()
        )
    people = sorted(
        e for e, p in course_figures(ctx, cid, demo_today).people.items() if p.completed
    )
    return cid, people, last, _months_later(last, 12) + timedelta(days=1)


def _states(ctx, today):  # type: ignore[no-untyped-def]
    with ctx.db.engine.connect() as c:
        cid = c.execute(text("SELECT id FROM courses WHERE code = :c"), {"c": COURSE}).scalar_one()
    return {(e.participant_code, e.point): e.state for e in followups.entries(ctx, today, [cid])}


def _code(ctx, eid):  # type: ignore[no-untyped-def]
    with ctx.db.engine.connect() as c:
        return c.execute(
            text(
                "SELECT p.code FROM participants p JOIN enrolments e ON e.participant_id = p.id"
                " WHERE e.id = :e"
            ),
            {"e": eid},
        ).scalar_one()


def _eid(ctx, code):  # type: ignore[no-untyped-def]
    with ctx.db.engine.connect() as c:
        return c.execute(
            text(
                "SELECT e.id FROM enrolments e JOIN participants p ON e.participant_id = p.id"
                " JOIN courses c ON c.id = e.course_id WHERE p.code = :p AND c.code = :c"
            ),
            {"p": code, "c": COURSE},
        ).scalar_one()


def test_a_decline_and_its_taking_back_travel_with_the_course_both_ways(
    demo_ctx, demo_today, tmp_path
):  # type: ignore[no-untyped-def]
    from escape_desktop.services import handover

    _cid, people, _last, day = _setup(demo_ctx, demo_today)
    eid = people[0]
    code = _code(demo_ctx, eid)
    with demo_ctx.db.engine.begin() as c:
        c.execute(text("DELETE FROM follow_ups WHERE enrolment_id = :e"), {"e": eid})
    followups.record_follow_up(demo_ctx, eid, 3, fu.DECLINED, on=day, today=day)
    assert _states(demo_ctx, day)[(code, 12)] == fu.DECLINED

    there = tmp_path / "there.escape"
    handover.send_course(demo_ctx, COURSE, there, PHRASE)
    other = AppContext.open(tmp_path / "other")
    try:
        handover.receive_course(other, there, PHRASE)
        assert _states(other, day)[(code, 3)] == fu.DECLINED  # the decline travelled
        assert _states(other, day)[(code, 12)] == fu.DECLINED
        followups.take_back_decline(other, _eid(other, code), 3)
        back = tmp_path / "back.escape"
        handover.send_course(other, COURSE, back, PHRASE)
    finally:
        other.close()
    handover.receive_course(demo_ctx, back, PHRASE)
    got = _states(demo_ctx, day)
    assert got[(code, 3)] == fu.OVERDUE  # the taking back travelled home
    assert got[(code, 12)] == fu.DUE


def test_taking_back_twice_or_where_nobody_declined_changes_nothing(demo_ctx, demo_today):  # type: ignore[no-untyped-def]
    _cid, people, _last, day = _setup(demo_ctx, demo_today)
    eid, never = people[0], people[1]
    with demo_ctx.db.engine.begin() as c:
        c.execute(
            text("DELETE FROM follow_ups WHERE enrolment_id IN (:a, :b)"), {"a": eid, "b": never}
        )
    followups.record_follow_up(demo_ctx, eid, 12, fu.DECLINED, on=day, today=day)
    followups.take_back_decline(demo_ctx, eid, 12)
    before = _states(demo_ctx, day)
    for who, point in ((eid, 12), (eid, 3), (never, 3), (never, 12)):
        with pytest.raises(ValidationError):
            followups.take_back_decline(demo_ctx, who, point)
    assert _states(demo_ctx, day) == before


def test_someone_who_says_no_more_at_the_3_month_call_can_decline_12_months_that_day(
    demo_ctx, demo_today, tmp_path
):  # type: ignore[no-untyped-def]
    """Answers at 3 months, then "please don't contact me again": the 12-month point is
    declined the same day, months before its window opens, and nobody is asked again. Answers
    or could-not-reach at 12 months still wait for the window."""
    _cid, people, last, _day = _setup(demo_ctx, demo_today)
    eid = people[0]
    code = _code(demo_ctx, eid)
    with demo_ctx.db.engine.begin() as c:
        c.execute(text("DELETE FROM follow_ups WHERE enrolment_id = :e"), {"e": eid})
    call = _months_later(last, 3)
    entry = next(e for e in followups.entries(demo_ctx, call, [_cid]) if e.enrolment_id == eid)
    mine = {i.key: i.min for i in followups.follow_up_instruments(demo_ctx, _cid, entry.joints)}
    followups.record_follow_up(demo_ctx, eid, 3, fu.DONE, on=call, today=call, scores=mine)
    for refused in (fu.UNREACHABLE, fu.DONE):
        with pytest.raises(ValidationError):
            followups.record_follow_up(
                demo_ctx, eid, 12, refused, on=call, today=call,
                scores=mine if refused == fu.DONE else None,
            )  # fmt: skip
    followups.record_follow_up(demo_ctx, eid, 12, fu.DECLINED, on=call, today=call)
    later = _months_later(last, 12)
    assert _states(demo_ctx, later)[(code, 3)] == fu.DONE
    assert _states(demo_ctx, later)[(code, 12)] == fu.DECLINED
    assert eid not in {e.enrolment_id for e in followups.due_list(demo_ctx, later)}
    # still never before the course ended
    with pytest.raises(ValidationError):
        followups.record_follow_up(
            demo_ctx, eid, 12, fu.DECLINED, on=last - timedelta(days=1), today=call, replace=True
        )


def test_taking_back_at_the_point_the_decline_was_carried_to_names_the_one_to_take_back(
    demo_ctx, demo_today
):  # type: ignore[no-untyped-def]
    """Declined at 3 months; `followups take-back --point 12` (the 12-month point shows
    "declined" too) is refused, nothing changed, and the refusal names 3 months."""
    _cid, people, _last, day = _setup(demo_ctx, demo_today)
    eid = people[0]
    code = _code(demo_ctx, eid)
    with demo_ctx.db.engine.begin() as c:
        c.execute(text("DELETE FROM follow_ups WHERE enrolment_id = :e"), {"e": eid})
    followups.record_follow_up(demo_ctx, eid, 3, fu.DECLINED, on=day, today=day)
    before = _states(demo_ctx, day)
    with pytest.raises(ValidationError) as refused:
        followups.take_back_decline(demo_ctx, eid, 12)
    assert "3" in str(refused.value) and _states(demo_ctx, day) == before
    assert before[(code, 12)] == fu.DECLINED


def test_answers_stay_counted_when_someone_no_longer_agrees_to_be_contacted(demo_ctx, demo_today):  # type: ignore[no-untyped-def]
    """Answered at 3 months, then "Contact afterwards: No" in their details: the 3-month
    answers stay in every figure (counted by hand from the raw rows), the 12-month point
    counts as declined, nobody asks again, and nothing new can be recorded for them."""
    cid, people, last, day = _setup(demo_ctx, demo_today)
    eid = people[0]
    code = _code(demo_ctx, eid)
    with demo_ctx.db.engine.begin() as c:
        c.execute(text("DELETE FROM follow_ups WHERE enrolment_id = :e"), {"e": eid})
    call = _months_later(last, 3)
    entry = next(e for e in followups.entries(demo_ctx, call, [cid]) if e.enrolment_id == eid)
    mine = {i.key: i.min for i in followups.follow_up_instruments(demo_ctx, cid, entry.joints)}
    followups.record_follow_up(demo_ctx, eid, 3, fu.DONE, on=call, today=call, scores=mine)
    before = followups.follow_up_figures(demo_ctx, [cid], day)
    with demo_ctx.db.engine.begin() as c:
        c.execute(
            text(
                "UPDATE participants SET consent_follow_up = 0 WHERE id ="
                " (SELECT participant_id FROM enrolments WHERE id = :e)"
            ),
            {"e": eid},
        )
    after = followups.follow_up_figures(demo_ctx, [cid], day)
    was, now = before.point(3), after.point(3)
    assert was is not None and now is not None
    assert now.counts.done == was.counts.done  # the answers are kept
    assert _states(demo_ctx, day)[(code, 3)] == fu.DONE
    assert _states(demo_ctx, day)[(code, 12)] == fu.DECLINED
    assert eid not in {e.enrolment_id for e in followups.due_list(demo_ctx, day)}
    with pytest.raises(ValidationError):
        followups.record_follow_up(demo_ctx, eid, 12, fu.UNREACHABLE, on=day, today=day)
    # by hand: done at 3 months is every "done" row of a completer on this course
    with demo_ctx.db.engine.connect() as c:
        done3 = c.execute(
            text(
                "SELECT count(*) FROM follow_ups f JOIN enrolments e ON e.id = f.enrolment_id"
                " WHERE e.course_id = :c AND f.point = 3 AND f.outcome = 'done'"
            ),
            {"c": cid},
        ).scalar_one()
    assert now.counts.done == done3


def test_no_results_letter_goes_to_someone_who_no_longer_agrees_to_be_contacted(
    demo_ctx, demo_today
):  # type: ignore[no-untyped-def]
    from escape_desktop.services import followup_results

    today = demo_today
    sent = followup_results.results_letters(demo_ctx, today)
    assert sent, "the demo has someone done at 12 months"
    with demo_ctx.db.engine.begin() as c:
        c.execute(text("UPDATE participants SET consent_follow_up = 0"))
    with pytest.raises(ValidationError):  # nobody to write to: one sentence, no file
        followup_results.results_letters(demo_ctx, today)


def test_the_list_of_everyone_hands_out_no_phone_or_email_of_someone_who_said_no(
    demo_ctx, demo_today
):  # type: ignore[no-untyped-def]
    """`followups --all` (and its JSON) lists someone who no longer agrees to be contacted,
    for their answers, but never with their phone number or email address."""
    cid, people, last, day = _setup(demo_ctx, demo_today)
    eid = people[0]
    with demo_ctx.db.engine.begin() as c:
        c.execute(text("DELETE FROM follow_ups WHERE enrolment_id = :e"), {"e": eid})
    call = _months_later(last, 3)
    entry = next(e for e in followups.entries(demo_ctx, call, [cid]) if e.enrolment_id == eid)
    mine = {i.key: i.min for i in followups.follow_up_instruments(demo_ctx, cid, entry.joints)}
    followups.record_follow_up(demo_ctx, eid, 3, fu.DONE, on=call, today=call, scores=mine)
    with demo_ctx.db.engine.begin() as c:
        pid = c.execute(
            text("SELECT participant_id FROM enrolments WHERE id = :e"), {"e": eid}
        ).scalar_one()
        c.execute(
            text(
                "UPDATE participants SET phone = '07700 900123', email = 'no.more@example.org',"
                " consent_follow_up = 0 WHERE id = :p"
            ),
            {"p": pid},
        )
    listed = [e for e in followups.entries(demo_ctx, day, [cid]) if e.enrolment_id == eid]
    assert listed  # still listed, for the answers they gave
    for e in listed:
        shown = e.as_json()
        assert shown["contact_ok"] is False
        assert shown["phone"] is None and shown["email"] is None
        assert "07700" not in str(shown) and "no.more@" not in str(shown)
