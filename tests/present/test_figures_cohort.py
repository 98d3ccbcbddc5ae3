"""Tumor-board figure builders as pure functions (risk.present.figures.cohort)."""

import numpy as np
import plotly.graph_objects as go
import pytest
from cohort_frames import make_cohort

from risk.cohort import summary as cohort
from risk.cohort.forest import cox_forest
from risk.cohort.survival import survival_by_group
from risk.cohort.tables import complication_rates, risk_percentile
from risk.present.figures import cohort as figures
from risk.present.figures.style import (
    FONT_SIZE,
    PALETTE,
    SYNTHETIC_MODEL_NOTE,
    SYNTHETIC_NOTE,
    group_colors,
)
from risk.schema import NOT_ASSESSED, label


@pytest.fixture(scope="module")
def frame():
    return make_cohort(1200, seed=8)


def _texts(fig: go.Figure) -> list[str]:
    return [a.text for a in fig.layout.annotations]


def _is_readable(fig: go.Figure) -> None:
    assert isinstance(fig, go.Figure)
    assert fig.layout.font.size >= 16
    assert fig.layout.title.text


def test_sankey_nodes_and_links(frame):
    transitions = cohort.grade_transitions(frame)
    fig = figures.transition_sankey(transitions, synthetic=True)
    _is_readable(fig)
    sankey = fig.data[0]
    assert sankey.type == "sankey"
    assert sankey.node.label[0] == "Primary G1 (Ki-67 < 3%)"
    assert sankey.node.label[-1] == "Liver Not assessed"
    assert sum(sankey.link.value) == len(frame)
    assert SYNTHETIC_NOTE in _texts(fig)
    # nodes keep the grade order top to bottom on both sides
    assert list(sankey.node.y[:4]) == sorted(sankey.node.y[:4])
    assert list(sankey.node.y[4:]) == sorted(sankey.node.y[4:])


def test_heatmap_shows_counts_and_row_percentages(frame):
    transitions = cohort.grade_transitions(frame)
    fig = figures.transition_heatmap(transitions)
    _is_readable(fig)
    heat = fig.data[0]
    assert np.allclose(np.asarray(heat.z), transitions.row_percent.fillna(0).to_numpy())
    count = int(transitions.counts.iat[1, 2])
    percent = transitions.row_percent.iat[1, 2]
    assert heat.text[1][2] == f"{count:,}<br>{percent:.0f}%"
    assert fig.layout.xaxis.title.text == "Liver biopsy WHO grade"
    assert fig.layout.yaxis.title.text == "Primary WHO grade"
    assert SYNTHETIC_NOTE not in _texts(fig)


def test_km_figure_draws_bands_curves_and_the_number_at_risk(frame):
    result = survival_by_group(frame, "grade_change")
    fig = figures.survival_by_group_figure(result, synthetic=True)
    _is_readable(fig)
    lines = [t for t in fig.data if t.mode == "lines"]
    bands = [t for t in fig.data if t.fill == "toself"]
    table = [t for t in fig.data if t.mode == "text"]
    assert len(lines) == len(bands) == len(table) == len(result.curves) == 4
    for curve, line, row in zip(result.curves, lines, table, strict=True):
        assert line.name.startswith(f"{curve.label}: n = {curve.n:,}")
        x, y = np.asarray(line.x), np.asarray(line.y)
        # every drawn corner lies on the Kaplan-Meier step function
        assert np.allclose(y[::2], curve.survival_at(x[::2]))
        assert list(row.text) == [f"{int(c):,}" for c in result.at_risk.loc[curve.label]]
        assert list(row.x) == list(result.at_risk.columns)
    assert any(t.startswith("Log-rank p") for t in _texts(fig))
    assert "Number at risk" in _texts(fig)
    assert fig.layout.yaxis.tickformat == ".0%"
    assert fig.layout.xaxis.title.text == "Months since the liver biopsy"


def test_km_curves_with_many_steps_are_thinned_but_stay_exact():
    rng = np.random.default_rng(0)
    curve_data = rng.exponential(40, 50_000), rng.random(50_000) < 0.8
    result = survival_by_group(
        make_cohort(50_000, seed=1, round_months=False)
        .assign(os_months=curve_data[0] + 0.01, death=curve_data[1].astype(int)),
        "primary_site")
    fig = figures.survival_by_group_figure(result, max_points=800)
    line = next(t for t in fig.data if t.mode == "lines")
    assert len(line.x) <= 2 * 801
    curve = result.curves[0]
    x, y = np.asarray(line.x), np.asarray(line.y)
    assert np.allclose(y[::2], curve.survival_at(x[::2]))


