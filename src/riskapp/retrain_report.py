"""Retrain page, step 3: the new model's validation report beside the active model's, both
measured on the researcher's uploaded cohort.

The new model is evaluated on the patients it was fitted on (internal validation: its
apparent figures are optimistic, the bootstrap-corrected ones are the honest estimate);
the active model on a file other than its training file (an external validation only if
the patients are new to it: files are compared, not patients). The figures are :mod:`risk.present.figures.evaluation`'s, the downloadable reports
:func:`risk.present.html.render_report_html`'s, so the page, the HTML file and
``python -m risk evaluate`` show the same numbers.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pandas as pd
import streamlit as st

from risk.evaluation import (
    CORRECTED,
    PFS_EVALUATION_NOTE,
    SYNTHETIC_CONTEXT,
    metric_label,
    report_note_words,
)
from risk.i18n import N_, _, current_language
from risk.present import (
    PH_MODEL_NAMES,
    model_summary,
    optimism_note,
    optimism_rows,
    pfs_counts_line,
    proportional_hazards_rows,
    render_report_html,
    subgroup_rows,
)
from risk.present.figures import evaluation as figures
from riskapp.charts import plot_config

if TYPE_CHECKING:
    from risk.evaluation import EvaluationReport, MetricSet

NEW = N_("New model")
#: The headline rows (their words: :data:`risk.evaluation.METRIC_LABELS`; the
#: optimism-corrected values: :data:`risk.evaluation.CORRECTED`).
COMPARISON_ROWS = ("harrell_c", "uno_c", "auc_12", "auc_36", "auc_60", "brier_60", "ibs",
                   "calibration_slope_60", "calibration_in_the_large_60", "ici_60")


def _num(value, digits: int = 3) -> str:
    return _("n/a") if value is None else f"{value:.{digits}f}"


def _with_interval(metrics: MetricSet, key: str) -> str:
    lo, hi = metrics.interval(key)
    text = _num(metrics.value(key))
    return text if lo is None or hi is None else f"{text} ({_num(lo)}-{_num(hi)})"


def _ci_label(label: str) -> str:
    """A metric's words saying its cells hold a 95% interval in brackets."""
    for close in (")", "）"):
        if label.endswith(close):
            return label[:-1] + _("; 95% CI)")
    return label + _(" (95% CI)")


def _nri(report: EvaluationReport) -> str:
    """The categorical NRI at 60 months of the report's biopsy section."""
    bio = report.biopsy_value
    part = bio.nri.categorical if bio and bio.nri else None
    return _num(part.nri if part else None)


def _active_name(active_version: str | None) -> str:
    """The active model, named by its version when it has one."""
    return _("Active model {version}").format(version=active_version) if active_version \
        else _("Active model")


def headline_table(report: EvaluationReport, active: EvaluationReport | None,
                   active_version: str | None) -> pd.DataFrame:
    """One row per metric: new model (apparent and corrected), active model, comparators."""
    active_name = _active_name(active_version)
    new, corrected_name, primary = _(NEW), _("New model, optimism-corrected"), \
        _("New model, primary only")
    metric = _("Metric")
    served = report.headline
    rows = []
    for key in COMPARISON_ROWS:
        corrected = CORRECTED.get(key)
        with_ci = served.interval(key) != (None, None)  # brackets in the cells
        row = {metric: _ci_label(metric_label(key)) if with_ci else metric_label(key),
               new: _with_interval(served, key),
               corrected_name: _num(served.value(corrected)) if corrected else ""}
        if active is not None:
            row[active_name] = _with_interval(active.headline, key)
        row[primary] = _with_interval(report.comparator, key)
        rows.append(row)
    delta = {metric: _("What the liver biopsy adds: delta C (95% CI)"),
             new: _with_interval(served, "delta_c"), corrected_name: ""}
    nri = {metric: _("What the liver biopsy adds: NRI at 60 months"), new: _nri(report),
           corrected_name: ""}
    if active is not None:
        delta[active_name] = _with_interval(active.headline, "delta_c")
        nri[active_name] = _nri(active)
    return pd.DataFrame(rows + [delta, nri]).fillna("")


