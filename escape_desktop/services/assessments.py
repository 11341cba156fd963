"""Use case: record a start, end or follow-up measure for one person."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session as OrmSession

from escape_desktop.context import AppContext
from escape_desktop.db.models import TIMEPOINTS, Assessment, Enrolment
from escape_desktop.i18n import N_, _
from escape_desktop.programme.content import Instrument
from escape_desktop.programme.measure_taken import IN_PERSON, fitted
from escape_desktop.programme.scoring import ScoreError, check_item, check_score, score_items

from .common import audit, now, parse_date
from .errors import NotFound, ValidationError

# Follow-up values have one home, the 3- or 12-month follow-up (services.followups): the
# start/end paths refuse the older single "follow_up" time point with this sentence.
FOLLOW_UP_ELSEWHERE = N_(
    "Follow-up measures are recorded with the person's 3- or 12-month follow-up: Follow-ups "
    "due in the View menu (Ctrl+Shift+U), or 'escape-desktop followups record'."
)


def checked_value(
    instrument: Instrument,
    *,
    score: float | str | None = None,
    answers: Mapping[str, int | str | None] | None = None,
) -> tuple[float | None, dict[str, int | None] | None]:
    """The score to store (and the item answers) after range checks; raises ValidationError.

    Item-level instruments are scored from their answers (a few missing items are
    prorated where the definition allows; too many give no score). Score-entry
    instruments need the total.
    """
    try:
        if instrument.kind == "items":
            given = dict(answers or {})
            stored: dict[str, int | None] = {}
            for item in instrument.items:
                raw = given.get(item.key)
                if isinstance(raw, str):
                    raw = raw.strip()
                    if raw:
                        try:
                            raw = int(raw)
                        except ValueError:
                            raise ScoreError(
                                _(
                                    "Each answer in {name} must be a whole number from {min} to {max}."
                                ).format(name=instrument.name, min=item.min, max=item.max)
                            ) from None
                if raw is None or isinstance(raw, str):  # left blank
                    stored[item.key] = None
                else:
                    stored[item.key] = check_item(instrument, item.key, raw)
            return score_items(instrument, stored), stored
        if score is None or (isinstance(score, str) and not score.strip()):
            raise ValidationError(
                "score", _("Enter the {name} score.").format(name=instrument.name)
            )
        if isinstance(score, str):
            try:
                number = float(score.strip().replace(",", "."))
            except ValueError:
                raise ScoreError(
                    _("{name} must be a number from {min:g} to {max:g}.").format(
                        name=instrument.name, min=instrument.min, max=instrument.max
                    )
                ) from None
        else:
            number = score
        return check_score(instrument, number), None
    except ScoreError as e:
        raise ValidationError("score", str(e)) from None


def upsert_assessment(
    s: OrmSession,
    actor: str,
    enrolment_id: int,
    timepoint: str,
    instrument: Instrument,
    value: float | None,
    stored_answers: dict[str, int | None] | None,
    adapted: bool,
    day: date,
    taken: str = IN_PERSON,
) -> int:
    """Write one checked measure inside an open transaction; returns the row id.

    ``taken``: in_person / remote / video, said the way the measure allows
    (programme.measure_taken.fitted)."""
    row = s.scalar(
        select(Assessment).where(
            Assessment.enrolment_id == enrolment_id,
            Assessment.timepoint == timepoint,
            Assessment.instrument_key == instrument.key,
        )
    )
    if row is None:
        row = Assessment(
            enrolment_id=enrolment_id, timepoint=timepoint, instrument_key=instrument.key
        )
        s.add(row)
    row.assessed_on = day
    row.score = value
    row.answers = stored_answers
    row.adapted = bool(adapted) and instrument.has_adapted_flag
    row.taken = fitted(taken, instrument.physical_test)
    row.updated_at = now()
    s.flush()
    audit(s, actor, "record_assessment", "assessment", row.id, f"{instrument.key} {timepoint}")
    return row.id


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
        raise ValidationError("timepoint", _("Choose start, end or follow-up."))
    if timepoint == "follow_up":
        raise ValidationError("timepoint", _(FOLLOW_UP_ELSEWHERE))
    try:
        instrument = ctx.library.instrument(instrument_key)
    except KeyError:
        raise ValidationError(
            "instrument",
            _("Unknown measure '{instrument_key}'.").format(instrument_key=instrument_key),
        ) from None
    day = parse_date(assessed_on, "assessed_on", N_("Date"), required=False) or date.today()
    value, stored_answers = checked_value(instrument, score=score, answers=answers)
    with ctx.db.transaction() as s:
        if s.get(Enrolment, enrolment_id) is None:
            raise NotFound(_("That enrolment no longer exists."))
        return upsert_assessment(
            s, ctx.actor, enrolment_id, timepoint, instrument, value, stored_answers, adapted, day
        )


def delete_assessment(ctx: AppContext, assessment_id: int) -> None:
    with ctx.db.transaction() as s:
        row = s.get(Assessment, assessment_id)
        if row is None:
            raise NotFound(_("That measure no longer exists."))
        s.delete(row)
        audit(s, ctx.actor, "delete_assessment", "assessment", assessment_id)
