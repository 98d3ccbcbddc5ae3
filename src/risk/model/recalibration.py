"""Recalibration: fit an existing model's baseline survival (and, optionally, its
calibration slope) to a centre's own patients, without refitting its coefficients.

A centre whose patients live longer or shorter than the training cohort, with the same
relative effects of grade, age and extent of disease, gets predictions that are ranked
right but sit too high or too low. Recalibration keeps the model's ranking and fixes the
level (van Houwelingen 2000; Steyerberg, *Clinical Prediction Models*, ch. 20):

- **baseline** (always): with the linear predictor ``lp = (x - mean) . beta`` held fixed
  (the parent's coefficients and centring means), the baseline cumulative hazard is
  re-estimated on the local patients, ``H0(t) = sum_{t_i <= t} d_i / sum_{j at risk at
  t_i} exp(lp_j)`` with Efron's increments at tied deaths, as R's ``survfit.coxph``
  (:func:`risk.stats.baseline.baseline_aggregates`, the same code as every fit);
- **slope** (optional): a Cox model of the local outcome on ``lp`` alone gives the
  calibration slope ``s`` (1 = effects as strong locally as in training; < 1 = too
  extreme predictions); every coefficient is multiplied by ``s`` and the baseline is
  re-estimated with ``s * lp``. The coefficients' covariance becomes ``s^2 V`` (the
  slope's own uncertainty is reported, not propagated).

Both served models are recalibrated: the biopsy model on the local patients with a
liver-biopsy grade, the primary-only comparator on all of them. Risk-group cut-points are
recomputed as tertiles of the local cohort's recalibrated 5-year survival; training ranges,
category counts, the reference patient and grade transitions stay the parent's (they
describe the data the coefficients were learnt from).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from risk.errors import ModelError
from risk.evaluation.metrics.calibration import calibration_slope
from risk.model.fit_notes import RECALIBRATED_NOTE, RECALIBRATED_PARTS, FitNote
from risk.model.prediction import MONTHS, risk_cutpoints
from risk.stats.baseline import baseline_aggregates
from risk.stats.normal import Z_95
from risk.stats.outcome import check_outcome

if TYPE_CHECKING:
    from risk.model.cox import CoxModel
    from risk.model.pair import BiopsyRiskModel
    from risk.registry.card import ModelCard, TrainingData

#: Fewest deaths among a model's patients for a baseline, and for a slope as well.
MIN_DEATHS_BASELINE = 5
MIN_DEATHS_SLOPE = 10
#: Months at which observed (Kaplan-Meier) and mean predicted survival are compared.
CHECK_MONTHS = (12, 36, 60)
#: The two served models: key in BiopsyRiskModel.to_dict() -> words for messages.
_PARTS = {"biopsy_model": "the biopsy model (patients with a liver-biopsy grade)",
          "comparator_model": "the primary-only comparator (all patients)"}


@dataclass(frozen=True)
class Recalibration:
    """A recalibrated model and what was done to each of its two Cox models.

    Attributes
    ----------
    model : risk.model.BiopsyRiskModel
        New, fitted; the parent is not changed.
    details : dict
        Per model (``"biopsy_model"``, ``"comparator_model"``): patients, deaths, the
        slope applied (1.0 without ``slope=True``), the fitted slope and its standard
        error (when asked), and observed vs mean predicted survival at
        :data:`CHECK_MONTHS` before and after (a plain, JSON-safe dict).
    """

    model: BiopsyRiskModel
    details: dict[str, Any]

    def settings(self) -> dict[str, Any]:
        """What the model card records under ``settings`` (JSON-safe)."""
        out = {"recalibration": "baseline and slope" if self.details["slope"] else "baseline"}
        for part in _PARTS:
            d = self.details[part]
            out[f"{part}_slope"] = d["slope_applied"]
            if d.get("slope_se") is not None:
                out[f"{part}_slope_se"] = d["slope_se"]
        return out


def recalibrate(model: BiopsyRiskModel, frame: pd.DataFrame, slope: bool = False
                ) -> Recalibration:
    """Recalibrate a fitted :class:`~risk.model.BiopsyRiskModel` on a canonical cohort.

    Parameters
    ----------
    model : BiopsyRiskModel
        Fitted (e.g. the active version, loaded from the registry); left unchanged.
    frame : pandas.DataFrame
        Canonical cohort frame with ``os_months`` and ``death``
        (:func:`risk.data.validation.load_cohort` with ``purpose="training"``).
    slope : bool
        Also fit and apply the calibration slope of each model.

    Raises
    ------
    risk.errors.ModelError
        No outcomes, all censored, or too few deaths for a model (the message says how
        many are needed and how many there are).
    """
    from risk.model import BiopsyRiskModel

    _check_frame(frame)
    params = model.to_dict()
    has_biopsy = frame["met_grade"].notna().to_numpy()
    subsets = {"biopsy_model": frame[has_biopsy], "comparator_model": frame}
    cox_models = {"biopsy_model": model.biopsy_model_,
                  "comparator_model": model.comparator_model_}
    details: dict[str, Any] = {"slope": bool(slope)}
    for part, cox in cox_models.items():
        params[part], details[part] = _recalibrate_cox(cox, subsets[part], slope, part)
    new = BiopsyRiskModel.from_dict(params)
    served_60 = new.predict(frame).table["surv_60"].to_numpy()
    params["risk_cutpoints"] = risk_cutpoints(served_60)
    params["notes"] = [*params["notes"], _model_note(details)]
    new = BiopsyRiskModel.from_dict(params)
    for part, cox in cox_models.items():
        after = new.biopsy_model_ if part == "biopsy_model" else new.comparator_model_
        details[part]["check"] = _survival_check(cox, after, subsets[part])
    return Recalibration(new, details)


def _check_frame(frame: pd.DataFrame) -> None:
    missing = [c for c in ("os_months", "death", "met_grade") if c not in frame.columns]
    if missing:
        raise ModelError("Recalibration needs the column(s) " + ", ".join(missing) +
                         " (overall survival, death and the liver-biopsy grade).")
    check_outcome(frame["os_months"], frame["death"])


def _recalibrate_cox(cox: CoxModel, frame: pd.DataFrame, slope: bool, part: str
                     ) -> tuple[dict[str, Any], dict[str, Any]]:
    """(new CoxModel parameters, details) for one Cox model on its local patients."""
    t = frame["os_months"].to_numpy(dtype=float)
    e = frame["death"].to_numpy(dtype=float)
    deaths = int(e.sum())
    needed = MIN_DEATHS_SLOPE if slope else MIN_DEATHS_BASELINE
    if deaths < needed:
        what = "a baseline and a calibration slope" if slope else "a baseline"
        raise ModelError(f"Recalibrating {_PARTS[part]} needs at least {needed} deaths to "
                         f"estimate {what}; the file has {len(frame)} such patients and "
                         f"{deaths} deaths.")
    X = cox.design(frame)
    coef = cox.coef_.to_numpy(dtype=float)
    means = cox.means_.to_numpy(dtype=float)
    detail: dict[str, Any] = {"patients": len(frame), "deaths": deaths, "slope_applied": 1.0,
              "slope_fitted": None, "slope_se": None}
    if slope:
        fitted, lower, upper = calibration_slope(t, e, linear_predictor=(X - means) @ coef)
        se = (upper - lower) / (2 * Z_95)
        detail.update(slope_applied=fitted, slope_fitted=fitted, slope_se=se)
    factor = detail["slope_applied"]
    baseline = baseline_aggregates(X, t, e, coef * factor, means, MONTHS)
    params = cox.to_dict()
    params["coefficients"] = (coef * factor).tolist()
    params["covariance"] = (cox.covariance_.to_numpy(dtype=float) * factor**2).tolist()
    params["baseline"] = baseline.to_dict()
    h0_60 = np.interp(60.0, baseline.months, baseline.cumulative_hazard)
    lp = (X - means) @ (coef * factor)
    params["risk_cutpoints"] = risk_cutpoints(np.exp(-h0_60 * np.exp(lp)))
    params["notes"] = [*params["notes"], _cox_note(detail, t, e)]
    return params, detail


def _cox_note(detail: dict[str, Any], t: np.ndarray, e: np.ndarray) -> str:
    text = (f"recalibrated on {detail['patients']} patients ({detail['deaths']} deaths): "
            "baseline re-estimated with the coefficients held fixed")
    if detail["slope_fitted"] is not None:
        text += f", coefficients scaled by the calibration slope {detail['slope_applied']:.3f}"
    last_death = float(t[e > 0].max())
    if last_death < MONTHS[-1]:
        text += (f"; the last local death is at month {last_death:.0f}: the baseline is "
                 "held flat after it")
    return text


def _model_note(details: dict[str, Any]) -> str:
    """The pair's note, as the model file stores it (:mod:`risk.model.fit_notes`)."""
    slope_too, baseline_only = RECALIBRATED_PARTS
    return str(FitNote.of(RECALIBRATED_NOTE, what=slope_too if details["slope"] else baseline_only,
                          patients=details["comparator_model"]["patients"]))


