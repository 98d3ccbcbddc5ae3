"""Every patient of a cohort under the served model: 5-year survival and risk group.

The tumor board groups a cohort by risk group and places one patient in the cohort's risk
distribution. Both need only the served 5-year survival of each patient, so this module
computes that alone (``S(60 | x) = exp(-H0(60) exp(lp))``, the model used chosen per
patient as :meth:`risk.model.BiopsyRiskModel.predict` chooses it) instead of the full
prediction with its 121-month curves and 95% bands: about 30x less work on 100,000
patients, and the same numbers (the tests compare both).

The risk score shown is the predicted risk of death by 5 years, ``1 - S(60)``: it is
comparable between the biopsy model and the primary-only comparator, where their linear
predictors are not.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from risk.i18n import N_, _
from risk.model.prediction import RISK_GROUPS, risk_groups
from risk.schema import label

if TYPE_CHECKING:
    from numpy.typing import NDArray

    from risk.model.pair import BiopsyRiskModel

#: The horizon of the risk groups (their cut-points are 5-year survival tertiles).
RISK_HORIZON_MONTHS = 60
#: Risk groups in the clinic's words, lowest risk first.
RISK_GROUP_TITLE = N_("Risk group under the active model")
RISK_SCORE_LABEL = N_("Predicted risk of death by 5 years (%)")


@dataclass(frozen=True)
class CohortRisk:
    """Served 5-year survival and risk group of every patient of a cohort.

    ``table`` is indexed like the cohort frame, with columns ``model_used``
    (``"biopsy"``/``"primary_only"``), ``surv_60``, ``risk_60`` (= 1 - ``surv_60``) and
    ``risk_group`` (an ordered categorical of the risk groups' words; missing
    when the model gives no risk group).
    """

    table: pd.DataFrame
    cutpoints: tuple[float, ...]

    def groups(self) -> pd.Series:
        """The risk group of each patient, named for a grouping (ordered categorical)."""
        return self.table["risk_group"].rename(_(RISK_GROUP_TITLE))

    def risk_percent(self) -> NDArray[np.float64]:
        """Predicted 5-year risk of death in % (the histogram's scores)."""
        percent: NDArray[np.float64] = 100.0 * self.table["risk_60"].to_numpy(dtype=float)
        return percent


def served_survival_at_60(model: BiopsyRiskModel, frame: pd.DataFrame
                          ) -> tuple[NDArray[np.float64], NDArray[np.object_]]:
    """(5-year survival, model used) of each patient under the served pair ``model``.

    The biopsy model serves patients with a liver-biopsy grade, the primary-only
    comparator the others, exactly as ``model.predict`` does.
    """
    n = len(frame)
    has_biopsy = frame["met_grade"].notna().to_numpy() if "met_grade" in frame.columns \
        else np.zeros(n, dtype=bool)
    survival = np.full(n, np.nan)
    used = np.where(has_biopsy, "biopsy", "primary_only").astype(object)
    for mask, cox in ((has_biopsy, model.biopsy_model_), (~has_biopsy, model.comparator_model_)):
        if mask.any():
            survival[mask] = cox.survival_at(frame.iloc[np.flatnonzero(mask)],
                                             [float(RISK_HORIZON_MONTHS)])[:, 0]
    return survival, used


def cohort_risk(model: BiopsyRiskModel, frame: pd.DataFrame) -> CohortRisk:
    """5-year survival and risk group of every patient under the served ``model``.

    Parameters
    ----------
    model : risk.model.BiopsyRiskModel
        Fitted (e.g. the active version from the registry).
    frame : pandas.DataFrame
        Canonical cohort frame (outcome columns not needed).
    """
    survival, used = served_survival_at_60(model, frame)
    cutpoints = tuple(float(c) for c in (model.risk_cutpoints_ or ()))
    codes = risk_groups(survival, cutpoints or None)
    words = {g: label("risk_group", g) for g in RISK_GROUPS}
    labels = pd.Series(codes, index=frame.index).map(words)
    categories = list(words.values())
    table = pd.DataFrame({
        "model_used": used,
        "surv_60": survival,
        "risk_60": 1.0 - survival,
        "risk_group": pd.Categorical(labels, categories=categories, ordered=True),
    }, index=frame.index)
    return CohortRisk(table, cutpoints)
