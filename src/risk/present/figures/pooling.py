"""The forest plot of a metric pooled across centres (:mod:`risk.evaluation.pooling`):
one row per centre with its 95% interval, the pooled estimate as a diamond spanning its
95% confidence interval, and the 95% prediction interval for a new centre as a line."""

from __future__ import annotations

from typing import TYPE_CHECKING

import plotly.graph_objects as go

from risk.i18n import N_, Words, _, format_integer, format_number, format_percent
from risk.present.figures.style import BLACK, BLUE, GREY, VERMILLION, style

if TYPE_CHECKING:
    from risk.evaluation.pooling import PooledMetric

POOLED_ROW = N_("Pooled (random effects)")
PREDICTION_ROW = N_("Prediction interval")
#: The value of no miscalibration or no discrimination, drawn as a reference line.
REFERENCE = {"harrell_c": 0.5, "uno_c": 0.5, "calibration_slope": 1.0,
             "calibration_in_the_large": 0.0}
#: The analysis scale of tau², in words.
SCALES = Words({"logit": N_("logit"), "natural": N_("natural")})


def _fmt(value: float) -> str:
    return format_number(value, 3)


def _range(low: float, high: float) -> str:
    return _("{low} to {high}").format(low=_fmt(low), high=_fmt(high))


def _note(pooled: PooledMetric) -> str:
    return _("Pooled {estimate} (95% CI {ci}); tau² {tau2} ({scale} scale), I² {i2}; "
             "{k} centres. {method}.").format(
        estimate=_fmt(pooled.estimate), ci=_range(*pooled.ci),
        tau2=format_number(pooled.tau2, 4), scale=SCALES.get(pooled.scale, pooled.scale),
        i2=format_percent(pooled.i2), k=format_integer(pooled.k),
        method=pooled.method_words())


def pooled_forest_plot(pooled: PooledMetric, title: str | None = None) -> go.Figure:
    """The forest plot of one pooled metric (sites top to bottom, then the pooled rows),
    in the current language."""
    k = len(pooled.sites)
    site_y = list(range(k + 2, 2, -1))  # sites from the top; pooled at 2, prediction at 1
    fig = go.Figure()
    fig.add_trace(go.Scatter(
        x=[s.estimate for s in pooled.sites], y=site_y, mode="markers",
        name=_("Centre, 95% CI"), customdata=[s.site for s in pooled.sites],
        marker={"color": BLUE, "size": 12, "symbol": "square"},
        error_x={"type": "data", "symmetric": False, "color": BLUE, "thickness": 2,
                 "array": [s.ci[1] - s.estimate for s in pooled.sites],
                 "arrayminus": [s.estimate - s.ci[0] for s in pooled.sites]},
        hovertemplate="%{customdata}: %{x:.3f}<extra></extra>"))
    lo, hi = pooled.ci
    pooled_hover = _("pooled {estimate} (95% CI {ci})").format(
        estimate=_fmt(pooled.estimate), ci=_range(lo, hi))
    fig.add_trace(go.Scatter(
        x=[lo, pooled.estimate, hi, pooled.estimate, lo], y=[2, 2.3, 2, 1.7, 2],
        mode="lines", fill="toself", name=_("Pooled, 95% CI"), line={"color": VERMILLION},
        fillcolor=VERMILLION, hovertemplate=pooled_hover + "<extra></extra>"))
    labels = [*(s.site for s in pooled.sites), _(POOLED_ROW)]
    ticks = [*site_y, 2]
    if pooled.prediction_interval is not None:
        p_lo, p_hi = pooled.prediction_interval
        new_centre = _("new centre: {range}").format(range=_range(p_lo, p_hi))
        fig.add_trace(go.Scatter(
            x=[p_lo, p_hi], y=[1, 1], mode="lines+markers",
            name=_("95% prediction interval"),
            line={"color": BLACK, "width": 3, "dash": "dash"},
            marker={"symbol": "line-ns-open", "size": 16, "color": BLACK},
            hovertemplate=new_centre + "<extra></extra>"))
        labels.append(_(PREDICTION_ROW))
        ticks.append(1)
    if pooled.metric in REFERENCE:
        fig.add_vline(x=REFERENCE[pooled.metric], line={"color": GREY, "dash": "dot"})
    fig.update_yaxes(tickvals=ticks, ticktext=labels, range=[0.4, k + 2.6], title=None,
                     showgrid=False, zeroline=False)
    label = _(pooled.label)
    fig.update_xaxes(title=label)
    return style(fig, title or label, notes=[_note(pooled)],
                 height=max(400, 220 + 55 * (k + 2)))
