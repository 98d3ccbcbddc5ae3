"""Validation of a model on a cohort: metrics, the typed report and its sections, Harrell's bootstrap.

The names below are this package's public API; each lives in the module named
beside it and is imported on first use (so importing one part stays cheap).
"""

from __future__ import annotations

from risk._lazy import lazy_api

#: public name -> the module of this package that defines it
_WHERE = {
    "EvaluationError": "document",
    "EvaluationReport": "document",
    "PUBLISHED_CONTEXT": "document",
    "REPORT_FORMAT": "document",
    "SYNTHETIC_CONTEXT": "document",
    "CORRECTED": "headline",
    "Headline": "headline",
    "METRIC_LABELS": "headline",
    "MetricSet": "headline",
    "ModelMetrics": "headline",
    "metric_label": "headline",
    "SITE_METRIC_LABELS": "headline",
    "harrell_c": "metrics",
    "calibration_slope": "metrics.calibration",
    "evaluate": "report",
    "MIN_SITE_DEATHS": "site_summary",
    "SUMMARY_FORMAT": "site_summary",
    "SiteSummary": "site_summary",
    "SiteSummaryError": "site_summary",
    "build_site_summary": "site_summary",
    "read_site_summaries": "site_summary",
    "POOLED_FORMAT": "pooling",
    "PooledMetric": "pooling",
    "PooledValidation": "pooling",
    "pool_sites": "pooling",
    "random_effects": "pooling",
    "CohortFile": "section_models",
}
__all__, __getattr__, __dir__ = lazy_api(__name__, _WHERE)
