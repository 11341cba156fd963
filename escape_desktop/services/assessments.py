"""Use case: record a start, end or follow-up measure for one person."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from sqlalchemy import select

from escape_desktop.context import AppContext
from escape_desktop.db.models import TIMEPOINTS, Assessment, Enrolment
from escape_desktop.programme.scoring import ScoreError, check_item, check_score, score_items

from .common import audit, now, parse_date
from .errors import NotFound, ValidationError


def record_assessment(
    ctx: AppContext,
    enrolment_id: int,
    timepoint: str,
    instrument_key: str,
    *,
    score: float | str | None = None,
    answers: Mapping[str, int | str | None] | None = None,
    adapted: bool = False,
    assessed_on: date | str | None = None,
) -> int:
    """Score-entry instruments take ``score``; item-level ones take ``answers``."""
    if timepoint not in TIMEPOINTS:
        raise ValidationError("timepoint", "Choose start, end or follow-up.")
    try:
        instrument = ctx.library.instrument(instrument_key)
    except KeyError:
        raise ValidationError("instrument", f"Unknown measure '{instrument_key}'.") from None
    day = parse_date(assessed_on, "assessed_on", "Date", required=False) or date.today()
    stored_answers: dict[str, int | None] | None = None
    try:
        if instrument.kind == "items":
            given = dict(answers or {})
            stored_answers = {}
            for item in instrument.items:
                raw = given.get(item.key)
                stored_answers[item.key] = (
                    None if raw in (None, "") else check_item(instrument, item.key, raw)
                )
            value = score_items(instrument, stored_answers)
        else:
            if score in (None, ""):
                raise ValidationError("score", f"Enter the {instrument.name} score.")
            try:
                number = float(str(score).strip())
            except ValueError:
                raise ScoreError(
                    f"{instrument.name} must be a number from {instrument.min:g} "
                    f"to {instrument.max:g}."
                ) from None
            value = check_score(instrument, number)
    except ScoreError as e:
        raise ValidationError("score", str(e)) from None
    with ctx.db.transaction() as s:
        if s.get(Enrolment, enrolment_id) is None:
            raise NotFound("That enrolment no longer exists.")
        row = s.scalar(
            select(Assessment).where(
                Assessment.enrolment_id == enrolment_id,
                Assessment.timepoint == timepoint,
                Assessment.instrument_key == instrument_key,
            )
        )
        if row is None:
            row = Assessment(
                enrolment_id=enrolment_id, timepoint=timepoint, instrument_key=instrument_key
            )
            s.add(row)
        row.assessed_on = day
        row.score = value
        row.answers = stored_answers
        row.adapted = bool(adapted) and instrument.has_adapted_flag
        row.updated_at = now()
        s.flush()
        audit(
            s, ctx.actor, "record_assessment", "assessment", row.id, f"{instrument_key} {timepoint}"
        )
        return row.id


def delete_assessment(ctx: AppContext, assessment_id: int) -> None:
    with ctx.db.transaction() as s:
        row = s.get(Assessment, assessment_id)
        if row is None:
            raise NotFound("That measure no longer exists.")
        s.delete(row)
        audit(s, ctx.actor, "delete_assessment", "assessment", assessment_id)
