"""The audit log as people read it: who did what, when, filtered by text or action."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import or_, select

from escape_desktop.context import AppContext
from escape_desktop.db.models import AuditEvent
from escape_desktop.i18n import N_, _

MAX_ROWS = 5000

# What each stored action and entity is called on screen (translated when shown; the log
# keeps the stored words, which the filter and exports match).
ACTION_NAMES: dict[str, str] = {
    "accept_suggestion": N_("accept suggestion"),
    "add_closure": N_("add closure"),
    "add_custom_station": N_("add own station"),
    "add_instructor": N_("add instructor"),
    "add_make_up_session": N_("add make-up session"),
    "add_venue": N_("add venue"),
    "backup": N_("back up"),
    "cancel_session": N_("cancel session"),
    "close_course": N_("close course"),
    "create_course": N_("create course"),
    "delete_assessment": N_("delete measure"),
    "did_as_set": N_("did as set"),
    "edit_course": N_("edit course"),
    "edit_participant": N_("edit person"),
    "enrol": N_("enrol"),
    "erase": N_("erase"),
    "export_upload": N_("export upload"),
    "follow_up.record": N_("record follow-up"),
    "follow_up.take_back": N_("take back follow-up"),
    "follow_up.undo": N_("undo follow-up"),
    "ignore_suggestion": N_("ignore suggestion"),
    "import_participants": N_("import people"),
    "issue_certificate": N_("issue certificate"),
    "joined_in_room": N_("joined in the room"),
    "joined_online": N_("joined online"),
    "make_signing_key": N_("make signing key"),
    "mark": N_("mark attendance"),
    "move": N_("move to another course"),
    "move_session_online": N_("move session online"),
    "move_session_to_hall": N_("move session to the hall"),
    "purge": N_("purge"),
    "receive_course": N_("receive course"),
    "record_assessment": N_("record measure"),
    "record_exercise": N_("record exercise"),
    "reinstate": N_("reinstate"),
    "reinstate_session": N_("reinstate session"),
    "remove_enrolment": N_("remove from course"),
    "remove_instructor": N_("remove instructor"),
    "remove_make_up_session": N_("remove make-up session"),
    "remove_venue": N_("remove venue"),
    "reopen_course": N_("reopen course"),
    "reschedule_session": N_("reschedule session"),
    "restore": N_("restore backup"),
    "restore_exercise": N_("restore exercise"),
    "restore_measures": N_("restore measures"),
    "screening": N_("screening"),
    "screening_cleared": N_("screening cleared"),
    "screening_put_back": N_("screening put back"),
    "send_course": N_("send course"),
    "set_course_instruments": N_("set course measures"),
    "set_course_stations": N_("set course stations"),
    "set_joined_at": N_("set joined at"),
    "set_session_notes": N_("set session notes"),
    "set_session_topic": N_("set session topic"),
    "set_setting": N_("change setting"),
    "set_staff_present": N_("set staff present"),
    "set_status": N_("set status"),
    "subject_access": N_("subject access request"),
    "undo_suggestion_decision": N_("undo suggestion decision"),
    "withdraw": N_("withdraw"),
}
ENTITY_NAMES: dict[str, str] = {
    "assessment": N_("measure"),
    "attendance": N_("attendance"),
    "backup": N_("backup"),
    "closure": N_("closure"),
    "course": N_("course"),
    "custom_station": N_("own station"),
    "enrolment": N_("place on a course"),
    "exercise_record": N_("exercise record"),
    "export_batch": N_("upload batch"),
    "instructor": N_("instructor"),
    "participant": N_("person"),
    "progression_decision": N_("progression decision"),
    "session": N_("session"),
    "setting": N_("setting"),
    "venue": N_("venue"),
}


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
        """The action in the instructor's language (an action this version does not name: its
        stored word, spaced)."""
        return action_label(self.action)

    @property
    def entity_label(self) -> str:
        """What the action was about, in the instructor's language, with its number."""
        name = ENTITY_NAMES.get(self.entity)
        word = _(name) if name else self.entity.replace("_", " ")
        return f"{word} {self.entity_id}" if self.entity_id is not None else word


def action_label(action: str) -> str:
    name = ACTION_NAMES.get(action)
    return _(name) if name else action.replace("_", " ")


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