def test_numbers_at_risk_keep_clear_of_the_group_names():
    """At 100,000 patients the counts under month 0 ("48,282") are centred on the axis
    and once touched the group names: the names stand off by more than half the widest
    count (digits at 0.55 em) plus a gap."""
    rng = np.random.default_rng(4)
    big = make_cohort(30_000, seed=2).assign(os_months=rng.exponential(60, 30_000) + 0.1)
    for frame, widest in ((big, "30,000"), (make_cohort(300, seed=2), "300")):
        result = survival_by_group(frame, "grade_change")
        fig = figures.survival_by_group_figure(result)
        width = max(len(f"{int(n):,}") for n in result.at_risk.iloc[:, 0])
        assert width <= len(widest)
        assert fig.layout.yaxis2.ticklabelstandoff >= width * 0.55 * (FONT_SIZE - 2) / 2 + 8


def test_km_without_patients_says_so(frame):
    fig = figures.survival_by_group_figure(survival_by_group(frame.iloc[:0], "met_grade"))
    assert fig.data == ()
    assert any("No patients" in t for t in _texts(fig))


def _forest_columns(fig: go.Figure):
    """(points, labels by row, estimates written by row) of a forest plot."""
    points = fig.data[0]
    labels, written = (next(t for t in fig.data if t.mode == "text" and t.xaxis == axis)
                       for axis in ("x2", "x3"))
    return (points, dict(zip(labels.y, labels.text, strict=True)),
            dict(zip(written.y, written.text, strict=True)))


def test_forest_plot_has_a_log_axis_and_a_line_at_one(frame):
    result = cox_forest(frame)
    fig = figures.forest_plot(result, synthetic=True)
    _is_readable(fig)
    points, labels, written = _forest_columns(fig)
    shown = result.table.dropna(subset=["hazard_ratio"])
    assert sorted(points.x) == pytest.approx(sorted(shown["hazard_ratio"]))
    # each marker sits on the row that names it, with its interval written beside it
    for _, row in shown.iterrows():
        k = int(np.flatnonzero(np.isclose(points.x, row["hazard_ratio"]))[0])
        y = points.y[k]
        assert points.error_x.array[k] == pytest.approx(row["upper_95"] - row["hazard_ratio"])
        assert points.error_x.arrayminus[k] == pytest.approx(
            row["hazard_ratio"] - row["lower_95"])
        assert row["level"] in labels[y]
        assert written[y] == (f"{row['hazard_ratio']:.2f} ({row['lower_95']:.2f}-"
                              f"{row['upper_95']:.2f})")
    assert labels[0] == "Age, per 10 years"
    assert fig.layout.xaxis.type == "log"
    assert any(s.x0 == 1.0 and s.x1 == 1.0 for s in fig.layout.shapes)
    assert "Hazard ratio" in fig.layout.xaxis.title.text


def test_forest_plot_gives_the_characteristics_their_own_column(frame):
    """At 1,400 px the labels once took the y axis's automatic margin and squeezed the
    plot into a strip with rotated, overlapping ticks: now they have a column of their
    own (left-aligned), the plot a fixed share of the width, the estimates a third."""
    result = cox_forest(frame)
    fig = figures.forest_plot(result, synthetic=True)
    points, labels, written = _forest_columns(fig)
    plot_from, plot_to = fig.layout.xaxis.domain
    assert plot_to - plot_from >= 0.3
    assert fig.layout.xaxis2.domain[1] <= plot_from <= 0.52
    assert fig.layout.xaxis3.domain[0] >= plot_to
    assert fig.layout.xaxis.tickangle == 0
    assert all(t.textposition == "middle right" for t in fig.data[1:])  # left-aligned
    # a covariate with several levels: a header naming the reference, then its levels
    header = next(y for y, t in labels.items() if t.startswith("<b>Primary site</b>"))
    assert "(vs Small intestine)" in labels[header] and header not in written
    assert labels[header + 1].strip() in set(result.table["level"])
    # rows are the estimates plus one header per covariate with several levels
    assert set(written) == set(points.y)
    assert len(labels) > len(points.y)


def test_forest_plot_ticks_never_run_together(frame):
    """A small cohort gives wide intervals (0.1 to 25): "0.2" and "0.3" once overlapped.
    Neighbouring ticks stay at least an eighth of the axis apart."""
    result = cox_forest(frame[frame["primary_site"].isin(["colon", "stomach", "rectum"])])
    assert result.ok
    for fig in (figures.forest_plot(result), figures.forest_plot(cox_forest(frame))):
        ticks = np.log10(np.asarray(fig.layout.xaxis.tickvals, dtype=float))
        low, high = fig.layout.xaxis.range
        assert len(ticks) >= 3 and 0.0 in ticks
        assert np.diff(ticks).min() >= (high - low) / 8


def test_forest_plot_explains_when_there_is_no_fit(frame):
    fig = figures.forest_plot(cox_forest(frame.head(8)))
    assert fig.data == ()
    assert any("Too few patients" in t for t in _texts(fig))


