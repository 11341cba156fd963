"""The figures as a commissioner would check them: recomputed from the database file alone.

Everything here is worked out with plain sqlite3 and the definitions in docs/figures.md
(and the programme's published rules): it imports nothing of the app's figure code, so
if the one definition drifts, the app and this calculation disagree. The app is asked
only through its command line (`courses --json`, `outcomes --json`, `export csv`).
Demo folders of two seeds are compared as made, and one is then edited by hand into the
awkward cases: a course closed early whose remaining sessions have since passed, a
cancelled session without a make-up, a late joiner, a course whose last session is
today, and measures sitting exactly on their thresholds.
"""

from __future__ import annotations

import csv
import json
import math
import sqlite3
import tomllib
from collections import Counter
from contextlib import closing
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest

from escape_desktop.cli import main

INSTRUMENTS = Path(__file__).resolve().parents[2] / "resources" / "instruments"
HEADLINE = {"function", "pain", "wellbeing"}
COUNTS = (
    "enrolled",
    "withdrawn",
    "started",
    "did_not_start",
    "completers",
    "completion_rate",
    "sessions_delivered",
    "on_track",
    "cannot_complete",
)


def _day(value: object) -> date:
    return date.fromisoformat(str(value)[:10])


def _half_away(x: float, places: int) -> float:
    return float(Decimal(repr(x)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP))


# --------------------------------------------------------------------------- the calculation


def independent_figures(db: Path, today: date) -> dict[str, dict]:
    """Per course code: the counts, and per enrolment (came, held, completed)."""
    with closing(sqlite3.connect(db)) as con:
        return _figures(con, today)


def _figures(con: sqlite3.Connection, today: date) -> dict[str, dict]:
    out: dict[str, dict] = {}
    for cid, code, closed_on in con.execute("SELECT id, code, closed_on FROM courses"):
        closed = _day(closed_on) if closed_on else None
        if closed is not None and closed > today:
            closed = None
        live = [
            (sid, _day(d))
            for sid, d, cancelled in con.execute(
                "SELECT id, date, cancelled FROM sessions WHERE course_id = ?", (cid,)
            )
            if not cancelled
        ]
        number = dict(con.execute("SELECT id, number FROM sessions WHERE course_id = ?", (cid,)))
        # Sessions are held once their day has come; a closed course held none after closing.
        until = min(today, closed) if closed else today
        # Finished once the last session is held: its day past, or today with its register taken.
        last = max(live, key=lambda x: x[1]) if live else None
        taken = (
            last is not None
            and con.execute(
                "SELECT 1 FROM attendance WHERE session_id = ? AND mark IS NOT NULL", (last[0],)
            ).fetchone()
            is not None
        )
        finished = closed is not None or (
            last is not None and (last[1] < today or (last[1] == today and taken))
        )
        running = not finished and bool(live) and min(d for _, d in live) <= today
        f: dict = {
            "enrolled": 0,
            "withdrawn": 0,
            "started": 0,
            "did_not_start": 0,
            "completers": 0,
            "sessions_delivered": sum(1 for _, d in live if d <= until),
            "on_track": 0,
            "cannot_complete": 0,
            "people": {},
        }
        for eid, status, withdrawn_on, joined in con.execute(
            "SELECT id, status, withdrawn_on, joined_session FROM enrolments WHERE course_id = ?",
            (cid,),
        ):
            marked = dict(
                con.execute(
                    "SELECT session_id, mark FROM attendance WHERE enrolment_id = ?", (eid,)
                )
            )
            present = {sid for sid, mark in marked.items() if mark == "present"}
            withdrawn = status == "withdrawn"
            left = _day(withdrawn_on) if withdrawn_on else None
            # Their own sessions: from the session they joined at until they left; one they
            # came to always counts, and so does one marked absent or apologies before leaving.
            own = [
                (sid, d)
                for sid, d in live
                if sid in present
                or (
                    (number[sid] >= joined or sid in marked)
                    and not (withdrawn and left and d > left)
                )
            ]
            held = [sid for sid, d in own if d <= until]
            came = sum(1 for sid in held if sid in present)
            to_come = 0 if finished or withdrawn else sum(1 for _, d in own if d > today)
            completed = finished and not withdrawn and came > 0 and came >= 0.75 * len(held)
            f["enrolled"] += 1
            f["withdrawn"] += withdrawn
            if came:
                f["started"] += 1
            elif held or finished or withdrawn:
                f["did_not_start"] += 1
            f["completers"] += completed
            if running and not withdrawn and came:
                needed = math.ceil(0.75 * (len(held) + to_come) - 1e-9)
                if came + to_come < needed:
                    f["cannot_complete"] += 1
                elif came >= needed or came >= 0.75 * len(held):
                    f["on_track"] += 1
            f["people"][eid] = (came, len(held), completed)
        f["completion_rate"] = (
            _half_away(100 * f["completers"] / f["started"], 1)
            if finished and f["started"]
            else None
        )
        if not finished:
            f["completers"] = None
        if not running:
            f["on_track"] = f["cannot_complete"] = None
        f["finished"] = finished
        out[code] = f
    return out


