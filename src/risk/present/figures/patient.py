"""Figures for one patient's estimate: pure builders that return ``go.Figure``.

``synthetic=True`` marks a figure with the note that its numbers come from a model
trained on synthetic data (:attr:`risk.model.patient_estimate.PatientEstimate.synthetic`). Inputs are plain arrays and frames (survival in 0..1 on a month grid), so the
builders do not depend on how the model computes them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from risk.i18n import N_, Words, _, ngettext
from risk.present.figures.style import (
    COMPARATOR_COLOR,
    GRADE_COLORS,
    REFERENCE_COLOR,
    SYNTHETIC_MODEL_NOTE,
    wrap_text,
)

if TYPE_CHECKING:
    from numpy.typing import ArrayLike, NDArray

ESTIMATE_COLOR = "#1f5f8b"
ALIVE_COLOR = "#2e7d4f"
DIED_COLOR = "#d9d9d9"
RAISES_RISK_COLOR = "#b03a2e"
LOWERS_RISK_COLOR = "#2e6f9e"


def _rgba(hex_color: str, alpha: float) -> str:
    r, g, b = (int(hex_color[i:i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r},{g},{b},{alpha})"


_AXIS = {"gridcolor": "#e6e6e6", "zerolinecolor": "#e6e6e6", "linecolor": "#999999",
         "automargin": True}


def _figure(data: list[dict[str, Any]], title: str, height: int = 420, *, synthetic: bool,
            **layout: Any) -> go.Figure:  # plotly's layout properties
    """One figure built in one step from plain dicts (a plotly template is deep-copied on
    every figure and costs more than the rest: the white look is set here instead)."""
    note = {"text": _(SYNTHETIC_MODEL_NOTE), "xref": "paper", "yref": "paper", "x": 1, "y": 1.02,
            "xanchor": "right", "yanchor": "bottom", "showarrow": False,
            "font": {"size": 11, "color": "#8a4b00"}}
    base = {
        "title": {"text": title, "x": 0, "xanchor": "left"}, "height": height,
        "margin": {"l": 70, "r": 30, "t": 60, "b": 90},
        "legend": {"orientation": "h", "yanchor": "top", "y": -0.2, "x": 0},
        "font": {"size": 14}, "paper_bgcolor": "white", "plot_bgcolor": "white",
        "annotations": [note] * synthetic + layout.pop("annotations", []),
    }
    for axis in ("xaxis", "yaxis"):
        base[axis] = {**_AXIS, **layout.pop(axis, {})}
    return go.Figure(data=data, layout={**base, **layout})


#: What the months before ``alive_months`` are on a conditional curve (and at a horizon).
ALREADY_SURVIVED = N_("Already survived")
#: The grey of that stretch of the plot.
SURVIVED_FILL = "rgba(120,120,120,0.12)"

#: What a curve estimates: overall survival (``"os"``) or progression-free (``"pfs"``).
OUTCOME_WORDS = Words({"os": N_("overall survival"), "pfs": N_("progression-free survival")})


def _survival_axes(max_months: float, outcome: str = "os") -> dict[str, Any]:
    ticks = np.arange(0, max_months + 1, 12)
    return {"xaxis": {"title": {"text": _("Years after the liver biopsy")},
                      "range": [0, max_months], "tickvals": ticks,
                      "ticktext": [f"{m / 12:g}" for m in ticks]},
            "yaxis": {"title": {"text": OUTCOME_WORDS[outcome].capitalize()},
                      "range": [0, 1.02],
                      "tickformat": ".0%"}}


def _band(months: NDArray[np.float64], lower: NDArray[np.float64], upper: NDArray[np.float64],
          color: str, name: str) -> dict[str, Any]:
    """A shaded 95% band, drawn as one closed polygon (legend entry, no hover)."""
    return {"type": "scatter", "x": np.concatenate([months, months[::-1]]),
            "y": np.concatenate([upper, lower[::-1]]), "fill": "toself",
            "fillcolor": _rgba(color, 0.18), "line": {"width": 0}, "hoverinfo": "skip",
            "name": name}


def _line(x: ArrayLike, y: ArrayLike, color: str, name: str, width: float = 3,
          **extra: Any) -> dict[str, Any]:  # extra: plotly's trace properties
    return {"type": "scatter", "x": x, "y": y, "mode": "lines", "name": name,
            "line": {"color": color, "width": width, **extra.pop("line", {})},
            "hovertemplate": "%{x:.0f} months: %{y:.1%}<extra></extra>", **extra}


def survival_curve(
    months: ArrayLike,
    survival: ArrayLike,
    lower: ArrayLike,
    upper: ArrayLike,
    *,
    reference: tuple[ArrayLike, ArrayLike] | None = None,
    reference_label: str = N_("Training cohort (Kaplan-Meier)"),
    horizons: Sequence[int] = (12, 36, 60, 120),
    label: str = N_("This patient"),
    synthetic: bool = False,
    alive_months: float | None = None,
    outcome: str = "os",
) -> go.Figure:
    """The patient's survival curve with its 95% band, and the cohort's for reference.
    ``outcome="pfs"``: the curve is progression-free survival (title and axis say so).

    With ``alive_months`` the curve is conditional on survival to then: the months
    already survived (0 to ``alive_months``) are shaded grey, labelled "Already survived"
    and their flat stretch of the curve drawn grey and dashed; a dotted line marks that
    month and the horizons already survived carry no point.

    Parameters
    ----------
    months, survival, lower, upper : array-like
        The month grid and S(t) with its pointwise 95% interval, all in 0..1.
    reference : (times, survival), optional
        A Kaplan-Meier curve (step function) drawn grey and dashed for comparison.
    horizons : months marked with a point and their survival in the hover text.
    """
    months = np.asarray(months, float)
    survival, lower, upper = (np.asarray(a, float) for a in (survival, lower, upper))
    survived = None
    if alive_months:
        survived, (months, survival, lower, upper) = _split_at(
            alive_months, months, survival, lower, upper)
    data = [_band(months, lower, upper, ESTIMATE_COLOR, _("95% interval"))]
    if survived is not None:
        data.append(_line(*survived, REFERENCE_COLOR, _("{survived} (alive at {alive_months:g} months)").format(
                              survived=_(ALREADY_SURVIVED), alive_months=alive_months), width=2, line={"dash": "dash"},
                          hoverinfo="skip"))
    if reference is not None:
        times, ref_surv = (np.asarray(a, float) for a in reference)
        keep = times <= months[-1]
        data.append(_line(times[keep], ref_surv[keep], REFERENCE_COLOR, _(reference_label),
                          width=2, line={"dash": "dash", "shape": "hv"},
                          hovertemplate="%{x:.0f} months: %{y:.1%}<extra>cohort</extra>"))
    data.append(_line(months, survival, ESTIMATE_COLOR, _(label)))
    at = [h for h in horizons if months[0] <= h <= months[-1]
          and (alive_months is None or h > alive_months)]
    if at:
        values = np.interp(at, months, survival)
        data.append({"type": "scatter", "x": at, "y": values, "mode": "markers+text",
                     "marker": {"color": ESTIMATE_COLOR, "size": 9},
                     "text": [f"{v:.0%}" for v in values],
                     # a label at the right edge goes left of its point, inside the plot
                     "textposition": ["top left" if h > 0.9 * months[-1] else "top right"
                                      for h in at],
                     "showlegend": False,
                     "hovertemplate": "%{x:.0f} months: %{y:.1%}<extra></extra>"})
    title = _("Estimated {outcome}").format(outcome=OUTCOME_WORDS[outcome])
    layout: dict[str, Any] = {}
    if alive_months:
        title += _(", given alive at {alive_months:g} months").format(alive_months=alive_months)
        data.append(_line([alive_months, alive_months], [0.0, 1.0], REFERENCE_COLOR,
                          _("Alive at {alive_months:g} months").format(alive_months=alive_months), width=1,
                          line={"dash": "dot"}, hoverinfo="skip"))
        layout = {"shapes": [{"type": "rect", "xref": "x", "yref": "paper", "x0": 0,
                              "x1": alive_months, "y0": 0, "y1": 1, "layer": "below",
                              "fillcolor": SURVIVED_FILL, "line": {"width": 0}}],
                  "annotations": [{"text": _(ALREADY_SURVIVED), "xref": "x", "yref": "paper",
                                   "x": alive_months / 2, "y": 0.04, "showarrow": False,
                                   "font": {"size": 13, "color": "#555555"}}]}
    return _figure(data, title, synthetic=synthetic, **layout,
                   **_survival_axes(months[-1], outcome))


def _split_at(alive_months: float, months: np.ndarray, *curves: np.ndarray
              ) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, ...]]:
    """The stretch already survived (months and survival, to ``alive_months``) and the
    curves from ``alive_months`` on, both ending or starting at that month exactly."""
    at = [float(np.interp(alive_months, months, c)) for c in curves]
    before, after = months < alive_months, months > alive_months
    survived = (np.append(months[before], alive_months), np.append(curves[0][before], at[0]))
    rest = tuple(np.insert(c[after], 0, a) for c, a in zip(curves, at, strict=True))
    return survived, (np.insert(months[after], 0, alive_months), *rest)


def icon_array(survival_share: float, *, horizon_years: int = 5, per_row: int = 10,
               synthetic: bool = False, alive_months: float | None = None) -> go.Figure:
    """'Of 100 patients like this, N are alive at 5 years' as a 10 x 10 grid of dots."""
    if not np.isfinite(survival_share):
        raise ValueError(f"survival_share must be a number in [0, 1]; got {survival_share!r}")
    alive = int(round(100 * float(np.clip(survival_share, 0.0, 1.0))))
    index = np.arange(100)
    x, y = index % per_row, -(index // per_row)
    is_alive = index < alive
    data = [{"type": "scatter", "x": x[mask], "y": y[mask], "mode": "markers",
             "name": f"{name} ({mask.sum()})", "hoverinfo": "skip",
             # a shape per outcome as well as a colour: readable without colour vision
             "marker": {"symbol": symbol, "size": 24, "color": color,
                        "line": {"color": "#555555", "width": 0.5}}}
            for mask, color, symbol, name in ((is_alive, ALIVE_COLOR, "circle", _("Alive at {horizon_years} years").format(horizon_years=horizon_years)),
                                      (~is_alive, DIED_COLOR, "square", _("Died within {horizon_years} years").format(horizon_years=horizon_years)))]
    like = _("like this") + (_(", alive at {alive_months:g} months").format(alive_months=alive_months) if alive_months else "")
    title = ngettext("Of 100 patients {like}, {alive} is alive at {horizon_years} years",
                     "Of 100 patients {like}, {alive} are alive at {horizon_years} years",
                     alive).format(like=like, alive=alive, horizon_years=horizon_years)
    return _figure(data, "<br>".join(wrap_text(title, 44)), height=460, synthetic=synthetic,
                   xaxis={"visible": False, "range": [-0.7, per_row - 0.3]},
                   yaxis={"visible": False, "range": [-(100 // per_row) + 0.3, 0.7],
                          "scaleanchor": "x"})


def contributions_chart(
    contributions: pd.Series | Mapping[str, float],
    labels: Mapping[str, str] | None = None,
    *,
    synthetic: bool = False,
) -> go.Figure:
    """Each input's contribution to the log hazard against the reference patient.

    Bars to the right raise the risk of death (red), to the left lower it (blue); the
    hover shows the same contribution as a hazard ratio.
    """
    values = pd.Series(contributions, dtype=float).dropna()
    values = values.reindex(values.abs().sort_values().index)
    names = [(labels or {}).get(k, k) for k in values.index]
    hazard_ratio = np.exp(values.to_numpy())
    bar = {"type": "bar", "x": values.to_numpy(), "y": names, "orientation": "h",
           "marker": {"color": [RAISES_RISK_COLOR if v > 0 else LOWERS_RISK_COLOR
                                for v in values]},
           "text": [f"× {hr:.2f}" if abs(v) > 1e-9 else _("as reference")
                    for v, hr in zip(values, hazard_ratio, strict=True)],
           "textposition": "outside", "cliponaxis": False, "customdata": hazard_ratio,
           "hovertemplate": "%{y}: log hazard %{x:+.2f} (hazard × %{customdata:.2f})"
                            "<extra></extra>"}
    span = float(values.abs().max()) if len(values) else 1.0
    return _figure(
        [bar], _("Basis of the estimate: what moves this patient's risk"), synthetic=synthetic,
        height=max(320, 60 + 34 * len(values)), showlegend=False,
        xaxis={"title": {"text": _("Contribution to log hazard (right = higher risk of death)")},
               "range": [-1.35 * span - 0.05, 1.35 * span + 0.05], "zeroline": True,
               "zerolinecolor": "#444444"})


def biopsy_comparison(
    months: ArrayLike,
    with_biopsy: tuple[ArrayLike, ArrayLike, ArrayLike],
    without_biopsy: tuple[ArrayLike, ArrayLike, ArrayLike],
    *,
    liver_grade: str | None = None,
    synthetic: bool = False,
    outcome: str = "os",
) -> go.Figure:
    """The estimate with the liver-biopsy grade beside the primary-only estimate (of
    ``outcome``: ``"os"`` or ``"pfs"``).

    ``with_biopsy`` and ``without_biopsy`` are (survival, lower, upper) on ``months``.
    """
    months = np.asarray(months, float)
    data = []
    with_label = _("With the liver biopsy ({liver_grade})").format(liver_grade=liver_grade) if liver_grade else _("With the biopsy")
    for (curve, low, up), color, name in (
            (without_biopsy, COMPARATOR_COLOR, _("Without the liver biopsy (primary only)")),
            (with_biopsy, ESTIMATE_COLOR, with_label)):
        data.append(_band(months, np.asarray(low, float), np.asarray(up, float), color,
                          _("95% interval, {v0}").format(v0=name[:1].lower() + name[1:])))
        data.append(_line(months, np.asarray(curve, float), color, name))
    title = _("Value of the biopsy: estimate with and without the liver grade")
    if outcome != "os":
        title = _("Value of the biopsy for {v0}").format(v0=OUTCOME_WORDS[outcome])
    return _figure(data, title, height=460, synthetic=synthetic,
                   **_survival_axes(months[-1], outcome))


def before_biopsy(
    months: ArrayLike,
    scenarios: pd.DataFrame,
    curves: Mapping[str, ArrayLike],
    expected: ArrayLike,
    *,
    horizon: int = 60,
    synthetic: bool = False,
) -> go.Figure:
    """Outcomes under each possible liver grade, and their average weighted by how often
    each liver grade follows this primary grade in the training cohort.

    Parameters
    ----------
    scenarios : DataFrame with columns ``liver_grade`` and ``probability`` (0..1).
    curves : liver grade -> survival on ``months``.
    expected : the probability-weighted survival curve.
    """
    months = np.asarray(months, float)
    data = []
    for row in scenarios.itertuples(index=False):
        grade, p = row.liver_grade, float(row.probability)
        curve = np.asarray(curves[grade], float)
        at = float(np.interp(horizon, months, curve))
        data.append(_line(
            months, curve, GRADE_COLORS.get(grade, REFERENCE_COLOR),
            _("If the liver shows {grade} (chance {p:.0%}): {at:.0%} at {v0:g} years").format(grade=grade, p=p, at=at, v0=horizon / 12),
            width=1.5 + 4 * p,
            hovertemplate="%{x:.0f} months: %{y:.1%}<extra>" + grade + "</extra>"))
    expected = np.asarray(expected, float)
    data.append(_line(
        months, expected, "#222222",
        _("Expected before the biopsy: {v0:.0%} at {v1:g} years").format(v0=np.interp(horizon, months, expected), v1=horizon / 12), line={"dash": "dot"},
        hovertemplate="%{x:.0f} months: %{y:.1%}<extra>expected</extra>"))
    return _figure(data, _("Before the biopsy: survival under each possible liver grade"),
                   height=540, synthetic=synthetic, legend={"orientation": "v", "yanchor": "top", "y": -0.18,
                                       "x": 0}, **_survival_axes(months[-1]))
