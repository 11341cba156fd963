"""Read referral lists as GP and physiotherapy systems export them: headers, sex codes, dates.

Pure functions, no I/O: the service reads the file's bytes and hands them here. Dates are
read by hand rather than with dateutil because the rules that matter here (day first, a
two-digit year read as the adult's century, an ambiguous date refused with both readings)
are exactly the ones a general parser settles silently.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from escape_desktop.i18n import N_, _, ui_date

__all__ = [
    "FIELDS",
    "FIELD_LABELS",
    "HEADER_ALIASES",
    "UNUSED_FIELDS",
    "SexReading",
    "DateReading",
    "ReferralDateError",
    "decode_referral_bytes",
    "detect_delimiter",
    "split_rows",
    "header_index",
    "without_repeated_header",
    "field_for_header",
    "HeaderMatch",
    "match_header",
    "EXTRA_FIELDS",
    "joints_in_reason",
    "split_full_name",
    "PhoneReading",
    "read_phone",
    "read_sex",
    "read_date",
    "month_first_evidence",
    "read_joints",
    "read_consent",
    "problems_csv",
]

# The person's details as the enrol dialog names them: a problem is always told in these words.
FIELD_LABELS: dict[str, str] = {
    "first_name": N_("First name"),
    "last_name": N_("Last name"),
    "date_of_birth": N_("Date of birth"),
    "sex": N_("Sex"),
    "nhs_number": N_("NHS number"),
    "phone": N_("Phone"),
    "email": N_("Email"),
    "joints": N_("Joints affected"),
    "referral_source": N_("Referred by"),
    "consent_programme": N_("Take part"),
    "consent_share": N_("Share for audit"),
    # Agreed to be contacted at 3 and 12 months (issue 32): never assumed from a blank.
    "consent_follow_up": N_("Contact afterwards"),
    "notes": N_("Notes"),
    # Not a detail of the person but of their place on the course: the session they joined
    # at, for a list typed up after the course started (blank: the app's default).
    "joined_at": N_("Joined at session"),
    # The language of their documents (Welsh Language Standards: asked once, at referral).
    "language": N_("Documents in"),
    # Equality monitoring (issue 30): NHS Data Dictionary codes, read by
    # services/referral_equality.py; never from the "Sex" column above.
    "ethnic_category": N_("Ethnic category"),
    "stated_sex": N_("Stated sex"),
    "gender_identity": N_("Gender identity"),
}
FIELDS: tuple[str, ...] = tuple(FIELD_LABELS)
# Recognised, but the app keeps no such detail: listed among the columns not used.
UNUSED_FIELDS: tuple[str, ...] = ("referral_date",)

# Column names as systems and people write them, compared in lower case with everything but
# letters and digits removed ("NHS No." = "nhs_no" = "NHSNo").
HEADER_ALIASES: dict[str, str] = {
    **dict.fromkeys(
        ["firstname", "forename", "forenames", "givenname", "givennames"], "first_name"
    ),
    **dict.fromkeys(["lastname", "surname", "familyname"], "last_name"),
    **dict.fromkeys(["dateofbirth", "dob", "birthdate", "dateofbirthddmmyyyy"], "date_of_birth"),
    **dict.fromkeys(["sex", "gender"], "sex"),
    # The equality items only where the column names them (a plain "Gender" is the Sex).
    **dict.fromkeys(
        [
            "ethnicity",
            "ethnic",
            "ethnicorigin",
            "ethniccategory",
            "ethniccategorycode",
            "ethnicgroup",
            "ethnicgroupcode",
            "ethnicitycode",
            "ethnicorigincode",
            "ethnicbackground",
            "ethnigrwydd",
            "grŵpethnig",
            "grwpethnig",
        ],
        "ethnic_category",
    ),  # fmt: skip
    **dict.fromkeys(
        [
            "statedsex",
            "statedsexcode",
            "personstatedsex",
            "statedgender",
            "statedgendercode",
            "personstatedgender",
            "personstatedgendercode",
            "rhywanodwyd",
        ],
        "stated_sex",
    ),  # fmt: skip
    **dict.fromkeys(
        ["genderidentity", "genderidentitycode", "hunaniaethrhywedd"], "gender_identity"
    ),
    **dict.fromkeys(["nhsnumber", "nhsno", "nhs", "nhsnum"], "nhs_number"),
    **dict.fromkeys(
        [
            "phone",
            "telephone",
            "tel",
            "telno",
            "phonenumber",
            "telephonenumber",
            "mobile",
            "mobilenumber",
            "mobilephone",
        ],
        "phone",
    ),
    **dict.fromkeys(["email", "emailaddress", "email1"], "email"),
    **dict.fromkeys(["joint", "joints", "jointsaffected", "siteofpain", "painsite"], "joints"),
    **dict.fromkeys(
        ["referrer", "referredby", "source", "referralsource", "referral"], "referral_source"
    ),
    **dict.fromkeys(["referraldate", "datereferred", "dateofreferral"], "referral_date"),
    **dict.fromkeys(
        ["consentprogramme", "consenttotakepart", "consent", "takepart", "agreedtotakepart"],
        "consent_programme",
    ),
    **dict.fromkeys(
        ["consentshare", "consenttoshare", "sharedata", "shareforaudit", "agreedtoshare"],
        "consent_share",
    ),
    **dict.fromkeys(
        [
            "followupconsent",
            "consentfollowup",
            "consenttofollowup",
            "consentforfollowup",
            "contactforfollowup",
            "agreedtofollowup",
            "agreedtobecontacted",
            "contactafterwards",
            "followup",
            "followupcontact",
            "happytobecontacted",
        ],
        "consent_follow_up",
    ),  # fmt: skip
    **dict.fromkeys(["notes", "note", "comments"], "notes"),
    # "Preferred language", "Main language", "Language preference", "Iaith" (Welsh)
    **dict.fromkeys(
        [
            "language",
            "languagepreference",
            "spokenlanguage",
            "firstlanguage",
            "iaith",
            "documentlanguage",
            "languageofcorrespondence",
            "correspondencelanguage",
        ],
        "language",
    ),  # fmt: skip
    **dict.fromkeys(
        ["joinedatsession", "joinedat", "joinedsession", "firstsession", "startedatsession"],
        "joined_at",
    ),
}


# Details read from a list that are not boxes of the enrol dialog: the reason sets the joints.
EXTRA_FIELDS: dict[str, str] = {
    "referral_reason": N_("Referral reason"),
    "full_name": N_("Whole name (split into first and last)"),
    "name_surname_first": N_("Whole name, surname first"),
}


def _key(text: str) -> str:
    return "".join(ch for ch in text.lower() if ch.isalnum())


@dataclass(frozen=True)
class HeaderMatch:
    """What a column holds: ``field`` ("" when unknown) and whether it was read by rule (guessed)."""

    field: str
    guessed: bool = False


# Notes in brackets say how a value is written, not what it is: "(Y/N)", "(dd/mm/yyyy)".
_BRACKETS = re.compile(r"\([^)]*\)|\[[^\]]*\]")
# Words that say whose or which, never what: "Patient Surname", "Client's Mobile".
_FILLER = {
    "patient", "patients", "pt", "client", "clients", "service", "user", "person", "persons",
    "the", "a", "an", "of", "to", "for", "s", "is", "their", "your", "main", "preferred",
    "primary", "current", "usual", "registered", "home", "personal", "code", "digit", "digits",
    "yn", "mf", "ddmmyyyy", "ddmmyy", "10",
}  # fmt: skip
_SYNONYMS = {
    **dict.fromkeys(
        ["tel", "telephone", "mobile", "mob", "cell", "landline", "contact", "phone", "phones"],
        "phone",
    ),
    **dict.fromkeys(["no", "num", "number", "nbr", "nos"], "number"),
    **dict.fromkeys(["e", "mail", "email", "emailaddress"], "email"),
    **dict.fromkeys(["forename", "forenames", "given", "christian", "first"], "first"),
    **dict.fromkeys(["surname", "family", "last"], "last"),
    **dict.fromkeys(["gender", "sex"], "sex"),
    **dict.fromkeys(["referral", "referred", "referrer", "referring", "ref"], "referral"),
    **dict.fromkeys(["consent", "consented", "agreed", "agree", "agrees"], "consent"),
    **dict.fromkeys(["share", "sharing", "shared", "audit", "data"], "share"),
    **dict.fromkeys(
        ["reason", "diagnosis", "condition", "complaint", "presenting", "problem"], "reason"
    ),
    **dict.fromkeys(["note", "notes", "comment", "comments", "remarks"], "notes"),
}
# Someone else's phone: never the person's own number.
_NOT_THE_PERSON = {"kin", "nok", "emergency", "carer", "gp", "practice", "surgery", "relative"}


def _words(header: str) -> list[str]:
    text = _BRACKETS.sub(" ", header.lower()).replace("e-mail", "email")
    words: list[str] = []
    for raw in re.split(r"[^0-9a-z]+", text):
        if not raw or raw in _FILLER:
            continue
        word = _SYNONYMS.get(raw, raw)
        if not words or words[-1] != word:  # "Mobile Tel" is one phone, not two
            words.append(word)
    return words


def _by_meaning(words: list[str]) -> str:
    """The detail a header's words name, by the rules people follow when they name columns."""
    has = set(words).__contains__
    if has("email"):
        return "email"
    if has("nhs"):
        return "nhs_number"
    if has("sex"):  # before birth: "Sex at birth"
        return "sex"
    if has("dob") or has("birth") or words == ["born"]:
        return "date_of_birth"
    # "Follow-up consent", "Contact for follow-up", "Agreed to follow up (Y/N)": before
    # consent and phone, which would read them as taking part or a phone number.
    follow = has("followup") or (has("follow") and (has("up") or has("consent") or has("phone")))
    if follow and not (has("date") or has("when") or has("due")):  # not "Follow-up date"
        return "consent_follow_up"
    if has("consent"):
        return "consent_share" if has("share") else "consent_programme"
    if has("phone"):
        return "" if _NOT_THE_PERSON & set(words) else "phone"
    # "Surname", "Patient Surname", "Last Name": but not "First appointment".
    if has("last") and (has("name") or len(words) == 1):
        return "last_name"
    if has("first") and (has("name") or len(words) == 1):
        return "first_name"
    if has("reason"):
        return "referral_reason"
    if has("joint") or has("joints") or (has("pain") and (has("site") or has("area"))):
        return "joints"
    if has("referral"):
        if has("id") or has("number"):  # the referrer's own reference, not who referred
            return ""
        if has("date") or has("received") or has("when"):
            return "referral_date"
        return "referral_source"
    if has("notes"):
        return "notes"
    return ""


