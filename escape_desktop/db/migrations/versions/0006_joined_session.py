"""Each place on a course records the session the person joined at, filled from what is on file

Revision ID: 0006_joined_session
Revises: 0005_referral_code
Create Date: 2026-12-07 04:00:00
"""

import sqlalchemy as sa
from alembic import op

from escape_desktop.programme.status import SessionFact, default_joined_at

revision = "0006_joined_session"
down_revision = "0005_referral_code"
branch_labels = None
depends_on = None


def _day(value: object) -> object:
    from datetime import date

    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def upgrade() -> None:
    # Added in place (no table rebuild), as 0005 does: a rebuild could cascade.
    with op.batch_alter_table("enrolments", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("joined_session", sa.Integer(), server_default="1", nullable=False)
        )
    conn = op.get_bind()
    sessions: dict[int, list[SessionFact]] = {}
    for sid, cid, number, day, cancelled in conn.execute(
        sa.text("SELECT id, course_id, number, date, cancelled FROM sessions")
    ):
        sessions.setdefault(cid, []).append(
            SessionFact(sid, _day(day), bool(cancelled), number)  # type: ignore[arg-type]
        )
    marked: dict[int, list[int]] = {}
    for eid, number in conn.execute(
        sa.text(
            "SELECT a.enrolment_id, s.number FROM attendance a"
            " JOIN sessions s ON s.id = a.session_id"
        )
    ):
        marked.setdefault(eid, []).append(number)
    # Before this revision a session before the day of typing counted only if the person
    # came. The day of typing is no evidence of joining late: the person joined at session 1
    # when typed in during the first week or after the course ran, else at the next session
    # then, or at the first session that carries a mark for them if earlier.
    for eid, cid, enrolled_on in conn.execute(
        sa.text("SELECT id, course_id, enrolled_on FROM enrolments")
    ).fetchall():
        if enrolled_on is None:
            continue
        joined = default_joined_at(sessions.get(cid, []), _day(enrolled_on), marked.get(eid, []))  # type: ignore[arg-type]
        if joined != 1:
            conn.execute(
                sa.text("UPDATE enrolments SET joined_session = :j WHERE id = :id"),
                {"j": joined, "id": eid},
            )


def downgrade() -> None:
    with op.batch_alter_table("enrolments", schema=None) as batch_op:
        batch_op.drop_column("joined_session")
