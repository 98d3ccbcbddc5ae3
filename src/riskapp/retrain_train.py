"""Retrain page, steps 2-3: training options, training in the background with a progress
bar (:mod:`riskapp.retrain_job`), and the recalibration of the active model; the results
live in this user's session only.

The trained (or recalibrated) model waits in ``st.session_state`` until it is saved; the
cached served model is only ever read (its predictions are used to evaluate it).
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from risk.errors import RiskError
from risk.i18n import N_, _, format_percent
from risk.model import (
    MAX_BOOTSTRAP,
    TrainingSettings,
    candidate_card,
    recalibrate,
    recalibration_card,
    small_cohort_warning,
    train_and_evaluate,
)
from risk.present import cohort_source, model_summary
from riskapp import loaders, retrain_job
from riskapp.access import Access
from riskapp.charts import as_plain_markdown
from riskapp.retrain_report import render_comparison
from riskapp.retrain_upload import CohortUpload
from riskapp.retrain_versions import pressed, save_controls

CANDIDATE = "retrain_candidate"  # (upload digest, Candidate)
RECALIBRATED = "retrain_recalibrated"  # (upload digest, parent version, Recalibration)
DEFAULT_BOOTSTRAP = 50
PENALTY_MODES = {"auto": N_("Automatic (none unless needed)"), "fixed": N_("Fixed")}


def training_options() -> TrainingSettings:
    """Penalty (automatic or fixed), bootstrap resamples and seed."""
    left, middle, right = st.columns(3)
    mode = left.radio(_("Penalty (ridge)"), list(PENALTY_MODES), key="penalizer_mode",
                      horizontal=True, format_func=lambda m: _(PENALTY_MODES[m]),
                      help=_("Automatic fits by maximum partial likelihood, with a tiny "
                             "stabilising penalty only where the data leave an effect "
                             "unbounded; its 95% intervals are coverage-checked. A fixed "
                             "penalty shrinks estimates toward the average patient and its "
                             "intervals ignore that bias."))
    penalizer: float | str = "auto"
    if mode == "fixed":
        penalizer = left.number_input(_("Penalty"), min_value=0.0, max_value=100.0, value=0.1,
                                      step=0.05, key="penalizer_value", format="%g")
    bootstrap = middle.number_input(
        _("Bootstrap resamples"), min_value=0, max_value=MAX_BOOTSTRAP, value=DEFAULT_BOOTSTRAP,
        step=10, key="bootstrap",
        help=_("For the 95% intervals and Harrell's optimism correction; 200 is usual for "
               "a report, 0 skips them (fastest)."))
    seed = right.number_input(_("Seed"), min_value=0, max_value=2**31 - 1, value=0, step=1,
                              key="seed", help=_("Same file, settings and seed: same model "
                                                 "and same report."))
    return TrainingSettings(penalizer, int(bootstrap), int(seed))


def _active_model():
    """The served model (cached, read only), or None when nothing is active."""
    try:
        return loaders.served_model()
    except RiskError:
        return None


def train_section(upload: CohortUpload, access: Access) -> None:
    settings = training_options()
    served = _active_model()
    small = small_cohort_warning(upload.result.frame)
    if small:  # before the button: training stays allowed
        st.warning(small, icon=":material/warning:")
    clicked = pressed(_("Train and evaluate"), key="train", type="primary",
                      icon=":material/model_training:")
    if clicked:
        _start_training(upload, settings, served)
    _take_finished()
    if retrain_job.running_job() is not None:
        retrain_job.progress_panel()
        return
    held = st.session_state.get(CANDIDATE)
    if held is None:
        st.caption(_("Training fits both models (with and without the liver biopsy) and "
                     "evaluates them, and the active model, on your cohort."))
        return
    digest, candidate = held
    if digest != upload.digest:
        st.info(_("The trained model shown before was fitted on another file: train again."))
        return
    if candidate.notes:  # what the fit left out of the model, and why: before any save
        st.markdown(_("**Notes from the fit** (stored in the model card)"))
        for note in candidate.notes:
            st.markdown(f"- {as_plain_markdown(model_summary.fitting_note_words(note))}")
    st.subheader(_("Validation report: new model vs active model"))
    render_comparison(candidate.report, candidate.active_report, candidate.active_version)
    st.subheader(_("Save and activate"))
    save_controls(access, "trained", candidate.model.to_dict(),
                  lambda notes: candidate_card(candidate, notes),
                  _("Save the new model as a new version"))


def _start_training(upload: CohortUpload, settings: TrainingSettings, served) -> None:
    """Train in the background (one training per session at a time)."""
    frame, data, mapping = upload.result.frame, upload.training_data, upload.mapping
    name, digest = upload.name, upload.digest

    def train(progress):  # on a worker thread: plain Python only, no Streamlit call
        candidate = train_and_evaluate(
            frame, settings, data, active=served.model if served else None,
            active_version=served.version if served else None, progress=progress,
            column_mapping=mapping, active_synthetic=bool(served and served.synthetic))
        # the downloaded reports say which file they measure, and what kind of validation
        candidate.report.source = cohort_source(name, digest, data.sha256)
        if served is not None and candidate.active_report is not None:
            candidate.active_report.source = cohort_source(
                name, digest, served.card.training_data.sha256)
        return candidate

    try:
        retrain_job.start(upload.digest, train)
    except RuntimeError:
        st.warning(_("A training of this session is still running: wait for it to finish "
                     "(its progress is shown below), then train again."),
                   icon=":material/hourglass_top:")
        return
    st.session_state.pop(CANDIDATE, None)
    st.session_state.pop("trained_saved_version", None)


def _take_finished() -> None:
    """The result of a training that has ended: the candidate, or why it failed."""
    job = retrain_job.finished_job()
    if job is None or job.future is None:
        return
    try:
        candidate = job.future.result()
    except Exception as exc:  # noqa: BLE001 - a message, never a traceback
        st.error(_("Training failed: {reason}").format(reason=_reason(exc)),
                 icon=":material/error:")
        return
    st.session_state[CANDIDATE] = (job.digest, candidate)


def recalibration_section(upload: CohortUpload, access: Access) -> None:
    """Recalibrate the active model on the uploaded cohort (coefficients kept)."""
    served = _active_model()
    if served is None:
        st.info(_("No model is active: there is nothing to recalibrate. Train one first."))
        return
    st.caption(_(
        "Keeps the coefficients of the active model **{version}** and re-estimates its "
        "baseline survival on your patients (both the biopsy model and the primary-only "
        "comparator). Use it when the model ranks your patients well but predicts survival "
        "too high or too low. The result is a new version whose card names its "
        "parent.").format(version=served.version))
    slope = st.checkbox(_("Also fit the calibration slope (scales every coefficient; needs "
                          "at least 10 deaths per model)"), key="slope")
    if pressed(_("Recalibrate the active model"), key="recalibrate", icon=":material/tune:"):
        try:
            with st.spinner(_("Recalibrating...")):
                result = recalibrate(served.model, upload.result.frame, slope=slope)
        except Exception as exc:  # noqa: BLE001 - a message, never a traceback
            st.error(_("Recalibration failed: {reason}").format(reason=_reason(exc)),
                     icon=":material/error:")
            return
        st.session_state[RECALIBRATED] = (upload.digest, served.version, result)
        st.session_state.pop("recalibrated_saved_version", None)
    held = st.session_state.get(RECALIBRATED)
    if held is None or held[0] != upload.digest:
        return
    parent, result = held[1], held[2]
    st.markdown(_("**Recalibrated from {version}**: observed (Kaplan-Meier) and mean "
                  "predicted survival of your patients, before and after.").format(
        version=parent))
    st.dataframe(check_table(result.details), hide_index=True, width="stretch",
                 key="recalibration_check")
    st.subheader(_("Save and activate"))
    save_controls(access, "recalibrated", result.model.to_dict(),
                  lambda notes: recalibration_card(parent, upload.training_data, result, notes),
                  _("Save the recalibrated model as a new version"),
                  reviewed=_("the observed and predicted survival above"))


def _reason(exc: Exception) -> str:
    """A RiskError's own words; anything else named as unexpected (no traceback)."""
    if isinstance(exc, RiskError):
        return str(exc)
    return _("unexpected {kind}: {reason}").format(kind=type(exc).__name__, reason=exc)


def check_table(details: dict) -> pd.DataFrame:
    """Observed vs predicted survival per model and month, and the slope applied."""
    names = {"biopsy_model": _("Biopsy model"), "comparator_model": _("Primary-only comparator")}
    rows = []
    for part, name in names.items():
        d = details[part]
        for row in d.get("check", []):
            rows.append([name, row["months"], format_percent(row["observed"], 1),
                         format_percent(row["predicted_before"], 1),
                         format_percent(row["predicted_after"], 1),
                         f"{d['slope_applied']:.3f}", d["patients"], d["deaths"]])
    return pd.DataFrame(rows, columns=[_("model"), _("months"), _("observed"),
                                       _("predicted before"), _("predicted after"),
                                       _("slope applied"), _("patients"), _("deaths")])