# One column for the whole name, as EMIS and SystmOne reports print it ("DEMO, Ada"):
# "Name", "Patient Name", "Full name", "Name (Surname, Forename)"; never "Name A" or "GP Name".
_WHOLE_NAME_WORDS = {"patient", "patients", "pt", "client", "clients", "service", "user", "full",
                     "whole", "person", "persons", "s"}  # fmt: skip


def _first_and_last(words: list[str]) -> bool:
    """ "Surname, Forename", "Last name, First name", "First and last name": both in one."""
    rest = [w for w in words if w not in ("first", "last", "name", "and")]
    return "first" in words and "last" in words and not rest


def _is_whole_name(bare: list[str]) -> bool:
    return bare.count("name") == 1 and all(w == "name" or w in _WHOLE_NAME_WORDS for w in bare)


def match_header(header: str) -> HeaderMatch:
    """What a column holds, read from its header in any of the spellings systems and people use.

    A spelling the app knows exactly is not a guess; one read by its words after dropping
    notes in brackets, "patient" and the like ("Patient Surname", "Mobile Tel",
    "Consent to share data (Y/N)") is, and the import screen asks the instructor to confirm it.
    """
    bare = [w for w in re.split(r"[^0-9a-z]+", _BRACKETS.sub(" ", header.lower())) if w]
    words = _words(header)
    if _first_and_last(words) and words.index("last") < words.index("first"):
        return HeaderMatch("name_surname_first", guessed=True)  # "Surname, Forename"
    if _is_whole_name(bare) or _first_and_last(words):
        return HeaderMatch("full_name", guessed=True)  # split by rule: confirmed on screen
    exact = HEADER_ALIASES.get(_key(header))
    if exact is not None and exact != "full_name":
        return HeaderMatch(exact)
    # A known spelling with only a note in brackets or "patient" around it is no guess.
    exact = HEADER_ALIASES.get("".join(w for w in bare if w not in _FILLER))
    if exact is not None and exact != "full_name":
        return HeaderMatch(exact)
    words = _words(header)
    again = HEADER_ALIASES.get("".join(words))
    if again is None:
        again = HEADER_ALIASES.get("".join(w for w in words if w != "number"))
    if again is not None:
        return HeaderMatch(again, guessed=True)
    found = _by_meaning(words)
    return HeaderMatch(found, guessed=bool(found))


