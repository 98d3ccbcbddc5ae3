"""Validation of a fitted :class:`risk.model.BiopsyRiskModel` on a cohort with outcomes
(TRIPOD+AI): what the model page, the retraining page and ``python -m risk evaluate``
show.

- the served predictions (biopsy model where there is a liver-biopsy grade, else the
  primary-only comparator): Harrell's and Uno's C with 95% intervals, time-dependent AUC
  and Brier at 12/36/60 months, integrated Brier, calibration at 36 and 60 months,
  decision curve at 60 months;
- the same metrics for the primary-only comparator on the same patients;
- the value of the liver biopsy on patients with a biopsy grade: difference in C with a
  bootstrap interval, net reclassification at 60 months and the reclassification table,
  likelihood-ratio test of nested Cox models refitted on the cohort;
- proportional-hazards checks, subgroup metrics, and Harrell's bootstrap optimism
  correction of C, calibration slope and Brier (:mod:`risk.evaluation.bootstrap`);
- when the model has a progression-free survival model and the cohort has PFS, its
  validation (:mod:`risk.evaluation.progression`).

Intervals for C (and delta C) are percentile bootstrap intervals over the same resamples
with each patient's prediction held fixed: they describe the sampling variability of
the cohort. ``bootstrap=0`` skips all resampling (intervals and corrected values are
then None in :meth:`EvaluationReport.to_dict`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np
import pandas as pd

from risk._records import Record, json_safe
from risk.evaluation import bootstrap as boot
from risk.evaluation import standard_errors as se
from risk.evaluation.document import EvaluationError, EvaluationReport
from risk.evaluation.headline import comparator_metrics, served_headline
from risk.evaluation.metrics import bootstrap_concordance, percentile_interval, usable_horizons
from risk.evaluation.notes import FAILED_REFITS, FEW_BIOPSIES, SHORT_FOLLOW_UP
from risk.evaluation.progression import evaluate_pfs
from risk.evaluation.section_models import (
    BiopsyValue,
    CalibrationSection,
    DecisionPoint,
    EvaluationSettings,
    Optimism,
    ProportionalHazards,
    StandardErrors,
    Subgroup,
)
from risk.evaluation.sections import (
    METRIC_HORIZONS,
    UNO_TAU,
    biopsy_value,
    decision_curves,
    metric_set,
    ph_checks,
    subgroups,
)
from risk.registry.card import is_synthetic_cohort

if TYPE_CHECKING:
    from numpy.typing import NDArray

    from risk.model.cox import CoxModel
    from risk.model.pair import BiopsyRiskModel
    from risk.model.prediction import Predictions

    Times = NDArray[np.float64]
    Deaths = NDArray[np.bool_]

_Section = TypeVar("_Section", bound=Record)

#: Fewest patients with a liver-biopsy grade (and deaths among them) for the biopsy section.
MIN_BIOPSY_PATIENTS = 20
MIN_BIOPSY_DEATHS = 5
#: How long to wait for a Dask scheduler before giving up with a clear error.
DASK_CONNECT_TIMEOUT = "10s"


def _check_cohort(frame: pd.DataFrame) -> pd.DataFrame:
    missing = [c for c in ("os_months", "death", "met_grade") if c not in frame.columns]
    if missing:
        raise EvaluationError("evaluation needs the column(s) " + ", ".join(missing) +
                              " (overall survival, death and the liver-biopsy grade)")
    frame = frame.reset_index(drop=True)
    blank = frame[["os_months", "death"]].isna().any(axis=1)
    if blank.any():
        raise EvaluationError(f"{int(blank.sum())} patient(s) have no os_months or death: "
                              "evaluation needs the outcome of every patient")
    if len(frame) < 10 or frame["death"].sum() < 2:
        raise EvaluationError(f"evaluation needs at least 10 patients and 2 deaths; got "
                              f"{len(frame)} patients and {int(frame['death'].sum())} deaths")
    return frame


def _horizon_survival(predictions: Predictions) -> dict[int, NDArray[np.float64]]:
    return {h: predictions.table[f"surv_{h}"].to_numpy(float) for h in METRIC_HORIZONS}


def _lr_designs(model: BiopsyRiskModel, frame: pd.DataFrame
                ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Comparator covariates, and those plus the biopsy model's liver terms (nested)."""
    comp = model.comparator_model_
    nested = pd.DataFrame(comp.design(frame), columns=list(comp.coef_.index))
    bio = model.biopsy_model_
    liver = [j for j, c in enumerate(bio.columns_)
             if c.input in ("met_grade", "grade_change", "met_ki67")]
    extra = pd.DataFrame(bio.design(frame)[:, liver],
                         columns=[f"liver biopsy: {bio.columns_[j].name}" for j in liver])
    return nested, pd.concat([nested, extra], axis=1)


