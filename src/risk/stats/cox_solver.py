r"""The project's one numpy Cox solver: Newton-Raphson on the Efron partial likelihood.

Every Cox fit goes through :func:`fit_efron`: the served models and recalibration
(:func:`risk.model.fit.fit_design`), the many refits of cross-validation and the bootstrap
(:func:`risk.model.fit.fit_coefficients`), the forest plot's cohort fit
(:mod:`risk.cohort.forest`) and the calibration models of the evaluation
(:mod:`risk.evaluation.metrics.calibration`). The tests check that it finds the same estimates as
lifelines and R.

lifelines' ``CoxPHFitter`` loops over distinct times in Python, so a cohort with 10,000+
distinct follow-up times takes seconds. This Newton-Raphson works on whole arrays: each
step costs a few block sums of ``n x p`` arrays over the death times (one sparse product
each) and two ``X^T diag(.) X`` products, about 0.05 s for 100,000 patients and 25
columns; a whole fit of the one to three covariates of a calibration model on 1,000
patients takes about a millisecond.

It maximises the same objective as lifelines (Efron partial likelihood; ridge penalty
``n * penalizer * ||beta_std||^2 / 2`` on the coefficients of standardised columns), with
step halving, and returns lifelines' covariance (inverse of the penalised information,
rescaled). ``ties="breslow"`` maximises Breslow's approximation instead (the same sums
without the tie correction), for comparison with software that uses it.

With deaths at a time :math:`t_g` (set :math:`D_g`, :math:`d_g` of them), risk set
:math:`R_g`, :math:`w = e^{\eta}` and :math:`k = 0 .. d_g - 1`:

.. math::
    \phi_{gk} = \sum_{R_g} w - \tfrac{k}{d_g} \sum_{D_g} w, \qquad
    \ell = \sum_{deaths} \eta - \sum_g \sum_k \log \phi_{gk}

(Breslow: :math:`\phi_{gk} = \sum_{R_g} w`).
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from risk.i18n import N_

if TYPE_CHECKING:
    from numpy.typing import ArrayLike

TIES = ("efron", "breslow")


# Why a fit failed, as English msgids: stored in a fit's notes and worded where shown.
NO_DEATHS = N_("no deaths: a Cox model cannot be fitted")
SINGULAR = N_("singular information matrix")
DIVERGE = N_("coefficients diverge (separation or collinearity)")
NO_INCREASE = N_("the likelihood could not be increased")
SINGULAR_AT_OPTIMUM = N_("singular information matrix at the optimum (collinear columns)")
NO_CONVERGENCE = N_("no convergence within the Newton steps allowed")
NOT_FINITE = N_("the estimates or their variances are not finite")
#: Every reason above (why a fit failed).
FAILURES = (NO_DEATHS, SINGULAR, DIVERGE, NO_INCREASE, SINGULAR_AT_OPTIMUM, NO_CONVERGENCE,
           NOT_FINITE)


class CoxConvergenceError(ArithmeticError):
    """The Newton-Raphson did not reach a finite optimum (no deaths, separation,
    collinearity). Callers turn it into a message in the clinic's words."""


@dataclass(frozen=True)
class EfronFit:
    """Coefficients (per unit of each column), their covariance, the log-likelihood."""

    coef: np.ndarray
    covariance: np.ndarray
    log_likelihood: float
    iterations: int


