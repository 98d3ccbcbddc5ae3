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
from risk.cohort import NO_SUPPRESSION, CohortRisk, Disclosure, ShownTransitions
from risk.cohort import sentences as grade_words
from risk.cohort import shown as disclosed
from risk.cohort import tables as cohort_tables
from risk.i18n import N_, _, current_language, format_integer, format_number
from risk.present import SYNTHETIC_MODEL_NOTE, SYNTHETIC_NOTE, format_p
from risk.present.figures import cohort as figures
from risk.present.figures import cohort_text
from riskapp import cohort_data
from riskapp.charts import csv_download, plot, static_table
from riskapp.cohort_data import CohortFilters, CohortSource
from riskapp.cohort_parsing import LoadedCohort

GROUPING_KEY = "km_grouping"
RISK_GROUPING = "risk_group"
#: Points per Kaplan-Meier curve: a 1,100-pixel plot of 120 months shows no more steps
#: (0.25 month apart), and fewer points draw faster in the browser.
KM_POINTS = 500
#: Ki-67 points drawn (a fixed-seed sample above it, said under the plot): SVG markers
#: cost the browser about 0.2 ms each without a GPU.
SCATTER_POINTS = 2_500
SYNTHETIC_TABLE = N_("Synthetic data: not real patients.")
NOT_DRAWN = N_("not shown (too few patients)")
SYNTHETIC_MODEL = N_("Risk from the active model, which was trained on the shipped synthetic "
                   "cohort: it illustrates the method and must not guide care.")


@dataclass
class View:
    """What every section needs: the source, the shown (filtered) patients, the model."""

    source: CohortSource
    loaded: LoadedCohort
    frame: pd.DataFrame
    filters: CohortFilters
    served: object | None  # riskapp.loaders.ServedModel
    rule: Disclosure = NO_SUPPRESSION  # the small-cell rule (risk.cohort.disclosure)

    @property
    def key(self) -> tuple:
        """Names the shown patients in the analysis caches (and the language: their
        results hold group names in words)."""
        return (self.loaded.digest, self.filters.key, current_language())

    @property
    def rule_key(self) -> tuple:
        return (self.rule.threshold, self.rule.active)

    @cached_property
    def transitions(self) -> ShownTransitions:
        """The grade transitions under the rule: they decide the grade and grade-change
        group sizes shown everywhere on the page."""
        return cohort_data.transitions_under_rule(self.key, self.rule, self.rule_key, self.frame)

    def sizes_hidden(self, grouping: str, groups: pd.Series | None = None) -> dict[str, bool]:
        """Group label -> size suppressed, the same in every section."""
        by = grouping if groups is None else groups
        return disclosed.group_sizes_hidden(self.frame, by, self.rule, self.transitions)

    @cached_property
    def level_hidden(self) -> dict[tuple[str, str], bool]:
        """(characteristic, level) -> size suppressed: Table 1's "All patients" column
        and the forest plot's patients; the groupings' levels as everywhere else."""
        known = {schema.column_label(name): self.sizes_hidden(name)
                 for name in ("primary_site", "primary_grade", "met_grade")}
        table = cohort_data.cached_table_one(self.key, self.frame)
        return disclosed.level_sizes_hidden(table.long, self.rule, known)

    @cached_property
    def deaths_hidden(self) -> bool:
        """Whether the shown patients' number of deaths is suppressed (the survivors
        would follow from it)."""
        deaths = int(self.frame["death"].sum())
        return self.rule.small(len(self.frame) - deaths)

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
                                self.loaded.frame, current_language())


def for_screen(table: pd.DataFrame) -> pd.DataFrame:
    """Numbers as text for reading: decimals with one decimal, counts with thousands
    separators ("48,282"); the CSV keeps the numbers."""
    out = table.copy()
    for name in out.columns:
        if pd.api.types.is_float_dtype(out[name]):
            out[name] = out[name].map(lambda v: "" if not np.isfinite(v) else format_number(v, 1))
        elif pd.api.types.is_integer_dtype(out[name]):
            out[name] = out[name].map(format_integer)
        elif out[name].dtype == object:  # counts as text under the small-cell rule
            out[name] = out[name].map(
                lambda v: format_integer(int(v)) if isinstance(v, str) and v.isdigit() else v)
    return out


def note_synthetic(view: View) -> None:
    if view.synthetic:
        st.caption(_(SYNTHETIC_TABLE))


def needs_outcomes(view: View, what: str) -> bool:
    if view.has_outcomes:
        return True
    st.info(_("This cohort file has no outcome columns (os_months, death): {what} cannot "
              "be shown.").format(what=what), icon=":material/info:")
    return False


# --------------------------------------------------------------------------- transitions

