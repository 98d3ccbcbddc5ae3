"""The cohort page's progression-free survival: Kaplan-Meier of PFS by the same groups
as the OS curves, with the log-rank test; a tab only when the cohort has PFS."""

from __future__ import annotations

import streamlit as st

from risk.i18n import _
from risk.model import describe_cutpoints
from risk.present.figures import alternative, cohort_text
from risk.present.figures import cohort as figures
from risk.stats import MEDIAN_RULE
from riskapp import cohort_data
from riskapp.charts import csv_download, plot, static_table
from riskapp.cohort_sections import KM_POINTS, RISK_GROUPING, View, for_screen
from riskapp.cohort_survival import (
    grouping_options,
    logrank_line,
    medians_table,
    not_drawn_words,
    pairwise_table,
)

PFS_GROUPING_KEY = "pfs_grouping"


def pfs_section(view: View) -> None:
    """PFS by group: the curves (chart key ``pfs_km``), the log-rank test and medians."""
    options = grouping_options(view)
    grouping = st.selectbox(_("Group the progression-free survival curves by"), list(options),
                            key=PFS_GROUPING_KEY, format_func=options.get)
    st.caption(_("A PFS event is a progression, or a death without progression "
                 "(`pfs_months` = `os_months`); patients without PFS recorded are left out."))
    groups, version = None, None
    if grouping == RISK_GROUPING:  # the served model's OS risk groups
        groups, version = view.risk.groups(), view.served.version
        st.caption(describe_cutpoints(view.risk.cutpoints))
    result = cohort_data.survival(view.key, grouping, version, view.frame, groups,
                                  outcome="pfs")
    hidden = view.sizes_hidden(grouping, groups)
    fig = figures.survival_by_group_figure(result, max_points=KM_POINTS, rule=view.rule,
                                           sizes_hidden=hidden,
                                           **view.mark(uses_model=version is not None))
    plot(fig, "pfs_km", f"pfs-by-{grouping}",
         finding=cohort_text.survival_finding(result, view.rule), data=alternative.figure_table(fig))
    not_drawn_words(view, result)
    if result.logrank is not None:
        with st.container(key="pfs_logrank"):
            st.markdown(logrank_line(result.logrank))
    st.markdown(_("**Median progression-free survival**"))
    # the PFS patients are a subset: no published total of their events
    medians = medians_table(result, view.rule, hidden, deaths_total_hidden=False)
    static_table(for_screen(medians), hide_index=True)
    st.caption(_(MEDIAN_RULE))
    csv_download(medians, f"median-pfs-by-{grouping}", "pfs_medians_csv")
    if result.logrank is not None and not result.logrank.pairwise.empty:
        st.markdown(_("**Pairwise log-rank tests** (Holm-adjusted for the number of pairs)"))
        static_table(pairwise_table(result.logrank, view.rule, result), hide_index=True)