def field_for_header(header: str) -> str | None:
    """The detail a column holds ("first_name", ...), or None when it is not one we know."""
    return match_header(header).field or None


_TITLES = {
    "mr", "mrs", "ms", "miss", "mx", "dr", "prof", "professor", "rev", "revd", "sir", "dame",
    "lady", "lord", "master",
}  # fmt: skip
# Small words that belong to the surname: "van der Berg", "ap Rhys", "de la Cruz".
_PARTICLES = {"van", "von", "der", "den", "de", "del", "della", "da", "di", "du", "la", "le",
              "ap", "ab", "bin", "bint", "al", "el", "st", "st.", "mac"}  # fmt: skip


def split_full_name(text: str, surname_first: bool = False) -> tuple[str, str]:
    """(first name, last name) of a whole name in one cell: "Ada Demo", "DEMO, Ada (Mrs)",
    "Mrs Ada van der Demo". A title is dropped; with a comma the surname comes first, as GP
    systems print it, and so it does without one in a "Surname Forename" column. A single
    word comes back as the first name and no last name."""
    clean = " ".join(_BRACKETS.sub(" ", text).split())
    if surname_first and "," not in clean and len(clean.split()) > 1:
        words = [w for w in clean.split() if w.lower().rstrip(".") not in _TITLES]
        if len(words) > 1:
            return " ".join(words[1:]), words[0]
    if "," in clean:
        last, _comma, first = clean.partition(",")
        first_words = first.split()
        last_words = last.split()
    else:
        words = clean.split()
        while len(words) > 1 and words[0].lower().rstrip(".") in _TITLES:
            words = words[1:]
        cut = len(words) - 1
        while cut > 1 and words[cut - 1].lower() in _PARTICLES:
            cut -= 1
        first_words, last_words = words[:cut], words[cut:]
        if not first_words:
            return " ".join(last_words), ""
    first_words = [w for w in first_words if w.lower().rstrip(".") not in _TITLES] or first_words
    return " ".join(first_words), " ".join(last_words)


