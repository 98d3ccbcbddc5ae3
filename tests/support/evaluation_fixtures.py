"""Small fitted models and cohorts shared by the evaluation tests (kept fast: a fixed
penalizer and no term selection, so no cross-validation)."""

from __future__ import annotations

import functools

import numpy as np

from risk.data.validation import canonicalise
from risk.model import BiopsyRiskModel
from risk.synthetic.generator import generate_cohort


@functools.cache
def cohort(n: int, seed: int):
    return canonicalise(generate_cohort(n, seed))


@functools.cache
def fitted(n: int = 300, seed: int = 11, penalizer: float = 0.05) -> BiopsyRiskModel:
    return BiopsyRiskModel(penalizer=penalizer, extra_terms=[]).fit(cohort(n, seed))


def outcomes_from_model(model, frame, seed: int):
    """The same patients with outcomes drawn from the model's own served curves:
    death at the first month where S(t|x) falls below a uniform draw (linear between
    months), censored uniformly on 24-150 months and at 120 months (end of the curves)."""
    rng = np.random.default_rng(seed)
    pred = model.predict(frame)
    curves, months = pred.curves, pred.months
    u = rng.uniform(size=len(frame))
    below = curves <= u[:, None]
    reached = below.any(axis=1)
    j = np.where(reached, below.argmax(axis=1), len(months) - 1)
    s_before, s_after = curves[np.arange(len(frame)), j - 1], curves[np.arange(len(frame)), j]
    frac = np.where(reached, (s_before - u) / np.maximum(s_before - s_after, 1e-12), 0.0)
    death_time = np.where(reached, months[j - 1] + frac, np.inf)
    censor = np.minimum(rng.uniform(24, 150, len(frame)), 120.0)
    out = frame.copy()
    out["os_months"] = np.round(np.maximum(np.minimum(death_time, censor), 0.05), 2)
    out["death"] = (death_time <= censor).astype(int)
    return out
