"""The cohort figures' text alternatives (WCAG 1.1.1): each chart's main finding in a
sentence and its data as a table a person reads, from the same results the figures draw
and under the same small-cell rule (a suppressed count reads "<5" or "hidden", its share
is not given)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from risk.cohort.disclosure import NO_SUPPRESSION, Disclosure
from risk.cohort.forest import ForestResult
from risk.cohort.shown import ShownTransitions
from risk.cohort.summary import group_labels
from risk.cohort.survival import SurvivalByGroup
from risk.i18n import _, format_integer, format_number, format_percent
from risk.present.figures.cohort import EMPTY_CELL
from risk.present.figures.cohort_survival import drawn_curves, format_p
from risk.present.figures.patient import OUTCOME_WORDS
from risk.schema import GRADES

#: How many of the Sankey diagram's widest flows its finding names.
TOP_FLOWS = 3


def listed(parts: list[str]) -> str:
    """Items of a list in a sentence, separated as the language separates them."""
    # TRANSLATORS: the separator between the items of a list in a sentence
    return _("; ").join(parts)


def transitions_finding(shown: ShownTransitions) -> str:
    """The Sankey diagram's main finding: its widest flows (suppressed ones left out)."""
    counts = shown.transitions.counts
    cells = [(int(counts.iat[i, j]), i, j) for i in range(counts.shape[0])
             for j in range(counts.shape[1])
             if isinstance(shown.cell(i, j), int | np.integer) or str(shown.cell(i, j)).isdigit()]
    flows = [_("{primary} to {liver}: {count}").format(
        primary=counts.index[i], liver=counts.columns[j], count=format_integer(n))
        for n, i, j in sorted(cells, reverse=True)[:TOP_FLOWS] if n > 0]
    if not flows:
        return ""
    return _("Widest flows from the primary grade to the liver-biopsy grade: {flows}.").format(
        flows=listed(flows))


def same_grade_finding(shown: ShownTransitions) -> str:
    """The heatmap's main finding: the share of each primary grade that kept its grade."""
    counts = shown.transitions.counts
    parts = [_("{grade}: {percent}").format(grade=counts.index[i],
                                            percent=format_percent(shown.percent(i, i) / 100))
             for i in range(len(GRADES)) if np.isfinite(shown.percent(i, i))]
    if not parts:
        return ""
    return _("Share of each primary grade that kept the same grade in the liver: "
             "{shares}.").format(
        shares=listed(parts))


def transitions_table(shown: ShownTransitions) -> pd.DataFrame:
    """The transition matrix as read: one row per primary grade, a column per liver-biopsy
    grade, each cell "patients (% of the row)"."""
    counts = shown.transitions.counts

    def cell(i: int, j: int) -> str:
        value, percent = shown.cell(i, j), shown.percent(i, j)
        if isinstance(value, int | np.integer) and value == 0:
            return EMPTY_CELL
        count = format_integer(int(value)) if isinstance(value, int | np.integer) else value
        if not np.isfinite(percent):
            return str(count)
        return _("{count} ({percent})").format(count=count,
                                               percent=format_percent(percent / 100))

    rows = {str(counts.columns[j]): [cell(i, j) for i in range(counts.shape[0])]
            for j in range(counts.shape[1])}
    return pd.DataFrame({str(counts.index.name): [str(r) for r in counts.index], **rows})


def _median_words(months: float) -> str:
    if not np.isfinite(months):
        return _("not reached")
    return _("{months} months").format(months=format_number(months, 1))


def survival_finding(result: SurvivalByGroup, rule: Disclosure = NO_SUPPRESSION) -> str:
    """The Kaplan-Meier chart's main finding: each drawn group's median and the log-rank
    test."""
    curves = drawn_curves(result, rule)
    if not curves:
        return ""
    medians = listed([_("{group}: {median}").format(group=c.label,
                                                     median=_median_words(c.median))
                      for c in curves])
    words = _("Median {outcome} by group: {medians}.").format(
        outcome=OUTCOME_WORDS[result.outcome], medians=medians)
    if result.logrank is not None:
        words += " " + _("Log-rank test across the groups: {p}.").format(
            p=format_p(result.logrank.p_value))
    return words


