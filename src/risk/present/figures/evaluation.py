"""Figures of the validation report (pure: the report's typed sections in, ``go.Figure``
out).

Every builder reads :class:`risk.evaluation.document.EvaluationReport` or one of its
sections, so a page can draw a report it just computed or one read back from
``report.json`` (:meth:`EvaluationReport.from_dict`).
Colours: Okabe-Ito (colour-blind safe); the served model is always blue, the primary-only
comparator always vermillion.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import plotly.graph_objects as go

from risk import schema
from risk.evaluation.headline import metric_label
from risk.i18n import N_, _, format_percent
from risk.present.figures.style import BLACK, BLUE, COMPARATOR_COLOR, REFERENCE_COLOR

SERVED_COLOR = BLUE
TREAT_ALL_COLOR = BLACK
SERVED_NAME = N_("With liver biopsy (served model)")
COMPARATOR_NAME = N_("Primary only (comparator)")
#: C-indices published for prognostic models in this field (literature.md, section 5).
PUBLISHED_C_RANGE = (0.60, 0.70)
#: The event whose risk a calibration plot shows, by outcome (overall or progression-free):
#: the x axis and the hover's count.
EVENT_WORDS = {"os": (N_("Predicted risk of death by {months} months"),
                      N_("%{customdata[0]} patients, %{customdata[1]} deaths")),
               "pfs": (N_("Predicted risk of progression or death by {months} months"),
                       N_("%{customdata[0]} patients, %{customdata[1]} events"))}

if TYPE_CHECKING:
    from risk.evaluation.document import EvaluationReport
    from risk.evaluation.headline import MetricSet
    from risk.evaluation.section_models import (
        CalibrationSection,
        DecisionPoint,
        ReclassificationCell,
    )


def _rgba(hex_color: str, alpha: float) -> str:
    r, g, b = (int(hex_color[i:i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r},{g},{b},{alpha})"


def _layout(fig: go.Figure, title: str, note: str | None, height: int = 460) -> go.Figure:
    text = title if not note else f"{title}<br><sup>{note}</sup>"
    fig.update_layout(title={"text": text, "x": 0.0}, height=height, template="plotly_white",
                      margin={"l": 70, "r": 20, "t": 80 if note else 60, "b": 60},
                      legend={"orientation": "h", "y": -0.18})
    return fig


def _pct(v: float | None) -> str:
    return _("n/a") if v is None else format_percent(v)


def calibration_plot(calibration: CalibrationSection,
                     comparator: CalibrationSection | None = None,
                     note: str | None = None, outcome: str = "os") -> go.Figure:
    """Predicted vs observed risk of death at a horizon (``outcome="pfs"``: of progression
    or death, for the progression-free survival model).

    ``calibration`` (and optionally ``comparator``) is a calibration section of the report
    (``groups``: mean predicted and Kaplan-Meier observed risk per risk group with 95%
    intervals; ``curve``: the smoothed observed risk with its band). The diagonal is
    perfect calibration.
    """
    months = 60 if calibration.months is None else calibration.months
    axis, counts = EVENT_WORDS[outcome]
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=[0, 1], y=[0, 1], mode="lines", name=_("Perfect calibration"),
                             line={"color": REFERENCE_COLOR, "dash": "dash"}))
    models = [(calibration, _(SERVED_NAME), SERVED_COLOR)]
    if comparator:
        models.append((comparator, _(COMPARATOR_NAME), COMPARATOR_COLOR))
    for section, name, color in models:
        curve = section.curve
        x = [p.predicted_risk for p in curve]
        if curve and color == SERVED_COLOR:  # one band keeps the plot readable
            fig.add_trace(go.Scatter(
                x=x + x[::-1], y=[p.upper for p in curve] + [p.lower for p in curve][::-1],
                fill="toself", fillcolor=_rgba(color, 0.12), line={"width": 0},
                hoverinfo="skip", showlegend=False, name=_("{model} band").format(model=name)))
        if curve:
            fig.add_trace(go.Scatter(x=x, y=[p.observed_risk for p in curve], mode="lines",
                                     line={"color": color, "width": 2},
                                     name=_("{model}: smoothed (ICI {ici})").format(
                                         model=name, ici=_pct(section.ici))))
        groups = section.groups
        fig.add_trace(go.Scatter(
            x=[g.mean_predicted_risk for g in groups], y=[g.observed_risk for g in groups],
            mode="markers", marker={"color": color, "size": 9},
            name=_("{model}: risk groups").format(model=name),
            error_y={"type": "data", "symmetric": False,
                     "array": [_gap(g.observed_risk_upper, g.observed_risk) for g in groups],
                     "arrayminus": [_gap(g.observed_risk, g.observed_risk_lower)
                                    for g in groups]},
            customdata=[[g.n, g.deaths] for g in groups],
            hovertemplate=_("predicted %{x:.0%}, observed %{y:.0%}") + "<br>" + _(counts)
            + "<extra></extra>"))
    top = _axis_top([calibration] + ([comparator] if comparator else []))
    fig.update_xaxes(title=_(axis).format(months=f"{months:g}"), range=[0, top],
                     tickformat=".0%")
    fig.update_yaxes(title=_("Observed risk by {months} months (Kaplan-Meier)").format(
        months=f"{months:g}"), range=[0, top], tickformat=".0%")
    title = (_("Calibration at {months} months, progression-free survival") if outcome == "pfs"
             else _("Calibration at {months} months")).format(months=f"{months:g}")
    return _layout(fig, title, note, height=520)


def _axis_top(sections: Sequence[CalibrationSection]) -> float:
    """Both axes end a little above the largest risk shown (at most 100%)."""
    values = [0.1]
    for section in sections:
        values += [g.observed_risk_upper or 0 for g in section.groups]
        values += [g.mean_predicted_risk or 0 for g in section.groups]
        values += [p.observed_risk or 0 for p in section.curve]
    return min(1.0, max(values) * 1.08)


def _gap(a: float | None, b: float | None) -> float:
    return 0.0 if a is None or b is None else max(0.0, a - b)


def time_dependent_auc_plot(served: MetricSet, comparator: MetricSet | None = None,
                            horizons: Sequence[int] = (12, 36, 60),
                            note: str | None = None) -> go.Figure:
    """AUC at each horizon (cumulative cases / dynamic controls) for each model."""
    fig = go.Figure()
    models = [(served, _(SERVED_NAME), SERVED_COLOR)]
    if comparator:
        models.append((comparator, _(COMPARATOR_NAME), COMPARATOR_COLOR))
    for metrics, name, color in models:
        fig.add_trace(go.Scatter(x=list(horizons), y=[metrics.value(f"auc_{h}") for h in horizons],
                                 mode="lines+markers", name=name, line={"color": color},
                                 marker={"size": 10},
                                 hovertemplate=_("%{x} months: AUC %{y:.3f}")
                                 + "<extra></extra>"))
    fig.add_hline(y=0.5, line={"color": REFERENCE_COLOR, "dash": "dot"},
                  annotation_text=_("chance"), annotation_position="bottom right")
    fig.update_xaxes(title=_("Months after the liver biopsy"), tickvals=list(horizons))
    fig.update_yaxes(title=_("Time-dependent AUC"), range=[0.4, 1.0])
    return _layout(fig, _("Discrimination over time"), note)


def decision_curve_plot(points: list[DecisionPoint], note: str | None = None) -> go.Figure:
    """Net benefit against the threshold risk of death by 60 months: each model, treat
    all and treat none."""
    x = [p.threshold for p in points]
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=x, y=[p.treat_none for p in points], mode="lines",
                             name=_("Treat none"),
                             line={"color": REFERENCE_COLOR, "dash": "dot"}))
    fig.add_trace(go.Scatter(x=x, y=[p.treat_all for p in points], mode="lines",
                             name=_("Treat all"), line={"color": TREAT_ALL_COLOR, "width": 1}))
    if any(p.net_benefit_comparator is not None for p in points):
        fig.add_trace(go.Scatter(x=x, y=[p.net_benefit_comparator for p in points],
                                 mode="lines", name=_(COMPARATOR_NAME),
                                 line={"color": COMPARATOR_COLOR, "width": 2}))
    fig.add_trace(go.Scatter(x=x, y=[p.net_benefit for p in points], mode="lines",
                             name=_(SERVED_NAME), line={"color": SERVED_COLOR, "width": 3}))
    # a net benefit read back from JSON is None where it was not defined (NaN)
    best = max([v for p in points for v in (p.net_benefit, p.treat_all) if v is not None]
               + [0.01])
    fig.update_xaxes(title=_("Threshold risk of death by 60 months"), tickformat=".0%")
    fig.update_yaxes(title=_("Net benefit"), range=[-0.05, best * 1.1])
    return _layout(fig, _("Decision curve at 60 months"), note)


def reclassification_heatmap(cells: list[ReclassificationCell],
                             note: str | None = None) -> go.Figure:
    """Patients by risk group without (rows) and with (columns) the liver biopsy; each
    cell shows the count and the observed risk of death by 60 months."""
    rows = list(dict.fromkeys(c.old for c in cells))
    cols = list(dict.fromkeys(c.new for c in cells))
    by = {(c.old, c.new): c for c in cells}
    z = [[by[(r, c)].n for c in cols] for r in rows]
    text = [[_("{n}<br>observed {risk}").format(n=by[(r, c)].n,
                                                 risk=_pct(by[(r, c)].observed_risk))
             if by[(r, c)].n else "0" for c in cols] for r in rows]
    fig = go.Figure(go.Heatmap(z=z, x=[schema.label("risk_group", c) for c in cols],
                               y=[schema.label("risk_group", r) for r in rows], text=text,
                               texttemplate="%{text}", colorscale="Blues", showscale=False,
                               hovertemplate=_("%{y} -> %{x}: %{z} patients")
                               + "<extra></extra>"))
    fig.update_xaxes(title=_("Risk group with the liver-biopsy grade"), side="bottom")
    fig.update_yaxes(title=_("Risk group from the primary only"), autorange="reversed")
    return _layout(fig, _("Reclassification at 60 months"), note)


def concordance_comparison(report: EvaluationReport, note: str | None = None) -> go.Figure:
    """Harrell's and Uno's C (95% intervals) of both models, and the published range."""
    fig = go.Figure()
    lo, hi = PUBLISHED_C_RANGE
    fig.add_vrect(x0=lo, x1=hi, fillcolor=_rgba(REFERENCE_COLOR, 0.18), line_width=0,
                  annotation_text=_("published models"), annotation_position="top left")
    for metrics, name, color in ((report.headline, _(SERVED_NAME), SERVED_COLOR),
                                 (report.comparator, _(COMPARATOR_NAME), COMPARATOR_COLOR)):
        labels, values, plus, minus = [], [], [], []
        for key in ("harrell_c", "uno_c"):
            label, value = metric_label(key), metrics.value(key)
            lower, upper = metrics.interval(key)
            labels.append(label)
            values.append(value)
            plus.append(_gap(upper, value))
            minus.append(_gap(value, lower))
        fig.add_trace(go.Scatter(
            x=values, y=labels, mode="markers", name=name,
            marker={"color": color, "size": 12},
            error_x={"type": "data", "symmetric": False, "array": plus, "arrayminus": minus},
            hovertemplate="%{y}: %{x:.3f}<extra></extra>"))
    fig.update_layout(scattermode="group")
    fig.update_xaxes(title=_("Concordance (0.5 = chance, 1 = perfect ordering)"),
                     range=[0.5, 1.0])
    delta = report.headline.delta_c
    title = _("Discrimination: with vs without the liver biopsy") if delta is None else _(
        "Discrimination: with vs without the liver biopsy (delta C {delta} in patients with a "
        "biopsy grade)").format(delta=f"{delta:+.3f}")
    return _layout(fig, title, note, height=320)