def pfs_table(report: EvaluationReport, active: EvaluationReport | None,
              active_version: str | None) -> pd.DataFrame | None:
    """The progression-free survival models' metrics, one row per metric: the new model's
    PFS model, the active one's (when it has one) and the new primary-only PFS comparator;
    None when neither model was validated on PFS."""
    mine = report.pfs
    theirs = active.pfs if active is not None else None
    if mine is None and theirs is None:
        return None
    active_name = _active_name(active_version)
    columns = {_(NEW): mine.served if mine else None,
               active_name: theirs.served if theirs else None,
               _("New model, primary only"): mine.comparator if mine else None}
    rows = []
    for key in COMPARISON_ROWS:
        row = {_("Metric"): metric_label(key)}
        for name, metrics in columns.items():
            if name != active_name or active is not None:
                row[name] = "" if metrics is None else _with_interval(metrics, key)
        rows.append(row)
    return pd.DataFrame(rows)


def _pfs(report: EvaluationReport, active: EvaluationReport | None,
         active_version: str | None) -> None:
    table = pfs_table(report, active, active_version)
    if table is None:
        return
    with st.container(key="retrain_pfs"):
        st.markdown("#### " + _("Progression-free survival model"))
        for who, rep in ((_(NEW), report), (_active_name(active_version), active)):
            if rep is not None and rep.pfs is not None:
                st.caption(_("{model}: {note}").format(model=who,
                                                       note=pfs_counts_line(rep.pfs)))
        st.table(table, hide_index=True)
        st.caption(_(PFS_EVALUATION_NOTE))


def _plot(fig, key: str) -> None:
    st.plotly_chart(fig, key=key, config=plot_config(key), width="stretch", theme=None)


def _concordance(report: EvaluationReport):
    fig = figures.concordance_comparison(report)
    delta = report.headline.delta_c
    # the full title does not fit half a page
    sub = _("delta C {delta} (patients with a biopsy grade)").format(delta=f"{delta:+.3f}") \
        if delta is not None else None
    fig.update_layout(title_text=_("Concordance with and without the liver biopsy")
                      + (f"<br><sup>{sub}</sup>" if sub else ""),
                      # half a page: the legend goes below the axis title, not over it
                      height=380, margin={"b": 120}, legend={"y": -0.45, "yanchor": "top"})
    fig.update_yaxes(range=[-0.6, 1.6])  # both rows inside the band, under its label
    return fig


def _calibration(report: EvaluationReport):
    cal = report.calibration.get("60")
    if not cal:
        return None
    return figures.calibration_plot(cal, report.comparator_calibration.get("60"))


def _reclassification(report: EvaluationReport):
    cells = report.biopsy_value.reclassification if report.biopsy_value else []
    return figures.reclassification_heatmap(cells) if cells else None


#: The report's charts, in the order shown; each builder returns None when not available.
CHARTS = (
    ("concordance", _concordance),
    ("auc", lambda r: figures.time_dependent_auc_plot(r.headline, r.comparator)),
    ("calibration", _calibration),
    ("decision", lambda r: figures.decision_curve_plot(r.decision_curve)
     if r.decision_curve else None),
    ("reclassification", _reclassification),
)


def _details(report: EvaluationReport, who: str, internal: bool) -> None:
    """Optimism (internal validation only), proportional hazards, subgroups, notes: the
    same tables, in the same words, as the HTML report; full width, so wide tables fit."""
    if report.optimism and internal:
        with st.expander(_("{model}: bootstrap optimism (internal validation)").format(
                model=who)):
            st.table(pd.DataFrame(optimism_rows(report)), hide_index=True)
            st.caption(optimism_note(report))
    ph = report.proportional_hazards
    if ph and internal:  # about the cohort, not a model: shown once, under the new model's
        with st.expander(_("Proportional-hazards checks on the uploaded cohort")):
            st.caption(_("Schoenfeld residual test of each term: a small p means its effect "
                         "may change over time. The models' inputs are refitted without a "
                         "penalty on these patients, so the checks describe the cohort and "
                         "are the same for the new and the active model."))
            for model, result in ph.items():
                st.markdown(f"**{PH_MODEL_NAMES.get(model, model)}**")
                st.table(pd.DataFrame(proportional_hazards_rows(result)), hide_index=True)
                if result.note:
                    st.caption(model_summary.card_words(result.note))
    if report.subgroups:
        with st.expander(_("{model}: subgroups").format(model=who)):
            st.table(pd.DataFrame(subgroup_rows(report)), hide_index=True)
    notes = report.notes
    if notes:
        about = _("Notes on the new model: {notes}.") if internal \
            else _("Notes on the active model: {notes}.")
        st.caption(about.format(notes=_("; ").join(report_note_words(n) for n in notes)))


