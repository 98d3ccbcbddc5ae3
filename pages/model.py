"""Model: what the active model is (its card), its hazard ratios and baseline survival,
how well it did (the evaluation stored with it) and the version history."""

import streamlit as st

from risk.i18n import _
from riskapp.loaders import not_a_device_notice
from riskapp.model_view import render_page
from riskapp.routing import require_router

require_router()

st.title(_("Model: what it is and how well it performs"))
st.caption(not_a_device_notice())
render_page()
