"""The results of the patient page: estimates, figures, the biopsy's value, the basis.

Everything shown comes from a :class:`risk.model.patient_estimate.PatientEstimate` held in session
state; figures come from :mod:`risk.present.figures.patient` and the PDF from :mod:`risk.present.pdf`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from risk import schema
from risk.i18n import N_, _, current_language
from risk.model import (
    HORIZON_WORDS,
    MODEL_WORDS,
    PREDICTED_MEDIAN_RULE,
    PatientEstimate,
    describe_alive,
    describe_cutpoints,
    describe_entered,
    describe_grade_comparison,
    describe_horizon,
    describe_median,
    describe_reference,
    describe_risk_group_basis,
    percent,
)
from risk.present import build_report, font_problem
from risk.present.figures import patient as figures
from riskapp.charts import chart_with_text, static_table
from riskapp.loaders import SYNTHETIC_BANNER, ServedModel, served_reference
from riskapp.patient_fhir import fhir_download
from riskapp.patient_form import STALE_WARNING, SUBMITTED_NOTE, inputs_changed
from riskapp.patient_grade import render_grade_sensitivity
from riskapp.patient_pfs import render_pfs

PRIMARY_ONLY = (N_("**No liver-biopsy grade was given, so this estimate comes from the "
                "primary-only model** (primary grade and clinical features). A liver-biopsy "
                "grade would refine it: see *Before the biopsy* below."))


def _chart(fig, key: str, finding: str | None = None) -> None:
    chart_with_text(fig, key, finding)


def _labels() -> dict[str, str]:
    return {c.name: schema.column_label(c.name) for c in schema.COLUMNS}


def _horizon_metrics(est: PatientEstimate) -> None:
    columns = st.columns(len(schema.HORIZONS_MONTHS))
    for column, months in zip(columns, schema.HORIZONS_MONTHS, strict=True):
        value, low, up = est.estimate.at(months)
        with column, st.container(key=f"surv_{months}", border=True):
            if est.estimate.survived(months):
                st.metric(_("Survival at {years}").format(years=HORIZON_WORDS[months]),
                          _("reached"))
                st.caption(_("{survived}: alive at {alive_months:g} months.").format(
                    survived=_(figures.ALREADY_SURVIVED), alive_months=est.alive_months))
                continue
            st.metric(_("Survival at {v0}").format(v0=HORIZON_WORDS[months]), percent(value))
            st.caption(_("95% CI {v0} to {v1}").format(v0=percent(low), v1=percent(up))
                       + (_(" (given alive at {alive_months:g} months)").format(alive_months=est.alive_months)
                          if est.alive_months else ""))


def _summary_line(est: PatientEstimate) -> None:
    left, right = st.columns(2)
    with left, st.container(key="median_os", border=True):
        st.markdown(_("**Median overall survival:** {v0}").format(v0=describe_median(est.estimate)))
        st.caption(_(PREDICTED_MEDIAN_RULE))
    group = str(est.estimate.summary.get("risk_group") or "")
    with right, st.container(key="risk_group", border=True):
        st.markdown(_("**Risk group: {v0}**").format(v0=schema.label('risk_group', group))
                    + (_(" (at the biopsy)") if est.alive_months else ""))
        st.caption(" ".join(filter(None, (describe_cutpoints(est.risk_cutpoints),
                                          describe_risk_group_basis(est.alive_months)))))


def _curve_figure(est: PatientEstimate, served: ServedModel):
    ref = served_reference(served)
    reference = None
    if ref.km_times is not None and ref.km_survival is not None:
        reference = (ref.km_times, ref.km_survival)
    e = est.estimate
    if est.alive_months:  # the cohort's curve is not conditional: it would mislead
        reference = None
    return figures.survival_curve(e.months, e.survival, e.lower, e.upper, reference=reference,
                                  reference_label=_(ref.label) if ref.label else _("Training cohort"),
                                  synthetic=est.synthetic, alive_months=est.alive_months)


def _biopsy_value(est: PatientEstimate) -> None:
    st.subheader(_("Value of the biopsy"))
    if not est.has_biopsy:
        st.markdown(_("No liver-biopsy grade was given: the estimate above is already the "
                    "primary-only one. *Before the biopsy* shows what a biopsy could show."))
        return
    if est.without_biopsy is None:
        st.markdown(_("The primary-only model cannot be used for this patient (no primary "
                    "grade, Ki-67 or mitotic count), so there is no estimate without the "
                    "biopsy to compare with."))
        return
    w, wo = est.estimate, est.without_biopsy
    liver, primary = est.patient["met_grade"].iloc[0], est.patient["primary_grade"].iloc[0]
    change = est.patient["grade_change"].iloc[0]
    horizon = est.headline_months
    s_with, s_without = w.at(horizon)[0], wo.at(horizon)[0]
    # the difference of the percentages shown, so that the sentence adds up
    moved = round(100 * s_with, 1) - round(100 * s_without, 1)
    compared = describe_grade_comparison(primary, liver)
    given = (_(", both given alive at {alive_months:g} months").format(
        alive_months=est.alive_months) if est.alive_months else "")
    points = abs(moved)
    st.markdown(
        _("The liver biopsy showed **{liver}** ({compared}). With it the survival estimate at {v0} is **{v1}**, against **{v2}** from the primary-only model").format(liver=liver, compared=compared, v0=HORIZON_WORDS[horizon], v1=percent(s_with), v2=percent(s_without))
        + given
        + ((_(" ({points:.1f} percentage points higher).") if moved > 0 else
            _(" ({points:.1f} percentage points lower).")).format(points=points) if round(moved, 1) else
           _(" (no change).")))
    if change == "concordant" and round(moved, 1):
        st.caption(_("Why a biopsy showing the same grade moves the estimate: the primary-only "
                     "model averages over every liver grade seen after such a primary, "
                     "changes of grade included; finding the same grade rules those out."))
    left, right = st.columns(2)
    with left:
        _chart(figures.biopsy_comparison(w.months, (w.survival, w.lower, w.upper),
                                         (wo.survival, wo.lower, wo.upper),
                                         liver_grade=liver, synthetic=est.synthetic),
               "biopsy_comparison")
    with right:
        rows = []
        for m in schema.HORIZONS_MONTHS:
            if w.survived(m):
                continue
            a, b = w.at(m), wo.at(m)
            rows.append({_("Survival at"): HORIZON_WORDS[m],
                         _("With the biopsy"): f"{percent(a[0])} ({_span(a)})",
                         _("Without"): f"{percent(b[0])} ({_span(b)})",
                         _("Change"): f"{round(100 * a[0], 1) - round(100 * b[0], 1):+.1f}"})
        static_table(pd.DataFrame(rows), hide_index=True)
        st.caption(_("In brackets: 95% intervals; change in percentage points.")
                   + (_(" Both from models trained on synthetic data.") if est.synthetic
                      else ""))


def _span(estimate: tuple[float, float, float]) -> str:
    return f"{100 * estimate[1]:.1f}-{100 * estimate[2]:.1f}%"


def _before_biopsy(est: PatientEstimate) -> None:
    st.subheader(_("Before the biopsy"))
    before = est.before_biopsy
    if before is None:
        st.markdown(_("Not available: it needs the primary grade (entered or derived) and "
                    "the training cohort's grade transitions, which this model version "
                    "does not provide."))
        return
    total = int(before.scenarios["patients"].sum())
    graded = before.primary_grade != "unknown"
    primary = (_("a primary **{primary_grade}** tumor").format(primary_grade=before.primary_grade) if graded
               else _("a primary tumor **without a grade**"))
    basis = (_("the training cohort's overall shares of liver grades (no training patient "
             "had such a primary)"))
    if total:
        basis = (_("how often each followed such a primary in the training cohort ({total} "
                   "patients with both grades)") if graded else
                 _("how often each followed such a primary in the training cohort ({total} "
                   "patients with an ungraded primary and a liver-biopsy grade)")
                 ).format(total=total)
    given = ""
    if est.alive_months:
        given = (_(" Given alive at {alive_months:g} months, each chance is updated by how likely a patient with that liver grade was to live that long (Bayes' rule).").format(alive_months=est.alive_months))
    st.markdown(_("For {primary}, the outcome under each liver grade a biopsy could show, weighted by {basis}.{given}").format(primary=primary, basis=basis, given=given))
    horizon = est.headline_months
    years = HORIZON_WORDS[horizon]
    left, right = st.columns([3, 2])
    with left:
        _chart(figures.before_biopsy(before.months, before.scenarios, before.curves,
                                     before.expected, horizon=horizon,
                                     synthetic=est.synthetic), "before_biopsy")
    with right:
        table = pd.DataFrame({
            _("Liver grade"): before.scenarios["liver_grade"],
            _("Chance (patients)"): [f"{p:.0%} ({n})" for p, n in zip(
                before.scenarios["probability"], before.scenarios["patients"], strict=True)],
            _("Survival at {years}").format(years=years): [percent(v) for v in before.survival_at(horizon)],
        })
        static_table(table, hide_index=True)
        expected = before.expected_at(horizon)
        st.markdown(_("Expected survival at {years} before the biopsy: **{v0}**.").format(years=years, v0=percent(expected)))
        primary_only = est.without_biopsy if est.has_biopsy else est.estimate
        if primary_only is not None:
            st.caption(
                _("This average comes from the biopsy model; the primary-only model, fitted directly on what is known before a biopsy, gives {v0}. A gap between the two shows how much the estimate depends on the model's assumptions.").format(v0=percent(primary_only.at(horizon)[0])))


def _basis(est: PatientEstimate, served: ServedModel) -> None:
    st.subheader(_("Basis of the estimate"))
    data = served.card.training_data
    trained_on = ""
    if data.patients:
        kind = _("synthetic patients") if served.synthetic else _("patients")
        trained_on = (_(", trained on {patients} {kind} ({v0} deaths)").format(patients=data.patients, kind=kind, v0='?' if data.events is None else data.events))
    st.markdown(_("Cox proportional-hazards model, version **{version}**{trained_on}. This estimate used {v0}.").format(version=served.version, trained_on=trained_on, v0=MODEL_WORDS.get(est.estimate.model_used, '')))
    _chart(figures.contributions_chart(est.estimate.contributions, _labels(),
                                       synthetic=est.synthetic), "contributions", _strongest(est))
    st.caption(_("Each bar is that input's contribution to the log hazard of death compared "
               "with the model's reference patient; × is the matching hazard ratio."))
    if est.reference_patient:
        with st.expander(_("The reference patient")):
            static_table(pd.DataFrame(describe_reference(est.reference_patient),
                                  columns=[_("Input"), _("Reference value")]), hide_index=True)


def _strongest(est: PatientEstimate) -> str | None:
    """The contributions chart's main finding: the input that moves the risk most."""
    contributions = est.estimate.contributions.dropna()
    if contributions.empty:
        return None
    name = contributions.abs().idxmax()
    value = float(contributions[name])
    return _("The input that moves this patient's risk most: {input} ({value:+.2f} on "
             "the log hazard, hazard × {ratio:.2f}).").format(
        input=schema.column_label(str(name)), value=value, ratio=float(np.exp(value)))


