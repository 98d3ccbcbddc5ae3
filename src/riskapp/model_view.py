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
from risk.i18n import N_, Words, _, format_integer, format_number, format_percent
from risk.present import SYNTHETIC_NOTE, VERMILLION, pfs_counts_line
from risk.present import model_summary as summary
from risk.present import version_history as registry_words
from risk.present.figures import evaluation as evaluation_figures
from risk.present.figures import model as figures
from risk.registry import library_versions
from risk.synthetic import SHIPPED_SHA256
from riskapp import loaders
from riskapp.accessibility import FACT_KEY
from riskapp.charts import as_plain_markdown, csv_download, plot, static_table
from riskapp.model_facts_view import checklists_section, facts_section
from riskapp.model_pooling import pooling_section

if TYPE_CHECKING:
    from risk.evaluation import EvaluationReport, PfsEvaluation
    from risk.registry import ModelCard

MODEL_TAB_KEY = "model_tab"
#: The baseline table's columns (:func:`risk.present.model_summary.baseline_table`).
BASELINE_COLUMNS = Words({"model": N_("Model"), "months": N_("Months"),
                          "baseline_cumulative_hazard": N_("Baseline cumulative hazard"),
                          "baseline_survival": N_("Baseline survival"),
                          "reference_patient_survival": N_("Reference patient survival")})
HOW_TO_EVALUATE = N_(
    "A validation needs a cohort with outcomes: `python -m risk evaluate --data COHORT.csv "
    "--out reports/NAME` writes the full report (report.json, report.html) for the active "
    "version; a version trained on the **Retrain** page stores its headline numbers with it.")


# --------------------------------------------------------------------------- the card

def _fact(column, key: str, label: str, value: str, caption: str = "") -> None:
    """A labelled fact in large type that wraps (a metric cuts a long version name). Not a
    heading: the card's facts come before the page's first section heading, and a heading
    there breaks the outline a screen reader navigates by (axe-core's heading-order)."""
    with column:
        st.caption(label)
        with st.container(key=f"{FACT_KEY}{key}"):  # large type, by its key
            st.markdown(as_plain_markdown(value))
        if caption:
            st.caption(caption)


def _data_file(served, synthetic: bool) -> tuple[str, str]:
    """The heading of the card's data table, and what the file was."""
    card = served.card
    own = card.training_data.sha256 == SHIPPED_SHA256
    shipped = _("the shipped synthetic cohort (data/synthetic/cohort.csv)")
    if card.kind == "recalibrated":
        parent = card.parent or "?"
        text = (_("{data}: its baseline survival is this version's; the coefficients are those "
                  "of version {parent} (itself resting on the shipped synthetic cohort)")
                if synthetic and not own else
                _("{data}: its baseline survival is this version's; the coefficients are those "
                  "of version {parent}"))
        return _("Recalibration data"), text.format(
            data=shipped if own else _("a cohort supplied"), parent=parent)
    return _("Training data"), shipped if own else _(
        "a cohort supplied when the version was trained")


def _card_facts(served, synthetic: bool) -> None:
    card = served.card
    data = card.training_data
    columns = st.columns([3, 2, 2, 3])
    date, time = registry_words.created_words(card.created_utc)
    _fact(columns[0], "version", _("Version"), served.version)
    _fact(columns[1], "created", _("Created"), date, time)
    _fact(columns[2], "kind", _("Kind"), registry_words.kind_label(card.kind))
    _fact(columns[3], "parent", _("Parent version"), card.parent or _("none"))
    st.markdown(_("**Intended use**"))
    # the card's own words: this software's msgid unless a person wrote others
    st.info(_(card.intended_use) if card.intended_use else _("Not stated."),
            icon=":material/info:")
    heading, source = _data_file(served, synthetic)
    st.markdown(_("**{heading}** (a fingerprint and counts: the version holds no rows)").format(
        heading=heading))
    rows = [*summary.training_counts(data),
            (_("File fingerprint (SHA-256)"), data.sha256 or _(schema.NOT_RECORDED)),
            (_("The file"), source)]
    if data.schema_version is not None:
        rows.append((_("Data dictionary version"), str(data.schema_version)))
    static_table(pd.DataFrame(rows, columns=[_("What"), _("Value")]), hide_index=True,
                 hide_header=True)


