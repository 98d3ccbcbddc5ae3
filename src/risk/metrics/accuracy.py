"""Accuracy of the predicted survival probabilities: Brier scores and the integrated
Brier score (Graf et al. 1999, inverse-probability-of-censoring weighted).

scikit-survival computes them; this module chooses the evaluation times so that they lie
strictly inside the follow-up (its rule) and reports a skipped horizon as NaN instead of
raising.
"""

from __future__ import annotations

import numpy as np

from risk.metrics.discrimination import _surv, check_outcome, usable_horizons


def brier_scores(time, event, survival, months) -> dict[float, float]:
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
    from sksurv.metrics import brier_score

    time, event = check_outcome(time, event)
    survival = np.asarray(survival, float).reshape(time.size, -1)
    inside, _ = usable_horizons(time, months)
    out = {float(m): float("nan") for m in months}
    if inside:
        cols = [list(map(float, months)).index(m) for m in inside]
        y = _surv(time, event)
        _, scores = brier_score(y, y, survival[:, cols], inside)
        out.update({m: float(s) for m, s in zip(inside, scores, strict=True)})
    return out


def integrated_brier_score(time, event, curves, grid_months, until: float = 120.0):
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

    time, event = check_outcome(time, event)
    grid = np.asarray(grid_months, float)
    keep = (grid >= time.min()) & (grid < time.max()) & (grid <= until) & (grid > 0)
    if keep.sum() < 2:
        return float("nan"), float("nan"), float("nan")
    y = _surv(time, event)
    curves = np.asarray(curves, float)[:, keep]
    ibs = sksurv_ibs(y, y, curves, grid[keep])
    return float(ibs), float(grid[keep][0]), float(grid[keep][-1])
