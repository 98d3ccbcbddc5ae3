"""Accuracy of the predicted survival probabilities: Brier scores and the integrated
Brier score (Graf et al. 1999, inverse-probability-of-censoring weighted).

The Brier score is scikit-survival's ``brier_score`` written out with the project's
censoring Kaplan-Meier (:func:`risk.stats.kaplan_meier.censoring_survival`, the same estimate),
because the bootstrap scores every resample twice and scikit-survival's censoring
estimator loops over patients in Python; the tests check equality. The integrated score
is scikit-survival's. Evaluation times lie strictly inside the follow-up (its rule); a
skipped horizon is reported as NaN instead of raising.
"""

from __future__ import annotations

from collections.abc import Collection

import numpy as np
from numpy.typing import ArrayLike, NDArray

from risk.evaluation.metrics.discrimination import _surv, usable_horizons
from risk.stats.kaplan_meier import censoring_survival
from risk.stats.outcome import check_outcome


def brier_scores(time: ArrayLike, event: ArrayLike, survival: ArrayLike,
                 months: Collection[float]) -> dict[float, float]:
    """Brier score at each horizon for predicted survival ``S(t | x)``.

    Parameters
    ----------
    survival : array, shape (n, len(months))
        Each patient's predicted probability of being alive at each horizon.

    Returns
    -------
    dict
        horizon -> Brier score (0 is perfect; 0.25 is a coin toss at S = 0.5); NaN for a
        horizon outside the follow-up.
    """
    time, event = check_outcome(time, event, min_patients=2)
    survival = np.asarray(survival, float).reshape(time.size, -1)
    inside, _ = usable_horizons(time, months)
    out = {float(m): float("nan") for m in months}
    if not inside:
        return out
    # inverse probability of censoring weights: G at each patient's time and each horizon
    g_time = censoring_survival(time, event, time)
    g_horizon = censoring_survival(time, event, inside)
    g_time[g_time == 0] = np.inf
    g_horizon[g_horizon == 0] = np.inf
    months = list(map(float, months))
    for m, g in zip(inside, g_horizon, strict=True):
        out[m] = float(np.mean(_brier_terms(time, event, survival[:, months.index(m)], m,
                                            g_time, g)))
    return out


def _brier_terms(time: NDArray[np.float64], event: NDArray[np.bool_],
                 est: NDArray[np.float64], month: float, g_time: NDArray[np.float64],
                 g_horizon: NDArray[np.float64] | float) -> NDArray[np.float64]:
    """Each patient's inverse-probability-of-censoring weighted squared error."""
    died_by = (time <= month) & event
    alive = time > month
    terms: NDArray[np.float64] = (np.square(est) * died_by.astype(int) / g_time
                                  + np.square(1.0 - est) * alive.astype(int) / g_horizon)
    return terms


def brier_standard_error(time: ArrayLike, event: ArrayLike, survival: ArrayLike,
                         month: float) -> float:
    """Standard error of the Brier score at ``month`` (NaN outside the follow-up): the SD of
    the patients' weighted squared errors over sqrt(n), the censoring weights taken as
    known (the variance of a mean; Graf et al. 1999's score is that mean)."""
    time, event = check_outcome(time, event, min_patients=2)
    inside, _ = usable_horizons(time, [month])
    if not inside:
        return float("nan")
    g_time = censoring_survival(time, event, time)
    g_horizon = censoring_survival(time, event, inside)[0]
    g_time[g_time == 0] = np.inf
    g_horizon = np.inf if g_horizon == 0 else g_horizon
    terms = _brier_terms(time, event, np.asarray(survival, float), float(month), g_time,
                         g_horizon)
    return float(np.std(terms, ddof=1) / np.sqrt(time.size))


def integrated_brier_score(time: ArrayLike, event: ArrayLike, curves: ArrayLike,
                           grid_months: ArrayLike, until: float = 120.0
                           ) -> tuple[float, float, float]:
    """Integrated Brier score over the grid months strictly inside the follow-up.

    Parameters
    ----------
    curves : array, shape (n, len(grid_months))
        Predicted survival of each patient on ``grid_months`` (e.g. monthly 0..120).
    until : float
        Last month to integrate to (clipped to the follow-up).

    Returns
    -------
    (ibs, start, end)
        The score (NaN when fewer than two grid months are usable) and the months
        integrated over.
    """
    from sksurv.metrics import integrated_brier_score as sksurv_ibs

    time, event = check_outcome(time, event, min_patients=2)
    grid = np.asarray(grid_months, float)
    keep = (grid >= time.min()) & (grid < time.max()) & (grid <= until) & (grid > 0)
    if keep.sum() < 2:
        return float("nan"), float("nan"), float("nan")
    y = _surv(time, event)
    curves = np.asarray(curves, float)[:, keep]
    ibs = sksurv_ibs(y, y, curves, grid[keep])
    return float(ibs), float(grid[keep][0]), float(grid[keep][-1])