def _settings(card: ModelCard) -> None:
    rows = summary.settings_rows(card)
    if rows:
        st.markdown(_("**Settings**"))
        static_table(pd.DataFrame(rows, columns=[_("Setting"), _("Value")]), hide_index=True,
                     hide_header=True)


def _libraries(card: ModelCard) -> None:
    stored = card.libraries
    now = library_versions()
    same = [now.get(name) == version for name, version in stored.items()]
    rows = [{_("Library"): name, _("At training"): version,
             _("Installed now"): now.get(name, "?"), _("Same"): _("yes") if equal else _("no")}
            for (name, version), equal in zip(stored.items(), same, strict=True)]
    st.markdown(_("**Library versions**"))
    if rows:
        static_table(pd.DataFrame(rows), hide_index=True)
        if not all(same):
            st.caption(_("A different version can change a refit in the last digits; "
                         "predictions use the stored parameters and do not depend on it."))
    else:
        st.caption(_("This version did not store the library versions it was trained with."))


def card_section(served, synthetic: bool) -> None:
    _card_facts(served, synthetic)
    with st.container(key="model_methods"):
        st.markdown(_("**How the estimates and their 95% intervals are computed**"))
        for line in summary.method_lines(served.model, served.card):
            st.markdown(f"- {line}")
    st.markdown(_("**Limitations**"))
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
    st.caption(_("Both models are Cox proportional-hazards models (maximum partial "
                 "likelihood); the comparator knows only what is known before the liver "
                 "biopsy."))


def baseline_section(served, synthetic: bool) -> None:
    model = served.model
    curves = {name: {"reference": summary.reference_survival(cox, model.reference_patient_),
                     "baseline": summary.baseline_survival(cox)}
              for name, cox in model.models_.items()}
    plot(figures.baseline_survival_figure(curves, synthetic=synthetic), "baseline",
         f"baseline-survival-{served.version}")
    st.markdown(_("**The reference patient:** {patient}").format(
        patient=summary.describe_reference_patient(model.reference_patient_)))
    table = summary.baseline_table(model)
    shown = table.assign(model=table["model"].map(summary.MODEL_NAMES.__getitem__))
    for column in ("baseline_survival", "reference_patient_survival"):
        shown[column] = shown[column].map(lambda v: format_percent(v, 1))
    shown["baseline_cumulative_hazard"] = shown["baseline_cumulative_hazard"].map(
        lambda v: format_number(v, 4))
    static_table(shown.rename(columns=BASELINE_COLUMNS.__getitem__), hide_index=True)
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
    counts = {"patients": "?" if n is None else format_integer(n),
              "deaths": "?" if events is None else format_integer(events)}
    if report.settings.bootstrap:
        return _("Measured on {patients} patients ({deaths} deaths); intervals from "
                 "{resamples} bootstrap resamples.").format(
                     **counts, resamples=format_integer(report.settings.bootstrap))
    return _("Measured on {patients} patients ({deaths} deaths).").format(**counts)


def evaluation_section(served, synthetic: bool) -> None:
    kind, data = summary.stored_evaluation(served.card)
    metrics = served.card.metrics
    if kind == "none":
        st.info(_("**No stored evaluation for version {version}.** {how}").format(
            version=served.version, how=_(HOW_TO_EVALUATE)), icon=":material/info:")
        apparent = metrics.c_index_apparent_training
        if apparent is not None:
            st.markdown(_("The card holds only the *apparent* Harrell's C on the training "
                          "data: **{c}**. It is optimistic by construction (the model is "
                          "scored on the patients it learnt from) and is not a "
                          "validation.").format(c=format_number(apparent, 3)))
        return
    if synthetic:
        # the report's context, stored in English: this software's msgid unless edited
        context = data.context if kind == "report" else None
        st.warning(_(context) if context else _(summary.SYNTHETIC_LIMITATION),
                   icon=":material/science:")
    if kind == "headline":
        st.markdown(_("Measured on {cohort}.").format(
            cohort=metrics.measured_on or _("an unnamed cohort")))
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
        st.caption(_("Only the headline numbers were stored with this version: the "
                     "calibration, time-dependent AUC and decision curves are in its "
                     "evaluation report (python -m risk evaluate)."))


