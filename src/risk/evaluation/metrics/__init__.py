"""Validation metrics for survival predictions, as functions over numpy arrays.

Inputs are follow-up in months, death (1/0) and predictions for the same patients: a risk
score (higher = riskier), a predicted risk of death by a horizon, or predicted survival.
Each metric is computed by, or tested against, lifelines or scikit-survival.
"""

from risk.evaluation.metrics.accuracy import (
    brier_scores,
    brier_standard_error,
    integrated_brier_score,
)
from risk.evaluation.metrics.calibration import Calibration, calibration_at, calibration_slope
from risk.evaluation.metrics.cox_checks import (
    likelihood_ratio_test,
    nested_cox_lr_test,
    proportional_hazards_check,
)
from risk.evaluation.metrics.discrimination import (
    harrell_c,
    time_dependent_auc,
    uno_c,
    usable_horizons,
)
from risk.evaluation.metrics.intervals import bootstrap_concordance, percentile_interval
from risk.evaluation.metrics.utility import (
    decision_curve,
    net_reclassification,
    reclassification_table,
)
from risk.stats.kaplan_meier import survival_at as km_survival_at
from risk.stats.kaplan_meier import survival_with_interval as km_survival_with_interval
from risk.stats.outcome import check_outcome

__all__ = [
    "Calibration", "bootstrap_concordance", "brier_scores", "brier_standard_error", "calibration_at",
    "calibration_slope", "check_outcome", "decision_curve", "harrell_c",
    "integrated_brier_score", "km_survival_at", "km_survival_with_interval", "likelihood_ratio_test", "nested_cox_lr_test",
    "net_reclassification", "percentile_interval", "proportional_hazards_check",
    "reclassification_table", "time_dependent_auc", "uno_c", "usable_horizons",
]
