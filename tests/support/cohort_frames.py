"""Canonical cohort frames for the cohort tests, made directly with numpy and risk.grading.

Kept independent of the validator and the synthetic generator, so these tests check the
cohort analytics alone. The frame follows the contract in the ``risk.schema`` docstring.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from risk import grading
from risk.schema import COLUMN_NAMES, DEFAULT_CELLS_COUNTED, GRADES

# P(liver grade | primary grade), the assumption of docs/literature.md.
_TRANSITIONS = {"G1": (20, 13, 2), "G2": (5, 26, 14), "G3": (1, 2, 9)}
_KI67_RANGE = {"G1": (0.2, 2.9), "G2": (3.0, 20.0), "G3": (21.0, 70.0)}
_SITES = ("pancreas", "small_intestine", "rectum", "colon", "stomach", "appendix", "unknown")


def _ki67_for(grades: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    out = np.full(grades.shape, np.nan)
    for grade, (low, high) in _KI67_RANGE.items():
        mask = grades == grade
        out[mask] = np.round(rng.uniform(low, high, mask.sum()), 1)
    return out


def make_cohort(n: int = 400, seed: int = 0, missing_share: float = 0.08,
                with_complications: bool = True, round_months: bool = True) -> pd.DataFrame:
    """A canonical cohort frame of ``n`` patients with a grade effect on survival.

    True log-hazard: liver G2 +0.6, G3 +1.5, not assessed +0.5 (vs G1); +0.03 per year
    of age; +0.5 for > 50% liver burden; +0.3 per ECOG point (exponential times).
    Follow-up is rounded to 0.1 month unless ``round_months=False``.
    """
    rng = np.random.default_rng(seed)
    primary = rng.choice(np.array(GRADES), n, p=np.array([35, 45, 12]) / 92)
    met = np.empty(n, dtype=object)
    for grade, counts in _TRANSITIONS.items():
        mask = primary == grade
        met[mask] = rng.choice(np.array(GRADES), mask.sum(), p=np.array(counts) / sum(counts))
    primary = primary.astype(object)
    primary_ki67, met_ki67 = _ki67_for(primary, rng), _ki67_for(met, rng)
    for grades, ki67 in ((primary, primary_ki67), (met, met_ki67)):
        gone = rng.random(n) < missing_share / 2
        grades[gone] = None
        ki67[gone] = np.nan
    frame = pd.DataFrame({
        "patient_id": [f"P{i:06d}" for i in range(n)],
        "age": np.round(np.clip(rng.normal(60, 11, n), 18, 100), 1),
        "sex": rng.choice(["female", "male"], n),
        "primary_site": rng.choice(_SITES, n, p=[.45, .3, .06, .05, .05, .03, .06]),
        "primary_ki67": primary_ki67,
        "primary_cells_counted": DEFAULT_CELLS_COUNTED,
        "primary_mitoses": np.nan,
        "primary_grade": primary,
        "met_ki67": met_ki67,
        "met_cells_counted": DEFAULT_CELLS_COUNTED,
        "met_mitoses": np.nan,
        "met_grade": met,
        "differentiation": "well",
        "met_timing": rng.choice(["synchronous", "metachronous"], n, p=[.6, .4]),
        "liver_burden": rng.choice(["lt25", "25to50", "gt50"], n, p=[.5, .3, .2]),
        "extrahepatic_mets": (rng.random(n) < .3).astype(int),
        "primary_resected": (rng.random(n) < .5).astype(int),
        "functional_syndrome": (rng.random(n) < .2).astype(int),
        "ecog": rng.choice(5, n, p=[.45, .35, .12, .06, .02]).astype(int),
        "sstr_status": rng.choice(["positive", "negative", "unknown"], n, p=[.7, .15, .15]),
        "biopsy_complication": (rng.choice(["none", "minor", "major"], n, p=[.9, .07, .03])
                                if with_complications else None),
    })
    level = pd.Series(met).map({"G1": 0.0, "G2": 0.6, "G3": 1.5}).fillna(0.5).to_numpy()
    log_hazard = (np.log(1 / 80) + level + 0.03 * (frame["age"].to_numpy() - 60)
                  + 0.5 * (frame["liver_burden"] == "gt50") + 0.3 * frame["ecog"])
    event_time = rng.exponential(1 / np.exp(log_hazard))
    censor_time = rng.uniform(6, 150, n)
    follow_up = np.clip(np.minimum(event_time, censor_time), 0.1, 600)
    frame["os_months"] = np.round(follow_up, 1) if round_months else follow_up
    frame["death"] = (event_time <= censor_time).astype(int)
    frame = frame[list(COLUMN_NAMES)]
    change, steps = grading.grade_changes(frame["primary_grade"], frame["met_grade"])
    frame["grade_change"] = change
    frame["grade_change_steps"] = steps
    return frame


def save_active_model(folder, version: str, n: int = 400, seed: int = 3):
    """A small model fitted on :func:`make_cohort` ``(n, seed)``, saved and activated as
    ``version`` in the registry at ``folder``; returns the fitted model."""
    from risk.model import BiopsyRiskModel
    from risk.registry.card import build_card, data_fingerprint
    from risk.registry.store import Registry

    frame = make_cohort(n, seed=seed)
    fitted = BiopsyRiskModel(penalizer=0.1, extra_terms=[]).fit(frame)
    Registry(folder).save(fitted.to_dict(), build_card(training_data=data_fingerprint(frame)),
                          version=version, activate=True)
    return fitted
