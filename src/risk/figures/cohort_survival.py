"""Survival figures for the tumor board: Kaplan-Meier curves with confidence bands and a
number-at-risk table under the plot, and a forest plot of hazard ratios.

Curves are drawn from the aggregated Kaplan-Meier table (one point per distinct time,
thinned to a fine month grid when there are very many), never one trace per patient.
"""

from __future__ import annotations

import textwrap

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from risk.cohort_cox import ForestResult
from risk.cohort_survival import SurvivalByGroup, SurvivalCurve
from risk.figures.cohort_style import (
    BLUE,
    FONT_SIZE,
    GREY,
    NOTE_WIDTH,
    darker,
    group_colors,
    message_figure,
    rgba,
    style,
)

#: Above this many steps within the plotted range a curve is drawn on a fine grid.
MAX_POINTS_PER_CURVE = 1_500


def format_p(p: float) -> str:
    """'p < 0.001' or 'p = 0.042'."""
    if p is None or not np.isfinite(p):
        return "p not available"
    return "p < 0.001" if p < 0.001 else f"p = {p:.3f}"


def _format_months(m: float) -> str:
    return "not reached" if not np.isfinite(m) else f"{m:.1f} mo"


def _step_values(curve: SurvivalCurve, max_months: float, max_points: int):
    """(times, survival, lower, upper) within [0, max_months], thinned if very long."""
    times = curve.times
    end = min(float(times[-1]), max_months)
    inside = np.flatnonzero(times <= end)
    if inside.size > max_points:
        times = np.linspace(0.0, end, max_points)
        idx = np.searchsorted(curve.times, times, side="right") - 1
    else:
        times, idx = times[inside], inside
    times = np.append(times, end)  # hold the last value to the end of follow-up
    idx = np.append(idx, idx[-1])
    return times, curve.survival[idx], curve.lower[idx], curve.upper[idx]


