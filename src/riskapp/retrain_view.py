"""The retrain page: upload a cohort, validate it, train or recalibrate, compare with the
active model, save, activate with confirmation, roll back.

Per-user state (the uploaded cohort, a trained model before it is saved) lives in
``st.session_state``; only the registry is shared, and only allowed users change it
(:mod:`riskapp.access`).
"""

from __future__ import annotations

import streamlit as st

from risk.errors import RiskError
from risk.i18n import N_, _
from riskapp.access import access_panel, current_access
from riskapp.loaders import not_a_device_notice
from riskapp.retrain_train import recalibration_section, train_section
from riskapp.retrain_upload import upload_section
from riskapp.retrain_versions import registry, retrain_versions_section, show_flash

TABS = (N_("Train a new model"), N_("Recalibrate the active model"), N_("Model versions"))


def render_retrain_page() -> None:
    st.title(_("Retrain: your cohort, a new model version"))
    st.caption(not_a_device_notice())
    show_flash()
    access = current_access()
    access_panel(access)
    try:
        active = registry().active_version()
    except RiskError as exc:  # a damaged pointer: say so; activating a version repairs it
        active = None
        st.error(f"{exc}", icon=":material/error:")
    st.markdown(_("**Active model:** `{version}`").format(version=active) if active else
                _("**No model is active.** Train one below, or activate a version."))

    st.header(_("1. Your cohort"))
    upload = upload_section()

    train_tab, recalibrate_tab, versions_tab = st.tabs([_(t) for t in TABS])
    with train_tab:
        if upload is None:
            st.info(_("Upload a valid cohort file above to train a model on it."))
        else:
            train_section(upload, access)
    with recalibrate_tab:
        if upload is None:
            st.info(_("Upload a valid cohort file above to recalibrate the active model on it."))
        else:
            recalibration_section(upload, access)
    with versions_tab:
        retrain_versions_section(access)
