"""Home: what the tool is for, for whom, its limits, how to use each page, the model."""

import streamlit as st

from risk.i18n import _
from riskapp.loaders import active_is_synthetic, active_version, not_a_device_notice
from riskapp.routing import require_router

require_router()

st.title(_("Liver-biopsy grade and survival in GEP-NET liver metastases"))
st.warning(not_a_device_notice(), icon=":material/info:")

st.markdown(
    _("""
Patients with gastroenteropancreatic neuroendocrine tumors (GEP-NET) that have spread to
the liver often have a CT-guided core-needle biopsy of a liver metastasis. The WHO grade
found in the liver differs from the primary tumor's grade in about 40% of patients, and
tumors whose grade rises (for example G2 to G3) carry markedly shorter survival
(Ying et al., *World J Radiol* 2025;17(5):104808). This tool turns that finding into a
survival model that uses the primary grade, the liver-biopsy grade and clinical features.
""")
)

version = active_version()
synthetic = active_is_synthetic()
if version:
    trained = _(" (trained on synthetic data)") if synthetic else ""
    st.markdown(_("**Active model:** version `{version}`{trained}.").format(version=version, trained=trained))
else:
    st.error(_("No model is active yet: run `make model` to train and activate the shipped "
             "one, then reload this page."), icon=":material/error:")

st.header(_("Who it is for"))
st.markdown(
    _("""
- **Clinicians** enter one patient on **Patient**: a survival estimate with its
  uncertainty, the basis of the estimate, and what the liver biopsy changed.
- **Tumor boards** review a cohort on **Cohort**: grade transitions, survival by group,
  tables; and check the model on **Model**.
- **Researchers** retrain and validate the model on their own cohort on **Retrain**.
""")
)

st.header(_("How to use each page"))
st.markdown(
    _("""
- **Patient** — fill in the form (age, primary tumor, liver biopsy, extent of disease)
  and press *Estimate survival*. Grades may be left *not assessed*: they are derived
  from Ki-67 or the mitotic count, and the derivation is shown. Without a liver biopsy
  the primary-only model is used, and the page says so. You get survival at 1, 3, 5 and
  10 years with 95% intervals, the survival curve, the risk group, what the biopsy
  changed, what a biopsy could show, the basis of the estimate, and a PDF report. No
  name or record number is asked for; nothing entered is stored.
- **Cohort** — upload a cohort file (or use the shipped synthetic one) to see grade
  transitions and survival by group.
- **Model** — how well the active model discriminates and is calibrated, and its card.
- **Retrain** — train a new model version on your own cohort, validate it, and choose
  which version is served.
""")
)
if synthetic:
    st.caption(_("Every number shown comes from a model trained on synthetic data."))
