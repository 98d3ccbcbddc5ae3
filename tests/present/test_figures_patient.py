"""Figures for one patient: each shows what it says, with the synthetic-data note."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from patient_estimates import MONTHS, make_estimate

from risk.present.figures import patient as figures


def trace(fig, name_start: str):
    matches = [t for t in fig.data if (t.name or "").startswith(name_start)]
    assert matches, f"no trace named {name_start!r} in {[t.name for t in fig.data]}"
    return matches[0]


def has_synthetic_note(fig) -> bool:
    return any(a.text == figures.SYNTHETIC_MODEL_NOTE for a in fig.layout.annotations)


def test_survival_curve_draws_estimate_band_and_cohort_reference():
    est = make_estimate().estimate
    km_times, km_surv = np.array([0, 10, 30, 200.0]), np.array([1, 0.9, 0.7, 0.2])
    fig = figures.survival_curve(est.months, est.survival, est.lower, est.upper,
                                 reference=(km_times, km_surv), synthetic=True)
    line = trace(fig, "This patient")
    np.testing.assert_allclose(line.y, np.exp(-MONTHS / 80))
    band = trace(fig, "95% interval")
    # the closed polygon: upper along the grid, then lower back
    np.testing.assert_allclose(band.y[:121], est.upper)
    np.testing.assert_allclose(band.y[121:], est.lower[::-1])
    assert (est.lower <= est.survival).all() and (est.survival <= est.upper).all()
    ref = trace(fig, "Training cohort")
    assert ref.line.shape == "hv" and list(ref.x) == [0, 10, 30]  # cut at 120 months
    marks = [t for t in fig.data if t.mode == "markers+text"][0]
    assert list(marks.x) == [12, 36, 60, 120]
    assert list(marks.text) == [f"{np.exp(-m / 80):.0%}" for m in (12, 36, 60, 120)]
    # the 10-year label at the axis end is drawn inside the plot, not cut off
    assert list(marks.textposition) == ["top right"] * 3 + ["top left"]
    assert fig.layout.yaxis.tickformat == ".0%"
    assert has_synthetic_note(fig)


@pytest.mark.parametrize(("share", "alive"), [(0.612, 61), (0.0, 0), (1.0, 100), (0.005, 0),
                                              (0.995, 100), (0.555, 56)])
def test_icon_array_counts_the_alive_among_100(share, alive):
    fig = figures.icon_array(share, synthetic=True)
    alive_trace, died_trace = fig.data
    assert len(alive_trace.x) == alive and len(died_trace.x) == 100 - alive
    title = fig.layout.title.text.replace("<br>", " ")
    assert f"Of 100 patients like this, {alive} " in title
    assert "alive at 5 years" in title
    assert alive_trace.name == f"Alive at 5 years ({alive})"
    assert died_trace.name == f"Died within 5 years ({100 - alive})"
    assert has_synthetic_note(fig)


@pytest.mark.parametrize("language", ["en", "zh_Hans"])
def test_the_icon_array_title_is_broken_into_lines_that_fit_its_column(language):
    """Plotly does not wrap titles: a conditional one ran off the narrow column."""
    import unicodedata

    from risk.i18n import using_language

    with using_language(language):
        title = figures.icon_array(0.6, alive_months=24.0).layout.title.text
    lines = title.split("<br>")
    assert len(lines) > 1
    for line in lines:
        assert sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in line) <= 44
    assert "24" in title and "60" in title


def test_icon_array_refuses_a_missing_probability():
    with pytest.raises(ValueError, match="survival_share"):
        figures.icon_array(float("nan"))


def test_contributions_chart_orders_by_size_and_colours_by_direction():
    contributions = pd.Series({"age": 0.1, "met_grade": 0.9, "primary_resected": -0.4})
    fig = figures.contributions_chart(contributions, {"met_grade": "Liver biopsy WHO grade"},
                                      synthetic=True)
    bar = fig.data[0]
    assert list(bar.y) == ["age", "primary_resected", "Liver biopsy WHO grade"]  # largest on top
    assert list(bar.marker.color) == [figures.RAISES_RISK_COLOR, figures.LOWERS_RISK_COLOR,
                                      figures.RAISES_RISK_COLOR]
    assert list(bar.text) == [f"× {np.exp(v):.2f}" for v in (0.1, -0.4, 0.9)]
    assert has_synthetic_note(fig)


def test_biopsy_comparison_shows_both_models():
    report = make_estimate()
    w, wo = report.estimate, report.without_biopsy
    fig = figures.biopsy_comparison(w.months, (w.survival, w.lower, w.upper),
                                    (wo.survival, wo.lower, wo.upper), liver_grade="G3",
                                    synthetic=True)
    np.testing.assert_allclose(trace(fig, "With the liver biopsy (G3)").y, w.survival)
    np.testing.assert_allclose(trace(fig, "Without the liver biopsy").y, wo.survival)
    assert has_synthetic_note(fig)


def test_before_biopsy_weights_each_liver_grade():
    before = make_estimate().before_biopsy
    fig = figures.before_biopsy(before.months, before.scenarios, before.curves, before.expected)
    g3 = trace(fig, "If the liver shows G3")
    assert f"chance {14 / 45:.0%}" in g3.name and f"{np.exp(-60 / 40):.0%} at 5 years" in g3.name
    expected = trace(fig, "Expected before the biopsy")
    weighted = (5 * np.exp(-60 / 200) + 26 * np.exp(-60 / 110) + 14 * np.exp(-60 / 40)) / 45
    assert f"{weighted:.0%} at 5 years" in expected.name
    # the likeliest grade (G2) is drawn thickest
    widths = {t.name.split()[4]: t.line.width for t in fig.data if t.name.startswith("If the")}
    assert widths["G2"] > widths["G3"] > widths["G1"]


def test_a_model_not_trained_on_synthetic_data_draws_no_synthetic_note():
    report = make_estimate(synthetic=False)
    e, w, before = report.estimate, report.without_biopsy, report.before_biopsy
    for fig in (figures.survival_curve(e.months, e.survival, e.lower, e.upper),
                figures.icon_array(0.5), figures.contributions_chart({"age": 0.1}),
                figures.biopsy_comparison(e.months, (e.survival, e.lower, e.upper),
                                          (w.survival, w.lower, w.upper)),
                figures.before_biopsy(before.months, before.scenarios, before.curves,
                                      before.expected)):
        assert not has_synthetic_note(fig)
        assert not any("synthetic" in (a.text or "").lower() for a in fig.layout.annotations)


@pytest.mark.parametrize("alive", [24.0, 30.5])
def test_a_conditional_curve_greys_the_months_already_survived(alive):
    months = MONTHS
    survival = np.where(months <= alive, 1.0, np.exp(-(months - alive) / 80))
    fig = figures.survival_curve(months, survival, survival * 0.9, np.minimum(survival * 1.1, 1),
                                 alive_months=alive)
    survived = trace(fig, figures.ALREADY_SURVIVED)
    assert survived.line.dash == "dash" and survived.line.color != trace(fig, "This").line.color
    assert survived.x[0] == 0 and survived.x[-1] == alive and set(survived.y[:-1]) == {1.0}
    line = trace(fig, "This patient")
    # the two meet at alive_months (the grid read linearly there): no gap, no overlap
    assert line.x[0] == alive and line.y[0] == survived.y[-1] == pytest.approx(1.0, abs=0.01)
    assert (np.asarray(line.x[1:]) > alive).all()
    np.testing.assert_allclose(line.y[1:], np.exp(-(np.asarray(line.x[1:]) - alive) / 80))
    assert min(trace(fig, "95% interval").x) == alive  # no band over the past
    (rect,) = fig.layout.shapes
    assert (rect.x0, rect.x1) == (0, alive) and rect.layer == "below"
    assert figures.ALREADY_SURVIVED in [a.text for a in fig.layout.annotations]
    assert all(m > alive for m in [t for t in fig.data if t.mode == "markers+text"][0].x)


def test_a_curve_at_the_biopsy_has_no_survived_stretch():
    est = make_estimate().estimate
    fig = figures.survival_curve(est.months, est.survival, est.lower, est.upper)
    assert not fig.layout.shapes
    assert not [t for t in fig.data if (t.name or "").startswith(figures.ALREADY_SURVIVED)]


@pytest.mark.parametrize("text", [
    "Patients who died within 6 months of the biopsy are not drawn; each curve stops where "
    "fewer than 5 patients remain at risk.",
    "活检后 6 个月内死亡的患者未绘出；每条曲线在风险人数少于 5 人处停止，Kaplan-Meier 曲线按分组显示。",
])
def test_figure_text_wraps_to_its_columns_without_losing_a_character(text):
    """One wrapper for titles and notes: Latin exactly as textwrap, CJK by its width."""
    import textwrap
    import unicodedata

    from risk.present.figures.style import wrap_text

    lines = wrap_text(text, 30)
    assert len(lines) > 1
    for line in lines:
        assert sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in line) <= 30
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")
    if text.isascii():
        assert lines == textwrap.wrap(text, 30)
