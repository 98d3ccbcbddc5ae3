"""Clinical usefulness: decision curves and net reclassification at a horizon.

Censoring is handled with Kaplan-Meier, following

- Vickers, Cronin, Elkin & Gonen, BMC Med Inform Decis Mak 2008 (decision curves for
  survival): at threshold p_t, patients with predicted risk >= p_t are "treated";
  net benefit = TP/n - FP/n * p_t / (1 - p_t), with TP/n = (1 - S_treated(t)) * P(treated)
  and FP/n = S_treated(t) * P(treated); treat-all uses everyone; treat-none is 0;
- Pencina, D'Agostino & Steyerberg, Stat Med 2011 (NRI for survival): the probabilities of
  moving up or down given an event (death by t) or non-event come from Kaplan-Meier
  within the movers, e.g. P(up | event) = (1 - S_up(t)) P(up) / (1 - S(t)).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from risk.stats.kaplan_meier import survival_at
from risk.stats.outcome import check_outcome

if TYPE_CHECKING:
    from numpy.typing import ArrayLike, NDArray

#: Threshold probabilities of death by the horizon: 5% to 50% in steps of 1%.
DEFAULT_THRESHOLDS = tuple(round(0.05 + 0.01 * i, 2) for i in range(46))


def _km(time: NDArray[np.float64], event: NDArray[np.bool_], months: float) -> float:
    if time.size == 0:
        return float("nan")
    return float(survival_at(time, event, [months])[0])


def decision_curve(time: ArrayLike, event: ArrayLike, predicted_risk: ArrayLike,
                   months: float, thresholds: Iterable[float] = DEFAULT_THRESHOLDS
                   ) -> list[dict[str, Any]]:
    """Net benefit of treating patients whose predicted risk of death by ``months`` is at
    least each threshold, with treat-all and treat-none (0) alongside.

    Returns one dict per threshold: ``threshold, net_benefit, treat_all, treat_none,
    treated`` (share of patients above the threshold).
    """
    time, event = check_outcome(time, event, min_patients=2)
    risk = np.asarray(predicted_risk, float)
    n = time.size
    s_all = _km(time, event, months)
    rows = []
    for pt in thresholds:
        odds = pt / (1 - pt)
        treated = risk >= pt
        share = treated.mean()
        if share == 0:
            nb = 0.0
        else:
            s_treated = _km(time[treated], event[treated], months)
            nb = (1 - s_treated) * share - s_treated * share * odds
        rows.append({
            "threshold": float(pt), "net_benefit": float(nb),
            "treat_all": float((1 - s_all) - s_all * odds), "treat_none": 0.0,
            "treated": float(treated.sum() / n),
        })
    return rows


def _movement_nri(time: NDArray[np.float64], event: NDArray[np.bool_],
                  up: NDArray[np.bool_], down: NDArray[np.bool_], months: float
                  ) -> dict[str, Any]:
    """NRI from the up/down indicators, with KM-based event/non-event probabilities."""
    s_all = _km(time, event, months)
    p_up, p_down = up.mean(), down.mean()
    s_up = _km(time[up], event[up], months) if up.any() else 1.0
    s_down = _km(time[down], event[down], months) if down.any() else 1.0
    risk_all = 1 - s_all
    up_event = (1 - s_up) * p_up / risk_all if up.any() else 0.0
    down_event = (1 - s_down) * p_down / risk_all if down.any() else 0.0
    up_nonevent = s_up * p_up / s_all if up.any() else 0.0
    down_nonevent = s_down * p_down / s_all if down.any() else 0.0
    nri_events = up_event - down_event
    nri_nonevents = down_nonevent - up_nonevent
    return {"nri": float(nri_events + nri_nonevents), "nri_events": float(nri_events),
            "nri_nonevents": float(nri_nonevents), "moved_up": int(up.sum()),
            "moved_down": int(down.sum())}


def net_reclassification(time: ArrayLike, event: ArrayLike, old_risk: ArrayLike,
                         new_risk: ArrayLike, months: float,
                         old_category: ArrayLike | None = None,
                         new_category: ArrayLike | None = None) -> dict[str, Any]:
    """Net reclassification improvement of ``new`` over ``old`` at ``months``.

    Parameters
    ----------
    old_risk, new_risk : array, shape (n,)
        Predicted risk of death by ``months`` under each model (higher = riskier).
    old_category, new_category : array of int, optional
        Ordered risk categories (0 = lowest risk); when given, the categorical NRI is
        computed as well.

    Returns
    -------
    dict
        ``continuous`` (any rise/fall in predicted risk) and, when categories are given,
        ``categorical``, each with ``nri, nri_events, nri_nonevents, moved_up,
        moved_down``.
    """
    time, event = check_outcome(time, event, min_patients=2)
    old_risk = np.asarray(old_risk, float)
    new_risk = np.asarray(new_risk, float)
    out = {"months": float(months),
           "continuous": _movement_nri(time, event, new_risk > old_risk,
                                       new_risk < old_risk, months)}
    if old_category is not None and new_category is not None:
        old_c = np.asarray(old_category, int)
        new_c = np.asarray(new_category, int)
        out["categorical"] = _movement_nri(time, event, new_c > old_c, new_c < old_c, months)
    return out


def reclassification_table(time: ArrayLike, event: ArrayLike, old_category: ArrayLike,
                           new_category: ArrayLike, labels: Sequence[str],
                           months: float) -> list[dict[str, Any]]:
    """Counts (and observed risk by ``months``) for each pair of old/new risk categories.

    Returns one dict per (old, new) cell with ``old, new, n, deaths, observed_risk``
    (NaN when the cell is empty or follow-up ends before ``months``).
    """
    time, event = check_outcome(time, event, min_patients=2)
    old_c = np.asarray(old_category, int)
    new_c = np.asarray(new_category, int)
    cells = []
    for i, old_label in enumerate(labels):
        for j, new_label in enumerate(labels):
            mask = (old_c == i) & (new_c == j)
            s = _km(time[mask], event[mask], months)
            cells.append({"old": old_label, "new": new_label, "n": int(mask.sum()),
                          "deaths": int(event[mask].sum()), "observed_risk": 1 - s})
    return cells
