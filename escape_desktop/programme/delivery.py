"""How a class is delivered: in the hall, over video, or both; defined once for every surface.

A course is delivered in person, virtually (every session over video) or hybrid (in the
hall, with people free to join over video). Any session of an in-person or hybrid course can
be moved online on its own (the hall is shut, the weather is bad), with the reason. On a
hybrid course's hall session a present mark can say the person joined online.

Figures by mode, as every screen, JSON output, upload column and the registry report them:

* a session is *online* when its course is virtual or it was moved online, else *in the
  hall*; only sessions held (not cancelled, their day come) are counted;
* an attendance is *online* when the session was online or the person joined online on a
  hybrid course; else *in the room*;
* the attendance rate of a place is the present marks at its sessions over the places at
  those sessions (each person counted for the sessions that count for them, as completion
  does: programme.status).
"""

from __future__ import annotations

from collections.abc import Collection, Hashable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from escape_desktop.i18n import N_, _

from .status import PRESENT, EnrolmentFact, Ratio, SessionFact, counts_for

__all__ = [
    "IN_PERSON",
    "VIRTUAL",
    "HYBRID",
    "DELIVERY_MODES",
    "MODE_WORD",
    "MODE_CODE",
    "mode_from_code",
    "parse_mode",
    "session_online",
    "attended_online",
    "joined_online_problem",
    "ModeFigures",
    "mode_figures",
    "sum_mode_figures",
    "attended_online_count",
]

IN_PERSON = "in_person"
VIRTUAL = "virtual"
HYBRID = "hybrid"
DELIVERY_MODES: tuple[str, ...] = (IN_PERSON, VIRTUAL, HYBRID)
MODE_WORD: dict[str, str] = {
    IN_PERSON: N_("In person"),
    VIRTUAL: N_("Virtual (over video)"),
    HYBRID: N_("Hybrid (in the hall, some join over video)"),
}
# The upload's coded column (docs/upload.md): numbers, so a spreadsheet keeps them as numbers.
MODE_CODE: dict[str, int] = {IN_PERSON: 1, VIRTUAL: 2, HYBRID: 3}

_SPELLINGS = {
    "in_person": IN_PERSON,
    "in person": IN_PERSON,
    "in-person": IN_PERSON,
    "hall": IN_PERSON,
    "face to face": IN_PERSON,
    "virtual": VIRTUAL,
    "online": VIRTUAL,
    "video": VIRTUAL,
    "hybrid": HYBRID,
}


def mode_from_code(code: object) -> str | None:
    """The mode an upload code stands for (1, 2, 3 as number or text); None if unknown."""
    text = str(code).strip()
    return next((m for m, c in MODE_CODE.items() if str(c) == text), None)


def parse_mode(text: str) -> str | None:
    """The mode for what someone typed ("virtual", "in person", "Hybrid"); None if unknown."""
    return _SPELLINGS.get(" ".join(str(text).strip().lower().split()))


def session_online(mode: str, moved_online: bool) -> bool:
    """Whether a session is delivered over video: every session of a virtual course, and any
    session moved online."""
    return mode == VIRTUAL or bool(moved_online)


def attended_online(mode: str, moved_online: bool, joined_online: bool) -> bool:
    """Whether a present mark was over video: the session was online, or the person joined a
    hybrid course's hall session over video."""
    return session_online(mode, moved_online) or (mode == HYBRID and bool(joined_online))


def joined_online_problem(mode: str, moved_online: bool, mark: str | None) -> str | None:
    """Why "joined online" cannot be recorded for this mark, or None when it can.

    Only a present mark at a hybrid course's hall session can say it: at an online session
    everyone joined online, and an in-person course has no video link.
    """
    if mark != PRESENT:
        return _("Only someone marked present can have joined online.")
    if session_online(mode, moved_online):
        return _("This session was held online, so everyone at it joined online already.")
    if mode != HYBRID:
        return _(
            "Joining online is only recorded on a hybrid course; change the course's mode first."
        )
    return None


@dataclass(frozen=True)
class ModeFigures:
    """A course's sessions and attendance by where they happened (see the module's words)."""

    sessions_in_hall: int  # held, not cancelled, in the hall
    sessions_online: int  # held, not cancelled, over video
    attendance_in_hall: Ratio  # present at hall sessions / places at hall sessions
    attendance_online_sessions: Ratio  # present at online sessions / places at them
    attended_in_room: int  # present marks in the room
    attended_online: int  # present marks over video (online sessions and joined online)

    def as_json(self) -> dict:
        return {
            "sessions": {"in_hall": self.sessions_in_hall, "online": self.sessions_online},
            "attendance_rate": {
                "in_hall": self.attendance_in_hall.as_json(),
                "online": self.attendance_online_sessions.as_json(),
            },
            "attendances": {"in_room": self.attended_in_room, "online": self.attended_online},
        }


def mode_figures(
    mode: str,
    sessions: Sequence[SessionFact],
    people: Sequence[EnrolmentFact],
    moved_online: Collection[Hashable],
    joined_online: Mapping[Any, Collection[Any]],
    today: date,
) -> ModeFigures:
    """Sessions and attendance by place for one course as of ``today``.

    ``moved_online`` holds the keys of sessions moved online; ``joined_online`` maps an
    enrolment key to the session keys where that person joined over video.
    """
    held = [x for x in sessions if not x.cancelled and x.date <= today]
    online = {x.key for x in held if session_online(mode, x.key in moved_online)}
    counts = {True: [0, 0], False: [0, 0]}  # online? -> [present, places]
    by_how = {True: 0, False: 0}
    for person in people:
        joined = joined_online.get(person.key, ())
        for session in held:
            if not counts_for(session, person):
                continue
            where = session.key in online
            counts[where][1] += 1
            if person.marks.get(session.key) == PRESENT:
                counts[where][0] += 1
                by_how[attended_online(mode, where, session.key in joined)] += 1
    return ModeFigures(
        sessions_in_hall=len(held) - len(online),
        sessions_online=len(online),
        attendance_in_hall=Ratio(*counts[False]),
        attendance_online_sessions=Ratio(*counts[True]),
        attended_in_room=by_how[False],
        attended_online=by_how[True],
    )


def attended_online_count(
    mode: str,
    marks: Mapping[Any, str],
    held: Collection[Any],
    moved_online: Collection[Any],
    joined_online: Collection[Any],
) -> int:
    """One person's present marks over video, at the ``held`` sessions (keys)."""
    return sum(
        1
        for key, mark in marks.items()
        if mark == PRESENT
        and key in held
        and attended_online(mode, key in moved_online, key in joined_online)
    )


def _sum(ratios: Sequence[Ratio]) -> Ratio:
    return Ratio(sum(r.numerator for r in ratios), sum(r.denominator for r in ratios))


def sum_mode_figures(parts: Sequence[ModeFigures]) -> ModeFigures:
    """Several courses' figures by place, added up (counts and the two counts of each rate)."""
    return ModeFigures(
        sessions_in_hall=sum(p.sessions_in_hall for p in parts),
        sessions_online=sum(p.sessions_online for p in parts),
        attendance_in_hall=_sum([p.attendance_in_hall for p in parts]),
        attendance_online_sessions=_sum([p.attendance_online_sessions for p in parts]),
        attended_in_room=sum(p.attended_in_room for p in parts),
        attended_online=sum(p.attended_online for p in parts),
    )
