"""Screening checklists in programme files: a broken one names its file and field; any yes flags."""

import pytest

from escape_desktop.programme.content import ContentError
from escape_desktop.programme.screening import needs_review, parse_screening

GOOD = {
    "advice": "Send them for urgent medical review today.",
    "sources": ["NICE NG59"],
    "questions": [{"key": "a", "text": "First sign?"}, {"key": "b", "text": "Second sign?"}],
}


def test_a_checklist_is_read_and_any_yes_flags():
    checklist = parse_screening(GOOD, "back.toml")
    assert checklist is not None and [q.key for q in checklist.questions] == ["a", "b"]
    assert needs_review(checklist, {"a": False, "b": False}) == []
    assert [q.key for q in needs_review(checklist, {"a": False, "b": True})] == ["b"]
    assert parse_screening(None, "back.toml") is None


@pytest.mark.parametrize(
    "change, where",
    [
        ({"advice": ""}, "screening.advice"),
        ({"sources": []}, "screening.sources"),
        ({"questions": []}, "screening.questions"),
        ({"questions": [{"key": "a", "text": "x"}, {"key": "a", "text": "y"}]}, "questions[1].key"),
        ({"questions": [{"key": "a", "text": "x", "colour": "red"}]}, "questions[0].colour"),
        ({"extra": 1}, "screening.extra"),
    ],
)
def test_a_broken_checklist_names_its_file_and_field(change, where):
    with pytest.raises(ContentError) as e:
        parse_screening({**GOOD, **change}, "back.toml")
    assert str(e.value).startswith("back.toml: ") and where in str(e.value)