def test_scatter_samples_large_cohorts_and_draws_who_limits(frame):
    fig = figures.ki67_scatter(frame, max_points=300)
    _is_readable(fig)
    points = [t for t in fig.data if t.mode == "markers"]
    assert sum(len(t.x) for t in points) == 300
    both = (frame["primary_ki67"].notna() & frame["met_ki67"].notna()).sum()
    assert any(f"random sample of 300 of {both:,}" in t for t in _texts(fig))
    vertical = sorted(s.x0 for s in fig.layout.shapes if s.x0 == s.x1)
    horizontal = sorted(s.y0 for s in fig.layout.shapes if s.y0 == s.y1)
    assert vertical == horizontal == [3.0, 20.0]
    assert fig.layout.xaxis.type == fig.layout.yaxis.type == "log"
    assert fig.layout.xaxis.title.text == "Primary Ki-67 (%)"
    again = figures.ki67_scatter(frame, max_points=300)
    assert np.array_equal(np.asarray(again.data[0].x), np.asarray(points[0].x))


def test_scatter_legend_counts_every_patient_not_the_sample(frame):
    fig = figures.ki67_scatter(frame, max_points=300)
    both = frame[frame["primary_ki67"].notna() & frame["met_ki67"].notna()]
    expected = cohort.group_labels(both, "grade_change").value_counts()
    points = [t for t in fig.data if t.mode == "markers"]
    for trace in points:
        name, count = trace.name.rsplit(" (", 1)
        assert int(count.rstrip(")").replace(",", "")) == expected[name]
    assert sum(len(t.x) for t in points) == 300


def test_small_scatter_shows_everyone(frame):
    fig = figures.ki67_scatter(frame.head(50))
    both = (frame.head(50)["primary_ki67"].notna() & frame.head(50)["met_ki67"].notna()).sum()
    assert sum(len(t.x) for t in fig.data if t.mode == "markers") == both
    assert not any("random sample" in t for t in _texts(fig))


def test_risk_distribution_marks_the_patient():
    scores = np.random.default_rng(2).normal(size=5000)
    fig = figures.risk_distribution(scores, 1.0)
    _is_readable(fig)
    bars = fig.data[0]
    assert bars.type == "bar" and sum(bars.y) == 5000
    assert any(s.x0 == 1.0 for s in fig.layout.shapes)
    percent = risk_percentile(scores, 1.0)
    assert any(f"higher than {percent:.0f}% of the cohort" in t for t in _texts(fig))
    plain = figures.risk_distribution(scores)
    assert not plain.layout.shapes


def test_risk_distribution_of_real_patients_under_a_synthetic_model_says_so():
    scores = np.random.default_rng(2).normal(size=500)
    fig = figures.risk_distribution(scores, synthetic=True,
                                    synthetic_note=SYNTHETIC_MODEL_NOTE)
    assert SYNTHETIC_MODEL_NOTE in _texts(fig) and SYNTHETIC_NOTE not in _texts(fig)
    assert SYNTHETIC_NOTE in _texts(figures.risk_distribution(scores, synthetic=True))


def test_complication_chart_has_wilson_error_bars(frame):
    rates = complication_rates(frame)
    fig = figures.complication_chart(rates)
    _is_readable(fig)
    bars = fig.data[0]
    shown = rates[rates["outcome"] != "None"]
    assert np.allclose(bars.y, shown["percent"])
    assert np.allclose(bars.error_y.array, shown["upper_95"] - shown["percent"])
    assert bars.x[0].startswith("Minor<br>")
    missing = figures.complication_chart(None)
    assert any("no biopsy complication" in t for t in _texts(missing))


def test_palette_is_colour_blind_safe_and_grey_means_not_assessed():
    colors = group_colors(["Same grade", "Upgraded in the liver", NOT_ASSESSED])
    assert colors[NOT_ASSESSED] == "#8C8C8C"
    assert colors["Same grade"] != colors["Upgraded in the liver"]
    sites = group_colors(["Pancreas", "Rectum", "Colon"])
    assert list(sites.values()) == list(PALETTE[:3])


def test_risk_groups_are_coloured_like_grades_high_never_green():
    from risk.model.prediction import RISK_GROUPS
    from risk.present.figures.style import BLUISH_GREEN, ORANGE, VERMILLION

    low, intermediate, high = (label("risk_group", g) for g in RISK_GROUPS)
    colors = group_colors([low, intermediate, high])
    assert (colors[low], colors[intermediate], colors[high]) == (BLUISH_GREEN, ORANGE,
                                                                 VERMILLION)
    assert group_colors([label("met_grade", "G3")])[label("met_grade", "G3")] == colors[high]


def test_builders_do_not_change_their_inputs(frame):
    before = frame.copy()
    figures.ki67_scatter(frame, max_points=100)
    figures.transition_sankey(cohort.grade_transitions(frame))
    assert frame.equals(before)
