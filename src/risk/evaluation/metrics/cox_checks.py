"""Checks on Cox models refitted to a cohort: the likelihood-ratio test of nested models
(what the liver-biopsy grade adds) and Schoenfeld-residual tests of proportional hazards.

Both refit unpenalised lifelines models on design matrices (one column per encoded
covariate). Columns that are constant or a linear combination of earlier columns in the
cohort (e.g. a category nobody has) are dropped first and named in the result, since an
unpenalised fit cannot estimate them.
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from scipy.stats import chi2

from risk.evaluation.notes import CHECK_FAILED, NESTED_FIT_FAILED
from risk.stats.cox_solver import log_partial_likelihood
from risk.stats.outcome import check_outcome

if TYPE_CHECKING:
    from lifelines import CoxPHFitter
    from numpy.typing import ArrayLike, NDArray


def likelihood_ratio_test(loglik_nested: float, loglik_full: float, df: int) -> dict[str, Any]:
    """LR statistic 2 (l_full - l_nested), chi-square on ``df`` degrees of freedom."""
    stat = max(0.0, 2.0 * (loglik_full - loglik_nested))
    p = float(chi2.sf(stat, df)) if df > 0 else float("nan")
    return {"statistic": float(stat), "df": int(df), "p": p}


def independent_columns(design: pd.DataFrame, first: list[str] | None = None) -> list[str]:
    """Columns kept in order (``first`` ones first) while each adds to the matrix rank."""
    order = list(first or []) + [c for c in design.columns if c not in (first or [])]
    kept: list[str] = []
    rank = 0
    values = design[order].to_numpy(float)
    values = values - values.mean(axis=0)
    for j, name in enumerate(order):
        if np.ptp(values[:, j]) == 0:
            continue
        trial = values[:, [order.index(k) for k in kept] + [j]]
        new_rank = np.linalg.matrix_rank(trial)
        if new_rank > rank:
            kept.append(name)
            rank = new_rank
    return kept


def _fit(time: NDArray[np.float64], event: NDArray[np.bool_], design: pd.DataFrame
         ) -> tuple[CoxPHFitter, pd.DataFrame]:
    from lifelines import CoxPHFitter

    data = design.reset_index(drop=True).astype(float)
    data["_time"] = time
    data["_death"] = event.astype(int)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # convergence chatter; failures raise below
        return CoxPHFitter(penalizer=0.0).fit(data, "_time", "_death"), data


def nested_cox_lr_test(time: ArrayLike, event: ArrayLike, nested: pd.DataFrame,
                       full: pd.DataFrame) -> dict[str, Any]:
    """Likelihood-ratio test of ``nested`` (columns a subset of ``full``'s) against
    ``full``, both refitted unpenalised on the same patients (``nested`` may have no
    columns: the test against the null model).

    Returns ``statistic, df, p, loglik_nested, loglik_full, dropped`` (or ``p`` NaN and a
    ``note`` when a fit fails).
    """
    time, event = check_outcome(time, event, min_patients=2)
    missing = set(nested.columns) - set(full.columns)
    if missing:
        raise ValueError(f"nested columns not in the full model: {sorted(missing)}")
    full_cols = independent_columns(full, first=list(nested.columns))
    nested_cols = [c for c in full_cols if c in nested.columns]
    dropped = [c for c in full.columns if c not in full_cols]
    try:
        big, _ = _fit(time, event, full[full_cols])
        if nested_cols:
            loglik_nested = _fit(time, event, full[nested_cols])[0].log_likelihood_
        else:
            loglik_nested = log_partial_likelihood(np.zeros(time.size), time, event)
    except Exception as exc:  # noqa: BLE001 - lifelines raises several kinds on failure
        return {"statistic": float("nan"), "df": len(full_cols) - len(nested_cols),
                "p": float("nan"), "dropped": dropped,
                "note": NESTED_FIT_FAILED.format(error=type(exc).__name__)}
    out = likelihood_ratio_test(loglik_nested, big.log_likelihood_,
                                len(full_cols) - len(nested_cols))
    out.update(loglik_nested=float(loglik_nested),
               loglik_full=float(big.log_likelihood_), dropped=dropped)
    return out


def proportional_hazards_check(time: ArrayLike, event: ArrayLike, design: pd.DataFrame,
                               alpha: float = 0.05) -> dict[str, Any]:
    """Schoenfeld-residual test of proportional hazards for each covariate
    (lifelines ``proportional_hazard_test``, rank-transformed time).

    Returns ``{"covariates": [{covariate, statistic, p, violated}], "dropped": [...]}``;
    ``violated`` means p < ``alpha`` (a flag for review, not a verdict: with many patients
    tiny departures are significant).
    """
    from lifelines.statistics import proportional_hazard_test

    time, event = check_outcome(time, event, min_patients=2)
    cols = independent_columns(design)
    dropped = [c for c in design.columns if c not in cols]
    try:
        fitted, data = _fit(time, event, design[cols])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            summary = proportional_hazard_test(fitted, data, time_transform="rank").summary
    except Exception as exc:  # noqa: BLE001
        return {"covariates": [], "dropped": dropped,
                "note": CHECK_FAILED.format(error=type(exc).__name__)}
    rows = [{"covariate": str(name), "statistic": float(r["test_statistic"]),
             "p": float(r["p"]), "violated": bool(r["p"] < alpha)}
            for name, r in summary.iterrows()]
    return {"covariates": rows, "dropped": dropped, "time_transform": "rank"}
