"""The tumor board's analyses of a cohort: grade transitions, survival by group, the forest plot's Cox fit, risk groups, Table 1, and the small-cell rule that uploaded cohorts' counts pass (disclosure, shown).

The names below are this package's public API; each lives in the module named
beside it and is imported on first use (so importing one part stays cheap).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from risk._lazy import lazy_api

# one statement per module (ruff's isort would split the `as` re-exports)
# isort: off
if TYPE_CHECKING:  # the names' types for mypy; at run time each is imported on first use
    from risk.cohort.disclosure import (
        Disclosure as Disclosure,
        NO_SUPPRESSION as NO_SUPPRESSION,
        THRESHOLD_ENV as THRESHOLD_ENV,
        disclosure_for as disclosure_for,
    )
    from risk.cohort.forest import (
        ForestResult as ForestResult,
    )
    from risk.cohort.shown import (
        ShownTransitions as ShownTransitions,
    )
    from risk.cohort.risk_groups import (
        CohortRisk as CohortRisk,
        RISK_GROUP_TITLE as RISK_GROUP_TITLE,
        RISK_SCORE_LABEL as RISK_SCORE_LABEL,
        cohort_risk as cohort_risk,
    )
    from risk.cohort.summary import (
        GradeTransitions as GradeTransitions,
        NOT_ASSESSED_CODE as NOT_ASSESSED_CODE,
        group_labels as group_labels,
        sankey_data as sankey_data,
    )
    from risk.cohort.survival import (
        SurvivalByGroup as SurvivalByGroup,
        SurvivalCurve as SurvivalCurve,
        kaplan_meier as kaplan_meier,
    )
    from risk.cohort.tables import (
        risk_percentile as risk_percentile,
    )
# isort: on

#: public name -> the module of this package that defines it
_WHERE = {
    "Disclosure": "disclosure",
    "NO_SUPPRESSION": "disclosure",
    "THRESHOLD_ENV": "disclosure",
    "disclosure_for": "disclosure",
    "ShownTransitions": "shown",
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
