"""Baseline hazard and 95% intervals of a Cox-predicted survival curve.

For a patient with centred covariates ``z = x - mean`` and linear predictor
``lp = z . beta``, the predicted cumulative hazard is ``H(t|x) = H0(t) exp(lp)`` with
Breslow's baseline ``H0(t) = sum_{t_i <= t} d_i / S0(t_i)``, ``S0(t_i)`` the sum of
``exp(lp_j)`` over the patients at risk at event time ``t_i`` (centred covariates, as
lifelines computes it). Its variance (Tsiatis 1981; the Aalen/"Link-Tsiatis" form that
R's ``survfit.coxph`` uses for Breslow ties) is

    var H(t|x) = exp(2 lp) [ sum_{t_i<=t} d_i / S0(t_i)^2  +  q(t)' V q(t) ],
    q(t) = H0(t) z - A(t),   A(t) = sum_{t_i<=t} d_i xbar(t_i) / S0(t_i),

``xbar(t_i) = S1(t_i) / S0(t_i)`` the risk-weighted mean of the centred covariates at
``t_i`` and ``V`` the coefficients' covariance (lifelines' ``variance_matrix_``; with a
penalizer, the penalised fit's). The first term is the baseline's own noise, the second
the coefficients' (delta method). Efron's tie correction is not applied to the variance:
with survival times in continuous months ties are rare.

The model stores only aggregates on the monthly grid 0..120: ``H0``, the first term and
``A`` (p numbers per month), never patient rows. Between event times the stored step
functions are linearly interpolated, exactly as lifelines' ``predict_survival_function(
times=...)`` interpolates its baseline, except that the curve is anchored at (0, 0) so
that every survival curve starts at 1.

Intervals are built on the log(-log S) scale: ``log H(t|x) = log H0(t) + lp`` with
standard error ``se = sqrt(var H) / H``, so ``S_lower = exp(-H e^{+1.96 se})`` and
``S_upper = exp(-H e^{-1.96 se})``. They stay inside (0, 1) and their coverage at
moderate sample sizes is checked by simulation in the tests. (R's default is the "log"
scale; log-log is the choice of Kalbfleisch and Prentice and of SAS and Stata.)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

Z_95 = 1.959963984540054


@dataclass
class Baseline:
    """Per-month aggregates of the training data (no rows): what intervals need."""

    months: np.ndarray  # (T,) grid, 0..120
    cumulative_hazard: np.ndarray  # (T,) H0
    variance_term: np.ndarray  # (T,) sum d / S0^2
    a: np.ndarray  # (T, p) A(t)

    def to_dict(self) -> dict:
        return {"months": self.months.tolist(),
                "cumulative_hazard": self.cumulative_hazard.tolist(),
                "variance_term": self.variance_term.tolist(),
                "a": self.a.tolist()}

    @classmethod
    def from_dict(cls, d: dict) -> Baseline:
        months = np.asarray(d["months"], dtype=float)
        a = np.asarray(d["a"], dtype=float).reshape(len(months), -1)
        return cls(months, np.asarray(d["cumulative_hazard"], dtype=float),
                   np.asarray(d["variance_term"], dtype=float), a)


def baseline_aggregates(X: np.ndarray, durations: np.ndarray, events: np.ndarray,
                        coef: np.ndarray, means: np.ndarray, grid: np.ndarray) -> Baseline:
    """Breslow baseline ``H0``, ``sum d/S0^2`` and ``A`` on ``grid`` (see module doc)."""
    order = np.argsort(durations, kind="stable")
    t, e = durations[order], events[order]
    z = X[order] - means
    w = np.exp(z @ coef)
    times, first, inverse = np.unique(t, return_index=True, return_inverse=True)
    s0 = np.cumsum(w[::-1])[::-1][first]
    s1 = np.cumsum((w[:, None] * z)[::-1], axis=0)[::-1][first]
    d = np.bincount(inverse, weights=e, minlength=len(times))
    h0 = np.cumsum(d / s0)
    term = np.cumsum(d / s0**2)
    a = np.cumsum(d[:, None] * s1 / s0[:, None] ** 2, axis=0)
    knots = np.concatenate(([0.0], times))

    def on_grid(values: np.ndarray) -> np.ndarray:
        return np.interp(grid, knots, np.concatenate(([0.0], values)))

    a_grid = np.column_stack([on_grid(a[:, j]) for j in range(a.shape[1])]) \
        if a.shape[1] else np.zeros((len(grid), 0))
    return Baseline(np.asarray(grid, float), on_grid(h0), on_grid(term), a_grid)


class BandCalculator:
    """Vectorised survival curves and 95% bands for many patients at once.

    Built once per model: precomputes ``V A(t)'`` and ``A(t)' V A(t)`` so that each
    batch needs two small matrix products and element-wise work on (n, T) arrays.
    """

    def __init__(self, baseline: Baseline, covariance: np.ndarray, level: float = 0.95):
        if level != 0.95:
            from statistics import NormalDist
            self.z = NormalDist().inv_cdf(0.5 + level / 2)
        else:
            self.z = Z_95
        self.h0 = baseline.cumulative_hazard
        self.term = baseline.variance_term
        self.v = covariance
        self.va = covariance @ baseline.a.T  # (p, T)
        self.ava = np.einsum("tp,pt->t", baseline.a, self.va)  # A' V A per month

    def curves(self, lp: np.ndarray) -> np.ndarray:
        """S(t|x) on the grid, shape (n, T)."""
        return np.exp(-np.outer(np.exp(lp), self.h0))

    def bands(self, lp: np.ndarray, z: np.ndarray,
              chunk: int = 8192) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(curves, lower, upper), each (n, T); ``z`` = centred covariates (n, p).

        Works through the patients in chunks so that memory stays at the three outputs
        plus a few chunk-sized temporaries.
        """
        n, T = len(lp), len(self.h0)
        curves, lower, upper = (np.empty((n, T)) for _ in range(3))
        for start in range(0, n, chunk):
            rows = slice(start, min(start + chunk, n))
            self._bands_into(lp[rows], z[rows], curves[rows], lower[rows], upper[rows])
        return curves, lower, upper

    def _bands_into(self, lp, z, curves, lower, upper) -> None:
        h0 = self.h0
        # q'Vq = H0^2 z'Vz - 2 H0 z'VA + A'VA; plus sum d/S0^2; se(log H) = sqrt(.) / H0
        var = np.outer(np.einsum("np,pq,nq->n", z, self.v, z), h0**2)
        zva = z @ self.va
        zva *= 2.0 * h0
        var -= zva
        var += self.ava + self.term
        np.maximum(var, 0.0, out=var)
        np.sqrt(var, out=var)
        positive = h0 > 0
        var[:, positive] /= h0[positive]
        var[:, ~positive] = 0.0
        spread = np.exp(self.z * var, out=var)
        hazard = np.outer(np.exp(lp), h0)
        np.exp(-hazard, out=curves)
        np.divide(hazard, spread, out=upper)
        np.exp(-upper, out=upper)
        hazard *= spread
        np.exp(-hazard, out=lower)

    def cumulative_hazard_se(self, lp: np.ndarray, z: np.ndarray) -> np.ndarray:
        """Standard error of H(t|x), shape (n, T) (R's ``survfit`` ``std.err`` scale)."""
        h0 = self.h0
        q_var = (np.outer(np.einsum("np,pq,nq->n", z, self.v, z), h0**2)
                 - 2.0 * (z @ self.va) * h0 + self.ava)
        return np.exp(lp)[:, None] * np.sqrt(np.maximum(q_var + self.term, 0.0))


def first_month_at_or_below(curves: np.ndarray, months: np.ndarray,
                            level: float = 0.5) -> np.ndarray:
    """First grid month where each curve is <= ``level``; NaN if never."""
    below = curves <= level
    reached = below.any(axis=1)
    idx = np.argmax(below, axis=1)
    return np.where(reached, months[idx], np.nan)
