"""Entry point: a router over the pages, the page config, the language and the
intended-use banner."""

from pathlib import Path

import streamlit as st

from risk.i18n import N_, _
from riskapp.access import exposure_gate
from riskapp.accessibility import accessible_styles
from riskapp.language import language_selector
from riskapp.timing import script_run

st.set_page_config(page_title="GEP-NET liver biopsy risk", page_icon="🩺", layout="wide")
language_selector()  # before any page writes a word
accessible_styles()

PAGES = Path(__file__).parent / "pages"

# (file, title, icon, url path); the first is the default page at "/".
_PAGES = [
    ("home.py", N_("Home"), ":material/home:", "home"),
    ("patient.py", N_("Patient"), ":material/person:", "patient"),
    ("cohort.py", N_("Cohort"), ":material/groups:", "cohort"),
    ("model.py", N_("Model"), ":material/insights:", "model"),
    ("retrain.py", N_("Retrain"), ":material/model_training:", "retrain"),
]

pages = {
    title: st.Page(PAGES / file, title=_(title), icon=icon, url_path=path, default=(i == 0))
    for i, (file, title, icon, path) in enumerate(_PAGES)
    if (PAGES / file).exists()
}
page = st.navigation(list(pages.values()))
exposure_gate()  # served beyond this computer: sign-in, or a loud notice
# the timing log names the page in English, whatever the session's language
english = next((title for title, p in pages.items() if p is page), page.title)
with script_run(english):
    page.run()
