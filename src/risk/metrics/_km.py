"""Kaplan-Meier at a few time points, vectorised, with Greenwood's variance.

The evaluation needs observed survival at one horizon for many small groups (calibration
groups, decision-curve thresholds, reclassification cells); this gives exactly what
lifelines' ``KaplanMeierFitter`` gives (tested), without building its tables.
"""

from __future__ import annotations

import numpy as np
from scipy.stats import norm


def kaplan_meier(time, event):
    """Distinct death times, survival just after each, and Greenwood's cumulative term.

    Returns ``(times, survival, greenwood)`` where ``greenwood[k]`` is
    ``sum_{j<=k} d_j / (n_j (n_j - d_j))``.
    """
    time = np.asarray(time, float)
    event = np.asarray(event, bool)
    death_times, deaths = np.unique(time[event], return_counts=True)
    sorted_time = np.sort(time)
    at_risk = time.size - np.searchsorted(sorted_time, death_times, side="left")
    with np.errstate(divide="ignore", invalid="ignore"):
        survival = np.cumprod(1.0 - deaths / at_risk)
        greenwood = np.cumsum(deaths / (at_risk * (at_risk - deaths)))
    return death_times, survival, greenwood


def survival_at(time, event, months) -> np.ndarray:
    """Kaplan-Meier S(t) at each of ``months``; NaN after the last follow-up time."""
    months = np.atleast_1d(np.asarray(months, float))
    times, survival, _ = kaplan_meier(time, event)
    i = np.searchsorted(times, months, side="right") - 1
    out = np.where(i >= 0, survival[np.clip(i, 0, None)] if survival.size else 1.0, 1.0)
    out = np.asarray(out, float)
    if not np.size(time):
        out[:] = np.nan
    elif survival.size == 0 or survival[-1] > 0:
        # beyond the last follow-up the curve is unknown (unless everybody has died)
        out[months > np.max(time)] = np.nan
    return out


def survival_with_interval(time, event, months, level: float = 0.95):
    """S(t) with a confidence interval on the log(-log) scale (lifelines' default).

    Returns three arrays (estimate, lower, upper) over ``months``.
    """
    months = np.atleast_1d(np.asarray(months, float))
    times, survival, greenwood = kaplan_meier(time, event)
    est = survival_at(time, event, months)
    i = np.searchsorted(times, months, side="right") - 1
    gw = np.where(i >= 0, greenwood[np.clip(i, 0, None)] if greenwood.size else 0.0, 0.0)
    z = norm.ppf(0.5 + level / 2)
    with np.errstate(divide="ignore", invalid="ignore"):
        log_s = np.log(est)
        half = z * np.sqrt(gw) / np.abs(log_s)
        lower = np.exp(-np.exp(np.log(-log_s) + half))
        upper = np.exp(-np.exp(np.log(-log_s) - half))
    # no death yet (S = 1) or all died (S = 0): the interval is the point
    flat = ~np.isfinite(half) | (gw == 0)
    lower = np.where(flat, est, lower)
    upper = np.where(flat, est, upper)
    return est, lower, upper