def independent_outcome(db: Path, code: str, key: str) -> dict[str, int | None]:
    """Improved at all / meaningful / worse for one measure: people with both values only."""
    spec = tomllib.loads((INSTRUMENTS / f"{key}.toml").read_text(encoding="utf-8"))
    values: dict[int, dict[str, float]] = {}
    video: set[int] = set()
    with closing(sqlite3.connect(db)) as con:
        for eid, timepoint, score, taken in con.execute(
            "SELECT a.enrolment_id, a.timepoint, a.score, a.taken FROM assessments a "
            "JOIN enrolments e ON e.id = a.enrolment_id JOIN courses c ON c.id = e.course_id "
            "WHERE c.code = ? AND a.instrument_key = ? AND a.score IS NOT NULL",
            (code, key),
        ):
            values.setdefault(eid, {})[timepoint] = score
            if taken == "video" and timepoint in ("start", "end"):
                video.add(eid)
    sign = -1 if spec["direction"] == "lower_better" else 1
    mid, mid_percent = spec.get("mid"), spec.get("mid_percent")
    # A test watched over video at either end is left out of change (the site's default).
    both = [
        (v["start"], v["end"])
        for eid, v in values.items()
        if "start" in v and "end" in v and eid not in video
    ]
    improved = meaningful = worse = 0
    for start, end in both:
        # Decimal arithmetic on the recorded digits: 23.45 - 20.45 is 3, not 2.99999.
        better = (Decimal(repr(end)) - Decimal(repr(start))) * sign
        improved += better > 0
        worse += better < 0
        if mid is not None and better > 0:
            enough = better >= Decimal(repr(float(mid)))
            if mid_percent is not None and start > 0:
                enough = enough or better * 100 >= Decimal(repr(start)) * Decimal(mid_percent)
            meaningful += enough
    return {
        "n": len(both),
        "improved": improved,
        "meaningful": meaningful if mid is not None else None,
        "worse": worse,
    }


# --------------------------------------------------------------------------- the app's answers


def _json(capsys, *args: str) -> object:
    capsys.readouterr()
    assert main(list(args)) == 0
    return json.loads(capsys.readouterr().out)


