"""Figures by delivery mode, as a commissioner would check them from the database file alone.

Worked out with plain sqlite3 and the words of docs/figures.md ("Virtual and hybrid
classes"); the app is asked only through `courses --json` and `outcomes --json`. The demo
holds a virtual course, a hybrid one with sessions moved online and people joining over
video, and an in-person course that moved one session online.
"""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing
from datetime import date
from pathlib import Path

import pytest

from escape_desktop.cli import main


def _day(value: object) -> date:
    return date.fromisoformat(str(value)[:10])


def by_place(db: Path, today: date) -> dict[str, dict]:
    """Per course code: its mode, sessions held in the hall and online, places and present
    marks at each, and present marks in the room and over video."""
    out: dict[str, dict] = {}
    with closing(sqlite3.connect(db)) as con:
        assert not con.execute(
            "SELECT count(*) FROM courses WHERE closed_on IS NOT NULL"
        ).fetchone()[0]
        for cid, code, mode in con.execute("SELECT id, code, delivery_mode FROM courses"):
            held = {
                sid: (number, mode == "virtual" or bool(online))
                for sid, number, d, cancelled, online in con.execute(
                    "SELECT id, number, date, cancelled, online FROM sessions WHERE course_id = ?",
                    (cid,),
                )
                if not cancelled and _day(d) <= today
            }
            f = {
                "mode": mode,
                "hall": sum(1 for _, online in held.values() if not online),
                "online": sum(1 for _, online in held.values() if online),
                "places": {False: 0, True: 0},
                "present": {False: 0, True: 0},
                "in_room": 0,
                "over_video": 0,
            }
            people = con.execute(
                "SELECT id, status, withdrawn_on, joined_session FROM enrolments WHERE course_id = ?",
                (cid,),
            ).fetchall()
            for eid, status, withdrawn_on, joined in people:
                marks = {
                    sid: (mark, bool(j))
                    for sid, mark, j in con.execute(
                        "SELECT session_id, mark, joined_online FROM attendance WHERE enrolment_id = ?",
                        (eid,),
                    )
                }
                for sid, (number, online) in held.items():
                    mark, joined_online = marks.get(sid, (None, False))
                    session_day = _day(
                        con.execute("SELECT date FROM sessions WHERE id = ?", (sid,)).fetchone()[0]
                    )
                    if mark == "present":
                        counts = True
                    elif (
                        status == "withdrawn" and withdrawn_on and session_day > _day(withdrawn_on)
                    ):
                        counts = False
                    else:
                        counts = mark is not None or number >= (joined or 1)
                    if not counts:
                        continue
                    f["places"][online] += 1
                    if mark == "present":
                        f["present"][online] += 1
                        if online or (mode == "hybrid" and joined_online):
                            f["over_video"] += 1
                        else:
                            f["in_room"] += 1
            out[code] = f
    return out


@pytest.fixture(scope="module")
def demo_folder(tmp_path_factory, demo_copy) -> Path:
    return demo_copy(tmp_path_factory.mktemp("delivery-demo") / "data", 5)


def _json(capsys, *args: str) -> object:
    capsys.readouterr()
    assert main(list(args)) == 0
    return json.loads(capsys.readouterr().out)


def _check(app: dict, mine: dict) -> None:
    assert app["sessions"] == {"in_hall": mine["hall"], "online": mine["online"]}
    for where, online in (("in_hall", False), ("online", True)):
        rate = app["attendance_rate"][where]
        assert (rate["numerator"], rate["denominator"]) == (
            mine["present"][online],
            mine["places"][online],
        )
    assert app["attendances"] == {"in_room": mine["in_room"], "online": mine["over_video"]}


def test_the_demo_has_a_virtual_and_a_hybrid_course_with_sessions_moved_online(demo_folder):
    with closing(sqlite3.connect(demo_folder / "escape.db")) as con:
        modes = [m for (m,) in con.execute("SELECT delivery_mode FROM courses")]
        moved = con.execute(
            "SELECT count(*) FROM sessions s JOIN courses c ON c.id = s.course_id"
            " WHERE c.delivery_mode = 'hybrid' AND s.online AND s.online_reason != ''"
        ).fetchone()[0]
        joined = con.execute("SELECT count(*) FROM attendance WHERE joined_online").fetchone()[0]
    assert modes.count("virtual") == 1 and modes.count("hybrid") == 1
    assert moved >= 2 and joined > 0


def test_courses_json_gives_the_mode_and_figures_by_place(demo_folder, capsys):
    today = date.today()
    listing = _json(capsys, "courses", "--json", "--data-dir", str(demo_folder))
    mine = by_place(demo_folder / "escape.db", today)
    assert {c["code"] for c in listing} == set(mine)
    for course in listing:
        expected = mine[course["code"]]
        assert course["delivery_mode"] == expected["mode"]
        assert course["sessions_online"] == expected["online"]
        _check(course["by_place"], expected)


def test_outcomes_json_gives_figures_by_place_and_by_mode(demo_folder, capsys):
    today = date.today()
    mine = by_place(demo_folder / "escape.db", today)
    listing = _json(capsys, "courses", "--json", "--data-dir", str(demo_folder))
    for code, expected in mine.items():
        one = _json(capsys, "outcomes", "--course", code, "--json", "--data-dir", str(demo_folder))
        assert one["delivery_mode"] == expected["mode"]
        _check(one["by_place"], expected)
        assert list(one["by_mode"]) == [expected["mode"]]
    every = _json(
        capsys,
        "outcomes",
        "--from",
        "2000-01-01",
        "--to",
        "2100-01-01",
        "--json",
        "--data-dir",
        str(demo_folder),
    )
    assert every["delivery_mode"] is None
    assert set(every["by_mode"]) == {"in_person", "virtual", "hybrid"}
    for mode, group in every["by_mode"].items():
        codes = {c for c, f in mine.items() if f["mode"] == mode}
        assert set(group["courses"]) == codes
        # attendance of the mode's courses: present marks over places, hall and online together
        present = sum(mine[c]["present"][w] for c in codes for w in (False, True))
        places = sum(mine[c]["places"][w] for c in codes for w in (False, True))
        assert (group["attendance"]["numerator"], group["attendance"]["denominator"]) == (
            present,
            places,
        )
        finished = [c for c in listing if c["code"] in codes and c["status"] == "finished"]
        if finished:
            assert group["completers"] == sum(c["completers"] for c in finished)
        else:
            assert group["completers"] is None
    total = every["by_place"]
    assert total["sessions"]["online"] == sum(f["online"] for f in mine.values())
    assert total["attendances"]["online"] == sum(f["over_video"] for f in mine.values())


def test_course_new_takes_the_delivery_mode(tmp_path, capsys):
    data = tmp_path / "data"
    capsys.readouterr()
    assert main(
        [
            "course", "new", "--title", "Video backs", "--programme", "back",
            "--start", "2027-01-04", "--weekdays", "mon,thu", "--delivery", "virtual",
            "--json", "--data-dir", str(data),
        ]
    ) == 0  # fmt: skip
    made = json.loads(capsys.readouterr().out)
    assert made["delivery_mode"] == "virtual"
    listing = _json(capsys, "courses", "--json", "--data-dir", str(data))
    assert [c["delivery_mode"] for c in listing] == ["virtual"]
    with pytest.raises(SystemExit) as refused:  # argparse: one usage line, exit 2
        main(["course", "new", "--title", "X", "--start", "2027-01-04", "--weekdays", "mon",
              "--delivery", "pigeon", "--data-dir", str(data)])  # fmt: skip
    assert refused.value.code == 2
