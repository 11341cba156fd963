"""Screening at enrolment: a programme's short checklist of signs that need medical review first.

Pure: the checklist is read from the programme's resource file (its ``[screening]`` table),
answered yes/no, and any yes means "needs review before starting".
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from escape_desktop.i18n import N_, _, pgettext

from .errors import ContentError

__all__ = [
    "ScreeningQuestion",
    "Screening",
    "parse_screening",
    "needs_review",
    "MINIMUM_AGE",
    "minimum_age",
    "DOOR_PREFIX",
    "NOT_SCREENED",
    "UNDER_MINIMUM_AGE",
    "OTHER_CONDITION",
    "programme_joints",
    "door_checks",
    "door_text",
]

_KEY_RE = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass(frozen=True)
class ScreeningQuestion:
    key: str
    text: str  # asked of the person, in plain words
    group: str = ""  # e.g. "Signs of a nerve emergency"


@dataclass(frozen=True)
class Screening:
    """The checklist, what to do on a yes (one sentence), and where the questions come from."""

    questions: tuple[ScreeningQuestion, ...]
    advice: str
    sources: tuple[str, ...]

    def question(self, key: str) -> ScreeningQuestion:
        for q in self.questions:
            if q.key == key:
                return q
        raise KeyError(key)


def _fail(source: str, where: str, message: str, **values: object) -> ValueError:
    """``message``: one whole sentence marked N_(), naming {file} and {field} (the place in
    the screening table) where the language puts them."""
    return ContentError(_(message).format(file=source, field=where, **values))


def _text(data: Mapping[str, Any], key: str, source: str, where: str) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value.strip():
        raise _fail(
            source,
            f"{where}{key}",
            N_("{file}: screening.{field} must be text in quotes, not empty."),
        )
    return value.strip()


def parse_screening(data: Any, source: str) -> Screening | None:
    """Build the checklist from a programme file's ``[screening]`` table (None when absent)."""
    if data is None:
        return None
    if not isinstance(data, Mapping):
        raise _fail(source, "", N_("{file}: screening.{field} must be a table ([screening])."))
    unknown = sorted(set(data) - {"advice", "sources", "questions"})
    if unknown:
        raise _fail(
            source,
            unknown[0],
            N_("{file}: screening.{field} is not a known field (advice, sources, questions)."),
        )
    advice = _text(data, "advice", source, "")
    sources = data.get("sources", [])
    if (
        not isinstance(sources, list)
        or not sources
        or not all(isinstance(x, str) and x.strip() for x in sources)
    ):
        raise _fail(
            source,
            "sources",
            N_("{file}: screening.{field} must list where the questions come from."),
        )
    raw = data.get("questions")
    if not isinstance(raw, list) or not raw:
        raise _fail(
            source,
            "questions",
            N_("{file}: screening.{field} must be one or more [[screening.questions]] sections."),
        )
    questions: list[ScreeningQuestion] = []
    for i, entry in enumerate(raw):
        where = f"questions[{i}]."
        if not isinstance(entry, Mapping):
            raise _fail(source, where, N_("{file}: screening.{field} must be a table of fields."))
        extra = sorted(set(entry) - {"key", "text", "group"})
        if extra:
            raise _fail(
                source,
                f"{where}{extra[0]}",
                N_("{file}: screening.{field} is not a known field (key, text, group)."),
            )
        key = _text(entry, "key", source, where)
        if not _KEY_RE.match(key) or any(q.key == key for q in questions):
            raise _fail(
                source,
                f"{where}key",
                N_("{file}: screening.{field} must be a new short lower-case key (got {key!r})."),
                key=key,
            )
        group = entry.get("group", "")
        if not isinstance(group, str):
            raise _fail(
                source, f"{where}group", N_("{file}: screening.{field} must be text in quotes.")
            )
        questions.append(ScreeningQuestion(key, _text(entry, "text", source, where), group.strip()))
    return Screening(tuple(questions), advice, tuple(s.strip() for s in sources))


