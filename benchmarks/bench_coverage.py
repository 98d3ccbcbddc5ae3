"""Coverage of the served 95% intervals on cohorts from "other hospitals" (known truth).

For each cohort size n (default 300, 1,000 and 5,000) and each cohort seed (default 200
seeds), a cohort is simulated from one of four hospitals with a known Cox/Weibull truth
(``tests/support/coverage_sim.py``), the model is trained as production trains it
(``BiopsyRiskModel()`` defaults, or a ``--variant``) and a fixed panel of 20 patients of
that hospital (16 served by the biopsy model, 4 by the comparator) is predicted. Printed:
coverage of the true 1-, 3- and 5-year survival and of the true median by the reported
95% intervals, with Wilson 95% intervals (scipy ``binomtest(...).proportion_ci``; they
treat the cases as independent, but the 20 patients of one cohort share one fit, so the
cluster SE over cohorts is printed too), and the mean interval width. The target is 95%.

``--diagnose`` adds what explains a miss: penalizer and extra-term choices, the bias of
the estimated log cumulative hazard log H(t|x) against the truth, the ratio of the
empirical SD of the estimates to the mean reported SE (both per panel patient and
horizon, over the cohorts of its hospital), the slope of mean estimate on truth
(< 1: shrinkage), the coverage a plain log-scale interval would have with the same SE,
and the gap between the stored monthly baseline H0 and the exact Breslow step function
at the horizon. Crashes on valid cohorts are counted, with the seed and the traceback's
last lines, and the run goes on.

Run (not part of ``make bench``, which runs the timing benchmarks):
    make coverage                                   # the full run, 2 workers
    python -m benchmarks.bench_coverage --cohorts 20 --n 300 --jobs 1
    python -m benchmarks.bench_coverage --n 1000 --cohorts 80 --jobs 1 --diagnose \
        --variant production unpenalised auto_penalizer auto_terms
Per-case rows are written to ``.bench/coverage-<variant>-n<n>.csv`` (git-ignored).
"""

from __future__ import annotations

import argparse
import sys
import time
import traceback
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

#: Not run by ``python -m benchmarks`` unless named (``python -m benchmarks coverage``).
IN_DEFAULT_RUN = False
REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "support"))

import coverage_sim as sim  # noqa: E402  (lives with the tests: tests/support/coverage_sim.py)

VARIANTS = {
    "production": {},
    "unpenalised": {"penalizer": 0.0, "extra_terms": ()},
    "auto_penalizer": {"penalizer": "auto", "extra_terms": ()},
    "auto_terms": {"penalizer": 0.0, "extra_terms": "auto"},
}
SURVIVAL = [f"surv_{h}" for h in sim.HORIZONS]


@dataclass
class Crash:
    seed: int
    n: int
    variant: str
    last_lines: str


# ---- one cohort (runs in a worker) ---------------------------------------------------
def exact_breslow(model, frame: pd.DataFrame, months) -> np.ndarray:
    """Breslow's H0 at ``months`` as the step function it is, from the training rows with
    the model's own coefficients and centring (the stored baseline interpolates it)."""
    X = model.design(frame)
    w = np.exp((X - model.means_.to_numpy()) @ model.coef_.to_numpy())
    t, e = frame["os_months"].to_numpy(float), frame["death"].to_numpy(float)
    times, inverse = np.unique(t, return_inverse=True)
    at_risk = np.cumsum(np.bincount(inverse, weights=w)[::-1])[::-1]  # sum over t_j >= t
    steps = np.bincount(inverse, weights=e) / at_risk
    return np.array([steps[times <= m].sum() for m in np.atleast_1d(months)])


