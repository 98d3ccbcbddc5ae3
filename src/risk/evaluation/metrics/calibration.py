"""Calibration of predicted risk at a horizon (Austin, Harrell & van Klaveren,
Stat Med 2020, "Graphical calibration curves and the integrated calibration index (ICI)
for survival models").

- grouped: patients split by predicted risk into equal-size groups (deciles, or quintiles
  for small cohorts); each group's mean predicted risk against its observed risk
  (1 - Kaplan-Meier at the horizon, 95% log-log interval);
- smoothed: a Cox model of the outcome on a restricted cubic spline (3 knots at the 10th,
  50th and 90th centiles) of the complementary log-log of the predicted risk gives each
  patient's observed risk; ICI, E50 and E90 are the mean, median and 90th centile of
  |predicted - observed|;
- calibration slope: the coefficient of a Cox model on log(-log S(t | x)) alone (1 is
  ideal, < 1 means predictions too extreme, as in overfitting). For a proportional-hazards
  model this equals the slope on the linear predictor at any horizon;
- calibration-in-the-large: observed risk (1 - Kaplan-Meier over everyone) minus the
  mean predicted risk (> 0: the model underestimates risk); also the O/E ratio.

Predictions that are all equal (within :data:`~risk.evaluation.metrics.discrimination.TIED_RISK`)
have no slope and no smoothed curve: :func:`calibration_slope` says so as a
:class:`~risk.errors.ModelError`, and :func:`calibration_at` keeps what is still
defined (observed risk, O/E ratio, calibration-in-the-large, one group) with a note.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from risk.errors import ModelError
from risk.evaluation.metrics.discrimination import TIED_RISK
from risk.stats.baseline import baseline_aggregates
from risk.stats.cox_solver import TieStructure
from risk.stats.kaplan_meier import survival_with_interval
from risk.stats.normal import Z_95
from risk.stats.outcome import check_outcome

if TYPE_CHECKING:
    from numpy.typing import ArrayLike, NDArray

_Z = Z_95
_EPS = 1e-10


@dataclass(frozen=True)
class Calibration:
    """Calibration at one horizon; ``groups`` and ``curve`` are lists of plain dicts."""

    months: float
    n: int
    slope: float
    slope_lower: float
    slope_upper: float
    calibration_in_the_large: float
    observed_risk: float
    observed_risk_lower: float
    observed_risk_upper: float
    mean_predicted_risk: float
    oe_ratio: float
    ici: float
    e50: float
    e90: float
    emax: float
    groups: list[dict[str, float]] = field(default_factory=list)
    curve: list[dict[str, float]] = field(default_factory=list)
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def complementary_log_log(risk: ArrayLike) -> NDArray[np.float64]:
    """log(-log(1 - risk)), i.e. log H(t | x), with risks kept inside (0, 1)."""
    survival = np.clip(1.0 - np.asarray(risk, float), _EPS, 1.0 - _EPS)
    return np.log(-np.log(survival))


def restricted_cubic_spline(x: ArrayLike, knots: ArrayLike) -> NDArray[np.float64]:
    """Harrell's restricted cubic spline basis (``rms::rcspline.eval``, ``norm=2``):
    the columns x and, for each inner knot, the cubic term linear beyond the last knot."""
    x = np.asarray(x, float)
    k = np.asarray(knots, float)
    last, before = k[-1], k[-2]
    scale = (last - k[0]) ** 2

    def cube(a: float) -> NDArray[np.float64]:
        return np.clip(x - a, 0, None) ** 3

    terms = [x]
    for kj in k[:-2]:
        term = (cube(kj) - cube(before) * (last - kj) / (last - before)
                + cube(last) * (before - kj) / (last - before))
        terms.append(term / scale)
    return np.column_stack(terms)


@dataclass(frozen=True)
class _CalibrationFit:
    coef: np.ndarray  # one per column of x (0 where the data cannot estimate it)
    covariance: np.ndarray


def _cox(x: np.ndarray, follow_up: TieStructure) -> _CalibrationFit:
    """The calibration model through the project's one Cox fit; a failed fit, or one
    without a finite maximum, as a clear error."""
    from risk.model.fit import estimate

    fit = estimate(x, follow_up, 0.0, [f"x{j}" for j in range(x.shape[1])])
    if fit.penalizer > 0 or not fit.keep.any():
        raise ModelError("the calibration model cannot be fitted: the deaths do not overlap "
                         "the survivors' predictions (every death is among the highest, or "
                         "the lowest, predicted risks)")
    coef = np.zeros(x.shape[1])
    coef[fit.keep] = fit.coef
    covariance = np.zeros((x.shape[1], x.shape[1]))
    covariance[np.ix_(fit.keep, fit.keep)] = fit.covariance
    return _CalibrationFit(coef, covariance)


def calibration_slope(time: ArrayLike, event: ArrayLike, predicted_risk: ArrayLike | None = None,
                      follow_up: TieStructure | None = None, *,
                      linear_predictor: ArrayLike | None = None) -> tuple[float, float, float]:
    """Slope (with 95% interval) of a Cox model of the outcome on the predictions.

    The predictions are the cloglog of ``predicted_risk`` by a horizon, or a Cox model's
    ``linear_predictor`` (the same slope for a proportional-hazards model: the cloglog
    of its risk is the linear predictor plus a constant). 1 means the predictions spread
    as much as the outcomes; below 1, too much. ``follow_up``: the
    :class:`~risk.stats.cox_solver.TieStructure` of ``time, event``, when the caller has
    it already.
    """
    time, event = check_outcome(time, event, min_patients=2)
    score = np.asarray(linear_predictor, float) if predicted_risk is None \
        else complementary_log_log(predicted_risk)
    _check_spread(score if predicted_risk is None else predicted_risk)
    if follow_up is None:
        follow_up = TieStructure(time, event)
    fit = _cox(score[:, None], follow_up)
    slope = float(fit.coef[0])
    half = _Z * float(np.sqrt(fit.covariance[0, 0]))
    return slope, slope - half, slope + half


def _all_equal(predicted_risk: ArrayLike) -> bool:
    return float(np.ptp(np.asarray(predicted_risk, float))) <= TIED_RISK


def _check_spread(predicted_risk: ArrayLike) -> None:
    if _all_equal(predicted_risk):
        value = float(np.asarray(predicted_risk, float).ravel()[0])
        raise ModelError(f"the calibration slope needs predictions that differ; all "
                         f"{np.size(predicted_risk)} predicted risks are {value:.4g}")


def default_group_count(n: int) -> int:
    """Deciles from 500 patients on, quintiles below (fewer groups keep KM stable)."""
    return 10 if n >= 500 else 5 if n >= 50 else max(1, n // 10)


def calibration_groups(predicted_risk: ArrayLike, n_groups: int) -> NDArray[np.int_]:
    """Equal-size groups 0..n_groups-1 by ascending predicted risk (stable for ties)."""
    order = np.argsort(predicted_risk, kind="stable")
    groups = np.empty(order.size, dtype=int)
    groups[order] = np.arange(order.size) * n_groups // order.size
    return groups


def _grouped(time: NDArray[np.float64], event: NDArray[np.bool_], risk: NDArray[np.float64],
             months: float, n_groups: int) -> list[dict[str, float]]:
    groups = calibration_groups(risk, n_groups)
    rows = []
    for g in range(n_groups):
        mask = groups == g
        s, lo, hi = survival_with_interval(time[mask], event[mask], [months])
        rows.append({
            "group": g + 1, "n": int(mask.sum()), "deaths": int(event[mask].sum()),
            "mean_predicted_risk": float(risk[mask].mean()),
            "observed_risk": float(1 - s[0]), "observed_risk_lower": float(1 - hi[0]),
            "observed_risk_upper": float(1 - lo[0]),
        })
    return rows


def _smoothed(time: NDArray[np.float64], event: NDArray[np.bool_], follow_up: TieStructure,
              risk: NDArray[np.float64], months: float, curve_points: int
              ) -> tuple[NDArray[np.float64], list[dict[str, float]], bool]:
    """Each patient's observed risk from the spline Cox model, and a curve to plot."""
    cll = complementary_log_log(risk)
    knots = np.quantile(cll, [0.1, 0.5, 0.9])
    linear = not np.all(np.diff(knots) > 1e-8)
    basis: Callable[[NDArray[np.float64]], NDArray[np.float64]] = (
        (lambda v: v[:, None]) if linear else (lambda v: restricted_cubic_spline(v, knots)))
    fit = _cox(basis(cll), follow_up)
    lp_patients = basis(cll) @ fit.coef
    # Breslow's baseline (lifelines' after its Efron fit) for covariates of 0 (uncentred),
    # read as a step function as R's basehaz: the numbers the tests check against lifelines
    h0 = float(baseline_aggregates(lp_patients[:, None], time, event, np.ones(1), np.zeros(1),
                                   np.array([months]), ties="breslow", between="step")
               .cumulative_hazard[0])
    observed = 1.0 - np.exp(-h0 * np.exp(lp_patients))
    grid_risk = np.quantile(risk, np.linspace(0.01, 0.99, curve_points))
    z = basis(complementary_log_log(grid_risk))
    lp = z @ fit.coef
    # pointwise band from the coefficients' uncertainty (centred at the cohort's mean
    # covariates, where the baseline carries the level; the baseline's own noise is left out)
    zc = z - basis(cll).mean(axis=0)
    se = np.sqrt(np.einsum("ij,jk,ik->i", zc, fit.covariance, zc))

    def to_risk(v: NDArray[np.float64]) -> NDArray[np.float64]:
        return 1.0 - np.exp(-h0 * np.exp(v))

    curve = [{"predicted_risk": float(p), "observed_risk": float(o), "lower": float(lo),
              "upper": float(hi)}
             for p, o, lo, hi in zip(grid_risk, to_risk(lp), to_risk(lp - _Z * se),
                                     to_risk(lp + _Z * se), strict=True)]
    return observed, curve, linear


