"""Figures of the model page: both models' hazard ratios side by side, and their baseline
survival. Pure builders (tables in, ``go.Figure`` out) with the tumor-board look of
:mod:`risk.present.figures.style`; the served model is blue and the primary-only
comparator vermillion, as in :mod:`risk.present.figures.evaluation`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from risk.i18n import _
from risk.present.figures.evaluation import SERVED_COLOR
from risk.present.figures.style import COMPARATOR_COLOR, FONT_SIZE, GREY, style
from risk.present.model_summary import MODEL_NAMES

COLORS = {"biopsy": SERVED_COLOR, "primary_only": COMPARATOR_COLOR}
ROW_PX = 34


def _rows(table: pd.DataFrame) -> list[str]:
    """Row labels in first-seen order (the biopsy model's order, then any others)."""
    labels = table["characteristic"] + ": " + table["comparison"]
    return list(dict.fromkeys(labels))


def hazard_ratio_figure(table: pd.DataFrame, *, synthetic: bool = False) -> go.Figure:
    """Hazard ratios with 95% intervals of each model on a log axis (reference line at 1).

    ``table`` is :func:`risk.present.model_summary.hazard_ratio_table`. A term a model does not
    have (the liver-biopsy grade for the comparator) has no marker in that model's row.
    """
    rows = _rows(table)
    position = {label: i for i, label in enumerate(rows)}
    fig = go.Figure()
    models = list(dict.fromkeys(table["model"]))
    for k, model in enumerate(models):
        part = table[table["model"] == model]
        labels = part["characteristic"] + ": " + part["comparison"]
        offset = (k - (len(models) - 1) / 2) * 0.28
        y = np.array([position[label] for label in labels]) + offset
        hr, low, high = (part[c].to_numpy(dtype=float)
                         for c in ("hazard_ratio", "lower_95", "upper_95"))
        fig.add_trace(go.Scatter(
            x=hr, y=y, mode="markers", name=MODEL_NAMES.get(model, model),
            marker={"symbol": "square", "size": 11, "color": COLORS.get(model, GREY)},
            error_x={"type": "data", "symmetric": False, "array": high - hr,
                     "arrayminus": hr - low, "thickness": 2.2, "width": 5,
                     "color": COLORS.get(model, GREY)},
            customdata=np.column_stack([labels, [f"{h:.2f} ({lo:.2f}-{hi:.2f})" for h, lo, hi
                                                 in zip(hr, low, high, strict=True)]]),
            hovertemplate=_("%{customdata[0]}<br>HR %{customdata[1]}") + "<extra>"
                          + MODEL_NAMES.get(model, model) + "</extra>"))
    fig.add_vline(x=1.0, line={"color": GREY, "width": 2, "dash": "dash"})
    span = table[["lower_95", "upper_95"]].to_numpy(dtype=float).ravel()
    span = span[np.isfinite(span) & (span > 0)]
    lo, hi = (min(span.min(), 1.0), max(span.max(), 1.0)) if span.size else (0.5, 2.0)
    # ticks at least 1.5x apart: 0.75 and 1.5 crowded 1 and overlapped on a shared screen
    ticks = [t for t in (0.1, 0.2, 0.3, 0.5, 1, 2, 3, 5, 10, 20)
             if lo / 1.3 <= t <= hi * 1.3]
    fig.update_xaxes(type="log", title=_("Hazard ratio (log scale; > 1 means shorter survival)"),
                     range=[np.log10(lo) - 0.08, np.log10(hi) + 0.08], tickvals=ticks,
                     ticktext=[f"{t:g}" for t in ticks], tickangle=0)
    fig.update_yaxes(tickvals=list(range(len(rows))), ticktext=rows, autorange="reversed",
                     automargin=True, showgrid=False)
    fig.update_layout(legend={"orientation": "h", "yanchor": "bottom", "y": 1.0, "x": 0})
    notes = [_("Squares: hazard ratios; bars: 95% intervals (maximum partial likelihood)."),
             _("Each row: vs the named reference, other inputs equal.")]
    return style(fig, _("Hazard ratios of the served models"), synthetic=synthetic,
                 height=240 + ROW_PX * len(rows), notes=notes, top=130)


def baseline_survival_figure(curves: dict[str, dict[str, pd.DataFrame]], *,
                             synthetic: bool = False) -> go.Figure:
    """Survival of the reference patient (solid) and the baseline at the training means
    of the covariates (dotted) under each model, months 0 to 120.

    ``curves`` maps a model key to ``{"reference": frame, "baseline": frame}`` with
    ``months`` and ``survival`` columns (:mod:`risk.present.model_summary`).
    """
    fig = go.Figure()
    for model, parts in curves.items():
        color = COLORS.get(model, GREY)
        name = MODEL_NAMES.get(model, model)
        for kind, dash, words in (("reference", "solid", _("reference patient")),
                                  ("baseline", "dot", _("baseline (covariates at the means)"))):
            frame = parts.get(kind)
            if frame is None:
                continue
            fig.add_trace(go.Scatter(
                x=frame["months"], y=frame["survival"], mode="lines",
                name=_("{model}: {curve}").format(model=name, curve=words),
                line={"color": color, "dash": dash, "width": 3},
                hovertemplate=_("%{x:.0f} months: %{y:.1%}") + "<extra></extra>"))
    fig.update_xaxes(title=_("Months since the liver biopsy"), range=[0, 120],
                     tickvals=list(range(0, 121, 12)))
    fig.update_yaxes(title=_("Overall survival"), tickformat=".0%", range=[0, 1.02])
    fig.update_layout(legend={"orientation": "v", "yanchor": "bottom", "y": 0.02,
                              "x": 0.01, "bgcolor": "rgba(255,255,255,0.85)",
                              "font": {"size": FONT_SIZE - 3}})
    notes = [_("Baseline: the Breslow estimate (Efron's increments at tied deaths) with every "
               "covariate at its training mean (how lifelines centres them); the reference "
               "patient is a real combination of inputs.")]
    return style(fig, _("Baseline survival of the served models"), synthetic=synthetic,
                 notes=notes)
