"""Fitting one Cox model on a design matrix: the project's one fitting path.

Every Cox fit (the served models, cross-validation, the bootstrap, recalibration) goes
through :func:`fit_design` or, for the many refits, :func:`fit_coefficients`; both use the
numpy Newton solver :func:`risk.stats.cox_solver.fit_efron` (Efron ties, as R's ``coxph`` and
lifelines; the tests check it against both) after :func:`risk.stats.estimability.
estimable_columns` has set aside what the data cannot estimate: constant columns, aliased
columns and levels without (or with all) deaths. Nothing singular is ever inverted.

- Estimates are maximum partial likelihood (``penalizer=0``), so their covariance, the
  inverse information, is the one the 95% intervals need. A ridge penalty (lifelines'
  scale: ``n * penalizer * ||beta_std||^2 / 2`` on coefficients of standardised columns)
  is used only as a stabiliser when the likelihood has no finite maximum
  (:data:`MIN_PENALIZER`, said in the notes), or when a user asks for one.
- The baseline cumulative hazard and the aggregates of the intervals are computed at
  centred covariates by :func:`risk.stats.baseline.baseline_aggregates`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from risk.errors import ModelError
from risk.i18n import DEFAULT_LANGUAGE, N_, _, using_language
from risk.model.fit_notes import STABILISED, FitNote
from risk.stats.baseline import Baseline, baseline_aggregates
from risk.stats.cox_solver import (
    NOT_FINITE,
    CoxConvergenceError,
    EfronFit,
    TieStructure,
    fit_efron,
    log_partial_likelihood,
)
from risk.stats.estimability import DroppedColumn, dropped_parts, estimable_columns
from risk.stats.outcome import check_outcome

if TYPE_CHECKING:
    from numpy.typing import ArrayLike

#: The stabilising ridge penalty used when the unpenalised likelihood has no maximum.
MIN_PENALIZER = 0.001
#: How the coefficients are estimated, for the model card and the Model page.
#: (The card stores it in English; the Model page words it through the template.)
ESTIMATION_TEMPLATE = N_(
    "Cox proportional hazards, maximum partial likelihood with Efron's handling of tied "
    "times (as R's coxph). Columns the training data cannot estimate (constant, aliased "
    "with others, or levels without deaths) are left out before fitting and named in the "
    "notes; a ridge penalty of {penalizer} is added only where the likelihood has no "
    "finite maximum. Coefficients are not shrunk: overfitting shows in the validation's "
    "optimism-corrected calibration slope.")
ESTIMATION_METHOD = ESTIMATION_TEMPLATE.format(penalizer=f"{MIN_PENALIZER:g}")


class CoxFitError(ModelError):
    """The Cox model could not be fitted on these data, even with a stabilising penalty."""


@dataclass
class CoxFit:
    """A fitted Cox model: what prediction needs, plus fit statistics."""

    columns: list[str]
    coef: np.ndarray
    covariance: np.ndarray
    means: np.ndarray
    penalizer: float
    log_likelihood: float  # partial log-likelihood at the estimates (no penalty term)
    lr_statistic: float  # likelihood-ratio statistic against the null model
    concordance: float  # Harrell's C on the training data
    n: int
    events: int
    baseline: Baseline
    notes: list[FitNote] = field(default_factory=list)
    left_out: tuple[DroppedColumn, ...] = ()

    @property
    def dropped(self) -> list[str]:
        """The names of the columns left out (see ``left_out`` for why)."""
        return [d.column for d in self.left_out]

    @property
    def standard_errors(self) -> np.ndarray:
        return np.sqrt(np.diag(self.covariance))


def _solve(X: np.ndarray, structure: TieStructure, penalizer: float
           ) -> tuple[EfronFit, float, FitNote | None]:
    """The fit at ``penalizer``; below :data:`MIN_PENALIZER`, falls back to it once."""
    if X.shape[1] == 0:
        ll = log_partial_likelihood(np.zeros(structure.n), None, None, structure=structure)
        return EfronFit(np.zeros(0), np.zeros((0, 0)), ll, 0), penalizer, None
    try:
        return _checked(fit_efron(X, None, None, penalizer, structure=structure)), \
            penalizer, None
    except CoxConvergenceError as exc:
        if penalizer >= MIN_PENALIZER:
            raise CoxFitError(_failure(exc, penalizer)) from exc
        first = exc
    try:
        fit = _checked(fit_efron(X, None, None, MIN_PENALIZER, structure=structure))
    except CoxConvergenceError as exc:
        raise CoxFitError(_failure(exc, MIN_PENALIZER)) from exc
    return fit, MIN_PENALIZER, FitNote.of(STABILISED, reason=first, penalizer=MIN_PENALIZER)


def _checked(fit: EfronFit) -> EfronFit:
    diagonal = np.diag(fit.covariance)
    if not (np.all(np.isfinite(fit.coef)) and np.all(np.isfinite(fit.covariance))
            and np.all(diagonal > 0)):
        raise CoxConvergenceError(NOT_FINITE)
    return fit


def _failure(exc: Exception, penalizer: float) -> str:
    """What the user reads, in their language (the solver's reason is an English msgid)."""
    return _("The Cox model could not be fitted on these data at penalizer {penalizer} "
             "({reason}). Check for a level whose patients all die before, or all outlive, "
             "everyone else, or for too few deaths for the number of inputs.").format(
        penalizer=f"{penalizer:g}", reason=_(str(exc)))


@dataclass(frozen=True)
class Estimates:
    """Coefficients of the estimable columns, their covariance, and what was left out."""

    columns: list[str]
    coef: np.ndarray
    covariance: np.ndarray
    penalizer: float
    keep: np.ndarray  # mask over the columns given
    left_out: tuple[DroppedColumn, ...]
    notes: list[FitNote]


def estimate(X: np.ndarray, structure: TieStructure, penalizer: float,
             columns: list[str], words: Callable[[str], str] | None = None,
             reference: Callable[[str], str | None] | None = None) -> Estimates:
    """The estimability rules, then the solver: the core of every Cox fit.

    ``X`` (n, p) finite, ``structure`` the patients' follow-up (at least one death).
    Raises :class:`CoxFitError` when even a stabilised fit does not exist.
    """
    died = np.zeros(structure.n)
    died[structure.order[structure.died]] = 1.0
    estimable = estimable_columns(X, died, columns)
    with using_language(DEFAULT_LANGUAGE):  # the model file's language, whatever the user's
        notes = [FitNote.of(template, **parts) for template, parts in (
            dropped_parts(d, words or str, reference or (lambda _: None))
            for d in estimable.dropped)]
    fit, used, note = _solve(X[:, estimable.keep], structure, float(penalizer))
    return Estimates([c for c, k in zip(columns, estimable.keep, strict=True) if k],
                     fit.coef, fit.covariance, used, estimable.keep, estimable.dropped,
                     notes + ([note] if note else []))


def fit_coefficients(X: np.ndarray, durations: np.ndarray, events: np.ndarray,
                     penalizer: float) -> tuple[np.ndarray, np.ndarray]:
    """Coefficients and centring means for all columns of ``X`` (0 where not estimable).

    The fast path for the refits of cross-validation and the bootstrap: :func:`estimate`
    without the baseline. Without deaths there is nothing to estimate: all 0.
    :class:`CoxFitError` if no fit exists.
    """
    X = np.asarray(X, dtype=float)
    coef = np.zeros(X.shape[1])
    means = X.mean(axis=0) if len(X) else np.zeros(X.shape[1])
    if not len(X) or not np.any(events):
        return coef, means
    fit = estimate(X, TieStructure(durations, events), penalizer,
                   [str(j) for j in range(X.shape[1])])
    coef[fit.keep] = fit.coef
    return coef, means


def fit_design(X: pd.DataFrame | ArrayLike, durations: ArrayLike, events: ArrayLike,
               penalizer: float = 0.0,
               columns: list[str] | None = None, grid: np.ndarray | None = None,
               words: Callable[[str], str] | None = None,
               reference: Callable[[str], str | None] | None = None) -> CoxFit:
    """Fit a Cox PH model on a design matrix; the project's one fitting path.

    Parameters
    ----------
    X : array-like or DataFrame (n, p)
        Covariates (a DataFrame gives the column names).
    durations, events : array-like (n,)
        Follow-up time (> 0) and 1 = event, 0 = censored.
    penalizer : float >= 0
        Ridge penalizer (lifelines' scale); 0 = maximum partial likelihood. Below
        :data:`MIN_PENALIZER`, a fit without a finite maximum is redone at that value.
    grid : array, optional
        Times at which the baseline and interval aggregates are stored (default 0..120).
    words, reference : callables, optional
        A design column in the clinic's words, and the level its patients count as when
        it is left out (for the notes; default: the column's name).

    Returns
    -------
    CoxFit
        Columns left out (:mod:`risk.stats.estimability`) are absent from ``columns`` and listed
        in ``dropped`` and ``left_out``; ``notes`` say why in words.
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
    if not float(penalizer) >= 0:
        raise ModelError(f"The penalizer must be >= 0; got {penalizer}.")

    structure = TieStructure(t, e)
    fit = estimate(X, structure, penalizer, columns, words, reference)
    X = X[:, fit.keep]
    means = X.mean(axis=0)
    lp = (X - means) @ fit.coef
    log_lik = log_partial_likelihood(lp, None, None, structure=structure)
    null = log_partial_likelihood(np.zeros(len(t)), None, None, structure=structure)
    from risk.evaluation.metrics.discrimination import harrell_c

    grid = np.arange(0, 121, dtype=float) if grid is None else np.asarray(grid, float)
    return CoxFit(
        columns=fit.columns, coef=fit.coef, covariance=fit.covariance, means=means,
        penalizer=fit.penalizer, log_likelihood=log_lik, lr_statistic=2.0 * (log_lik - null),
        concordance=harrell_c(t, e, lp) if np.ptp(lp) > 0 else 0.5,
        n=len(t), events=int(e.sum()),
        baseline=baseline_aggregates(X, t, e, fit.coef, means, grid),
        notes=fit.notes, left_out=fit.left_out)
