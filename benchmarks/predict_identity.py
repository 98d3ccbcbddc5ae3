"""Does this checkout's ``predict`` write the same bytes as another commit's?

    .venv/bin/python -m benchmarks.predict_identity [REF]   (default REF: main)

For speed work on ``predict``, whose output must stay byte-identical: REF's ``src`` is
exported with ``git archive`` to a temporary folder, a model is trained once (by this
checkout, as ``benchmarks/bench_cli.py`` trains it), and both codes score the same
files: the benchmark's 100,000 patients (in one process and with worker processes), and
a 30,000-patient variant with cells counted and months alive (given in a column and by
``--alive-months``, in chunks of 7,000). Each pair of outputs is compared with ``cmp``.
Not a benchmark (``python -m benchmarks`` does not run it); exit status 1 on a difference.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd


def _variant(source: Path, target: Path, n: int = 30_000) -> None:
    """The first ``n`` patients with cells counted and months alive (some blank)."""
    frame = pd.read_csv(source, dtype=str, keep_default_na=False).iloc[:n].copy()
    rng = np.random.default_rng(3)
    frame["primary_cells_counted"] = rng.choice(["", "100", "250", "500", "1000", "2000"], n)
    frame["met_cells_counted"] = rng.choice(["", "200", "500", "3000"], n)
    frame["alive_months"] = rng.choice(["", "", "6", "12", "24.5", "60", "0"], n)
    frame.to_csv(target, index=False)


def main(argv: list[str]) -> int:
    from benchmarks.bench_cli import _cohort_text, _train_registry

    ref = argv[0] if argv else "main"
    repo = Path(__file__).resolve().parent.parent
    with tempfile.TemporaryDirectory(prefix="predict-identity-") as tmp:
        folder = Path(tmp)
        other = folder / "other"
        other.mkdir()
        archive = subprocess.run(["git", "-C", str(repo), "archive", ref, "src"],
                                 check=True, capture_output=True).stdout
        subprocess.run(["tar", "-x", "-C", str(other)], input=archive, check=True)
        models = _train_registry(folder)
        patients = folder / "patients_100k.csv"
        patients.write_text(_cohort_text(100_000, seed=7))
        variant = folder / "variant_30k.csv"
        _variant(patients, variant)
        cases = {"100k, one process": [patients, "--jobs", "1"],
                 "100k, worker processes": [patients],
                 "30k with counts and months alive, chunks of 7,000":
                     [variant, "--alive-months", "3", "--chunk-rows", "7000"]}
        same = True
        for k, (name, (path, *options)) in enumerate(cases.items()):
            outputs = []
            for env in (None, dict(os.environ, PYTHONPATH=str(other / "src"))):
                out = folder / f"out-{k}-{len(outputs)}.csv"
                subprocess.run([sys.executable, "-m", "risk", "predict", "--model-dir", models,
                                "--input", str(path), "--output", str(out), *options],
                               check=True, env=env, stdout=subprocess.DEVNULL)
                outputs.append(out)
            identical = subprocess.run(["cmp", "-s", *map(str, outputs)]).returncode == 0
            same &= identical
            print(f"{name}: {'identical' if identical else 'DIFFERENT'} "
                  f"({outputs[0].stat().st_size:,} bytes)")
        print(f"this checkout against {ref}: {'byte-identical' if same else 'DIFFERENT'}")
        return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
