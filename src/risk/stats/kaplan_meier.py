"""The project's one Kaplan-Meier estimator: survival, its 95% band, numbers at risk and
medians, and the observed survival at a horizon that the evaluation metrics need.

Vectorised on the table of unique times (one ``np.unique`` and two ``bincount``, no loop
over patients), so a 100,000-patient cohort takes milliseconds and a small calibration
group microseconds. The estimates equal lifelines' ``KaplanMeierFitter`` (survival,
exponential-Greenwood "log-log" band) and R's ``survfit(..., conf.type = "log-log")``;
medians and their intervals follow R (:data:`MEDIAN_RULE`), which differs from lifelines
only where a curve stays at exactly 50%; the tests check both.

Used by the cohort page (:mod:`risk.cohort.survival`), the evaluation metrics
(calibration groups, decision curves, reclassification; the censoring distribution of
the bootstrap's Uno C), recalibration checks and the reverse Kaplan-Meier median
follow-up of :mod:`risk.data.validation`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from risk.i18n import N_
from risk.stats.normal import Z_95

if TYPE_CHECKING:
    from numpy.typing import ArrayLike

#: R's tolerance for "the curve is at 50%" (``.Machine$double.eps^0.5``).
_AT_HALF = float(np.sqrt(np.finfo(float).eps))
#: How every Kaplan-Meier median (and its interval, and the median follow-up) is read
#: off its curve, in words for wherever one is shown.
MEDIAN_RULE = N_("Median: the first time the Kaplan-Meier curve is at or below 50%; where "
               "it stays at exactly 50% over an interval, the middle of that interval (as "
               "R's `survfit`).")


@dataclass(frozen=True)
class SurvivalCurve:
    """A Kaplan-Meier curve: a right-continuous step function on ``times``.

    ``times`` starts at 0 and holds every distinct follow-up time; ``at_risk[i]`` is the
    number still followed just before ``times[i]``; ``lower``/``upper`` are the pointwise
    confidence band (exponential Greenwood, as lifelines and R's ``conf.type="log-log"``).
    Medians follow :data:`MEDIAN_RULE` (R's ``survfit``) and are ``inf`` when the curve
    (or its bound) never falls to 50%.
    """

    label: str
    n: int
    events: int
    times: np.ndarray
    survival: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    at_risk: np.ndarray
    median: float
    median_lower: float
    median_upper: float

    def _index(self, months: ArrayLike) -> np.ndarray:
        idx = np.searchsorted(self.times, np.asarray(months, dtype=float), side="right") - 1
        return np.clip(idx, 0, None)

    def survival_at(self, months: ArrayLike) -> np.ndarray:
        """Survival probability at the given months (the step value in force)."""
        return self.survival[self._index(months)]  # type: ignore[no-any-return]  # numpy: indexing is typed Any

    def band_at(self, months: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
        """Lower and upper confidence limits at the given months."""
        idx = self._index(months)
        return self.lower[idx], self.upper[idx]

    def at_risk_at(self, months: ArrayLike) -> np.ndarray:
        """Number at risk at the given months: patients with follow-up >= that time
        (R's ``summary(survfit, times=)``); 0 after the last follow-up."""
        idx = np.searchsorted(self.times, np.asarray(months, dtype=float), side="left")
        padded = np.append(self.at_risk, 0)
        return padded[np.minimum(idx, len(self.at_risk))].astype(int)


def kaplan_meier(durations: ArrayLike, events: ArrayLike, label: str = "All patients",
                 alpha: float = 0.05) -> SurvivalCurve:
    """The Kaplan-Meier estimate with a ``1 - alpha`` confidence band.

    ``S(t) = prod_{t_i <= t} (1 - d_i / n_i)``; Greenwood's sum
    ``sum d_i / (n_i (n_i - d_i))`` feeds the log-log band
    ``exp(-exp(log(-log S) -/+ z sqrt(greenwood) / log S))``, set to 1 where S = 1 and
    to 0 where S = 0 (as lifelines; R leaves it undefined there, so the median's
    interval is read off the band where S > 0, as R's).
    """
    durations = np.asarray(durations, dtype=float)
    died = np.asarray(events, dtype=float)
    if durations.shape != died.shape or durations.ndim != 1:
        raise ValueError("durations and events must be 1-d and of the same length")
    if durations.size == 0:
        raise ValueError("no patients: a Kaplan-Meier curve needs at least one")
    if not np.isfinite(durations).all() or (durations < 0).any():
        raise ValueError("durations must be finite and >= 0")
    times, inverse = np.unique(durations, return_inverse=True)
    removed = np.bincount(inverse, minlength=times.size)
    deaths = np.bincount(inverse, weights=died, minlength=times.size)
    if times[0] > 0:  # the curve starts at time 0 with everyone at risk
        times, removed, deaths = (np.concatenate([[0.0], times]), np.concatenate([[0], removed]),
                                  np.concatenate([[0.0], deaths]))
    n = durations.size
    at_risk = n - np.concatenate([[0], np.cumsum(removed)[:-1]])
    survival = np.cumprod(1.0 - deaths / at_risk)
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = deaths / (at_risk * (at_risk - deaths).astype(float))
        greenwood = np.cumsum(np.where(np.isfinite(terms), terms, 0.0))
        log_s = np.log(survival)
        spread = _z(alpha) * np.sqrt(greenwood) / log_s
        lower = np.exp(-np.exp(np.log(-log_s) - spread))
        upper = np.exp(-np.exp(np.log(-log_s) + spread))
    lower, upper = np.nan_to_num(lower, nan=1.0), np.nan_to_num(upper, nan=1.0)
    return SurvivalCurve(label, n, int(died.sum()), times, survival, lower, upper,
                         at_risk.astype(int), median_time(times, survival),
                         *(median_time(times, np.where(survival > 0, band, np.nan))
                           for band in (lower, upper)))


def _z(alpha: float) -> float:
    if alpha == 0.05:
        return Z_95
    from scipy.stats import norm

    return float(norm.ppf(1 - alpha / 2))


def median_time(times: np.ndarray, curve: np.ndarray) -> float:
    """When a non-increasing step curve reaches 50%, by R's rule (``survmean``).

    The first time the curve is below 0.5 + sqrt(eps); if the curve is at 0.5 there
    (within sqrt(eps)) and falls below that value later, the midpoint between that time
    and the time it falls. ``inf`` if the curve never reaches 50%. lifelines' first
    time at or below 50% is the same except on such a flat.
    """
    hits = np.flatnonzero(curve < 0.5 + _AT_HALF)
    if not hits.size:
        return float("inf")
    first = hits[0]
    if abs(curve[first] - 0.5) < _AT_HALF:
        falls = np.flatnonzero(curve[first:] < curve[first])
        if falls.size:
            return float((times[first] + times[first + falls[0]]) / 2)
    return float(times[first])


# ------------------------------------------------------------ observed survival at a horizon

def survival_at(durations: ArrayLike, events: ArrayLike, months: ArrayLike) -> np.ndarray:
    """Kaplan-Meier S(t) at each of ``months``, NaN where it is not known: after the last
    follow-up (unless everybody has died by then) or without patients.

    Unlike :meth:`SurvivalCurve.survival_at`, which draws the curve, this answers "what
    was observed by that time" for the evaluation metrics.
    """
    return survival_with_interval(durations, events, months, level=None)[0]


def survival_with_interval(durations: ArrayLike, events: ArrayLike, months: ArrayLike,
                           level: float | None = 0.95
                           ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """S(t) as :func:`survival_at`, with a ``level`` confidence interval on the log(-log)
    scale (lifelines' default; the interval is the point where S is 1 or 0).

    Returns three arrays (estimate, lower, upper) over ``months``.
    """
    months = np.atleast_1d(np.asarray(months, dtype=float))
    if np.size(durations) == 0:
        blank = np.full(months.shape, np.nan)
        return blank, blank.copy(), blank.copy()
    curve = kaplan_meier(durations, events, alpha=0.05 if level is None else 1 - level)
    estimate = curve.survival_at(months)
    lower, upper = curve.band_at(months)
    if curve.survival[-1] > 0:  # beyond the last follow-up the curve is unknown
        unknown = months > curve.times[-1]
        estimate, lower, upper = (np.where(unknown, np.nan, a) for a in (estimate, lower, upper))
    return estimate, lower, upper


def censoring_survival(durations: ArrayLike, events: ArrayLike, at: ArrayLike) -> np.ndarray:
    """The Kaplan-Meier estimate of the censoring distribution, G(t) = P(still followed
    after t), at each of ``at``: the reverse Kaplan-Meier that inverse-probability-of-
    censoring weights (Uno's C) divide by.

    Deaths at a time leave the risk set before that time's censorings, as in
    scikit-survival's ``CensoringDistributionEstimator`` (tested equal). G is 1 before
    the first follow-up time and holds its last value after the last one.
    """
    durations = np.asarray(durations, dtype=float)
    died = np.asarray(events, dtype=float)
    times, inverse = np.unique(durations, return_inverse=True)
    removed = np.bincount(inverse, minlength=times.size)
    deaths = np.bincount(inverse, weights=died, minlength=times.size)
    censored = removed - deaths
    at_risk = durations.size - np.concatenate([[0], np.cumsum(removed)[:-1]]) - deaths
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(censored > 0, censored / at_risk, 0.0)
    followed = np.concatenate([[1.0], np.cumprod(1.0 - share)])
    return followed[np.searchsorted(times, np.asarray(at, dtype=float), side="right")]
