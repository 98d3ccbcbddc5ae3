"""The headline numbers of an evaluation report, typed, and the one list of their names in
words.

:class:`MetricSet` is one model's metrics as :func:`risk.evaluation.sections.metric_set`
computes them; :class:`ModelMetrics` adds the 95% intervals of C and the optimism-corrected
C (the comparator's section of the report); :class:`Headline` is the served predictions'
numbers at the top of ``report.json`` (:meth:`risk.evaluation.document.EvaluationReport.summary`).
A metric that could not be computed is None. Fields are declared in the order of
``report.json``; a field absent from a report (e.g. the calibration at a horizon past the
follow-up) stays absent when the report is written again.

:data:`METRIC_LABELS` names each headline metric for people, once: the HTML report, the
Model page and the Retrain page read their labels from it.
"""

from __future__ import annotations

from typing import Any

from risk._records import Number, Record, json_safe
from risk.evaluation.section_models import (
    BiopsyValue,
    NetReclassification,
    Optimism,
    OptimismMetric,
)
from risk.i18n import N_, _


class MetricSet(Record):
    """Discrimination, accuracy and calibration of one model's predictions."""

    harrell_c: Number = None
    uno_c: Number = None
    auc_12: Number = None
    brier_12: Number = None
    auc_36: Number = None
    brier_36: Number = None
    auc_60: Number = None
    brier_60: Number = None
    ibs: Number = None
    ibs_from_month: Number = None
    ibs_to_month: Number = None
    calibration_slope_36: Number = None
    calibration_slope_36_lower: Number = None
    calibration_slope_36_upper: Number = None
    calibration_in_the_large_36: Number = None
    oe_ratio_36: Number = None
    ici_36: Number = None
    e50_36: Number = None
    e90_36: Number = None
    calibration_slope_60: Number = None
    calibration_slope_60_lower: Number = None
    calibration_slope_60_upper: Number = None
    calibration_in_the_large_60: Number = None
    oe_ratio_60: Number = None
    ici_60: Number = None
    e50_60: Number = None
    e90_60: Number = None

    def value(self, name: str) -> Number:
        """The headline metric ``name`` (a field of :class:`Headline`): None when it was not
        computed or this record does not hold it (the comparator has no delta C)."""
        if name not in Headline.model_fields:
            raise AttributeError(f"no headline metric is called {name!r}")
        return getattr(self, name, None)

    def interval(self, name: str) -> tuple[Number, Number]:
        """The 95% interval of the metric ``name`` ((None, None) when there is none)."""
        self.value(name)
        return getattr(self, f"{name}_lower", None), getattr(self, f"{name}_upper", None)


class ModelMetrics(MetricSet):
    """One model's metrics with the bootstrap 95% intervals of C and its corrected C."""

    harrell_c_lower: Number = None
    harrell_c_upper: Number = None
    uno_c_lower: Number = None
    uno_c_upper: Number = None
    harrell_c_corrected: Number = None


class _Counts(Record):
    """Patients and deaths (first in ``report.json``: :class:`Headline` lists them first)."""

    n: int | None = None
    events: int | None = None
    n_with_biopsy_grade: int | None = None


class Headline(ModelMetrics, _Counts):
    """The served predictions' headline numbers: counts, metrics with their intervals, the
    optimism-corrected values and what the liver biopsy adds (difference in C, net
    reclassification at 60 months, likelihood-ratio test)."""

    calibration_slope_corrected: Number = None
    brier_60_corrected: Number = None
    delta_c: Number = None
    delta_c_lower: Number = None
    delta_c_upper: Number = None
    nri_60: Number = None
    nri_60_continuous: Number = None
    lr_test_p: Number = None


def served_headline(counts: dict[str, Any], served: dict[str, Any], intervals: dict[str, Any] | None,
                    optimism: Optimism | None, biopsy: BiopsyValue | None) -> Headline:
    """The served predictions' headline: ``counts`` (n, events, n_with_biopsy_grade), their
    metrics (:func:`risk.evaluation.sections.metric_set`), the bootstrap intervals (name ->
    (lower, upper)), the optimism-corrected values and what the liver biopsy adds."""
    iv = intervals or {}
    corrected = optimism.metrics if optimism else {}
    nri = biopsy.nri if biopsy and biopsy.nri else NetReclassification()
    numbers = {**counts, **served}
    for key in ("harrell_c", "uno_c", "delta_c"):
        numbers[f"{key}_lower"], numbers[f"{key}_upper"] = iv.get(key, (None, None))
    numbers.update({
        "harrell_c_corrected": _corrected(corrected, "harrell_c"),
        "calibration_slope_corrected": _corrected(corrected, "calibration_slope_60"),
        "brier_60_corrected": _corrected(corrected, "brier_60"),
        "delta_c": biopsy.delta_c if biopsy else None,
        "nri_60": nri.categorical.nri if nri.categorical else None,
        "nri_60_continuous": nri.continuous.nri if nri.continuous else None,
        "lr_test_p": biopsy.lr_test.p if biopsy and biopsy.lr_test else None,
    })
    return Headline.from_dict(_known(MetricSet, served, json_safe(numbers)))


