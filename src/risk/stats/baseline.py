"""The project's one baseline cumulative hazard of a Cox model, and the sums its 95%
intervals need: for the served models, recalibration, the bootstrap's refits and the
smoothed calibration curve.

For centred covariates ``z = x - mean`` and ``w_j = exp(z_j . beta)``, at each distinct
time ``t_i`` with ``d_i`` deaths let ``S0 = sum w_j`` and ``S1 = sum w_j z_j`` over the
patients at risk, ``D0``, ``D1`` the same sums over the ``d_i`` deaths, and
``phi_k = S0 - (k / d_i) D0`` (``k = 0 .. d_i - 1``). With Efron's tie handling, as R's
``survfit.coxph`` after ``coxph(ties = "efron")``:

    dH0(t_i) = sum_k 1 / phi_k,          H0(t) = sum_{t_i <= t} dH0(t_i),
    dV0(t_i) = sum_k 1 / phi_k^2,        V0(t) = sum_{t_i <= t} dV0(t_i),
    dA(t_i)  = sum_k (S1 - (k / d_i) D1) / phi_k^2,  A(t) = sum_{t_i <= t} dA(t_i).

Without tied deaths (every ``d_i`` = 1) these are Breslow's ``d_i / S0``, ``d_i / S0^2``
and ``d_i S1 / S0^2`` exactly; ``ties="breslow"`` gives those at tied times too (it is
lifelines' ``baseline_cumulative_hazard_``, which is Breslow's even after Efron fits).
``V0`` and ``A`` enter the variance of a predicted cumulative hazard
(:mod:`risk.model.bands`). The tests check ``H0`` against R's ``basehaz`` on tied data.

Between follow-up times the step functions are read in one of two ways (``between``):
``"linear"`` interpolates them, anchored at (0, 0) so that every survival curve starts at
1, exactly as lifelines' ``predict_survival_function(times=...)`` does (the served models'
monthly grid); ``"step"`` reads the step function itself, as R's ``basehaz`` prints it
(the calibration model).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from risk.stats.cox_solver import TIES

#: How the step functions are read between follow-up times (module doc).
BETWEEN = ("linear", "step")


@dataclass
class Baseline:
    """Per-month aggregates of the training data (no rows): what intervals need."""

    months: np.ndarray  # (T,) grid, 0..120
    cumulative_hazard: np.ndarray  # (T,) H0
    variance_term: np.ndarray  # (T,) V0, the baseline's own variance
    a: np.ndarray  # (T, p) A(t)

    def to_dict(self) -> dict[str, Any]:
        return {"months": self.months.tolist(),
                "cumulative_hazard": self.cumulative_hazard.tolist(),
                "variance_term": self.variance_term.tolist(),
                "a": self.a.tolist()}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Baseline:
        months = np.asarray(d["months"], dtype=float)
        a = np.asarray(d["a"], dtype=float).reshape(len(months), -1)
        return cls(months, np.asarray(d["cumulative_hazard"], dtype=float),
                   np.asarray(d["variance_term"], dtype=float), a)

    def given_alive(self, months: float) -> Baseline:
        """The aggregates of the deaths after ``months`` only: what survival conditional
        on being alive then needs.

        ``S(t | alive at s) = exp(-exp(lp) [H0(t) - H0(s)])`` for ``t >= s`` (1 before). The
        same Tsiatis variance holds for the increment ``H(t|x) - H(s|x)``: its terms are
        sums over the deaths in (s, t], so ``V0``, ``H0`` and ``A`` become their
        increments since ``s``; the log(-log) interval is then that of the increment.
        Values at a non-grid ``s`` are interpolated as the curves are (linearly).
        """
        def since(values: np.ndarray) -> np.ndarray:
            at_s = np.interp(months, self.months, values) if values.ndim == 1 else \
                np.array([np.interp(months, self.months, v) for v in values.T])
            later = self.months[:, None] if values.ndim > 1 else self.months
            return np.where(later > months, values - at_s, 0.0)

        return Baseline(self.months, since(self.cumulative_hazard),
                        since(self.variance_term), since(self.a))



def baseline_aggregates(X: np.ndarray, durations: np.ndarray, events: np.ndarray,
                        coef: np.ndarray, means: np.ndarray, grid: np.ndarray,
                        ties: str = "efron", between: str = "linear") -> Baseline:
    """Baseline ``H0``, its variance term ``V0`` and ``A`` on ``grid`` (module doc).

    ``events`` are 0/1. ``ties`` is ``"efron"`` (default: the served models' fit) or
    ``"breslow"``; the two agree exactly where no deaths are tied. ``between`` is
    ``"linear"`` (default: the served models' grid) or ``"step"``.
    """
    if ties not in TIES:
        raise ValueError(f"The 'ties' parameter must be one of {TIES}; got {ties!r}")
    if between not in BETWEEN:
        raise ValueError(f"The 'between' parameter must be one of {BETWEEN}; got {between!r}")
    order = np.argsort(durations, kind="stable")
    t, e = durations[order], events[order]
    z = X[order] - means
    w = np.exp(z @ coef)
    times, first, inverse = np.unique(t, return_index=True, return_inverse=True)
    s0 = np.cumsum(w[::-1])[::-1][first]
    s1 = np.cumsum((w[:, None] * z)[::-1], axis=0)[::-1][first]
    d = np.bincount(inverse, weights=e, minlength=len(times))
    dh0, dv0, da = d / s0, d / s0**2, d[:, None] * s1 / s0[:, None] ** 2
    tied = np.flatnonzero(d > 1) if ties == "efron" else np.zeros(0, dtype=int)
    if tied.size:
        we = w * e
        d0 = np.add.reduceat(we, first)[tied]
        d1 = np.add.reduceat(we[:, None] * z, first, axis=0)[tied]
        dh0[tied], dv0[tied], da[tied] = _efron_increments(d[tied], s0[tied], s1[tied],
                                                           d0, d1)
    knots = np.concatenate(([0.0], times))
    grid = np.asarray(grid, dtype=float)

    def on_grid(increments: np.ndarray) -> np.ndarray:
        cumulative = np.concatenate(([0.0], np.cumsum(increments)))
        if between == "step":  # 0 before the first time, then the value at the last time <= t
            return cumulative[np.searchsorted(times, grid, side="right")]
        return np.interp(grid, knots, cumulative)  # type: ignore[no-any-return]  # numpy: an array grid gives an array

    a_grid = np.column_stack([on_grid(da[:, j]) for j in range(da.shape[1])]) \
        if da.shape[1] else np.zeros((len(grid), 0))
    return Baseline(grid, on_grid(dh0), on_grid(dv0), a_grid)


def _efron_increments(d: np.ndarray, s0: np.ndarray, s1: np.ndarray, d0: np.ndarray,
                      d1: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Efron's increments at times with ``d`` > 1 tied deaths: one term per
    ``k = 0 .. d - 1`` with ``phi_k = S0 - (k / d) D0``, summed per time."""
    counts = d.astype(int)
    starts = np.cumsum(counts) - counts
    row = np.repeat(np.arange(counts.size), counts)
    share = (np.arange(counts.sum()) - starts[row]) / d[row]  # k / d
    phi = s0[row] - share * d0[row]
    numerator = s1[row] - share[:, None] * d1[row]
    return (np.add.reduceat(1.0 / phi, starts), np.add.reduceat(1.0 / phi**2, starts),
            np.add.reduceat(numerator / phi[:, None] ** 2, starts, axis=0))
