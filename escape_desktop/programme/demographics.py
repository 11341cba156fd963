"""Age bands and the words for the people on a course, as the class summary reports them."""

from __future__ import annotations

from datetime import date

__all__ = ["AGE_BANDS", "AGE_UNKNOWN", "age_on", "age_band", "SEX_WORDS", "sex_word"]

# (lowest age, label): the bands NHS musculoskeletal services commonly report.
AGE_BANDS: tuple[tuple[int, str], ...] = (
    (0, "Under 45"),
    (45, "45–54"),
    (55, "55–64"),
    (65, "65–74"),
    (75, "75 and over"),
)
AGE_UNKNOWN = "Not recorded"
SEX_WORDS = {"female": "Female", "male": "Male", "f": "Female", "m": "Male"}


def age_on(born: date, on: date) -> int:
    """Age in whole years on a day."""
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def age_band(born: date | None, on: date) -> str:
    """The band of someone's age on a day (the course's first day), or "Not recorded"."""
    if born is None:
        return AGE_UNKNOWN
    age = age_on(born, on)
    label = AGE_BANDS[0][1]
    for lowest, name in AGE_BANDS:
        if age >= lowest:
            label = name
    return label


def sex_word(value: str) -> str:
    """The recorded sex in words ("Not recorded" when blank; other answers as written)."""
    text = (value or "").strip()
    if not text:
        return AGE_UNKNOWN
    return SEX_WORDS.get(text.lower(), text[:1].upper() + text[1:])
