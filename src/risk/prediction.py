"""Prediction objects: survival curves with 95% bands, horizon table, median OS, risk
group, contributions and flags; built for a whole batch at once (no per-patient loop).

- Curves are on the monthly grid 0..120 (:data:`MONTHS`); horizons are 12, 36, 60, 120.
- Median OS: the first grid month where S <= 0.5; its interval from the months where the
  lower and the upper band first reach 0.5. NaN when not reached within 120 months (the
  lower bound may still be given: "median beyond 120 months, not before month m").
- Risk group: from the 5-year survival and the model's two cut-points (tertiles of the
  training cohort's predicted 5-year survival): ``high`` below the lower cut-point,
  ``low`` at or above the upper one, ``intermediate`` between.
- Contributions: each input's share of the log hazard against the reference patient,
  ``sum_j beta_j (x_j - x_ref_j)`` over the input's columns; adding them to the reference
  patient's linear predictor gives the patient's. NaN for an input the model used does not
  have (the liver-biopsy grade for the primary-only model).
- Flags: ``"; "``-joined sentences ("" when none).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from risk.schema import CURVE_MAX_MONTHS, HORIZONS_MONTHS
from risk.uncertainty import first_month_at_or_below

MONTHS = np.arange(0, CURVE_MAX_MONTHS + 1, dtype=float)
RISK_GROUPS = ("low", "intermediate", "high")
FLAG_SEPARATOR = "; "


@dataclass
class Predictions:
    """One row per input patient, in input order (see the module doc)."""

    months: np.ndarray  # (T,)
    curves: np.ndarray  # (n, T) S(t|x)
    lower: np.ndarray  # (n, T) 95% band
    upper: np.ndarray
    table: pd.DataFrame
    contributions: pd.DataFrame

    def __len__(self) -> int:
        return len(self.table)

    def take(self, rows) -> Predictions:
        """The predictions of some patients (positions or a boolean mask)."""
        rows = np.asarray(rows)
        return Predictions(self.months, self.curves[rows], self.lower[rows], self.upper[rows],
                           self.table.iloc[rows].reset_index(drop=True),
                           self.contributions.iloc[rows].reset_index(drop=True))


def horizon_columns() -> list[str]:
    cols = []
    for h in HORIZONS_MONTHS:
        cols += [f"surv_{h}", f"surv_{h}_lower", f"surv_{h}_upper"]
    return cols


TABLE_COLUMNS = ["patient_id", "model_used", *horizon_columns(), "median_os_months",
                 "median_os_lower", "median_os_upper", "risk_group", "flags",
                 "linear_predictor"]


def risk_groups(surv_60: np.ndarray, cutpoints) -> np.ndarray:
    """'high' / 'intermediate' / 'low' from 5-year survival; '' where unknown."""
    out = np.full(len(surv_60), "", dtype=object)
    if cutpoints is None:
        return out
    low_cut, high_cut = cutpoints
    known = ~np.isnan(surv_60)
    out[known] = np.where(surv_60[known] < low_cut, "high",
                          np.where(surv_60[known] >= high_cut, "low", "intermediate"))
    return out


def risk_cutpoints(surv_60: np.ndarray) -> list[float]:
    """Tertiles of the training cohort's predicted 5-year survival."""
    return [float(q) for q in np.quantile(surv_60[~np.isnan(surv_60)], [1 / 3, 2 / 3])]


def join_flags(n: int, items: list[tuple[np.ndarray, str]]) -> np.ndarray:
    """Per patient, the texts whose mask is true, joined by :data:`FLAG_SEPARATOR`."""
    out = np.full(n, "", dtype=object)
    for mask, text in items:
        if mask.any():
            current = out[mask]
            out[mask] = np.where(current == "", text, current + FLAG_SEPARATOR + text)
    return out


def patient_ids(frame: pd.DataFrame) -> np.ndarray:
    if "patient_id" in frame.columns:
        return frame["patient_id"].astype(str).to_numpy(dtype=object)
    return np.arange(1, len(frame) + 1).astype(str).astype(object)


def assemble(months: np.ndarray, curves: np.ndarray, lower: np.ndarray, upper: np.ndarray,
             linear_predictor: np.ndarray, model_used: np.ndarray, ids: np.ndarray,
             cutpoints, flags: np.ndarray, contributions: pd.DataFrame) -> Predictions:
    """Build the :class:`Predictions` (table columns in :data:`TABLE_COLUMNS` order)."""
    cols: dict[str, object] = {"patient_id": ids, "model_used": model_used}
    at = np.searchsorted(months, HORIZONS_MONTHS)
    for h, j in zip(HORIZONS_MONTHS, at, strict=True):
        cols[f"surv_{h}"] = curves[:, j]
        cols[f"surv_{h}_lower"] = lower[:, j]
        cols[f"surv_{h}_upper"] = upper[:, j]
    cols["median_os_months"] = first_month_at_or_below(curves, months)
    # the lower band reaches 0.5 first: it gives the lower limit of the median
    cols["median_os_lower"] = first_month_at_or_below(lower, months)
    cols["median_os_upper"] = first_month_at_or_below(upper, months)
    cols["risk_group"] = risk_groups(curves[:, at[list(HORIZONS_MONTHS).index(60)]],
                                     cutpoints)
    cols["flags"] = flags
    cols["linear_predictor"] = linear_predictor
    table = pd.DataFrame(cols, columns=TABLE_COLUMNS)
    return Predictions(months, curves, lower, upper, table,
                       contributions.reset_index(drop=True))
