"""A decline ends follow-up: a person who declined at one point is never due again (due list,
`followups --json`, letters), their other point counts as declined in every figure (so a
decline never raises a response rate), could not reach ends nothing, and a decline recorded
by mistake can be taken back. Checked against the raw rows by hand."""

from __future__ import annotations

import calendar
import json
from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from escape_desktop.cli import main
from escape_desktop.programme import followup as fu
from escape_desktop.services import followup_letters, followups, settings_registry
from escape_desktop.services.errors import ValidationError

COURSE = "KH-2026-001"
OUTCOMES = ("done", "unreachable", "declined")


def _course(ctx) -> int:  # type: ignore[no-untyped-def]
    with ctx.db.engine.connect() as c:
        return c.execute(text("SELECT id FROM courses WHERE code = :c"), {"c": COURSE}).scalar_one()


def _months_later(day: date, months: int) -> date:
    y, m = divmod(day.month - 1 + months, 12)
    year, month = day.year + y, m + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _setup(ctx, demo_today):  # type: ignore[no-untyped-def]
    """Everyone on the course agreed to be contacted; a day when the 3-month point is overdue
    and the 12-month one due. Returns (course id, completers, last session, that day)."""
    from escape_desktop.services.figures import course_figures

    cid = _course(ctx)
    with ctx.db.engine.begin() as c:
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
    day = _months_later(last, 12) + timedelta(days=1)
    return cid, people, last, day


def _by_hand(ctx, people, last, today):  # type: ignore[no-untyped-def]
    """Each person's state at each point from the raw follow_ups rows and the dates alone."""
    with ctx.db.engine.connect() as c:
        rows = c.execute(text("SELECT enrolment_id, point, outcome FROM follow_ups")).all()
    recorded: dict[int, dict[int, str]] = {}
    for eid, point, outcome in rows:
        recorded.setdefault(eid, {})[point] = outcome
    out: dict[tuple[int, int], str] = {}
    for eid in people:
        mine = recorded.get(eid, {})
        for point in (3, 12):
            due = _months_later(last, point)
            if point in mine:
                out[(eid, point)] = mine[point]
            elif "declined" in mine.values():
                out[(eid, point)] = "declined"
            elif today < due - timedelta(days=7):
                out[(eid, point)] = "upcoming"
            elif today <= due + timedelta(days=14):
                out[(eid, point)] = "due"
            else:
                out[(eid, point)] = "overdue"
    return out


def _record(ctx, eid, point, outcome, last, today):  # type: ignore[no-untyped-def]
    on = max(_months_later(last, point), fu.opens_on(_months_later(last, point)))
    return followups.record_follow_up(
        ctx,
        eid,
        point,
        outcome,
        on=min(on, today),
        scores={"pain_nrs": 3} if outcome == "done" else {},
        today=today,
        replace=True,
    )


# ----------------------------------------------------------------------------- the rule


@given(
    first=st.sampled_from((None, *OUTCOMES)),
    second=st.sampled_from((None, *OUTCOMES)),
    dated=st.sampled_from(("upcoming", "due", "overdue")),
)
def test_a_decline_anywhere_leaves_nothing_due_and_never_raises_the_response(first, second, dated):  # type: ignore[no-untyped-def]
    recorded = {p: o for p, o in ((3, first), (12, second)) if o is not None}
    by_date = {3: "overdue", 12: dated}
    states = fu.after_decline({p: recorded.get(p, by_date[p]) for p in (3, 12)}, recorded)
    if "declined" in recorded.values():
        assert not {"upcoming", "due", "overdue"} & set(states.values())
    else:  # could not reach (or done) at one point leaves the other as the dates say
        assert states == {p: recorded.get(p, by_date[p]) for p in (3, 12)}
    for p in (3, 12):
        assert states[p] == recorded.get(p, states[p])  # a record is never overridden
        with_rule = fu.counts(p, [states[p]])
        without = fu.counts(p, [recorded.get(p, by_date[p])])
        assert with_rule.done == without.done
        assert with_rule.counted >= without.counted  # the response can only fall


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    steps=st.lists(
        st.tuples(st.sampled_from((3, 12)), st.sampled_from((*OUTCOMES, "take back"))),
        max_size=5,
    )
)
def test_any_sequence_of_outcomes_gives_the_states_and_figures_worked_out_by_hand(
    demo_ctx, demo_today, steps
):  # type: ignore[no-untyped-def]
    ctx = demo_ctx
    cid, people, last, today = _setup(ctx, demo_today)
    eid = people[0]
    for point, what in steps:
        if what == "take back":
            with ctx.db.engine.connect() as c:
                was = c.execute(
                    text("SELECT outcome FROM follow_ups WHERE enrolment_id = :e AND point = :p"),
                    {"e": eid, "p": point},
                ).scalar()
            if was == "declined":
                followups.take_back_decline(ctx, eid, point)
            else:
                with pytest.raises(ValidationError):
                    followups.take_back_decline(ctx, eid, point)
        else:
            _record(ctx, eid, point, what, last, today)
    expected = _by_hand(ctx, people, last, today)
    got = {(e.enrolment_id, e.point): e.state for e in followups.entries(ctx, today, [cid])}
    assert got == expected
    # the due list: nobody with a decline, everyone else with an open point
    due = {e.enrolment_id for e in followups.due_list(ctx, today, [cid])}
    open_ = {p for p in people if any(expected[(p, x)] in ("due", "overdue") for x in (3, 12))}
    assert due == open_
    # the figures, counted by hand
    fig = followups.follow_up_figures(ctx, [cid], today)
    for point in (3, 12):
        mine = [expected[(p, point)] for p in people]
        c = fig.point(point)
        assert c is not None
        n = c.counts
        assert (n.counted, n.done, n.unreachable, n.declined) == (
            len(people),
            mine.count("done"),
            mine.count("unreachable"),
            mine.count("declined"),
        )
        assert (n.response.numerator, n.response.denominator) == (mine.count("done"), len(people))