class TieStructure:
    """Who is at risk at each death time and how its deaths are tied, for one set of
    follow-up times: sorting and grouping computed once.

    It does not depend on the covariates, so refits on the same patients (several
    penalizers, several designs, a refit and its calibration model) can share one.

    Parameters
    ----------
    durations : array (n,) of follow-up times; events : array (n,) of 0/1.
    ties : ``"efron"`` (default, as lifelines and R) or ``"breslow"``.
    """

    def __init__(self, durations: ArrayLike, events: ArrayLike, ties: str = "efron") -> None:
        if ties not in TIES:
            raise ValueError(f"ties must be one of {TIES}; got {ties!r}")
        durations = np.asarray(durations, dtype=float)
        events = np.asarray(events, dtype=float)
        if durations.ndim != 1 or durations.shape != events.shape:
            raise ValueError("durations and events must be 1-d, one duration and one event "
                             "per row")
        self.ties = ties
        self.n = durations.size
        self.order = np.argsort(durations, kind="stable")
        t = durations[self.order]
        self.died = events[self.order] > 0
        self.n_deaths = int(self.died.sum())
        death_times = t[self.died]
        # Deaths are in time order, so each time's tied deaths are a contiguous block:
        # its start among the deaths, its distinct time, and its size.
        first = np.ones(death_times.size, dtype=bool)
        np.not_equal(death_times[1:], death_times[:-1], out=first[1:])
        self.death_start = np.flatnonzero(first)
        self.times = death_times[self.death_start]
        self.deaths = np.diff(np.append(self.death_start, death_times.size))
        self.group = np.cumsum(first) - 1
        # the risk set of a death time starts at its first row in time order
        self.risk_start = np.searchsorted(t, self.times, side="left")
        # Efron: the k-th of d tied deaths removes k/d of the tied deaths' weight.
        self.k_share: np.ndarray | None = (np.arange(death_times.size) - self.death_start[self.group]) \
            / self.deaths[self.group] if ties == "efron" else None
        # For each row: how many death times are <= its time (how many risk sets hold it).
        self.groups_up_to = np.searchsorted(self.times, t, side="right")
        self._risk_blocks: Any = None
        self._death_blocks: Any = None

    def log_terms(self, w: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray | None, float]:
        """Risk-set sums ``s0`` at each death time, the deaths' weights, their
        denominators ``phi`` (None for Breslow: ``s0``) and ``sum log phi``."""
        s0 = self.at_risk_sums(w)
        wd = w[self.died]
        if self.k_share is None:
            return s0, wd, None, self.deaths @ np.log(s0)
        d0 = np.add.reduceat(wd, self.death_start)
        phi = s0[self.group] - self.k_share * d0[self.group]
        return s0, wd, phi, np.log(phi).sum()

    def at_risk_sums(self, values: np.ndarray) -> np.ndarray:
        """Sum of ``values`` (rows in time order) over the risk set of each death time."""
        if values.ndim == 1 or values.shape[1] == 1:
            blocks = np.add.reduceat(values, self.risk_start, axis=0)
        else:
            blocks = self._blocks("_risk_blocks", self.risk_start, self.n) @ values
        return np.cumsum(blocks[::-1], axis=0)[::-1]

    def death_sums(self, values: np.ndarray) -> np.ndarray:
        """Sum of ``values`` (one row per death, in time order) over each death time."""
        if values.ndim == 1 or values.shape[1] == 1:
            return np.add.reduceat(values, self.death_start, axis=0)
        return self._blocks("_death_blocks", self.death_start, self.n_deaths) @ values  # type: ignore[no-any-return]  # scipy is untyped

    def _blocks(self, name: str, starts: np.ndarray, size: int) -> Any:
        # Block sums of a 2-d array as one sparse product: np.add.reduceat pays per
        # block and column and is several times slower at a few hundred death times.
        if getattr(self, name) is None:
            from scipy.sparse import csr_array

            rows = np.append(starts, size) - starts[0]
            setattr(self, name, csr_array((np.ones(size - starts[0]),
                                           np.arange(starts[0], size), rows),
                                          shape=(starts.size, size)))
        return getattr(self, name)


