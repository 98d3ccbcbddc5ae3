"""Cohort: a tumor board's view of a cohort (the shipped synthetic one, or an upload):
grade transitions, survival by group, hazard ratios, Ki-67, Table 1, biopsy safety and
the risk distribution."""

import streamlit as st

from risk import INTENDED_USE
from riskapp.cohort_view import render_page
from riskapp.routing import require_router

require_router()

st.title("Cohort: grade transitions and survival")
st.caption("**Not a medical device.** " + INTENDED_USE)
render_page()
