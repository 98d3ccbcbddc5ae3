"""Fitting one Cox model on a design matrix: lifelines for the coefficients, numpy for
the baseline and the aggregates the 95% intervals need.

This is the single fitting path of the project (the R checks in the tests go through it).

- Coefficients: lifelines ``CoxPHFitter`` (Efron ties, its default), ``l1_ratio=0``
  (ridge). lifelines' penalty is ``n * penalizer * ||beta_std||^2 / 2`` on coefficients of
  standardised columns, so a penalizer means the same shrinkage at any cohort size.
- Columns constant in the training data (e.g. a level nobody has) are dropped: their
  patients are predicted as the reference level, and the model's notes say so.
- Perfectly collinear columns (e.g. unknown primary site always with unknown grade), or
  an unpenalised fit that does not converge: refit with :data:`MIN_PENALIZER`, noted.
- The baseline cumulative hazard is Breslow's estimator at centred covariates, exactly as
  lifelines computes it (:func:`risk.uncertainty.baseline_aggregates`).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from risk.errors import ModelError
from risk.uncertainty import Baseline, baseline_aggregates

#: Smallest penalizer used when an unpenalised fit is impossible.
MIN_PENALIZER = 0.001
_T, _E = "__duration__", "__event__"
#: Tighter than lifelines' defaults, which stop penalised fits ~1e-4 short of the optimum.
FIT_OPTIONS = {"precision": 1e-10, "r_precision": 1e-13}


class CoxFitError(ModelError):
    """lifelines could not fit the model at the given penalizer."""


@dataclass
class CoxFit:
    """A fitted Cox model: what prediction needs, plus fit statistics."""

    columns: list[str]
    coef: np.ndarray
    covariance: np.ndarray
    means: np.ndarray
    penalizer: float
    log_likelihood: float
    lr_statistic: float  # likelihood-ratio test against the null model (unpenalised fits)
    concordance: float  # Harrell's C on the training data
    n: int
    events: int
    baseline: Baseline
    dropped: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def standard_errors(self) -> np.ndarray:
        return np.sqrt(np.diag(self.covariance))


def check_outcome(durations, events) -> tuple[np.ndarray, np.ndarray]:
    """Durations > 0 and finite, events 0/1, at least one event; else :class:`ModelError`."""
    t = np.asarray(durations, dtype=float)
    e = np.asarray(events, dtype=float)
    if t.ndim != 1 or t.shape != e.shape:
        raise ModelError("Durations and events must be two columns of the same length.")
    if not np.all(np.isfinite(t)) or np.any(t <= 0):
        raise ModelError("Survival times must be positive numbers (months > 0), none blank.")
    if not np.all(np.isin(e, (0.0, 1.0))):
        raise ModelError("The death column must be 0 (alive) or 1 (died), none blank.")
    if e.sum() == 0:
        raise ModelError("All patients are censored (no deaths): a survival model cannot "
                         "be fitted.")
    return t, e.astype(float)


def constant_columns(X: np.ndarray) -> np.ndarray:
    """Boolean mask of columns with a single value in ``X``."""
    if len(X) == 0:
        return np.ones(X.shape[1], dtype=bool)
    return np.all(X[0] == X, axis=0)


def collinearity_note(X: np.ndarray, names: list[str]) -> str | None:
    """A sentence naming collinear columns, or None when the design has full rank."""
    Z = X - X.mean(axis=0)
    scale = np.linalg.norm(Z, axis=0)
    scale[scale == 0] = 1.0
    Z = Z / scale
    eigen = np.linalg.eigvalsh(Z.T @ Z)  # squared singular values, ascending
    if eigen.size == 0 or eigen[0] > 1e-12 * eigen[-1]:
        return None
    same = [(names[i], names[j]) for i in range(len(names)) for j in range(i + 1, len(names))
            if np.array_equal(X[:, i], X[:, j])]
    if same:
        pairs = "; ".join(f"{a} and {b}" for a, b in same)
        return (f"{pairs} describe the same patients in the training data: their effects "
                f"cannot be told apart, so a small penalty ({MIN_PENALIZER}) shares them")
    return (f"some columns are linear combinations of others in the training data; a small "
            f"penalty ({MIN_PENALIZER}) keeps the fit unique")


def lifelines_fit(X: np.ndarray, durations: np.ndarray, events: np.ndarray,
                  penalizer: float, names: list[str] | None = None):
    """A lifelines ``CoxPHFitter`` fitted on ``X``; :class:`CoxFitError` on failure."""
    from lifelines import CoxPHFitter
    from lifelines.exceptions import ConvergenceError, ConvergenceWarning

    names = names or [f"x{j}" for j in range(X.shape[1])]
    df = pd.DataFrame(X, columns=names)
    df[_T], df[_E] = durations, events
    fitter = CoxPHFitter(penalizer=float(penalizer), l1_ratio=0.0)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        try:
            fitter.fit(df, _T, _E, fit_options=FIT_OPTIONS)
        except (ConvergenceError, np.linalg.LinAlgError, ValueError, ZeroDivisionError) as exc:
            raise CoxFitError(f"the Cox fit failed at penalizer {penalizer}: "
                              f"{str(exc).splitlines()[0]}") from exc
    problems = [str(w.message).split("\n")[0] for w in caught
                if issubclass(w.category, ConvergenceWarning)]
    if any("failed to converge" in p or "non-unique" in p for p in problems):
        raise CoxFitError(f"the Cox fit did not converge at penalizer {penalizer}")
    if not (np.all(np.isfinite(fitter.params_)) and
            np.all(np.isfinite(fitter.variance_matrix_.to_numpy(dtype=float)))):
        raise CoxFitError(f"the Cox fit gave non-finite estimates at penalizer {penalizer}")
    return fitter


def newton_coefficients(X: np.ndarray, durations: np.ndarray, events: np.ndarray,
                        penalizer: float, max_steps: int = 50) -> np.ndarray:
    """Coefficients maximising the Breslow partial likelihood with lifelines' ridge penalty.

    A fast numpy Newton-Raphson for the many refits of cross-validation only (the served
    fit is lifelines'). Same objective as lifelines (``n * penalizer * ||beta_std||^2 / 2``
    on standardised columns); without tied times Breslow equals Efron, and the tests check
    it agrees with lifelines. Raises :class:`CoxFitError` if it does not converge.
    """
    n, p = X.shape
    order = np.argsort(durations, kind="stable")
    t, e = durations[order], events[order]
    mean, sd = X.mean(axis=0), X.std(axis=0, ddof=1)
    sd[sd == 0] = 1.0
    Z = (X[order] - mean) / sd
    _, first = np.unique(t, return_index=True)
    starts = np.repeat(first, np.diff(np.append(first, n)))  # tie group start of each row
    d = np.bincount(np.searchsorted(t[first], t), weights=e, minlength=len(first))
    event_sum = e @ Z
    lam = n * float(penalizer)

    def state(beta):
        eta = Z @ beta
        shift = eta.max()
        w = np.exp(eta - shift)
        s0 = np.cumsum(w[::-1])[::-1][first]
        s1 = np.cumsum((w[:, None] * Z)[::-1], axis=0)[::-1][first]
        ll = e @ eta - d @ (np.log(s0) + shift) - 0.5 * lam * beta @ beta
        xbar = s1 / s0[:, None]
        grad = event_sum - d @ xbar - lam * beta
        cum = np.cumsum(d / s0)[np.searchsorted(first, starts)]  # sum over risk sets
        hess = -(Z.T * (w * cum)) @ Z + (xbar.T * d) @ xbar
        hess[np.diag_indices(p)] -= lam
        return ll, grad, hess

    beta = np.zeros(p)
    ll, grad, hess = state(beta)
    for _ in range(max_steps):
        try:
            step = np.linalg.solve(-hess, grad)
        except np.linalg.LinAlgError as exc:
            raise CoxFitError(f"singular information matrix at penalizer {penalizer}") from exc
        if not np.all(np.isfinite(step)):
            raise CoxFitError(f"the Cox fit diverged at penalizer {penalizer}")
        size = 1.0
        while True:
            new = beta + size * step
            new_ll, new_grad, new_hess = state(new)
            if np.isfinite(new_ll) and new_ll >= ll - 1e-12 * abs(ll):
                break
            size /= 2
            if size < 1e-6:
                raise CoxFitError(f"the Cox fit did not converge at penalizer {penalizer}")
        converged = np.max(np.abs(new - beta)) < 1e-9 or grad @ step < 1e-16 * abs(ll)
        beta, ll, grad, hess = new, new_ll, new_grad, new_hess
        if converged:
            if np.max(np.abs(beta)) > 50:  # separation or collinearity: not a usable fit
                raise CoxFitError(f"the Cox fit diverged at penalizer {penalizer}")
            return beta / sd
    raise CoxFitError(f"the Cox fit did not converge at penalizer {penalizer}")


def fit_coefficients(X: np.ndarray, durations: np.ndarray, events: np.ndarray,
                     penalizer: float) -> tuple[np.ndarray, np.ndarray]:
    """Coefficients and centring means for all columns of ``X`` (0 for constant ones).

    The fast path for cross-validation (:func:`newton_coefficients`); falls back to
    :data:`MIN_PENALIZER` like :func:`fit_design`. Raises :class:`CoxFitError` when even
    that fails.
    """
    keep = ~constant_columns(X)
    coef = np.zeros(X.shape[1])
    means = X.mean(axis=0) if len(X) else np.zeros(X.shape[1])
    if not keep.any():
        return coef, means
    from threadpoolctl import threadpool_limits

    # small matrices: multithreaded BLAS is 30x slower here on a busy 2-core machine
    with threadpool_limits(limits=1, user_api="blas"):
        try:
            coef[keep] = newton_coefficients(X[:, keep], durations, events, penalizer)
        except CoxFitError:
            if penalizer >= MIN_PENALIZER:
                raise
            coef[keep] = newton_coefficients(X[:, keep], durations, events, MIN_PENALIZER)
    return coef, means


def fit_design(X, durations, events, penalizer: float = 0.0,
               columns: list[str] | None = None,
               grid: np.ndarray | None = None) -> CoxFit:
    """Fit a Cox PH model on a design matrix; the project's one fitting path.

    Parameters
    ----------
    X : array-like or DataFrame (n, p)
        Covariates (a DataFrame gives the column names).
    durations, events : array-like (n,)
        Follow-up time (> 0) and 1 = event, 0 = censored.
    penalizer : float >= 0
        lifelines' ridge penalizer. If the fit fails (non-convergence, collinearity) at a
        penalizer below :data:`MIN_PENALIZER`, it is refitted at that value and a note says so.
    grid : array, optional
        Times at which the baseline and interval aggregates are stored (default 0..120).

    Returns
    -------
    CoxFit
    """
    if isinstance(X, pd.DataFrame):
        columns = list(X.columns) if columns is None else columns
        X = X.to_numpy(dtype=float)
    X = np.asarray(X, dtype=float)
    columns = list(columns) if columns is not None else [f"x{j}" for j in range(X.shape[1])]
    t, e = check_outcome(durations, events)
    if len(t) != len(X):
        raise ModelError("The covariates and the outcome have different numbers of rows.")
    if not np.all(np.isfinite(X)):
        raise ModelError("The covariates contain blank or non-finite values.")
    if float(penalizer) < 0:
        raise ModelError(f"The penalizer must be >= 0; got {penalizer}.")

    notes: list[str] = []
    constant = constant_columns(X)
    dropped = [c for c, k in zip(columns, constant, strict=True) if k]
    if dropped:
        notes.append("not estimable (the same for every training patient), left out: "
                     + ", ".join(dropped))
    X, columns = X[:, ~constant], [c for c, k in zip(columns, constant, strict=True) if not k]
    penalizer = float(penalizer)
    collinear = collinearity_note(X, columns) if X.shape[1] else None
    if collinear and penalizer < MIN_PENALIZER:
        notes.append(collinear)
        penalizer = MIN_PENALIZER
    try:
        fitter = lifelines_fit(X, t, e, penalizer, columns)
    except CoxFitError as exc:
        if penalizer >= MIN_PENALIZER:
            raise
        notes.append(f"{exc}; refitted with a small penalty ({MIN_PENALIZER})")
        penalizer = MIN_PENALIZER
        fitter = lifelines_fit(X, t, e, penalizer, columns)

    coef = fitter.params_.to_numpy(dtype=float)
    means = fitter._norm_mean.to_numpy(dtype=float)  # lifelines centres on these
    grid = np.arange(0, 121, dtype=float) if grid is None else np.asarray(grid, float)
    return CoxFit(
        columns=columns, coef=coef, covariance=fitter.variance_matrix_.to_numpy(dtype=float),
        means=means, penalizer=penalizer, log_likelihood=float(fitter.log_likelihood_),
        lr_statistic=float(fitter.log_likelihood_ratio_test().test_statistic),
        concordance=float(fitter.concordance_index_), n=len(t), events=int(e.sum()),
        baseline=baseline_aggregates(X, t, e, coef, means, grid),
        dropped=dropped, notes=notes)


def partial_log_likelihood(lp: np.ndarray, durations: np.ndarray, events: np.ndarray) -> float:
    """Breslow partial log-likelihood of linear predictors ``lp`` (for cross-validation)."""
    order = np.argsort(durations, kind="stable")
    lp, t, e = lp[order], durations[order], events[order]
    shift = lp.max() if len(lp) else 0.0
    w = np.exp(lp - shift)
    at_risk = np.cumsum(w[::-1])[::-1]
    _, first = np.unique(t, return_index=True)
    group_start = np.repeat(first, np.diff(np.append(first, len(t))))
    risk = at_risk[group_start]
    died = e > 0
    return float(np.sum(lp[died] - shift - np.log(risk[died])))
