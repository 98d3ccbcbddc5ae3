"""Bootstrap refits for internal validation (Harrell's optimism correction), in parallel.

Each resample draws patients with replacement, refits the served pair (biopsy model on the
resample's patients with a liver-biopsy grade, primary-only comparator on all of them),
and scores the refit twice: on the resample (apparent) and on the original cohort (test).
The optimism of a metric is the mean of apparent - test; the corrected metric is the
original apparent value minus the optimism (Harrell, Lee & Mark, Stat Med 1996).

- Seeding does not depend on the order in which resamples run: resample b draws its rows
  from ``SeedSequence(seed).spawn(B)[b]``, so a run on a Dask cluster equals a local run.
- Refits go through joblib (``n_jobs``); inside ``joblib.parallel_config(backend="dask")``
  they go to a Dask cluster. Resamples are sent in chunks; ``progress(done, total)`` is
  called as chunks finish.
- ``refit="design"`` (default, fast): the design matrices are encoded once; each resample
  refits the coefficients with the model's penalizer (the project's one Cox fit,
  :func:`risk.model.fit.fit_coefficients`) and the baseline. ``refit="model"`` calls
  :meth:`BiopsyRiskModel.refit_like` (whole models with their intervals; slower).
  ``reselect=True`` (model path only) repeats the cross-validated choice of the extra
  terms in every resample: the complete procedure, and much slower.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from risk.evaluation.metrics import brier_scores, calibration_slope, harrell_c

if TYPE_CHECKING:
    from numpy.typing import NDArray

    from risk.model.pair import BiopsyRiskModel

#: Horizon (months) of the corrected calibration slope and Brier score.
OPTIMISM_HORIZON = 60.0
#: Metrics corrected for optimism (served model; comparator C for the delta).
OPTIMISM_METRICS = ("harrell_c", "calibration_slope_60", "brier_60", "comparator_harrell_c")
REFIT_METHODS = ("design", "model")


def resample_indices(n: int, resamples: int, seed: int) -> np.ndarray:
    """(resamples, n) row indices; row b comes from its own spawned seed sequence."""
    children = np.random.SeedSequence(seed).spawn(resamples)
    out = np.empty((resamples, n), dtype=np.int64)
    for b, child in enumerate(children):
        out[b] = np.random.default_rng(child).integers(0, n, n)
    return out


@dataclass
class DesignRefit:
    """What a worker needs to refit one Cox model of the pair on a resample."""

    X: np.ndarray  # (n, p) design of every patient (NaN rows: not eligible)
    eligible: np.ndarray  # (n,) bool: patients this model is fitted on / serves
    penalizer: float


@dataclass
class RefitPlan:
    """Everything the workers need (no model objects for the design path)."""

    time: np.ndarray
    event: np.ndarray
    has_biopsy: np.ndarray
    biopsy: DesignRefit | None = None
    comparator: DesignRefit | None = None
    model: BiopsyRiskModel | None = None  # for refit="model"
    frame: pd.DataFrame | None = None
    reselect: bool = False


def plan_refits(model: BiopsyRiskModel, frame: pd.DataFrame, refit: str = "design",
                reselect: bool = False) -> RefitPlan:
    """Encode the cohort once for the bootstrap workers."""
    if refit not in REFIT_METHODS:
        raise ValueError(f"refit must be one of {REFIT_METHODS}; got {refit!r}")
    time = frame["os_months"].to_numpy(float)
    event = frame["death"].to_numpy(float) > 0
    has_biopsy = frame["met_grade"].notna().to_numpy()
    plan = RefitPlan(time, event, has_biopsy)
    if refit == "model":
        plan.model, plan.frame, plan.reselect = model, frame.reset_index(drop=True), reselect
        return plan
    bio = np.full((len(frame), len(model.biopsy_model_.coef_)), np.nan)
    if has_biopsy.any():
        bio[has_biopsy] = model.biopsy_model_.design(frame[has_biopsy])
    plan.biopsy = DesignRefit(bio, has_biopsy, float(model.biopsy_model_.penalizer_))
    plan.comparator = DesignRefit(model.comparator_model_.design(frame),
                                  np.ones(len(frame), bool),
                                  float(model.comparator_model_.penalizer_))
    return plan


def _refit_survival(spec: DesignRefit, time: NDArray[np.float64], event: NDArray[np.bool_],
                    idx: NDArray[np.int64], months: Sequence[float]) -> NDArray[np.float64]:
    """Refit on the eligible rows of resample ``idx``; S(months | x) for every patient."""
    from risk.model.fit import fit_coefficients
    from risk.stats.baseline import baseline_aggregates

    rows = idx[spec.eligible[idx]]
    X = spec.X[rows]
    coef, means = fit_coefficients(X, time[rows], event[rows].astype(float), spec.penalizer)
    base = baseline_aggregates(X, time[rows], event[rows].astype(float), coef, means,
                               np.asarray(months, float))
    lp = (spec.X - means) @ coef
    survival: NDArray[np.float64] = np.exp(-np.outer(np.exp(lp), base.cumulative_hazard))
    return survival  # NaN where not eligible


def _refit_predictions(plan: RefitPlan, idx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Served and comparator 5-year survival of every original patient after a refit."""
    months = [OPTIMISM_HORIZON]
    if plan.model is not None:
        assert plan.frame is not None  # plan_refits sets the frame with the model
        sample = plan.frame.iloc[idx].reset_index(drop=True)
        refit = plan.model.refit_like(sample, reselect=plan.reselect)
        comparator = refit.comparator_model_.survival_at(plan.frame, months)[:, 0]
        served = comparator.copy()
        if plan.has_biopsy.any():
            served[plan.has_biopsy] = refit.biopsy_model_.survival_at(
                plan.frame[plan.has_biopsy], months)[:, 0]
        return served, comparator
    assert plan.comparator is not None and plan.biopsy is not None  # the design path's
    comparator = _refit_survival(plan.comparator, plan.time, plan.event, idx, months)[:, 0]
    if not plan.has_biopsy.any():  # e.g. an external cohort without liver biopsies
        return comparator, comparator
    biopsy = _refit_survival(plan.biopsy, plan.time, plan.event, idx, months)[:, 0]
    return np.where(plan.has_biopsy, biopsy, comparator), comparator