def _pfs_validation(pfs: PfsEvaluation, version: str, synthetic: bool) -> None:
    """The progression-free survival model's validation (container ``eval_pfs``)."""
    with st.container(key="eval_pfs"):
        st.subheader(_("Progression-free survival model"), anchor=False)
        st.markdown(pfs_counts_line(pfs))
        table = summary.headline_metrics(pfs.served, pfs.comparator)
        static_table(table, hide_index=True)
        csv_download(table, f"validation-pfs-{version}", "eval_pfs_csv")
        calibration = pfs.calibration.get("60")
        if calibration:
            plot(_marked(evaluation_figures.calibration_plot(
                calibration, pfs.comparator_calibration.get("60"), outcome="pfs"), synthetic),
                "eval_pfs_calibration", "validation-pfs-calibration-60-months")
        st.caption(_(PFS_EVALUATION_NOTE))


# --------------------------------------------------------------------------- versions

def model_versions_section(served, synthetic: bool) -> None:
    store = registry.Registry(loaders.model_dir())
    versions = registry_words.version_history(store)
    st.markdown(_("**Versions** (newest first)"))
    counts = st.column_config.NumberColumn(format="localized")  # 1,000 like the rest
    columns = registry_words.HISTORY_COLUMNS
    st.dataframe(versions, hide_index=True, width="stretch",
                 column_config={columns["patients"]: counts, columns["deaths"]: counts})
    csv_download(versions, "model-versions", "versions_csv")
    history = registry_words.activation_history(store)
    st.markdown(_("**Which version was served, and when** (newest first)"))
    static_table(history, hide_index=True)
    st.caption(_("Versions are written once and never changed; activation and rollback only "
                 "move the pointer to the served version."))


# --------------------------------------------------------------------------- installation

VERIFICATION_KEY = "model_verification"


def installation_section(served) -> None:
    """Whether this installation reproduces the version's reference test pack (computed
    once per process and version, at the page's first view)."""
    result = loaders.installation_check(served)
    check = result.check
    with st.container(key=VERIFICATION_KEY):
        if check is None:
            st.info(_("**Not verified on this installation.** {problem}").format(
                problem=as_plain_markdown(result.problem)), icon=":material/help:")
        elif check.passed:
            st.success(_("**Verified on this installation: {agreeing} of {patients} reference "
                         "patients.** Every output of the version's reference test pack, "
                         "computed when it was saved, is computed again here and agrees "
                         "(survival to 1e-9; risk groups, the model used and flags "
                         "exactly).").format(agreeing=format_integer(check.agreeing),
                                             patients=format_integer(check.patients)),
                       icon=":material/verified:")
        else:
            first = check.differences[0]
            what = _("patient {patient}, {field}: expected {expected}, got {got}").format(
                patient=as_plain_markdown(first.patient_id),
                field=as_plain_markdown(first.field),
                expected=as_plain_markdown(first.expected) if first.expected else _("blank"),
                got=as_plain_markdown(first.got) if first.got else _("blank"))
            st.error(_("**Not reproduced on this installation: {differ} of {patients} "
                       "reference patients differ.** First: {what}. Do not use these "
                       "estimates until the installation is fixed (python -m risk models "
                       "verify {version} lists the differences).").format(
                differ=format_integer(check.patients - check.agreeing),
                patients=format_integer(check.patients), what=what,
                version=served.version), icon=":material/error:")


MODEL_SECTIONS = ((N_("Model card"), card_section), (N_("Model facts"), facts_section),
                  (N_("Hazard ratios"), hazard_ratio_section),
                  (N_("Baseline survival"), baseline_section),
                  (N_("Validation"), evaluation_section),
                  (N_("Multi-centre validation"), pooling_section),
                  (N_("Reporting checklists"), checklists_section),
                  (N_("Version history"), model_versions_section))


def render_page() -> None:
    """The whole model page below its title."""
    try:
        served = loaders.served_model()
    except RiskError as exc:
        st.error(_("No model can be shown: {problem}").format(problem=exc),
                 icon=":material/error:")
        return
    loaders.fallback_notice(served)
    synthetic = served.synthetic
    if synthetic:
        st.warning(_(loaders.SYNTHETIC_BANNER), icon=":material/science:")
    st.markdown((_("Served version: **{version}**.") if served.fallback
                 else _("Active version: **{version}**.")).format(version=served.version))
    installation_section(served)
    tabs = st.tabs([_(title) for title, _draw in MODEL_SECTIONS], key=MODEL_TAB_KEY,
                   on_change="rerun")
    for tab, (_title, draw) in zip(tabs, MODEL_SECTIONS, strict=True):
        if tab.open:
            with tab:
                draw(served, synthetic)
