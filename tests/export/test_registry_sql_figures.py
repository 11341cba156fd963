"""The registry report's figures are added up by the database (GROUP BY), on SQLite and on
PostgreSQL: over random small registries they equal a plain count, person by person, of the
definitions (figures.py's docstring, DOMAIN.md), written here without the report's code."""

from __future__ import annotations

import json
import math
from datetime import date
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from registry_engines import Engine, pg_server, registry_engine  # noqa: F401
from sqlalchemy import delete, insert

from escape_desktop.library import load_library
from escape_desktop.programme.outcomes import classify_change
from escape_desktop.registry.models import Batch, CourseRecord, Record, Site
from escape_desktop.registry.report import gather_report, measure_rules, outcome_measures
from escape_desktop.registry.store import open_registry_at
from tests.export.registry_rows import add_site_with_batch

LIBRARY = load_library()
RULES = measure_rules(LIBRARY)
PROGRAMMES = outcome_measures(LIBRARY)
MEASURES = ("chair_stand_30s", "pain_nrs", "msk_hq", "swemwbs", "koos_ps")
STATUSES = ("completed", "did_not_complete", "did_not_start", "in_progress", "withdrawn")
FOLLOW_UP = ("", "upcoming", "due", "overdue", "done", "unreachable", "declined", "not_asked")
MODES = ("", "1", "2", "3")  # not recorded, in person, virtual, hybrid

value = st.one_of(st.none(), st.integers(0, 12), st.sampled_from([0.5, 2.25, 7.5]))
person = st.fixed_dictionaries(
    {
        "programme": st.sampled_from([*sorted(PROGRAMMES), "retired_programme"]),
        "status": st.sampled_from(STATUSES),
        "attended": st.one_of(st.none(), st.integers(0, 12)),
        "completed": st.sampled_from([None, 0, 1]),
        "measures": st.fixed_dictionaries({k: st.tuples(value, value) for k in MEASURES}),
        "counted": st.sampled_from(["", "1", "0"]),
        "follow_up_3m": st.sampled_from(FOLLOW_UP),
        "follow_up_12m": st.sampled_from(FOLLOW_UP),
    }
)
course = st.fixed_dictionaries(
    {
        "finished": st.booleans(),
        "listed": st.booleans(),  # the upload's manifest names the course
        "mode": st.sampled_from(MODES),
        "start": st.sampled_from(["2025-03-03", "2025-09-01", "2026-04-01", ""]),
        "no_consent": st.integers(0, 2),
        "not_asked": st.integers(0, 2),
        "people": st.lists(person, max_size=5),
    }
)
registry = st.lists(st.lists(course, min_size=1, max_size=3), min_size=1, max_size=3)


def _fill(db, sites: list[list[dict]]) -> None:  # type: ignore[no-untyped-def]
    with db.transaction() as s:
        for table in (Record, CourseRecord, Batch, Site):
            s.execute(delete(table))
        for i, courses in enumerate(sites):
            code = f"S{i}"
            batch = add_site_with_batch(s, code, f"Site {i} (demo)", f"b{i}", profile_version="4")
            for j, c in enumerate(courses):
                if c["listed"]:
                    s.execute(
                        insert(CourseRecord).values(
                            site_code=code,
                            course_code=f"C{j}",
                            batch=batch,
                            exported_at="",
                            course_status="finished" if c["finished"] else "running",
                            left_out_no_consent=c["no_consent"],
                            left_out_not_asked=c["not_asked"],
                        )
                    )
                for k, p in enumerate(c["people"]):
                    measures = {m: [a, b, None] for m, (a, b) in p["measures"].items()}
                    s.execute(
                        insert(Record).values(
                            site_code=code,
                            course_code=f"C{j}",
                            participant_code=f"P{k}",
                            batch=batch,
                            exported_at="",
                            programme=p["programme"],
                            course_start=c["start"],
                            status=p["status"],
                            sessions_delivered=None,
                            sessions_attended=p["attended"],
                            completed=p["completed"],
                            delivery_mode=c["mode"],  # its own column since version 4
                            # and these since version 5, as the loader files the row's cells
                            follow_up_3m=p["follow_up_3m"],
                            follow_up_12m=p["follow_up_12m"],
                            changes_left_out=",chair_stand_30s," if p["counted"] == "0" else None,
                            # jsonb on PostgreSQL (the object itself), JSON text on SQLite
                            measures=measures
                            if getattr(db, "dialect", "sqlite") == "postgresql"
                            else json.dumps(measures),
                            row=json.dumps(
                                {
                                    "delivery_mode": c["mode"],
                                    "chair_stand_change_counted": p["counted"],
                                    "follow_up_3m": p["follow_up_3m"],
                                    "follow_up_12m": p["follow_up_12m"],
                                }
                            ),
                        )
                    )


def _expected(sites: list[list[dict]], keep, only_with_people: bool) -> dict:  # type: ignore[no-untyped-def]
    """Each site's figures (and all sites') counted person by person from the definitions,
    over the courses ``keep`` says; a course nobody from is in the registry counts (with the
    people left out of it) only when ``only_with_people`` is false."""
    out: dict = {}
    everyone: list[tuple[dict, dict]] = []
    all_listed: list[dict] = []
    for i, courses in enumerate(sites):
        kept = [c for c in courses if keep(c)]
        people = [(c, p) for c in kept for p in c["people"]]
        listed = [c for c in kept if c["listed"] and (c["people"] or not only_with_people)]
        everyone += people
        all_listed += listed
        if people or listed:
            held = {id(c) for c, _ in people} | {id(c) for c in listed}
            out[f"S{i}"] = _figures(people, listed, len(held))
    held = {id(c) for c, _ in everyone} | {id(c) for c in all_listed}
    out["ALL"] = _figures(everyone, all_listed, len(held))
    return out


