"""The JSON the command line prints (``--json``): the services' results as plain objects.

Presentation, kept out of the services: the field names here are the command-line contract
that scripts and checks depend on.
"""

from __future__ import annotations

from typing import Any

from escape_desktop.programme.content import Station
from escape_desktop.programme.progression import format_dose
from escape_desktop.services.circuit import Cell, CircuitGrid
from escape_desktop.services.circuit.grid import level_name
from escape_desktop.services.measures import (
    CourseOutcomes,
    InstrumentResult,
    InstrumentSummary,
    ModeGroup,
    ParticipantOutcome,
    Proportion,
)


def cell_json(cell: Cell, station: Station) -> dict[str, Any]:
    sugg = None
    if cell.suggestion is not None:
        lv = cell.suggestion.level
        sugg = {
            "action": cell.suggestion.action,
            "level": lv + 1,
            "level_name": level_name(station, lv),
            "target_dose": cell.suggestion.target_dose,
            "dose": format_dose(station, cell.suggestion.target_dose),
            "reason": cell.suggestion.reason,
        }
    return {
        "level": cell.level + 1,
        "level_name": cell.level_name,
        "target_dose": cell.target_dose,
        "dose": cell.dose_text,
        "dose_achieved": cell.dose_achieved,
        "pain": cell.pain,
        "effort": cell.effort,
        "note": cell.note,
        "recorded": cell.recorded,
        "suggestion": sugg,
        "decision": cell.decision,
    }


def circuit_json(grid: CircuitGrid) -> dict[str, Any]:
    return {
        "course": grid.course_code,
        "session": {
            "number": grid.session_number,
            "date": grid.session_date.isoformat(),
            "topic": grid.session_topic,
            "cancelled": grid.session_cancelled,
            "online": grid.session_online,
        },
        "delivery_mode": grid.delivery_mode,
        "stations": [
            {
                "key": st.key,
                "name": st.name,
                "dose_unit": st.dose_unit,
                "levels": list(st.level_names),
                "active": st.key not in grid.inactive,
                "home": grid.home_version(st.key),
            }
            for st in grid.stations
        ],
        "rows": [
            {
                "enrolment_id": r.enrolment_id,
                "participant": r.name,
                "code": r.code,
                "attendance": r.attendance,
                "needs_review": r.needs_review,
                "at_home": r.at_home,
                "status_note": "needs review before starting" if r.needs_review else "",
                "cells": {
                    key: cell_json(cell, grid.station_defs[key]) for key, cell in r.cells.items()
                },
            }
            for r in grid.rows
        ],
    }


def result_json(r: InstrumentResult) -> dict[str, Any]:
    return {
        "instrument": r.instrument_key,
        "name": r.name,
        "unit": r.unit,
        "direction": r.direction,
        "start": r.start,
        "end": r.end,
        "follow_up": r.follow_up,
        "start_on": r.start_on.isoformat() if r.start_on else None,
        "end_on": r.end_on.isoformat() if r.end_on else None,
        "follow_up_on": r.follow_up_on.isoformat() if r.follow_up_on else None,
        "change": r.change,
        "improved": r.improved,
        "reaches_mid": r.reaches_mid,
        "mid": r.mid,
        "start_adapted": r.start_adapted,
        "end_adapted": r.end_adapted,
        "follow_up_adapted": r.follow_up_adapted,
        # in_person / remote / video (programme.measure_taken); counted: in the class's change
        "start_taken": r.start_taken if r.start is not None else None,
        "end_taken": r.end_taken if r.end is not None else None,
        "follow_up_taken": r.follow_up_taken if r.follow_up is not None else None,
        "change_counted": r.counted if r.has_both else None,
    }


def participant_json(p: ParticipantOutcome) -> dict[str, Any]:
    return {
        "enrolment_id": p.enrolment_id,
        "participant_code": p.participant_code,
        "name": p.name,
        "course": p.course_code,
        "status": p.status,
        "progress": p.progress,
        "sessions_attended": p.attended,
        "completer": p.completer,
        "measures": [result_json(r) for r in p.results],
    }


