"""Gathering the registry report: rows from the database, measure rules from the content library."""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import date
from typing import Any

from sqlalchemy import func, select

from escape_desktop.programme.delivery import DELIVERY_MODES, MODE_WORD, mode_from_code, parse_mode

from .figures import (
    CourseLeftOut,
    GroupFigures,
    MeasureRule,
    PersonRow,
    ReportData,
    group_figures,
    measure_means,
)
from .models import Batch, CourseRecord, Record, Site, SiteKey
from .store import RegistryDatabase

# Names another engineer may give the meaningful-change threshold in the instrument files;
# ``mid`` is today's (minimal important difference).
_THRESHOLD_FIELDS = ("meaningful_change", "meaningful", "mid")
# The follow-up state columns, as the shipped profile (version 4 on) names them; an upload
# made before them has no such column and counts in no follow-up figure.
FOLLOW_UP_COLUMNS = {3: "follow_up_3m", 12: "follow_up_12m"}
# The upload column that says how a course was delivered (profile version 4 on), and the
# group for courses whose files do not say (made before it).
MODE_COLUMN = "delivery_mode"
NOT_RECORDED = "not_recorded"
MODE_NAMES = {**MODE_WORD, NOT_RECORDED: "Not recorded (uploads made before version 4)"}


def row_mode(row_json: str) -> str:
    """A stored row's delivery mode (in_person / virtual / hybrid), or NOT_RECORDED."""
    try:
        cell = json.loads(row_json).get(MODE_COLUMN, "")
    except (ValueError, AttributeError):
        return NOT_RECORDED
    return mode_from_code(cell) or parse_mode(str(cell)) or NOT_RECORDED


def measure_rules(library: Any) -> dict[str, MeasureRule]:
    """Each instrument's direction and meaningful-change threshold, from the content library."""
    rules = {}
    for key, inst in library.instruments.items():
        threshold = None
        for name in _THRESHOLD_FIELDS:
            value = getattr(inst, name, None)
            if isinstance(value, int | float) and not isinstance(value, bool):
                threshold = float(value)
                break
        rules[key] = MeasureRule(
            key,
            inst.name,
            inst.direction,
            threshold,
            "content library" if threshold is not None else "none",
            inst,
        )
    return rules


def outcome_measures(library: Any) -> dict[str, dict[str, str]]:
    """Programme key -> headline domain -> measure key, as each programme template says."""
    return {k: dict(t.outcome_instruments) for k, t in library.templates.items()}


def gather_report(
    db: RegistryDatabase,
    library: Any,
    *,
    date_from: date | None = None,
    date_to: date | None = None,
    made_on: date | None = None,
) -> ReportData:
    rules = measure_rules(library)
    programmes = outcome_measures(library)
    counted_columns, no = _change_counted_columns(library)
    left_out_over_video = 0
    lo = date_from.isoformat() if date_from else ""
    hi = date_to.isoformat() if date_to else "9999-12-31"
    with db.read() as s:
        sites = {code: name for code, name in s.execute(select(Site.code, Site.name))}
        status_of = {(c.site_code, c.course_code): c for c in s.scalars(select(CourseRecord))}
        batches = int(s.scalar(select(func.count()).select_from(Batch)) or 0)
        q = select(
            Record.site_code,
            Record.course_code,
            Record.programme,
            Record.status,
            Record.completed,
            Record.measures,
            Record.course_start,
            Record.sessions_attended,
            Record.row,
        )
        people: dict[str, list[PersonRow]] = defaultdict(list)
        states: dict[str, dict[int, list[str]]] = defaultdict(lambda: defaultdict(list))
        courses_in: set[tuple[str, str]] = set()
        mode_of: dict[tuple[str, str], str] = {}
        by_mode: dict[str, list[PersonRow]] = defaultdict(list)
        for site, course, programme, status, completed, measures, start, went, raw in s.execute(q):
            mode_of.setdefault((site, course), row_mode(raw))
            # "Started" is attended at least once (programme.status): a person not started
            # yet, or who withdrew before coming, has not started.
            if went == 0:
                status = "did_not_start"
            if (date_from or date_to) and not (start and lo <= start <= hi):
                continue
            courses_in.add((site, course))
            row = json.loads(raw) if raw else {}
            for point, column in FOLLOW_UP_COLUMNS.items():
                if row.get(column):
                    states[site][point].append(row[column])
            c = status_of.get((site, course))
            # A change the site leaves out (a test watched over video) stays out here too.
            dropped = frozenset(k for col, k in counted_columns.items() if row.get(col) == no)
            left_out_over_video += len(dropped)
            person = PersonRow(
                site,
                course,
                programme,
                status,
                bool(completed),
                c is not None and c.course_status == "finished",
                {k: tuple(v) for k, v in json.loads(measures).items()},
                dropped,
            )
            people[site].append(person)
            by_mode[mode_of[(site, course)]].append(person)
    # People left out count with their course: only courses that are in the period.
    left: dict[str, list[CourseLeftOut]] = defaultdict(list)
    left_by_mode: dict[str, list[CourseLeftOut]] = defaultdict(list)
    for (site, course), c in status_of.items():
        if (date_from or date_to) and (site, course) not in courses_in:
            continue
        gone = CourseLeftOut(site, course, c.left_out_no_consent, c.left_out_not_asked)
        left[site].append(gone)
        left_by_mode[mode_of.get((site, course), NOT_RECORDED)].append(gone)
    # The same figures for each delivery mode's courses, across every site.
    modes = tuple(
        group_figures(
            mode,
            MODE_NAMES[mode],
            by_mode.get(mode, []),
            left_by_mode.get(mode, []),
            programmes,
            rules,
        )
        for mode in (*DELIVERY_MODES, NOT_RECORDED)
        if by_mode.get(mode) or left_by_mode.get(mode)
    )
    figures = [
        group_figures(
            code,
            sites[code],
            people.get(code, []),
            left.get(code, []),
            programmes,
            rules,
            states.get(code),
        )
        for code in sorted(sites)
        if people.get(code) or left.get(code)
    ]
    overall = group_figures(
        "ALL",
        "All sites",
        [p for code in sorted(people) for p in people[code]],
        [c for code in sorted(left) for c in left[code]],
        programmes,
        rules,
        {
            point: [x for code in sorted(states) for x in states[code].get(point, [])]
            for point in FOLLOW_UP_COLUMNS
        },
    )
    period = "all courses"
    if date_from or date_to:
        period = (
            f"courses starting {date_from.isoformat() if date_from else 'any time'} to "
            f"{date_to.isoformat() if date_to else 'now'}"
        )
    used = sorted({k for f in figures for h in f.headlines for k in h.measures})
    everyone = [p for code in sorted(people) for p in people[code]]
    return ReportData(
        title="Registry report: implementation and outcomes",
        period=period,
        made_on=(made_on or date.today()).isoformat(),
        sites=tuple(figures),
        overall=overall,
        rules=tuple(rules[k] for k in used if k in rules),
        batches=batches,
        means=measure_means(everyone, rules),
        modes=modes,
        notes=(
            (
                f"Tests watched over video: {left_out_over_video} start-to-end changes are left "
                "out of the headline figures and means, as the sites' own setting said in the "
                "upload (chair_stand_change_counted = 0); their values still count as measured.",
            )
            if left_out_over_video
            else ()
        ),
    )


