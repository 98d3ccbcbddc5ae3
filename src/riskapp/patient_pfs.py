"""Progression-free survival on the patient page, when the served model has PFS.

What is shown is always PFS at the biopsy: with a time known alive, the page says PFS is
not conditional on it (:data:`risk.model.PFS_AT_BIOPSY_NOTE`): a clinician who knows the
patient is alive does not thereby know whether the disease has progressed.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from risk.i18n import _
from risk.model import HORIZON_WORDS, PFS_AT_BIOPSY_NOTE, PFS_HORIZONS, PatientEstimate, percent
from risk.present.figures import patient as figures
from riskapp.charts import chart_with_text, static_table


def _chart(fig, key: str, finding: str | None = None) -> None:
    chart_with_text(fig, key, finding)


def render_pfs(est: PatientEstimate) -> None:
    """The PFS metrics (containers ``pfs_12``, ``pfs_36``, ``pfs_60``), its curve and
    the biopsy's value for PFS; nothing when the model has no PFS."""
    pfs = est.pfs
    if pfs is None:
        return
    st.subheader(_("Progression-free survival"))
    st.markdown(_("Alive without progression of the disease (radiological or clinical); a "
                "death without progression ends it too."))
    if est.alive_months:
        with st.container(key="pfs_at_biopsy", border=True):
            st.markdown(_(PFS_AT_BIOPSY_NOTE))
    for column, months in zip(st.columns(len(PFS_HORIZONS)), PFS_HORIZONS, strict=True):
        value, low, up = pfs.at(months)
        with column, st.container(key=f"pfs_{months}", border=True):
            st.metric(_("Progression-free at {v0}").format(v0=HORIZON_WORDS[months]), percent(value))
            st.caption(_("95% CI {v0} to {v1}").format(v0=percent(low), v1=percent(up)))
    left, right = st.columns(2)
    with left:
        _chart(figures.survival_curve(pfs.months, pfs.survival, pfs.lower, pfs.upper,
                                      horizons=PFS_HORIZONS, synthetic=est.synthetic,
                                      outcome="pfs"), "pfs_curve")
    with right:
        _pfs_biopsy_value(est)


def _pfs_biopsy_value(est: PatientEstimate) -> None:
    w, wo = est.pfs, est.pfs_without_biopsy
    if wo is None:  # no liver grade (the estimate is the primary-only one) or no comparator
        st.caption(_("No estimate with and without the liver-biopsy grade to compare."))
        return
    _chart(figures.biopsy_comparison(w.months, (w.survival, w.lower, w.upper),
                                     (wo.survival, wo.lower, wo.upper),
                                     liver_grade=est.patient["met_grade"].iloc[0],
                                     synthetic=est.synthetic, outcome="pfs"),
           "pfs_biopsy_comparison")
    rows = [{_("Progression-free at"): HORIZON_WORDS[m],
             _("With the biopsy"): percent(w.at(m)[0]), _("Without"): percent(wo.at(m)[0]),
             _("Change"): f"{100 * (w.at(m)[0] - wo.at(m)[0]):+.1f}"} for m in PFS_HORIZONS]
    with st.container(key="pfs_biopsy_value"):
        static_table(pd.DataFrame(rows), hide_index=True)
    st.caption(_("Change in percentage points. Overall and progression-free survival come "
                 "from separate models, so the biopsy can move them by different amounts, "
                 "even in opposite directions."))
