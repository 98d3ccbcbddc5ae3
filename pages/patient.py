"""Patient: one patient's survival estimate with its uncertainty, the value of the liver
biopsy, the basis of the estimate and a printable report."""

import streamlit as st

from risk.errors import RiskError
from risk.i18n import _
from riskapp import loaders
from riskapp.loaders import not_a_device_notice
from riskapp.patient_fhir import fhir_upload
from riskapp.patient_form import RESULT_KEY, patient_form
from riskapp.routing import require_router

require_router()

st.title(_("Patient: survival estimate"))
intended_use = st.container()  # filled after the form: deciding it reads the model card
notice = st.container()  # above the form: filled once the model is loaded
fhir_upload()  # fills the form's fields before they are drawn
patient_form()  # shown before the model loads: the clinician can start typing
with intended_use:
    st.caption(not_a_device_notice())
try:
    served = loaders.served_model()
except RiskError as exc:
    st.error(_("No model can be served: {reason}").format(reason=exc), icon=":material/error:")
    st.stop()
with notice:
    loaders.fallback_notice(served)

result = st.session_state.get(RESULT_KEY)
if result is None:
    loaders.warm_up(served)
    loaders.warm_up_browser()
else:
    from riskapp.patient_view import render_results  # plotly, fpdf: only with a result

    render_results(result, served)
