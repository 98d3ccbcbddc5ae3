"""The cohort page's survival by group: Kaplan-Meier curves by a grouping (or the served
model's risk groups) with numbers at risk, the log-rank tests and the medians, with the
small-cell rule of the view applied (small groups not drawn, small counts suppressed)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from risk.cohort import NO_SUPPRESSION, RISK_GROUP_TITLE, Disclosure
from risk.cohort import shown as disclosed
from risk.cohort import summary as cohort
from risk.i18n import N_, _, format_number, ngettext
from risk.model import describe_cutpoints
from risk.present import format_p
from risk.present.figures import alternative, cohort_text
from risk.present.figures import cohort as figures
from risk.stats import MEDIAN_RULE
from riskapp import cohort_data
from riskapp.charts import as_plain_markdown, csv_download, plot, static_table
from riskapp.cohort_sections import (
    GROUPING_KEY,
    KM_POINTS,
    NOT_DRAWN,
    RISK_GROUPING,
    SYNTHETIC_MODEL,
    View,
    for_screen,
    needs_outcomes,
    note_synthetic,
)


def grouping_options(view: View) -> dict[str, str]:
    options = dict(cohort.GROUPINGS)
    if view.served is not None:
        options[RISK_GROUPING] = _(RISK_GROUP_TITLE)
    return options


def logrank_line(lr) -> str:
    """The log-rank test across the groups, in one sentence."""
    return ngettext("**Log-rank test** across {groups} groups: chi-square {statistic} on "
                    "{df} degree of freedom, {p}.",
                    "**Log-rank test** across {groups} groups: chi-square {statistic} on "
                    "{df} degrees of freedom, {p}.", lr.degrees_of_freedom).format(
                        groups=len(lr.groups), statistic=format_number(lr.statistic, 2),
                        df=lr.degrees_of_freedom, p=format_p(lr.p_value))


def medians_table(result, rule: Disclosure = NO_SUPPRESSION,
                  sizes_hidden: dict[str, bool] | None = None,
                  deaths_total_hidden: bool = False) -> pd.DataFrame:
    """Patients, deaths and the median with its interval per group; under an active
    ``rule`` small counts are suppressed and a group under the threshold has no median."""
    medians = result.medians()
    hidden = sizes_hidden or {}
    # the overview publishes the total deaths of OS (its PFS events have no total shown)
    deaths_hidden = disclosed.deaths_hidden(
        medians, rule, hidden, deaths_total_hidden,
        fixed_total=result.outcome == "os" and not deaths_total_hidden) \
        if rule.active else np.zeros(len(medians), dtype=bool)
    rows = []
    for k, r in medians.iterrows():
        few = rule.active and r["patients"] < rule.threshold
        median = _(NOT_DRAWN) if few else _months(r["median_months"])
        rows.append({_("Group"): r["group"],
                     _("Patients"): disclosed.cell(rule, r["patients"],
                                                   hidden.get(r["group"], False)),
                     **({_("Deaths"): disclosed.cell(rule, r["deaths"], deaths_hidden[k]),
                         _("Median OS (months)"): median}
                        if result.outcome == "os" else
                        {_("Progressions or deaths"): disclosed.cell(rule, r["deaths"],
                                                                     deaths_hidden[k]),
                         _("Median PFS (months)"): median}),
                     _("95% CI"): _(NOT_DRAWN) if few
                     else _interval(r["lower_95"], r["upper_95"])})
    return pd.DataFrame(rows)


def at_risk_table(result, rule: Disclosure = NO_SUPPRESSION,
                  sizes_hidden: dict[str, bool] | None = None) -> pd.DataFrame:
    """The numbers at risk by group and month (for CSV), small ones suppressed."""
    hidden = sizes_hidden or {}
    table = result.at_risk
    out = pd.DataFrame({_("{months} months").format(months=f"{m:g}"): [disclosed.cell(rule, v, k == 0 and hidden.get(g, False))
                                          for g, v in table[m].items()]
                        for k, m in enumerate(table.columns)}, index=table.index)
    return out.reset_index()


def _interval(lower: float, upper: float) -> str:
    if not np.isfinite(lower):
        return _("not estimable (median not reached)")
    return _("{lower} to {upper}").format(lower=_months(lower), upper=_months(upper))


def _months(value: float) -> str:
    return _("not reached") if not np.isfinite(value) else format_number(value, 1)


def pairwise_table(logrank, rule: Disclosure = NO_SUPPRESSION,
                   result=None) -> pd.DataFrame:
    """The pairwise log-rank tests; under an active ``rule`` without the pairs of a group
    of fewer than ``threshold`` patients (a test of one patient describes that patient)."""
    table = logrank.pairwise
    if rule.active and result is not None:
        few = {c.label for c in result.curves if c.n < rule.threshold}
        table = table[~table["group_a"].isin(few) & ~table["group_b"].isin(few)]
    return pd.DataFrame({_("Group"): table["group_a"], _("Compared with"): table["group_b"],
                         _("Chi-square"): table["statistic"].map(lambda x: format_number(x, 2)),
                         "p": table["p_value"].map(format_p),
                         _("p (Holm-adjusted)"): table["p_holm"].map(format_p)})


def survival_section(view: View) -> None:
    options = grouping_options(view)
    grouping = st.selectbox(_("Group the survival curves by"), list(options), key=GROUPING_KEY,
                            format_func=options.get)
    if not needs_outcomes(view, _("survival")):
        return
    groups, version = None, None
    if grouping == RISK_GROUPING:
        groups, version = view.risk.groups(), view.served.version
        st.caption(" ".join([describe_cutpoints(view.risk.cutpoints),
                             _(SYNTHETIC_MODEL) if view.model_synthetic else ""]).strip())
    result = cohort_data.survival(view.key, grouping, version, view.frame, groups)
    hidden = view.sizes_hidden(grouping, groups)
    fig = figures.survival_by_group_figure(result, max_points=KM_POINTS, rule=view.rule,
                                           sizes_hidden=hidden,
                                           **view.mark(uses_model=version is not None))
    plot(fig, "km", f"survival-by-{grouping}",
         finding=cohort_text.survival_finding(result, view.rule), data=alternative.figure_table(fig))
    not_drawn_words(view, result)
    if result.logrank is not None:
        st.markdown(logrank_line(result.logrank))
    st.markdown(_("**Median overall survival**"))
    medians = medians_table(result, view.rule, hidden, view.deaths_hidden)
    static_table(for_screen(medians), hide_index=True)
    st.caption(_(MEDIAN_RULE))
    left, right = st.columns(2)
    with left:
        csv_download(medians, f"median-survival-by-{grouping}", "medians_csv")
    with right:
        csv_download(at_risk_table(result, view.rule, hidden),
                     f"number-at-risk-by-{grouping}", "at_risk_csv",
                     N_("Download the numbers at risk (CSV)"))
    if result.logrank is not None and not result.logrank.pairwise.empty:
        st.markdown(_("**Pairwise log-rank tests** (Holm-adjusted for the number of pairs)"))
        pairs = pairwise_table(result.logrank, view.rule, result)
        static_table(pairs, hide_index=True)
        csv_download(pairs, f"pairwise-logrank-by-{grouping}", "pairwise_csv")
    note_synthetic(view)


def not_drawn_words(view: View, result) -> None:
    """Says in words which groups' curves are not drawn under the small-cell rule."""
    if not view.rule.active:
        return
    few = [c.label for c in result.curves if c.n < view.rule.threshold]
    if few:
        st.info(_("Not drawn, fewer than {threshold} patients: {groups}.").format(
            threshold=view.rule.threshold,
            groups=", ".join(f"**{as_plain_markdown(g)}**" for g in few)),
                icon=":material/shield:")
