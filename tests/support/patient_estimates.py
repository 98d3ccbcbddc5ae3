"""Hand-made patient estimates for the figure and report tests (no model needed).

Curves are exponential survival S(t) = exp(-t / mean) on the 0..120 month grid, so every
number the tests check has a closed form.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from risk import grading
from risk.model.patient_estimate import BiopsyScenarios, PatientEstimate, SurvivalEstimate
from risk.schema import GRADES, HORIZONS_MONTHS

MONTHS = np.arange(121, dtype=float)

INPUTS = {
    "age": 63.0, "sex": "female", "primary_site": "pancreas", "primary_ki67": 12.0,
    "primary_mitoses": None, "primary_grade": None, "met_ki67": 25.0, "met_mitoses": None,
    "met_grade": "G3", "met_timing": "synchronous", "liver_burden": "25to50",
    "extrahepatic_mets": False, "primary_resected": True, "functional_syndrome": False,
    "ecog": 1, "sstr_status": "positive",
}


def exponential_estimate(mean_months: float, model_used: str = "biopsy") -> SurvivalEstimate:
    """An estimate with S(t) = exp(-t/mean) and a band from means x 0.8 and x 1.25."""
    curve = np.exp(-MONTHS / mean_months)
    lower, upper = np.exp(-MONTHS / (0.8 * mean_months)), np.exp(-MONTHS / (1.25 * mean_months))
    summary = {"model_used": model_used, "risk_group": "intermediate", "flags": ""}
    for m in HORIZONS_MONTHS:
        summary[f"surv_{m}"] = float(np.exp(-m / mean_months))
        summary[f"surv_{m}_lower"] = float(np.exp(-m / (0.8 * mean_months)))
        summary[f"surv_{m}_upper"] = float(np.exp(-m / (1.25 * mean_months)))
    median = mean_months * np.log(2)
    summary.update(median_os_months=median, median_os_lower=0.8 * median,
                   median_os_upper=1.25 * median if 1.25 * median <= 120 else np.nan)
    contributions = pd.Series({"met_grade": 0.9, "age": 0.1, "ecog": 0.25,
                               "primary_resected": -0.4, "liver_burden": 0.3})
    return SurvivalEstimate(MONTHS, curve, lower, upper, summary, contributions)


def make_estimate(model_version: str = "synthetic-v1", with_biopsy: bool = True,
                  synthetic: bool = True,
                  warnings: tuple[str, ...] = ()) -> PatientEstimate:
    """A full patient estimate: biopsy model (mean 80 months) vs primary only (mean 110)."""
    inputs = dict(INPUTS) if with_biopsy else {**INPUTS, "met_ki67": None, "met_grade": None}
    grades = {
        "primary_grade": grading.check_grade(None, inputs["primary_ki67"], None),
        "met_grade": grading.check_grade(inputs["met_grade"], inputs["met_ki67"], None),
    }
    estimate = exponential_estimate(80.0 if with_biopsy else 110.0,
                                    "biopsy" if with_biopsy else "primary_only")
    scenarios = pd.DataFrame({"liver_grade": list(GRADES), "probability": [5 / 45, 26 / 45,
                                                                           14 / 45],
                              "patients": [5, 26, 14]})
    means = {"G1": 200.0, "G2": 110.0, "G3": 40.0}
    curves = {g: np.exp(-MONTHS / m) for g, m in means.items()}
    scenarios["surv_60"] = [float(np.exp(-60 / means[g])) for g in GRADES]
    expected = sum(p * curves[g] for g, p in zip(GRADES, scenarios["probability"], strict=True))
    before = BiopsyScenarios("G2", MONTHS, scenarios, curves, expected)
    return PatientEstimate(
        inputs=inputs, patient=pd.DataFrame([inputs]), grades=grades, estimate=estimate,
        without_biopsy=exponential_estimate(110.0, "primary_only") if with_biopsy else None,
        before_biopsy=before, model_version=model_version,
        risk_cutpoints=(0.3, 0.6), warnings=warnings,
        created=date(2026, 11, 24), synthetic=synthetic)