def needs_review(screening: Screening, answers: Mapping[str, bool]) -> list[ScreeningQuestion]:
    """The questions answered yes: any one means the person is reviewed before starting."""
    return [q for q in screening.questions if answers.get(q.key) is True]


# --------------------------------------------------------------------------- at the door
# Checks on who is referred, made on everyone who joins a course, by hand or from a list.
# A hit is not a refusal: the person is marked "needs review before starting" with the
# reason, the instructor confirms, and clears it with a note (as for a screening yes).

# Knees and hips: people "usually aged 45+" (escape-pain.org; DOMAIN.md), the age from which
# osteoarthritis is diagnosed without tests (NICE NG226). Younger people may join once the
# instructor has confirmed the referral. No age is published for backs: adults (18).
MINIMUM_AGE = 45
ADULT = 18
DOOR_PREFIX = "door_"  # kept beside the answers; never a question key a site can write
NOT_SCREENED = "door_not_screened"
UNDER_MINIMUM_AGE = "door_under_minimum_age"
OTHER_CONDITION = "door_other_condition"


def _joint_word(joint: str, many: bool = False) -> str:
    """A joint's name in the instructor's language: what a person was referred for ("a
    joint": knee), or what a programme is for ("joints": knees); any other as written."""
    words = {
        ("knee", False): pgettext("a joint", "knee"),
        ("hip", False): pgettext("a joint", "hip"),
        ("back", False): pgettext("a joint", "back"),
        ("knee", True): pgettext("joints", "knees"),
        ("hip", True): pgettext("joints", "hips"),
        ("back", True): pgettext("joints", "backs"),
    }
    return words.get((joint, many), joint)


def programme_joints(condition: str) -> tuple[str, ...]:
    """The joints a programme is for, read from its condition ("knee and/or hip pain")."""
    text = condition.lower()
    return tuple(j for j in ("knee", "hip", "back") if re.search(rf"\b{j}s?\b", text))


def minimum_age(condition: str) -> int:
    """The age below which a referral is confirmed first: 45 for knees and hips, else 18."""
    return MINIMUM_AGE if {"knee", "hip"} & set(programme_joints(condition)) else ADULT


def door_checks(
    condition: str, age: int | None, joints: tuple[str, ...] | list[str], *, screened: bool
) -> list[str]:
    """The door checks a person fails: too young, another programme's joint, not screened."""
    flags: list[str] = []
    if not screened:
        flags.append(NOT_SCREENED)
    if age is not None and age < minimum_age(condition):
        flags.append(UNDER_MINIMUM_AGE)
    wanted = programme_joints(condition)
    if wanted and joints and not set(joints) & set(wanted):
        flags.append(OTHER_CONDITION)
    return flags


def door_text(key: str, condition: str, joints: tuple[str, ...] | list[str] = ()) -> str:
    """A door check as the preview and the register say it, in the instructor's language;
    "" for a key that is not one."""
    if key == NOT_SCREENED:
        return _("Screening questions not asked yet: ask them before they exercise")
    if key == UNDER_MINIMUM_AGE:
        return _(
            "Younger than {age}, the usual age for this programme: confirm the referral"
        ).format(age=minimum_age(condition))
    if key == OTHER_CONDITION:
        wanted = _both([_joint_word(j, many=True) for j in programme_joints(condition)])
        said = _both([_joint_word(j) for j in joints]) or _("another joint")
        return _(
            "Referred for {said} pain but this course is for {wanted}: confirm the referral "
            "or move them to the right course"
        ).format(said=said, wanted=wanted)
    return ""


def _both(words: list[str]) -> str:
    """Two or more words joined as a sentence joins them ("knee and hip")."""
    if len(words) < 2:
        return "".join(words)
    return _("{some} and {last}").format(some=", ".join(words[:-1]), last=words[-1])
