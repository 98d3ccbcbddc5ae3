"""The report's tables in words (risk.present.html): bootstrap optimism, proportional
hazards and subgroups read the same in report.html and on the retrain page."""

from __future__ import annotations

import pytest

from risk.evaluation import EvaluationReport
from risk.evaluation.section_models import ProportionalHazards
from risk.present.html import (
    covariate_label,
    optimism_note,
    optimism_rows,
    proportional_hazards_rows,
    render_report_html,
    subgroup_rows,
)

OPTIMISM = {"resamples": 200, "failed": 1, "metrics": {
    "harrell_c": {"apparent": 0.761, "optimism": 0.015, "corrected": 0.746,
                  "resamples_used": 199},
    "comparator_harrell_c": {"apparent": 0.737, "optimism": 0.015, "corrected": 0.722,
                             "resamples_used": 199}}}
PH = {"covariates": [
    {"covariate": "met_grade[G3]", "statistic": 0.3695, "p": 0.5433, "violated": False},
    {"covariate": "sex[male]", "statistic": 5.09e-4, "p": 0.982, "violated": False},
    {"covariate": "met_timing[metachronous]", "statistic": 4.016, "p": 0.045,
     "violated": True}]}
SUBGROUPS = [
    {"variable": "primary_site", "level": "appendix", "label": "Appendix", "n": 19,
     "deaths": 5, "harrell_c": 0.6885, "comparator_harrell_c": 0.5246,
     "observed_risk_60": 0.11111, "mean_predicted_risk_60": 0.21818, "brier_60": 0.0724},
    {"variable": "primary_grade", "level": "unknown", "label": "Not assessed", "n": 116,
     "deaths": 59, "harrell_c": None, "comparator_harrell_c": 0.667,
     "observed_risk_60": None, "mean_predicted_risk_60": 0.459, "brier_60": 0.196}]


@pytest.mark.parametrize(("name", "words"), [
    ("age_per_10y", "Age (per 10 years)"),
    ("met_grade[G3]", "Liver biopsy WHO grade: G3 (Ki-67 > 20%)"),
    ("primary_grade[unknown]", "Primary WHO grade: Not assessed"),
    ("ecog[2+]", "ECOG performance status: 2-4"),
    ("liver_burden[gt50]", "Liver tumor burden: > 50%"),
    ("extrahepatic_mets", "Extrahepatic metastases"),
    ("ln_met_ki67_plus_1", "ln_met_ki67_plus_1"),  # unknown terms keep their name
])
def test_model_terms_are_named_in_the_clinics_words(name, words):
    assert covariate_label(name) == words


def test_optimism_rows_name_each_metric_and_the_note_says_how_it_was_run():
    report = EvaluationReport.from_dict(
        {"optimism": OPTIMISM, "settings": {"seed": 7, "reselect": False}})
    rows = optimism_rows(report)
    assert [r["Metric"] for r in rows] == ["Harrell's C", "Harrell's C, primary-only comparator"]
    assert rows[0] == {"Metric": "Harrell's C", "Apparent": "0.761", "Optimism": "0.015",
                       "Corrected": "0.746", "Resamples used": "199"}
    note = optimism_note(report)
    assert "200 resamples (1 failed), seed 7" in note
    assert "terms chosen on the whole cohort" in note
    assert "re-chosen by cross-validation" in optimism_note(EvaluationReport.from_dict(
        {"optimism": OPTIMISM, "settings": {"reselect": True}}))


def test_proportional_hazards_rows_flag_small_p_values_in_words():
    rows = proportional_hazards_rows(ProportionalHazards.from_dict(PH))
    assert [r["Term"] for r in rows] == ["Liver biopsy WHO grade: G3 (Ki-67 > 20%)",
                                         "Sex: Male", "Timing of liver metastases: Metachronous"]
    assert [r["Chi-square"] for r in rows] == ["0.37", "0.00", "4.02"]
    assert [r["Check"] for r in rows] == ["", "", "review: p < 0.05"]


def test_subgroup_rows_say_the_grouping_and_give_risks_as_percentages():
    rows = subgroup_rows(EvaluationReport.from_dict({"subgroups": SUBGROUPS}))
    assert rows[0]["Subgroup"] == "Primary site: Appendix"
    assert rows[1]["Subgroup"] == "Primary WHO grade: Not assessed"
    assert rows[0]["Observed risk of death by 60 months"] == "11.1%"
    assert rows[0]["Mean predicted risk by 60 months"] == "21.8%"
    assert rows[1]["C, served"] == "n/a" and rows[1]["Observed risk of death by 60 months"] == "n/a"


def test_the_html_report_uses_the_words_and_names_the_cohort_file():
    report = {"n": 100, "events": 40, "harrell_c": 0.7, "optimism": OPTIMISM,
              "settings": {"seed": 0}, "proportional_hazards": {"biopsy": PH},
              "subgroups": SUBGROUPS,
              "data": {"file": "centre<b>.csv", "sha256": "ab" * 32, "validation": "external"}}
    page = render_report_html(EvaluationReport.from_dict(report))
    assert "Harrell&#x27;s C, primary-only comparator" in page
    assert "comparator_harrell_c" not in page and "met_grade[G3]" not in page
    assert "Primary site: Appendix" in page and "review: p &lt; 0.05" in page
    assert "Cohort file centre&lt;b&gt;.csv (sha256 abababababababab" in page
    assert "not the file the model was trained on (an external validation only if" in page
