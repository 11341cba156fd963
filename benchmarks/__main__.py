"""Run every benchmark module: `python -m benchmarks` (or `make bench`).

    python -m benchmarks                 every benchmark but the long ones, targets asserted
    python -m benchmarks NAME...         only the modules whose name holds one of the words
    ESCAPE_DESKTOP_BENCH_QUICK=1 ...     every benchmark once, small, nothing asserted (CI)

A module in LONG (the 1,000-site national registry: many minutes) runs only when named
(`make bench-national`), or in quick mode, where it runs at a tiny size so it cannot rot.
The exit status is 1 when any target was missed (outside quick mode) or a benchmark failed.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
import traceback
from pathlib import Path

LONG = frozenset({"bench_registry_national"})


def module_names() -> list[str]:
    here = Path(__file__).resolve().parent
    return sorted(m.name for m in pkgutil.iter_modules([str(here)]) if m.name.startswith("bench_"))


def chosen(names: list[str], only: list[str], quick: bool) -> list[str]:
    """The modules a run takes: those named (any part of the name), else all but LONG ones
    (quick mode takes all)."""
    if only:
        return [n for n in names if any(o in n for o in only)]
    return [n for n in names if quick or n not in LONG]


def main(argv: list[str] | None = None) -> int:
    from benchmarks import common

    only = sys.argv[1:] if argv is None else argv
    failed: list[str] = []
    for name in chosen(module_names(), only, common.QUICK):
        print(f"== {name}", flush=True)
        try:
            importlib.import_module(f"benchmarks.{name}").main()
        except Exception:  # one broken benchmark must not hide the others' figures
            traceback.print_exc()
            failed.append(name)
    if failed:
        print(f"\n{len(failed)} benchmark(s) failed to run: {', '.join(failed)}")
    if common.MISSED and not common.QUICK:
        print(f"\n{len(common.MISSED)} target(s) missed:")
        for line in common.MISSED:
            print(f"  {line}")
        return 1
    if common.MISSED:
        print(f"\nquick run: {len(common.MISSED)} target(s) would be missed (not enforced)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
