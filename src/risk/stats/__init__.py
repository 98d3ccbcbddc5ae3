"""Statistics every fit shares: the one Cox solver, what a design can estimate, Kaplan-Meier, the outcome check, the normal quantile.

The names below are this package's public API; each lives in the module named
beside it and is imported on first use (so importing one part stays cheap).
"""

from __future__ import annotations

import importlib

#: public name -> the module of this package that defines it
_WHERE = {
    "CoxConvergenceError": "cox_solver",
    "EfronFit": "cox_solver",
    "TIES": "cox_solver",
    "TieStructure": "cox_solver",
    "baseline_cumulative_hazard": "cox_solver",
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
}
__all__ = sorted(_WHERE)


def __getattr__(name: str):
    if name not in _WHERE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{_WHERE[name]}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
