"""Canonical cohort frames simulated from a KNOWN Cox/Weibull truth (model tests only).

The true log hazard is computed here from the canonical columns with its own table of
log hazard ratios (:data:`TRUE_LOG_HR`), independently of :mod:`risk.model.features`, so an
encoding mistake shows up as a failure to recover the truth.

Truth: S(t|x) = exp(-(t / SCALE)^SHAPE * exp(lp(x))), lp = 0 for the reference patient
(age 60, female, small intestine, G1/G1, synchronous, < 25% burden, no flags, ECOG 0,
SSTR positive). Censoring: administrative follow-up uniform on 24-150 months and a
loss to follow-up of 0.4% per month.
"""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd

SHAPE = 1.1
SCALE = 180.0

TRUE_LOG_HR = {
    "age_per_10y": 0.25,
    "sex": {"male": 0.10},
    "primary_site": {"pancreas": 0.35, "rectum": -0.30, "colon": 0.30, "stomach": 0.25,
                     "appendix": -0.20, "unknown": 0.30},
    "primary_grade": {"G2": 0.20, "G3": 0.50, "unknown": 0.20},
    "met_grade": {"G2": 0.45, "G3": 1.20},
    "met_timing": {"metachronous": -0.20},
    "liver_burden": {"25to50": 0.35, "gt50": 0.70},
    "extrahepatic_mets": 0.35,
    "primary_resected": -0.40,
    "functional_syndrome": 0.10,
    "ecog": {1: 0.30, 2: 0.80, 3: 0.80, 4: 0.80},
    "sstr_status": {"negative": 0.30, "unknown": 0.10},
}

SITES = ("pancreas", "small_intestine", "rectum", "colon", "stomach", "appendix", "unknown")
SITE_P = (0.40, 0.33, 0.05, 0.06, 0.05, 0.04, 0.07)
GRADES = ("G1", "G2", "G3")
PRIMARY_P = (0.38, 0.49, 0.13)
#: P(liver grade | primary grade), the source study's table (literature.md).
TRANSITION = {"G1": (20 / 35, 13 / 35, 2 / 35), "G2": (5 / 45, 26 / 45, 14 / 45),
              "G3": (1 / 12, 2 / 12, 9 / 12)}
KI67_RANGE = {"G1": (0.5, 2.9), "G2": (3.0, 20.0), "G3": (21.0, 60.0)}


def true_log_hazard(frame: pd.DataFrame, truth: dict | None = None,
                    upgrade_log_hr: float = 0.0, ki67_log_hr: float = 0.0) -> np.ndarray:
    """lp of the truth from canonical columns; met_grade must be filled (true grade)."""
    truth = truth or TRUE_LOG_HR
    lp = truth["age_per_10y"] * (frame["age"].to_numpy(float) - 60.0) / 10.0
    for name in ("sex", "primary_site", "met_grade", "met_timing", "liver_burden", "ecog",
                 "sstr_status"):
        lp += frame[name].map(truth[name]).fillna(0.0).to_numpy(float)
    grade = frame["primary_grade"].fillna("unknown")
    lp += grade.map(truth["primary_grade"]).fillna(0.0).to_numpy(float)
    for name in ("extrahepatic_mets", "primary_resected", "functional_syndrome"):
        lp += truth[name] * frame[name].to_numpy(float)
    rank = {g: i for i, g in enumerate(GRADES)}
    steps = (frame["met_grade"].map(rank) - frame["primary_grade"].map(rank)).to_numpy(float)
    lp += upgrade_log_hr * (steps > 0)
    ki67 = frame["met_ki67"].to_numpy(float)
    lp += ki67_log_hr * np.where(np.isnan(ki67), 0.0, np.log1p(ki67) - np.log1p(8.0))
    return lp


def true_survival(lp: np.ndarray, months) -> np.ndarray:
    """Truth S(t|x) for linear predictors ``lp`` at ``months``, shape (n, len(months))."""
    months = np.atleast_1d(np.asarray(months, float))
    return np.exp(-np.outer(np.exp(lp), (months / SCALE) ** SHAPE))


def _choice(rng, options, p, n):
    return np.asarray(options, dtype=object)[rng.choice(len(options), size=n, p=p)]


