"""The patient report and a grade near a WHO cut-off: a short paragraph when the grade is
in doubt, none otherwise."""

from __future__ import annotations

from dataclasses import replace

from patient_estimates import make_estimate
from test_report import normalise, page_text

from risk.grade_uncertainty import grade_uncertainty
from risk.model.grade_sensitivity import (
    GRADE_SENSITIVITY_METHOD,
    GRADE_SENSITIVITY_TITLE,
    GradeAlternative,
    GradeSensitivity,
    SiteGradeSensitivity,
)
from risk.present import pdf as report_module
from risk.present.pdf import build_report


def in_doubt() -> GradeSensitivity:
    """A liver Ki-67 of 19% of 500 cells, with hand-made estimates under G2 and G3."""
    uncertainty = grade_uncertainty(ki67=19, cells_counted=500)
    p = uncertainty.probabilities
    return GradeSensitivity(60, (SiteGradeSensitivity("met", uncertainty, (
        GradeAlternative("G2", p["G2"], 0.473, 0.381, 0.566, True),
        GradeAlternative("G3", p["G3"], 0.214, 0.127, 0.318, False))),))


def test_a_grade_in_doubt_gets_a_paragraph_with_the_sentence(monkeypatch):
    monkeypatch.setattr(report_module, "figure_png", lambda figure: None)
    text = page_text(build_report(replace(make_estimate(), grade_sensitivity=in_doubt()),
                                  compress=False))
    assert GRADE_SENSITIVITY_TITLE in text
    p = grade_uncertainty(ki67=19, cells_counted=500).probabilities
    sentence = (f"With 95 of 500 cells positive (19%), the liver grade is G2 with probability "
                f"{p['G2']:.2f} and G3 with probability {p['G3']:.2f}; under G3 the 5-year "
                "survival would be 21.4% (95% CI 12.7% to 31.8%), against 47.3% (95% CI 38.1% "
                "to 56.6%) under G2, the grade the estimate uses.")
    assert sentence in text
    assert "95% interval of the Ki-67 index: 15.7 to 22.7%, across the WHO cut-off at 20%." \
        in text
    assert normalise(GRADE_SENSITIVITY_METHOD) in text


def test_no_paragraph_when_no_grade_is_in_doubt(monkeypatch):
    monkeypatch.setattr(report_module, "figure_png", lambda figure: None)
    assert GRADE_SENSITIVITY_TITLE not in page_text(build_report(make_estimate(), compress=False))
