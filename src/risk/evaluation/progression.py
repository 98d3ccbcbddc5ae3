"""Validation of the progression-free survival model (the served pair's ``pfs_model``), beside
the overall-survival report of :func:`risk.evaluation.report.evaluate`.

On the patients of the cohort with PFS recorded, with the PFS event of
:func:`risk.stats.outcome.pfs_event` (progression, or death without progression): Harrell's
and Uno's C of the served PFS predictions and of the primary-only PFS comparator, with
percentile bootstrap intervals (predictions held fixed, as for OS), time-dependent AUC and
Brier at 12/36/60 months, the integrated Brier score, and calibration at 36 and 60 months.
There is no optimism correction: the bootstrap refits are of the OS models only.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from pydantic import Field

from risk._records import Record, json_safe
from risk.evaluation.bootstrap import resample_indices
from risk.evaluation.headline import ModelMetrics, model_metrics
from risk.evaluation.metrics import bootstrap_concordance, percentile_interval, usable_horizons
from risk.evaluation.notes import SHORT_PFS_FOLLOW_UP
from risk.evaluation.section_models import CalibrationSection
from risk.evaluation.sections import METRIC_HORIZONS, UNO_TAU, metric_set
from risk.i18n import N_
from risk.model.progression import pfs_training_frame
from risk.stats.outcome import pfs_counts

if TYPE_CHECKING:
    from risk.model.pair import BiopsyRiskModel
    from risk.model.prediction import Predictions

#: Fewest patients with PFS, and PFS events among them, for the PFS validation (as for OS).
MIN_PFS_PATIENTS = 10
MIN_PFS_EVENTS = 2
#: Said with the PFS numbers wherever they are shown (the HTML report, the Model page).
PFS_EVALUATION_NOTE = N_(
    "Progression-free survival: a progression, or a death without progression, is the "
    "event. Intervals of C are percentile bootstrap intervals with the predictions held "
    "fixed; there is no optimism correction for the PFS model (the bootstrap refits the "
    "overall-survival models only).")


class PfsEvaluation(Record):
    """The PFS model's validation: counts, the served PFS predictions' metrics and the
    primary-only PFS comparator's (:class:`~risk.evaluation.headline.ModelMetrics`), and
    their calibration sections by horizon."""

    n: int
    events: int
    progressions: int
    served: ModelMetrics
    comparator: ModelMetrics
    calibration: dict[str, CalibrationSection] = Field(default_factory=dict)
    comparator_calibration: dict[str, CalibrationSection] = Field(default_factory=dict)


def _horizon_survival(predictions: Predictions) -> dict[Any, np.ndarray]:
    return {h: predictions.table[f"surv_{h}"].to_numpy(float) for h in METRIC_HORIZONS}


def _intervals(time: np.ndarray, event: np.ndarray, served_60: np.ndarray,
               comparator_60: np.ndarray, bootstrap: int, seed: int) -> dict[str, Any] | None:
    if bootstrap <= 0:
        return None
    indices = resample_indices(len(time), bootstrap, seed)
    conc = bootstrap_concordance(time, event, np.column_stack([1 - served_60, 1 - comparator_60]),
                                 indices, tau=UNO_TAU)
    return {"harrell_c": percentile_interval(conc["harrell"][:, 0]),
            "uno_c": percentile_interval(conc["uno"][:, 0]),
            "comparator_harrell_c": percentile_interval(conc["harrell"][:, 1]),
            "comparator_uno_c": percentile_interval(conc["uno"][:, 1])}


def _sections(calibration: dict[str, Any]) -> dict[str, CalibrationSection]:
    return {name: CalibrationSection.from_dict(v) for name, v in json_safe(calibration).items()}


def evaluate_pfs(model: BiopsyRiskModel, frame: pd.DataFrame, bootstrap: int = 0, seed: int = 0
                 ) -> tuple[PfsEvaluation | None, list[str]]:
    """The PFS validation of a fitted :class:`risk.model.BiopsyRiskModel` on a canonical
    cohort frame, and notes saying why it is missing or partial.

    ``(None, [])`` when the model has no PFS model (an OS-only model: its report is
    unchanged); ``(None, [reason])`` when the cohort has too little PFS to measure it.
    ``bootstrap`` resamples of the PFS patients (seeded by ``seed``) give the intervals of C.
    """
    pfs_model = getattr(model, "pfs_model", None)
    if pfs_model is None:
        return None, []
    counts = pfs_counts(frame)
    if counts.patients < MIN_PFS_PATIENTS or counts.events < MIN_PFS_EVENTS:
        return None, [f"the progression-free survival model is not validated: it needs at "
                      f"least {MIN_PFS_PATIENTS} patients with pfs_months and progression "
                      f"and {MIN_PFS_EVENTS} PFS events; got {counts.patients} and "
                      f"{counts.events}"]
    pfs = pfs_training_frame(frame)
    assert pfs is not None  # counts.patients > 0
    time = pfs["os_months"].to_numpy(float)
    event = pfs["death"].to_numpy(float) > 0
    served = pfs_model.predict(pfs)
    comparator = pfs_model.predict_both(pfs)["primary_only"]
    s_surv, c_surv = _horizon_survival(served), _horizon_survival(comparator)
    s_metrics, s_cal = metric_set(time, event, s_surv, served.curves, served.months)
    c_metrics, c_cal = metric_set(time, event, c_surv, comparator.curves, comparator.months)
    intervals = _intervals(time, event, s_surv[60], c_surv[60], int(bootstrap), seed)
    notes = []
    _, skipped = usable_horizons(time, METRIC_HORIZONS)
    if skipped:
        notes.append(SHORT_PFS_FOLLOW_UP.format(end=f"{np.max(time):.1f}", horizons=", ".join(
            f"{m:g}" for m in skipped)))
    return PfsEvaluation(
        n=counts.patients, events=counts.events, progressions=counts.progressions,
        served=model_metrics(s_metrics, intervals),
        comparator=model_metrics(c_metrics, intervals, prefix="comparator_"),
        calibration=_sections(s_cal), comparator_calibration=_sections(c_cal)), notes