@dataclass(frozen=True)
class PhoneReading:
    """A phone cell as the person's number; ``problem`` when it cannot be their number."""

    value: str
    problem: str = ""


_SCIENTIFIC = re.compile(r"^\d(\.\d+)?e\+?\d+$", re.I)


def read_phone(text: str) -> PhoneReading:
    """A phone number, with the leading 0 Excel drops from a number cell put back.

    A UK number without its 0 is 10 digits from 1, 2, 3, 7 or 8 (7700 900123 is 07700
    900123), or 9 from 1 (an old five-figure area code); 44 and 10 digits is the same
    number written internationally. Anything else is kept as written. An email address or
    a number Excel shortened to "7.7009E+09" is a problem: the digits are gone.
    """
    raw = text.strip()
    if "@" in raw:
        return PhoneReading(
            "",
            _(
                "'{raw}' is an email address, not a phone number; put it in the email column."
            ).format(raw=raw),
        )
    if _SCIENTIFIC.match(raw):
        return PhoneReading(
            "",
            _(
                "'{raw}' was shortened by Excel and its digits are lost; type the number again."
            ).format(raw=raw),
        )
    digits = raw.removesuffix(".0")
    if digits.isdigit():
        if len(digits) == 12 and digits.startswith("44") and _uk_without_0(digits[2:]):
            return PhoneReading("0" + digits[2:])
        if _uk_without_0(digits):
            return PhoneReading("0" + digits)
    return PhoneReading(raw)


