"""The estimate under each grade a count near a WHO cut-off allows (risk.model.grade_sensitivity):
one patient on the page, every patient of a file, and the sentence read aloud.

Each alternative is checked against the served model's prediction for the same patient
entered with that grade and no count (a different path: the validator derives the grade
change), so the re-prediction is not checked against itself.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from cohort_frames import make_cohort
from scipy.stats import beta

from risk.data.validation import validate_cohort, validate_patient
from risk.model import BiopsyRiskModel
from risk.model.grade_sensitivity import (
    GRADE_SENSITIVITY_COLUMNS,
    describe_site,
    grade_sensitivity,
    probability_words,
    with_grade_sensitivity,
)
from risk.model.patient_estimate import describe_inputs, estimate_patient, percent

PATIENT = {
    "age": 63.0, "sex": "female", "primary_site": "pancreas", "primary_grade": "G2",
    "met_ki67": 19.0, "met_timing": "synchronous", "liver_burden": "25to50",
    "extrahepatic_mets": False, "primary_resected": True, "functional_syndrome": False,
    "ecog": 1, "sstr_status": "positive",
}


@pytest.fixture(scope="module")
def model():
    return BiopsyRiskModel(penalizer=0.1, extra_terms=[]).fit(make_cohort(400, seed=5))


def at_60(model, values: dict) -> tuple[float, float, float]:
    table = model.predict(validate_patient(values)).table
    return tuple(float(table.loc[0, c]) for c in ("surv_60", "surv_60_lower", "surv_60_upper"))


def test_a_liver_ki67_of_19_percent_of_500_cells_may_be_g2_or_g3(model):
    result = estimate_patient(model, PATIENT, model_version="v", synthetic=True)
    (site,) = result.grade_sensitivity.sites
    assert site.site == "met" and [a.grade for a in site.alternatives] == ["G2", "G3"]
    g2, g3 = site.alternatives
    assert g2.as_estimated and not g3.as_estimated
    # the grade used is the estimate shown; the other is the model's for a G3 liver grade
    assert (g2.survival, g2.lower, g2.upper) == pytest.approx(result.estimate.at(60))
    no_count = {**PATIENT, "met_ki67": None}
    assert (g3.survival, g3.lower, g3.upper) == pytest.approx(
        at_60(model, {**no_count, "met_grade": "G3"}))
    assert (g2.survival, g2.lower, g2.upper) == pytest.approx(
        at_60(model, {**no_count, "met_grade": "G2"}))
    # P(G3) = P(p > 20%) under the Jeffreys posterior of 95 of 500 cells
    assert g3.probability == pytest.approx(beta.sf(0.2, 95.5, 405.5), abs=1e-12)
    assert g2.probability == pytest.approx(beta.cdf(0.2, 95.5, 405.5) -
                                           beta.cdf(0.03, 95.5, 405.5), abs=1e-12)


def test_nothing_to_show_when_no_grade_is_in_doubt(model):
    clear = {**PATIENT, "met_ki67": 10.0}  # 50 of 500 cells: 7.5-13.0%, G2
    assert estimate_patient(model, clear, model_version="v", synthetic=True
                            ).grade_sensitivity is None
    # an entered grade with no count behind it has nothing to weigh
    entered = {**PATIENT, "met_ki67": None, "met_grade": "G2"}
    assert grade_sensitivity(model, validate_patient(entered)) is None


def test_an_entered_grade_rests_on_its_count_as_a_derived_one(model):
    derived = grade_sensitivity(model, validate_patient(PATIENT))
    entered = grade_sensitivity(model, validate_patient({**PATIENT, "met_grade": "G2"}))
    assert entered == derived


def test_more_cells_counted_can_settle_the_grade(model):
    assert grade_sensitivity(model, validate_patient(
        {**PATIENT, "met_cells_counted": 10_000})) is None
    fewer = grade_sensitivity(model, validate_patient({**PATIENT, "met_cells_counted": 200}))
    assert fewer.sites[0].uncertainty.ki67.counted == 200


def test_a_primary_near_3_percent_is_weighed_with_the_primary_only_model(model):
    values = {**PATIENT, "met_ki67": None, "primary_grade": None, "primary_ki67": 3.0}
    result = estimate_patient(model, values, model_version="v", synthetic=True)
    assert result.estimate.model_used == "primary_only"
    (site,) = result.grade_sensitivity.sites
    assert site.site == "primary" and [a.grade for a in site.alternatives] == ["G1", "G2"]
    g1 = site.alternatives[0]
    assert (g1.survival, g1.lower, g1.upper) == pytest.approx(
        at_60(model, {**values, "primary_ki67": None, "primary_grade": "G1"}))


def test_the_sentence_reads_the_numbers_shown(model):
    (site,) = grade_sensitivity(model, validate_patient(PATIENT)).sites
    g2, g3 = site.alternatives
    text = describe_site(site)
    assert text.startswith(
        f"With 95 of 500 cells positive (19%), the liver grade is G2 with probability "
        f"{g2.probability:.2f} and G3 with probability {g3.probability:.2f}; under G3 the "
        f"5-year survival would be {percent(g3.survival)} (95% CI {percent(g3.lower)} to "
        f"{percent(g3.upper)}), against {percent(g2.survival)}")
    assert text.endswith("under G2, the grade the estimate uses.")


def test_probability_words_at_the_ends():
    assert probability_words(0.004) == "< 0.01"
    assert probability_words(0.7093) == "0.71"
    assert probability_words(0.996) == "> 0.99"


def test_a_files_columns_agree_with_each_patients_estimates(model):
    rows = [PATIENT, {**PATIENT, "met_ki67": 10.0},
            {**PATIENT, "met_ki67": None, "primary_grade": None, "primary_ki67": 3.0},
            {**PATIENT, "met_mitoses": 19.0, "met_ki67": None},
            {**PATIENT, "met_ki67": 19.0, "met_mitoses": 30.0}]  # G3 by the mitoses
    frame = pd.concat([validate_patient(r) for r in rows], ignore_index=True)
    frame["patient_id"] = [f"p{i}" for i in range(len(frame))]
    table = with_grade_sensitivity(model, frame, model.predict(frame).table)
    assert list(table.columns[-len(GRADE_SENSITIVITY_COLUMNS):]) == list(
        GRADE_SENSITIVITY_COLUMNS)
    assert table["grade_uncertain"].tolist() == ["true", "false", "true", "true", "false"]
    for i in range(len(frame)):
        one = grade_sensitivity(model, frame.iloc[[i]].reset_index(drop=True))
        shown = {s.site: s for s in (one.sites if one else ())}
        for site in ("primary", "met"):
            for grade in ("G1", "G2", "G3"):
                name = f"surv_60_if_{site}_{grade}"
                alternative = next((a for a in shown[site].alternatives if a.grade == grade),
                                   None) if site in shown else None
                if alternative is None:
                    assert np.isnan(table.loc[i, name]), (i, name)
                    continue
                assert table.loc[i, name] == pytest.approx(alternative.survival)
                assert table.loc[i, name + "_lower"] == pytest.approx(alternative.lower)
                assert table.loc[i, name + "_upper"] == pytest.approx(alternative.upper)
                assert table.loc[i, f"p_{site}_{grade}"] == pytest.approx(
                    alternative.probability)
            if site not in shown:
                assert table.loc[i, [f"p_{site}_{g}" for g in ("G1", "G2", "G3")]
                                 ].isna().all()


def test_a_file_without_counts_is_never_predicted_again(model):
    frame = make_cohort(30, seed=1).assign(primary_ki67=np.nan, met_ki67=np.nan)

    class Counting:
        calls = 0

        def predict(self, frame):
            Counting.calls += 1
            return model.predict(frame)

    table = with_grade_sensitivity(Counting(), frame, model.predict(frame).table)
    assert Counting.calls == 0 and set(table["grade_uncertain"]) == {"false"}


def test_a_version_1_file_reads_500_cells(model):
    raw = validate_patient(PATIENT).drop(columns=["primary_cells_counted",
                                                  "met_cells_counted"])
    result = validate_cohort(raw.astype(str).replace({"nan": "", "None": ""}), "prediction")
    assert grade_sensitivity(model, result.frame) == grade_sensitivity(
        model, validate_patient({**PATIENT, "met_cells_counted": 500}))


def test_the_inputs_list_says_what_a_blank_count_is_read_as(model):
    values = {**PATIENT, "primary_cells_counted": None, "met_cells_counted": 800.0}
    listed = dict(describe_inputs(estimate_patient(model, values, model_version="v",
                                                   synthetic=True).inputs))
    assert listed["Primary Ki-67 cells counted"] == "Not recorded (500 cells)"
    assert listed["Liver biopsy Ki-67 cells counted"] == "800 cells"


def test_given_alive_the_alternatives_are_conditional_too(model):
    """Alive 24 months after the biopsy: the estimate under each grade the count allows is
    the model's conditional one, as every other estimate on the page."""
    result = estimate_patient(model, {**PATIENT, "alive_months": 24.0}, model_version="v",
                              synthetic=True)
    (site,) = result.grade_sensitivity.sites
    g2, g3 = site.alternatives
    assert (g2.survival, g2.lower, g2.upper) == pytest.approx(result.estimate.at(60))
    no_count = {**PATIENT, "met_ki67": None, "met_grade": "G3"}
    table = model.predict(validate_patient(no_count), alive_months=24.0).table
    assert g3.survival == pytest.approx(float(table.loc[0, "surv_60"]))
    assert g3.survival > at_60(model, no_count)[0]  # conditional: higher than at the biopsy
    late = estimate_patient(model, {**PATIENT, "alive_months": 72.0}, model_version="v",
                            synthetic=True)
    if late.grade_sensitivity is not None:
        assert late.grade_sensitivity.months == 120  # 5 years already survived


