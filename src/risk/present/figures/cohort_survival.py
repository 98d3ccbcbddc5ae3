"""Survival figures for the tumor board: Kaplan-Meier curves with confidence bands and a
number-at-risk table under the plot, and a forest plot of hazard ratios.

Curves are drawn from the aggregated Kaplan-Meier table (one point per distinct time,
thinned to a fine month grid when there are very many), never one trace per patient.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from risk.cohort.disclosure import NO_SUPPRESSION, Disclosure
from risk.cohort.forest import ForestResult
from risk.cohort.survival import SurvivalByGroup
from risk.i18n import _, format_integer, format_number
from risk.present.figures.patient import OUTCOME_WORDS
from risk.present.figures.style import (
    BLUE,
    FONT_SIZE,
    GREY,
    NOTE_WIDTH,
    SYNTHETIC_NOTE,
    darker,
    group_colors,
    message_figure,
    rgba,
    style,
    wrap_text,
)
from risk.stats.kaplan_meier import SurvivalCurve

if TYPE_CHECKING:
    import pandas as pd

#: Above this many steps within the plotted range a curve is drawn on a fine grid.
MAX_POINTS_PER_CURVE = 1_500
#: Width of a digit in Arial/Helvetica, in em (a comma is narrower: this errs wide).
_DIGIT_EM = 0.6


def format_p(p: float) -> str:
    """'p < 0.001' or 'p = 0.042'."""
    if p is None or not np.isfinite(p):
        return _("p not available")
    return "p < 0.001" if p < 0.001 else f"p = {p:.3f}"


def _format_months(m: float) -> str:
    return _("not reached") if not np.isfinite(m) else _("{months} mo").format(
        months=format_number(m, 1))


def _step_values(curve: SurvivalCurve, max_months: float, max_points: int
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
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


def drawn_until(curve: SurvivalCurve, rule: Disclosure) -> float:
    """The last month a curve is drawn to under ``rule``: where at least ``threshold``
    patients are still at risk (each later step would be one of fewer patients)."""
    if not rule.active:
        return np.inf
    enough = curve.at_risk >= rule.threshold
    return float(curve.times[enough].max()) if enough.any() else 0.0


def drawn_curves(result: SurvivalByGroup, rule: Disclosure) -> tuple[SurvivalCurve, ...]:
    """The curves drawn under ``rule``: those of groups with at least ``threshold``."""
    return tuple(c for c in result.curves if not rule.active or c.n >= rule.threshold)


def survival_by_group_figure(result: SurvivalByGroup, *, max_months: float = 120,
                             max_points: int = MAX_POINTS_PER_CURVE,
                             synthetic: bool = False,
                             synthetic_note: str = SYNTHETIC_NOTE,
                             rule: Disclosure = NO_SUPPRESSION,
                             sizes_hidden: dict[str, bool] | None = None) -> go.Figure:
    """Kaplan-Meier curves by group with 95% bands, the number at risk under the plot
    and the log-rank p-value. ``synthetic`` marks the figure with ``synthetic_note``.
    Under an active ``rule`` (:mod:`risk.cohort.disclosure`) groups smaller than its
    threshold are not drawn, curves stop where fewer remain at risk, and small numbers
    at risk read "<5" (``sizes_hidden``: group sizes hidden elsewhere on the page)."""
    words = OUTCOME_WORDS[result.outcome].capitalize()
    title = _("{outcome} by {grouping}").format(
        outcome=words, grouping=result.title[0].lower() + result.title[1:])
    if not result.curves:
        return message_figure(title, " ".join(result.notes) or _("No patients."),
                              synthetic=synthetic)
    sizes_hidden = sizes_hidden or {}
    curves = drawn_curves(result, rule)
    if not curves:
        return message_figure(title, _("Every group has fewer than {threshold} patients: no "
                                       "curve is drawn.").format(threshold=rule.threshold),
                              synthetic=synthetic)
    labels = [c.label for c in result.curves]
    colors = group_colors(labels)
    plot_px, table_px, gap_px = 440, 34 * len(labels), 100
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True,
                        vertical_spacing=gap_px / (plot_px + table_px + gap_px),
                        row_heights=[plot_px, table_px])
    traces = []
    for curve in curves:
        color = colors[curve.label]
        t, s, lo, hi = _step_values(curve, min(max_months, drawn_until(curve, rule)),
                                    max_points)
        x, y_hi = _step_xy(t, hi)
        y_lo = _step_xy(t, lo)[1]
        traces.append(go.Scatter(
            x=np.concatenate([x, x[::-1]]), y=np.concatenate([y_hi, y_lo[::-1]]),
            mode="none", fill="toself", fillcolor=rgba(color, 0.15), line={"width": 0},
            hoverinfo="skip", showlegend=False, legendgroup=curve.label))
        x, y = _step_xy(t, s)
        traces.append(go.Scatter(
            x=x, y=y, mode="lines", line={"color": color, "width": 3.5},
            name=_("{group}: n = {n}, median {median}").format(
                group=curve.label, n=rule.count(curve.n, sizes_hidden.get(curve.label, False)),
                median=_format_months(curve.median)),
            legendgroup=curve.label,
            hovertemplate=_("{group}<br>{months} months: {survival}").format(
                group=curve.label, months="%{x:.1f}", survival="%{y:.1%}")
            + "<extra></extra>"))
    fig.add_traces(traces, rows=[1] * len(traces), cols=[1] * len(traces))
    _at_risk_rows(fig, result, colors, max_months, rule, sizes_hidden)
    ticks = np.arange(0, max_months + 1, 12)
    fig.update_xaxes(range=[0, max_months], tickvals=ticks, showticklabels=True,
                     title=_("Months since the liver biopsy"), row=1, col=1)
    fig.update_xaxes(range=[0, max_months], visible=False, row=2, col=1)
    fig.update_yaxes(title=words, tickformat=".0%", range=[0, 1.02], row=1, col=1)
    fig.update_yaxes(range=[len(labels) - 0.5, -0.5], showgrid=False, zeroline=False,
                     tickmode="array", tickvals=labels, ticktext=labels, ticks="",
                     ticklabelstandoff=at_risk_standoff(result), row=2, col=1)
    fig.add_annotation(text=_("Number at risk"), xref="paper", yref="y2 domain", x=0, y=1.0,
                       xanchor="right", yanchor="bottom", showarrow=False,
                       font={"size": FONT_SIZE - 2})
    if result.logrank is not None:
        text = _("Log-rank {p}").format(p=format_p(result.logrank.p_value))
        if len(result.logrank.groups) > 2:
            text = _("Log-rank {p} ({n} groups; pairwise tests in the table)").format(
                p=format_p(result.logrank.p_value), n=len(result.logrank.groups))
        fig.add_annotation(text=text, xref="x", yref="y", x=max_months, y=1.0,
                           xanchor="right", yanchor="top", showarrow=False,
                           font={"size": FONT_SIZE}, bgcolor="rgba(255,255,255,0.8)")
    fig.update_layout(legend={"orientation": "h", "yanchor": "bottom", "y": 1.02, "x": 0,
                              "font": {"size": FONT_SIZE - 2}})
    notes = [_("Shaded: 95% confidence band. Numbers at risk: patients still followed at "
               "that month."), *result.notes]
    if rule.active:
        if result.left_out:  # notes[0] of the result words the count: reworded here
            notes[1] = (_("{n} patients without follow-up are left out.")
                        if result.outcome == "os" else
                        _("{n} patients without progression-free survival are left "
                          "out.")).format(n=rule.count(result.left_out))
        missing = [c.label for c in result.curves if c not in curves]
        notes.append((_("Small numbers suppressed: groups with fewer than {threshold} "
                        "patients are not drawn ({groups}); each curve stops where fewer "
                        "than {threshold} patients remain at risk.") if missing else
                      _("Small numbers suppressed: groups with fewer than {threshold} "
                        "patients are not drawn; each curve stops where fewer than "
                        "{threshold} patients remain at risk.")).format(
                          threshold=rule.threshold, groups=", ".join(missing)))
    # top: room for the legend above the plot
    top = 130 + 36 * ((len(labels) + 1) // 2)
    lines = sum(len(wrap_text(n, NOTE_WIDTH)) for n in notes)
    height = top + plot_px + gap_px + table_px + 110 + 26 * lines
    return style(fig, title, synthetic=synthetic, height=height, notes=notes, top=top,
                 synthetic_note=synthetic_note)


def at_risk_standoff(result: SurvivalByGroup) -> int:
    """Pixels between the group names and the number-at-risk table: the counts at month 0
    are centred on the axis, so the widest one ("100,000") reaches half its width to the
    left and must not touch the name."""
    widest = max((len(format_integer(int(n))) for n in result.at_risk.iloc[:, 0]), default=1) \
        if not result.at_risk.empty else 1
    return 20 + int(np.ceil(widest * (FONT_SIZE - 2) * _DIGIT_EM / 2))


def _at_risk_rows(fig: go.Figure, result: SurvivalByGroup, colors: dict[str, str],
                  max_months: float, rule: Disclosure = NO_SUPPRESSION,
                  sizes_hidden: dict[str, bool] | None = None) -> None:
    months = [m for m in result.at_risk.columns if m <= max_months]
    hidden = sizes_hidden or {}
    rows = [go.Scatter(
        x=months, y=[label] * len(months), mode="text",
        text=[rule.count(c, k == 0 and hidden.get(label, False))
              for k, c in enumerate(result.at_risk.loc[label, months])],
        textfont={"size": FONT_SIZE - 2, "color": darker(colors[label])},
        cliponaxis=False, showlegend=False, hoverinfo="skip")
        for label in result.at_risk.index]
    fig.add_traces(rows, rows=[2] * len(rows), cols=[1] * len(rows))


#: Forest-plot rows: pixels per row, and the type size of the labels and estimates.
FOREST_ROW_PX = 28
FOREST_TEXT_SIZE = FONT_SIZE - 3
#: A covariate with one compared level takes one row ("Sex: Male vs Female") when the
#: label is at most this long; otherwise, and with several levels, a header row names the
#: covariate and its reference, and each level follows on its own row.
FOREST_ONE_ROW_CHARS = 40
#: Approximate width of one label character, as a share of a 900-pixel-wide figure.
_CHAR_SHARE = 0.0085
_INDENT = "\u2003"  # an em space: level rows stand in from their header


def forest_rows(table: pd.DataFrame) -> list[tuple[str, int | None]]:
    """The forest plot's rows top to bottom: (label, index of the table row or None).

    ``None`` marks a header row (the covariate and its reference, no estimate).
    """
    rows: list[tuple[str, int | None]] = []
    for covariate, part in table.groupby("covariate", sort=False):
        references = [r for r in dict.fromkeys(part["reference"]) if r]
        one = f"{covariate}: {part['comparison'].iloc[0]}"
        if len(part) == 1 and (not references or len(one) <= FOREST_ONE_ROW_CHARS):
            label = f"{covariate}, {part['level'].iloc[0]}" if not references else one
            rows.append((label, part.index[0]))
            continue
        versus = _(" (vs {reference})").format(reference=references[0]) \
            if len(references) == 1 else ""
        rows.append((f"<b>{covariate}</b>{versus}", None))
        rows += [(_INDENT + (level if versus else comparison), i) for i, level, comparison
                 in zip(part.index, part["level"], part["comparison"], strict=True)]
    return rows


def forest_plot(result: ForestResult, *, synthetic: bool = False) -> go.Figure:
    """Hazard ratios with 95% intervals on a log axis, reference line at 1.

    Laid out as in a paper: the characteristics in their own column on the left (a
    covariate with several levels under a header that names its reference), the plot in
    the middle, and each hazard ratio with its interval written on the right. Rows
    without an estimate (too few patients or deaths) are listed in a note.
    """
    title = _("Hazard ratios on the shown cohort (Cox model)")
    if not result.ok:
        return message_figure(title, result.message or _("No hazard ratios to show."),
                              synthetic=synthetic)
    table = result.table
    shown = table[table["hazard_ratio"].notna()].reset_index(drop=True)
    rows = forest_rows(shown)
    at = [k for k, (_label, i) in enumerate(rows) if i is not None]
    picked = shown.loc[[i for _label, i in rows if i is not None]]
    hr, low, high = (picked[c].to_numpy(dtype=float)
                     for c in ("hazard_ratio", "lower_95", "upper_95"))
    summaries = [f"{h:.2f} ({lo:.2f}-{hi:.2f})" for h, lo, hi in zip(hr, low, high, strict=True)]
    names = [f"{c}: {v}" for c, v in zip(picked["covariate"], picked["comparison"], strict=True)]
    label_share = min(0.5, max(0.25, _CHAR_SHARE * max(len(_plain(t)) for t, _i in rows)))
    plot_domain = [label_share + 0.02, 0.8]
    text = {"size": FOREST_TEXT_SIZE}
    fig = go.Figure([
        go.Scatter(
            x=hr, y=at, mode="markers", marker={"symbol": "square", "size": 12, "color": BLUE},
            error_x={"type": "data", "symmetric": False, "array": high - hr,
                     "arrayminus": hr - low, "thickness": 2.5, "width": 6, "color": BLUE},
            customdata=np.column_stack([names, summaries, picked["p_value"].map(format_p)]),
            hovertemplate="%{customdata[0]}<br>HR %{customdata[1]}, %{customdata[2]}"
                          "<extra></extra>", showlegend=False),
        # the characteristics, left-aligned in their own column
        go.Scatter(x=[0.0] * len(rows), y=list(range(len(rows))), xaxis="x2", mode="text",
                   text=[t for t, _i in rows], textposition="middle right", textfont=text,
                   cliponaxis=False, hoverinfo="skip", showlegend=False),
        # "HR (95% CI)" written beside each row
        go.Scatter(x=[0.0] * len(at), y=at, xaxis="x3", mode="text", text=summaries,
                   textposition="middle right", textfont=text, cliponaxis=False,
                   hoverinfo="skip", showlegend=False),
    ])
    span = np.concatenate([low, high, [1.0]])
    span = span[np.isfinite(span) & (span > 0)]
    ticks = forest_ticks(span.min(), span.max())
    hidden = {"visible": False, "range": [0, 1], "fixedrange": True}
    fig.update_layout(
        xaxis={"type": "log", "domain": plot_domain, "tickangle": 0,
               "range": [np.log10(span.min()) - 0.1, np.log10(span.max()) + 0.1],
               "tickvals": ticks, "ticktext": [f"{t:g}" for t in ticks],
               "title": {"text": _("Hazard ratio (log scale; > 1 means shorter survival)")}},
        xaxis2={**hidden, "domain": [0.0, label_share]},
        xaxis3={**hidden, "domain": [plot_domain[1] + 0.02, 1.0]},
        yaxis={"range": [len(rows) - 0.5, -0.5], "visible": False, "fixedrange": True},
        annotations=[{"text": "<b>HR (95% CI)</b>", "xref": "x3 domain", "x": 0,
                      "xanchor": "left", "yref": "paper", "y": 1.0, "yanchor": "bottom",
                      "showarrow": False, "font": text}])
    fig.add_vline(x=1.0, line={"color": GREY, "width": 2, "dash": "dash"})
    notes = [_("Cox proportional-hazards model (Efron ties) on the shown cohort: "
               "{patients} patients, {deaths} deaths. Each row is compared with the named "
               "reference, the other rows held equal.").format(
                   patients=format_integer(result.patients),
                   deaths=format_integer(result.deaths)), *result.notes]
    skipped = table[table["hazard_ratio"].isna()]
    if not skipped.empty:
        notes.append(_("Not estimated: {rows}").format(rows="; ".join(
            f"{c}: {v} ({n})" for c, v, n in
            zip(skipped["covariate"], skipped["comparison"], skipped["note"], strict=True))))
    lines = sum(len(wrap_text(n, NOTE_WIDTH)) for n in notes)
    top = 120  # the title, then the column heading
    fig = style(fig, title, synthetic=synthetic, notes=notes, top=top,
                height=top + FOREST_ROW_PX * len(rows) + 110 + 26 * lines)
    fig.update_layout(margin={"l": 20, "r": 20})  # the three columns span the width
    return fig


def forest_ticks(low: float, high: float) -> list[float]:
    """Hazard-ratio ticks for a log axis from ``low`` to ``high``: finer steps for a
    narrow range, coarser for a wide one, so that labels never run together."""
    decades = np.log10(high / low)
    steps: tuple[float, ...]
    if decades <= 1.2:
        steps = (0.1, 0.2, 0.3, 0.5, 1, 2, 3, 5, 10, 20, 50)
    elif decades <= 2.2:
        steps = (0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50)
    else:
        steps = (0.01, 0.03, 0.1, 0.3, 1, 3, 10, 30, 100)
    return [t for t in steps if low / 1.3 <= t <= high * 1.3]


def _plain(label: str) -> str:
    """A label without its markup (for its length)."""
    return label.replace("<b>", "").replace("</b>", "")
