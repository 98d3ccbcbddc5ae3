"""The cohort page's risk distribution: the cohort scored by the active model, its risk
groups, and where the Patient page's patient falls among them."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from risk import schema
from risk.cohort import NO_SUPPRESSION, RISK_SCORE_LABEL, Disclosure, risk_percentile
from risk.cohort import shown as disclosed
from risk.i18n import _, format_number
from risk.model import RISK_GROUPS, describe_cutpoints
from risk.present.figures import cohort as figures
from risk.present.figures import cohort_text
from riskapp.charts import csv_download, plot, static_table
from riskapp.cohort_sections import SYNTHETIC_MODEL, View, for_screen
from riskapp.patient_form import RESULT_KEY as PATIENT_KEY  # where the patient page keeps it


def patient_risk(view: View) -> tuple[float | None, str]:
    """The patient page's patient as a 5-year risk of death (%) and a sentence, if any.

    Read from this session's own state at draw time: never cached, never stored.
    """
    estimate = st.session_state.get(PATIENT_KEY)
    if estimate is None:
        return None, _("Estimate a patient on the **Patient** page to see where they fall "
                       "in this cohort.")
    risk = 100.0 * (1.0 - float(estimate.estimate.summary["surv_60"]))
    if not np.isfinite(risk):
        return None, _("The patient on the Patient page has no 5-year estimate.")
    percent = format_number(risk, 0) + "%"
    if estimate.model_version != view.served.version:
        return risk, _("The patient from the Patient page has a predicted 5-year risk of "
                       "death of **{risk}** (estimated with model version {patient_version}; "
                       "the cohort is scored with {version}).").format(
                           risk=percent, patient_version=estimate.model_version,
                           version=view.served.version)
    return risk, _("The patient from the Patient page has a predicted 5-year risk of death "
                   "of **{risk}**.").format(risk=percent)


def risk_group_table(shown: pd.DataFrame, rule: Disclosure = NO_SUPPRESSION) -> pd.DataFrame:
    """Patients, share and mean predicted 5-year survival per risk group; under an active
    ``rule`` small counts are suppressed (with their share) and a group of fewer than
    ``threshold`` patients has no mean."""
    counts = shown["risk_group"].value_counts(sort=False)
    total = max(int(counts.sum()), 1)
    mean_surv = shown.groupby("risk_group", observed=False)["surv_60"].mean()
    groups = [schema.label("risk_group", g) for g in RISK_GROUPS]
    n = [int(counts.get(g, 0)) for g in groups]
    hidden = disclosed.protect_list(n, rule)
    percent = [disclosed.share(rule, k, total, h) for k, h in zip(n, hidden, strict=True)]
    return pd.DataFrame({
        _("Risk group"): groups,
        _("Patients"): [disclosed.cell(rule, k, h) for k, h in zip(n, hidden, strict=True)],
        _("% of shown"): [None if p is None else round(p, 1) for p in percent],
        _("Mean predicted 5-year survival (%)"): [
            np.nan if rule.small(k) else round(100 * float(mean_surv.get(g, np.nan)), 1)
            for g, k in zip(groups, n, strict=True)]})


def _mark_cutpoints(fig, cutpoints) -> None:
    """Dotted lines where the risk groups meet (5-year survival cut-points as risks)."""
    if not cutpoints:
        return
    low_cut, high_cut = cutpoints
    low, middle, high = (schema.label("risk_group", g) for g in RISK_GROUPS)
    for survival, text in ((high_cut, f"{low} | {middle}"), (low_cut, f"{middle} | {high}")):
        fig.add_vline(x=100.0 * (1.0 - survival), line={"color": "#555555", "dash": "dot",
                                                        "width": 2})
        fig.add_annotation(x=100.0 * (1.0 - survival), y=0.9, yref="paper", text=text,
                           showarrow=False, xanchor="left", xshift=4,
                           font={"size": 14, "color": "#555555"}, bgcolor="white")


def risk_section(view: View) -> None:
    if view.served is None:
        st.info(_("No model is active, so the cohort cannot be scored: run `make model` (or "
                  "activate a version on the command line) and reload."), icon=":material/info:")
        return
    shown = view.risk.table.loc[view.frame.index]
    score, sentence = patient_risk(view)
    fig = figures.risk_distribution(100.0 * shown["risk_60"].to_numpy(float), score,
                                    score_label=_(RISK_SCORE_LABEL), rule=view.rule,
                                    **view.mark(uses_model=True))
    _mark_cutpoints(fig, view.risk.cutpoints)
    plot(fig, "risk_distribution", "risk-distribution",
         finding=cohort_text.risk_finding(100.0 * shown["risk_60"].to_numpy(float)),
         data=cohort_text.histogram_table(fig))
    if score is not None:
        scores = 100.0 * shown["risk_60"].to_numpy(float)
        percentile = risk_percentile(scores, score)
        words = disclosed.percentile_words(view.rule, int((scores < score).sum()),
                                           int((scores > score).sum()), percentile)
        sentence += " " + _("That is {percentile}.").format(percentile=words)
    st.markdown(sentence)
    table = risk_group_table(shown, view.rule)
    static_table(for_screen(table), hide_index=True)
    csv_download(table, "risk-groups", "risk_groups_csv")
    st.caption(" ".join([_("Scored with model version {version}.").format(
        version=view.served.version), describe_cutpoints(view.risk.cutpoints),
        _(SYNTHETIC_MODEL) if view.model_synthetic else ""]).strip())
