"""One home for follow-up scores: the Measures tab's old single "follow_up" values move into
follow_ups (the 3- or 12-month point nearer the day they were taken, recorded as done)

Revision ID: 0010_follow_up_home
Revises: 0009_participant_language
Create Date: 2026-12-07 16:10:00
"""

import calendar
import json
from datetime import date, datetime

import sqlalchemy as sa
from alembic import op

revision = "0010_follow_up_home"
# The lead re-chains this at merge; nothing here depends on the revisions in between.
down_revision = "0009_participant_language"
branch_labels = None
depends_on = None

NOTE = "Moved from the Measures tab's Follow-up column."


def _day(value: object) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def _months_later(day: date, months: int) -> date:
    # programme.followup.add_months, copied: a migration must not change with the app.
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def upgrade() -> None:
    conn = op.get_bind()
    held: dict[int, list[date]] = {}
    for course_id, day in conn.execute(
        sa.text("SELECT course_id, date FROM sessions WHERE NOT cancelled ORDER BY date")
    ):
        held.setdefault(course_id, []).append(_day(day))
    moved: dict[tuple[int, int], list[tuple[int, str, float, date]]] = {}
    for aid, eid, course_id, key, score, on in conn.execute(
        sa.text(
            "SELECT a.id, a.enrolment_id, e.course_id, a.instrument_key, a.score, a.assessed_on"
            " FROM assessments a JOIN enrolments e ON e.id = a.enrolment_id"
            " WHERE a.timepoint = 'follow_up' AND a.score IS NOT NULL ORDER BY a.id"
        )
    ):
        taken = _day(on)
        before = [d for d in held.get(course_id, []) if d <= taken]
        point = 3
        if before:  # the point whose due day is nearer the day the values were taken
            ended = before[-1]
            three, twelve = _months_later(ended, 3), _months_later(ended, 12)
            point = 3 if abs((taken - three).days) <= abs((taken - twelve).days) else 12
        moved.setdefault((eid, point), []).append((aid, key, float(score), taken))
    now = datetime.now().replace(microsecond=0)
    for (eid, point), values in moved.items():
        row = conn.execute(
            sa.text("SELECT id, outcome, scores FROM follow_ups WHERE enrolment_id = :e AND point = :p"),
            {"e": eid, "p": point},
        ).first()
        if row is not None and row.outcome != "done":
            continue  # recorded as not reached or declined since: both kept as they are
        scores = json.loads(row.scores) if row is not None and row.scores else {}
        taking = [(aid, key, score) for aid, key, score, _on in values if key not in scores]
        if not taking:
            continue  # the follow-up recorded since has these measures: it stands
        scores.update({key: score for _aid, key, score in taking})
        if row is None:
            conn.execute(
                sa.text(
                    "INSERT INTO follow_ups (enrolment_id, point, outcome, contacted_on, method,"
                    " scores, note, updated_at) VALUES (:e, :p, 'done', :on, '', :s, :n, :u)"
                ),
                {
                    "e": eid,
                    "p": point,
                    "on": max(on for *_x, on in values).isoformat(),
                    "s": json.dumps(scores),
                    "n": NOTE,
                    "u": now.isoformat(sep=" "),
                },
            )
        else:
            conn.execute(
                sa.text("UPDATE follow_ups SET scores = :s WHERE id = :i"),
                {"s": json.dumps(scores), "i": row.id},
            )
        # Moved values leave assessments; one the follow-up already had a value for stays
        # where it was (nothing is thrown away), but nothing reads it any more.
        conn.execute(
            sa.text("DELETE FROM assessments WHERE id IN (SELECT value FROM json_each(:ids))"),
            {"ids": json.dumps([aid for aid, _k, _s in taking])},
        )


def downgrade() -> None:
    # The values stay in follow_ups, where the older code reads them at their point.
    pass