def _downloads(report: EvaluationReport, title: str, key: str) -> None:
    whose = _(NEW) if key == "new" else _("Active model")
    # one under the other: side by side in a half-page column, their labels were cut off
    box = st.container()
    # built when pressed, not on every rerun: each report is about 5 MB (plotly.js inline);
    # in the page's language, given explicitly (Streamlit builds it outside this run)
    language = current_language()
    box.download_button(_("{model}: full report (HTML)").format(model=whose),
                        lambda: render_report_html(report, title=title, language=language),
                        file_name=f"{key}-validation-report.html", mime="text/html",
                        key=f"{key}_html", icon=":material/download:", on_click="ignore")
    box.download_button(_("{model}: every number (JSON)").format(model=whose),
                        lambda: json.dumps(report.to_dict(), indent=1),
                        file_name=f"{key}-validation-report.json",
                        mime="application/json", key=f"{key}_json",
                        icon=":material/download:", on_click="ignore")


def render_comparison(report: EvaluationReport, active: EvaluationReport | None,
                      active_version: str | None) -> None:
    """Headline table, then the two models' charts side by side, one row per chart."""
    own_file = bool(active and active.source and active.source.validation == "internal")
    st.caption(
        _("Both models are measured on **your uploaded cohort**. The new model was fitted "
          "on these patients: its apparent figures are optimistic, and the "
          "optimism-corrected column (Harrell's bootstrap) is the honest estimate.") + " "
        + (_("This file is the one the active model was trained on: its figures are "
             "apparent too, not an external validation.") if own_file else
           _("This is not the file the active model was trained on; it is an external "
             "validation only if its patients are new to that model (the tool compares "
             "files, not patients).")))
    stored = model_summary.card_words  # a context the report stores, in English
    st.warning(stored(report.context or SYNTHETIC_CONTEXT), icon=":material/info:")
    if active is not None and active.context not in ("", report.context):
        st.warning(f"**{_active_name(active_version)}:** {stored(active.context)}",
                   icon=":material/info:")
    # a static table: every column and every label whole, whatever the page width
    st.table(headline_table(report, active, active_version), hide_index=True)
    _pfs(report, active, active_version)
    shown = [(report, "new", _("{model}: internal validation").format(model=_(NEW)),
              _("{n} patients, {deaths} deaths; fitted on them.").format(
                  n=report.headline.n, deaths=report.headline.events))]
    if active is not None:
        what = _("{model}: its own training file (apparent)") if own_file \
            else _("{model}: another file than its training file")
        shown.append((active, "active", what.format(model=_active_name(active_version)),
                      _("The model clinicians are served now, on the same patients.")))
    for column, (*_unused, title, caption) in zip(st.columns(len(shown)), shown, strict=True):
        column.markdown(f"#### {title}")
        column.caption(caption)
    for name, build in CHARTS:
        figs = [build(rep) for rep, *_rest in shown]
        if all(f is None for f in figs):
            continue
        for column, fig, (_rep, key, *_rest) in zip(st.columns(len(shown)), figs, shown,
                                                    strict=True):
            if fig is not None:
                with column:
                    _plot(fig, f"{key}_{name}")
    for rep, key, *_rest in shown:
        _details(rep, _(NEW) if key == "new" else _active_name(active_version),
                 internal=key == "new")
    for column, (rep, key, *_rest) in zip(st.columns(len(shown)), shown, strict=True):
        with column:
            _downloads(rep, _("Validation of the new model on the uploaded cohort")
                       if key == "new" else _("Validation of model {version} on the uploaded "
                                               "cohort").format(version=active_version), key)
