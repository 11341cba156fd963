"""Run every benchmark module: `python -m benchmarks` (or `make bench`)."""

import importlib
import pkgutil
import sys
from pathlib import Path


def main() -> int:
    here = Path(__file__).resolve().parent
    names = sorted(m.name for m in pkgutil.iter_modules([str(here)]) if m.name.startswith("bench_"))
    only = sys.argv[1:]
    for name in names:
        if only and not any(o in name for o in only):
            continue
        print(f"== {name}")
        importlib.import_module(f"benchmarks.{name}").main()
    from benchmarks.common import MISSED, QUICK

    if MISSED and not QUICK:
        print(f"\n{len(MISSED)} target(s) missed:")
        for line in MISSED:
            print(f"  {line}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
