"""Migration 0010: the Measures tab's older single follow-up values move into follow_ups (one
home), at the point nearer the day they were taken; nothing recorded since is overwritten
and nothing is thrown away."""

import json
from datetime import date, timedelta

from sqlalchemy import text

from escape_desktop.db.engine import DB_FILENAME, Database
from escape_desktop.db.migrate import upgrade


def _rows(db: Database, sql: str) -> list[tuple]:
    with db.read() as s:
        return [tuple(r) for r in s.execute(text(sql)).all()]


def test_old_follow_up_values_move_into_follow_ups_at_the_nearer_point(tmp_path):
    db = Database(tmp_path / DB_FILENAME)
    try:
        upgrade(db, "0008_delivery_mode")
        with db.transaction() as s:
            s.execute(
                text(
                    "INSERT INTO courses (id, code, title, programme_key, start_date, weekdays,"
                    " start_time, capacity, notes, created_at) VALUES (1, 'KH-1', 'K',"
                    " 'knee_hip', '2026-01-05', '0,3', '10:00', 12, '', '2026-01-01 10:00:00')"
                )
            )
            day = date(2026, 1, 5)
            for n in range(1, 13):  # Mondays and Thursdays; the last is 12 Feb 2026
                s.execute(
                    text(
                        "INSERT INTO sessions (id, course_id, number, date, topic, cancelled,"
                        " cancel_reason, staff_present, notes) VALUES (:n, 1, :n, :d, '', 0,"
                        " '', '', '')"
                    ),
                    {"n": n, "d": day.isoformat()},
                )
                day += timedelta(days=3 if day.weekday() == 0 else 4)
            for pid in (1, 2, 3, 4):
                s.execute(
                    text(
                        "INSERT INTO participants (id, code, first_name, last_name, sex,"
                        " phone, email, joints, referral_source, consent_programme,"
                        " consent_share, notes, created_at) VALUES (:id, :code, 'A',"
                        " 'Demo-Old', '', '', '', 'knee', '', 1, 1, '', '2026-01-01 10:00:00')"
                    ),
                    {"id": pid, "code": f"P-OLD{pid}"},
                )
                s.execute(
                    text(
                        "INSERT INTO enrolments (id, participant_id, course_id, status,"
                        " withdrawn_reason, enrolled_on) VALUES (:id, :id, 1, 'enrolled', '',"
                        " '2026-01-01')"
                    ),
                    {"id": pid},
                )

            def measure(eid: int, tp: str, key: str, score: float, on: str) -> None:
                s.execute(
                    text(
                        "INSERT INTO assessments (enrolment_id, timepoint, instrument_key,"
                        " assessed_on, score, adapted, updated_at) VALUES (:e, :tp, :k, :on,"
                        " :v, 0, '2026-01-01 10:00:00')"
                    ),
                    {"e": eid, "tp": tp, "k": key, "on": on, "v": score},
                )

            def follow_up(eid: int, outcome: str, scores: dict) -> None:
                s.execute(
                    text(
                        "INSERT INTO follow_ups (enrolment_id, point, outcome, contacted_on,"
                        " method, scores, note, updated_at) VALUES (:e, 3, :o, '2026-05-12',"
                        " 'phone', :s, '', '2026-05-12 10:00:00')"
                    ),
                    {"e": eid, "o": outcome, "s": json.dumps(scores)},
                )

            for eid in (1, 2, 3, 4):
                measure(eid, "start", "pain_nrs", 7, "2026-01-05")
            measure(1, "follow_up", "pain_nrs", 3, "2026-05-10")  # about 3 months on
            measure(1, "follow_up", "active_days", 4, "2026-05-10")
            measure(2, "follow_up", "pain_nrs", 2, "2027-01-20")  # about 12 months on
            measure(3, "follow_up", "pain_nrs", 5, "2026-05-15")
            follow_up(3, "declined", {})  # recorded since as declined: both kept
            measure(4, "follow_up", "pain_nrs", 6, "2026-05-15")
            measure(4, "follow_up", "active_days", 3, "2026-05-15")
            follow_up(4, "done", {"pain_nrs": 1.0})  # recorded since: its pain value stands
        upgrade(db)
        moved = {
            (eid, point): (outcome, on, json.loads(scores))
            for eid, point, outcome, on, scores in _rows(
                db, "SELECT enrolment_id, point, outcome, contacted_on, scores FROM follow_ups"
            )
        }
        assert moved == {
            (1, 3): ("done", "2026-05-10", {"pain_nrs": 3.0, "active_days": 4.0}),
            (2, 12): ("done", "2027-01-20", {"pain_nrs": 2.0}),
            (3, 3): ("declined", "2026-05-12", {}),
            (4, 3): ("done", "2026-05-12", {"pain_nrs": 1.0, "active_days": 3.0}),
        }
        left = _rows(
            db,
            "SELECT enrolment_id, instrument_key, score FROM assessments"
            " WHERE timepoint = 'follow_up' ORDER BY 1, 2",
        )
        # only what could not move without overwriting stays where it was
        assert left == [(3, "pain_nrs", 5.0), (4, "pain_nrs", 6.0)]
        assert _rows(db, "SELECT count(*) FROM assessments WHERE timepoint = 'start'") == [(4,)]
    finally:
        db.dispose()
