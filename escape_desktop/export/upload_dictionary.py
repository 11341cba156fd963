"""The data dictionary of an upload profile, generated from the profile itself (Markdown).

    python -m escape_desktop.export.upload_dictionary [--profile NAME] [--out FILE]

docs/upload-format.md is this output for the default profile; a test keeps them equal.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from .upload_checks import human_date_format
from .upload_profile import DEFAULT_PROFILE, ColumnSpec, FileSpec, Profile, get_profile

__all__ = ["render_dictionary", "main"]

TYPE_WORDS = {
    "text": "text",
    "code": "code",
    "integer": "whole number",
    "number": "number",
    "date": "date",
    "boolean": "yes/no",
}


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _allowed(col: ColumnSpec, profile: Profile) -> str:
    if col.type == "code" and col.codes is not None:
        return ", ".join(f"`{c}`" if c else "blank" for c in col.codes)
    if col.type == "boolean":
        return f"`{profile.true_value}` yes, `{profile.false_value}` no"
    if col.type == "date":
        return human_date_format(profile.date_format)
    if col.type in ("integer", "number"):
        parts = []
        if col.minimum is not None and col.maximum is not None:
            parts.append(f"{col.minimum:g} to {col.maximum:g}")
        elif col.minimum is not None:
            parts.append(f"{col.minimum:g} or more")
        elif col.maximum is not None:
            parts.append(f"up to {col.maximum:g}")
        if col.type == "number":
            parts.append(f"{col.decimals} decimal place{'s' if col.decimals != 1 else ''}")
        return "; ".join(parts)
    return "any text"


def _from(col: ColumnSpec) -> str:
    text = f"`{col.source}`"
    if col.transform:
        text += f" as {col.transform.replace('_', ' ')}"
    if col.mapping:
        pairs = ", ".join(f"{k or 'blank'} → {v or 'blank'}" for k, v in col.mapping)
        text += f"; mapped: {pairs}"
        if col.default is not None:
            text += f"; anything else → {col.default}"
    return text


def _sentence(text: str) -> str:
    text = text.strip()
    if not text:
        return ""
    text = text[0].upper() + text[1:]
    return text if text.endswith((".", ")")) else text + "."


def _table(spec: FileSpec, profile: Profile) -> list[str]:
    lines = [
        "| column | type | required | allowed values | taken from | meaning |",
        "|---|---|---|---|---|---|",
    ]
    for col in spec.columns:
        lines.append(
            "| "
            + " | ".join(
                _cell(x)
                for x in (
                    f"`{col.name}`",
                    TYPE_WORDS[col.type],
                    "yes" if col.required else "no",
                    _allowed(col, profile),
                    _from(col),
                    _sentence(col.description),
                )
            )
            + " |"
        )
    return lines


def render_dictionary(profile: Profile, profile_path: str = "") -> str:
    """The Markdown data dictionary of ``profile``; the same profile always gives the same text."""
    where = profile_path or profile.source
    lines: list[str] = [
        f"# Central upload format: {profile.name}",
        "",
        f"<!-- Generated from {where} by "
        "`python -m escape_desktop.export.upload_dictionary --out docs/upload-format.md`. "
        "Do not edit by hand: change the profile and generate again. -->",
        "",
        f"**{profile.title}**",
        "",
    ]
    if profile.description:
        lines += [" ".join(profile.description.split()), ""]
    lines += [
        "Since July 2025 no national body sets one upload format, so the format is a *profile*: "
        "a TOML file a site can copy and change without any programming. This page describes "
        "the profile above, column by column.",
        "",
        "## Who is in the file",
        "",
    ]
    if profile.consent_required:
        lines.append(
            "- Only people who agreed to share their data with the programme team "
            "(the *consent to share* box). Everyone else is left out and counted, by course, "
            "in the manifest beside the file: `did_not_agree_to_share` (they said no) and "
            "`not_asked_yet` (nobody has asked them yet) are counted apart."
        )
    else:
        lines.append("- Everyone, whether or not they agreed to share their data.")
    lines += [
        f"- Enrolment status: {', '.join(profile.statuses)}.",
        f"- Courses that are: {', '.join(profile.course_statuses)}.",
        "- Personal details: "
        + (
            "this profile is allowed to carry personal details (allow_personal_data = true)."
            if profile.allow_personal_data
            else "none. People appear only as their random participant code; the date of birth "
            "becomes an age band. Names, NHS numbers, dates of birth and contact details "
            "never leave the laptop."
        ),
        "- Free text: "
        + (
            "this profile may carry text typed in a person's own words (allow_free_text = true)."
            if profile.allow_free_text
            else "none. Nothing typed in a person's own words (referral notes, reasons, notes) "
            "leaves the laptop; who referred the person goes out as a code."
        ),
        "- Statuses and counts are the app's own (docs/figures.md): `status`, `completed` and "
        "the session counts come from programme/status.py, the same functions every screen, "
        "document and `outcomes --json` use. A course still running has `completed` blank.",
        "",
        "## The file",
        "",
        "- Comma-separated values, UTF-8, a header row first, lines ending CR LF. "
        "The app can add a byte-order mark so Excel shows accents right"
        + (" (on by default in this profile)." if profile.bom else " (off by default)."),
        f"- Dates are written {human_date_format(profile.date_format)}. "
        f"Yes/no columns hold `{profile.true_value}` or `{profile.false_value}`. "
        "A blank cell means not recorded.",
        "- Numbers are plain numbers with a dot for decimals; a fall is negative (e.g. -2).",
        "- Safe to open in a spreadsheet: a text cell that would start with = + - @, a tab or "
        "a line break gets a single quote (') in front, so it is shown as text and never run "
        "as a formula. Numbers are never changed this way.",
        "- Line breaks typed inside a text are "
        + {
            "space": "replaced by a space.",
            "escape": "written as \\n (and a backslash as \\\\).",
            "keep": "kept, inside quotes.",
        }[profile.line_breaks],
        "- Age bands (age on the first day of the course): "
        + ", ".join(_band_text(profile))
        + (
            f"; `{profile.age_unknown}` when the date of birth is not known."
            if profile.age_unknown
            else "; blank when the date of birth is not known."
        ),
        "",
        "## Main file: one row for each person on each course",
        "",
    ]
    if profile.main.key:
        lines += [f"Each row is unique by {' + '.join(f'`{k}`' for k in profile.main.key)}.", ""]
    lines += _table(profile.main, profile)
    lines.append("")
    if profile.attendance is not None:
        lines += [
            "## Attendance file (optional): one row for each person at each session held so far",
            "",
        ]
        if profile.attendance.key:
            lines += [
                f"Each row is unique by {' + '.join(f'`{k}`' for k in profile.attendance.key)}.",
                "",
            ]
        lines += _table(profile.attendance, profile)
        lines.append("")
    lines += _equality_text(profile)
    lines += [
        "## Checking a file",
        "",
        "The receiving side can check a file against this profile:",
        "",
        "```",
        f"escape-desktop validate-upload FILE.csv --profile {profile.name}",
        "```",
        "",
        "It checks the header, every cell's type, range and code; that a participant code is "
        "the app's (and never looks like an NHS number); that no text holds an NHS number, "
        "phone number or email address; that the file has rows and no row repeats; the "
        "rules across fields (completed only on a finished course with at least 75 % of the "
        "sessions held while enrolled; sessions attended ≤ held while enrolled ≤ delivered ≤ "
        "planned; withdrawn needs a withdrawal date in the course and is never completed; "
        "change = end − start; every row of a course names the same programme, start and "
        "counts); and that the manifest beside the file (`FILE.manifest.json`, see "
        "docs/upload-manifest.md) has the file's SHA-256, row count and per-course counts. "
        "It prints one line for each problem with its row number as a spreadsheet shows it "
        "(the header is row 1) and ends with a non-zero exit code; a good file gives one "
        "line, e.g. `120 rows, no problems`. `escape-desktop registry add` runs the same "
        "checks and refuses a file with one sentence.",
        "",
        "## Changing the format",
        "",
        "Copy the profile file into `<data folder>/content/upload_profiles/` and edit it. "
        "Keep the same `name` to replace the shipped profile, or choose a new name to offer "
        "both. Each column has a `name`, a `source` (the field it is taken from) and may have "
        "`map` (codes to write instead of the stored values), `default` (for anything not in "
        "the map), `transform` (`age_band` or `year` for the date of birth), `min`/`max`, "
        "`decimals`, `required` and `description`. A mistake in the file is reported with "
        "the file name and the field when the profile is loaded.",
        "",
    ]
    return "\n".join(lines)


EQUALITY_SOURCES = (
    "participant.ethnic_category",
    "participant.stated_sex",
    "participant.gender_identity",
)


def _equality_text(profile: Profile) -> list[str]:
    """Which NHS Data Dictionary items the equality columns follow, and what is not certain."""
    if not any(c.source in EQUALITY_SOURCES for c in profile.main.columns):
        return []
    return [
        "## Equality monitoring: the NHS Data Dictionary items",
        "",
        "Three separate, optional items, each asked on its own at enrolment (never read from "
        "another, nor from the `sex` column). A blank cell means the person was not asked; "
        "that is not the same as a person's answer *not stated*. The codes were checked "
        "against the NHS Data Dictionary in December 2026 (pages named below); a national "
        "team should check them again when NHS England publishes its planned standard for "
        "protected characteristics.",
        "",
        "- `ethnic_category`: data element **ETHNIC CATEGORY** (the 16+1 categories of the "
        "2001 census, still the national standard; "
        "<https://www.datadictionary.nhs.uk/data_elements/ethnic_category.html>): "
        "A British, B Irish, C any other White background (White); D White and Black "
        "Caribbean, E White and Black African, F White and Asian, G any other mixed "
        "background (Mixed); H Indian, J Pakistani, K Bangladeshi, L any other Asian "
        "background (Asian or Asian British); M Caribbean, N African, P any other Black "
        "background (Black or Black British); R Chinese, S any other ethnic group (Other "
        "ethnic groups); Z not stated (the person was asked and chose not to say); default "
        "code 99 not known. There is no I, O or Q. The element has room for a second, local "
        "character (`A1`); the upload carries the national code alone.",
        "- `stated_sex`: data element **PERSON STATED GENDER CODE** "
        "(<https://www.datadictionary.nhs.uk/data_elements/person_stated_gender_code.html>; "
        "it replaces PERSON GENDER CODE CURRENT): 1 male, 2 female, 9 indeterminate (unable "
        "to be classified as either male or female), default code X not known (not "
        "recorded). The column keeps the name `stated_sex`; there is no Data Dictionary item "
        "called PERSON STATED SEX CODE (an earlier version of this page said so wrongly; the "
        "codes were right).",
        "- `gender_identity`: data element **GENDER IDENTITY CODE** (as the Mental Health "
        "Services, Talking Therapies and Stop Smoking data sets use it; "
        "<https://archive.datadictionary.nhs.uk/DD%20Release%20June%202026/data_elements/"
        "gender_identity_code.html>): 1 male (including trans man), 2 female (including trans "
        "woman), 3 non-binary, 4 other (not listed), Z not stated (asked, and declined), "
        "default code X not known (not recorded). The companion item GENDER IDENTITY SAME AT "
        "BIRTH INDICATOR is not collected.",
        "",
        "The registry publishes counts by ethnic category, stated sex and gender identity with "
        "the report's small-number suppression (docs/registry-report.md).",
        "",
    ]


def _band_text(profile: Profile) -> list[str]:
    out = []
    edges = profile.age_edges
    for i, label in enumerate(profile.age_labels):
        if i == 0:
            rule = f"under {edges[0]}"
        elif i == len(edges):
            rule = f"{edges[-1]} or older"
        else:
            rule = f"{edges[i - 1]} to {edges[i] - 1}"
        out.append(f"`{label}` ({rule})")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m escape_desktop.export.upload_dictionary",
        description="Write the data dictionary of an upload profile as Markdown.",
    )
    parser.add_argument("--profile", default=DEFAULT_PROFILE, help="profile name")
    parser.add_argument("--out", help="file to write (default: print)")
    parser.add_argument("--data-dir", help="data folder whose site profiles to include")
    args = parser.parse_args(argv)
    from escape_desktop.library import load_library

    from .upload_profile import ProfileError

    data_dir = Path(args.data_dir) if args.data_dir else None
    site = (data_dir / "content",) if data_dir and (data_dir / "content").is_dir() else ()
    try:
        profile = get_profile(args.profile, data_dir, load_library(site))
    except ProfileError as e:
        print(str(e), file=sys.stderr)
        return 1
    text = render_dictionary(profile, shipped_label(profile))
    if args.out:
        from escape_desktop.paths import inside_data_folder

        folder = inside_data_folder(Path(args.out), data_dir)
        if folder is not None:  # the one rule for every --out: never into a data folder
            print(
                f"{args.out} is inside the escape-desktop data folder {folder}; choose a file "
                "in another folder.",
                file=sys.stderr,
            )
            return 1
        Path(args.out).write_text(text, encoding="utf-8", newline="\n")
        print(f"Wrote the data dictionary of {profile.name} to {args.out}.")
    else:
        sys.stdout.write(text)
    return 0


def shipped_label(profile: Any) -> str:
    """How the dictionary names the profile's file: relative, never this machine's path."""
    return f"resources/upload_profiles/{profile.source}"


if __name__ == "__main__":
    sys.exit(main())
