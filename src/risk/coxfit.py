"""Fitting one Cox model on a design matrix: lifelines for the coefficients, numpy for
the baseline and the aggregates the 95% intervals need.

This is the single fitting path of the served models (the R checks in the tests go
through it); the many refits of cross-validation and the bootstrap use the project's numpy
solver (:func:`fit_coefficients`, :mod:`risk.cox_efron`).

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

from risk.cox_efron import CoxConvergenceError, TieStructure, fit_efron
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


def fit_coefficients(X: np.ndarray, durations: np.ndarray, events: np.ndarray,
                     penalizer: float) -> tuple[np.ndarray, np.ndarray]:
    """Coefficients and centring means for all columns of ``X`` (0 for constant ones).

    The fast path for the many refits of cross-validation and the bootstrap: the numpy
    solver :func:`risk.cox_efron.fit_efron` with the same objective as lifelines, but
    Breslow's handling of tied times (cross-validation has always scored with it, and the
    stored models' selection scores depend on it; without ties it equals Efron). Falls
    back to :data:`MIN_PENALIZER` like :func:`fit_design`; raises :class:`CoxFitError`
    when even that fails. Without deaths there is nothing to estimate: all 0.
    """
    keep = ~constant_columns(X)
    coef = np.zeros(X.shape[1])
    means = X.mean(axis=0) if len(X) else np.zeros(X.shape[1])
    if not keep.any() or not np.any(events):
        return coef, means
    structure = TieStructure(durations, events, ties="breslow")
    try:
        coef[keep] = _breslow_coefficients(X[:, keep], structure, penalizer)
    except CoxFitError:
        if penalizer >= MIN_PENALIZER:
            raise
        coef[keep] = _breslow_coefficients(X[:, keep], structure, MIN_PENALIZER)
    return coef, means


def _breslow_coefficients(X: np.ndarray, structure: TieStructure,
                          penalizer: float) -> np.ndarray:
    try:
        return fit_efron(X, None, None, penalizer, structure=structure).coef
    except CoxConvergenceError as exc:
        raise CoxFitError(f"the Cox fit failed at penalizer {penalizer}: {exc}") from exc


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
