"""Gathering the registry report: rows from the database, measure rules from the content library."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Float, and_, case, cast, func, not_, or_, select

from escape_desktop.i18n import N_, _, ui_date
from escape_desktop.programme.delivery import DELIVERY_MODES, MODE_WORD, mode_from_code, parse_mode

from .figures import (
    DOMAINS,
    CourseLeftOut,
    GroupFigures,
    GroupTally,
    MeasureMean,
    MeasureRule,
    ReportData,
    YearFigures,
    classify,
    financial_year_dates,
)
from .models import Batch, CourseRecord, Record, Site, SiteKey
from .sql_cells import EQUALITY_ITEMS
from .sql_cells import financial_year_of as _financial_year
from .sql_cells import grouped_rows as _grouped_rows
from .sql_cells import json_text as _json_text
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
# The overall group's name: English in the figure files, translated where printed.
ALL_SITES = N_("All sites")
MODE_NAMES = {**MODE_WORD, NOT_RECORDED: N_("Not recorded (uploads made before version 4)")}


def _mode_of_cell(cell: Any) -> str:
    """An upload's delivery-mode cell as a mode (in_person / virtual / hybrid), or
    NOT_RECORDED when the file does not say (made before version 4)."""
    cell = "" if cell is None else str(cell)
    return mode_from_code(cell) or parse_mode(cell) or NOT_RECORDED


def period_words(date_from: date | None, date_to: date | None, year: str | None) -> str:
    """The report's period in the current language ("all courses", a financial year's dates)."""
    if year is not None and date_from and date_to:
        return _("financial year {year}: courses starting {start} to {end}").format(
            year=year, start=ui_date(date_from, "long"), end=ui_date(date_to, "long")
        )
    if date_from or date_to:
        return _("courses starting {start} to {end}").format(
            start=ui_date(date_from, "medium") if date_from else _("any time"),
            end=ui_date(date_to, "medium") if date_to else _("now"),
        )
    return _("all courses")


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
            N_("content library") if threshold is not None else "none",
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
    year: str | None = None,
) -> ReportData:
    """The report's figures, added up by the database (GROUP BY on SQLite and PostgreSQL
    alike): Python sees one row per kind of person per site, never a row per person, and
    decides each kind's change with the programme's own rules (programme.outcomes)."""
    asked_year = year  # the loops below read each row's calendar year into "year"
    if year is not None:  # a financial year: its courses, by their first session
        dates = financial_year_dates(year)
        if dates is None:
            raise ValueError(f"not a financial year: {year!r}")
        date_from, date_to = dates
    rules = measure_rules(library)
    programmes = outcome_measures(library)
    left_out_over_video = 0
    with db.read() as s:
        dialect = s.get_bind().dialect.name

        def measure(key: str, index: int) -> Any:
            if dialect == "postgresql":  # jsonb (version 4): no text parsed again per figure
                return cast(func.jsonb_extract_path_text(Record.measures, key, str(index)), Float)
            return cast(_json_text(dialect, Record.measures, key, index), Float)

        def left_out(key: str) -> Any:  # the site left this measure's change out (over video)
            held = func.coalesce(Record.changes_left_out, "")  # ",key,key," (version 5)
            return held.contains(f",{key},", autoescape=True)

        sites = {code: name for code, name in s.execute(select(Site.code, Site.name))}
        status_of = {(c.site_code, c.course_code): c for c in s.scalars(select(CourseRecord))}
        batches = int(s.scalar(select(func.count()).select_from(Batch)) or 0)
        in_period: list[Any] = []
        if date_from or date_to:
            in_period = [
                Record.course_start != "",
                Record.course_start >= (date_from.isoformat() if date_from else ""),
                Record.course_start <= (date_to.isoformat() if date_to else "9999-12-31"),
            ]
        mode_cell = func.coalesce(Record.delivery_mode, "")  # the row's MODE_COLUMN cell
        # "Started" is attended at least once (programme.status): a person not started yet,
        # or who withdrew before coming, has not started.
        started = case(
            (or_(Record.sessions_attended == 0, Record.status == "did_not_start"), 0), else_=1
        )
        completed = case((Record.completed != 0, 1), else_=0)
        finished = case((CourseRecord.course_status == "finished", 1), else_=0)
        joined = (
            select()
            .select_from(Record)
            .outerjoin(
                CourseRecord,
                and_(
                    CourseRecord.site_code == Record.site_code,
                    CourseRecord.course_code == Record.course_code,
                ),
            )
            .where(*in_period)
        )

        # The financial year (1 April to 31 March) of the course's first session: its year,
        # and whether it fell before April (then the year began the calendar year before).
        calendar_year = func.substr(Record.course_start, 1, 4)
        before_april = case((func.substr(Record.course_start, 6, 2) < "04", 1), else_=0)

        def tally(*columns: Any, where: tuple = (), first: bool = False) -> Any:
            """Each distinct combination of the site, delivery mode, financial year and
            ``columns`` with how many people have it (and the first record's id): grouped on a
            subquery's (on SQLite a materialized CTE's) columns, so PostgreSQL sees the very same expressions in the GROUP BY
            as in the SELECT."""
            everything = (Record.site_code, mode_cell, calendar_year, before_april, *columns)
            inner = _grouped_rows(
                dialect,
                joined.add_columns(
                    Record.id, *(c.label(f"c{i}") for i, c in enumerate(everything))
                ).where(*where),
                "tallied",
            )
            keys = [inner.c[f"c{i}"] for i in range(len(everything))]
            extra = [func.min(inner.c.id)] if first else []
            return s.execute(select(*keys, *extra, func.count()).group_by(*keys)).all()

        by_site: dict[str, GroupTally] = {}
        by_mode: dict[str, GroupTally] = {}
        by_year: dict[str, GroupTally] = {}
        by_year_site: dict[tuple[str, str], GroupTally] = {}
        overall = GroupTally("ALL", ALL_SITES)

        def groups(
            site: str, cell_value: str, year: str, early: int
        ) -> list[tuple[GroupTally, str]]:
            """The groups a person counts in, each with its kind (site, mode or national): their
            site, their course's delivery mode, all sites, and the same two for their year."""
            mode = _mode_of_cell(cell_value)
            if site not in by_site:
                by_site[site] = GroupTally(site, sites.get(site, site))
            if mode not in by_mode:
                by_mode[mode] = GroupTally(mode, MODE_NAMES[mode])
            out = [(by_site[site], "site"), (by_mode[mode], "mode"), (overall, "national")]
            fy = _financial_year(year, early)
            if fy is not None:
                if fy not in by_year:
                    by_year[fy] = GroupTally("ALL", ALL_SITES)
                if (fy, site) not in by_year_site:
                    by_year_site[(fy, site)] = GroupTally(site, sites.get(site, site))
                out += [(by_year_site[(fy, site)], "site"), (by_year[fy], "national")]
            return out

        # Each kind of change decided once (programme.outcomes), however many groups it is in.
        changes: dict[tuple[str, float, float], tuple[bool, bool | None]] = {}

        def change_of(key: str, start: float, end: float) -> tuple[bool, bool | None]:
            if (key, start, end) not in changes:
                changes[(key, start, end)] = classify(rules[key], start, end)
            return changes[(key, start, end)]

        # Each course in the period, with its delivery mode (the one its rows say).
        mode_of: dict[tuple[str, str], str] = {}
        year_of: dict[tuple[str, str], str | None] = {}
        courses = tally(Record.course_code)
        for site, cell_value, year, early, course, _n in sorted(
            courses, key=lambda r: (r[0], r[4], r[1], r[2], r[3])
        ):
            if (site, course) in mode_of:
                continue  # rows of one course that disagree: the first in order counts
            mode_of[(site, course)] = _mode_of_cell(cell_value)
            year_of[(site, course)] = _financial_year(year, early)
            for g, _kind in groups(site, cell_value, year, early):
                g.add_course(site, course)
        # The funnel; a programme's measures are listed in the order its people first appear.
        for site, cell_value, year, early, programme, went, done, over, first, n in tally(
            Record.programme, started, completed, finished, first=True
        ):
            for g, kind in groups(site, cell_value, year, early):
                seen = (site, first) if kind == "national" else (first,)
                g.add_people(programme, bool(went), bool(done), bool(over), n, seen)
        for programme, domains in sorted(programmes.items()):
            mine = Record.programme == programme
            # The headline proportions: people alike in their start and end values.
            for domain, key in sorted(domains.items()):
                if domain not in DOMAINS or key not in rules:
                    continue
                start, end, dropped = measure(key, 0), measure(key, 1), left_out(key)
                for site, cell_value, year, early, a, b, out, n in tally(
                    start,
                    end,
                    case((dropped, 1), else_=0),
                    where=(mine, start.is_not(None), end.is_not(None)),
                ):
                    change = change_of(key, float(a), float(b))
                    for g, _kind in groups(site, cell_value, year, early):
                        g.add_change(domain, change, bool(out), n)
            # Completeness: starters with every headline measure at the start (and the end).
            keys = sorted({k for k in domains.values() if k in rules})
            if not keys:
                continue
            all_start = case((and_(*(measure(k, 0).is_not(None) for k in keys)), 1), else_=0)
            all_both = case(
                (and_(*(measure(k, i).is_not(None) for k in keys for i in (0, 1))), 1), else_=0
            )
            for site, cell_value, year, early, over, with_start, with_both, n in tally(
                finished, all_start, all_both, where=(mine, started == 1)
            ):
                for g, _kind in groups(site, cell_value, year, early):
                    g.add_completeness(bool(over), bool(with_start), bool(with_both), n)
        # Follow-up at 3 and 12 months, per site and overall (not per delivery mode).
        for point, column in FOLLOW_UP_COLUMNS.items():
            state = func.coalesce(getattr(Record, column), "")  # the row's cell (version 5)
            for site, cell_value, year, early, value, n in tally(state, where=(state != "",)):
                for g, kind in groups(site, cell_value, year, early):
                    if kind != "mode":
                        g.add_follow_up(point, value, n)
        # Each measure's means across every site, and the changes left out over video: one
        # pass over the rows, a sum and a count for each measure.
        columns: list[Any] = []
        for key in sorted(rules):
            start, end, dropped = measure(key, 0), measure(key, 1), left_out(key)
            counted = and_(start.is_not(None), end.is_not(None), not_(dropped))
            columns += [
                func.sum(case((counted, 1), else_=0)),
                func.sum(case((counted, start), else_=None)),
                func.sum(case((counted, end), else_=None)),
                func.sum(case((dropped, 1), else_=0)),
            ]
        sums = list(s.execute(joined.add_columns(*columns)).one())
        means = []
        for i, key in enumerate(sorted(rules)):
            rule = rules[key]
            n, total_start, total_end, dropped_n = sums[4 * i : 4 * i + 4]
            left_out_over_video += int(dropped_n or 0)
            if not n:
                continue
            mean_start, mean_end = float(total_start) / int(n), float(total_end) / int(n)
            decimals = rule.instrument.decimals if rule.instrument is not None else 1
            means.append(
                MeasureMean(
                    key,
                    rule.name,
                    int(n),
                    mean_start,
                    mean_end,
                    mean_end - mean_start,
                    decimals,
                    rule.direction,
                )
            )
    # People left out count with their course: only courses that are in the period.
    for (site, course), c in status_of.items():
        if (date_from or date_to) and (site, course) not in mode_of:
            continue
        gone = CourseLeftOut(site, course, c.left_out_no_consent, c.left_out_not_asked)
        mode = mode_of.get((site, course), NOT_RECORDED)
        by_site.setdefault(site, GroupTally(site, sites.get(site, site))).add_left_out(gone)
        by_mode.setdefault(mode, GroupTally(mode, MODE_NAMES[mode])).add_left_out(gone)
        overall.add_left_out(gone)
        fy = year_of.get((site, course))
        if fy is not None:
            by_year.setdefault(fy, GroupTally("ALL", ALL_SITES)).add_left_out(gone)
            by_year_site.setdefault(
                (fy, site), GroupTally(site, sites.get(site, site))
            ).add_left_out(gone)
    # The same figures for each delivery mode's courses, across every site.
    modes = tuple(
        by_mode[mode].figures(programmes, rules)
        for mode in (*DELIVERY_MODES, NOT_RECORDED)
        if mode in by_mode
    )
    figures = [by_site[code].figures(programmes, rules) for code in sorted(by_site)]
    period = period_words(date_from, date_to, asked_year)
    used = sorted({k for f in figures for h in f.headlines for k in h.measures})
    from .equality import equality_report  # it builds on this module

    # The same courses as every other figure: the period's, by their first session.
    equality = equality_report(db, date_from=date_from, date_to=date_to)
    return ReportData(
        title=N_("Registry report: implementation and outcomes"),
        period=period,
        made_on=(made_on or date.today()).isoformat(),
        sites=tuple(figures),
        overall=overall.figures(programmes, rules),
        rules=tuple(rules[k] for k in used if k in rules),
        batches=batches,
        means=tuple(means),
        modes=modes,
        years=tuple(
            YearFigures(
                fy,
                tuple(
                    by_year_site[(fy, code)].figures(programmes, rules)
                    for code in sorted(code for y, code in by_year_site if y == fy)
                ),
                by_year[fy].figures(programmes, rules),
            )
            for fy in sorted(by_year)
        ),
        equality=equality,
        left_out_over_video=left_out_over_video,
    )


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
        # Which equality items (issue 30) the site's uploads carry as columns, answered or
        # blank: the items alone, never a count of answers (those are suppressed, equality.py).
        equality_items: dict[str, list[str]] = {}
        for item in EQUALITY_ITEMS:
            carried = select(Record.site_code).where(getattr(Record, item).is_not(None))
            for (code,) in s.execute(carried.distinct()):
                equality_items.setdefault(code, []).append(item)
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
                    "profile": b.profile_name,
                    "profile_version": b.profile_version,  # 5 and later: equality columns
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
                # The equality items its people's rows carry (ethnic_category, stated_sex,
                # gender_identity); empty when every upload was made before profile 5.
                "equality_items": equality_items.get(site.code, []),
                # Every upload loaded for the site, oldest load first: who, when, which file.
                "loads": loads.get(site.code, []),
            }
            # Sorted here, not by the server: its collation may order codes otherwise.
            for site in sorted(s.scalars(select(Site)), key=lambda site: site.code)
        ]
