"""A small Cox proportional-hazards fit (Efron ties) for the few covariates of a
calibration model.

Calibration needs Cox fits with one to three covariates (the complementary log-log of the
predicted risk, and its spline terms), hundreds of times inside the bootstrap. lifelines
spends most of such a fit on set-up; this Newton-Raphson fit in numpy gives the same
coefficients, log partial likelihood and Breslow baseline (tested against lifelines) in
about a millisecond.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from risk.errors import ModelError


@dataclass(frozen=True)
class SmallCoxFit:
    """Coefficients, their covariance and the log partial likelihood of an Efron Cox fit.

    ``baseline_times``/``baseline_cumhaz`` give the Breslow cumulative baseline hazard
    for covariates of zero (uncentred), as lifelines computes it.
    """

    coef: np.ndarray
    covariance: np.ndarray
    log_likelihood: float
    baseline_times: np.ndarray
    baseline_cumhaz: np.ndarray

    def cumulative_hazard_at(self, x: np.ndarray, months: float) -> np.ndarray:
        """H(t | x) for each row of ``x`` (shape (n, p))."""
        i = np.searchsorted(self.baseline_times, months, side="right") - 1
        h0 = self.baseline_cumhaz[i] if i >= 0 else 0.0
        return h0 * np.exp(np.asarray(x, float) @ self.coef)

    def survival_at(self, x: np.ndarray, months: float) -> np.ndarray:
        """S(t | x) for each row of ``x``."""
        return np.exp(-self.cumulative_hazard_at(x, months))


def _death_groups(time: np.ndarray, event: np.ndarray):
    """Per death (in time order): index of its tie group, and its rank l/d in the group."""
    order = np.argsort(time, kind="stable")
    t_sorted = time[order]
    e_sorted = event[order]
    death_times = t_sorted[e_sorted]
    uniq, group, counts = np.unique(death_times, return_inverse=True, return_counts=True)
    first = np.r_[0, np.cumsum(counts)[:-1]]
    rank = np.arange(death_times.size) - first[group]
    # risk set of a death time: everyone with time >= it, i.e. from this sorted position on
    start = np.searchsorted(t_sorted, uniq, side="left")
    return order, e_sorted, uniq, group, rank / counts[group], start


class _EfronTerms:
    """Log partial likelihood, gradient and Hessian for a given beta (Efron ties)."""

    def __init__(self, time, event, x):
        (self.order, self.e_sorted, self.death_times, self.group, self.a,
         self.start) = _death_groups(time, event)
        self.x = x[self.order]
        self.n_groups = self.death_times.size

    def __call__(self, beta):
        x, e = self.x, self.e_sorted
        eta = x @ beta
        shift = eta.max()
        r = np.exp(eta - shift)
        rx = r[:, None] * x
        rxx = rx[:, :, None] * x[:, None, :]
        # sums over the risk set {time >= t}: reverse cumulative sums at each group start
        s0 = np.cumsum(r[::-1])[::-1][self.start]
        s1 = np.cumsum(rx[::-1], axis=0)[::-1][self.start]
        s2 = np.cumsum(rxx[::-1], axis=0)[::-1][self.start]
        # sums over the tied deaths of each group
        g = self.group
        t0 = np.bincount(g, weights=r[e], minlength=self.n_groups)
        t1 = np.stack([np.bincount(g, weights=rx[e][:, j], minlength=self.n_groups)
                       for j in range(x.shape[1])], axis=1)
        t2 = np.zeros_like(s2)
        np.add.at(t2, g, rxx[e])
        a = self.a
        phi = s0[g] - a * t0[g]
        phi1 = s1[g] - a[:, None] * t1[g]
        phi2 = s2[g] - a[:, None, None] * t2[g]
        loglik = float(eta[e].sum() - (np.log(phi) + shift).sum())
        grad = x[e].sum(axis=0) - (phi1 / phi[:, None]).sum(axis=0)
        mean1 = phi1 / phi[:, None]
        hess = -((phi2 / phi[:, None, None]).sum(axis=0)
                 - np.einsum("ki,kj->ij", mean1, mean1))
        return loglik, grad, hess

    def breslow(self, beta):
        r = np.exp(self.x @ beta)
        s0 = np.cumsum(r[::-1])[::-1][self.start]
        deaths = np.bincount(self.group, minlength=self.n_groups)
        return self.death_times, np.cumsum(deaths / s0)


def fit_small_cox(time, event, x, max_iter: int = 50, tol: float = 1e-10) -> SmallCoxFit:
    """Fit a Cox model with Efron's tie handling by Newton-Raphson with step halving.

    Parameters
    ----------
    time, event : array-like, shape (n,)
        Follow-up in months and 1 = death.
    x : array-like, shape (n, p) or (n,)
        Covariates (a handful; the Hessian is p x p per death).
    """
    time = np.asarray(time, float)
    event = np.asarray(event, bool)
    x = np.asarray(x, float)
    if x.ndim == 1:
        x = x[:, None]
    if not event.any():
        raise ModelError("a Cox model needs at least one death; all patients are censored")
    # centring keeps exp() tame; the coefficients do not change
    centre = x.mean(axis=0)
    terms = _EfronTerms(time, event, x - centre)
    beta = np.zeros(x.shape[1])
    loglik, grad, hess = terms(beta)
    for _ in range(max_iter):
        try:
            step = np.linalg.solve(-hess, grad)
        except np.linalg.LinAlgError:
            raise ModelError("the calibration model cannot be fitted (singular covariates)") from None
        for _halving in range(30):
            new = terms(beta + step)
            if new[0] >= loglik - 1e-12:
                break
            step = step / 2
        converged = abs(new[0] - loglik) < tol and np.max(np.abs(step)) < 1e-7
        beta = beta + step
        loglik, grad, hess = new
        if converged:
            break
    covariance = np.linalg.pinv(-hess)
    times, cumhaz_centred = terms.breslow(beta)
    # baseline for uncentred covariates: H0(t) exp(-centre @ beta)
    cumhaz = cumhaz_centred * np.exp(-centre @ beta)
    return SmallCoxFit(beta, covariance, loglik, times, cumhaz)


def null_log_likelihood(time, event) -> float:
    """Efron log partial likelihood of the model with no covariates (beta = 0)."""
    time = np.asarray(time, float)
    terms = _EfronTerms(time, np.asarray(event, bool), np.zeros((time.size, 1)))
    return terms(np.zeros(1))[0]
