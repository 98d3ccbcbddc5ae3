"""The patient page's box for a grade that rests on a count near a WHO cut-off.

Shown only when a Ki-67 index or mitotic count has a 95% interval that crosses a cut-off
(:attr:`risk.model.PatientEstimate.grade_sensitivity`); the words come from
:mod:`risk.model.grade_sensitivity`, as the PDF's do.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from risk.i18n import N_, Words, _
from risk.model import (
    GRADE_SENSITIVITY_METHOD,
    GRADE_SENSITIVITY_TITLE,
    PatientEstimate,
    describe_intervals,
    describe_site,
    percent,
    probability_words,
)
from riskapp.charts import static_table

SITE_TITLES = Words({"primary": N_("Primary tumor"), "met": N_("Liver-metastasis biopsy")})


def _table(site, months: int, alive_months: float | None = None) -> pd.DataFrame:
    survival = (_("{years}-year survival given alive at {alive_months:g} months (95% CI)")
                if alive_months else _("{years}-year survival (95% CI)")).format(
        years=months // 12, alive_months=alive_months)
    return pd.DataFrame({
        _("Grade"): [a.grade + (_(" (used above)") if a.as_estimated else "")
                     for a in site.alternatives],
        _("Probability"): [probability_words(a.probability) for a in site.alternatives],
        survival: [_("{v0} ({v1} to {v2})").format(v0=percent(a.survival), v1=percent(a.lower),
                                                   v2=percent(a.upper))
                   for a in site.alternatives],
    })


def render_grade_sensitivity(est: PatientEstimate) -> None:
    """The box keyed ``grade_sensitivity``, or nothing when no grade is in doubt."""
    sensitivity = est.grade_sensitivity
    if sensitivity is None:
        return
    with st.container(key="grade_sensitivity", border=True):
        st.markdown(f"**{_(GRADE_SENSITIVITY_TITLE)}**")
        for site in sensitivity.sites:
            if len(sensitivity.sites) > 1:
                st.markdown(f"*{SITE_TITLES[site.site]}*")
            st.markdown(describe_site(site, sensitivity.months))
            static_table(_table(site, sensitivity.months, est.alive_months),
                         hide_index=True)
            st.caption(" ".join(describe_intervals(site.uncertainty)))
        st.caption(_(GRADE_SENSITIVITY_METHOD) + (_(" The estimates come from a model trained on "
                                               "synthetic data.") if est.synthetic else ""))