def _named_design(cox_model: CoxModel, frame: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(cox_model.design(frame), columns=list(cox_model.coef_.index))


def _intervals(time: Times, event: Deaths, has_biopsy: NDArray[np.bool_],
               served_60: NDArray[np.float64], comparator_60: NDArray[np.float64],
               indices: NDArray[np.int64]) -> dict[str, Any]:
    risks = np.column_stack([1 - served_60, 1 - comparator_60])
    conc = bootstrap_concordance(time, event, risks, indices, tau=UNO_TAU)
    out: dict[str, Any] = {"harrell_c": percentile_interval(conc["harrell"][:, 0]),
           "uno_c": percentile_interval(conc["uno"][:, 0]),
           "comparator_harrell_c": percentile_interval(conc["harrell"][:, 1]),
           "comparator_uno_c": percentile_interval(conc["uno"][:, 1])}
    if has_biopsy.sum() >= MIN_BIOPSY_PATIENTS:
        position = np.cumsum(has_biopsy) - 1  # cohort row -> row among the biopsied
        sub = [position[idx[has_biopsy[idx]]] for idx in indices]
        hb = bootstrap_concordance(time[has_biopsy], event[has_biopsy],
                                   risks[has_biopsy], sub)["harrell"]
        out["delta_c"] = percentile_interval(hb[:, 0] - hb[:, 1])
    out["method"] = (f"percentile bootstrap, {len(indices)} resamples of patients, "
                     "predictions held fixed")
    return out


def run_bootstrap(plan: boot.RefitPlan, indices: NDArray[np.int64], n_jobs: int = -1,
                  progress: Callable[[int, int], None] | None = None,
                  dask_scheduler: str | None = None) -> list[dict[str, Any]]:
    """:func:`risk.evaluation.bootstrap.run_resamples`, on a Dask cluster when an address is given."""
    if not dask_scheduler:
        return boot.run_resamples(plan, indices, n_jobs=n_jobs, progress=progress)
    import joblib
    from distributed import Client

    try:
        client = Client(dask_scheduler, timeout=DASK_CONNECT_TIMEOUT)  # type: ignore[no-untyped-call]  # distributed leaves Client unannotated
    except (OSError, TimeoutError, ValueError) as exc:
        raise EvaluationError(f"cannot reach the Dask scheduler at {dask_scheduler!r}: "
                              f"{exc}") from None
    with client, joblib.parallel_config(backend="dask"):
        return boot.run_resamples(plan, indices, n_jobs=-1, progress=progress,
                                  min_per_worker=1)


def evaluate(model: BiopsyRiskModel, frame: pd.DataFrame, bootstrap: int = 200, seed: int = 0,
             n_jobs: int = -1, progress: Callable[[int, int], None] | None = None,
             dask_scheduler: str | None = None, refit: str = "design",
             reselect: bool = False, model_synthetic: bool = False) -> EvaluationReport:
    """Evaluate a fitted model on a canonical cohort frame with outcomes.

    Parameters
    ----------
    model : risk.model.BiopsyRiskModel
        Fitted (e.g. loaded from the registry).
    frame : pandas.DataFrame
        Canonical cohort frame (:func:`risk.data.validation.load_cohort`) with ``os_months``
        and ``death``; the training cohort (internal) or another one (external).
    bootstrap : int
        Resamples for the intervals and the optimism correction; 0 skips resampling.
    seed : int
        Seed of the resamples (same seed, same report, on any backend).
    n_jobs : int
        joblib workers for the refits (-1: all cores).
    progress : callable, optional
        ``progress(done, total)`` as bootstrap refits finish.
    dask_scheduler : str, optional
        Address of a Dask scheduler (e.g. ``tcp://10.0.0.5:8786``): refits go there
        through joblib's Dask backend; workers need this package installed.
    refit, reselect
        How resamples are refitted (:mod:`risk.evaluation.bootstrap`).
    """
    if not isinstance(bootstrap, int | np.integer) or bootstrap < 0:
        raise EvaluationError(f"bootstrap must be a whole number >= 0; got {bootstrap!r}")
    frame = _check_cohort(frame)
    time = frame["os_months"].to_numpy(float)
    event = frame["death"].to_numpy(float) > 0
    has_biopsy = frame["met_grade"].notna().to_numpy()
    served = model.predict(frame)
    comparator = model.predict_both(frame)["primary_only"]
    s_surv, c_surv = _horizon_survival(served), _horizon_survival(comparator)
    served_metrics, served_cal = metric_set(time, event, s_surv, served.curves, served.months)
    comp_metrics, comp_cal = metric_set(time, event, c_surv, comparator.curves,
                                        comparator.months)
    notes = _horizon_notes(time)
    inside_60 = bool(usable_horizons(time, [60])[0])
    biopsy, ph = _biopsy_sections(model, frame, time, event, has_biopsy, s_surv, c_surv,
                                  notes)
    intervals = optimism = None
    errors = _closed_errors(time, event, s_surv[60], c_surv[60], served_metrics, comp_metrics)
    if bootstrap > 0:
        indices = boot.resample_indices(len(frame), int(bootstrap), seed)
        intervals = _intervals(time, event, has_biopsy, s_surv[60], c_surv[60], indices)
        errors = se.bootstrap_standard_errors(time, event, s_surv[60], c_surv[60], indices,
                                              UNO_TAU)
        plan = boot.plan_refits(model, frame, refit=refit, reselect=reselect)
        results = run_bootstrap(plan, indices, n_jobs, progress, dask_scheduler)
        apparent = boot.score(time, event, s_surv[60], c_surv[60])
        optimism = Optimism.from_dict(json_safe(boot.summarise_optimism(apparent, results)))
        if optimism.failed:
            notes.append(FAILED_REFITS.format(failed=optimism.failed, bootstrap=bootstrap))
    pfs, pfs_notes = evaluate_pfs(model, frame, int(bootstrap), seed)
    notes += pfs_notes
    counts = {"n": len(frame), "events": int(event.sum()),
              "n_with_biopsy_grade": int(has_biopsy.sum())}
    return EvaluationReport(
        headline=served_headline(counts, served_metrics, intervals, optimism, biopsy),
        comparator=comparator_metrics(comp_metrics, intervals, optimism),
        calibration=_records(served_cal, CalibrationSection),
        comparator_calibration=_records(comp_cal, CalibrationSection),
        decision_curve=[DecisionPoint.from_dict(p) for p in json_safe(
            decision_curves(time, event, s_surv[60], c_surv[60]) if inside_60 else [])],
        biopsy_value=biopsy, proportional_hazards=_records(ph, ProportionalHazards),
        subgroups=[Subgroup.from_dict(row) for row in json_safe(subgroups(
            frame, time, event, s_surv[60], c_surv[60]))],
        optimism=optimism, notes=notes, standard_errors=errors[0],
        comparator_standard_errors=errors[1],
        synthetic=model_synthetic or is_synthetic_cohort(frame), pfs=pfs,
        settings=EvaluationSettings(
            bootstrap=int(bootstrap), seed=int(seed), refit=refit, reselect=bool(reselect),
            dask=bool(dask_scheduler), uno_tau_months=UNO_TAU,
            horizons_months=list(METRIC_HORIZONS)))


def _closed_errors(time: Times, event: Deaths, served_60: NDArray[np.float64],
                   comparator_60: NDArray[np.float64], served: dict[str, Any],
                   comparator: dict[str, Any]) -> tuple[StandardErrors, StandardErrors]:
    return (se.closed_form_standard_errors(time, event, served_60, served["harrell_c"],
                                           served["uno_c"]),
            se.closed_form_standard_errors(time, event, comparator_60,
                                           comparator["harrell_c"], comparator["uno_c"]))


def _records(sections: dict[str, Any], kind: type[_Section]) -> dict[str, _Section]:
    """Named sections (plain dicts) as records of ``kind``."""
    return {name: kind.from_dict(value) for name, value in json_safe(sections).items()}


def _horizon_notes(time: Times) -> list[str]:
    _, skipped = usable_horizons(time, METRIC_HORIZONS)
    if not skipped:
        return []
    return [SHORT_FOLLOW_UP.format(end=f"{np.max(time):.1f}",
                                   horizons=", ".join(f"{m:g}" for m in skipped))]


def _biopsy_sections(model: BiopsyRiskModel, frame: pd.DataFrame, time: Times, event: Deaths,
                     has_biopsy: NDArray[np.bool_], s_surv: dict[int, NDArray[np.float64]],
                     c_surv: dict[int, NDArray[np.float64]], notes: list[str]
                     ) -> tuple[BiopsyValue | None, dict[str, Any]]:
    """Value of the biopsy and PH checks (each needs enough patients)."""
    parts: dict[str, tuple[Times, Deaths, pd.DataFrame]] = {
        "primary_only": (time, event, _named_design(model.comparator_model_, frame))}
    deaths_b = int(event[has_biopsy].sum())
    value = None
    if has_biopsy.sum() >= MIN_BIOPSY_PATIENTS and deaths_b >= MIN_BIOPSY_DEATHS:
        biopsied = frame[has_biopsy]
        nested, full = _lr_designs(model, biopsied)
        value = BiopsyValue.from_dict(json_safe(biopsy_value(
            time[has_biopsy], event[has_biopsy], s_surv[60][has_biopsy],
            c_surv[60][has_biopsy], model.risk_cutpoints_, nested, full)))
        parts = {"biopsy": (time[has_biopsy], event[has_biopsy],
                            _named_design(model.biopsy_model_, biopsied)), **parts}
    else:
        notes.append(FEW_BIOPSIES.format(least=MIN_BIOPSY_PATIENTS,
                                         least_deaths=MIN_BIOPSY_DEATHS,
                                         patients=int(has_biopsy.sum()), deaths=deaths_b))
    return value, ph_checks(parts)