def simulate_cohort(n: int, seed: int, missing_biopsy: float = 0.08,
                    missing_primary_grade: float = 0.08, upgrade_log_hr: float = 0.0,
                    ki67_log_hr: float = 0.0, truth: dict | None = None) -> pd.DataFrame:
    """A canonical cohort frame of ``n`` patients drawn from the known truth."""
    rng = np.random.default_rng(seed)
    site = _choice(rng, SITES, SITE_P, n)
    primary = _choice(rng, GRADES, PRIMARY_P, n)
    liver = np.array([GRADES[rng.choice(3, p=TRANSITION[g])] for g in primary], dtype=object)
    primary_known = (rng.random(n) >= missing_primary_grade) & (site != "unknown")
    lo = np.array([KI67_RANGE[g][0] for g in liver])
    hi = np.array([KI67_RANGE[g][1] for g in liver])
    met_ki67 = np.round(rng.uniform(lo, hi), 1)
    frame = pd.DataFrame({
        "patient_id": [f"SIM{seed:03d}-{i:05d}" for i in range(n)],
        "age": np.round(np.clip(rng.normal(58, 11, n), 20, 90), 1),
        "sex": _choice(rng, ("female", "male"), (0.5, 0.5), n),
        "primary_site": site,
        "primary_ki67": np.nan, "primary_mitoses": np.nan,
        "primary_grade": np.where(primary_known, primary, None),
        "met_ki67": met_ki67, "met_mitoses": np.nan,
        "met_grade": liver,
        "differentiation": "well",
        "met_timing": _choice(rng, ("synchronous", "metachronous"), (0.6, 0.4), n),
        "liver_burden": _choice(rng, ("lt25", "25to50", "gt50"), (0.5, 0.3, 0.2), n),
        "extrahepatic_mets": (rng.random(n) < 0.25).astype(int),
        "primary_resected": (rng.random(n) < 0.5).astype(int),
        "functional_syndrome": (rng.random(n) < 0.3).astype(int),
        "ecog": rng.choice([0, 1, 2, 3], size=n, p=[0.55, 0.33, 0.08, 0.04]).astype(int),
        "sstr_status": _choice(rng, ("positive", "negative", "unknown"), (0.75, 0.1, 0.15), n),
        "biopsy_complication": "none",
    })
    lp = true_log_hazard(frame, truth, upgrade_log_hr, ki67_log_hr)
    event_time = SCALE * (rng.exponential(size=n) * np.exp(-lp)) ** (1 / SHAPE)
    censor = np.minimum(rng.uniform(24, 150, n), rng.exponential(1 / 0.004, n))
    frame["os_months"] = np.maximum(np.minimum(event_time, censor), 0.01)
    frame["death"] = (event_time <= censor).astype(int)
    no_biopsy = rng.random(n) < missing_biopsy
    frame.loc[no_biopsy, ["met_grade", "met_ki67"]] = [None, np.nan]
    frame["primary_grade"] = frame["primary_grade"].astype(object)
    frame["met_grade"] = frame["met_grade"].astype(object)
    rank = {g: i for i, g in enumerate(GRADES)}
    steps = frame["met_grade"].map(rank) - frame["primary_grade"].map(rank)
    frame["grade_change"] = np.select([steps == 0, steps > 0, steps < 0],
                                      ["concordant", "upgraded", "downgraded"], "unknown")
    frame["grade_change_steps"] = steps.astype(float)
    frame.attrs["true_lp"] = lp
    return frame


def reference_like_patient(**changes) -> pd.DataFrame:
    """One canonical row (a typical patient) with ``changes`` applied."""
    row = {"patient_id": "ONE", "age": 60.0, "sex": "female", "primary_site": "pancreas",
           "primary_ki67": np.nan, "primary_mitoses": np.nan, "primary_grade": "G2",
           "met_ki67": np.nan, "met_mitoses": np.nan, "met_grade": "G2",
           "differentiation": "well", "met_timing": "synchronous", "liver_burden": "lt25",
           "extrahepatic_mets": 0, "primary_resected": 1, "functional_syndrome": 0,
           "ecog": 0, "sstr_status": "positive", "biopsy_complication": "none"}
    row.update(changes)
    return pd.DataFrame([row])


@functools.lru_cache(maxsize=4)
def fitted_pair(n: int = 1200, seed: int = 7, penalizer: float = 0.0):
    """A BiopsyRiskModel fitted on a simulated cohort (cached: shared by test modules).

    Fixed penalizer and no extra terms keep it fast; returns (model, training frame).
    Callers must not mutate either.
    """
    from risk.model import BiopsyRiskModel

    frame = simulate_cohort(n, seed)
    model = BiopsyRiskModel(penalizer=penalizer, extra_terms=()).fit(frame)
    return model, frame
