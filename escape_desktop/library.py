"""Load programme templates, exercise stations and instruments from the bundled TOML files.

A site can add a folder of its own definitions (same `programmes/`, `exercises/`,
`instruments/` layout); those override shipped ones with the same key.
"""

from __future__ import annotations

import functools
import tomllib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, TypeVar

from escape_desktop.i18n import _
from escape_desktop.paths import resource_path
from escape_desktop.programme.content import (
    ContentError,
    Instrument,
    ProgrammeTemplate,
    Station,
    parse_instrument,
    parse_station,
    parse_template,
)

__all__ = ["ContentError", "Library", "load_library", "clear_cache"]

T = TypeVar("T")


@dataclass
class Library:
    """Everything a course can be built from, keyed by each definition's key."""

    templates: dict[str, ProgrammeTemplate] = field(default_factory=dict)
    stations: dict[str, Station] = field(default_factory=dict)
    instruments: dict[str, Instrument] = field(default_factory=dict)
    sources: dict[tuple[str, str], str] = field(default_factory=dict, repr=False)
    """Where each definition came from: (kind, key) -> file name, for messages."""

    def template(self, key: str) -> ProgrammeTemplate:
        try:
            return self.templates[key]
        except KeyError:
            raise KeyError(f"There is no programme template called {key!r}.") from None

    def station(self, key: str) -> Station:
        try:
            return self.stations[key]
        except KeyError:
            raise KeyError(f"There is no exercise station called {key!r}.") from None

    def instrument(self, key: str) -> Instrument:
        try:
            return self.instruments[key]
        except KeyError:
            raise KeyError(f"There is no measure (instrument) called {key!r}.") from None


def _read_toml(path: Path, label: str) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise ContentError(
            _("{file}: the file is not valid TOML ({error}).").format(file=label, error=exc)
        ) from exc
    except UnicodeDecodeError as exc:  # saved as "ANSI" by an older Notepad, say
        raise ContentError(
            _("{file}: the file is not saved as UTF-8; save it as UTF-8 and try again.").format(
                file=label
            )
        ) from exc
    except OSError as exc:
        raise ContentError(
            _("{file}: the file could not be read ({error}).").format(
                file=label, error=exc.strerror
            )
        ) from exc


def _entry_source(label: str, entry: Any, table: str, index: int) -> str:
    """Name one entry of a many-entry file, by its key when it has one: "library.toml station[balance]"."""
    if isinstance(entry, dict) and isinstance(entry.get("key"), str) and entry["key"].strip():
        return f"{label} {table}[{entry['key'].strip()}]"
    return f"{label} {table}[{index}]"


def _entries(data: dict[str, Any], label: str, table: str) -> list[tuple[dict, str]]:
    """The definitions in a file: a [[table]] list, or the whole file as one definition."""
    if table in data:
        listed = data[table]
        if not isinstance(listed, list) or not listed:
            raise ContentError(
                _("{file}: {field} must be one or more {sections} sections.").format(
                    file=label, field=table, sections=f"[[{table}]]"
                )
            )
        return [(entry, _entry_source(label, entry, table, i)) for i, entry in enumerate(listed)]
    return [(data, label)]


def _add(
    target: dict[str, T],
    sources: dict[tuple[str, str], str],
    kind: str,
    item: T,
    key: str,
    label: str,
    seen_here: dict[str, str],
) -> None:
    if key in seen_here:
        raise ContentError(
            _("{file}: key {key} is already defined in {other} in the same folder.").format(
                file=label, key=repr(key), other=seen_here[key]
            )
        )
    seen_here[key] = label
    target[key] = item
    sources[(kind, key)] = label


def _toml_files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.glob("*.toml") if p.is_file())


def _load_dir(root: Path, lib: Library) -> None:
    kinds: list[tuple[str, str, Callable[[dict, str], Any], dict]] = [
        ("exercises", "station", parse_station, lib.stations),
        ("instruments", "instrument", parse_instrument, lib.instruments),
    ]
    for folder, table, parse, target in kinds:
        seen: dict[str, str] = {}
        for path in _toml_files(root / folder):
            data = _read_toml(path, path.name)
            for entry, label in _entries(data, path.name, table):
                obj = parse(entry, label)
                _add(target, lib.sources, table, obj, obj.key, path.name, seen)
    seen_t: dict[str, str] = {}
    for path in _toml_files(root / "programmes"):
        template = parse_template(_read_toml(path, path.name), path.name)
        _add(lib.templates, lib.sources, "template", template, template.key, path.name, seen_t)


def _check_references(lib: Library) -> None:
    for key, template in lib.templates.items():
        label = lib.sources.get(("template", key), key)
        for i, station in enumerate(template.stations):
            if station not in lib.stations:
                raise ContentError(
                    _("{file}: {field} names {key}, but no exercise station has that key.").format(
                        file=label, field=f"stations[{i}]", key=repr(station)
                    )
                )
        for i, instrument in enumerate(template.instruments):
            if instrument not in lib.instruments:
                raise ContentError(
                    _("{file}: {field} names {key}, but no instrument has that key.").format(
                        file=label, field=f"instruments[{i}]", key=repr(instrument)
                    )
                )


@functools.lru_cache(maxsize=8)
def _load_cached(dirs: tuple[Path, ...]) -> Library:
    lib = Library()
    for root in dirs:
        _load_dir(root, lib)
    _check_references(lib)
    return lib


def load_library(extra_dirs: Sequence[Path] = ()) -> Library:
    """Load the shipped definitions, then each extra folder in turn (later ones override by key).

    Raises ContentError naming the file and field at the first problem found. The
    result is cached per list of folders; call clear_cache() after editing files.
    A cached Library is shared, so treat it as read-only.
    """
    dirs = (resource_path(),) + tuple(Path(d).resolve() for d in extra_dirs)
    return _load_cached(dirs)


def clear_cache() -> None:
    """Forget loaded libraries so the next load_library() reads the files again."""
    _load_cached.cache_clear()


CLOSURES_DIR = "closures"


@dataclass(frozen=True)
class ClosureList:
    """Days a region's venues are shut (bank holidays), which new schedules skip."""

    key: str
    name: str
    days: tuple[tuple[date, str], ...]


def closure_lists(extra_dirs: Sequence[Path] = ()) -> dict[str, ClosureList]:
    """Every closure list: shipped ones, then a site's own (<dir>/closures/*.toml) by file name."""
    found: dict[str, ClosureList] = {}
    for root in (resource_path(), *extra_dirs):
        for path in _toml_files(Path(root) / CLOSURES_DIR):
            found[path.stem] = _parse_closures(path)
    return found


def _parse_closures(path: Path) -> ClosureList:
    label = path.name
    data = _read_toml(path, label)
    name = data.get("name")
    if not isinstance(name, str) or not name.strip():
        raise ContentError(
            _("{file}: {field} is missing; give the list a name people will recognise.").format(
                file=label, field="name"
            )
        )
    days = data.get("days")
    if not isinstance(days, list):
        raise ContentError(
            _("{file}: {field} is missing; list them as {example}.").format(
                file=label, field="days", example="{ date = 2026-12-25, name = ... }"
            )
        )
    out = []
    for i, entry in enumerate(days):
        when = entry.get("date") if isinstance(entry, dict) else None
        if not isinstance(when, date) or isinstance(when, datetime):
            raise ContentError(
                _("{file}: {field} must be a date such as {example}.").format(
                    file=label, field=f"days[{i}].date", example="2026-12-25"
                )
            )
        out.append((when, str(entry.get("name", "")).strip()))
    return ClosureList(path.stem, name.strip(), tuple(sorted(out)))