def score(time: NDArray[np.float64], event: NDArray[np.bool_], served_60: NDArray[np.float64],
          comparator_60: NDArray[np.float64]) -> dict[str, float]:
    """The optimism-corrected metrics of one set of 5-year predictions."""
    risk = 1.0 - served_60
    brier = brier_scores(time, event, served_60[:, None], [OPTIMISM_HORIZON])
    return {"harrell_c": harrell_c(time, event, risk),
            "calibration_slope_60": calibration_slope(time, event, risk)[0],
            "brier_60": brier[OPTIMISM_HORIZON],
            "comparator_harrell_c": harrell_c(time, event, 1.0 - comparator_60)}


def _one_resample(plan: RefitPlan, idx: np.ndarray) -> dict[str, Any]:
    """Apparent (on the resample) and test (on the cohort) metrics of one refit."""
    try:
        served, comparator = _refit_predictions(plan, idx)
        apparent = score(plan.time[idx], plan.event[idx], served[idx], comparator[idx])
        test = score(plan.time, plan.event, served, comparator)
    except Exception as exc:  # noqa: BLE001 - a failed refit is counted, not fatal
        return {"failed": f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"}
    return {"apparent": apparent, "test": test}


def _chunk(plan: RefitPlan, indices: np.ndarray) -> list[dict[str, Any]]:
    return [_one_resample(plan, idx) for idx in indices]


def run_resamples(plan: RefitPlan, indices: np.ndarray, n_jobs: int = -1,
                  progress: Callable[[int, int], None] | None = None,
                  min_per_worker: int = 5) -> list[dict[str, Any]]:
    """Refit and score every resample (rows of ``indices``), in parallel via joblib.

    Results are in resample order whatever the backend; ``progress(done, total)`` is
    called after each chunk. Fewer than ``min_per_worker`` resamples per worker are not
    worth starting worker processes for: a handful run in this process.
    """
    from joblib import Parallel, delayed, effective_n_jobs

    total = len(indices)
    if progress:
        progress(0, total)
    if total == 0:
        return []
    workers = max(1, min(effective_n_jobs(n_jobs), total // max(1, min_per_worker)))
    n_chunks = min(total, 4 * workers) if workers > 1 else min(total, 10)
    chunks = np.array_split(np.arange(total), n_chunks)
    results: list[dict[str, Any]] = []
    if workers == 1:
        outputs = (_chunk(plan, indices[c]) for c in chunks)
    else:
        outputs = Parallel(n_jobs=workers, return_as="generator")(
            delayed(_chunk)(plan, indices[c]) for c in chunks)
    for out in outputs:
        results.extend(out)
        if progress:
            progress(len(results), total)
    return results


def summarise_optimism(apparent: dict[str, float], results: list[dict[str, Any]]) -> dict[str, Any]:
    """Per metric: apparent, mean optimism, corrected; and how many resamples failed."""
    good = [r for r in results if "failed" not in r]
    failures = sorted({r["failed"] for r in results if "failed" in r})
    out: dict[str, Any] = {"resamples": len(results), "failed": len(results) - len(good),
                 "failures": failures[:5], "metrics": {}}
    for name in OPTIMISM_METRICS:
        gaps = np.array([r["apparent"][name] - r["test"][name] for r in good], float)
        gaps = gaps[np.isfinite(gaps)]
        optimism = float(gaps.mean()) if gaps.size else math.nan
        value = apparent.get(name, math.nan)
        out["metrics"][name] = {"apparent": value, "optimism": optimism,
                                "corrected": value - optimism, "resamples_used": int(gaps.size)}
    return out
