"""The cohort page's sections: grade transitions, survival by group, hazard ratios,
Ki-67, Table 1, biopsy safety and the risk distribution.

Each section reads its numbers from the caches of :mod:`riskapp.cohort_data` and draws
figures built by :mod:`risk.present.figures.cohort`; each chart can be saved as PNG from its
toolbar and each table as CSV.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd
import streamlit as st

from risk import schema
from risk.cohort import RISK_GROUP_TITLE, CohortRisk
from risk.cohort import summary as cohort
from risk.model import describe_cutpoints
from risk.present import SYNTHETIC_MODEL_NOTE, SYNTHETIC_NOTE, format_p
from risk.present.figures import cohort as figures
from risk.stats import MEDIAN_RULE
from riskapp import cohort_data
from riskapp.charts import csv_download, plot, static_table
from riskapp.cohort_data import CohortFilters, CohortSource, LoadedCohort

GROUPING_KEY = "km_grouping"
RISK_GROUPING = "risk_group"
#: Points per Kaplan-Meier curve: a 1,100-pixel plot of 120 months shows no more steps
#: (0.25 month apart), and fewer points draw faster in the browser.
KM_POINTS = 500
#: Ki-67 points drawn (a fixed-seed sample above it, said under the plot): SVG markers
#: cost the browser about 0.2 ms each without a GPU.
SCATTER_POINTS = 2_500
SYNTHETIC_TABLE = "Synthetic data: not real patients."
SYNTHETIC_MODEL = ("Risk from the active model, which was trained on the shipped synthetic "
                   "cohort: it illustrates the method and must not guide care.")


@dataclass
class View:
    """What every section needs: the source, the shown (filtered) patients, the model."""

    source: CohortSource
    loaded: LoadedCohort
    frame: pd.DataFrame
    filters: CohortFilters
    served: object | None  # riskapp.loaders.ServedModel

    @property
    def key(self) -> tuple:
        """Names the shown patients in the analysis caches."""
        return (self.loaded.digest, self.filters.key)

    @property
    def synthetic(self) -> bool:
        return self.source.synthetic

    @property
    def has_outcomes(self) -> bool:
        return self.loaded.has_outcomes

    @cached_property
    def model_synthetic(self) -> bool:
        """True when the served model rests on the shipped synthetic cohort (trained or
        recalibrated on it, or recalibrated from a version that was)."""
        return self.served is not None and self.served.synthetic

    def mark(self, uses_model: bool = False) -> dict:
        """How a figure is marked: synthetic patients, or (for a figure drawn with the
        served model) real patients under a model trained on synthetic data."""
        if self.synthetic:
            return {"synthetic": True, "synthetic_note": SYNTHETIC_NOTE}
        if uses_model and self.model_synthetic:
            return {"synthetic": True, "synthetic_note": SYNTHETIC_MODEL_NOTE}
        return {"synthetic": False}

    @cached_property
    def risk(self) -> CohortRisk | None:
        """Every patient of the whole file under the served model (None without one)."""
        if self.served is None:
            return None
        return cohort_data.risk(self.loaded.digest, self.served.version, self.served.model,
                                self.loaded.frame)


def for_screen(table: pd.DataFrame) -> pd.DataFrame:
    """Numbers as text for reading: decimals with one decimal, counts with thousands
    separators ("48,282"); the CSV keeps the numbers."""
    out = table.copy()
    for name in out.columns:
        if pd.api.types.is_float_dtype(out[name]):
            out[name] = out[name].map(lambda v: "" if not np.isfinite(v) else f"{v:.1f}")
        elif pd.api.types.is_integer_dtype(out[name]):
            out[name] = out[name].map(lambda v: f"{v:,}")
    return out


def _note_synthetic(view: View) -> None:
    if view.synthetic:
        st.caption(SYNTHETIC_TABLE)


def _needs_outcomes(view: View, what: str) -> bool:
    if view.has_outcomes:
        return True
    st.info(f"This cohort file has no outcome columns (os_months, death): {what} cannot "
            "be shown.", icon=":material/info:")
    return False


# --------------------------------------------------------------------------- transitions

def transition_rows(transitions: cohort.GradeTransitions) -> pd.DataFrame:
    """The transition matrix as one row per (primary grade, liver grade): for CSV."""
    counts, percent = transitions.counts, transitions.row_percent
    rows = [{"Primary grade": p, "Liver-biopsy grade": m, "Patients": int(counts.at[p, m]),
             "% of the primary grade": round(float(percent.at[p, m]), 1)
             if np.isfinite(percent.at[p, m]) else None}
            for p in counts.index for m in counts.columns]
    return pd.DataFrame(rows)


def transitions_section(view: View) -> None:
    t = cohort_data.transitions(view.key, view.frame)
    change = t.change_counts()
    both = change["concordant"] + change["upgraded"] + change["downgraded"]
    if both:
        st.markdown(
            f"Of **{both:,}** patients with both grades, **{change['upgraded']:,} "
            f"({100 * change['upgraded'] / both:.0f}%) were upgraded** in the liver, "
            f"{change['downgraded']:,} ({100 * change['downgraded'] / both:.0f}%) "
            f"downgraded and {change['concordant']:,} "
            f"({100 * change['concordant'] / both:.0f}%) kept the same grade"
            + (f"; {change['unknown']:,} lack a grade." if change["unknown"] else "."))
    plot(figures.transition_sankey(t, synthetic=view.synthetic), "sankey",
         "grade-transitions-sankey")
    plot(figures.transition_heatmap(t, synthetic=view.synthetic), "transition_heatmap",
         "grade-transitions-matrix")
    csv_download(transition_rows(t), "grade-transitions", "transitions_csv",
                 "Download the transition counts (CSV)")
    _note_synthetic(view)


# --------------------------------------------------------------------------- survival

def grouping_options(view: View) -> dict[str, str]:
    options = dict(cohort.GROUPINGS)
    if view.served is not None:
        options[RISK_GROUPING] = RISK_GROUP_TITLE
    return options


def logrank_line(lr) -> str:
    """The log-rank test across the groups, in one sentence."""
    return (f"**Log-rank test** across {len(lr.groups)} groups: chi-square "
            f"{lr.statistic:.2f} on {lr.degrees_of_freedom} degree"
            f"{'s' if lr.degrees_of_freedom != 1 else ''} of freedom, {format_p(lr.p_value)}.")


def medians_table(result) -> pd.DataFrame:
    rows = []
    for _, r in result.medians().iterrows():
        rows.append({"Group": r["group"], "Patients": int(r["patients"]),
                     **({"Deaths": int(r["deaths"]),
                         "Median OS (months)": _months(r["median_months"])}
                        if result.outcome == "os" else
                        {"Progressions or deaths": int(r["deaths"]),
                         "Median PFS (months)": _months(r["median_months"])}),
                     "95% CI": _interval(r["lower_95"], r["upper_95"])})
    return pd.DataFrame(rows)


def _interval(lower: float, upper: float) -> str:
    if not np.isfinite(lower):
        return "not estimable (median not reached)"
    return f"{_months(lower)} to {_months(upper)}"


def _months(value: float) -> str:
    return "not reached" if not np.isfinite(value) else f"{value:.1f}"


def pairwise_table(logrank) -> pd.DataFrame:
    table = logrank.pairwise
    return pd.DataFrame({"Group": table["group_a"], "Compared with": table["group_b"],
                         "Chi-square": table["statistic"].map(lambda x: f"{x:.2f}"),
                         "p": table["p_value"].map(format_p),
                         "p (Holm-adjusted)": table["p_holm"].map(format_p)})


def survival_section(view: View) -> None:
    options = grouping_options(view)
    grouping = st.selectbox("Group the survival curves by", list(options), key=GROUPING_KEY,
                            format_func=options.get)
    if not _needs_outcomes(view, "survival"):
        return
    groups, version = None, None
    if grouping == RISK_GROUPING:
        groups, version = view.risk.groups(), view.served.version
        st.caption(describe_cutpoints(view.risk.cutpoints) + " " +
                   (SYNTHETIC_MODEL if view.model_synthetic else ""))
    result = cohort_data.survival(view.key, grouping, version, view.frame, groups)
    plot(figures.survival_by_group_figure(result, max_points=KM_POINTS,
                                          **view.mark(uses_model=version is not None)), "km",
         f"survival-by-{grouping}")
    if result.logrank is not None:
        st.markdown(logrank_line(result.logrank))
    st.markdown("**Median overall survival**")
    medians = medians_table(result)
    static_table(for_screen(medians), hide_index=True)
    st.caption(MEDIAN_RULE)
    left, right = st.columns(2)
    with left:
        csv_download(medians, f"median-survival-by-{grouping}", "medians_csv")
    with right:
        at_risk = result.at_risk.copy()
        at_risk.columns = [f"{m:g} months" for m in at_risk.columns]
        csv_download(at_risk.reset_index(), f"number-at-risk-by-{grouping}", "at_risk_csv",
                     "Download the numbers at risk (CSV)")
    if result.logrank is not None and not result.logrank.pairwise.empty:
        st.markdown("**Pairwise log-rank tests** (Holm-adjusted for the number of pairs)")
        pairs = pairwise_table(result.logrank)
        static_table(pairs, hide_index=True)
        csv_download(pairs, f"pairwise-logrank-by-{grouping}", "pairwise_csv")
    _note_synthetic(view)


# --------------------------------------------------------------------------- forest

def forest_table(result) -> pd.DataFrame:
    table = result.table
    ci = [("" if not np.isfinite(h) else f"{h:.2f} ({lo:.2f}-{hi:.2f})")
          for h, lo, hi in zip(table["hazard_ratio"].astype(float),
                               table["lower_95"].astype(float),
                               table["upper_95"].astype(float), strict=True)]
    return pd.DataFrame({"Characteristic": table["covariate"],
                         "Comparison": table["comparison"],
                         "Hazard ratio (95% CI)": ci,
                         "p": table["p_value"].astype(float).map(
                             lambda p: "" if not np.isfinite(p) else format_p(p)),
                         "Patients": table["patients"], "Note": table["note"]})


def forest_section(view: View) -> None:
    if not _needs_outcomes(view, "hazard ratios"):
        return
    result = cohort_data.forest(view.key, view.frame)
    plot(figures.forest_plot(result, synthetic=view.synthetic), "forest",
         "hazard-ratios-cox")
    if result.ok:
        shown = for_screen(forest_table(result))
        st.dataframe(shown, hide_index=True, width="stretch", height=36 * (len(shown) + 1) + 3)
        csv_download(result.table, "hazard-ratios-cox", "forest_csv")
        st.caption("A Cox model fitted on the shown patients (descriptive, not the served "
                   "model): each hazard ratio compares a group with the named reference, "
                   "the other characteristics held equal.")
    _note_synthetic(view)


# --------------------------------------------------------------------------- the rest

def ki67_section(view: View) -> None:
    plot(figures.ki67_scatter(view.frame, max_points=SCATTER_POINTS,
                              synthetic=view.synthetic), "ki67",
         "ki67-primary-vs-liver")
    _note_synthetic(view)


def table_one_for_screen(display: pd.DataFrame) -> pd.DataFrame:
    """Table 1 as read on screen: each characteristic named once, on its first row (the
    CSV names it on every row, for sorting and filtering)."""
    out = display.copy()
    repeated = out["Characteristic"].eq(out["Characteristic"].shift())
    out.loc[repeated, "Characteristic"] = ""
    out["p-value"] = out["p-value"].str.replace("< ", "<\u00a0")  # "< 0.001" on one line
    return out


def table_one_section(view: View) -> None:
    result = cohort_data.cached_table_one(view.key, view.frame)
    st.markdown("**Table 1** by grade change from the primary tumor to the liver biopsy")
    with st.container(key="table_one"):  # a static table: every column on screen, printable
        static_table(table_one_for_screen(result.display), hide_index=True)
    csv_download(result.display, "table-1-by-grade-change", "table_one_csv")
    st.caption("Numbers: median (IQR), Kruskal-Wallis test. Categories: n (%), chi-square "
               "test (Fisher's exact test when an expected count is below 5). Tests compare "
               f"the groups with both grades; '{schema.NOT_ASSESSED}' is shown but not tested.")
    _note_synthetic(view)


def complication_table(rates: pd.DataFrame) -> pd.DataFrame:
    """Complication rates with headers in words (percentages rounded to one decimal)."""
    return pd.DataFrame({
        "Complication": rates["outcome"],
        "Patients": rates["patients"].astype(int),
        "Of (recorded outcome)": rates["assessed"].astype(int),
        "%": rates["percent"].round(1),
        "95% CI from (%)": rates["lower_95"].round(1),
        "95% CI to (%)": rates["upper_95"].round(1)})


def safety_section(view: View) -> None:
    rates = cohort_data.complications(view.key, view.frame)
    plot(figures.complication_chart(rates, synthetic=view.synthetic), "complications",
         "biopsy-complications")
    if rates is not None:
        table = complication_table(rates)
        static_table(for_screen(table), hide_index=True)
        csv_download(table, "biopsy-complications", "complications_csv")
    st.caption("For comparison: 932 CT-guided liver biopsies had any complication in 9.3% "
               "and a major one in 2.7-2.8% (Fotiadis et al., Eur Radiol 2020).")
    _note_synthetic(view)


def sections(view: View) -> list[tuple[str, Callable[[View], None]]]:
    """(tab title, draw function), in the order a tumor board walks through them."""
    from riskapp.cohort_pfs import pfs_section  # they reuse this module's tables
    from riskapp.cohort_risk import risk_section

    out = [("Grade transitions", transitions_section), ("Survival by group", survival_section)]
    if view.loaded.has_pfs:
        out.append(("Progression-free survival", pfs_section))
    out += [("Hazard ratios", forest_section), ("Ki-67", ki67_section),
            ("Table 1", table_one_section)]
    if view.loaded.has_complications:
        out.append(("Biopsy safety", safety_section))
    out.append(("Risk distribution", risk_section))
    return out