def _uk_without_0(digits: str) -> bool:
    """A UK number with its leading 0 dropped: 01/02/03/07/08 ranges (020 London, 029
    Cardiff...; 02 is only 020, 023, 024, 028, 029)."""
    if len(digits) == 9:
        return digits[0] == "1"
    if len(digits) != 10:
        return False
    return digits[0] in "1378" or (digits[0] == "2" and digits[1] in "03489")


# --------------------------------------------------------------------------- the file


def decode_referral_bytes(raw: bytes) -> str:
    """The text of a referral file: UTF-8 (with or without Excel's BOM), UTF-16, or Windows-1252.

    Raises ValueError when the bytes are not text at all (a spreadsheet, a picture).
    """
    if raw[:2] in (b"\xff\xfe", b"\xfe\xff"):  # Excel's "Unicode text" is UTF-16 with a BOM
        return raw.decode("utf-16")
    if b"\x00" in raw:  # no text file holds NUL bytes: a spreadsheet, a database, a picture
        raise ValueError("not text")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Excel's "CSV (Comma delimited)" on Windows writes cp1252, which decodes any byte
        # but five; those five mean the file is something else.
        return raw.decode("cp1252")


_DELIMITERS = (",", ";", "\t", "|")


def _sep_line(line: str) -> str | None:
    """Excel's "sep=;" first line (some tools write it in quotes), or None."""
    bare = line.strip().lstrip("\ufeff").strip('"').strip()
    return bare if bare.lower().startswith("sep=") else None


def detect_delimiter(text: str) -> str:
    """The separator of a CSV: Excel's "sep=;" line, else the one the header row uses most.

    Counting on the header row is steadier than csv.Sniffer on short lists, whose guess can
    change with the data (a phone number with spaces, a name with a comma).
    """
    lines = [line for line in text.splitlines()[:50] if line.strip()][: HEADER_SEARCH_ROWS + 2]
    first = lines[0] if lines else ""
    sep = _sep_line(first)
    if sep is not None and len(sep) == 5:
        return sep[4]
    # Counted on the first lines, not only the first: a report's title above the header
    # ("Referrals, Demo Surgery" above "Forename;Surname") must not decide it. The separator
    # is the one that splits the most lines into the same number of cells.
    outside = [re.sub(r'"[^"]*"', "", line) for line in lines]  # a quoted cell may hold one

    def score(d: str) -> tuple[int, int]:
        counts = [line.count(d) for line in outside if line.count(d)]
        if not counts:
            return (0, 0)
        common = max(set(counts), key=counts.count)
        return (counts.count(common), common)

    best = max(_DELIMITERS, key=score)
    return best if score(best)[0] else ","


# A report title, a "Printed on" line or a merged group heading may sit above the header in
# an export; the header is looked for among the first few rows, never deeper.
HEADER_SEARCH_ROWS = 10


def header_index(rows: Sequence[Sequence[str]]) -> int:
    """Which of a list's first non-blank rows is its header: the first that names two details.

    GP and practice exports put a title ("Referrals - Demo Surgery"), a date printed or a
    merged heading ("Patient details | Contact") above the real header; a row with two or
    more cells the app knows ("Forename", "DOB") is the header. When no row does, the first
    row is, and the column screen asks which column is which.
    """

    def filled(cells: Sequence[str]) -> int:
        return sum(1 for c in cells if c.strip())

    for i, cells in enumerate(rows[:HEADER_SEARCH_ROWS]):
        fields = {match_header(c).field for c in cells if c.strip()} - {""}
        if len(fields) >= 2:
            # Rows above a header are titles: fewer cells filled. A full row above it is the
            # real header with unusual names (and this row a person who reads like one).
            above = rows[:i]
            return i if all(filled(r) < filled(cells) for r in above) else 0
    return 0