def _compare(folder: Path, capsys) -> None:
    db = folder / "escape.db"
    mine = independent_figures(db, date.today())
    listed = _json(capsys, "courses", "--data-dir", str(folder), "--json")
    assert sorted(c["code"] for c in listed) == sorted(mine)
    for course in listed:
        code = course["code"]
        want = {k: mine[code][k] for k in COUNTS}
        outcomes = _json(capsys, "outcomes", "--data-dir", str(folder), "--course", code, "--json")
        assert {k: course[k] for k in COUNTS} == want, ("courses --json", code)
        assert {k: outcomes[k] for k in COUNTS} == want, ("outcomes --json", code)
        domains = {p["domain"] for p in outcomes["proportions"]}
        assert domains == HEADLINE
        measured = [p["instrument"] for p in outcomes["proportions"] if p["measured"]]
        assert len(measured) == len(set(measured)), "one measure behind two headlines"
        for p in outcomes["proportions"]:
            if not p["measured"]:
                continue
            got = {
                "n": p["improved"]["denominator"],
                "improved": p["improved"]["numerator"],
                "meaningful": p["meaningful"]["numerator"] if p.get("meaningful") else None,
                "worse": p["worse"]["numerator"],
            }
            assert got == independent_outcome(db, code, p["instrument"]), (code, p["domain"])

    # The upload: one row a person who agreed to share, from courses under way or over.
    out = folder.parent / f"{folder.name}-upload.csv"
    assert main(["site", "--data-dir", str(folder), "--name", "Demo Site", "--code", "ABC1"]) == 0
    marks = folder.parent / f"{folder.name}-attendance.csv"
    args = ["--out", str(out), "--attendance-out", str(marks), "--force"]
    assert main(["export", "csv", "--data-dir", str(folder), *args]) == 0
    with closing(sqlite3.connect(db)) as con:
        sharing = {
            eid
            for (eid,) in con.execute(
                "SELECT e.id FROM enrolments e JOIN participants p ON p.id = e.participant_id "
                "WHERE p.consent_share = 1"
            )
        }
    with out.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    uploaded = {r["course_code"] for r in rows}
    want_rows: Counter = Counter()
    for code, f in mine.items():
        if code not in uploaded:
            continue
        for eid, (came, held, completed) in f["people"].items():
            if eid in sharing:
                flag = ("1" if completed else "0") if f["finished"] else ""
                want_rows[(code, held, came, flag)] += 1
    got_rows = Counter(
        (
            r["course_code"],
            int(r["sessions_held_while_enrolled"]),
            int(r["sessions_attended"]),
            r["completed"],
        )
        for r in rows
    )
    assert got_rows == want_rows
    for r in rows:
        assert int(r["sessions_delivered"]) == mine[r["course_code"]]["sessions_delivered"]
    # The attendance file lists the sessions delivered, and no session a closed course never ran.
    with marks.open(encoding="utf-8-sig", newline="") as handle:
        listed_sessions: dict[str, set[str]] = {}
        for r in csv.DictReader(handle):
            if r["cancelled"] == "0":
                listed_sessions.setdefault(r["course_code"], set()).add(r["session_number"])
    for code, numbers in listed_sessions.items():
        assert len(numbers) == mine[code]["sessions_delivered"], ("attendance file", code)
    # Every course with a session held is in the upload.
    assert {c for c, f in mine.items() if f["sessions_delivered"]} <= uploaded


# --------------------------------------------------------------------------- the cases


@pytest.mark.parametrize("seed", [3, 8])
def test_demo_figures_agree_with_an_independent_calculation(
    tmp_path, capsys, qtbot, seed, demo_copy
):
    folder = demo_copy(tmp_path / f"demo-{seed}", seed)
    _compare(folder, capsys)
    _register_screen_agrees(folder, independent_figures(folder / "escape.db", date.today()))


def _edit_into_awkward_cases(db: Path, today: date) -> None:
    with closing(sqlite3.connect(db)) as con:
        _edit(con, today)
        con.commit()


