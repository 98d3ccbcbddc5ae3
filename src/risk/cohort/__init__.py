"""The tumor board's analyses of a cohort: grade transitions, survival by group, the forest plot's Cox fit, risk groups, Table 1.

The names below are this package's public API; each lives in the module named
beside it and is imported on first use (so importing one part stays cheap).
"""

from __future__ import annotations

from risk._lazy import lazy_api

#: public name -> the module of this package that defines it
_WHERE = {
    "ForestResult": "forest",
    "CohortRisk": "risk_groups",
    "RISK_GROUP_TITLE": "risk_groups",
    "RISK_SCORE_LABEL": "risk_groups",
    "cohort_risk": "risk_groups",
    "GradeTransitions": "summary",
    "NOT_ASSESSED_CODE": "summary",
    "group_labels": "summary",
    "sankey_data": "summary",
    "SurvivalByGroup": "survival",
    "SurvivalCurve": "survival",
    "kaplan_meier": "survival",
    "risk_percentile": "tables",
}
__all__, __getattr__, __dir__ = lazy_api(__name__, _WHERE)
