"""Figure builders (pure: the report's typed sections in, figure out) and the
self-contained HTML report."""

import re

import plotly.graph_objects as go
import pytest

from risk.evaluation import SYNTHETIC_CONTEXT, EvaluationReport
from risk.evaluation.section_models import (
    CalibrationSection,
    DecisionPoint,
    ReclassificationCell,
)
from risk.present.figures import evaluation as fe
from risk.present.html import render_report_html

GROUPS = [
    {"group": 1, "n": 50, "deaths": 5, "mean_predicted_risk": 0.10, "observed_risk": 0.12,
     "observed_risk_lower": 0.05, "observed_risk_upper": 0.22},
    {"group": 2, "n": 50, "deaths": 20, "mean_predicted_risk": 0.45, "observed_risk": 0.40,
     "observed_risk_lower": 0.30, "observed_risk_upper": 0.52},
]
CURVE = [{"predicted_risk": p, "observed_risk": p * 0.9, "lower": p * 0.8, "upper": p}
         for p in (0.1, 0.3, 0.5)]
CALIBRATION = {"months": 60, "groups": GROUPS, "curve": CURVE, "ici": 0.02}
DECISION = [{"threshold": t, "net_benefit": 0.3 - t / 2, "net_benefit_comparator": 0.25 - t / 2,
             "treat_all": 0.3 - t, "treat_none": 0.0, "treated": 0.5} for t in (0.05, 0.1, 0.2)]
LEVELS = ("low", "intermediate", "high")
CELLS = [{"old": o, "new": n, "n": 10 * i + j, "deaths": j, "observed_risk": 0.1 * j}
         for i, o in enumerate(LEVELS) for j, n in enumerate(LEVELS)]


def _report(**extra):
    served = {"harrell_c": 0.78, "harrell_c_lower": 0.74, "harrell_c_upper": 0.81,
              "uno_c": 0.77, "uno_c_lower": 0.72, "uno_c_upper": 0.80,
              "auc_12": 0.85, "auc_36": 0.82, "auc_60": 0.80}
    comparator = {k: v - 0.03 for k, v in served.items()}
    report = {"n": 100, "events": 40, "n_with_biopsy_grade": 90, **served,
              "comparator": comparator, "delta_c": 0.03, "delta_c_lower": 0.01,
              "delta_c_upper": 0.05, "decision_curve": DECISION,
              "calibration": {"60": CALIBRATION}, "comparator_calibration": {"60": CALIBRATION},
              "biopsy_value": {"n": 90, "events": 36, "c_biopsy": 0.78, "c_comparator": 0.75,
                               "delta_c": 0.03, "reclassification": CELLS,
                               "nri": {"categorical": {"nri": 0.2, "nri_events": 0.1,
                                                       "nri_nonevents": 0.1}},
                               "lr_test": {"statistic": 12.0, "df": 2, "p": 0.0025}},
              "optimism": None, "proportional_hazards": {}, "subgroups": [],
              "settings": {}, "notes": [], "context": SYNTHETIC_CONTEXT}
    report.update(extra)
    return report


def _typed(**extra) -> EvaluationReport:
    return EvaluationReport.from_dict(_report(**extra))


def _trace(fig, name):
    return next(t for t in fig.data if t.name == name)


def test_calibration_plot_has_diagonal_groups_with_intervals_and_curve():
    calibration = CalibrationSection.from_dict(CALIBRATION)
    fig = fe.calibration_plot(calibration, calibration)
    assert isinstance(fig, go.Figure)
    diagonal = _trace(fig, "Perfect calibration")
    assert list(diagonal.x) == [0, 1] and list(diagonal.y) == [0, 1]
    groups = _trace(fig, f"{fe.SERVED_NAME}: risk groups")
    assert list(groups.x) == [0.10, 0.45] and list(groups.y) == [0.12, 0.40]
    assert list(groups.error_y.array) == pytest.approx([0.10, 0.12])
    assert list(groups.error_y.arrayminus) == pytest.approx([0.07, 0.10])
    smoothed = [t for t in fig.data if t.name and "smoothed" in t.name]
    assert len(smoothed) == 2 and list(smoothed[0].y) == pytest.approx([0.09, 0.27, 0.45])


def test_auc_plot_shows_each_horizon():
    report = _typed()
    fig = fe.time_dependent_auc_plot(report.headline, report.comparator)
    assert list(_trace(fig, fe.SERVED_NAME).y) == [0.85, 0.82, 0.80]
    assert list(_trace(fig, fe.COMPARATOR_NAME).y) == pytest.approx([0.82, 0.79, 0.77])


def test_decision_curve_plot_has_both_references():
    fig = fe.decision_curve_plot([DecisionPoint.from_dict(p) for p in DECISION])
    assert list(_trace(fig, "Treat none").y) == [0, 0, 0]
    assert list(_trace(fig, "Treat all").y) == pytest.approx([0.25, 0.2, 0.1])
    assert list(_trace(fig, fe.SERVED_NAME).y) == pytest.approx([0.275, 0.25, 0.2])


def test_decision_curve_plot_draws_a_report_with_undefined_net_benefits():
    # a NaN net benefit is null in report.json and None read back: max() once failed on it
    points = [DecisionPoint.from_dict({**p, "net_benefit": None}) if i == 2 else
              DecisionPoint.from_dict(p) for i, p in enumerate(DECISION)]
    fig = fe.decision_curve_plot(points)
    assert list(_trace(fig, fe.SERVED_NAME).y) == pytest.approx([0.275, 0.25, None])
    assert fig.layout.yaxis.range[1] == pytest.approx(0.275 * 1.1)


def test_reclassification_heatmap_counts_in_order():
    fig = fe.reclassification_heatmap([ReclassificationCell.from_dict(c) for c in CELLS])
    heat = fig.data[0]
    assert [list(r) for r in heat.z] == [[0, 1, 2], [10, 11, 12], [20, 21, 22]]
    assert list(heat.y) == ["Low risk", "Intermediate risk", "High risk"]


def test_concordance_comparison_intervals():
    fig = fe.concordance_comparison(_typed())
    served = _trace(fig, fe.SERVED_NAME)
    assert list(served.x) == [0.78, 0.77]
    assert list(served.error_x.array) == pytest.approx([0.03, 0.03])
    assert list(served.error_x.arrayminus) == pytest.approx([0.04, 0.05])
    assert "+0.030" in fig.layout.title.text


def test_html_is_self_contained_and_says_why_synthetic_looks_good():
    page = render_report_html(_typed(model_version="v1"))
    assert page.count("plotly.js v") == 1  # the library embedded once
    assert page.count("Plotly.newPlot") >= 5
    assert not re.search(r"<script[^>]*\bsrc=", page)
    assert not re.search(r"<link[^>]*\bhref=", page)
    assert "only because the data are synthetic" in page


def test_html_escapes_user_text():
    page = render_report_html(_typed(model_version="<script>alert(1)</script>",
                                     notes=["<img src=x onerror=alert(2)>"]),
                              title="<b>Clinic</b>")
    assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)" in page
    assert "<img src=x" not in page
    assert "<b>Clinic</b>" not in page


def test_html_without_optional_sections():
    page = render_report_html(_typed(biopsy_value=None, decision_curve=[], calibration={}))
    assert "Not assessed" in page and "Not run (bootstrap 0)" in page
