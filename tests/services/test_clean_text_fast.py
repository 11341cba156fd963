"""clean_text's shortcut for printable text refuses exactly what the full check refuses."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from escape_desktop.services import common
from escape_desktop.services.errors import ValidationError


def _slow(value: str, max_len: int) -> str | None:
    """The character-by-character check alone: the text, or None when it is refused."""
    text = value.strip()
    for ch in text:
        cat = common.unicodedata.category(ch)
        if cat == "Cs" or (cat == "Cc" and ch not in "\n\t"):
            return None
        if ch in "\n\t" and max_len <= common.MAX_NAME:
            return None
        if ch in common.INVISIBLE and max_len <= common.MAX_NAME:
            return None
    return text


@settings(max_examples=300)
@given(st.text(max_size=60), st.sampled_from([common.MAX_NAME, common.MAX_TEXT]))
def test_the_shortcut_agrees_with_the_full_check(value, max_len):
    expected = _slow(value, max_len)
    if expected is None:
        with pytest.raises(ValidationError):
            common.clean_text(value, "f", "Field", max_len=max_len)
    else:
        assert common.clean_text(value, "f", "Field", max_len=max_len) == expected


@pytest.mark.parametrize("text", ["a\u200bb", "x\x07y", "tab\there", "line\nbreak", "\u202eabc"])
def test_invisible_and_control_characters_are_still_refused_in_a_name(text):
    with pytest.raises(ValidationError):
        common.clean_text(text, "first_name", "First name", max_len=common.MAX_NAME)