def split_rows(text: str) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """(header cells, [(line number, cells)]) of a CSV text; blank rows and any title rows
    above the header skipped.

    Raises csv.Error for text that is not CSV (an unclosed quote running to the end).
    """
    delimiter = detect_delimiter(text)
    if _sep_line(text.lstrip().split("\n", 1)[0]) is not None:
        text = text.split("\n", 1)[1] if "\n" in text else ""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows: list[tuple[int, list[str]]] = []
    for cells in reader:
        if not any(c.strip() for c in cells):
            continue
        rows.append((reader.line_num, cells))
    if not rows:
        return [], []
    at = header_index([cells for _line, cells in rows])
    header = [c.strip().lstrip("\ufeff") for c in rows[at][1]]
    return header, without_repeated_header(header, rows[at + 1 :])


def without_repeated_header(
    header: Sequence[str], rows: list[tuple[int, list[str]]]
) -> list[tuple[int, list[str]]]:
    """The rows without copies of the header: a report printed page by page repeats it."""
    key = [_key(h) for h in header if h.strip()]
    return [(n, cells) for n, cells in rows if [_key(c) for c in cells if c.strip()] != key]


# --------------------------------------------------------------------------- sex / gender


@dataclass(frozen=True)
class SexReading:
    """A sex or gender cell read into the app's words; ``warning`` when it was not understood."""

    value: str  # one of "", "female", "male", "other", "prefer not to say"
    warning: str = ""


# NHS Data Dictionary person stated gender (1, 2, 9, X; older lists 0) and gender identity
# codes (1, 2, 3 non-binary, 4 other, Z not stated, X not known), letters and words.
_SEX_WORDS: dict[str, str] = {
    **dict.fromkeys(["f", "female", "woman", "2"], "female"),
    **dict.fromkeys(["m", "male", "man", "1"], "male"),
    **dict.fromkeys(
        ["other", "o", "9", "indeterminate", "3", "nonbinary", "4", "intersex"], "other"
    ),
    **dict.fromkeys(
        ["z", "notstated", "prefernottosay", "declined", "notdisclosed", "notspecified"],
        "prefer not to say",
    ),
    **dict.fromkeys(["", "u", "unknown", "notknown", "x", "0", "notrecorded"], ""),
}


def read_sex(text: str) -> SexReading:
    """Read F, M, 1, 2, 9, X, Z, "Not known", "Female"... in any case.

    A value we do not know comes back blank with ``warning`` saying so; the import names it
    as the row's problem (it once vanished into "not recorded" unseen).
    """
    word = _key(text)
    if word in _SEX_WORDS:
        return SexReading(_SEX_WORDS[word])
    return SexReading(
        "",
        _(
            "'{text}' is not a sex we know; write F, M, other, or leave it blank for not recorded."
        ).format(text=text.strip()),
    )


# --------------------------------------------------------------------------- dates


class ReferralDateError(ValueError):
    """A date that cannot be read, or can be read two ways; the message says which."""


@dataclass(frozen=True)
class DateReading:
    value: date


