"""Check, normalise and display NHS numbers (10 digits, Modulus 11 check digit)."""

from __future__ import annotations

from escape_desktop.i18n import _

__all__ = ["normalise_nhs_number", "is_valid_nhs_number", "format_nhs_number", "check_digit"]

_SEPARATORS = " -\t"


def check_digit(first_nine: str) -> int | None:
    """Return the Modulus 11 check digit for nine digits, or None when none is possible (10)."""
    if len(first_nine) != 9 or not first_nine.isascii() or not first_nine.isdigit():
        raise ValueError(_("An NHS number check needs exactly nine digits."))
    total = sum(int(d) * w for d, w in zip(first_nine, range(10, 1, -1)))
    check = 11 - total % 11
    if check == 11:
        return 0
    if check == 10:
        return None
    return check


def normalise_nhs_number(text: str) -> str:
    """Strip spaces and hyphens and return the 10 digits, or raise ValueError.

    This checks the shape only; use is_valid_nhs_number for the check digit.
    """
    if not isinstance(text, str):
        raise ValueError(_("Enter the NHS number as 10 digits, for example 943 476 5919."))
    digits = "".join(ch for ch in text.strip() if ch not in _SEPARATORS)
    if not digits.isascii() or not digits.isdigit():
        raise ValueError(
            _("An NHS number may contain only digits, spaces and hyphens; please retype it.")
        )
    if len(digits) != 10:
        raise ValueError(
            _("An NHS number has 10 digits but {count} were entered; please check it.").format(
                count=len(digits)
            )
        )
    return digits


def is_valid_nhs_number(text: str) -> bool:
    """True when the text is a 10-digit NHS number whose check digit is correct."""
    try:
        digits = normalise_nhs_number(text)
    except ValueError:
        return False
    expected = check_digit(digits[:9])
    return expected is not None and expected == int(digits[9])


def format_nhs_number(digits: str) -> str:
    """Display an NHS number as 3-3-4 digits, e.g. "943 476 5919"."""
    clean = normalise_nhs_number(digits)
    return f"{clean[:3]} {clean[3:6]} {clean[6:]}"