def _survival_check(before: CoxModel, after: CoxModel, frame: pd.DataFrame
                    ) -> list[dict[str, Any]]:
    """Observed (Kaplan-Meier) vs mean predicted survival, before and after."""
    from risk.stats.kaplan_meier import kaplan_meier

    t = frame["os_months"].to_numpy(dtype=float)
    km = kaplan_meier(t, frame["death"].to_numpy(dtype=float))
    months = [m for m in CHECK_MONTHS if m < t.max()]
    if not months:
        return []
    old = before.survival_at(frame, months).mean(axis=0)
    new = after.survival_at(frame, months).mean(axis=0)
    observed = km.survival_at(months)
    return [{"months": m, "observed": round(float(o), 4), "predicted_before": round(float(b), 4),
             "predicted_after": round(float(a), 4)}
            for m, o, b, a in zip(months, observed, old, new, strict=True)]


def recalibration_card(parent: str, training_data: TrainingData | dict[str, Any],
                       result: Recalibration, notes: str = "") -> ModelCard:
    """The model card of a recalibrated version: kind, parent, data fingerprint, settings.

    ``training_data`` is :func:`risk.registry.card.data_fingerprint` of the local cohort.
    """
    from risk.registry.card import build_card

    metrics = {f"{part}_observed_vs_predicted": result.details[part]["check"]
               for part in _PARTS}
    return build_card(training_data=training_data, settings=result.settings(),
                      metrics=metrics, kind="recalibrated", parent=parent, notes=notes)
