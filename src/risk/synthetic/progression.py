"""Progression-free survival of the synthetic cohort (parameters in
:mod:`risk.synthetic.params`, "Progression-free survival").

Progression has a Weibull proportional-hazards time of its own, driven by the liver grade
and a weighted share of the other features' log hazard of death; PFS ends at the earlier
of progression and the end of overall survival (death or censoring), so ``pfs_months <=
os_months`` for every patient by construction, and a death without progression is a PFS
event (:func:`risk.stats.outcome.pfs_event`).
"""

from __future__ import annotations

import numpy as np

from risk.synthetic import params as P


def progression_log_hazard(other_log_hr: np.ndarray, liver: np.ndarray) -> np.ndarray:
    """Log hazard of progression: the liver grade's own term plus
    ``PFS_COVARIATE_WEIGHT`` times the other features' log hazard of death (centred, so
    the scale belongs to a patient with average other features)."""
    liver_hr = np.log([1.0, P.PFS_LIVER_G2_HR, P.PFS_LIVER_G3_HR])
    centred = other_log_hr - other_log_hr.mean() if other_log_hr.size else other_log_hr
    out: np.ndarray = liver_hr[liver] + P.PFS_COVARIATE_WEIGHT * centred
    return out


def progression_free(rng: np.random.Generator, log_hr: np.ndarray,
                     os_end: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(pfs_months, progression)``: months rounded as ``os_months`` is (0.1, at least
    0.1, so the rounded PFS never passes the rounded OS) and 1 where progression came
    first."""
    draw = rng.standard_exponential(log_hr.size) * np.exp(-log_hr)
    progression_time = P.PFS_BASELINE_SCALE_MONTHS * draw ** (1 / P.PFS_WEIBULL_SHAPE)
    progressed = progression_time < os_end
    months = np.maximum(np.round(np.minimum(progression_time, os_end), 1), 0.1)
    return months, progressed.astype(int)
