"""The forest plot of a metric pooled across centres (:mod:`risk.evaluation.pooling`):
one row per centre with its 95% interval, the pooled estimate as a diamond spanning its
95% confidence interval, and the 95% prediction interval for a new centre as a line."""

from __future__ import annotations

from typing import TYPE_CHECKING

import plotly.graph_objects as go

from risk.present.figures.style import BLACK, BLUE, GREY, VERMILLION, style

if TYPE_CHECKING:
    from risk.evaluation.pooling import PooledMetric

POOLED_ROW = "Pooled (random effects)"
PREDICTION_ROW = "Prediction interval"
#: The value of no miscalibration or no discrimination, drawn as a reference line.
REFERENCE = {"harrell_c": 0.5, "uno_c": 0.5, "calibration_slope": 1.0,
             "calibration_in_the_large": 0.0}


def _fmt(value: float) -> str:
    return f"{value:.3f}"


def pooled_forest_plot(pooled: PooledMetric, title: str | None = None) -> go.Figure:
    """The forest plot of one pooled metric (sites top to bottom, then the pooled rows)."""
    k = len(pooled.sites)
    site_y = list(range(k + 2, 2, -1))  # sites from the top; pooled at 2, prediction at 1
    fig = go.Figure()
    fig.add_trace(go.Scatter(
        x=[s.estimate for s in pooled.sites], y=site_y, mode="markers",
        name="Centre, 95% CI", customdata=[s.site for s in pooled.sites],
        marker={"color": BLUE, "size": 12, "symbol": "square"},
        error_x={"type": "data", "symmetric": False, "color": BLUE, "thickness": 2,
                 "array": [s.ci[1] - s.estimate for s in pooled.sites],
                 "arrayminus": [s.estimate - s.ci[0] for s in pooled.sites]},
        hovertemplate="%{customdata}: %{x:.3f}<extra></extra>"))
    lo, hi = pooled.ci
    fig.add_trace(go.Scatter(
        x=[lo, pooled.estimate, hi, pooled.estimate, lo], y=[2, 2.3, 2, 1.7, 2],
        mode="lines", fill="toself", name="Pooled, 95% CI", line={"color": VERMILLION},
        fillcolor=VERMILLION,
        hovertemplate=f"pooled {_fmt(pooled.estimate)} (95% CI {_fmt(lo)}-{_fmt(hi)})"
                      "<extra></extra>"))
    labels = [*(s.site for s in pooled.sites), POOLED_ROW]
    ticks = [*site_y, 2]
    if pooled.prediction_interval is not None:
        p_lo, p_hi = pooled.prediction_interval
        fig.add_trace(go.Scatter(
            x=[p_lo, p_hi], y=[1, 1], mode="lines+markers",
            name="95% prediction interval", line={"color": BLACK, "width": 3, "dash": "dash"},
            marker={"symbol": "line-ns-open", "size": 16, "color": BLACK},
            hovertemplate=f"new centre: {_fmt(p_lo)}-{_fmt(p_hi)}<extra></extra>"))
        labels.append(PREDICTION_ROW)
        ticks.append(1)
    if pooled.metric in REFERENCE:
        fig.add_vline(x=REFERENCE[pooled.metric], line={"color": GREY, "dash": "dot"})
    fig.update_yaxes(tickvals=ticks, ticktext=labels, range=[0.4, k + 2.6], title=None,
                     showgrid=False, zeroline=False)
    fig.update_xaxes(title=pooled.label)
    notes = [f"Pooled {_fmt(pooled.estimate)} (95% CI {_fmt(lo)}-{_fmt(hi)}); "
             f"tau^2 {pooled.tau2:.4f} ({pooled.scale} scale), I^2 {100 * pooled.i2:.0f}%; "
             f"{pooled.k} centres. {pooled.method}."]
    return style(fig, title or pooled.label, notes=notes, height=max(400, 220 + 55 * (k + 2)))
