"""Discrimination: Harrell's and Uno's C and the time-dependent AUC.

Every function takes one risk score per patient where **a higher score means a higher
risk** (e.g. predicted 5-year mortality ``1 - S(60)`` or the linear predictor); the
lifelines call that expects the opposite direction is wrapped here once.
"""

from __future__ import annotations

import numpy as np

from risk.errors import ModelError


def check_outcome(time, event) -> tuple[np.ndarray, np.ndarray]:
    """Follow-up (months, > 0) and death (bool) as arrays, or a clear error."""
    time = np.asarray(time, dtype=float).ravel()
    event = np.asarray(event).ravel().astype(bool)
    if time.size != event.size:
        raise ValueError(f"time has {time.size} values but event has {event.size}")
    if time.size < 2:
        raise ModelError("evaluation needs at least two patients with follow-up")
    if not np.isfinite(time).all() or (time <= 0).any():
        raise ModelError("follow-up times must be positive numbers of months")
    if not event.any():
        raise ModelError("all patients are censored: discrimination and calibration need "
                         "at least one death")
    return time, event


def _risk(risk, n: int) -> np.ndarray:
    risk = np.asarray(risk, dtype=float)
    if risk.shape[0] != n:
        raise ValueError(f"expected {n} risk scores, got {risk.shape[0]}")
    if not np.isfinite(risk).all():
        raise ValueError("risk scores must be finite")
    return risk


def _surv(time, event):
    from sksurv.util import Surv

    return Surv.from_arrays(event, time)


def harrell_c(time, event, risk) -> float:
    """Harrell's C: the share of usable pairs where the patient who died first had the
    higher risk (ties in risk count one half). lifelines' O(n log n) implementation."""
    from lifelines.utils import concordance_index

    time, event = check_outcome(time, event)
    risk = _risk(risk, time.size)
    return float(concordance_index(time, -risk, event))


def uno_c(time, event, risk, tau: float | None = None) -> float:
    """Uno's C (inverse-probability-of-censoring weighted), truncated at ``tau`` months.

    The censoring distribution is estimated on the same patients (scikit-survival's
    ``concordance_index_ipcw`` with train = test). ``tau`` is clipped to stay strictly
    inside the follow-up.
    """
    from sksurv.metrics import concordance_index_ipcw

    time, event = check_outcome(time, event)
    risk = _risk(risk, time.size)
    y = _surv(time, event)
    return float(concordance_index_ipcw(y, y, risk, tau=usable_tau(time, tau))[0])


def usable_tau(time, tau: float | None) -> float | None:
    """``tau`` if it lies inside the follow-up, else None (no truncation)."""
    if tau is None or tau >= np.max(time):
        return None
    return float(tau)


def usable_horizons(time, months) -> tuple[list[float], list[float]]:
    """Split ``months`` into those strictly inside the follow-up (scikit-survival's rule:
    ``min(time) <= t < max(time)``) and those skipped."""
    time = np.asarray(time, float)
    inside = [float(m) for m in months if time.min() <= m < time.max()]
    skipped = [float(m) for m in months if m not in inside]
    return inside, skipped


def time_dependent_auc(time, event, risk, months) -> dict[float, float]:
    """Cumulative/dynamic AUC at each horizon (scikit-survival, IPCW).

    ``risk`` is one score per patient (shape (n,)) or one per patient and horizon
    (shape (n, len(months))). A horizon outside the follow-up, or with no death before it
    or no patient still alive after it, gives NaN.
    """
    from sksurv.metrics import cumulative_dynamic_auc

    time, event = check_outcome(time, event)
    risk = _risk(risk, time.size)
    y = _surv(time, event)
    out = {}
    for j, m in enumerate(months):
        score = risk if risk.ndim == 1 else risk[:, j]
        cases = (time <= m) & event
        controls = time > m
        if not (time.min() <= m < time.max()) or not cases.any() or not controls.any():
            out[float(m)] = float("nan")
            continue
        out[float(m)] = float(cumulative_dynamic_auc(y, y, score, [m])[0][0])
    return out