def _step_xy(times: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Explicit corner points of a right-continuous step function."""
    x = np.repeat(times, 2)[1:]
    y = np.repeat(values, 2)[:-1]
    return x, y


def survival_by_group_figure(result: SurvivalByGroup, *, max_months: float = 120,
                             max_points: int = MAX_POINTS_PER_CURVE,
                             synthetic: bool = False) -> go.Figure:
    """Kaplan-Meier curves by group with 95% bands, the number at risk under the plot
    and the log-rank p-value."""
    title = f"Overall survival by {result.title[0].lower() + result.title[1:]}"
    if not result.curves:
        return message_figure(title, " ".join(result.notes) or "No patients.",
                              synthetic=synthetic)
    labels = [c.label for c in result.curves]
    colors = group_colors(labels)
    plot_px, table_px, gap_px = 440, 34 * len(labels), 100
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True,
                        vertical_spacing=gap_px / (plot_px + table_px + gap_px),
                        row_heights=[plot_px, table_px])
    traces = []
    for curve in result.curves:
        color = colors[curve.label]
        t, s, lo, hi = _step_values(curve, max_months, max_points)
        x, y_hi = _step_xy(t, hi)
        _, y_lo = _step_xy(t, lo)
        traces.append(go.Scatter(
            x=np.concatenate([x, x[::-1]]), y=np.concatenate([y_hi, y_lo[::-1]]),
            fill="toself", fillcolor=rgba(color, 0.15), line={"width": 0},
            hoverinfo="skip", showlegend=False, legendgroup=curve.label))
        x, y = _step_xy(t, s)
        traces.append(go.Scatter(
            x=x, y=y, mode="lines", line={"color": color, "width": 3.5},
            name=f"{curve.label}: n = {curve.n:,}, median {_format_months(curve.median)}",
            legendgroup=curve.label,
            hovertemplate=f"{curve.label}<br>%{{x:.1f}} months: %{{y:.1%}}<extra></extra>"))
    fig.add_traces(traces, rows=[1] * len(traces), cols=[1] * len(traces))
    _at_risk_rows(fig, result, colors, max_months)
    ticks = np.arange(0, max_months + 1, 12)
    fig.update_xaxes(range=[0, max_months], tickvals=ticks, showticklabels=True,
                     title="Months since the liver biopsy", row=1, col=1)
    fig.update_xaxes(range=[0, max_months], visible=False, row=2, col=1)
    fig.update_yaxes(title="Overall survival", tickformat=".0%", range=[0, 1.02], row=1, col=1)
    fig.update_yaxes(range=[len(labels) - 0.5, -0.5], showgrid=False, zeroline=False,
                     tickmode="array", tickvals=labels, ticktext=labels, ticks="",
                     ticklabelstandoff=30, row=2, col=1)
    fig.add_annotation(text="Number at risk", xref="paper", yref="y2 domain", x=0, y=1.0,
                       xanchor="right", yanchor="bottom", showarrow=False,
                       font={"size": FONT_SIZE - 2})
    if result.logrank is not None:
        text = f"Log-rank {format_p(result.logrank.p_value)}"
        if len(result.logrank.groups) > 2:
            text += f" ({len(result.logrank.groups)} groups; pairwise tests in the table)"
        fig.add_annotation(text=text, xref="x", yref="y", x=max_months, y=1.0,
                           xanchor="right", yanchor="top", showarrow=False,
                           font={"size": FONT_SIZE}, bgcolor="rgba(255,255,255,0.8)")
    fig.update_layout(legend={"orientation": "h", "yanchor": "bottom", "y": 1.02, "x": 0,
                              "font": {"size": FONT_SIZE - 2}})
    notes = ["Shaded: 95% confidence band. Numbers at risk: patients still followed at "
             "that month.", *result.notes]
    # top: room for the legend above the plot
    top = 130 + 36 * ((len(labels) + 1) // 2)
    lines = sum(len(textwrap.wrap(n, NOTE_WIDTH)) for n in notes)
    height = top + plot_px + gap_px + table_px + 110 + 26 * lines
    return style(fig, title, synthetic=synthetic, height=height, notes=notes, top=top)


def _at_risk_rows(fig: go.Figure, result: SurvivalByGroup, colors: dict[str, str],
                  max_months: float) -> None:
    months = [m for m in result.at_risk.columns if m <= max_months]
    rows = [go.Scatter(
        x=months, y=[label] * len(months), mode="text",
        text=[f"{int(c):,}" for c in result.at_risk.loc[label, months]],
        textfont={"size": FONT_SIZE - 2, "color": darker(colors[label])},
        cliponaxis=False, showlegend=False, hoverinfo="skip")
        for label in result.at_risk.index]
    fig.add_traces(rows, rows=[2] * len(rows), cols=[1] * len(rows))


def forest_plot(result: ForestResult, *, synthetic: bool = False) -> go.Figure:
    """Hazard ratios with 95% intervals on a log axis, reference line at 1.

    Rows without an estimate (too few patients or deaths) are listed in a note.
    """
    title = "Hazard ratios on the shown cohort (Cox model)"
    if not result.ok:
        return message_figure(title, result.message or "No hazard ratios to show.",
                              synthetic=synthetic)
    table = result.table
    shown = table[table["hazard_ratio"].notna()]
    rows = [f"{c}: {v}" for c, v in zip(shown["covariate"], shown["comparison"], strict=True)]
    hr, low, high = (shown[c].to_numpy(dtype=float)
                     for c in ("hazard_ratio", "lower_95", "upper_95"))
    summaries = [f"{h:.2f} ({lo:.2f}-{hi:.2f})" for h, lo, hi in zip(hr, low, high, strict=True)]
    fig = go.Figure(go.Scatter(
        x=hr, y=rows, mode="markers", marker={"symbol": "square", "size": 13, "color": BLUE},
        error_x={"type": "data", "symmetric": False, "array": high - hr,
                 "arrayminus": hr - low, "thickness": 2.5, "width": 6, "color": BLUE},
        customdata=np.column_stack([summaries, shown["p_value"].map(format_p)]),
        hovertemplate="%{y}<br>HR %{customdata[0]}, %{customdata[1]}<extra></extra>",
        showlegend=False))
    fig.add_vline(x=1.0, line={"color": GREY, "width": 2, "dash": "dash"})
    span = np.concatenate([low, high, [1.0]])
    span = span[np.isfinite(span) & (span > 0)]
    right = np.log10(span.max()) + 0.1
    # The "HR (95% CI)" column: one text trace just right of the plot (not one annotation
    # per row, which plotly adds slowly).
    fig.add_trace(go.Scatter(
        x=[10 ** right] * len(rows), y=rows, mode="text", text=summaries,
        textposition="middle right", textfont={"size": FONT_SIZE - 2}, cliponaxis=False,
        hoverinfo="skip", showlegend=False))
    fig.update_xaxes(type="log", title="Hazard ratio (log scale; > 1 means shorter survival)",
                     range=[np.log10(span.min()) - 0.1, right])
    fig.update_yaxes(autorange="reversed", automargin=True)
    ticks = [t for t in (0.1, 0.2, 0.3, 0.5, 0.75, 1, 1.5, 2, 3, 5, 10, 20, 50)
             if span.min() / 1.3 <= t <= span.max() * 1.3]
    fig.update_xaxes(tickvals=ticks, ticktext=[f"{t:g}" for t in ticks])
    notes = [f"Cox proportional-hazards model (Efron ties) on the shown cohort: "
             f"{result.patients:,} patients, {result.deaths:,} deaths. Each row is compared "
             "with the named reference, the other rows held equal.", *result.notes]
    skipped = table[table["hazard_ratio"].isna()]
    if not skipped.empty:
        notes.append("Not estimated: " + "; ".join(
            f"{c}: {v} ({n})" for c, v, n in
            zip(skipped["covariate"], skipped["comparison"], skipped["note"], strict=True)))
    fig = style(fig, title, synthetic=synthetic, height=260 + 40 * len(rows), notes=notes)
    fig.update_layout(margin={"r": 230})
    return fig
