"""Evaluation speed: the full report with 200 bootstrap refits on 1,000 patients.

Goal: under 30 s on the 2-core machine. Reference measured in the same run: one lifelines
``CoxPHFitter`` fit of the biopsy model's design on the same patients (the unit of work a
naive bootstrap repeats 400 times).
"""

from __future__ import annotations

import time

GOAL_SECONDS = 30.0
PATIENTS = 1000
RESAMPLES = 200


def _timed(fn, repeat: int = 1) -> tuple[float, object]:
    best, result = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return best, result


def main() -> None:
    import pandas as pd
    from joblib import effective_n_jobs
    from lifelines import CoxPHFitter

    from risk.data.validation import canonicalise
    from risk.evaluation.report import evaluate
    from risk.model import BiopsyRiskModel
    from risk.synthetic.generator import generate_cohort

    frame = canonicalise(generate_cohort(PATIENTS, 20250517))
    model = BiopsyRiskModel(penalizer=0.05, extra_terms=[]).fit(frame)
    biopsied = frame[frame["met_grade"].notna()]
    design = pd.DataFrame(model.biopsy_model_.design(biopsied),
                          columns=list(model.biopsy_model_.coef_.index))
    design = design.assign(t=biopsied["os_months"].to_numpy(),
                           e=biopsied["death"].to_numpy())

    def one_fit():
        return CoxPHFitter(penalizer=0.05).fit(design, "t", "e")

    one_fit()  # warm up imports
    ref, _ = _timed(one_fit, repeat=5)
    print(f"reference: one lifelines CoxPHFitter fit, {len(design)} patients, "
          f"{design.shape[1] - 2} covariates: {ref * 1000:.1f} ms")

    evaluate(model, frame.iloc[:200], bootstrap=2, n_jobs=1)  # warm up imports
    t0, _ = _timed(lambda: evaluate(model, frame, bootstrap=0))
    print(f"evaluation without resampling ({PATIENTS} patients): {t0:.2f} s "
          f"= {t0 / ref:.0f} x reference")
    workers = effective_n_jobs(-1)
    tb, report = _timed(lambda: evaluate(model, frame, bootstrap=RESAMPLES, seed=0, n_jobs=-1))
    verdict = "meets" if tb < GOAL_SECONDS else "MISSES"
    print(f"evaluation with {RESAMPLES} bootstrap refits on {workers} worker(s): {tb:.2f} s "
          f"= {tb / ref:.0f} x reference ({verdict} the {GOAL_SECONDS:.0f} s goal)")
    print(f"  per resample (refit both models, score on resample and cohort): "
          f"{(tb - t0) / RESAMPLES * 1000:.1f} ms of wall time "
          f"= {(tb - t0) / RESAMPLES / ref:.1f} x reference")
    opt = report.optimism
    print(f"  C {report.headline.harrell_c:.3f}, optimism-corrected "
          f"{opt.metrics['harrell_c'].corrected:.3f}; failed refits {opt.failed}")


if __name__ == "__main__":
    main()
