"""Cross-validated choice of the optional Ki-67 / grade-change terms.

The base model's covariates are fixed by clinical knowledge. A Ki-67 term (within-grade
gradient) or a grade-change term (an upgrade's effect beyond the two grades) is added only
when it raises the cross-validated Harrell C-index (mean over K folds from a seeded
permutation, so the choice is reproducible) by at least :data:`MIN_C_GAIN`; forward
selection, the larger gain first. :func:`compare_terms` returns the figures with and
without each term; the fitted model keeps them (``CoxModel.selection_``) for the model
card. Cohorts where an upgrade or Ki-67 carries its own risk get the term (both cases
are tested in ``tests/model/test_model_stats.py``); the shipped synthetic cohort's generator
draws risk from the grades themselves, and neither term passes there.

The penalizer is not tuned: estimates are maximum partial likelihood, with a small ridge
penalty only as a stabiliser (:mod:`risk.model.fit`). A penalty chosen by cross-validation
shrinks every patient's estimate toward the average, and intervals computed from the
penalised fit ignore that bias: they covered the truth in about 90% of simulated cohorts
instead of 95% (see ``benchmarks/bench_coverage.py``). Riley et al. (J Clin Epidemiol
2021;132:88-96) show such tuned shrinkage is unreliable exactly where it is meant to help,
in small cohorts; the bootstrap-corrected calibration slope of the validation reports the
overfitting instead.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from risk.errors import ModelError
from risk.model.features import candidate_columns, check_covariates, encode
from risk.model.fit import CoxFitError, fit_coefficients
from risk.model.settings import check_setting
from risk.stats.outcome import check_outcome

MIN_C_GAIN = 0.005


def fold_ids(n: int, folds: int, seed: int) -> np.ndarray:
    """Fold number (0..folds-1) of each patient, from a seeded permutation."""
    folds = check_setting("cv_folds", folds)
    if n < 2 * folds:
        raise ModelError(f"Cross-validation with {folds} folds needs at least {2 * folds} "
                         f"patients; got {n}.")
    ids = np.arange(n) % folds
    return np.random.default_rng(seed).permutation(ids)


def cv_concordance(X: np.ndarray, durations: np.ndarray, events: np.ndarray,
                   penalizer: float, folds: np.ndarray) -> float:
    """Mean over folds of Harrell's C of the held-out patients (NaN if a fit fails)."""
    from risk.evaluation.metrics.discrimination import harrell_c

    scores = []
    for k in np.unique(folds):
        train, test = folds != k, folds == k
        if events[test].sum() == 0:
            continue
        try:
            coef, means = fit_coefficients(X[train], durations[train], events[train], penalizer)
        except CoxFitError:
            return float("nan")
        lp = (X[test] - means) @ coef
        try:
            scores.append(harrell_c(durations[test], events[test], lp))
        except ModelError:  # no usable pairs in this fold
            continue
    return float(np.mean(scores)) if scores else float("nan")


def _json_float(x: float) -> float | None:
    return float(x) if np.isfinite(x) else None


def _design(frame: pd.DataFrame, covariates: str, terms: tuple[str, ...]) -> np.ndarray:
    return encode(frame, candidate_columns(covariates, terms), covariates, terms)


def compare_terms(frame: pd.DataFrame, covariates: str = "biopsy",
                  candidates: tuple[str, ...] = ("grade_change", "ki67"),
                  penalizer: float = 0.0, cv_folds: int = 5, seed: int = 0,
                  base: tuple[str, ...] = ()) -> dict[str, float]:
    """Cross-validated C-index of the model with ``base`` terms, alone and plus each
    candidate: ``{"base": c0, "grade_change": c1, ...}`` (same folds for all)."""
    check_covariates(covariates, base)
    candidates = tuple(c for c in candidates
                       if not (covariates == "primary_only" and c == "grade_change"))
    t, e = check_outcome(frame["os_months"], frame["death"])
    folds = fold_ids(len(frame), cv_folds, seed)
    out = {"base": cv_concordance(_design(frame, covariates, base), t, e, penalizer, folds)}
    for term in candidates:
        if term not in base:
            X = _design(frame, covariates, (*base, term))
            out[term] = cv_concordance(X, t, e, penalizer, folds)
    return out


def select_terms(frame: pd.DataFrame, covariates: str, penalizer: float, cv_folds: int,
                 seed: int) -> tuple[tuple[str, ...], list[dict[str, Any]]]:
    """Forward selection of extra terms by cross-validated C (see module doc)."""
    chosen: tuple[str, ...] = ()
    history = []
    while True:
        scores = compare_terms(frame, covariates, penalizer=penalizer, cv_folds=cv_folds,
                               seed=seed, base=chosen)
        history.append({"with": list(chosen), "cv_c_index": {
            k: _json_float(v) for k, v in scores.items()}})
        gains = {k: v - scores["base"] for k, v in scores.items() if k != "base"}
        gains = {k: g for k, g in gains.items() if np.isfinite(g) and g >= MIN_C_GAIN}
        if not gains:
            return chosen, history
        chosen = (*chosen, max(gains, key=gains.__getitem__))
