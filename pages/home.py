"""Home: what the tool is for, for whom, and its limits."""

import streamlit as st

from risk import INTENDED_USE

st.title("Liver-biopsy grade and survival in GEP-NET liver metastases")
st.warning("**Not a medical device.** " + INTENDED_USE, icon=":material/info:")

st.markdown(
    """
Patients with gastroenteropancreatic neuroendocrine tumors (GEP-NET) that have spread to
the liver often have a CT-guided core-needle biopsy of a liver metastasis. The WHO grade
found in the liver differs from the primary tumor's grade in about 40% of patients, and
tumors whose grade rises (for example G2 to G3) carry markedly shorter survival
(Ying et al., *World J Radiol* 2025;17(5):104808). This tool turns that finding into a
survival model that uses the primary grade, the liver-biopsy grade and clinical features.
"""
)

st.subheader("Who it is for")
st.markdown(
    """
- **Clinicians** enter one patient on **Patient**: a survival estimate with its
  uncertainty, the basis of the estimate, and what the liver biopsy changed.
- **Tumor boards** review a cohort on **Cohort**: grade transitions, survival by group,
  tables; and check the model on **Model**.
- **Researchers** retrain and validate the model on their own cohort on **Retrain**.
"""
)
st.caption("Every number shown comes from a model trained on synthetic data.")
