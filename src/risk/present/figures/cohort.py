"""Tumor-board cohort figures: pure builders that return ``go.Figure`` (no rendering).

Every builder takes results that are already aggregated (transition counts, a histogram,
rates) or samples its points, so a 100,000-patient cohort sends a few thousand numbers to
the browser. ``synthetic=True`` marks the figure "Synthetic data". Survival figures (Kaplan-
Meier with numbers at risk, forest plot) are in :mod:`risk.present.figures.cohort_survival`.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from risk import schema
from risk.cohort import shown as disclosed
from risk.cohort.disclosure import HIDDEN, NO_SUPPRESSION, Disclosure
from risk.cohort.shown import ShownTransitions
from risk.cohort.summary import GradeTransitions, group_labels, sankey_data
from risk.cohort.tables import risk_percentile
from risk.grading import KI67_G2_FROM, KI67_G2_TO
from risk.i18n import _, format_integer, format_number, format_percent, ngettext
from risk.present.figures.cohort_survival import forest_plot, survival_by_group_figure
from risk.present.figures.style import (
    CHANGE_COLORS,
    FONT_SIZE,
    GRADE_COLORS,
    GREY,
    SKY_BLUE,
    SYNTHETIC_NOTE,
    VERMILLION,
    group_colors,
    message_figure,
    rgba,
    style,
)
from risk.schema import GRADES

if TYPE_CHECKING:
    from numpy.typing import ArrayLike

__all__ = ["complication_chart", "forest_plot", "ki67_scatter", "risk_distribution",
           "survival_by_group_figure", "transition_heatmap", "transition_sankey"]

#: Above this many patients the Ki-67 scatter shows a fixed-seed random sample.
MAX_SCATTER_POINTS = 5_000
#: Ki-67 values below this are drawn at it on the log axis.
KI67_FLOOR = 0.1
#: A heatmap cell without patients (or with its share suppressed): an en dash, not "0%".
EMPTY_CELL = "\u2013"


def _grade_of_label(text: str) -> str | None:
    return next((g for g in GRADES if text.startswith(g)), None)


def _change_color(primary: str, liver: str) -> str:
    """The link colour of a grade change, from the grade labels at both ends."""
    p, m = _grade_of_label(primary), _grade_of_label(liver)
    if p is None or m is None:
        return GREY
    step = GRADES.index(m) - GRADES.index(p)
    key = {0: "concordant", 1: "upgraded", -1: "downgraded"}[int(np.sign(step))]
    return CHANGE_COLORS[key]


def transition_sankey(transitions: GradeTransitions, *, synthetic: bool = False,
                      shown: ShownTransitions | None = None) -> go.Figure:
    """Sankey diagram: primary grade (left) to liver-biopsy grade (right).

    Nodes are coloured by grade; links by the change (same grade blue, upgraded
    vermillion, downgraded green, not assessed grey). With ``shown`` (the counts under
    an active small-cell rule) a suppressed link is drawn at a nominal width and
    labelled as suppressed, and the nodes' hover names no count.
    """
    title = _("Primary grade to liver-biopsy grade (n = {n})").format(
        n=format_integer(transitions.n))
    if transitions.n == 0:
        return message_figure(title, _("No patients in the shown cohort."), synthetic=synthetic)
    data = sankey_data(transitions, shown)
    # the grades of the nodes, in their order (the node names are worded)
    grades = [*map(str, transitions.counts.index), *map(str, transitions.counts.columns)]
    node_colors = [GRADE_COLORS.get(_grade_of_label(g) or "", GREY) for g in grades]
    link_colors = [rgba(_change_color(grades[s], grades[t]), 0.45)
                   for s, t in zip(data.sources, data.targets, strict=True)]
    x, y = _sankey_positions(transitions, shown)
    node = {"label": list(data.nodes), "color": node_colors, "pad": 24, "thickness": 26,
            "line": {"width": 0}, "x": x, "y": y}
    notes = [_("Link colour: blue same grade, vermillion upgraded, green downgraded, grey not "
               "assessed.")]
    if shown is not None and shown.rule.active:
        node["hovertemplate"] = "%{label}<extra></extra>"
        notes.append(_("Small numbers suppressed: a link of 1 to {most} patients, or one "
                       "hidden to protect it, is drawn at a nominal width of "
                       "{threshold}.").format(most=shown.rule.threshold - 1,
                                              threshold=shown.rule.threshold))
    fig = go.Figure(go.Sankey(
        arrangement="fixed",
        node=node,
        link={"source": list(data.sources), "target": list(data.targets),
              "value": list(data.values), "color": link_colors,
              "customdata": list(data.link_labels),
              "hovertemplate": "%{customdata}<extra></extra>"},
        textfont={"size": FONT_SIZE},
    ))
    return style(fig, title, synthetic=synthetic, notes=notes)


def _sankey_positions(transitions: GradeTransitions, shown: ShownTransitions | None = None
                      ) -> tuple[list[float], list[float]]:
    """Node centres that keep grade order top to bottom (G1 first, "Not assessed" last),
    from the drawn link widths."""
    counts = transitions.counts
    if shown is not None and shown.rule.active:
        drawn = np.where(shown.grid.cells | (counts.to_numpy() < shown.rule.threshold)
                         & (counts.to_numpy() > 0), shown.rule.threshold, counts.to_numpy())
        counts = pd.DataFrame(drawn, index=counts.index, columns=counts.columns)
    xs, ys = [], []
    for x, totals in ((0.001, counts.sum(axis=1)), (0.999, counts.sum(axis=0))):
        share = totals.to_numpy(dtype=float) / max(totals.sum(), 1)
        gap = 0.04
        top = np.concatenate([[0.0], np.cumsum(share + gap)[:-1]])
        scale = 1.0 / (1.0 + gap * (len(share) - 1))
        xs += [x] * len(share)
        ys += list(np.clip((top + share / 2) * scale, 0.001, 0.999))
    return xs, ys


def transition_heatmap(transitions: GradeTransitions, *, synthetic: bool = False,
                       shown: ShownTransitions | None = None) -> go.Figure:
    """Transition matrix as a heatmap: colour = % of the row, text = count and row %.
    With ``shown`` (an active small-cell rule) suppressed cells read "<5" or "hidden",
    uncoloured, and a row percentage shows only when its count and row total do."""
    counts, percent = transitions.counts, transitions.row_percent
    title = _("Grade transitions, primary to liver biopsy (n = {n})").format(
        n=format_integer(transitions.n))
    if transitions.n == 0:
        return message_figure(title, _("No patients in the shown cohort."), synthetic=synthetic)
    notes = [_("Each cell: patients and % of the primary grade's row. Diagonal = same grade; "
               "right of it = upgraded; '{empty}' = no patients.").format(empty=EMPTY_CELL)]
    if shown is not None and shown.rule.active:
        percent = pd.DataFrame([[shown.percent(i, j) for j in range(counts.shape[1])]
                                for i in range(counts.shape[0])],
                               index=counts.index, columns=counts.columns)
        cells = [[shown.cell(i, j) for j in range(counts.shape[1])]
                 for i in range(counts.shape[0])]
        notes.append(_("Small numbers suppressed: '{mark}' is 1 to {most} patients; "
                       "'{hidden}' protects one.").format(mark=shown.rule.mark,
                                                          most=shown.rule.threshold - 1,
                                                          hidden=_(HIDDEN)))
    else:
        cells = counts.to_numpy().tolist()
    text = [[heatmap_cell(c, percent.iat[i, j]) for j, c in enumerate(row)]
            for i, row in enumerate(cells)]
    fig = go.Figure(go.Heatmap(
        z=percent.fillna(0).to_numpy(), x=list(counts.columns), y=list(counts.index),
        text=text, texttemplate="%{text}", textfont={"size": FONT_SIZE + 2},
        colorscale="Blues", zmin=0, zmax=100,
        colorbar={"title": {"text": _("% of row")}, "ticksuffix": "%"},
        hovertemplate=_("Primary {primary}<br>Liver {liver}<br>{cell}").format(
            primary="%{y}", liver="%{x}", cell="%{text}") + "<extra></extra>",
    ))
    # the grade's Ki-67 range on a second line: level labels, not slanted into the notes
    fig.update_xaxes(title=counts.columns.name, side="bottom", tickangle=0, tickmode="array",
                     tickvals=list(counts.columns),
                     ticktext=[re.sub(r"\s*([（(])", r"<br>\1", str(c), count=1)
                               for c in counts.columns])
    fig.update_yaxes(title=counts.index.name, autorange="reversed")
    return style(fig, title, synthetic=synthetic, notes=notes)


def heatmap_cell(count: int | str, percent: float) -> str:
    """A transition cell's text: the count over its row share ("12<br>34%"); a cell
    without patients reads only :data:`EMPTY_CELL`, a suppressed share none."""
    if isinstance(count, int | np.integer) and count == 0:
        return EMPTY_CELL
    number = format_integer(int(count)) if isinstance(count, int | np.integer) else str(count)
    if not np.isfinite(percent):
        return f"{number}<br>{EMPTY_CELL}"
    return f"{number}<br>{format_percent(percent / 100)}"


def ki67_scatter(frame: pd.DataFrame, *, max_points: int = MAX_SCATTER_POINTS, seed: int = 0,
                 synthetic: bool = False) -> go.Figure:
    """Ki-67 of the primary (x) against Ki-67 of the liver biopsy (y), log axes, with the
    WHO 3% and 20% grade limits on both axes; coloured by grade change.

    Above ``max_points`` patients a fixed-seed random sample is drawn and a note says so.
    """
    title = _("Ki-67: primary tumor vs liver biopsy")
    columns = ["primary_ki67", "met_ki67", "grade_change"]
    both = frame[columns][frame["primary_ki67"].notna() & frame["met_ki67"].notna()]
    if both.empty:
        return message_figure(title, _("No patient has both a primary and a liver-biopsy "
                                       "Ki-67 in the shown cohort."), synthetic=synthetic)
    notes = []
    # legend counts are of every patient with both values, sampled or not
    totals = group_labels(both, "grade_change").value_counts()
    if len(both) > max_points:
        notes.append(_("Showing a random sample of {shown} of {n} patients with both Ki-67 "
                       "values (fixed seed {seed}).").format(shown=format_integer(max_points),
                                                             n=format_integer(len(both)),
                                                             seed=seed))
        both = both.sample(n=max_points, random_state=seed)
    else:
        notes.append(ngettext("{n} patient with both Ki-67 values.",
                              "{n} patients with both Ki-67 values.", len(both)).format(
                                  n=format_integer(len(both))))
    x = both["primary_ki67"].to_numpy(dtype=float)
    y = both["met_ki67"].to_numpy(dtype=float)
    if (x < KI67_FLOOR).any() or (y < KI67_FLOOR).any():
        notes.append(_("Ki-67 below {floor}% is drawn at {floor}% (log scale).").format(
            floor=f"{KI67_FLOOR:g}"))
    x, y = np.maximum(x, KI67_FLOOR), np.maximum(y, KI67_FLOOR)
    groups = group_labels(both, "grade_change")
    colors = group_colors(groups.cat.categories)
    fig = go.Figure()
    for name in groups.cat.categories:
        mask = (groups == name).to_numpy()
        fig.add_trace(go.Scatter(
            x=x[mask], y=y[mask], mode="markers",
            name=f"{name} ({format_integer(int(totals[name]))})",
            marker={"color": colors[name], "size": 8, "opacity": 0.7,
                    "line": {"width": 0.5, "color": "white"}},
            hovertemplate=_("Primary {primary}%<br>Liver {liver}%").format(
                primary="%{x:.1f}", liver="%{y:.1f}") + "<extra>" + str(name) + "</extra>"))
    fig.add_trace(go.Scatter(x=[KI67_FLOOR, 100], y=[KI67_FLOOR, 100], mode="lines",
                             line={"color": GREY, "dash": "dot", "width": 1.5},
                             name=_("Same Ki-67"), hoverinfo="skip"))
    # WHO limits on both axes, and the grade names along the top (one layout update).
    line = {"color": "#555555", "dash": "dash", "width": 1.5}
    shapes = [shape for limit in (KI67_G2_FROM, KI67_G2_TO) for shape in (
        {"type": "line", "xref": "x", "yref": "paper", "x0": limit, "x1": limit,
         "y0": 0, "y1": 1, "line": line},
        {"type": "line", "xref": "paper", "yref": "y", "x0": 0, "x1": 1,
         "y0": limit, "y1": limit, "line": line})]
    labels = [{"x": np.log10(position), "y": 1.0, "yref": "paper", "yanchor": "bottom",
               "text": text, "showarrow": False, "font": {"size": FONT_SIZE - 2}}
              for text, position in (("G1", 0.5), ("G2", 8.0), ("G3", 50.0))]
    fig.update_layout(shapes=shapes, annotations=labels)
    axis = {"type": "log", "range": [np.log10(KI67_FLOOR), 2.0],
            "tickvals": [0.1, 1, 3, 10, 20, 100], "ticktext": ["0.1", "1", "3", "10", "20", "100"]}
    fig.update_xaxes(title=f"{schema.column_label('primary_ki67')} (%)", **axis)
    fig.update_yaxes(title=f"{schema.column_label('met_ki67')} (%)", **axis)
    notes.append(_("Dashed lines: WHO grade limits at 3% and 20%."))
    return style(fig, title, synthetic=synthetic, height=640, notes=notes)


def risk_distribution(cohort_scores: ArrayLike, patient_score: float | None = None, *,
                      bins: int = 40,
                      score_label: str = "",
                      synthetic: bool = False,
                      synthetic_note: str = SYNTHETIC_NOTE, rule: Disclosure = NO_SUPPRESSION) -> go.Figure:
    """Histogram of the cohort's risk scores (binned here, not in the browser), with the
    patient's score marked and their percentile in words. ``synthetic`` marks the figure
    with ``synthetic_note`` (e.g. :data:`SYNTHETIC_MODEL_NOTE` for real patients scored
    by a model trained on synthetic data). Under an active small-cell ``rule`` a bin of
    suppressed count is drawn at the threshold's height, lighter, reading "<5" or
    "hidden", and the patient's percentile is worded by
    :func:`risk.cohort.shown.percentile_words`."""
    scores = np.asarray(cohort_scores, dtype=float)
    scores = scores[np.isfinite(scores)]
    title = _("Risk scores in the cohort (n = {n})").format(n=format_integer(scores.size))
    if scores.size == 0:
        return message_figure(title, _("No risk scores for this cohort."), synthetic=synthetic)
    if rule.active:  # wider bins: fewer of them fall under the threshold
        bins = max(5, min(bins, scores.size // (2 * rule.threshold)))
    counts, edges = np.histogram(scores, bins=bins)
    notes = []
    bar: dict[str, Any] = {"y": counts, "marker": {"color": SKY_BLUE,
                                         "line": {"width": 0.5, "color": "white"}},
                 "hovertemplate": _("Score {score}<br>{n} patients").format(
                     score="%{x:.2f}", n="%{y:,}") + "<extra></extra>"}
    if rule.active:
        hidden = disclosed.protect_list(counts, rule)
        off = hidden | np.array([rule.small(c) for c in counts], dtype=bool)
        bar = {"y": np.where(off, rule.threshold, counts),
               "customdata": [rule.count(c, h) for c, h in zip(counts, hidden, strict=True)],
               "marker": {"color": [rgba(SKY_BLUE, 0.35) if o else SKY_BLUE for o in off],
                          "line": {"width": 0.5, "color": "white"}},
               "hovertemplate": _("Score {score}<br>{n} patients").format(
                   score="%{x:.2f}", n="%{customdata}") + "<extra></extra>"}
        notes.append(_("Small numbers suppressed: a lighter bar holds {mark} patients, or is "
                       "hidden to protect one, and is drawn at a height of {threshold}.").format(
                           mark=rule.mark, threshold=rule.threshold))
    fig = go.Figure(go.Bar(x=(edges[:-1] + edges[1:]) / 2, width=np.diff(edges),
                           name=_("Cohort"), **bar))
    if patient_score is not None and np.isfinite(patient_score):
        percentile = risk_percentile(scores, patient_score)
        below = int(np.count_nonzero(scores < patient_score))
        above = int(np.count_nonzero(scores > patient_score))
        words = disclosed.percentile_words(rule, below, above, percentile, of_cohort=True)
        fig.add_vline(x=patient_score, line={"color": VERMILLION, "width": 4})
        left_half = patient_score < (edges[0] + edges[-1]) / 2
        fig.add_annotation(x=patient_score, y=1.0, yref="paper", yanchor="bottom",
                           xanchor="left" if left_half else "right",
                           text=_("This patient: {percentile}").format(percentile=words),
                           showarrow=False, font={"size": FONT_SIZE, "color": VERMILLION})
        notes.append(_("Percentile: share of cohort patients with a lower score (ties count "
                       "half)."))
    fig.update_xaxes(title=score_label or _("Risk score (higher = higher risk)"))
    fig.update_yaxes(title=_("Patients (count)"))
    fig.update_layout(showlegend=False, bargap=0)
    return style(fig, title, synthetic=synthetic, notes=notes, synthetic_note=synthetic_note)


def complication_chart(rates: pd.DataFrame | None, *, synthetic: bool = False,
                       rule: Disclosure = NO_SUPPRESSION, patients: int = 0) -> go.Figure:
    """Minor, major and any biopsy complication (%) with Wilson 95% intervals, from
    :func:`risk.cohort.tables.complication_rates` (the "none" share is left out: it is
    100% minus "any" and would flatten the bars that matter). Under an active small-cell
    ``rule`` (``patients``: the shown cohort's size) a suppressed count has no bar."""
    title = _("Liver biopsy complications")
    if rates is None or rates.empty:
        return message_figure(title, _("This cohort has no biopsy complication column."),
                              synthetic=synthetic)
    notes = []
    if rule.active:
        rates = disclosed.shown_complications(rates, rule, patients)
        notes.append(_("Small numbers suppressed: '{mark}' is 1 to {most} patients ('{hidden}' "
                       "protects one); their bars are not drawn.").format(
                           mark=rule.mark, most=rule.threshold - 1, hidden=_(HIDDEN)))
    assessed = rates["assessed"].iloc[0]
    rates = rates[rates["outcome"] != schema.label("biopsy_complication", "none")]
    colors = {schema.label("biopsy_complication", "minor"): SKY_BLUE,
              schema.label("biopsy_complication", "major"): VERMILLION}
    ticks = [f"{o}<br>{_n(k)}/{_n(assessed)}"
             + ("" if np.isnan(p) else f" ({format_number(p, 1)}%)")
             for o, k, p in zip(rates["outcome"], rates["patients"], rates["percent"],
                                strict=True)]
    fig = go.Figure(go.Bar(
        x=ticks, y=rates["percent"],
        marker={"color": [colors.get(o, "#0072B2") for o in rates["outcome"]]},
        error_y={"type": "data", "symmetric": False, "thickness": 2, "width": 10,
                 "array": rates["upper_95"] - rates["percent"],
                 "arrayminus": rates["percent"] - rates["lower_95"]},
        hovertemplate="%{x}<extra></extra>"))
    top = float(np.nanmax(rates["upper_95"])) if rates["upper_95"].notna().any() else 10.0
    fig.update_yaxes(title=_("Patients (%)"), ticksuffix="%",
                     range=[0, min(100, top * 1.3 + 2)])
    fig.update_xaxes(title=_("Complication of the liver biopsy"))
    notes.insert(0, _("{n} patients with a recorded outcome; bars: 95% Wilson "
                      "intervals.").format(n=_n(assessed)))
    not_recorded = rates.attrs.get("not_recorded", 0)
    if not_recorded not in (0, "0"):  # a cell under the small-cell rule is text
        notes.append(_("{n} patients without a recorded outcome are left out.").format(
            n=_n(not_recorded)))
    return style(fig, _("{title} (95% intervals)").format(title=title), synthetic=synthetic,
                 notes=notes)


def _n(count: int | float | str) -> str:
    """A count as text ("1,234"), or the small-cell rule's text as it is."""
    return count if isinstance(count, str) else format_integer(int(count))