_MONTHS = {
    m: i
    for i, names in enumerate(
        [
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ],
        start=1,
    )
    for m in names
}
# "05/03/1950 00:00"; web systems' ISO "1950-03-05T00:00:00Z" or "...+00:00" too.
_TIME_TAIL = re.compile(r"[ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$", re.I)
_ISO = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$")
_NUMERIC = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{2}|\d{4})$")
_NAMED = re.compile(r"^(\d{1,2})[ \-/]?([A-Za-z]{3,9})[ \-/,]*(\d{2}|\d{4})$")
# "Feb 3 1950", "February 3, 1950": the month named first, so never ambiguous.
_NAMED_FIRST = re.compile(r"^([A-Za-z]{3,9})[ \-/]?(\d{1,2})(st|nd|rd|th)?[ \-/,]*(\d{4})$")
_SERIAL = re.compile(r"^\d{4,5}(\.0+)?$")
# Excel counts days from 30 December 1899 (its 1900 leap-year bug folded in).
_EXCEL_EPOCH = date(1899, 12, 30)
ADULT_AGE = 16
OLDEST_AGE = 120


def _age(born: date, today: date) -> int:
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def _century(yy: int, today: date, birth: bool) -> int:
    """A two-digit year: for a birth date 19xx when that gives an adult, else 20xx."""
    if not birth:
        return 2000 + yy
    for year in (1900 + yy, 2000 + yy):
        if ADULT_AGE <= today.year - year <= OLDEST_AGE:
            return year
    return 1900 + yy


def _make(year: int, month: int, day: int, text: str) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        raise ReferralDateError(
            _("'{text}' is not a real date; check it.").format(text=text)
        ) from None


def _fmt(d: date) -> str:
    return ui_date(d, "medium")  # "4 April 1950", in the instructor's language


def month_first_evidence(texts: Iterable[str]) -> bool:
    """True when a column holds a date that can only be month first (04/25/1950)."""
    for text in texts:
        m = _NUMERIC.match(_TIME_TAIL.sub("", text.strip()))
        if m and int(m.group(1)) <= 12 < int(m.group(2)):
            return True
    return False


def read_date(
    text: str, today: date, *, birth: bool = True, month_first_seen: bool = False
) -> date | None:
    """Read YYYY-MM-DD, DD/MM/YYYY, D/M/YY, DD-Mon-YYYY or an Excel serial; None when blank.

    Slashed dates are day first, as UK systems write them. When the same column also holds
    a date that can only be month first (``month_first_seen``), a date that reads both ways
    is refused with the two readings named, because either could be the right one.
    """
    raw = text.strip()
    if not raw:
        return None
    clean = _TIME_TAIL.sub("", raw)
    if m := _ISO.match(clean):
        return _make(int(m.group(1)), int(m.group(2)), int(m.group(3)), raw)
    if m := _NUMERIC.match(clean):
        a, b, y = int(m.group(1)), int(m.group(2)), m.group(3)
        year = int(y) if len(y) == 4 else _century(int(y), today, birth)
        if a <= 12 < b:  # can only be month first: 04/25/1950
            return _make(year, a, b, raw)
        if month_first_seen and a <= 12 and b <= 12 and a != b:
            day_first = _make(year, b, a, raw)
            month_first = _make(year, a, b, raw)
            raise ReferralDateError(
                _(
                    "'{raw}' could be {day_first} or {month_first} (the list also has dates written "
                    "month first); write it as YYYY-MM-DD."
                ).format(raw=raw, day_first=_fmt(day_first), month_first=_fmt(month_first))
            )
        return _make(year, b, a, raw)
    if m := _NAMED.match(clean):
        month = _MONTHS.get(m.group(2).lower())
        if month is None:
            raise ReferralDateError(
                _("'{raw}' has a month we cannot read; write it as DD/MM/YYYY.").format(raw=raw)
            )
        y = m.group(3)
        year = int(y) if len(y) == 4 else _century(int(y), today, birth)
        return _make(year, month, int(m.group(1)), raw)
    if m := _NAMED_FIRST.match(clean):
        month = _MONTHS.get(m.group(1).lower())
        if month is not None:
            return _make(int(m.group(4)), month, int(m.group(2)), raw)
    if _SERIAL.match(clean):
        serial = int(float(clean))
        if len(clean.split(".")[0]) == 4 and 1900 <= serial <= today.year:
            raise ReferralDateError(
                _("'{raw}' is only a year; the whole date is needed (DD/MM/YYYY).").format(raw=raw)
            )
        # A date cell that lost its format in Excel shows as a day count (18264 = 1 Jan 1950).
        if 1 <= serial <= 2_958_465:
            return _EXCEL_EPOCH + timedelta(days=serial)
    raise ReferralDateError(
        _("'{raw}' is not a date we can read; write it as DD/MM/YYYY.").format(raw=raw)
    )


