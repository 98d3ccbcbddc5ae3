"""Cohort: a tumor board's view of a cohort (the shipped synthetic one, or an upload):
grade transitions, survival by group, hazard ratios, Ki-67, Table 1, biopsy safety and
the risk distribution."""

import streamlit as st

from risk.i18n import _
from riskapp.cohort_view import render_page
from riskapp.loaders import not_a_device_notice
from riskapp.routing import require_router

require_router()

st.title(_("Cohort: grade transitions and survival"))
st.caption(not_a_device_notice())
render_page()
