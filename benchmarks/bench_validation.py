"""Reading and validating a 100,000-patient cohort, against plain ``pandas.read_csv``.

The reference is ``pandas.read_csv`` of the same bytes (default settings), measured in
the same run; each figure is the best of three, wall-clock and CPU time. Figures: our reader alone, the whole ``load_cohort`` (read + validate +
canonical frame) for a valid file, and for a file where 5% of the rows hold a bad cell
(the error path: problems counted, the first 200 listed).
"""

from __future__ import annotations

import io
import time

import numpy as np
import pandas as pd

from risk.data.reading import read_cells
from risk.data.validation import load_cohort
from risk.errors import ValidationError
from risk.schema import VERSION_1_COLUMN_NAMES

N = 100_000


def cohort_bytes(n: int, seed: int = 0, bad_share: float = 0.0) -> bytes:
    """A valid cohort of ``n`` patients as CSV bytes (values drawn within the schema)."""
    rng = np.random.default_rng(seed)
    ki67 = np.round(rng.lognormal(1.5, 1.0, n).clip(0, 100), 1)
    met_ki67 = np.round((ki67 * rng.lognormal(0.2, 0.5, n)).clip(0, 100), 1)
    frame = pd.DataFrame({
        "patient_id": [f"P{i:06d}" for i in range(n)],
        "age": np.round(rng.uniform(18, 100, n), 1),
        "sex": rng.choice(["female", "male"], n),
        "primary_site": rng.choice(["pancreas", "small_intestine", "rectum", "unknown"], n),
        "primary_ki67": ki67,
        "primary_mitoses": "",
        "primary_grade": "",
        "met_ki67": met_ki67,
        "met_mitoses": "",
        "met_grade": "",
        "differentiation": "well",
        "met_timing": rng.choice(["synchronous", "metachronous"], n),
        "liver_burden": rng.choice(["lt25", "25to50", "gt50"], n),
        "extrahepatic_mets": rng.integers(0, 2, n),
        "primary_resected": rng.integers(0, 2, n),
        "functional_syndrome": rng.integers(0, 2, n),
        "ecog": rng.integers(0, 5, n),
        "sstr_status": rng.choice(["positive", "negative", ""], n),
        "biopsy_complication": rng.choice(["none", "minor", ""], n),
        "os_months": np.round(rng.uniform(0.5, 150, n), 2),
        "death": rng.integers(0, 2, n),
    })[list(VERSION_1_COLUMN_NAMES)]
    if bad_share:
        rows = rng.choice(n, int(n * bad_share), replace=False)
        frame["age"] = frame["age"].astype(object)
        frame.loc[rows, "age"] = "unknown"
    return frame.to_csv(index=False).encode()


def _best(fn, repeat: int = 3) -> tuple[float, float]:
    """Best wall-clock and best CPU seconds of ``repeat`` runs (the machine is shared:
    CPU time is the steadier figure)."""
    walls, cpus = [], []
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        fn()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return min(walls), min(cpus)


def _load_bad(data: bytes) -> None:
    try:
        load_cohort(data, "training")
    except ValidationError:
        return
    raise AssertionError("the bad file passed validation")


def main() -> None:
    data = cohort_bytes(N)
    bad = cohort_bytes(N, bad_share=0.05)
    print(f"{N:,} patients, {len(data) / 2**20:.1f} MB")
    ref_wall, ref_cpu = _best(lambda: pd.read_csv(io.BytesIO(data)))
    print(f"{'pandas.read_csv (reference)':34s} {ref_wall:6.3f} s wall, {ref_cpu:6.3f} s CPU")
    figures = {
        "read_cells": lambda: read_cells(data),
        "load_cohort (valid, training)": lambda: load_cohort(data, "training"),
        "load_cohort (5% bad rows)": lambda: _load_bad(bad),
    }
    for name, fn in figures.items():
        wall, cpu = _best(fn)
        print(f"{name:34s} {wall:6.3f} s wall, {cpu:6.3f} s CPU  "
              f"({wall / ref_wall:4.1f}x / {cpu / ref_cpu:4.1f}x the reference)")


if __name__ == "__main__":
    main()
