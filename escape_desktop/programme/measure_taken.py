"""Where a start or end measure was taken: in the hall, remotely, or watched over video.

Defined once for every screen, JSON output, document and upload column (issue 33):

* *in person*: taken in the hall (or the room a hybrid course meets in);
* *remote*: a questionnaire answered away from the hall (read out on the call, or a form
  sent beforehand);
* *over video*: a physical test (the 30-second chair stand) done at home and watched by the
  instructor over video: no standard chair, no one beside the person to count.

A questionnaire is the same questionnaire wherever it is answered, so its change always
counts. A physical test over video is not the same test as in the hall: a site setting says
whether a start-to-end change with a video value at either end is counted in the change
figures or left out, and every figure says how many were left out (never silently mixed).
"""

from __future__ import annotations

from escape_desktop.i18n import N_

__all__ = [
    "IN_PERSON",
    "REMOTE",
    "VIDEO",
    "TAKEN",
    "TAKEN_CODE",
    "TAKEN_WORD",
    "taken_word",
    "parse_taken",
    "fitted",
    "default_taken",
    "change_counts",
]

IN_PERSON = "in_person"
REMOTE = "remote"
VIDEO = "video"
TAKEN: tuple[str, ...] = (IN_PERSON, REMOTE, VIDEO)
# The upload's coded column: numbers, so a spreadsheet keeps them as numbers.
TAKEN_CODE: dict[str, int] = {IN_PERSON: 1, REMOTE: 2, VIDEO: 3}
TAKEN_WORD: dict[str, str] = {
    IN_PERSON: N_("In person"),
    REMOTE: N_("Remote (on the call, or a form sent beforehand)"),
    VIDEO: N_("Over video (watched on the call)"),
}

_SPELLINGS = {
    "in_person": IN_PERSON,
    "in person": IN_PERSON,
    "in-person": IN_PERSON,
    "hall": IN_PERSON,
    "remote": REMOTE,
    "remotely": REMOTE,
    "online": REMOTE,
    "form": REMOTE,
    "video": VIDEO,
    "over video": VIDEO,
}


# Marked for the catalogue: a caller that shows the word says it in the reader's language.
SHORT_WORDS = {IN_PERSON: N_("in person"), REMOTE: N_("remote"), VIDEO: N_("over video")}


def taken_word(taken: str) -> str:
    """The short word a table or a document prints for how a measure was taken (English,
    marked N_(): wrap it in _() where it is shown)."""
    return SHORT_WORDS.get(taken, taken)


def parse_taken(text: str) -> str | None:
    """How a measure was taken, from what someone typed ("remote", "in person"); None if unknown."""
    return _SPELLINGS.get(" ".join(str(text).strip().lower().split()))


def fitted(taken: str, physical_test: bool) -> str:
    """``taken`` said the way the measure allows: away from the hall a physical test can only
    have been watched over video, and a questionnaire can only have been answered remotely."""
    if taken == IN_PERSON:
        return IN_PERSON
    return VIDEO if physical_test else REMOTE


def default_taken(online: bool, physical_test: bool) -> str:
    """The likeliest way, from where the person was at the session the measures belong to
    (programme.delivery.attended_online): online means remote, or over video for a test."""
    return fitted(REMOTE if online else IN_PERSON, physical_test)


def change_counts(start_taken: str, end_taken: str, video_tests_counted: bool) -> bool:
    """Whether a start-to-end change counts in the change figures: always, unless a physical
    test was watched over video at either end and the site leaves those out."""
    return video_tests_counted or VIDEO not in (start_taken, end_taken)
