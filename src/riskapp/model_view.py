"""The model page: the active version's card, both models' hazard ratios, the baseline
survival, the evaluation stored with the version, and the version history.

Sections are tabs drawn only when opened. Everything comes from the registry (the
verified model files and card); nothing is fitted or evaluated here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd
import streamlit as st

from risk import registry, schema
from risk.errors import RiskError
from risk.evaluation import PFS_EVALUATION_NOTE
from risk.i18n import _
from risk.present import SYNTHETIC_NOTE, VERMILLION, pfs_counts_line
from risk.present import model_summary as summary
from risk.present.figures import evaluation as evaluation_figures
from risk.present.figures import model as figures
from risk.registry import library_versions
from risk.synthetic import SHIPPED_SHA256
from riskapp import loaders
from riskapp.charts import as_plain_markdown, csv_download, plot, static_table
from riskapp.model_facts_view import checklists_section, facts_section
from riskapp.model_pooling import pooling_section

if TYPE_CHECKING:
    from risk.evaluation import EvaluationReport, PfsEvaluation
    from risk.registry import ModelCard

MODEL_TAB_KEY = "model_tab"
HOW_TO_EVALUATE = (
    "A validation needs a cohort with outcomes: `python -m risk evaluate --data COHORT.csv "
    "--out reports/NAME` writes the full report (report.json, report.html) for the active "
    "version; a version trained on the **Retrain** page stores its headline numbers with it.")


# --------------------------------------------------------------------------- the card

def _fact(column, label: str, value: str, caption: str = "") -> None:
    """A labelled fact in large type that wraps (a metric cuts a long version name)."""
    with column:
        st.caption(label)
        st.subheader(as_plain_markdown(value), anchor=False)
        if caption:
            st.caption(caption)


def _data_file(served, synthetic: bool) -> tuple[str, str]:
    """The heading of the card's data table, and what the file was."""
    card = served.card
    own = card.training_data.sha256 == SHIPPED_SHA256
    shipped = "the shipped synthetic cohort (data/synthetic/cohort.csv)"
    if card.kind == "recalibrated":
        parent = card.parent or "?"
        origin = " (itself resting on the shipped synthetic cohort)" if synthetic and not own \
            else ""
        return ("Recalibration data", f"{shipped if own else 'a cohort supplied'}: its "
                f"baseline survival is this version's; the coefficients are those of "
                f"version {parent}{origin}")
    return "Training data", shipped if own else "a cohort supplied when the version was trained"


def _card_facts(served, synthetic: bool) -> None:
    card = served.card
    data = card.training_data
    columns = st.columns([3, 2, 2, 3])
    created = card.created_utc or "?"
    _fact(columns[0], "Version", served.version)
    _fact(columns[1], "Created", created.split("T")[0],
          created.replace("T", " at ").replace("Z", " UTC"))
    _fact(columns[2], "Kind", card.kind or "?")
    _fact(columns[3], "Parent version", card.parent or "none")
    st.markdown("**Intended use**")
    st.info(card.intended_use or "Not stated.", icon=":material/info:")
    heading, source = _data_file(served, synthetic)
    st.markdown(f"**{heading}** (a fingerprint and counts: the version holds no rows)")
    rows = [*summary.training_counts(data),
            ("File fingerprint (SHA-256)", data.sha256 or "not recorded"),
            ("The file", source)]
    if data.schema_version is not None:
        rows.append(("Data dictionary version", str(data.schema_version)))
    static_table(pd.DataFrame(rows, columns=["What", "Value"]), hide_index=True, hide_header=True)


def _settings(card: ModelCard) -> None:
    settings = card.settings
    if settings:
        st.markdown("**Settings**")
        rows = [(k.replace("_", " "), str(v)) for k, v in settings.items()]
        static_table(pd.DataFrame(rows, columns=["Setting", "Value"]), hide_index=True,
                     hide_header=True)


def _libraries(card: ModelCard) -> None:
    stored = card.libraries
    now = library_versions()
    rows = [{"Library": name, "At training": version, "Installed now": now.get(name, "?"),
             "Same": "yes" if now.get(name) == version else "no"}
            for name, version in stored.items()]
    st.markdown("**Library versions**")
    if rows:
        static_table(pd.DataFrame(rows), hide_index=True)
        if any(r["Same"] == "no" for r in rows):
            st.caption("A different version can change a refit in the last digits; "
                       "predictions use the stored parameters and do not depend on it.")
    else:
        st.caption(f"{schema.NOT_RECORDED} with this version.")


def card_section(served, synthetic: bool) -> None:
    _card_facts(served, synthetic)
    with st.container(key="model_methods"):
        st.markdown("**How the estimates and their 95% intervals are computed**")
        for line in summary.method_lines(served.model, served.card):
            st.markdown(f"- {line}")
    st.markdown("**Limitations**")
    for line in summary.limitations(served.model, served.card, synthetic):
        st.markdown(f"- {line}")
    _settings(served.card)
    _libraries(served.card)


