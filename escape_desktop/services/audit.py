"""The audit log as people read it: who did what, when, filtered by text or action."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import or_, select

from escape_desktop.context import AppContext
from escape_desktop.db.models import AuditEvent

MAX_ROWS = 5000


@dataclass(frozen=True)
class AuditRow:
    id: int
    at: datetime
    actor: str
    action: str
    entity: str
    entity_id: int | None
    detail: str

    @property
    def action_label(self) -> str:
        return self.action.replace("_", " ")


def audit_events(
    ctx: AppContext,
    text: str = "",
    *,
    action: str | None = None,
    since: date | None = None,
    until: date | None = None,
    limit: int = MAX_ROWS,
) -> list[AuditRow]:
    """Newest first. ``text`` matches the actor, action, entity or detail (any case)."""
    q = select(AuditEvent).order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).limit(limit)
    needle = text.strip()
    if needle:
        escaped = needle.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        like = "%" + escaped + "%"
        q = q.where(
            or_(
                AuditEvent.actor.ilike(like, escape="\\"),
                AuditEvent.action.ilike(like.replace(" ", "\\_"), escape="\\"),
                AuditEvent.entity.ilike(like, escape="\\"),
                AuditEvent.detail.ilike(like, escape="\\"),
            )
        )
    if action:
        q = q.where(AuditEvent.action == action)
    if since:
        q = q.where(AuditEvent.at >= datetime.combine(since, datetime.min.time()))
    if until:
        q = q.where(
            AuditEvent.at < datetime.combine(until + timedelta(days=1), datetime.min.time())
        )
    with ctx.db.read() as s:
        return [
            AuditRow(e.id, e.at, e.actor, e.action, e.entity, e.entity_id, e.detail)
            for e in s.scalars(q)
        ]


def audit_actions(ctx: AppContext) -> list[str]:
    with ctx.db.read() as s:
        return sorted(s.scalars(select(AuditEvent.action).distinct()))
