"""Standard errors of C and of the Brier score, for pooling centres' results.

With bootstrap resamples (``bootstrap > 0``) a standard error is the SD of the metric over
the same resamples as the percentile intervals, each patient's prediction held fixed: an
aggregate of the resamples, never a per-patient value. Without resamples it is a closed
formula:

- C: Newcombe (Stat Med 2006;25:543-57, method 4), as Debray et al. (BMJ 2017;356:i6460)
  approximate a missing SE (the default of their R package metamisc, ``ccalc``), with the
  deaths as "events" and the other patients as "non-events";
- Brier score: the SD of the patients' weighted squared errors over sqrt(n)
  (:func:`risk.evaluation.metrics.brier_standard_error`).
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike

from risk.evaluation.metrics import bootstrap_concordance, brier_scores, brier_standard_error
from risk.evaluation.section_models import StandardErrors

BOOTSTRAP_METHOD = "SD of the bootstrap resamples (predictions held fixed)"
CLOSED_METHOD = ("closed form: C by Newcombe 2006 (method 4), Brier score by the SD of the "
                 "weighted squared errors over sqrt(n)")


def newcombe_c_se(c: float, events: int, patients: int) -> float:
    """Newcombe's (2006, method 4) standard error of a C-statistic ``c`` with ``events``
    deaths among ``patients``: var = c(1-c)/(m n) * [1 + (N/2 - 1)(1-c)/(2-c)
    + (N/2 - 1) c/(1+c)], m deaths, n = N - m others (NaN when undefined)."""
    m, n = int(events), int(patients) - int(events)
    if not (math.isfinite(c) and m > 0 and n > 0):
        return math.nan
    half = patients / 2.0 - 1.0
    var = c * (1 - c) / (m * n) * (1 + half * (1 - c) / (2 - c) + half * c / (1 + c))
    return math.sqrt(var) if var > 0 else math.nan


def _sd(values: np.ndarray) -> float | None:
    values = np.asarray(values, float)
    values = values[np.isfinite(values)]
    return float(np.std(values, ddof=1)) if values.size > 1 else None


def _finite(value: float) -> float | None:
    return value if math.isfinite(value) else None


def bootstrap_standard_errors(time: np.ndarray, event: np.ndarray, served_60: np.ndarray,
                              comparator_60: np.ndarray, indices: np.ndarray,
                              tau: float | None) -> tuple[StandardErrors, StandardErrors]:
    """(served, comparator) SEs as the SD over the resamples ``indices`` of the C's (risk
    ``1 - S(60)``) and of the Brier score at 60 months."""
    survival = np.column_stack([served_60, comparator_60])
    conc = bootstrap_concordance(time, event, 1.0 - survival, indices, tau=tau)
    brier = np.array([[brier_scores(time[idx], event[idx], survival[idx, j], [60.0])[60.0]
                       for j in range(2)] for idx in indices])

    def column(j: int) -> StandardErrors:
        return StandardErrors(harrell_c=_sd(conc["harrell"][:, j]),
                              uno_c=_sd(conc["uno"][:, j]), brier_60=_sd(brier[:, j]),
                              method=BOOTSTRAP_METHOD)

    return column(0), column(1)


def closed_form_standard_errors(time: ArrayLike, event: ArrayLike, survival_60: ArrayLike,
                                harrell: float, uno: float) -> StandardErrors:
    """One model's SEs without resampling (the module docstring's formulas)."""
    deaths, patients = int(np.sum(event)), int(np.size(time))
    return StandardErrors(harrell_c=_finite(newcombe_c_se(harrell, deaths, patients)),
                          uno_c=_finite(newcombe_c_se(uno, deaths, patients)),
                          brier_60=_finite(brier_standard_error(time, event, survival_60,
                                                                60.0)),
                          method=CLOSED_METHOD)
