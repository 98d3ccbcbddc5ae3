"""The survival models: encoding, the one fitting path, the Cox model and the served pair, predictions, 95% bands, recalibration, one patient's estimate, the estimate under each grade a count near a cut-off allows, batch scoring, training, a version's reference test pack.

The names below are this package's public API; each lives in the module named
beside it and is imported on first use (so importing one part stays cheap).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from risk._lazy import lazy_api

# one statement per module (ruff's isort would split the `as` re-exports)
# isort: off
if TYPE_CHECKING:  # the names' types for mypy; at run time each is imported on first use
    from risk.model.bands import (
        INTERVAL_METHOD as INTERVAL_METHOD,
    )
    from risk.model.batch import (
        score_file as score_file,
    )
    from risk.model.cox import (
        CoxModel as CoxModel,
        NotFittedError as NotFittedError,
    )
    from risk.model.features import (
        AGE_SCALE as AGE_SCALE,
        ECOG_LEVELS as ECOG_LEVELS,
        FLAG_INPUTS as FLAG_INPUTS,
        levels_of as levels_of,
        patient_frame as patient_frame,
    )
    from risk.model.fit import (
        CoxFit as CoxFit,
        ESTIMATION_METHOD as ESTIMATION_METHOD,
        estimate as estimate,
        fit_coefficients as fit_coefficients,
        fit_design as fit_design,
    )
    from risk.model.grade_sensitivity import (
        GRADE_SENSITIVITY_COLUMNS as GRADE_SENSITIVITY_COLUMNS,
        GRADE_SENSITIVITY_METHOD as GRADE_SENSITIVITY_METHOD,
        GRADE_SENSITIVITY_TITLE as GRADE_SENSITIVITY_TITLE,
        GradeSensitivity as GradeSensitivity,
        describe_assumed_count as describe_assumed_count,
        describe_intervals as describe_intervals,
        describe_site as describe_site,
        grade_sensitivity as grade_sensitivity,
        probability_words as probability_words,
        with_grade_sensitivity as with_grade_sensitivity,
    )
    from risk.model.before_biopsy import BeforeBiopsy as BeforeBiopsy
    from risk.model.pair import BiopsyRiskModel as BiopsyRiskModel
    from risk.model.patient_grades import (
        describe_grade as describe_grade,
        describe_grade_comparison as describe_grade_comparison,
        grades_as_entered as grades_as_entered,
    )
    from risk.model.patient_estimate import (
        HORIZON_WORDS as HORIZON_WORDS,
        MODEL_WORDS as MODEL_WORDS,
        PREDICTED_MEDIAN_RULE as PREDICTED_MEDIAN_RULE,
        PatientEstimate as PatientEstimate,
        describe_alive as describe_alive,
        describe_entered as describe_entered,
        describe_horizon as describe_horizon,
        describe_median as describe_median,
        describe_reference as describe_reference,
        estimate_patient as estimate_patient,
        percent as percent,
    )
    from risk.model.prediction import (
        MONTHS as MONTHS,
        Predictions as Predictions,
        RISK_GROUPS as RISK_GROUPS,
        describe_cutpoints as describe_cutpoints,
        describe_risk_group_basis as describe_risk_group_basis,
        risk_groups as risk_groups,
    )
    from risk.model.progression import (
        PFS_AT_BIOPSY_MONTHS as PFS_AT_BIOPSY_MONTHS,
        PFS_AT_BIOPSY_NOTE as PFS_AT_BIOPSY_NOTE,
        PFS_HORIZONS as PFS_HORIZONS,
        pfs_training_frame as pfs_training_frame,
        without_pfs as without_pfs,
    )
    from risk.model.recalibration import (
        recalibrate as recalibrate,
        recalibration_card as recalibration_card,
    )
    from risk.model.sample_size import (
        MIN_EVENTS_PER_PARAMETER as MIN_EVENTS_PER_PARAMETER,
        SampleSize as SampleSize,
        sample_sizes as sample_sizes,
        small_cohort_warning as small_cohort_warning,
    )
    from risk.model.settings import (
        MAX_BOOTSTRAP as MAX_BOOTSTRAP,
        argument_type as argument_type,
        check_setting as check_setting,
    )
    from risk.model.training import (
        TrainingSettings as TrainingSettings,
        candidate_card as candidate_card,
        fit_models as fit_models,
        train_and_evaluate as train_and_evaluate,
    )
    from risk.model.tuning import (
        compare_terms as compare_terms,
    )
    from risk.model.testpack import (
        PackCheck as PackCheck,
        PackDifference as PackDifference,
        build_pack as build_pack,
        check_pack as check_pack,
    )
# isort: on

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
    "describe_assumed_count": "grade_sensitivity",
    "describe_intervals": "grade_sensitivity",
    "describe_site": "grade_sensitivity",
    "grade_sensitivity": "grade_sensitivity",
    "probability_words": "grade_sensitivity",
    "with_grade_sensitivity": "grade_sensitivity",
    "BeforeBiopsy": "before_biopsy",
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
    "describe_grade": "patient_grades",
    "describe_grade_comparison": "patient_grades",
    "describe_horizon": "patient_estimate",
    "describe_alive": "patient_estimate",
    "describe_median": "patient_estimate",
    "describe_reference": "patient_estimate",
    "estimate_patient": "patient_estimate",
    "grades_as_entered": "patient_grades",
    "percent": "patient_estimate",
    "MONTHS": "prediction",
    "Predictions": "prediction",
    "RISK_GROUPS": "prediction",
    "describe_cutpoints": "prediction",
    "describe_risk_group_basis": "prediction",
    "risk_groups": "prediction",
    "recalibrate": "recalibration",
    "recalibration_card": "recalibration",
    "MIN_EVENTS_PER_PARAMETER": "sample_size",
    "SampleSize": "sample_size",
    "sample_sizes": "sample_size",
    "small_cohort_warning": "sample_size",
    "MAX_BOOTSTRAP": "settings",
    "argument_type": "settings",
    "check_setting": "settings",
    "TrainingSettings": "training",
    "candidate_card": "training",
    "fit_models": "training",
    "train_and_evaluate": "training",
    "compare_terms": "tuning",
    "PackCheck": "testpack",
    "PackDifference": "testpack",
    "build_pack": "testpack",
    "check_pack": "testpack",
}
__all__, __getattr__, __dir__ = lazy_api(__name__, _WHERE)