def test_given_alive_the_chances_follow_bayes_rule(model):
    at_biopsy = estimate_patient(model, PATIENT, model_version="v", synthetic=True)
    alive = estimate_patient(model, {**PATIENT, "alive_months": 24.0}, model_version="v",
                             synthetic=True)
    (before,), (after,) = at_biopsy.grade_sensitivity.sites, alive.grade_sensitivity.sites
    reached = {}
    for grade in ("G2", "G3"):
        values = {**PATIENT, "met_ki67": None, "met_grade": grade}
        reached[grade] = float(model.predict(validate_patient(values)).curves[0, 24])
    weights = {a.grade: a.probability * reached[a.grade] for a in before.alternatives}
    kept = sum(a.probability for a in before.alternatives)
    for a in after.alternatives:
        assert a.probability == pytest.approx(weights[a.grade] / sum(weights.values()) * kept,
                                              abs=1e-9)
    assert after.alternatives[1].probability < before.alternatives[1].probability  # G3


def test_a_files_chances_given_alive_are_the_pages(model):
    """``predict --alive-months`` (or an alive_months column) gives each patient the
    chances the page gives them: updated by Bayes' rule (they once stayed those at the
    biopsy while the estimates beside them were conditional)."""
    rows = [PATIENT, {**PATIENT, "met_ki67": 18.0}, {**PATIENT, "met_mitoses": 19.0,
                                                     "met_ki67": None}, PATIENT]
    alive = np.array([24.0, 30.5, 12.0, np.nan])  # the last one at the biopsy
    frame = pd.concat([validate_patient(r) for r in rows], ignore_index=True)
    table = with_grade_sensitivity(model, frame, model.predict(frame).table, alive)
    for i, months in enumerate(alive):
        one = estimate_patient(model, {**rows[i], "alive_months": None if np.isnan(months)
                                       else months}, model_version="v", synthetic=True)
        (site,) = one.grade_sensitivity.sites
        for a in site.alternatives:
            assert table.loc[i, f"p_met_{a.grade}"] == pytest.approx(a.probability, abs=1e-12)
    assert table.loc[0, "p_met_G3"] < table.loc[3, "p_met_G3"]  # alive: G3 less likely
    assert table.loc[3, "p_met_G3"] == pytest.approx(beta.sf(0.2, 95.5, 405.5), abs=1e-12)
