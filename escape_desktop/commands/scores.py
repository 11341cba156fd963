"""--score KEY=VALUE on the command line: the pairs as typed, a measure's key in any case, and a
decimal comma told apart from a wrong number (`measures record`, `followups record`)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from escape_desktop.i18n import _

from .base import CommandError

_DECIMAL_COMMA = re.compile(r"[+-]?\d+,\d+")


def score_pairs(items: Sequence[str]) -> list[tuple[str, str]]:
    """Each --score as (key, value), refused in one sentence when it is not KEY=VALUE or
    its value has a decimal comma ("3,5": type 3.5)."""
    out: list[tuple[str, str]] = []
    for item in items:
        key, sep, value = item.partition("=")
        key, value = key.strip(), value.strip()
        if not sep or not key or not value:
            raise CommandError(
                _("--score: write KEY=VALUE, e.g. pain_nrs=6 (got '{item}').").format(item=item)
            )
        if _DECIMAL_COMMA.fullmatch(value):
            raise CommandError(
                _(
                    "--score {key}={value}: type {fixed}, with a point for the decimals, "
                    "not a comma."
                ).format(key=key, value=value, fixed=value.replace(",", "."))
            )
        out.append((key, value))
    return out


def canonical_keys(pairs: Sequence[tuple[str, str]], known: Iterable[str]) -> dict[str, str]:
    """The pairs by the measure's own key, matched in any case (PAIN_NRS is pain_nrs); a key
    given twice, in whatever case, is refused. A key that matches none is kept as typed, for
    the service to say it is not asked."""
    by_lower = {k.lower(): k for k in known}
    out: dict[str, str] = {}
    for key, value in pairs:
        own = key if key in by_lower.values() else by_lower.get(key.lower(), key)
        if own in out:
            raise CommandError(
                _("--score: {key} is given twice; give each measure once.").format(key=own)
            )
        out[own] = value
    return out