def transition_rows(shown: ShownTransitions) -> pd.DataFrame:
    """The transition matrix as one row per (primary grade, liver grade): for CSV."""
    counts = shown.transitions.counts
    rows = [{_("Primary grade"): p, _("Liver-biopsy grade"): m, _("Patients"): shown.cell(i, j),
             _("% of the primary grade"): round(shown.percent(i, j), 1)
             if np.isfinite(shown.percent(i, j)) else None}
            for i, p in enumerate(counts.index) for j, m in enumerate(counts.columns)]
    return pd.DataFrame(rows)


def transitions_section(view: View) -> None:
    shown = view.transitions
    t = shown.transitions
    if shown.grid.withheld:
        st.info(_("Too few patients to show the grade transitions without revealing small "
                  "numbers."), icon=":material/shield:")
        return
    said = [grade_words.grade_change_sentence(shown),
            *grade_words.missing_grade_sentences(shown)]
    if any(said):
        with st.container(key="grade_changes"):
            st.markdown(grade_words.join_sentences(said))
    marked = shown if view.rule.active else None
    matrix = cohort_text.transitions_table(shown)
    plot(figures.transition_sankey(t, synthetic=view.synthetic, shown=marked), "sankey",
         "grade-transitions-sankey", finding=cohort_text.transitions_finding(shown),
         data=matrix)
    plot(figures.transition_heatmap(t, synthetic=view.synthetic, shown=marked),
         "transition_heatmap", "grade-transitions-matrix",
         finding=cohort_text.same_grade_finding(shown), data=matrix)
    csv_download(transition_rows(shown), "grade-transitions", "transitions_csv",
                 N_("Download the transition counts (CSV)"))
    note_synthetic(view)


# --------------------------------------------------------------------------- forest

def forest_table(result, rule: Disclosure = NO_SUPPRESSION,
                 level_hidden: dict[tuple[str, str], bool] | None = None) -> pd.DataFrame:
    table = result.table
    ci = [("" if not np.isfinite(h) else f"{h:.2f} ({lo:.2f}-{hi:.2f})")
          for h, lo, hi in zip(table["hazard_ratio"].astype(float),
                               table["lower_95"].astype(float),
                               table["upper_95"].astype(float), strict=True)]
    return pd.DataFrame({_("Characteristic"): table["covariate"],
                         _("Comparison"): table["comparison"],
                         _("Hazard ratio (95% CI)"): ci,
                         "p": table["p_value"].astype(float).map(
                             lambda p: "" if not np.isfinite(p) else format_p(p)),
                         _("Patients"): forest_patients(result, rule, level_hidden),
                         _("Note"): table["note"]})


def forest_patients(result, rule: Disclosure,
                    level_hidden: dict[tuple[str, str], bool] | None = None) -> list:
    """Each row's patients: small counts suppressed, and a level's size hidden where
    Table 1 hides it (the same characteristic and level words)."""
    hidden = level_hidden or {}

    def level(c: str, lv: str) -> bool:  # "G2" in the forest is "G2 (Ki-67 3-20%)" in Table 1
        return hidden.get((c, lv), any(h for (ch, name), h in hidden.items()
                                       if ch == c and name.startswith(f"{lv} (")))

    return [disclosed.cell(rule, n, level(str(c), str(lv)))
            for c, lv, n in zip(result.table["covariate"], result.table["level"],
                                result.table["patients"], strict=True)]


def forest_section(view: View) -> None:
    if not needs_outcomes(view, _("hazard ratios")):
        return
    result = cohort_data.forest(view.key, view.frame)
    if view.rule.active and not result.ok:  # its message counts the patients and deaths
        st.info(_("Too few patients or deaths in the shown cohort to fit hazard ratios."),
                icon=":material/info:")
        note_synthetic(view)
        return
    levels = view.level_hidden if view.rule.active else None
    shown = for_screen(forest_table(result, view.rule, levels)) if result.ok else None
    plot(figures.forest_plot(result, synthetic=view.synthetic), "forest",
         "hazard-ratios-cox", finding=cohort_text.forest_finding(result), data=shown)
    if shown is not None:
        st.dataframe(shown, hide_index=True, width="stretch", height=36 * (len(shown) + 1) + 3)
        csv_download(result.table.assign(patients=forest_patients(result, view.rule, levels)),
                     "hazard-ratios-cox", "forest_csv")
        st.caption(_("A Cox model fitted on the shown patients (descriptive, not the served "
                     "model): each hazard ratio compares a group with the named reference, "
                     "the other characteristics held equal."))
    note_synthetic(view)


# --------------------------------------------------------------------------- the rest