def summary_json(s: InstrumentSummary) -> dict[str, Any]:
    return {
        "instrument": s.instrument_key,
        "name": s.name,
        "unit": s.unit,
        "direction": s.direction,
        "n_start": s.n_start,
        "n_end": s.n_end,
        "n_both": s.n_both,
        "mean_start": s.mean_start,
        "mean_end": s.mean_end,
        "mean_change": s.mean_change,
        "n_improved": s.n_improved,
        "n_reaching_mid": s.n_reaching_mid,
        "mid": s.mid,
        # people with both values watched over video: left out of n_both, or counted in it
        "n_left_out_over_video": s.n_left_out,
        "n_over_video": s.n_over_video,
    }


def proportion_json(p: Proportion) -> dict[str, Any]:
    # numerator / denominator / percent stay "improved at all" (the published figures' sense).
    return {
        "domain": p.domain,
        "label": p.label,
        "instruments": list(p.instruments),
        "instrument": p.instruments[0] if len(p.instruments) == 1 else None,
        "measured": p.measured,
        "threshold": p.threshold,
        "threshold_percent": p.threshold_percent,
        "threshold_source": p.threshold_source,
        "numerator": p.numerator,
        "denominator": p.denominator,
        "percent": p.percent,
        "improved": p.improved.as_json(),
        "meaningful": None if p.meaningful is None else p.meaningful.as_json(),
        "worse": p.worse.as_json(),
        "left_out_over_video": p.left_out,
        "over_video": p.over_video,
    }


def mode_group_json(g: ModeGroup) -> dict[str, Any]:
    completion = g.completion
    return {
        "courses": g.courses,
        "started": g.started,
        "completers": g.completers,
        "completion_rate": None if completion is None else completion.percent(1),
        "attendance": g.attendance.as_json(),
        "proportions": [proportion_json(p) for p in g.proportions],
    }


def outcomes_json(o: CourseOutcomes) -> dict[str, Any]:
    return {
        "code": o.code,
        "title": o.title,
        "courses": o.courses,
        "status": o.status,
        "today": o.today.isoformat(),
        "range_start": o.range_start.isoformat() if o.range_start else None,
        "range_end": o.range_end.isoformat() if o.range_end else None,
        "sessions_delivered": o.sessions_delivered,
        "enrolled": o.enrolled,
        "agreed_to_share": o.agreed_to_share,
        "participants": o.participants,
        "withdrawn": o.withdrawn,
        "started": o.started,
        "did_not_start": o.did_not_start,
        "not_started_yet": o.not_started_yet,
        "completers": o.completers,
        "completion_rate": o.completion_rate,
        "completion_denominator": "started",
        "on_track": o.on_track,
        "needs_more": o.needs_more,
        "cannot_complete": o.cannot_complete,
        "attendance": {
            "attended": o.attended_sessions,
            "held": o.held_sessions,
            "rate": o.attendance.percent(1),
        },
        "delivery_mode": o.delivery_mode or None,
        "by_place": o.by_place.as_json() if o.by_place else None,
        "by_mode": {g.mode: mode_group_json(g) for g in o.by_mode},
        "instruments": o.instruments,
        # start and end measures by where they were taken; tests watched over video counted
        # in change or left out (the site's setting), and how many changes were left out
        "measures_taken": {
            "in_person": o.taken.get("in_person", 0),
            "remote": o.taken.get("remote", 0),
            "video": o.taken.get("video", 0),
            "video_tests_in_change": "counted" if o.video_tests_counted else "left_out",
            "changes_left_out": o.changes_left_out,
        },
        "summary": [summary_json(x) for x in o.summaries],
        "proportions": [proportion_json(p) for p in o.proportions],
        "participants_detail": [participant_json(r) for r in o.rows],
        # per follow-up point: counts, response and completeness, sustained change per domain
        "follow_up": None if o.follow_up is None else o.follow_up.as_json(),
    }
