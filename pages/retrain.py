"""Retrain: researchers upload a cohort, train or recalibrate, compare with the active
model, and choose which version is served."""

from riskapp.retrain_view import render_retrain_page
from riskapp.routing import require_router

require_router()
render_retrain_page()