# --------------------------------------------------------------------------- joints, consent

_JOINT_WORDS: dict[str, str] = {
    **dict.fromkeys(["knee", "knees", "kneeoa"], "knee"),
    **dict.fromkeys(["hip", "hips", "hipoa"], "hip"),
    **dict.fromkeys(["back", "lowback", "lowerback", "lumbar", "spine", "lbp"], "back"),
}
_SIDES = {"left", "right", "l", "r", "both", "bilateral", "and", "oa", "pain", "lt", "rt"}


def read_joints(text: str) -> tuple[list[str], list[str]]:
    """(joints found among knee, hip, back; parts not understood) from "L knee, lower back"."""
    found: list[str] = []
    unknown: list[str] = []
    for part in re.split(r"[,;/&+]|\band\b", text, flags=re.IGNORECASE):
        part = part.strip()
        if not part:
            continue
        whole = _key(part)
        if whole in _JOINT_WORDS:
            found.append(_JOINT_WORDS[whole])
            continue
        words = [_key(w) for w in part.split()]
        hits = [_JOINT_WORDS[w] for w in words if w in _JOINT_WORDS]
        joined = [_JOINT_WORDS[a + b] for a, b in zip(words, words[1:]) if a + b in _JOINT_WORDS]
        rest = [w for w in words if w not in _JOINT_WORDS and w not in _SIDES and w]
        if (hits or joined) and not [w for w in rest if w not in ("low", "lower")]:
            found.extend(hits + joined)
        else:
            unknown.append(part)
    return list(dict.fromkeys(found)), unknown


# Words in a free-text reason ("Chronic LBP", "OA R knee", "THR 2019") that name the joint.
_REASON_WORDS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("knee", re.compile(r"\bknees?\b|\btkr\b|\bpatell|\bgonarthr", re.I)),
    ("hip", re.compile(r"\bhips?\b|\bthr\b|\bcoxarthr", re.I)),
    (
        "back",
        re.compile(r"\bback\b|\blbp\b|\blumbar|\bspin(e|al)\b|\bsciatica\b|\blumbago\b", re.I),
    ),
)


def joints_in_reason(text: str) -> list[str]:
    """The joints a referral reason names (knee, hip, back, in that order); [] when it names none."""
    return [joint for joint, pattern in _REASON_WORDS if pattern.search(text)]


_YES = {"yes", "y", "true", "1", "x", "agreed", "ticked", "consented", "agree"}
_NO = {"no", "n", "false", "0", "notagreed", "declined", "refused", "disagree"}
_NOT_ASKED = {"", "notasked", "notaskedyet", "notknown", "unknown", "pending", "tbc"}


def read_consent(text: str) -> bool | None:
    """True yes, False no, None not asked yet (blank). Raises ValueError for anything else."""
    word = _key(text)
    if word in _YES:
        return True
    if word in _NO:
        return False
    if word in _NOT_ASKED:
        return None
    raise ValueError(text)


# --------------------------------------------------------------------------- sending back


def problems_csv(header: Sequence[str], rows: Iterable[tuple[Sequence[str], str]]) -> str:
    """The bad rows as a CSV to send back to the referrer: their own columns plus "Problems".

    A cell that would start a spreadsheet formula (= + - @) gets a leading apostrophe, so
    the referrer's Excel shows it as text (OWASP "CSV injection").
    """

    def safe(cell: str) -> str:
        return "'" + cell if cell[:1] in ("=", "+", "-", "@", "\t", "\r") else cell

    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([*header, "Problems"])
    for cells, problems in rows:
        padded = list(cells) + [""] * (len(header) - len(cells))
        writer.writerow([safe(c) for c in padded] + [safe(problems)])
    return out.getvalue()
