"""Run every ``benchmarks/bench_*.py`` module's ``main()`` (or the ones named).

A module with ``IN_DEFAULT_RUN = False`` (the long coverage simulation) runs only when
named, e.g. ``python -m benchmarks coverage``.
"""

import importlib
import pkgutil
import sys
import time
from pathlib import Path


def main(argv: list[str]) -> int:
    here = Path(__file__).parent
    names = sorted(m.name for m in pkgutil.iter_modules([str(here)]) if m.name.startswith("bench_"))
    chosen = [n for n in names if not argv or any(a in n for a in argv)]
    for name in chosen:
        module = importlib.import_module(f"benchmarks.{name}")
        if not argv and not getattr(module, "IN_DEFAULT_RUN", True):
            print(f"\n== {name}: not in the default run (name it to run it) ==", flush=True)
            continue
        print(f"\n== {name} ==", flush=True)
        start = time.perf_counter()
        module.main()
        print(f"({name} took {time.perf_counter() - start:.1f} s)", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
