"""What a liver biopsy could show, for a patient who has not had one: the outcomes under
each liver grade the biopsy model allows, weighted by the training cohort's grade
transitions (counts only, stored with the model as ``transition_counts``) and, given a
time alive, updated by Bayes' rule."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from risk.model.features import input_levels
from risk.model.prediction import MONTHS, Predictions, patient_ids
from risk.schema import GRADES, HORIZONS_MONTHS

if TYPE_CHECKING:
    from numpy.typing import NDArray

    from risk.model.cox import CoxModel
    from risk.model.pair import BiopsyRiskModel

PRIMARY_LEVELS = (*GRADES, "unknown")


@dataclass
class BeforeBiopsy:
    """What a liver biopsy could show, for patients who have not had one.

    ``probabilities``: P(liver grade | primary grade) per patient (columns G1, G2, G3)
    from the training cohort; ``by_liver_grade``: the biopsy model's predictions if the
    biopsy showed each grade; ``expected_curves``: their probability-weighted average;
    ``comparator``: the primary-only model's predictions; ``table``: patient_id, the
    probabilities and the expected survival at each horizon.
    """

    probabilities: pd.DataFrame
    by_liver_grade: dict[str, Predictions]
    expected_curves: np.ndarray
    comparator: Predictions
    table: pd.DataFrame


def predict_before_biopsy(model: BiopsyRiskModel, frame: pd.DataFrame,
                          alive: np.ndarray | None) -> BeforeBiopsy:
    """Outcomes under each possible liver grade, weighted by P(liver | primary).

    Given alive at ``alive`` months (checked by the model), the weights are
    P(liver | primary, alive then), by Bayes' rule: proportional to P(liver | primary) x
    S(alive | that grade), so that the expected curve is the mixture's own conditional
    survival.
    """
    probs = liver_grade_probabilities(model.transition_counts_,
                                      input_levels(frame, "primary_grade"))
    by_grade: dict[str, Predictions] = {}
    for k, grade in enumerate(GRADES):
        assumed = frame.assign(met_grade=grade)
        for col in ("met_ki67", "met_mitoses"):
            if col in assumed.columns:
                assumed[col] = np.nan
        by_grade[grade] = model._predict(assumed, {"biopsy": np.ones(len(frame), bool)},
                                         alive)
        if alive is not None:
            probs[:, k] *= survival_to(model.biopsy_model_, assumed, alive)
    if alive is not None:
        probs /= probs.sum(axis=1, keepdims=True)
    expected = sum(probs[:, k, None] * by_grade[g].curves for k, g in enumerate(GRADES))
    probabilities = pd.DataFrame(probs, columns=list(GRADES))
    table = pd.DataFrame({"patient_id": patient_ids(frame)})
    for g in GRADES:
        table[f"p_liver_{g}"] = probabilities[g].to_numpy()
    at = np.searchsorted(MONTHS, HORIZONS_MONTHS)
    for h, j in zip(HORIZONS_MONTHS, at, strict=True):
        table[f"surv_{h}"] = expected[:, j]
    comparator = model._predict(frame, {"primary_only": np.ones(len(frame), bool)}, alive)
    return BeforeBiopsy(probabilities, by_grade, expected, comparator, table)


def survival_to(model: CoxModel, frame: pd.DataFrame, alive: np.ndarray) -> np.ndarray:
    """S(alive_i | x_i) at the biopsy for each patient (1 where alive is NaN)."""
    base = model.baseline_
    h0 = np.interp(np.nan_to_num(alive), base.months, base.cumulative_hazard)
    survival: NDArray[np.float64] = np.exp(-np.exp(model.linear_predictor(frame)) * h0)
    return survival


def transition_counts(biopsied: pd.DataFrame) -> dict[str, dict[str, int]]:
    """Patients per primary grade (incl. unknown) and liver grade; counts only."""
    primary = input_levels(biopsied, "primary_grade")
    liver = input_levels(biopsied, "met_grade")
    return {p: {g: int(np.sum((primary == p) & (liver == g))) for g in GRADES}
            for p in PRIMARY_LEVELS}


def liver_grade_probabilities(counts: dict[str, Any], primary_levels: np.ndarray) -> np.ndarray:
    """(n, 3) P(liver grade | primary grade); a primary level with no training patients
    (or unknown with none) uses the overall distribution of liver grades."""
    table = np.array([[counts[p][g] for g in GRADES] for p in PRIMARY_LEVELS], dtype=float)
    overall = table.sum(axis=0)
    overall = overall / overall.sum() if overall.sum() else np.full(3, 1 / 3)
    rows = np.array([t / t.sum() if t.sum() else overall for t in table])
    index = pd.Series(primary_levels).map({p: i for i, p in enumerate(PRIMARY_LEVELS)})
    probabilities: NDArray[np.float64] = rows[index.fillna(PRIMARY_LEVELS.index("unknown")
                                                           ).to_numpy(dtype=int)]
    return probabilities