class _Design:
    """Covariates sorted like the tie structure and standardised (sd with ddof=1)."""

    def __init__(self, X: np.ndarray, ties: TieStructure):
        self.mean = X.mean(axis=0)
        self.sd = X.std(axis=0, ddof=1) if len(X) > 1 else np.ones(X.shape[1])
        self.sd[~(self.sd > 0)] = 1.0
        self.Z = np.ascontiguousarray((X[ties.order] - self.mean) / self.sd)
        self.Zd = self.Z[ties.died]
        self.event_sum = self.Zd.sum(axis=0)


def _state(s: TieStructure, data: _Design, beta: np.ndarray, lam: float
           ) -> tuple[float, np.ndarray, np.ndarray]:
    """Penalised log-likelihood, gradient and Hessian at ``beta`` (standardised scale).

    Sums over the tied deaths k of a time are taken analytically per time (scalars such
    as sum_k 1/phi_k), so only the ``n x p`` products touch every patient.
    """
    Z = data.Z
    eta = Z @ beta
    shift = eta.max()
    w = np.exp(eta - shift)
    s0, wd, phi, log_phi = s.log_terms(w)
    s1 = s.at_risk_sums(w[:, None] * Z)
    log_lik = eta[s.died].sum() - log_phi - s.n_deaths * shift - 0.5 * lam * beta @ beta
    if phi is None:  # Breslow: every death of a time has the denominator s0
        c = s.deaths / s0
        u = c / s0
    else:
        # per death time: sums over its deaths k of 1/phi, 1/phi^2, r/phi, r/phi^2,
        # r^2/phi^2 (r = k/d), in one pass
        r, inv = s.k_share, 1.0 / phi
        assert r is not None  # Efron (phi) has the tied deaths' shares
        inv2 = inv * inv
        c, u, e_share, v, q = s.death_sums(
            np.column_stack([inv, inv2, r * inv, r * inv2, r * r * inv2])).T
    grad = data.event_sum - c @ s1 - lam * beta
    cum_c = np.concatenate([[0.0], np.cumsum(c)])[s.groups_up_to]
    information = (Z.T * (w * cum_c)) @ Z - (s1.T * u) @ s1
    if phi is not None:  # Efron's correction for tied deaths
        Zd = data.Zd
        d1 = s.death_sums(wd[:, None] * Zd)
        grad += e_share @ d1
        cross = (s1.T * v) @ d1
        information += cross + cross.T - (d1.T * q) @ d1 \
            - (Zd.T * (wd * e_share[s.group])) @ Zd
    information.flat[::len(beta) + 1] += lam
    return log_lik, grad, -information


def fit_efron(X: ArrayLike, durations: ArrayLike | None, events: ArrayLike | None,
              penalizer: float = 0.0,
              max_steps: int = 60,
              tolerance: float = 1e-7, ties: str = "efron",
              structure: TieStructure | None = None) -> EfronFit:
    """Fit a Cox model by Newton-Raphson with step halving (lifelines' ridge penalty).

    Parameters
    ----------
    X : array (n, p) of finite numbers (constant columns carry no information: their
        coefficient is 0 under a penalty and not estimable without).
    durations : array (n,) of follow-up times; events : array (n,) of 0/1.
    penalizer : lifelines' ``penalizer`` (``l1_ratio=0``).
    ties : ``"efron"`` or ``"breslow"``.
    tolerance : stop after a Newton step shorter than this (standardised scale); the
        fit returned is that step's end, whose error is about the step squared.
    structure : a :class:`TieStructure` of these patients, to share between refits;
        ``durations``, ``events`` and ``ties`` are then not used (pass None).

    Raises
    ------
    CoxConvergenceError
        No deaths; a singular information matrix; a likelihood that cannot be increased;
        coefficients running away (> 50 on the standardised scale, or long Newton steps
        that no longer raise the likelihood: separation or collinearity); no convergence
        in ``max_steps``.
    """
    X = np.asarray(X, dtype=float)
    if structure is None:
        assert durations is not None and events is not None, "durations and events, or a structure"
        structure = TieStructure(durations, events, ties)
    s = structure
    if X.ndim != 2 or len(X) != s.n:
        raise ValueError("X must be (n, p) with one duration and one event per row")
    if not s.n_deaths:
        raise CoxConvergenceError(NO_DEATHS)
    # a trial step may overflow: step halving rejects non-finite likelihoods, so the
    # warnings would only alarm a reader of the logs
    with one_blas_thread(), np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        return _newton(s, _Design(X, s), len(X) * float(penalizer), max_steps, tolerance)


