"""The `predict` command end to end, against a plain lifelines script; 1,000,000 patients
in chunks with the child process's peak memory.

Figures (each with its ratio to the reference measured in the same run):

1. `python -m risk predict` on 100,000 patients (start-up, validation of every row, both
   models, 95% intervals, median, risk group, flags, grade sensitivity, CSV written)
   against a plain lifelines script that reads the same file, fits a Cox model and
   predicts survival on the same monthly grid (no validation, no intervals). Goal
   (issue 16): at most 0.5x the script's time, measured in the same run. Each figure is
   the best of 3 runs, the CLI and the script alternating so that a busy spell of the
   machine weighs on both; the printed ratio is of the best times, with the per-round
   ratios' median beside it.
2. `python -m risk predict` on 1,000,000 patients, scored in chunks: time and peak
   resident memory of the command with its worker processes (sampled from /proc, never
   below the command's own ``ru_maxrss``). Goal: under 2 GB.

Files are written to a temporary folder and removed afterwards.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

GOAL_PEAK_MB = 2048
#: Issue 16: ``predict`` on 100,000 patients in at most half the lifelines script's time.
GOAL_RATIO = 0.5

LIFELINES_SCRIPT = r"""
import sys
import numpy as np
import pandas as pd
from lifelines import CoxPHFitter

data = pd.read_csv(sys.argv[1])
categories = ["sex", "primary_site", "primary_grade", "met_grade", "met_timing",
              "liver_burden", "sstr_status"]
for name in categories:
    data[name] = data[name].fillna("unknown")
data["ecog"] = data["ecog"].clip(upper=2)
X = pd.get_dummies(data[categories + ["ecog"]].astype(str), drop_first=True, dtype=float)
for name in ("age", "extrahepatic_mets", "primary_resected", "functional_syndrome"):
    X[name] = data[name]
X["os_months"], X["death"] = data["os_months"], data["death"]
fitter = CoxPHFitter(penalizer=0.05).fit(X, "os_months", "death")
grid = np.arange(0, 121, dtype=float)
curves = fitter.predict_survival_function(X, times=grid).to_numpy().T  # patients x grid
out = pd.DataFrame({"patient_id": data["patient_id"]})
for month in (12, 36, 60, 120):
    out[f"surv_{month}"] = curves[:, month]
below = curves <= 0.5
out["median_os_months"] = np.where(below.any(axis=1), below.argmax(axis=1), np.nan)
out.to_csv(sys.argv[2], index=False, float_format="%.6g")
"""


def _cohort_text(n: int, seed: int) -> str:
    """A synthetic cohort as CSV text (rows the validator refuses left out)."""
    from risk.data.reading import read_cells
    from risk.data.validation import validate_cohort
    from risk.synthetic.generator import cohort_csv_text, generate_cohort

    frame = generate_cohort(n, seed=seed)
    text = cohort_csv_text(frame)
    try:
        validate_cohort(read_cells(text.encode()), purpose="training")
        return text
    except Exception:  # noqa: BLE001 - keep only the rows that validate on their own
        grades = ["primary_grade", "met_grade", "primary_ki67", "met_ki67",
                  "primary_mitoses", "met_mitoses"]
        return cohort_csv_text(frame[frame[grades].notna().any(axis=1)])


def _replicate(text: str, copies: int) -> bytes:
    """``copies`` copies of a cohort's rows, each with its own patient ids."""
    header, body = text.split("\n", 1)
    parts = [header + "\n"]
    for k in range(copies):
        parts.append(body.replace("SYN-", f"SYN{k}-"))
    return "".join(parts).encode()


def _train_registry(folder: Path) -> str:
    from risk.cli import main

    cohort = folder / "train.csv"
    cohort.write_text(_cohort_text(1000, seed=20250517))
    code = main(["train", "--data", str(cohort), "--model-dir", str(folder / "models"),
                 "--activate", "--version", "bench", "--penalizer", "0.05"])
    if code:
        raise SystemExit("training the benchmark model failed")
    return str(folder / "models")


