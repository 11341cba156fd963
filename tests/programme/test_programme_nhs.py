"""Tests for NHS number checking and formatting."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from escape_desktop.programme.nhs import (
    check_digit,
    format_nhs_number,
    is_valid_nhs_number,
    normalise_nhs_number,
)


def _check(nine: str) -> int | None:
    total = sum(int(d) * w for d, w in zip(nine, [10, 9, 8, 7, 6, 5, 4, 3, 2]))
    c = 11 - total % 11
    return 0 if c == 11 else (None if c == 10 else c)


@pytest.mark.parametrize("text", ["9434765919", "943 476 5919", "943-476-5919", " 943 476 5919 "])
def test_documented_example_is_valid(text):
    assert is_valid_nhs_number(text)
    assert normalise_nhs_number(text) == "9434765919"
    assert format_nhs_number(text) == "943 476 5919"


@pytest.mark.parametrize(
    "text", ["9434765918", "943476591", "94347659190", "943476591x", "", "９４３４７６５９１９"]
)
def test_invalid_numbers(text):
    assert not is_valid_nhs_number(text)


@pytest.mark.parametrize("text", ["12345", "943476591a", "943.476.5919", "12345678901"])
def test_normalise_refuses_with_a_sentence(text):
    with pytest.raises(ValueError) as info:
        normalise_nhs_number(text)
    message = str(info.value)
    assert message.endswith(".") and "NHS number" in message


def test_check_digit_ten_means_invalid():
    # Find a prefix whose remainder gives 10: such numbers can never be valid.
    prefix = next(f"{n:09d}" for n in range(1000, 100000) if _check(f"{n:09d}") is None)
    assert check_digit(prefix) is None
    for last in "0123456789":
        assert not is_valid_nhs_number(prefix + last)


def test_check_digit_eleven_becomes_zero():
    prefix = next(f"{n:09d}" for n in range(1, 100000) if _check(f"{n:09d}") == 0)
    assert is_valid_nhs_number(prefix + "0")


nine_digits = st.text(alphabet="0123456789", min_size=9, max_size=9)


@given(nine_digits)
def test_computed_check_digit_validates(prefix):
    check = _check(prefix)
    assert check_digit(prefix) == check
    if check is not None:
        number = prefix + str(check)
        assert is_valid_nhs_number(number)
        assert is_valid_nhs_number(format_nhs_number(number))


@given(nine_digits, st.integers(0, 9), st.integers(1, 9))
def test_altering_one_digit_fails(prefix, position, delta):
    check = _check(prefix)
    if check is None:
        return
    digits = list(prefix + str(check))
    digits[position] = str((int(digits[position]) + delta) % 10)
    # Modulus 11 with distinct weights detects every single-digit change.
    assert not is_valid_nhs_number("".join(digits))