# --------------------------------------------------------------------------- the models

def hazard_ratio_section(served, synthetic: bool) -> None:
    table = summary.hazard_ratio_table(served.model)
    plot(figures.hazard_ratio_figure(table, synthetic=synthetic), "model_hazard_ratios",
         f"hazard-ratios-{served.version}")
    with st.container(key="model_hr_table"):  # static: both models' columns on screen
        static_table(summary.hazard_ratios_side_by_side(table), hide_index=True)
    csv_download(table, f"hazard-ratios-{served.version}", "model_hr_csv")
    st.caption("Both models are Cox proportional-hazards models (maximum partial "
               "likelihood); the comparator knows only what is known before the liver biopsy.")


def baseline_section(served, synthetic: bool) -> None:
    model = served.model
    curves = {name: {"reference": summary.reference_survival(cox, model.reference_patient_),
                     "baseline": summary.baseline_survival(cox)}
              for name, cox in model.models_.items()}
    plot(figures.baseline_survival_figure(curves, synthetic=synthetic), "baseline",
         f"baseline-survival-{served.version}")
    st.markdown("**The reference patient:** "
                + summary.describe_reference_patient(model.reference_patient_))
    table = summary.baseline_table(model)
    shown = table.assign(model=table["model"].map(summary.MODEL_NAMES))
    for column in ("baseline_survival", "reference_patient_survival"):
        shown[column] = (100 * shown[column]).map(lambda v: f"{v:.1f}%")
    shown["baseline_cumulative_hazard"] = shown["baseline_cumulative_hazard"].map(
        lambda v: f"{v:.4f}")
    static_table(shown.rename(columns=lambda c: c.replace("_", " ")), hide_index=True)
    csv_download(table, f"baseline-survival-{served.version}", "baseline_csv")


# --------------------------------------------------------------------------- evaluation

def _marked(fig, synthetic: bool):
    """The evaluation figures' own look, with the synthetic-data mark when it applies."""
    if synthetic:
        fig.add_annotation(text=_(SYNTHETIC_NOTE), xref="paper", yref="paper", x=1.0, y=1.0,
                           yshift=30, xanchor="right", yanchor="bottom", showarrow=False,
                           font={"size": 13, "color": VERMILLION})
    return fig


def _report_figures(report: EvaluationReport, synthetic: bool) -> None:
    plot(_marked(evaluation_figures.concordance_comparison(report), synthetic),
         "eval_concordance", "validation-concordance")
    calibration = report.calibration.get("60")
    left, right = st.columns(2)
    with left:
        if calibration:
            plot(_marked(evaluation_figures.calibration_plot(
                calibration, report.comparator_calibration.get("60")),
                synthetic), "eval_calibration", "validation-calibration-60-months")
    with right:
        plot(_marked(evaluation_figures.time_dependent_auc_plot(report.headline,
                                                                report.comparator),
                     synthetic), "eval_auc", "validation-time-dependent-auc")
    left, right = st.columns(2)
    with left:
        if report.decision_curve:
            plot(_marked(evaluation_figures.decision_curve_plot(report.decision_curve),
                         synthetic), "eval_decision_curve", "validation-decision-curve")
    with right:
        cells = report.biopsy_value.reclassification if report.biopsy_value else []
        if cells:
            plot(_marked(evaluation_figures.reclassification_heatmap(cells), synthetic),
                 "eval_reclassification", "validation-reclassification")


def _measured_on(report: EvaluationReport) -> str:
    n, events = report.headline.n, report.headline.events
    text = (f"Measured on {'?' if n is None else f'{n:,}'} patients "
            f"({'?' if events is None else f'{events:,}'} deaths)")
    if report.settings.bootstrap:
        text += f"; intervals from {report.settings.bootstrap} bootstrap resamples"
    return text + "."


def evaluation_section(served, synthetic: bool) -> None:
    kind, data = summary.stored_evaluation(served.card)
    metrics = served.card.metrics
    if kind == "none":
        st.info(f"**No stored evaluation for version {served.version}.** " + HOW_TO_EVALUATE,
                icon=":material/info:")
        apparent = metrics.c_index_apparent_training
        if apparent is not None:
            st.markdown(f"The card holds only the *apparent* Harrell's C on the training "
                        f"data: **{apparent:.3f}**. It is optimistic by construction (the "
                        "model is scored on the patients it learnt from) and is not a "
                        "validation.")
        return
    if synthetic:
        st.warning((data.context if kind == "report" else None)
                   or summary.SYNTHETIC_LIMITATION, icon=":material/science:")
    if kind == "headline":
        st.markdown(f"Measured on {metrics.measured_on or 'an unnamed cohort'}.")
        headline, comparator = data, None
    else:
        st.markdown(_measured_on(data))
        headline, comparator = data.headline, data.comparator
    table = summary.headline_metrics(headline, comparator)
    static_table(table, hide_index=True)
    csv_download(table, f"validation-{served.version}", "eval_csv")
    for line in summary.biopsy_value_lines(headline):
        st.markdown(f"- {line}")
    if kind == "report":
        _report_figures(data, synthetic)
        if data.pfs is not None:
            _pfs_validation(data.pfs, served.version, synthetic)
    else:
        st.caption("Only the headline numbers were stored with this version: the "
                   "calibration, time-dependent AUC and decision curves are in its "
                   "evaluation report (python -m risk evaluate).")


