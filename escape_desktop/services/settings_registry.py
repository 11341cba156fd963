"""Every setting the app keeps, declared once: key, type, default, allowed values, label.

One typed ``get``/``set`` over the settings table: ``set`` validates against the declaration
and writes one audit line in one format ("key: old -> new"); ``get`` gives the default for a
value never set or no longer allowed. Keys and stored text are those the app always used
("1"/"0" for yes/no, digits for numbers), so existing data reads the same.
(After Vorta's store/settings.py and qutebrowser's configdata.yml.)
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, TypeVar

from sqlalchemy import select

from escape_desktop.context import AppContext
from escape_desktop.db.models import Setting
from escape_desktop.i18n import LANGUAGES, N_, _

from .changes import Changes, Done, nothing
from .common import audit, clean_text, parse_int
from .errors import ValidationError

T = TypeVar("T")

MAX_TEXT = 2000
AUDIT_WIDTH = 80  # the longest value an audit line quotes


@dataclass(frozen=True, kw_only=True)
class SettingDef(Generic[T]):
    """One setting: its key in the table, what the screen calls it, and its default.

    The subclass is its type (YesNo, Number, Text) and says how the value is stored as text.
    """

    key: str
    label: str
    default: T
    audited: bool = True

    def decode(self, stored: str) -> T:
        """The stored text as a value (the default when it is no longer allowed)."""
        raise NotImplementedError

    def encode(self, ctx: AppContext, value: object) -> str:
        """The value as stored text, or ValidationError with one sentence for the screen."""
        raise NotImplementedError


@dataclass(frozen=True, kw_only=True)
class YesNo(SettingDef[bool]):
    default: bool = False

    def decode(self, stored: str) -> bool:
        return stored == "1"

    def encode(self, ctx: AppContext, value: object) -> str:
        if not isinstance(value, bool):
            raise ValidationError(
                self.key, _("{label}: choose yes or no.").format(label=_(self.label))
            )
        return "1" if value else "0"


@dataclass(frozen=True, kw_only=True)
class Number(SettingDef[int]):
    lo: int
    hi: int

    def decode(self, stored: str) -> int:
        try:
            n = int(stored)
        except ValueError:
            return self.default
        return n if self.lo <= n <= self.hi else self.default

    def encode(self, ctx: AppContext, value: object) -> str:
        return str(parse_int(value, self.key, self.label, self.lo, self.hi))


@dataclass(frozen=True, kw_only=True)
class Text(SettingDef[str]):
    default: str = ""
    # The allowed values, worked out when asked (they come from the content library).
    choices: Callable[[AppContext], Collection[str]] | None = None
    check: Callable[[str], bool] | None = None  # a further rule for non-empty text
    refusal: str = ""  # the sentence for a value outside choices or failing check
    max_len: int = MAX_TEXT

    def decode(self, stored: str) -> str:
        return stored

    def encode(self, ctx: AppContext, value: object) -> str:
        text = clean_text(value, self.key, self.label, max_len=self.max_len)
        if self.choices is not None and text not in self.choices(ctx):
            raise ValidationError(
                self.key,
                _(self.refusal) or _("{label}: choose from the list.").format(label=_(self.label)),
            )
        if self.check is not None and text and not self.check(text):
            raise ValidationError(self.key, _(self.refusal))
        return text


def _programmes(ctx: AppContext) -> Collection[str]:
    return ctx.library.templates


def _holiday_lists(ctx: AppContext) -> Collection[str]:
    from .courses import bank_holiday_lists

    return {"none", *bank_holiday_lists(ctx)}


# --- the settings ------------------------------------------------------------------------

DEFAULT_PROGRAMME = Text(
    key="default_programme",
    label=N_("Programme for new courses"),
    choices=_programmes,
    refusal=N_("Choose a programme from the list."),
)
LARGE_TEXT = YesNo(key="large_text", label=N_("Large text"))
# 127, 150 or 200 (per cent of the usual text size) when Large text is on.
LARGE_TEXT_SIZE = Number(
    key="large_text_size", label=N_("Large text size (per cent)"), default=127, lo=100, hi=200
)
FIRST_RUN_DONE = YesNo(key="first_run_done", label=N_("First start finished"))
BANK_HOLIDAYS = Text(
    key="bank_holidays",  # the key services.courses reads when it makes a schedule
    label=N_("Bank holidays"),
    default="england-and-wales",
    choices=_holiday_lists,
    refusal=N_("Choose a bank-holiday list from the list, or none."),
)
BACKUP_FOLDER = Text(
    key="backup_folder",
    label=N_("Backup folder"),
    check=lambda text: Path(text).is_absolute(),
    refusal=N_("Choose a whole folder path, e.g. on a USB stick."),
    max_len=1000,
)
# What identifies the backup folder's disk besides its path (db.volumes.Remembered as text),
# so a USB stick is found again under another drive letter. Written with the folder.
BACKUP_VOLUME = Text(key="backup_volume", label=N_("Backup folder's disk"), audited=False)
IDLE_LOCK_MINUTES = Number(  # 0 = never lock
    key="idle_lock_minutes", label=N_("Minutes before locking"), default=10, lo=0, hi=240
)
# The provider's identity on every upload: the receiver tells sites apart by the code.
# ODS codes are 3 to 9 letters and digits (a trust RJ1, a trust site RJ122, a GP practice
# A81001); a receiver may assign its own code of up to 10.
SITE_CODE_RULE = re.compile(r"^[A-Z0-9]{3,10}$")
SITE_NAME = Text(key="site_name", label=N_("Provider or site name"), max_len=200)
SITE_CODE = Text(
    key="site_code",
    label=N_("Organisation code (ODS)"),
    check=lambda text: bool(SITE_CODE_RULE.match(text)),
    refusal=N_(
        "Organisation code (ODS): use 3 to 10 capital letters and digits, e.g. RJ1 or A81001."
    ),
    max_len=10,
)
RETENTION_YEARS = Number(
    key="retention_years", label=N_("Years to keep records"), default=8, lo=1, hi=100
)

# What the printed documents say to participants about the site.
SITE_CONTACT = Text(
    key="site_contact",
    label=N_("Contact details for participants"),
    # Marked for the catalogue: the default prints in each reader's language; a site's own
    # words print as typed.
    default=N_("Ask your instructor for the best way to get in touch."),
    max_len=500,
)
WHAT_NEXT = Text(
    key="what_next",
    label=N_("What next (progress report)"),
    default=N_(
        "Keep going with your home exercises two or three times a week, and keep active in "
        "ways you enjoy: walking, swimming, cycling or a local exercise class. If your pain "
        "flares, ease back a level for a few days and then build up again. If it does not "
        "settle within a week or two, or you are worried, contact us or your GP."
    ),
    max_len=1500,
)


def _image_file(text: str) -> bool:
    path = Path(text)
    return path.is_absolute() and path.suffix.lower() in (".png", ".jpg", ".jpeg")


CERTIFICATE_LOGO = Text(
    key="certificate_logo",
    label=N_("Logo on certificates"),
    check=_image_file,
    refusal=N_("Choose a PNG or JPEG picture file (its whole path)."),
    max_len=1000,
)

# The language of a participant's documents when they have not chosen one (i18n.LANGUAGES).
DOCUMENT_LANGUAGE = Text(
    key="document_language",
    label=N_("Language of participants' documents"),
    default="en",
    choices=lambda ctx: LANGUAGES,
    refusal=N_("Language of participants' documents: choose English or Cymraeg."),
)
# A Welsh document followed by the same in English (Welsh first), for sites that print
# bilingual documents; each person still chooses the language that comes first.
BILINGUAL_DOCUMENTS = YesNo(
    key="bilingual_documents", label=N_("Welsh documents followed by the same in English")
)

# Follow-up points (programme.followup): either can be switched off for the site.
FOLLOW_UP_3 = YesNo(
    key="follow_up_3", label=N_("Follow up 3 months after the course"), default=True
)
FOLLOW_UP_12 = YesNo(
    key="follow_up_12", label=N_("Follow up 12 months after the course"), default=True
)

# A physical test (the chair stand) watched over video is not the hall test (issue 33): left
# out of start-to-end change unless the site counts it; every figure says how many either way.
VIDEO_TESTS_IN_CHANGE = YesNo(
    key="video_tests_in_change",
    label=N_("Count physical tests watched over video in the change figures"),
    default=False,
)

REGISTRY: Mapping[str, SettingDef[Any]] = {
    d.key: d
    for d in (
        DEFAULT_PROGRAMME,
        LARGE_TEXT,
        LARGE_TEXT_SIZE,
        FIRST_RUN_DONE,
        BANK_HOLIDAYS,
        BACKUP_FOLDER,
        BACKUP_VOLUME,
        IDLE_LOCK_MINUTES,
        RETENTION_YEARS,
        SITE_NAME,
        SITE_CODE,
        SITE_CONTACT,
        WHAT_NEXT,
        CERTIFICATE_LOGO,
        FOLLOW_UP_3,
        FOLLOW_UP_12,
        VIDEO_TESTS_IN_CHANGE,
        DOCUMENT_LANGUAGE,
        BILINGUAL_DOCUMENTS,
    )
}


def stored(ctx: AppContext) -> dict[str, str]:
    """Every stored value as text, in one read (for screens that show several)."""
    with ctx.db.read() as s:
        return {row.key: row.value for row in s.scalars(select(Setting))}


def get(ctx: AppContext, setting: SettingDef[T], values: Mapping[str, str] | None = None) -> T:
    """The setting's value (``values``: what ``stored`` read, to save a read per setting)."""
    if values is not None:
        text = values.get(setting.key)
    else:
        with ctx.db.read() as s:
            row = s.get(Setting, setting.key)
            text = row.value if row is not None else None
    return setting.default if text is None else setting.decode(text)


def set(ctx: AppContext, setting: SettingDef[T], value: T | str) -> Done[None]:
    """Check ``value`` against the declaration, store it, and audit a change.

    Says SETTINGS changed (not undoable: the Settings window shows the value to change back).
    """
    text = setting.encode(ctx, value)
    with ctx.db.transaction() as s:
        row = s.get(Setting, setting.key)
        old = row.value if row is not None else None
        if old == text:
            return nothing(None)
        if row is None:
            s.add(Setting(key=setting.key, value=text))
        else:
            row.value = text
        if setting.audited:
            audit(
                s,
                ctx.actor,
                "set_setting",
                "setting",
                None,
                f"{setting.key}: {(old or '-')[:AUDIT_WIDTH]} -> {text[:AUDIT_WIDTH]}",
            )
    return Done(None, Changes.SETTINGS, message="Saved: settings")