def _baseline_gap(model, frame: pd.DataFrame) -> dict[str, float]:
    """log(stored H0 at the horizon) - log(exact Breslow H0), for each served model."""
    out = {}
    served = {"biopsy": frame[frame["met_grade"].notna()], "primary_only": frame}
    for name, m in model.models_.items():
        stored = np.interp(sim.HORIZONS, m.baseline_.months, m.baseline_.cumulative_hazard)
        exact = exact_breslow(m, served[name], sim.HORIZONS)
        for h, a, b in zip(sim.HORIZONS, stored, exact, strict=True):
            out[f"{name}_{h}"] = float(np.log(a) - np.log(b))
    return out


def _truth_at_hidden_grade(hospital, rows: pd.DataFrame) -> np.ndarray:
    """Per row, the truth at the liver grade the patient truly has (survival rows only):
    what a harness that ignores the missing biopsy would wrongly compare with."""
    panel = sim.evaluation_panel(hospital)
    wrong = sim.true_survival(hospital, panel.assign(met_grade=sim.hidden_liver_grades(
        hospital)), sim.HORIZONS)
    out = np.full(len(rows), np.nan)
    for j, q in enumerate(SURVIVAL):
        out[np.flatnonzero(rows["quantity"].to_numpy() == q)] = wrong[:, j]
    return out