def _pfs_validation(pfs: PfsEvaluation, version: str, synthetic: bool) -> None:
    """The progression-free survival model's validation (container ``eval_pfs``)."""
    with st.container(key="eval_pfs"):
        st.subheader("Progression-free survival model", anchor=False)
        st.markdown(pfs_counts_line(pfs))
        table = summary.headline_metrics(pfs.served, pfs.comparator)
        static_table(table, hide_index=True)
        csv_download(table, f"validation-pfs-{version}", "eval_pfs_csv")
        calibration = pfs.calibration.get("60")
        if calibration:
            plot(_marked(evaluation_figures.calibration_plot(
                calibration, pfs.comparator_calibration.get("60"), outcome="pfs"), synthetic),
                "eval_pfs_calibration", "validation-pfs-calibration-60-months")
        st.caption(PFS_EVALUATION_NOTE)


# --------------------------------------------------------------------------- versions

def model_versions_section(served, synthetic: bool) -> None:
    store = registry.Registry(loaders.model_dir())
    versions = summary.version_history(store)
    st.markdown("**Versions** (newest first)")
    counts = st.column_config.NumberColumn(format="localized")  # 1,000 like the rest
    st.dataframe(versions, hide_index=True, width="stretch",
                 column_config={"Patients": counts, "Deaths": counts})
    csv_download(versions, "model-versions", "versions_csv")
    history = summary.activation_history(store)
    st.markdown("**Which version was served, and when** (newest first)")
    static_table(history, hide_index=True)
    st.caption("Versions are written once and never changed; activation and rollback only "
               "move the pointer to the served version.")


# --------------------------------------------------------------------------- installation

VERIFICATION_KEY = "model_verification"


def installation_section(served) -> None:
    """Whether this installation reproduces the version's reference test pack (computed
    once per process and version, at the page's first view)."""
    result = loaders.installation_check(served)
    check = result.check
    with st.container(key=VERIFICATION_KEY):
        if check is None:
            st.info(f"**Not verified on this installation.** "
                    f"{as_plain_markdown(result.problem)}",
                    icon=":material/help:")
        elif check.passed:
            st.success(f"**Verified on this installation: {check.agreeing:,} of "
                       f"{check.patients:,} reference patients.** Every output of the "
                       "version's reference test pack, computed when it was saved, is "
                       "computed again here and agrees (survival to 1e-9; risk groups, "
                       "the model used and flags exactly).", icon=":material/verified:")
        else:
            first = check.differences[0]
            what = ", ".join(str(as_plain_markdown(text)) for text in (
                f"patient {first.patient_id}", f"{first.field}: expected "
                f"{first.expected or 'blank'}", f"got {first.got or 'blank'}"))
            st.error(f"**Not reproduced on this installation: "
                     f"{check.patients - check.agreeing:,} of {check.patients:,} reference "
                     f"patients differ.** First: {what}. Do not use these estimates until the "
                     f"installation is fixed (python -m risk models verify "
                     f"{served.version} lists the differences).", icon=":material/error:")


MODEL_SECTIONS = (("Model card", card_section), ("Model facts", facts_section),
            ("Hazard ratios", hazard_ratio_section),
            ("Baseline survival", baseline_section), ("Validation", evaluation_section),
            ("Multi-centre validation", pooling_section),
            ("Reporting checklists", checklists_section),
            ("Version history", model_versions_section))


def render_page() -> None:
    """The whole model page below its title."""
    try:
        served = loaders.served_model()
    except RiskError as exc:
        st.error(f"No model can be shown: {exc}", icon=":material/error:")
        return
    loaders.fallback_notice(served)
    synthetic = served.synthetic
    if synthetic:
        st.warning(_(loaders.SYNTHETIC_BANNER), icon=":material/science:")
    st.markdown(f"{'Served' if served.fallback else 'Active'} version: **{served.version}**.")
    installation_section(served)
    tabs = st.tabs([title for title, _draw in MODEL_SECTIONS], key=MODEL_TAB_KEY, on_change="rerun")
    for tab, (_title, draw) in zip(tabs, MODEL_SECTIONS, strict=True):
        if tab.open:
            with tab:
                draw(served, synthetic)
