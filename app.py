"""Entry point: a router over the pages, the page config and the intended-use banner."""

from pathlib import Path

import streamlit as st

from riskapp.access import exposure_gate
from riskapp.timing import script_run

st.set_page_config(page_title="GEP-NET liver biopsy risk", page_icon="🩺", layout="wide")

PAGES = Path(__file__).parent / "pages"

# (file, title, icon, url path); the first is the default page at "/".
_PAGES = [
    ("home.py", "Home", ":material/home:", "home"),
    ("patient.py", "Patient", ":material/person:", "patient"),
    ("cohort.py", "Cohort", ":material/groups:", "cohort"),
    ("model.py", "Model", ":material/insights:", "model"),
    ("retrain.py", "Retrain", ":material/model_training:", "retrain"),
]

pages = [
    st.Page(PAGES / file, title=title, icon=icon, url_path=path, default=(i == 0))
    for i, (file, title, icon, path) in enumerate(_PAGES)
    if (PAGES / file).exists()
]
page = st.navigation(pages)
exposure_gate()  # served beyond this computer: sign-in, or a loud notice
with script_run(page.title):
    page.run()
