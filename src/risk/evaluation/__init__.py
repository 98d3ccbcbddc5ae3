"""Validation of a model on a cohort: metrics, the typed report and its sections, Harrell's bootstrap.

The names below are this package's public API; each lives in the module named
beside it and is imported on first use (so importing one part stays cheap).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from risk._lazy import lazy_api

# one statement per module (ruff's isort would split the `as` re-exports)
# isort: off
if TYPE_CHECKING:  # the names' types for mypy; at run time each is imported on first use
    from risk.evaluation.document import (
        EvaluationError as EvaluationError,
        EvaluationReport as EvaluationReport,
        PUBLISHED_CONTEXT as PUBLISHED_CONTEXT,
        REPORT_FORMAT as REPORT_FORMAT,
        SYNTHETIC_CONTEXT as SYNTHETIC_CONTEXT,
    )
    from risk.evaluation.headline import (
        CORRECTED as CORRECTED,
        Headline as Headline,
        METRIC_LABELS as METRIC_LABELS,
        MetricSet as MetricSet,
        ModelMetrics as ModelMetrics,
        SITE_METRIC_LABELS as SITE_METRIC_LABELS,
        metric_label as metric_label,
    )
    from risk.evaluation.metrics import (
        harrell_c as harrell_c,
    )
    from risk.evaluation.metrics.calibration import (
        calibration_slope as calibration_slope,
    )
    from risk.evaluation.notes import (
        report_note_words as report_note_words,
    )
    from risk.evaluation.pooling import (
        POOLED_FORMAT as POOLED_FORMAT,
        POOLED_MODEL_NAMES as POOLED_MODEL_NAMES,
        PooledMetric as PooledMetric,
        PooledValidation as PooledValidation,
        pool_sites as pool_sites,
        random_effects as random_effects,
    )
    from risk.evaluation.progression import (
        PFS_EVALUATION_NOTE as PFS_EVALUATION_NOTE,
        PfsEvaluation as PfsEvaluation,
        evaluate_pfs as evaluate_pfs,
    )
    from risk.evaluation.report import (
        evaluate as evaluate,
    )
    from risk.evaluation.section_models import (
        CohortFile as CohortFile,
    )
    from risk.evaluation.site_summary import (
        MIN_SITE_DEATHS as MIN_SITE_DEATHS,
        SUMMARY_FORMAT as SUMMARY_FORMAT,
        SiteSummary as SiteSummary,
        SiteSummaryError as SiteSummaryError,
        build_site_summary as build_site_summary,
        read_site_summaries as read_site_summaries,
        site_note_words as site_note_words,
    )
# isort: on

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
    "PFS_EVALUATION_NOTE": "progression",
    "report_note_words": "notes",
    "PfsEvaluation": "progression",
    "evaluate_pfs": "progression",
    "MIN_SITE_DEATHS": "site_summary",
    "SUMMARY_FORMAT": "site_summary",
    "SiteSummary": "site_summary",
    "SiteSummaryError": "site_summary",
    "build_site_summary": "site_summary",
    "read_site_summaries": "site_summary",
    "site_note_words": "site_summary",
    "POOLED_FORMAT": "pooling",
    "POOLED_MODEL_NAMES": "pooling",
    "PooledMetric": "pooling",
    "PooledValidation": "pooling",
    "pool_sites": "pooling",
    "random_effects": "pooling",
    "CohortFile": "section_models",
}
__all__, __getattr__, __dir__ = lazy_api(__name__, _WHERE)