def calibration_at(time: ArrayLike, event: ArrayLike, predicted_risk: ArrayLike, months: float,
                   n_groups: int | None = None,
                   curve_points: int = 50) -> Calibration:
    """Calibration of predicted risk ``1 - S(months | x)`` (see the module docstring).

    Parameters
    ----------
    predicted_risk : array, shape (n,)
        Each patient's predicted probability of death by ``months``.
    n_groups : int, optional
        Number of equal-size risk groups; default from :func:`default_group_count`.
    """
    time, event = check_outcome(time, event, min_patients=2)
    risk = np.clip(np.asarray(predicted_risk, float), _EPS, 1 - _EPS)
    s, s_lo, s_hi = survival_with_interval(time, event, [months])
    observed = float(1 - s[0])
    mean_pred = float(risk.mean())
    notes: list[str] = []
    curve: list[dict[str, float]]
    if _all_equal(risk):
        nan = float("nan")
        slope = slope_lo = slope_hi = nan
        gap, curve, groups = np.full(1, nan), [], _grouped(time, event, risk, months, 1)
        notes.append(f"all {time.size} predictions are equal: no calibration slope or "
                     "smoothed curve, one group")
    else:
        follow_up = TieStructure(time, event)  # shared by the slope and the smoother
        slope, slope_lo, slope_hi = calibration_slope(time, event, risk, follow_up)
        obs_each, curve, linear = _smoothed(time, event, follow_up, risk, months,
                                             curve_points)
        gap = np.abs(risk - obs_each)
        groups = _grouped(time, event, risk, months,
                          n_groups or default_group_count(time.size))
        if linear:
            notes.append("too few distinct predictions for a spline: linear smoother")
    if not np.isfinite(observed):
        notes.append(f"follow-up ends before {months:g} months")
    return Calibration(
        months=float(months), n=int(time.size), slope=slope, slope_lower=slope_lo,
        slope_upper=slope_hi, calibration_in_the_large=observed - mean_pred,
        observed_risk=observed, observed_risk_lower=float(1 - s_hi[0]),
        observed_risk_upper=float(1 - s_lo[0]), mean_predicted_risk=mean_pred,
        oe_ratio=observed / mean_pred, ici=float(gap.mean()), e50=float(np.median(gap)),
        e90=float(np.quantile(gap, 0.9)), emax=float(gap.max()), groups=groups,
        curve=curve, note="; ".join(notes),
    )