def run_cohort(seed: int, n: int, variant: str):
    """(CohortCoverage, baseline gaps) or a :class:`Crash`."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # numpy noise from CV refits
            hospital, frame, model = sim.fit_cohort(seed, n, VARIANTS[variant])
            rows = sim.panel_coverage(model, hospital)
    except Exception:  # noqa: BLE001  (any failure on a valid cohort is a finding)
        lines = traceback.format_exc().strip().splitlines()
        return Crash(seed, n, variant, "\n".join(lines[-3:]))
    rows["truth_hidden_grade"] = _truth_at_hidden_grade(hospital, rows)
    rows.insert(0, "hospital", hospital.name)
    rows.insert(0, "n", n)
    rows.insert(0, "seed", seed)
    rows.insert(0, "variant", variant)
    models = model.models_
    result = sim.CohortCoverage(seed, n, hospital.name,
                                {k: float(m.penalizer_) for k, m in models.items()},
                                {k: tuple(m.terms_) for k, m in models.items()}, rows)
    return result, _baseline_gap(model, frame)


# ---- summaries -----------------------------------------------------------------------
def _pct(x: float) -> str:
    return f"{100 * x:5.1f}%"


def coverage_lines(rows: pd.DataFrame) -> list[str]:
    """One line per quantity, per served model, and overall."""
    lines = []

    def emit(label: str, part: pd.DataFrame) -> None:
        s = sim.coverage_summary(part.assign(all="all"), by=("all",)).iloc[0]
        width = f"  mean width {s.mean_width:.3f}"
        if label.startswith("median"):
            width = f"  mean length of finite intervals {s.mean_width:5.1f} months"
        elif "median" in label:
            width = ""  # widths in survival and in months do not average
        lines.append(f"  {label:<34} {_pct(s.coverage)}  Wilson [{_pct(s.wilson_low)}, "
                     f"{_pct(s.wilson_high)}]  cluster SE {100 * s.cluster_se:4.1f}  "
                     f"({s.cases} cases){width}")

    for q in sim.QUANTITIES:
        emit(q, rows[rows["quantity"] == q])
    surv = rows[rows["quantity"].isin(SURVIVAL)]
    for model in ("biopsy", "primary_only"):
        emit(f"1/3/5-year, {model} model", surv[surv["model_used"] == model])
    emit("median, primary_only model", rows[(rows["quantity"] == "median") &
                                            (rows["model_used"] == "primary_only")])
    emit("OVERALL 1/3/5-year survival", surv)
    emit("overall incl. median", rows)
    return lines


def _cells(surv: pd.DataFrame) -> pd.DataFrame:
    """Per panel patient x horizon, over the cohorts: bias, SD of the estimates, mean SE."""
    err = surv["log_h_estimate"] - surv["log_h_truth"]
    return surv.assign(err=err).groupby(["hospital", "patient_id", "quantity"]).agg(
        model_used=("model_used", "first"), bias=("err", "mean"),
        sd=("log_h_estimate", "std"), se=("log_h_se", "mean"),
        estimate=("log_h_estimate", "mean"), truth=("log_h_truth", "first"),
        cohorts=("err", "size"))


def _shrinkage_slope(cells: pd.DataFrame) -> float:
    """Mean over hospital x horizon of the slope of mean estimate on truth (log H)."""
    slopes = [np.polyfit(g["truth"], g["estimate"], 1)[0]
              for _, g in cells.groupby(["hospital", "quantity"]) if len(g) > 2]
    return float(np.mean(slopes))


def _bias_figures(cells: pd.DataFrame) -> str:
    """Bias, noise-corrected RMS bias in SE units, SD/SE and the coverage they imply."""
    sd2, se2 = np.mean(cells["sd"] ** 2), np.mean(cells["se"] ** 2)
    ratio = float(np.sqrt(sd2 / se2))
    # a cell's mean error carries noise sd^2/K: removed from its squared bias
    signal = (cells["bias"] ** 2 - cells["sd"] ** 2 / cells["cohorts"]) / cells["se"] ** 2
    rms_bias_se = float(np.sqrt(max(0.0, signal.mean())))
    from scipy.stats import norm

    unbiased = 2 * norm.cdf(sim.Z_95 / ratio) - 1
    return (f"bias {cells['bias'].mean():+.3f} (mean |bias| {cells['bias'].abs().mean():.3f}), "
            f"RMS bias/SE {rms_bias_se:.2f}, SD/SE {ratio:.2f} (coverage with that SD/SE "
            f"and no bias {_pct(unbiased)}), mean SE {cells['se'].mean():.3f}")


def bias_lines(rows: pd.DataFrame) -> list[str]:
    """Per served model: the log H(t|x) figures over cells (panel patient x horizon)."""
    surv = rows[rows["quantity"].isin(SURVIVAL)].dropna(subset=["log_h_estimate"])
    lines = []
    for model in ("biopsy", "primary_only"):
        cells = _cells(surv[surv["model_used"] == model])
        if cells.empty or cells["cohorts"].min() < 2:
            continue
        lines.append(f"  {model}: log H {_bias_figures(cells)}; slope of mean estimate on "
                     f"truth {_shrinkage_slope(cells):.3f} ({int(cells['cohorts'].median())} "
                     f"cohorts per cell)")
        for q in SURVIVAL:
            lines.append(f"      {q}: {_bias_figures(cells.xs(q, level='quantity'))}")
    log_scale = np.abs(np.exp(surv["log_h_estimate"]) - np.exp(surv["log_h_truth"])) <= \
        sim.Z_95 * np.exp(surv["log_h_estimate"]) * surv["log_h_se"]
    lines.append(f"  same SE, log-scale interval (R's default) instead of log-log: coverage "
                 f"{_pct(log_scale.mean())} vs log-log {_pct(surv['covered'].mean())}")
    return lines


def hospital_lines(rows: pd.DataFrame) -> list[str]:
    surv = rows[rows["quantity"].isin(SURVIVAL)]
    table = sim.coverage_summary(surv, by=("hospital", "model_used"))
    return [f"  1/3/5-year, {r.hospital:<20} {r.model_used:<13} {_pct(r.coverage)}  Wilson "
            f"[{_pct(r.wilson_low)}, {_pct(r.wilson_high)}]  ({r.cases} cases)"
            for r in table.sort_values(["hospital", "model_used"]).itertuples()]


def hidden_grade_line(rows: pd.DataFrame) -> str:
    comparator = rows[rows["quantity"].isin(SURVIVAL) & (rows["model_used"] == "primary_only")]
    wrong = (comparator["lower"] <= comparator["truth_hidden_grade"]) & \
        (comparator["truth_hidden_grade"] <= comparator["upper"])
    return (f"  comparator patients: coverage of the marginal truth {_pct(comparator['covered'].mean())}; "
            f"against the truth at the liver grade they would show (a wrong truth) {_pct(wrong.mean())}")


def choice_lines(results: list) -> list[str]:
    lines = []
    for name in ("biopsy", "primary_only"):
        pen = pd.Series([r.penalizer[name] for r in results]).value_counts().sort_index()
        terms = pd.Series(["+".join(r.terms[name]) or "none" for r in results]).value_counts()
        lines.append(f"  {name:<13} penalizer chosen: "
                     + ", ".join(f"{p:g} x{c}" for p, c in pen.items())
                     + "; extra terms: " + ", ".join(f"{t} x{c}" for t, c in terms.items()))
    return lines


def gap_lines(gaps: list[dict]) -> list[str]:
    frame = pd.DataFrame(gaps)
    return ["  stored monthly H0 vs exact Breslow step at the horizon, log ratio: "
            + ", ".join(f"{c} mean {frame[c].mean():+.4f} max |{frame[c].abs().max():.4f}|"
                        for c in frame.columns)]


def report(variant: str, n: int, outcomes: list, seconds: float, diagnose: bool) -> None:
    done = [o for o in outcomes if not isinstance(o, Crash)]
    crashes = [o for o in outcomes if isinstance(o, Crash)]
    print(f"\n-- variant {variant} {VARIANTS[variant] or '(production defaults)'}, n = {n:,}: "
          f"{len(done)} cohorts in {seconds:.0f} s, {len(crashes)} crashed --", flush=True)
    for c in crashes:
        print(f"  CRASH seed {c.seed} ({sim.hospital_of(c.seed).name}):\n    "
              + c.last_lines.replace("\n", "\n    "))
    if not done:
        return
    rows = pd.concat([r.rows for r, _ in done], ignore_index=True)
    out = REPO / ".bench" / f"coverage-{variant}-n{n}.csv"
    out.parent.mkdir(exist_ok=True)
    rows.to_csv(out, index=False)
    print("\n".join(coverage_lines(rows)))
    if diagnose:
        print("\n".join(hospital_lines(rows) + choice_lines([r for r, _ in done])
                        + bias_lines(rows) + [hidden_grade_line(rows)]
                        + gap_lines([g for _, g in done])))
    print(f"  (rows: {out.relative_to(REPO)})", flush=True)


def run(variant: str, n: int, seeds, jobs: int) -> tuple[list, float]:
    from joblib import Parallel, delayed

    start = time.perf_counter()
    outcomes = Parallel(n_jobs=jobs)(delayed(run_cohort)(s, n, variant) for s in seeds)
    return outcomes, time.perf_counter() - start


def parse(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m benchmarks.bench_coverage",
                                description=__doc__.split("\n\n")[0])
    p.add_argument("--cohorts", type=int, default=200, help="cohorts per n (default 200)")
    p.add_argument("--n", type=int, nargs="+", default=[300, 1000, 5000],
                   help="cohort sizes (default 300 1000 5000)")
    p.add_argument("--jobs", type=int, default=2, help="joblib workers (default 2)")
    p.add_argument("--first-seed", type=int, default=0, help="seeds first..first+cohorts-1")
    p.add_argument("--variant", nargs="+", default=["production"], choices=list(VARIANTS))
    p.add_argument("--diagnose", action="store_true", help="bias, SD/SE, choices, baseline")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse([] if argv is None else argv)
    seeds = range(args.first_seed, args.first_seed + args.cohorts)
    print(f"coverage of the 95% intervals: {args.cohorts} cohorts per n, seeds "
          f"{seeds.start}-{seeds.stop - 1}, {args.jobs} worker(s); target 95%", flush=True)
    for variant in args.variant:
        for n in args.n:
            outcomes, seconds = run(variant, n, seeds, args.jobs)
            report(variant, n, outcomes, seconds, args.diagnose)


if __name__ == "__main__":
    main(sys.argv[1:])