# ------------------------------------------------------------------------- every surface


@pytest.fixture
def on_demo_day(monkeypatch, demo_today):  # type: ignore[no-untyped-def]
    """The command line counts from today: here, the day the demo was made for."""

    class DemoDay(date):
        @classmethod
        def today(cls) -> date:  # type: ignore[override]
            return demo_today

    monkeypatch.setattr(followups, "date", DemoDay)
    return demo_today


def _carried(ctx, day):  # type: ignore[no-untyped-def]
    """The demo's people who declined at 3 months with nothing recorded at 12."""
    return [
        e
        for e in followups.entries(ctx, day)
        if e.point == 12 and e.declined_at == 3 and e.state == "declined"
    ]


def test_someone_who_declined_at_3_months_is_not_due_at_12_anywhere(
    demo_ctx, on_demo_day, tmp_path, capsys
):  # type: ignore[no-untyped-def]
    ctx, day = demo_ctx, on_demo_day
    carried = _carried(ctx, day)
    assert carried, "the demo has someone who declined at 3 months, nothing at 12"
    codes = {e.participant_code for e in carried}
    assert not codes & {e.participant_code for e in followups.due_list(ctx, day)}
    # followups --json (the command line's today is the demo's day here)
    data = str(ctx.data_dir)
    assert main(["followups", "--data-dir", data, "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert listed and not codes & {x["participant"] for x in listed}
    assert main(["followups", "--all", "--data-dir", data, "--json"]) == 0
    every = {(x["participant"], x["point_months"]): x for x in json.loads(capsys.readouterr().out)}
    for code in codes:
        assert every[(code, 12)]["state"] == "declined"
        assert every[(code, 12)]["declined_at_months"] == 3
    # the letters: one a person due, none for them
    settings_registry.set(ctx, settings_registry.SITE_CONTACT, "Physio Team, 1 Demo Road")
    out = tmp_path / "letters.pdf"
    pages = followup_letters.print_letters(ctx, out, day)
    assert pages == len({e.enrolment_id for e in followups.due_list(ctx, day)})
    from pypdf import PdfReader

    printed = " ".join(p.extract_text() for p in PdfReader(str(out)).pages)
    assert not any(code in printed for code in codes)


def test_could_not_reach_at_3_months_still_leaves_12_due(demo_ctx, demo_today):  # type: ignore[no-untyped-def]
    ctx = demo_ctx
    cid, people, last, day = _setup(ctx, demo_today)
    eid = people[1]
    _record(ctx, eid, 3, "unreachable", last, day)
    mine = {e.point: e for e in followups.entries(ctx, day, [cid]) if e.enrolment_id == eid}
    assert mine[12].state == "due" and mine[12].declined_at is None
    assert eid in {e.enrolment_id for e in followups.due_list(ctx, day, [cid])}


def test_a_decline_taken_back_makes_the_person_due_again_and_undo_puts_it_back(
    demo_ctx, demo_today, capsys
):  # type: ignore[no-untyped-def]
    ctx = demo_ctx
    cid, people, last, day = _setup(ctx, demo_today)
    eid = people[2]
    _record(ctx, eid, 3, "declined", last, day)
    assert eid not in {e.enrolment_id for e in followups.due_list(ctx, day, [cid])}
    done = followups.take_back_decline(ctx, eid, 3)
    states = {e.point: e.state for e in followups.entries(ctx, day, [cid]) if e.enrolment_id == eid}
    assert states == {3: "overdue", 12: "due"}
    assert done.undo is not None
    done.undo()
    states = {e.point: e.state for e in followups.entries(ctx, day, [cid]) if e.enrolment_id == eid}
    assert states == {3: "declined", 12: "declined"}
    # only a decline is taken back: 12 months has nothing recorded
    with pytest.raises(ValidationError):
        followups.take_back_decline(ctx, eid, 12)


def test_the_command_line_takes_a_decline_back(demo_ctx, on_demo_day, capsys):  # type: ignore[no-untyped-def]
    ctx, day = demo_ctx, on_demo_day
    e = _carried(ctx, day)[0]
    data = str(ctx.data_dir)
    ctx.close()
    argv = ["followups", "take-back", "--data-dir", data, "--course", e.course_code]
    # at 12 months nothing is recorded: refused in one line, nothing changed
    assert main([*argv, "--person", e.participant_code, "--point", "12"]) != 0
    err = capsys.readouterr().err.strip()
    assert err and "\n" not in err and "Traceback" not in err
    assert main([*argv, "--person", e.participant_code, "--point", "3"]) == 0
    capsys.readouterr()
    assert main(["followups", "--data-dir", data, "--json"]) == 0
    due = json.loads(capsys.readouterr().out)
    assert e.participant_code in {x["participant"] for x in due}
