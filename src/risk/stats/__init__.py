"""Statistics every fit shares: the one Cox solver, the one baseline hazard, what a design can estimate, Kaplan-Meier, the outcome check, the normal quantile.

The names below are this package's public API; each lives in the module named
beside it and is imported on first use (so importing one part stays cheap).
"""

from __future__ import annotations

from risk._lazy import lazy_api

#: public name -> the module of this package that defines it
_WHERE = {
    "BETWEEN": "baseline",
    "Baseline": "baseline",
    "baseline_aggregates": "baseline",
    "CoxConvergenceError": "cox_solver",
    "EfronFit": "cox_solver",
    "TIES": "cox_solver",
    "TieStructure": "cox_solver",
    "fit_efron": "cox_solver",
    "log_partial_likelihood": "cox_solver",
    "DroppedColumn": "estimability",
    "describe_dropped": "estimability",
    "estimable_columns": "estimability",
    "MEDIAN_RULE": "kaplan_meier",
    "SurvivalCurve": "kaplan_meier",
    "censoring_survival": "kaplan_meier",
    "survival_at": "kaplan_meier",
    "survival_with_interval": "kaplan_meier",
    "Z_95": "normal",
    "check_outcome": "outcome",
    "has_pfs": "outcome",
    "pfs_event": "outcome",
    "pfs_outcome": "outcome",
}
__all__, __getattr__, __dir__ = lazy_api(__name__, _WHERE)