def ki67_section(view: View) -> None:
    if view.rule.active:  # each point is one patient: no scatter of an uploaded cohort
        st.info(_("The Ki-67 scatter plot is not drawn for this file: each of its points is "
                  "one patient, so it would show groups smaller than {threshold}. The grade "
                  "transitions tab compares the primary and liver-biopsy grades as "
                  "counts.").format(threshold=view.rule.threshold), icon=":material/shield:")
        return
    plot(figures.ki67_scatter(view.frame, max_points=SCATTER_POINTS,
                              synthetic=view.synthetic), "ki67",
         "ki67-primary-vs-liver", finding=cohort_text.ki67_finding(view.frame),
         data=cohort_text.ki67_table(view.frame))
    note_synthetic(view)


def table_one_for_screen(display: pd.DataFrame) -> pd.DataFrame:
    """Table 1 as read on screen: each characteristic named once, on its first row (the
    CSV names it on every row, for sorting and filtering)."""
    out = display.copy()
    repeated = out["Characteristic"].eq(out["Characteristic"].shift())
    out.loc[repeated, "Characteristic"] = ""
    out["p-value"] = out["p-value"].str.replace("< ", "<\u00a0")  # "< 0.001" on one line
    return out


def table_one_display(view: View):
    """Table 1 as shown: under an active rule, with its small cells suppressed."""
    result = cohort_data.cached_table_one(view.key, view.frame)
    if not view.rule.active:
        return result.display
    hidden = view.sizes_hidden("grade_change")
    cells = cohort_data.table_one_suppressed(view.key, view.rule_key, view.rule, hidden,
                                             view.level_hidden, view.frame)
    return disclosed.table_one_shown(result, view.rule, hidden, cells)


def table_one_section(view: View) -> None:
    display = table_one_display(view)
    st.markdown(_("**Table 1** by grade change from the primary tumor to the liver biopsy"))
    with st.container(key="table_one"):  # a static table: every column on screen, printable
        static_table(cohort_tables.table_one_words(table_one_for_screen(display)), hide_index=True)
    csv_download(cohort_tables.table_one_words(display), "table-1-by-grade-change", "table_one_csv")
    st.caption(_("Numbers: median (IQR), Kruskal-Wallis test. Categories: n (%), chi-square "
                 "test (Fisher's exact test when an expected count is below 5). Tests compare "
                 "the groups with both grades; '{not_assessed}' is shown but not "
                 "tested.").format(not_assessed=_(schema.NOT_ASSESSED)))
    note_synthetic(view)


def complication_table(rates: pd.DataFrame, rule: Disclosure = NO_SUPPRESSION,
                       patients: int = 0) -> pd.DataFrame:
    """Complication rates with headers in words (percentages rounded to one decimal);
    under an active ``rule`` small counts are suppressed with their percentages."""
    if rule.active:
        rates = disclosed.shown_complications(rates, rule, patients)
        counts, assessed = rates["patients"], rates["assessed"]
    else:
        counts, assessed = rates["patients"].astype(int), rates["assessed"].astype(int)
    return pd.DataFrame({
        _("Complication"): rates["outcome"],
        _("Patients"): counts,
        _("Of (recorded outcome)"): assessed,
        "%": rates["percent"].round(1),
        _("95% CI from (%)"): rates["lower_95"].round(1),
        _("95% CI to (%)"): rates["upper_95"].round(1)})


def safety_section(view: View) -> None:
    rates = cohort_data.complications(view.key, view.frame)
    table = None if rates is None else complication_table(rates, view.rule, len(view.frame))
    plot(figures.complication_chart(rates, synthetic=view.synthetic, rule=view.rule,
                                    patients=len(view.frame)), "complications",
         "biopsy-complications",
         finding="" if table is None else cohort_text.complications_finding(table),
         data=None if table is None else for_screen(table))
    if table is not None:
        static_table(for_screen(table), hide_index=True)
        csv_download(table, "biopsy-complications", "complications_csv")
    st.caption(_("For comparison: 932 CT-guided liver biopsies had any complication in 9.3% "
                 "and a major one in 2.7-2.8% (Fotiadis et al., Eur Radiol 2020)."))
    note_synthetic(view)


def sections(view: View) -> list[tuple[str, Callable[[View], None]]]:
    """(tab title, draw function), in the order a tumor board walks through them."""
    from riskapp.cohort_pfs import pfs_section  # they reuse this module's tables
    from riskapp.cohort_risk import risk_section
    from riskapp.cohort_survival import survival_section

    out = [(_("Grade transitions"), transitions_section),
           (_("Survival by group"), survival_section)]
    if view.loaded.has_pfs:
        out.append((_("Progression-free survival"), pfs_section))
    out += [(_("Hazard ratios"), forest_section), ("Ki-67", ki67_section),
            (_("Table 1"), table_one_section)]
    if view.loaded.has_complications:
        out.append((_("Biopsy safety"), safety_section))
    out.append((_("Risk distribution"), risk_section))
    return out
