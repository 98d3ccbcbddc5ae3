"""The sections of an evaluation report, each from arrays of outcomes and predictions.

:mod:`risk.evaluation.report` runs the model and assembles these; every number comes from
:mod:`risk.evaluation.metrics`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from risk.evaluation.metrics import (
    brier_scores,
    calibration_at,
    decision_curve,
    harrell_c,
    integrated_brier_score,
    km_survival_at,
    nested_cox_lr_test,
    net_reclassification,
    proportional_hazards_check,
    reclassification_table,
    time_dependent_auc,
    uno_c,
    usable_horizons,
)
from risk.model.prediction import RISK_GROUPS
from risk.schema import label

if TYPE_CHECKING:
    from numpy.typing import ArrayLike, NDArray

    #: Follow-up (months) and death of each patient, as :func:`risk.stats.outcome.check_outcome`.
    Times = NDArray[np.float64]
    Deaths = NDArray[np.bool_]

#: Horizons (months) of the time-dependent AUC and Brier scores.
METRIC_HORIZONS = (12, 36, 60)
#: Horizons of the calibration assessment.
CALIBRATION_HORIZONS = (36, 60)
#: The horizon of the decision curve, reclassification and risk groups.
DECISION_HORIZON = 60
#: Uno's C is truncated here (clipped to the follow-up).
UNO_TAU = 60.0
#: A subgroup's C is shown only with at least this many patients and deaths.
MIN_SUBGROUP_PATIENTS = 10
MIN_SUBGROUP_DEATHS = 5


def metric_set(time: Times, event: Deaths, surv: Mapping[int, NDArray[np.float64]],
               curves: NDArray[np.float64] | None = None,
               grid: NDArray[np.float64] | None = None
               ) -> tuple[dict[str, Any], dict[str, Any]]:
    """Discrimination, accuracy and calibration of one model's predictions.

    Parameters
    ----------
    surv : dict
        Horizon (months) -> predicted survival of each patient at that horizon; needs
        every horizon of :data:`METRIC_HORIZONS`.
    curves, grid : arrays, optional
        Predicted curves (n, len(grid)) for the integrated Brier score.

    Returns
    -------
    (flat, calibration)
        ``flat``: named numbers (``harrell_c``, ``auc_12`` ... ``ici_60``);
        ``calibration``: horizon -> :class:`risk.evaluation.metrics.Calibration` as a dict.
    """
    risk = {h: 1.0 - np.asarray(surv[h], float) for h in METRIC_HORIZONS}
    out: dict[str, Any] = {"harrell_c": harrell_c(time, event, risk[60]),
                 "uno_c": uno_c(time, event, risk[60], tau=UNO_TAU)}
    auc = time_dependent_auc(time, event, np.column_stack([risk[h] for h in METRIC_HORIZONS]),
                             METRIC_HORIZONS)
    brier = brier_scores(time, event, np.column_stack([surv[h] for h in METRIC_HORIZONS]),
                     METRIC_HORIZONS)
    for h in METRIC_HORIZONS:
        out[f"auc_{h}"] = auc[float(h)]
        out[f"brier_{h}"] = brier[float(h)]
    if curves is not None and grid is not None:
        out["ibs"], out["ibs_from_month"], out["ibs_to_month"] = integrated_brier_score(
            time, event, curves, grid)
    calibration: dict[str, Any] = {}
    inside, _ = usable_horizons(time, CALIBRATION_HORIZONS)
    for h in CALIBRATION_HORIZONS:
        if float(h) not in inside:
            for key in ("calibration_slope", "calibration_in_the_large", "ici", "e50"):
                out[f"{key}_{h}"] = float("nan")
            continue
        cal = calibration_at(time, event, risk[h], h)
        calibration[str(h)] = cal.to_dict()
        out.update({f"calibration_slope_{h}": cal.slope,
                    f"calibration_slope_{h}_lower": cal.slope_lower,
                    f"calibration_slope_{h}_upper": cal.slope_upper,
                    f"calibration_in_the_large_{h}": cal.calibration_in_the_large,
                    f"oe_ratio_{h}": cal.oe_ratio, f"ici_{h}": cal.ici, f"e50_{h}": cal.e50,
                    f"e90_{h}": cal.e90})
    return out, calibration


def risk_category(surv_60: ArrayLike, cutpoints: Sequence[float]) -> NDArray[np.int_]:
    """0 (low), 1 (intermediate), 2 (high) from 5-year survival and the model's two
    cut-points (as :func:`risk.model.prediction.risk_groups`: high below the lower one)."""
    low_cut, high_cut = cutpoints
    s = np.asarray(surv_60, float)
    return np.where(s < low_cut, 2, np.where(s >= high_cut, 0, 1))


def decision_curves(time: Times, event: Deaths, served_60: NDArray[np.float64],
                    comparator_60: NDArray[np.float64]) -> list[dict[str, Any]]:
    """Net benefit at 60 months of the served and the primary-only predictions."""
    served = decision_curve(time, event, 1 - served_60, DECISION_HORIZON)
    comparator = decision_curve(time, event, 1 - comparator_60, DECISION_HORIZON)
    for row, other in zip(served, comparator, strict=True):
        row["net_benefit_comparator"] = other["net_benefit"]
    return served


def biopsy_value(time: Times, event: Deaths, biopsy_60: NDArray[np.float64],
                 comparator_60: NDArray[np.float64], cutpoints: Sequence[float] | None,
                 design_nested: pd.DataFrame, design_full: pd.DataFrame) -> dict[str, Any]:
    """What the liver-biopsy grade adds, on patients who have one (same patients for
    both models): C of each, NRI at 60 months, reclassification and the LR test (without
    risk-group cut-points: the continuous NRI only, no reclassification table)."""
    old_cat = None if cutpoints is None else risk_category(comparator_60, cutpoints)
    new_cat = None if cutpoints is None else risk_category(biopsy_60, cutpoints)
    c_bio = harrell_c(time, event, 1 - biopsy_60)
    c_comp = harrell_c(time, event, 1 - comparator_60)
    out: dict[str, Any] = {"n": int(len(time)), "events": int(np.sum(event)), "c_biopsy": c_bio,
           "c_comparator": c_comp, "delta_c": c_bio - c_comp}
    if float(DECISION_HORIZON) in usable_horizons(time, [DECISION_HORIZON])[0]:
        out["nri"] = net_reclassification(time, event, 1 - comparator_60, 1 - biopsy_60,
                                          DECISION_HORIZON, old_cat, new_cat)
        if old_cat is not None and new_cat is not None:
            out["reclassification"] = reclassification_table(
                time, event, old_cat, new_cat, RISK_GROUPS, DECISION_HORIZON)
    out["lr_test"] = nested_cox_lr_test(time, event, design_nested, design_full)
    return out


def ph_checks(parts: Mapping[str, tuple[Times, Deaths, pd.DataFrame]]) -> dict[str, Any]:
    """Schoenfeld tests per covariate for each model: ``parts`` name -> (time, event,
    design DataFrame)."""
    return {name: proportional_hazards_check(t, e, design) for name, (t, e, design) in
            parts.items()}


def _subgroup_row(time: Times, event: Deaths, served_60: NDArray[np.float64],
                  comparator_60: NDArray[np.float64]) -> dict[str, Any]:
    n, deaths = int(time.size), int(np.sum(event))
    row: dict[str, Any] = {"n": n, "deaths": deaths}
    enough = n >= MIN_SUBGROUP_PATIENTS and deaths >= MIN_SUBGROUP_DEATHS
    row["harrell_c"] = harrell_c(time, event, 1 - served_60) if enough else None
    row["comparator_harrell_c"] = harrell_c(time, event, 1 - comparator_60) if enough else None
    observed = km_survival_at(time, event, [DECISION_HORIZON])[0] if n else np.nan
    row["observed_risk_60"] = float(1 - observed)
    row["mean_predicted_risk_60"] = float(np.mean(1 - served_60)) if n else None
    row["calibration_in_the_large_60"] = float(1 - observed - np.mean(1 - served_60)) \
        if n else None
    usable = n >= 2 and deaths and usable_horizons(time, [DECISION_HORIZON])[0]
    row["brier_60"] = brier_scores(time, event, served_60[:, None], [DECISION_HORIZON])[60.0] \
        if usable else None
    if not enough:
        row["note"] = (f"C not shown: fewer than {MIN_SUBGROUP_PATIENTS} patients or "
                       f"{MIN_SUBGROUP_DEATHS} deaths")
    return row


def subgroups(frame: pd.DataFrame, time: Times, event: Deaths, served_60: NDArray[np.float64],
              comparator_60: NDArray[np.float64]) -> list[dict[str, Any]]:
    """Key metrics by primary site and by primary WHO grade, with counts."""
    rows: list[dict[str, Any]] = []
    for column in ("primary_site", "primary_grade"):
        values = frame[column].astype(object).where(frame[column].notna(), "unknown")
        values = values.to_numpy(dtype=object)
        for level in sorted(set(values), key=str):
            mask = values == level
            row = {"variable": column, "level": str(level), "label": label(column, level)}
            row.update(_subgroup_row(time[mask], event[mask], served_60[mask],
                                     comparator_60[mask]))
            rows.append(row)
    return rows