def _financial_year(start: str) -> str | None:
    """Worked out here by hand: 1 April to 31 March."""
    if not start:
        return None
    y, m = int(start[:4]), int(start[5:7])
    first = y if m >= 4 else y - 1
    return f"{first}-{str(first + 1)[2:]}"


def _figures(people: list[tuple[dict, dict]], listed: list[dict], courses: int) -> dict:
    started = [(c, p) for c, p in people if p["status"] != "did_not_start" and p["attended"] != 0]
    finished = [(c, p) for c, p in started if c["finished"] and c["listed"]]
    left = sum(c["no_consent"] + c["not_asked"] for c in listed)
    figures: dict = {
        "courses": courses,
        "enrolled": len(people) + left,
        "agreed_to_share": len(people),
        "started": len(started),
        "completion": (sum(1 for _, p in finished if p["completed"]), len(finished)),
    }
    for domain in ("function", "pain", "wellbeing"):
        improved = den = meaningful = mean_den = over_video = 0
        for _, p in people:
            key = PROGRAMMES.get(p["programme"], {}).get(domain)
            if key is None:
                continue
            a, b = p["measures"][key]
            if a is None or b is None:
                continue
            if key == "chair_stand_30s" and p["counted"] == "0":
                over_video += 1
                continue
            den += 1
            change = classify_change(RULES[key].instrument, a, b)
            improved += change.improved
            if change.meaningful is not None:
                mean_den += 1
                meaningful += change.meaningful
        figures[domain] = (improved, den, meaningful, mean_den, over_video)
    with_start = with_both = finished_both = 0
    for c, p in started:
        keys = set(PROGRAMMES.get(p["programme"], {}).values())
        if not keys:
            continue
        if all(p["measures"][k][0] is not None for k in keys):
            with_start += 1
            if all(p["measures"][k][1] is not None for k in keys):
                with_both += 1
                finished_both += c["finished"] and c["listed"]
    figures["completeness"] = (with_start, with_both, finished_both)
    return figures


def _got(f) -> dict:  # type: ignore[no-untyped-def]
    j = f.as_json()
    figures: dict = {
        "courses": j["courses"],
        "enrolled": j["funnel"]["enrolled"],
        "agreed_to_share": j["funnel"]["agreed_to_share"],
        "started": j["funnel"]["started"],
        "completion": (f.completion.numerator, f.completion.denominator),
    }
    for h in f.headlines:
        m = h.meaningful or type(h.improved)(0, 0)
        figures[h.domain] = (
            h.improved.numerator,
            h.improved.denominator,
            m.numerator,
            m.denominator,
            h.left_out,
        )
    figures["completeness"] = (f.with_start, f.with_both, f.finished_with_both)
    return figures


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(sites=registry, date_from=st.sampled_from([None, date(2025, 9, 1)]))
def test_the_databases_figures_equal_a_count_person_by_person(
    sites: list[list[dict]],
    date_from: date | None,
    registry_engine: Engine,  # noqa: F811
    tmp_path: Path,
) -> None:
    folder = tmp_path / "registry"
    db = open_registry_at(folder, registry_engine.url_for(folder))
    try:
        _fill(db, sites)
        data = gather_report(db, LIBRARY, date_from=date_from)
    finally:
        db.dispose()
    lo = date_from.isoformat() if date_from else None

    def in_period(c: dict) -> bool:
        return lo is None or bool(c["start"] and c["start"] >= lo)

    expected = _expected(sites, in_period, lo is not None)
    assert {f.code: _got(f) for f in data.sites} | {"ALL": _got(data.overall)} == expected
    # Per financial year (by the course's first session): the same count over that year's
    # courses; the years in the report are those with anybody in them.
    years = {
        _financial_year(c["start"]) for cs in sites for c in cs if in_period(c) and c["people"]
    }
    assert [y.year for y in data.years] == sorted(y for y in years if y is not None)
    for y in data.years:
        expected = _expected(
            sites, lambda c, y=y: in_period(c) and _financial_year(c["start"]) == y.year, True
        )
        assert {f.code: _got(f) for f in y.sites} | {"ALL": _got(y.overall)} == expected
    # Follow-up per site: each state counted once per person asked.
    for f in data.sites:
        courses = sites[int(f.code[1:])]
        for counts in f.follow_up:
            states = [
                p[f"follow_up_{counts.point}m"]
                for c in courses
                if lo is None or (c["start"] and c["start"] >= lo)
                for p in c["people"]
            ]
            assert counts.done == states.count("done")
            assert counts.due == states.count("due") and counts.overdue == states.count("overdue")
            assert counts.followed == sum(
                states.count(x)
                for x in ("upcoming", "due", "overdue", "done", "unreachable", "declined")
            )
    # Each measure's means over everyone with a start and an end value whose change counts.
    people = [
        p
        for cs in sites
        for c in cs
        if lo is None or (c["start"] and c["start"] >= lo)
        for p in c["people"]
    ]
    means = {m.key: m for m in data.means}
    for key in MEASURES:
        pairs = [
            p["measures"][key]
            for p in people
            if None not in p["measures"][key]
            and not (key == "chair_stand_30s" and p["counted"] == "0")
        ]
        if not pairs:
            assert key not in means
            continue
        assert means[key].n == len(pairs)
        assert math.isclose(means[key].mean_start, sum(a for a, _ in pairs) / len(pairs))
        assert math.isclose(means[key].mean_end, sum(b for _, b in pairs) / len(pairs))
    # Delivery modes: every person is in exactly one mode's figures.
    assert sum(m.enrolled for m in data.modes) == data.overall.enrolled
