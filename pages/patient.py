"""Patient: one patient's survival estimate with its uncertainty, the value of the liver
biopsy, the basis of the estimate and a printable report."""

import streamlit as st

from risk import INTENDED_USE
from risk.errors import RiskError
from riskapp import loaders
from riskapp.patient_form import RESULT_KEY, patient_form
from riskapp.patient_view import render_results

st.title("Patient: survival estimate")
st.caption("**Not a medical device.** " + INTENDED_USE)

try:
    served = loaders.served_model()
except RiskError as exc:
    st.error(f"No model can be served: {exc}", icon=":material/error:")
    st.stop()

patient_form(served)
result = st.session_state.get(RESULT_KEY)
if result is not None:
    render_results(result, served)