def comparator_metrics(metrics: dict[str, Any], intervals: dict[str, Any] | None, optimism: Optimism | None
                       ) -> ModelMetrics:
    """The comparator's metrics, the bootstrap intervals of its C (``comparator_harrell_c``
    ...) and its optimism-corrected C."""
    return model_metrics(metrics, intervals, optimism, prefix="comparator_")


def model_metrics(metrics: dict[str, Any], intervals: dict[str, Any] | None,
                  optimism: Optimism | None = None, prefix: str = "") -> ModelMetrics:
    """One model's metrics (:func:`risk.evaluation.sections.metric_set`) with the bootstrap
    intervals of its C (``intervals[prefix + "harrell_c"]``...) and its optimism-corrected
    C (``prefix + "harrell_c"`` of ``optimism``) when there are some."""
    numbers = dict(metrics)
    for key in ("harrell_c", "uno_c"):
        numbers[f"{key}_lower"], numbers[f"{key}_upper"] = (intervals or {}).get(
            f"{prefix}{key}", (None, None))
    numbers["harrell_c_corrected"] = _corrected(optimism.metrics if optimism else {},
                                                f"{prefix}harrell_c")
    return ModelMetrics.from_dict(_known(MetricSet, metrics, json_safe(numbers)))


def _corrected(metrics: dict[str, OptimismMetric], name: str) -> Number:
    return metrics[name].corrected if name in metrics else None


def _known(kind: type[Record], computed: dict[str, Any], numbers: dict[str, Any]) -> dict[str, Any]:
    """``numbers``, once every computed metric is sure to be a field of ``kind`` (a metric
    added to the computation must be added to the record, not dropped from the report)."""
    unknown = sorted(set(computed) - set(kind.model_fields))
    if unknown:
        raise TypeError(f"{kind.__name__} has no field for the metric(s) {', '.join(unknown)}")
    return numbers


#: The optimism-corrected field of each metric that has one.
CORRECTED = {"harrell_c": "harrell_c_corrected",
             "calibration_slope_60": "calibration_slope_corrected",
             "brier_60": "brier_60_corrected"}

#: (field of :class:`Headline`, label) of every metric shown to people, in reading order:
#: the one wording of the HTML report, the Model page and the Retrain page.
METRIC_LABELS: tuple[tuple[str, str], ...] = (
    ("harrell_c", N_("Harrell's C")),
    ("harrell_c_corrected", N_("Harrell's C, optimism-corrected")),
    ("uno_c", N_("Uno's C to 60 months")),
    ("auc_12", N_("AUC at 12 months")),
    ("auc_36", N_("AUC at 36 months")),
    ("auc_60", N_("AUC at 60 months")),
    ("brier_12", N_("Brier score at 12 months (lower is better)")),
    ("brier_36", N_("Brier score at 36 months (lower is better)")),
    ("brier_60", N_("Brier score at 60 months (lower is better)")),
    ("brier_60_corrected", N_("Brier score at 60 months, optimism-corrected")),
    ("ibs", N_("Integrated Brier score")),
    ("calibration_slope_60", N_("Calibration slope at 60 months (1 is ideal)")),
    ("calibration_slope_corrected", N_("Calibration slope at 60 months, optimism-corrected")),
    ("calibration_in_the_large_60",
     N_("Calibration-in-the-large at 60 months (observed - predicted; 0 is ideal)")),
    ("ici_60", N_("ICI at 60 months (0 is ideal)")),
    ("e50_60", N_("E50 at 60 months (0 is ideal)")),
)
_LABELS = dict(METRIC_LABELS)


def metric_label(name: str) -> str:
    """A headline metric in words (:data:`METRIC_LABELS`), in the current language."""
    return _(_LABELS[name])


#: The metrics a site summary carries for pooling across centres
#: (:mod:`risk.evaluation.site_summary`), in words: the headline's wording, and log O/E
#: (the pooled calibration-in-the-large of Debray et al. 2017) worded here.
SITE_METRIC_LABELS: tuple[tuple[str, str], ...] = (
    ("harrell_c", _LABELS["harrell_c"]),
    ("uno_c", _LABELS["uno_c"]),
    ("calibration_slope", _LABELS["calibration_slope_60"]),
    ("calibration_in_the_large",
     N_("Calibration-in-the-large at 60 months: log observed/expected (0 is ideal)")),
    ("brier_60", _LABELS["brier_60"]),
)