def _newton(s: TieStructure, data: _Design, lam: float, max_steps: int,
            tolerance: float) -> EfronFit:
    beta = np.zeros(data.Z.shape[1])
    log_lik, grad, hessian = _state(s, data, beta, lam)
    for step_number in range(1, max_steps + 1):
        try:
            step = np.linalg.solve(-hessian, grad)
        except np.linalg.LinAlgError as error:
            raise CoxConvergenceError(SINGULAR) from error
        if not np.all(np.isfinite(step)):
            raise CoxConvergenceError(DIVERGE)
        size = 1.0
        while True:
            candidate = beta + size * step
            new = _state(s, data, candidate, lam)
            if np.isfinite(new[0]) and new[0] >= log_lik - 1e-12 * abs(log_lik):
                break
            size /= 2
            if size < 1e-8:
                raise CoxConvergenceError(NO_INCREASE)
        # Converged when beta no longer moves, or when a short Newton step gains nothing
        # (a rare level leaves the likelihood flat along its coefficient). A long step
        # that gains nothing, or a huge coefficient, is a coefficient running off to
        # infinity: separation, or collinear columns.
        moved = np.max(np.abs(candidate - beta), initial=0.0)
        flat = grad @ step < 1e-16 * abs(log_lik)
        done = moved < tolerance or (flat and moved < 1e-4)
        beta, (log_lik, grad, hessian) = candidate, new
        if (flat and not done) or np.max(np.abs(beta), initial=0.0) > 50:
            raise CoxConvergenceError(DIVERGE)
        if done:
            try:
                covariance = np.linalg.inv(-hessian) / np.outer(data.sd, data.sd)
            except np.linalg.LinAlgError as error:
                raise CoxConvergenceError(SINGULAR_AT_OPTIMUM) from error
            return EfronFit(beta / data.sd, covariance, float(log_lik), step_number)
    raise CoxConvergenceError(NO_CONVERGENCE)


def log_partial_likelihood(lp: ArrayLike, durations: ArrayLike | None, events: ArrayLike | None,
                           ties: str = "efron",
                           structure: TieStructure | None = None) -> float:
    """Log partial likelihood of given linear predictors ``lp`` (no penalty).

    ``lp = 0`` gives the null model's; cross-validation scores held-out patients with it.
    """
    lp = np.asarray(lp, dtype=float)
    if structure is None:
        assert durations is not None and events is not None, "durations and events, or a structure"
        structure = TieStructure(durations, events, ties)
    s = structure
    if lp.shape != (s.n,):
        raise ValueError("one linear predictor per patient is needed")
    if not s.n_deaths:
        return 0.0
    eta = lp[s.order]
    shift = eta.max()
    *_, log_phi = s.log_terms(np.exp(eta - shift))
    return float(eta[s.died].sum() - log_phi - s.n_deaths * shift)


_BLAS: Any = None


def one_blas_thread() -> AbstractContextManager[object]:
    """Single-threaded BLAS for the fits' small products: on the busy 2-core machine
    threads make them 5-30x slower. The library scan is done once per process (a fresh
    ``threadpool_limits`` costs about 2 ms, more than a small fit)."""
    global _BLAS
    if _BLAS is None:
        from threadpoolctl import ThreadpoolController

        _BLAS = ThreadpoolController()
    return _BLAS.limit(limits=1, user_api="blas")  # type: ignore[no-any-return]  # threadpoolctl is untyped