def _edit(con: sqlite3.Connection, today: date) -> None:
    codes = dict(con.execute("SELECT code, id FROM courses"))

    def live(cid: int) -> list[tuple[int, date]]:
        return [
            (sid, _day(d))
            for sid, d in con.execute(
                "SELECT id, date FROM sessions WHERE course_id = ? AND NOT cancelled ORDER BY date",
                (cid,),
            )
        ]

    running = [
        cid for cid in codes.values() if live(cid) and live(cid)[0][1] <= today < live(cid)[-1][1]
    ]
    finished = [cid for cid in codes.values() if live(cid) and live(cid)[-1][1] < today]
    assert running and finished
    closed, cut = running[0], finished[0]

    # Closed early after its second session; the sessions after it have passed unheld.
    sessions = live(closed)
    con.execute(
        "UPDATE courses SET closed_on = ? WHERE id = ?", (sessions[1][1].isoformat(), closed)
    )
    later = [sid for sid, d in sessions[2:]]
    con.executemany("DELETE FROM attendance WHERE session_id = ?", [(s,) for s in later])
    con.executemany(
        "UPDATE sessions SET date = ? WHERE id = ?",
        [((today - timedelta(days=1)).isoformat(), sid) for sid in later[:1]],
    )

    # A finished course: a session cancelled with no make-up, and a late joiner.
    sessions = live(cut)
    con.execute("UPDATE sessions SET cancelled = 1 WHERE id = ?", (sessions[2][0],))
    eid = con.execute(
        "SELECT id FROM enrolments WHERE course_id = ? ORDER BY id", (cut,)
    ).fetchone()[0]
    fifth = con.execute("SELECT number FROM sessions WHERE id = ?", (sessions[4][0],)).fetchone()
    con.execute(
        "UPDATE enrolments SET enrolled_on = ?, joined_session = ? WHERE id = ?",
        (sessions[4][1].isoformat(), fifth[0], eid),
    )
    con.executemany(
        "DELETE FROM attendance WHERE enrolment_id = ? AND session_id = ?",
        [(eid, sid) for sid, _ in sessions[:4]],
    )
    # Measures on the thresholds, and float traps (23.45 - 20.45, 28.1 - 30.3).
    people = [e for (e,) in con.execute("SELECT id FROM enrolments WHERE course_id = ?", (cut,))]
    traps = {
        "pain_nrs": [(0, 0), (6, 4), (3, 2), (6, 5), (1, 0), (0, 1)],
        "swemwbs": [(20.45, 23.45), (7.0, 7.0), (21.3, 18.3)],
        "koos_ps": [(30.3, 28.1), (44.1, 44.1), (10.0, 12.2)],
        "chair_stand_30s": [(18, 20), (18, 21), (20, 17)],
    }
    for key, pairs in traps.items():
        for person, (start, end) in zip(people, pairs, strict=False):
            for timepoint, score in (("start", start), ("end", end)):
                con.execute(
                    "INSERT OR REPLACE INTO assessments (enrolment_id, timepoint, instrument_key,"
                    " assessed_on, score, adapted, updated_at) VALUES (?, ?, ?, ?, ?, 0, ?)",
                    (person, timepoint, key, today.isoformat(), score, today.isoformat()),
                )
    # Someone with only a start measure.
    con.execute(
        "DELETE FROM assessments WHERE enrolment_id = ? AND timepoint = 'end'", (people[-1],)
    )

    # A course whose last session is today: still running, nothing left to come.
    other = [cid for cid in finished if cid != cut]
    if other:
        last = live(other[0])[-1][0]
        con.execute("UPDATE sessions SET date = ? WHERE id = ?", (today.isoformat(), last))


def _register_screen_agrees(folder: Path, mine: dict[str, dict]) -> None:
    """The register screen's per-person count and words, for every course."""
    from escape_desktop.context import AppContext
    from escape_desktop.db import queries
    from escape_desktop.ui.register.register_model import COL_ATTENDED, COL_STATUS, RegisterModel

    ctx = AppContext.open(folder)
    try:
        for code, f in mine.items():
            model = RegisterModel(today=date.today())
            with ctx.db.read() as s:
                course = queries.course_by_code(s, code)
                model.set_register(queries.register(s, course.id))
            for i, row in enumerate(model.rows):
                came, held, completed = f["people"][row.enrolment_id]
                assert model.data(model.index(i, COL_ATTENDED)) == f"{came} of {held}", code
                words = str(model.data(model.index(i, COL_STATUS))).lower()
                if f["finished"]:
                    assert (words == "completed") == completed, (code, words)
                else:
                    assert "completed" not in words, (code, words)
    finally:
        ctx.close()


def test_awkward_cases_agree_with_an_independent_calculation(tmp_path, capsys, qtbot, demo_copy):
    folder = demo_copy(tmp_path / "awkward", 1)
    _edit_into_awkward_cases(folder / "escape.db", date.today())
    mine = independent_figures(folder / "escape.db", date.today())
    assert any(f["completers"] is not None and f["sessions_delivered"] == 2 for f in mine.values())
    _compare(folder, capsys)
    _register_screen_agrees(folder, mine)
