"""Bootstrap intervals for concordance with the predictions held fixed.

The interval for a model's C on a cohort reflects which patients happened to be sampled;
we resample patients (percentile bootstrap) and keep each patient's prediction. A
resample is a vector of multiplicities m (how often each patient was drawn), so the C of
a resample is a ratio of two quadratic forms m' K m / m' P m over the pair matrices
(K: concordant, P: usable pairs). Building K and P once (in blocks of deaths) and
multiplying by all resamples at once makes 200 resamples cost about as much as one
scikit-survival call. Pairs and ties follow :func:`risk.evaluation.metrics.harrell_c` (scores within
``TIED_RISK`` tie); results equal :func:`~risk.evaluation.metrics.harrell_c` and
:func:`~risk.evaluation.metrics.uno_c` on the materialised resample (tested).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from risk.evaluation.metrics.discrimination import TIED_RISK, usable_tau
from risk.stats.kaplan_meier import censoring_survival
from risk.stats.outcome import check_outcome

if TYPE_CHECKING:
    from numpy.typing import ArrayLike, NDArray

_BLOCK = 2_000_000  # pair-matrix entries per block (memory ~ 16 MB per matrix)


def percentile_interval(values: ArrayLike, level: float = 0.95) -> tuple[float, float]:
    """The (1 - level)/2 and (1 + level)/2 centiles of the finite values (NaN if none)."""
    finite = np.asarray(values, float)
    finite = finite[np.isfinite(finite)]
    if finite.size == 0:
        return float("nan"), float("nan")
    lo, hi = np.percentile(finite, [50 * (1 - level), 50 * (1 + level)])
    return float(lo), float(hi)


def multiplicities(indices: Sequence[NDArray[np.int_]], n: int) -> NDArray[np.float64]:
    """(B, n) counts of each patient in each of B resamples (arrays of row indices)."""
    counts = np.zeros((len(indices), n))
    for b, idx in enumerate(indices):
        counts[b] = np.bincount(idx, minlength=n)
    return counts


def _uno_weights(time: NDArray[np.float64], event: NDArray[np.bool_],
                 indices: Sequence[NDArray[np.int_]], deaths: NDArray[np.intp],
                 tau: float | None) -> NDArray[np.float64]:
    """(B, deaths) squared inverse censoring weights, each resample's own censoring KM;
    0 for deaths at or after tau. NaN rows where the censoring KM reaches 0."""
    weights = np.zeros((len(indices), deaths.size))
    for b, idx in enumerate(indices):
        # Deaths not drawn get weight 0 below; clip their times into this resample's
        # follow-up, where the censoring KM is defined.
        at = np.minimum(time[deaths], time[idx].max())
        g = censoring_survival(time[idx], event[idx], at)
        with np.errstate(divide="ignore"):
            w = 1.0 / np.square(g)
        if tau is not None:
            w[time[deaths] >= tau] = 0.0
        present = np.isin(deaths, idx)
        if (g[present & (w > 0)] == 0).any():
            weights[b] = np.nan
        else:
            weights[b] = np.where(present, w, 0.0)
    return weights


def bootstrap_concordance(time: ArrayLike, event: ArrayLike, risks: ArrayLike,
                          indices: Iterable[ArrayLike], tau: float | None = None
                          ) -> dict[str, Any]:
    """Harrell's and Uno's C of fixed risk scores on each bootstrap resample.

    Parameters
    ----------
    risks : array, shape (n,) or (n, k)
        Risk scores (higher = riskier), one column per model.
    indices : array of int (B, n), or a sequence of B arrays of row indices
        The rows of each resample (resamples may differ in size, e.g. a subgroup's rows
        of cohort-level resamples).
    tau : float, optional
        Truncation for Uno's C (as in :func:`risk.evaluation.metrics.uno_c`).

    Returns
    -------
    dict
        ``harrell`` and ``uno``: arrays of shape (B, k).
    """
    time, event = check_outcome(time, event, min_patients=2)
    risks = np.asarray(risks, float).reshape(time.size, -1)
    resamples = [np.asarray(idx, int) for idx in indices]
    m = multiplicities(resamples, time.size)
    tau = usable_tau(time, tau)
    deaths = np.flatnonzero(event)
    w = _uno_weights(time, event, resamples, deaths, tau)
    k = risks.shape[1]
    sums = {name: np.zeros((len(resamples), k)) for name in ("hn", "hd", "un", "ud")}
    step = max(1, _BLOCK // time.size)
    for start in range(0, deaths.size, step):
        rows = deaths[start:start + step]
        t_i = time[rows][:, None]
        usable = (time[None, :] > t_i) | ((time[None, :] == t_i) & ~event[None, :])
        pairs = usable.astype(float) @ m.T  # (rows, B): usable partners drawn
        m_rows = m[:, rows].T  # (rows, B): how often each death was drawn
        w_rows = w[:, start:start + step].T
        for j in range(k):
            r_i = risks[rows, j][:, None]
            diff = r_i - risks[None, :, j]
            score = np.where(np.abs(diff) <= TIED_RISK, 0.5, (diff > 0).astype(float))
            conc = (usable * score) @ m.T
            sums["hn"][:, j] += (m_rows * conc).sum(axis=0)
            sums["hd"][:, j] += (m_rows * pairs).sum(axis=0)
            sums["un"][:, j] += (m_rows * w_rows * conc).sum(axis=0)
            sums["ud"][:, j] += (m_rows * w_rows * pairs).sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return {"harrell": sums["hn"] / sums["hd"], "uno": sums["un"] / sums["ud"]}
