"""One patient's estimate: the served model's numbers, the comparator without the biopsy,
the before-the-biopsy weighting, and no input that ends in anything but an estimate or a
list of problems."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from cohort_frames import make_cohort
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from patient_estimates import exponential_estimate

from risk import schema
from risk.data.validation import validate_patient
from risk.errors import ValidationError
from risk.model import BiopsyRiskModel
from risk.model.patient_estimate import (
    describe_grade_comparison,
    describe_inputs,
    describe_median,
    describe_reference,
    estimate_patient,
)
from risk.model.prediction import describe_cutpoints
from risk.schema import GRADES

PATIENT = {
    "age": 63.0, "sex": "female", "primary_site": "pancreas", "primary_ki67": 12.0,
    "primary_mitoses": None, "primary_grade": None, "met_ki67": 25.0, "met_mitoses": None,
    "met_grade": None, "met_timing": "synchronous", "liver_burden": "25to50",
    "extrahepatic_mets": False, "primary_resected": True, "functional_syndrome": False,
    "ecog": 1, "sstr_status": "positive",
}
NO_BIOPSY = {**PATIENT, "met_ki67": None}


@pytest.fixture(scope="module")
def model():
    return BiopsyRiskModel(penalizer=0.1, extra_terms=[]).fit(make_cohort(400, seed=5))


def test_biopsy_estimate_is_the_served_models_prediction(model):
    result = estimate_patient(model, PATIENT, model_version="v", synthetic=True)
    served = model.predict(validate_patient(PATIENT))
    assert result.has_biopsy and result.estimate.model_used == "biopsy"
    np.testing.assert_array_equal(result.estimate.survival, served.curves[0])
    np.testing.assert_array_equal(result.estimate.lower, served.lower[0])
    assert result.estimate.at(60) == tuple(served.table.loc[0, ["surv_60", "surv_60_lower",
                                                                 "surv_60_upper"]])
    assert result.grades["primary_grade"].grade == "G2"  # derived from Ki-67 12%
    assert result.grades["met_grade"].grade == "G3"
    assert result.model_version == "v"
    assert result.risk_cutpoints == tuple(model.risk_cutpoints_)


def test_the_reference_patient_shown_is_the_one_contributions_are_measured_against(model):
    reference = estimate_patient(model, PATIENT, model_version="v", synthetic=True).reference_patient
    assert reference == model.reference_patient_
    own = estimate_patient(model, reference, model_version="v", synthetic=True)
    np.testing.assert_allclose(own.estimate.contributions.to_numpy(float), 0.0, atol=1e-12)
    said = dict(describe_reference(reference))
    assert said["Age"] == f"{reference['age']:g} years"
    assert "Primary Ki-67" not in said


def test_without_the_biopsy_is_the_primary_only_prediction_of_the_same_patient(model):
    result = estimate_patient(model, PATIENT, model_version="v", synthetic=True)
    # the same patient entered without any liver-biopsy value
    alone = model.predict(validate_patient(NO_BIOPSY))
    assert alone.table.loc[0, "model_used"] == "primary_only"
    np.testing.assert_allclose(result.without_biopsy.survival, alone.curves[0])
    assert result.without_biopsy.model_used == "primary_only"


def test_no_biopsy_estimate_comes_from_the_primary_only_model(model):
    result = estimate_patient(model, NO_BIOPSY, model_version="v", synthetic=True)
    assert not result.has_biopsy and result.without_biopsy is None
    assert result.estimate.model_used == "primary_only"
    assert np.isnan(result.estimate.contributions["met_grade"])
    # the page says "primary-only" in its own words: the flag is not repeated as a warning
    assert not any("no liver-biopsy grade" in w for w in result.warnings)


def test_before_the_biopsy_weights_each_liver_grade_by_the_training_transitions(model):
    result = estimate_patient(model, NO_BIOPSY, model_version="v", synthetic=True).before_biopsy
    counts = np.array([model.transition_counts_["G2"][g] for g in GRADES], float)
    np.testing.assert_allclose(result.scenarios["probability"], counts / counts.sum())
    assert list(result.scenarios["patients"]) == counts.astype(int).tolist()
    for grade in GRADES:
        assumed = validate_patient({**NO_BIOPSY, "met_grade": grade})
        np.testing.assert_allclose(result.curves[grade], model.predict(assumed).curves[0])
    weighted = sum(p * result.curves[g] for g, p in zip(GRADES, counts / counts.sum(),
                                                         strict=True))
    np.testing.assert_allclose(result.expected, weighted)
    assert (np.diff(result.expected) <= 1e-12).all() and result.expected[0] == pytest.approx(1)


def test_a_contradictory_grade_is_a_problem_at_its_field(model):
    with pytest.raises(ValidationError) as caught:
        estimate_patient(model, {**PATIENT, "primary_grade": "G1"}, model_version="v", synthetic=True)
    columns = [p.column for p in caught.value.problems]
    assert columns.count("primary_grade") == 1  # said once, not twice
    assert "contradicts" in str(caught.value)


@pytest.mark.parametrize("field", ["met_ki67", "primary_mitoses"])
@pytest.mark.parametrize("text", ["abc", "12%"])
def test_text_in_a_count_field_is_a_problem_at_its_field(model, field, text):
    # the grade derivation once read the count with float() before the validator ran:
    # a ValueError traceback instead of the problem at the field
    with pytest.raises(ValidationError) as caught:
        estimate_patient(model, {**PATIENT, field: text}, model_version="v", synthetic=True)
    assert [p.column for p in caught.value.problems] == [field]


def test_age_outside_the_training_range_is_a_warning(model):
    result = estimate_patient(model, {**PATIENT, "age": 18.0}, model_version="v", synthetic=True)
    lo, hi = model.biopsy_model_.training_summary_["age_range"]
    assert lo > 18.0
    assert f"age outside the training range ({lo:g}-{hi:g} years)" in result.warnings


def test_words_for_the_page_and_report():
    assert describe_cutpoints((0.45, 0.7)) == (
        "High risk: predicted 5-year survival below 45%; intermediate: 45% to 70%; low "
        "risk: 70% or more (tertiles of the training cohort).")
    assert "not recorded" in describe_cutpoints(())
    rows = dict(describe_inputs({"age": 63.0, "met_grade": None, "primary_resected": 1,
                                 "liver_burden": "gt50"}))
    assert rows == {"Age": "63 years", "Liver biopsy WHO grade": "Not assessed",
                    "Primary resected": "Yes", "Liver tumor burden": "> 50%"}


def test_the_liver_grade_is_compared_with_the_primary_only_when_both_are_known():
    assert describe_grade_comparison("G2", "G3") == "primary G2: upgraded in the liver"
    assert describe_grade_comparison("G3", "G1") == "primary G3: downgraded in the liver"
    assert describe_grade_comparison("G1", "G1") == "primary G1: same grade"
    for ungraded in (None, np.nan):
        assert describe_grade_comparison(ungraded, "G2") == \
            "the primary was not graded, so no grade change can be stated"
    assert describe_grade_comparison("G2", None) == "no liver-biopsy grade"


def test_median_not_reached_says_so():
    long = exponential_estimate(1000.0)  # S(120) = exp(-0.12): median far beyond 10 years
    long.summary.update(median_os_months=np.nan, median_os_lower=np.nan)
    assert describe_median(long) == "not reached within 120 months"
    short = exponential_estimate(50.0)
    assert describe_median(short).startswith(f"{50 * np.log(2):.0f} months (95% CI")


def _field_values(col: schema.Column):
    """Anything a form could send for a field: allowed values, blanks and nonsense."""
    if col.kind in ("number", "integer"):
        allowed = st.floats(col.minimum, col.maximum)
        return st.one_of(allowed, st.none(), st.just(float("nan")), st.floats(-10, 700),
                         st.integers(-5, 600))
    if col.kind == "flag":
        return st.one_of(st.booleans(), st.sampled_from([0, 1, 2, None]))
    return st.one_of(st.sampled_from(col.categories), st.none(), st.text(max_size=5))


@st.composite
def _values(draw):
    """The valid patient with up to four fields replaced by anything."""
    names = [c.name for c in schema.COLUMNS if c.model_input or c.name == "differentiation"]
    changed = draw(st.lists(st.sampled_from(names), max_size=4, unique=True))
    return {**PATIENT, **{n: draw(_field_values(schema.column(n))) for n in changed}}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(values=_values())
def test_any_form_values_give_an_estimate_or_a_list_of_problems(model, values):
    try:
        result = estimate_patient(model, values, model_version="v", synthetic=True)
    except ValidationError as exc:
        assert exc.problems
        for problem in exc.problems:
            assert problem.column in schema.BY_NAME, problem
        return
    curve = result.estimate.survival
    assert curve[0] == pytest.approx(1.0) and (np.diff(curve) <= 1e-12).all()
    assert ((result.estimate.lower <= curve + 1e-12) & (curve <= result.estimate.upper + 1e-12)
            ).all()
    assert isinstance(result.patient, pd.DataFrame) and len(result.patient) == 1
