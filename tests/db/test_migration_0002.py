"""Migration 0002: consents gain "not asked yet" and enrolments gain screening, keeping every answer."""

from sqlalchemy import text

from escape_desktop.db.engine import DB_FILENAME, Database
from escape_desktop.db.migrate import upgrade


def _rows(db: Database, sql: str) -> list[tuple]:
    with db.read() as s:
        return [tuple(r) for r in s.execute(text(sql)).all()]


def test_upgrade_from_0001_keeps_consents_and_enrolments(tmp_path):
    db = Database(tmp_path / DB_FILENAME)
    try:
        upgrade(db, "0001_baseline")
        with db.transaction() as s:
            s.execute(
                text(
                    "INSERT INTO courses (id, code, title, programme_key, start_date, weekdays,"
                    " start_time, capacity, notes, created_at) VALUES (1, 'KH-2026-001', 'K',"
                    " 'knee_hip', '2026-01-05', '0,3', '10:00', 12, '', '2026-01-01 10:00:00')"
                )
            )
            for pid, take_part, share in ((1, 1, 1), (2, 1, 0), (3, 0, 0)):
                s.execute(
                    text(
                        "INSERT INTO participants (id, code, first_name, last_name, sex,"
                        " phone, email, joints, referral_source, consent_programme,"
                        " consent_share, notes, created_at) VALUES (:id, :code, 'A',"
                        " 'Demo-Old', '', '', '', '', '', :tp, :sh, '', '2026-01-01 10:00:00')"
                    ),
                    {"id": pid, "code": f"P-OLD{pid}", "tp": take_part, "sh": share},
                )
                s.execute(
                    text(
                        "INSERT INTO enrolments (participant_id, course_id, status,"
                        " withdrawn_reason, enrolled_on) VALUES (:id, 1, 'enrolled', '',"
                        " '2026-01-01')"
                    ),
                    {"id": pid},
                )
        upgrade(db)
        consents = _rows(
            db, "SELECT id, consent_programme, consent_share FROM participants ORDER BY id"
        )
        assert consents == [(1, 1, 1), (2, 1, 0), (3, 0, 0)]
        # Copying the participants table must not cascade into the enrolments.
        assert _rows(db, "SELECT participant_id, screening_status FROM enrolments ORDER BY 1") == [
            (1, "not_screened"),
            (2, "not_screened"),
            (3, "not_screened"),
        ]
        assert _rows(db, "PRAGMA foreign_keys") == [(1,)]  # back on for the app's own work
        with db.transaction() as s:  # "not asked yet" is now storable
            s.execute(text("UPDATE participants SET consent_share = NULL WHERE id = 3"))
        assert _rows(db, "SELECT consent_share FROM participants WHERE id = 3") == [(None,)]
    finally:
        db.dispose()
