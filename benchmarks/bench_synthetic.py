"""The synthetic cohort generator: building and writing cohorts, against pandas.

Figures (each with its ratio to the reference measured in the same run):

1. ``generate_cohort`` for 1,000 and 100,000 patients against building a frame of the
   same shape from plain ``numpy`` draws (the floor for a vectorised generator).
2. ``cohort_csv_text`` (fixed decimals, byte-identical) for 100,000 patients against
   ``DataFrame.to_csv`` of the same frame (pandas' own writer, no fixed formats).
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd

from risk.schema import COLUMN_NAMES
from risk.synthetic.generator import cohort_csv_text, generate_cohort


def _best_of(function, repeats: int = 3) -> float:
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        best = min(best, time.perf_counter() - start)
    return best


def _plain_frame(n: int) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    return pd.DataFrame({name: rng.random(n) for name in COLUMN_NAMES})


def main() -> None:
    for n in (1_000, 100_000):
        ours = _best_of(lambda n=n: generate_cohort(n, 1))
        reference = _best_of(lambda n=n: _plain_frame(n))
        print(f"generate_cohort n={n:>7,}: {ours:.3f} s; plain numpy frame {reference:.3f} s; "
              f"ratio {ours / reference:.1f}x")
    frame = generate_cohort(100_000, 1)
    ours = _best_of(lambda: cohort_csv_text(frame))
    reference = _best_of(lambda: frame.to_csv(index=False))
    print(f"cohort_csv_text n=100,000: {ours:.3f} s; pandas to_csv {reference:.3f} s; "
          f"ratio {ours / reference:.2f}x")


if __name__ == "__main__":
    main()