def _change_counted_columns(library: Any) -> tuple[dict[str, str], str]:
    """The upload profile's columns that say a measure's change counts (column -> measure
    key), and the cell that says it does not."""
    from escape_desktop.export.upload_profile import ProfileError, get_profile

    try:
        profile = get_profile(None, None, library)
    except ProfileError:  # no profile to read: no such columns, nothing left out
        return {}, "0"
    columns = {
        c.name: c.source.split(".")[1]
        for c in profile.main.columns
        if c.source.startswith("instrument.") and c.source.endswith(".change_counted")
    }
    return columns, profile.false_value


def site_json(f: GroupFigures) -> dict:
    return f.as_json()


def list_sites(db: RegistryDatabase) -> list[dict]:
    """Each site with its last upload, how many rows the registry holds and uploads loaded."""
    with db.read() as s:
        people = dict(
            s.execute(select(Record.site_code, func.count()).group_by(Record.site_code)).all()
        )
        batches = dict(
            s.execute(select(Batch.site_code, func.count()).group_by(Batch.site_code)).all()
        )
        courses = dict(
            s.execute(
                select(CourseRecord.site_code, func.count()).group_by(CourseRecord.site_code)
            ).all()
        )
        unsigned = dict(
            s.execute(
                select(Batch.site_code, func.count())
                .where(Batch.signed.is_not(True))
                .group_by(Batch.site_code)
            ).all()
        )
        last_signed = {
            code: bool(ok) for code, ok in s.execute(select(Batch.batch_id, Batch.signed)).all()
        }
        keys = dict(
            s.execute(select(SiteKey.site_code, func.count()).group_by(SiteKey.site_code)).all()
        )
        loads: dict[str, list[dict]] = {}
        for b in s.scalars(select(Batch).order_by(Batch.id)):  # the order they were loaded
            loads.setdefault(b.site_code, []).append(
                {
                    "batch_id": b.batch_id,
                    "file": b.file_name,
                    "sha256": b.sha256,
                    "exported_at": b.exported_at,
                    "loaded_at": b.loaded_at,
                    "loaded_by": b.loaded_by,  # null: loaded before who was recorded
                    "rows": b.rows,
                    "rows_added": b.rows_loaded,
                    "signed": bool(b.signed),
                    "superseded_by": b.superseded_by,
                }
            )
        return [
            {
                "code": site.code,
                "name": site.name,
                "last_batch_id": site.last_batch_id,
                "last_exported_at": site.last_exported_at,
                "last_loaded_at": site.last_loaded_at,
                "people": int(people.get(site.code, 0)),
                "courses": int(courses.get(site.code, 0)),
                "batches": int(batches.get(site.code, 0)),
                # "signed": the last upload's signature was checked against a registered key;
                # "unsigned": it was not signed, or the site had no key registered.
                "signature": "signed" if last_signed.get(site.last_batch_id) else "unsigned",
                "unsigned_uploads": int(unsigned.get(site.code, 0)),
                "keys_registered": int(keys.get(site.code, 0)),
                # Every upload loaded for the site, oldest load first: who, when, which file.
                "loads": loads.get(site.code, []),
            }
            # Sorted here, not by the server: its collation may order codes otherwise.
            for site in sorted(s.scalars(select(Site)), key=lambda site: site.code)
        ]
