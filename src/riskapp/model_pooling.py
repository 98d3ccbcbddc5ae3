"""The Model page's "Multi-centre validation" section: a researcher uploads centres' site
summaries (``python -m risk evaluate --summary-out``) and sees them pooled: the sites, the
pooled table and a forest plot per metric, or why a file is refused.

Uploads stay in memory (``getvalue()``), are never written to disk or logged, and every
text from a file (site names, notes) is shown as plain text.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from risk.evaluation import SiteSummaryError, pool_sites, read_site_summaries
from risk.i18n import N_, _, current_language, format_integer
from risk.present import (
    POOLED_MODEL_NAMES,
    pooled_forest_plot,
    pooled_rows,
    render_pooled_html,
    site_rows,
)
from riskapp.charts import plot, static_table

UPLOAD_KEY = "site_summaries"
MODEL_CHOICE_KEY = "pooled_model"
#: The uploader's file picker offers JSON (a MIME type listed: see riskapp.uploads).
SUMMARY_TYPES = [".json", "application/json"]
HOW_TO = N_(
    "Each centre runs `python -m risk evaluate --data LOCAL.csv --summary-out site.json "
    "--site-name NAME` on its own patients and shares only that file: counts and each "
    "metric with its standard error, no patient row. Upload two or more summaries of the "
    "same model version to pool them (random effects, REML; Hartung-Knapp-Sidik-Jonkman "
    "95% CI; 95% prediction interval for a new centre; C on the logit scale, as Debray "
    "et al., BMJ 2017).")


def pooling_section(served, synthetic: bool) -> None:
    """Upload site summaries, pool them, show the tables and forest plots."""
    st.markdown(_(HOW_TO))
    uploads = st.file_uploader(_("Site summaries (JSON)"), type=SUMMARY_TYPES,
                               accept_multiple_files=True, key=UPLOAD_KEY)
    if not uploads:
        st.info(_("No site summaries uploaded yet."), icon=":material/upload_file:")
        return
    files = [(upload.name, upload.getvalue()) for upload in uploads]
    try:
        summaries = read_site_summaries(files)
        pooled = pool_sites([(name, s) for (name, _), s in zip(files, summaries, strict=True)])
    except SiteSummaryError as exc:
        st.error(_("Cannot pool these files: {reason}").format(reason=exc),
                 icon=":material/error:")
        return
    if pooled.model_version != served.version:
        st.warning(_("These summaries evaluate model version {pooled}; the served version "
                     "is {served}.").format(pooled=pooled.model_version,
                                            served=served.version),
                   icon=":material/warning:")
    st.markdown(_("**Sites** ({n} uploaded; model version {version})").format(
        n=format_integer(len(pooled.sites)), version=pooled.model_version))
    static_table(pd.DataFrame(site_rows(pooled)), hide_index=True)
    for note in pooled.notes:
        st.caption(note)
    which = st.radio(_("Model"), list(POOLED_MODEL_NAMES),
                     format_func=POOLED_MODEL_NAMES.__getitem__,
                     horizontal=True, key=MODEL_CHOICE_KEY)
    st.markdown(_("**Pooled performance: {model}**").format(
        model=POOLED_MODEL_NAMES[which].lower()))
    static_table(pd.DataFrame(pooled_rows(pooled, which)), hide_index=True)
    for name, metric in pooled.metrics[which].items():
        plot(pooled_forest_plot(metric), key=f"forest_{which}_{name}",
             filename=f"pooled-{which}-{name}")
    language = current_language()  # the callback runs later, outside this script run
    st.download_button(_("Download the pooled report (HTML)"),
                       data=lambda: render_pooled_html(pooled, language=language),
                       file_name="pooled.html", mime="text/html",
                       key="pooled_html", icon=":material/download:", on_click="ignore")
