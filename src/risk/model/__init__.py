"""The survival models: encoding, the one fitting path, the Cox model and the served pair, predictions, 95% bands, recalibration, one patient's estimate, the estimate under each grade a count near a cut-off allows, batch scoring, training.

The names below are this package's public API; each lives in the module named
beside it and is imported on first use (so importing one part stays cheap).
"""

from __future__ import annotations

from risk._lazy import lazy_api

#: public name -> the module of this package that defines it
_WHERE = {
    "INTERVAL_METHOD": "bands",
    "score_file": "batch",
    "CoxModel": "cox",
    "NotFittedError": "cox",
    "AGE_SCALE": "features",
    "ECOG_LEVELS": "features",
    "FLAG_INPUTS": "features",
    "levels_of": "features",
    "patient_frame": "features",
    "CoxFit": "fit",
    "ESTIMATION_METHOD": "fit",
    "estimate": "fit",
    "fit_coefficients": "fit",
    "fit_design": "fit",
    "GRADE_SENSITIVITY_COLUMNS": "grade_sensitivity",
    "GRADE_SENSITIVITY_METHOD": "grade_sensitivity",
    "GRADE_SENSITIVITY_TITLE": "grade_sensitivity",
    "GradeSensitivity": "grade_sensitivity",
    "describe_intervals": "grade_sensitivity",
    "describe_site": "grade_sensitivity",
    "grade_sensitivity": "grade_sensitivity",
    "probability_words": "grade_sensitivity",
    "with_grade_sensitivity": "grade_sensitivity",
    "BeforeBiopsy": "pair",
    "BiopsyRiskModel": "pair",
    "PFS_AT_BIOPSY_MONTHS": "progression",
    "PFS_AT_BIOPSY_NOTE": "progression",
    "PFS_HORIZONS": "progression",
    "pfs_training_frame": "progression",
    "without_pfs": "progression",
    "HORIZON_WORDS": "patient_estimate",
    "MODEL_WORDS": "patient_estimate",
    "PREDICTED_MEDIAN_RULE": "patient_estimate",
    "PatientEstimate": "patient_estimate",
    "describe_entered": "patient_estimate",
    "describe_grade": "patient_estimate",
    "describe_grade_comparison": "patient_estimate",
    "describe_horizon": "patient_estimate",
    "describe_alive": "patient_estimate",
    "describe_median": "patient_estimate",
    "describe_reference": "patient_estimate",
    "estimate_patient": "patient_estimate",
    "grades_as_entered": "patient_estimate",
    "percent": "patient_estimate",
    "MONTHS": "prediction",
    "Predictions": "prediction",
    "RISK_GROUPS": "prediction",
    "describe_cutpoints": "prediction",
    "risk_groups": "prediction",
    "recalibrate": "recalibration",
    "recalibration_card": "recalibration",
    "MAX_BOOTSTRAP": "settings",
    "argument_type": "settings",
    "check_setting": "settings",
    "TrainingSettings": "training",
    "candidate_card": "training",
    "fit_models": "training",
    "train_and_evaluate": "training",
    "compare_terms": "tuning",
}
__all__, __getattr__, __dir__ = lazy_api(__name__, _WHERE)