def forest_finding(result: ForestResult) -> str:
    """The forest plot's main finding: the largest hazard ratio and its interval."""
    if not result.ok:
        return result.message
    table = result.table[result.table["hazard_ratio"].notna()]
    if table.empty:
        return ""
    top = table.loc[table["hazard_ratio"].astype(float).idxmax()]
    return _("Highest hazard ratio: {characteristic}, {comparison}: {hr} (95% CI {low} to "
             "{high}), {p}.").format(
                 characteristic=top["covariate"], comparison=top["comparison"],
                 hr=format_number(float(top["hazard_ratio"]), 2),
                 low=format_number(float(top["lower_95"]), 2),
                 high=format_number(float(top["upper_95"]), 2),
                 p=format_p(float(top["p_value"])))


def ki67_finding(frame: pd.DataFrame) -> str:
    """The Ki-67 scatter's main finding: how often the liver's Ki-67 is the higher."""
    both = frame[frame["primary_ki67"].notna() & frame["met_ki67"].notna()]
    if both.empty:
        return ""
    higher = int((both["met_ki67"] > both["primary_ki67"]).sum())
    return _("Of {n} patients with both Ki-67 values, the liver biopsy's is higher in {k} "
             "({percent}).").format(n=format_integer(len(both)), k=format_integer(higher),
                                    percent=format_percent(higher / len(both)))


def ki67_table(frame: pd.DataFrame) -> pd.DataFrame:
    """Per grade change: patients with both Ki-67 values and the median of each."""
    both = frame[frame["primary_ki67"].notna() & frame["met_ki67"].notna()]
    groups = group_labels(both, "grade_change")
    rows = []
    for name in groups.cat.categories:
        part = both[(groups == name).to_numpy()]
        rows.append({_("Group"): str(name), _("Patients"): format_integer(len(part)),
                     _("Median primary Ki-67 (%)"): format_number(part["primary_ki67"].median(), 1),
                     _("Median liver Ki-67 (%)"): format_number(part["met_ki67"].median(), 1)})
    return pd.DataFrame(rows)


def complications_finding(table: pd.DataFrame) -> str:
    """The complication chart's main finding, from the page's complication table (its
    percentages empty where the rule suppresses them)."""
    shares = []
    for outcome, percent, low, high in table.iloc[:, [0, 3, 4, 5]].itertuples(index=False):
        if outcome == table.iloc[0, 0] or not np.isfinite(percent):
            continue  # the first row is "none"
        shares.append(_("{outcome}: {percent} (95% CI {low} to {high})").format(
            outcome=outcome, percent=f"{format_number(percent, 1)}%",
            low=f"{format_number(low, 1)}%", high=f"{format_number(high, 1)}%"))
    if not shares:
        return ""
    return _("Complications of the liver biopsy, of the patients with a recorded outcome: "
             "{shares}.").format(shares=listed(shares))


def risk_finding(scores: np.ndarray) -> str:
    """The risk histogram's main finding: the median and quartiles of the scores."""
    scores = scores[np.isfinite(scores)]
    if scores.size == 0:
        return ""
    q1, median, q3 = np.percentile(scores, [25, 50, 75])
    return _("Predicted 5-year risk of death in the shown patients: median {median} "
             "(quartiles {q1} to {q3}).").format(
                 median=f"{format_number(median, 0)}%", q1=f"{format_number(q1, 0)}%",
                 q3=f"{format_number(q3, 0)}%")


def histogram_table(fig: go.Figure) -> pd.DataFrame:
    """A histogram's bins as rows: the range and the patients (as the chart's hover says
    them, suppressed counts as text)."""
    bar = next((t for t in fig.data if t.type == "bar"), None)
    if bar is None:
        return pd.DataFrame()
    x, width = np.asarray(bar.x, float), np.asarray(bar.width, float)
    counts = list(bar.customdata) if bar.customdata is not None else \
        [format_integer(int(v)) for v in bar.y]
    return pd.DataFrame({
        _("Risk score from"): [format_number(v, 1) for v in x - width / 2],
        _("to"): [format_number(v, 1) for v in x + width / 2],
        _("Patients"): [str(c) for c in counts]})
