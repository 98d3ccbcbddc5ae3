"""Statistics every fit shares: the one Cox solver, the one baseline hazard, what a design can estimate, Kaplan-Meier, the outcome check, the normal quantile.

The names below are this package's public API; each lives in the module named
beside it and is imported on first use (so importing one part stays cheap).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from risk._lazy import lazy_api

# one statement per module (ruff's isort would split the `as` re-exports)
# isort: off
if TYPE_CHECKING:  # the names' types for mypy; at run time each is imported on first use
    from risk.stats.baseline import (
        BETWEEN as BETWEEN,
        Baseline as Baseline,
        baseline_aggregates as baseline_aggregates,
    )
    from risk.stats.cox_solver import (
        CoxConvergenceError as CoxConvergenceError,
        EfronFit as EfronFit,
        TIES as TIES,
        TieStructure as TieStructure,
        fit_efron as fit_efron,
        log_partial_likelihood as log_partial_likelihood,
    )
    from risk.stats.estimability import (
        DroppedColumn as DroppedColumn,
        describe_dropped as describe_dropped,
        estimable_columns as estimable_columns,
    )
    from risk.stats.kaplan_meier import (
        MEDIAN_RULE as MEDIAN_RULE,
        SurvivalCurve as SurvivalCurve,
        censoring_survival as censoring_survival,
        survival_at as survival_at,
        survival_with_interval as survival_with_interval,
    )
    from risk.stats.normal import (
        Z_95 as Z_95,
    )
    from risk.stats.outcome import (
        check_outcome as check_outcome,
        PfsCounts as PfsCounts,
        has_pfs as has_pfs,
        pfs_counts as pfs_counts,
        pfs_event as pfs_event,
        pfs_outcome as pfs_outcome,
    )
# isort: on

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
    "PfsCounts": "outcome",
    "has_pfs": "outcome",
    "pfs_counts": "outcome",
    "pfs_event": "outcome",
    "pfs_outcome": "outcome",
}
__all__, __getattr__, __dir__ = lazy_api(__name__, _WHERE)
