"""Cross-validated choices: the ridge penalizer and the optional Ki-67 / grade-change terms.

Penalizer (``penalizer="auto"``)
    K-fold cross-validation (folds from a seeded permutation, so the choice is
    reproducible) over :data:`PENALIZER_GRID`, scored by the cross-validated partial
    log-likelihood of Verweij and van Houwelingen (1993): for each fold k,
    ``l(beta_-k) - l_-k(beta_-k)``, the full cohort's partial log-likelihood minus that of
    the training folds, both at the coefficients fitted without fold k (Breslow's
    handling of tied times, in the refits and in the scores). Scores within
    :data:`TIE_TOLERANCE` of the best count as ties and go to the *smaller* penalizer:
    less shrinkage keeps coefficients and intervals interpretable when the data do not
    ask for more.

Extra terms (``extra_terms="auto"``)
    The base model's covariates are fixed by clinical knowledge. A Ki-67 term (within-
    grade gradient) or a grade-change term (an upgrade's effect beyond the two grades)
    is added only when it raises the cross-validated Harrell C-index (mean over the same
    folds, at the chosen penalizer) by at least :data:`MIN_C_GAIN`; forward selection,
    the larger gain first. :func:`compare_terms` returns the figures with and without
    each term; the fitted model keeps them (``CoxModel.selection_``) for the model card.
    On the shipped synthetic cohort (``data/synthetic/cohort.csv``, n = 1,000, seed 0,
    5 folds) neither term passes: biopsy model C 0.759 without, 0.759 with grade change,
    0.760 with Ki-67; primary-only model 0.720 without, 0.720 with Ki-67. Its generator
    draws risk from the grades themselves, not from an upgrade or from Ki-67 within a
    grade. Cohorts where an upgrade or Ki-67 carries its own risk get the term (both
    cases are tested in ``tests/test_model_stats.py``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from risk.cox_efron import log_partial_likelihood
from risk.coxfit import CoxFitError, check_outcome, fit_coefficients
from risk.errors import ModelError
from risk.features import candidate_columns, check_covariates, encode

PENALIZER_GRID = (0.0, 0.001, 0.01, 0.05, 0.1)
TIE_TOLERANCE = 0.1  # cross-validated log partial likelihood units
MIN_C_GAIN = 0.005


def fold_ids(n: int, folds: int, seed: int) -> np.ndarray:
    """Fold number (0..folds-1) of each patient, from a seeded permutation."""
    if not isinstance(folds, int | np.integer) or folds < 2:
        raise ModelError(f"The 'cv_folds' setting must be an integer >= 2; got {folds!r}.")
    if n < 2 * folds:
        raise ModelError(f"Cross-validation with {folds} folds needs at least {2 * folds} "
                         f"patients; got {n}.")
    ids = np.arange(n) % folds
    return np.random.default_rng(seed).permutation(ids)


def cv_partial_likelihood(X: np.ndarray, durations: np.ndarray, events: np.ndarray,
                          penalizer: float, folds: np.ndarray) -> float:
    """Verweij-van Houwelingen cross-validated partial log-likelihood (higher is better)."""
    total = 0.0
    for k in np.unique(folds):
        train = folds != k
        try:
            coef, means = fit_coefficients(X[train], durations[train], events[train], penalizer)
        except CoxFitError:
            return -np.inf
        lp = (X - means) @ coef
        total += (log_partial_likelihood(lp, durations, events, ties="breslow")
                  - log_partial_likelihood(lp[train], durations[train], events[train],
                                           ties="breslow"))
    return float(total)


def cv_concordance(X: np.ndarray, durations: np.ndarray, events: np.ndarray,
                   penalizer: float, folds: np.ndarray) -> float:
    """Mean over folds of Harrell's C of the held-out patients (NaN if a fit fails)."""
    from lifelines.utils import concordance_index

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
        scores.append(concordance_index(durations[test], -lp, events[test]))
    return float(np.mean(scores)) if scores else float("nan")


def choose_penalizer(X: np.ndarray, durations: np.ndarray, events: np.ndarray,
                     folds: np.ndarray, grid=PENALIZER_GRID) -> tuple[float, dict]:
    """The grid's best penalizer by cross-validated partial likelihood, and all scores."""
    scores = [cv_partial_likelihood(X, durations, events, p, folds) for p in grid]
    finite = [s for s in scores if np.isfinite(s)]
    if not finite:
        raise ModelError("No penalizer in the grid gave a usable Cox fit in "
                         "cross-validation; the cohort may be too small or degenerate.")
    best = max(finite)
    chosen = next(p for p, s in zip(grid, scores, strict=True) if s >= best - TIE_TOLERANCE)
    return float(chosen), {"grid": [float(p) for p in grid],
                           "cv_partial_log_likelihood": [_json_float(s) for s in scores],
                           "chosen": float(chosen)}


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
                 seed: int) -> tuple[tuple[str, ...], list[dict]]:
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
        chosen = (*chosen, max(gains, key=gains.get))