def _inputs(est: PatientEstimate) -> None:
    st.subheader(_("Inputs as entered"))
    rows = describe_entered(est)
    half = (len(rows) + 1) // 2
    for column, part in zip(st.columns(2), (rows[:half], rows[half:]), strict=True):
        with column:
            static_table(pd.DataFrame(part, columns=[_("Input"), _("As entered")]), hide_index=True)


def render_results(est: PatientEstimate, served: ServedModel) -> None:
    """Everything shown for one estimated patient, then the PDF download."""
    st.divider()
    st.header(_("Estimate for this patient"))
    if inputs_changed():
        with st.container(key="stale_inputs"):
            st.warning(_(STALE_WARNING), icon=":material/sync_problem:")
    else:
        st.caption(_(SUBMITTED_NOTE))
    if est.synthetic:
        st.warning(_(SYNTHETIC_BANNER), icon=":material/science:")
    if not est.has_biopsy:
        st.info(_(PRIMARY_ONLY), icon=":material/info:")
    if est.alive_months:
        with st.container(key="conditional", border=True):
            st.markdown(_("**Alive {alive_months:g} months after the biopsy.** ").format(alive_months=est.alive_months)
                        + describe_alive(est.alive_months))
    _horizon_metrics(est)
    _summary_line(est)
    render_grade_sensitivity(est)
    for warning in est.warnings:
        st.warning(_("**Caution:** {warning}.").format(warning=warning), icon=":material/warning:")
    if est.warnings:
        st.caption(_("Where a patient lies outside, or at the thin edge of, the training data, "
                   "the estimate extrapolates: read it with more doubt than its interval "
                   "shows."))
    curve = _curve_figure(est, served)
    left, right = st.columns([3, 2])
    with left:
        h = est.headline_months
        _chart(curve, "survival_curve", _("Survival at {years}: {estimate}.").format(
            years=HORIZON_WORDS[h], estimate=describe_horizon(est.estimate, h)))
    with right:
        horizon = est.headline_months
        _chart(figures.icon_array(est.estimate.at(horizon)[0], horizon_years=horizon // 12,
                                  alive_months=est.alive_months,
                                  synthetic=est.synthetic), "icon_array")
    render_pfs(est)
    _biopsy_value(est)
    _before_biopsy(est)
    _basis(est, served)
    _inputs(est)
    language = current_language()  # the button's function runs after this script run
    problem = font_problem() if language != "en" else None
    if problem:
        st.error(problem, icon=":material/error:")
        return
    st.download_button(
        _("Download the report (PDF)"),
        data=lambda: build_report(est, figure=curve, language=language),
        file_name=f"survival-estimate-{est.created.isoformat()}.pdf", mime="application/pdf",
        key="report", icon=":material/download:", on_click="ignore", type="primary")
    fhir_download(est, served)