def _tree_rss_mb(pid: int) -> float:
    """Resident memory of a process and all its descendants now (Linux /proc)."""
    total_kb, stack = 0, [pid]
    while stack:
        current = stack.pop()
        try:
            with open(f"/proc/{current}/status") as status:
                for line in status:
                    if line.startswith("VmRSS:"):
                        total_kb += int(line.split()[1])
            with open(f"/proc/{current}/task/{current}/children") as children:
                stack += [int(c) for c in children.read().split()]
        except (OSError, ValueError):
            continue  # ended meanwhile
    return total_kb / 1024


def _run(argv: list[str]) -> tuple[float, float]:
    """Wall time (s) and peak resident memory (MB) of one child process, its worker
    processes included (sampled every 20 ms, and never below the child's own
    ``ru_maxrss``)."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak = [0.0]
    done = threading.Event()

    def sample():
        while not done.wait(0.02):
            peak[0] = max(peak[0], _tree_rss_mb(proc.pid))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    done.set()
    sampler.join()
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode:
        raise SystemExit(f"{' '.join(argv[:4])} failed: {proc.stderr.read().decode()[-500:]}")
    proc.stderr.close()
    return elapsed, max(peak[0], usage.ru_maxrss / 1024)  # Linux reports kB


def _best_of(runs: int, argv: list[str]) -> tuple[float, float]:
    results = [_run(argv) for _ in range(runs)]
    return min(r[0] for r in results), max(r[1] for r in results)


def main() -> None:
    from risk.model.batch import default_jobs

    print(f"load average now: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs "
          "(figures are only comparable on an idle machine)")
    with tempfile.TemporaryDirectory(prefix="bench-cli-") as tmp:
        folder = Path(tmp)
        models = _train_registry(folder)
        base = _cohort_text(100_000, seed=7)
        n_100k = base.count("\n") - 1
        file_100k = folder / "patients_100k.csv"
        file_100k.write_text(base)
        predict = [sys.executable, "-m", "risk", "predict", "--model-dir", models]
        out = str(folder / "out.csv")

        script = folder / "plain_lifelines.py"
        script.write_text(LIFELINES_SCRIPT)
        cli = [*predict, "--input", str(file_100k), "--output", out]
        reference = [sys.executable, str(script), str(file_100k), out]
        rounds = [(_run(cli), _run(reference)) for _ in range(3)]  # alternating
        ours, ours_mb = min(r[0][0] for r in rounds), max(r[0][1] for r in rounds)
        plain, plain_mb = min(r[1][0] for r in rounds), max(r[1][1] for r in rounds)
        per_round = sorted(r[0][0] / r[1][0] for r in rounds)
        single, single_mb = _best_of(2, [*predict, "--jobs", "1", "--input", str(file_100k),
                                         "--output", out])
        print(f"predict CLI, {n_100k:,} patients (validate, both models, 95% intervals, "
              f"CSV; {default_jobs()} worker processes): {ours:.2f} s, peak {ours_mb:.0f} MB")
        print(f"predict CLI, same file in one process (--jobs 1): {single:.2f} s, "
              f"peak {single_mb:.0f} MB")
        print(f"plain lifelines script (read, fit, predict_survival_function on the grid, "
              f"CSV): {plain:.2f} s, peak {plain_mb:.0f} MB")
        ratio = ours / plain
        print(f"  ratio CLI / lifelines script: {ratio:.2f} (median of the rounds "
              f"{per_round[len(per_round) // 2]:.2f}; goal <= {GOAL_RATIO:.1f}: "
              f"{'met' if ratio <= GOAL_RATIO else 'not met'}); one process: "
              f"{single / plain:.2f}")

        copies = 10
        file_1m = folder / "patients_1m.csv"
        file_1m.write_bytes(_replicate(base, copies))
        del base
        n_1m = n_100k * copies
        size_mb = file_1m.stat().st_size / 1e6
        big, big_mb = _run([*predict, "--input", str(file_1m), "--output", out])
        print(f"predict CLI, {n_1m:,} patients ({size_mb:.0f} MB file) in chunks of 50,000: "
              f"{big:.1f} s ({n_1m / big:,.0f} patients/s), peak {big_mb:.0f} MB "
              "(all processes together)")
        print(f"  ratio peak memory / 2 GB goal: {big_mb / GOAL_PEAK_MB:.2f}; "
              f"time per patient vs the 100,000 run: {(big / n_1m) / (ours / n_100k):.2f}")


if __name__ == "__main__":
    main()
