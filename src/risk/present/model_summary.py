"""What the model page shows about a model version, as plain tables: hazard ratios with
95% intervals for both models, the baseline survival, the limitations, the stored
evaluation's headline numbers and the version history.

Everything is read from the fitted model, its card and the registry: no patient rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from scipy import stats

from risk import schema
from risk.evaluation.headline import metric_label
from risk.model.features import AGE_SCALE, FLAG_INPUTS, patient_frame, reference_level
from risk.stats.normal import Z_95

if TYPE_CHECKING:
    from risk.evaluation.document import EvaluationReport
    from risk.evaluation.headline import Headline, MetricSet
    from risk.model.cox import CoxModel
    from risk.model.features import DesignColumn
    from risk.model.pair import BiopsyRiskModel
    from risk.registry.card import ModelCard, TrainingData
    from risk.registry.store import Registry

MODEL_NAMES = {"biopsy": "With the liver biopsy (biopsy model)",
               "primary_only": "Primary only (comparator)"}

#: What a reader must keep in mind, for every version (the card's own notes are added).
LIMITATIONS = (
    "Prognostic, not predictive: it estimates overall survival from the features given; it "
    "does not say which treatment helps.",
    "Not for neuroendocrine carcinoma (poorly differentiated) or patients outside the "
    "training ranges; the patient page flags ages and rare categories outside them.",
    "Grades come from one core-needle biopsy of one metastasis: grade heterogeneity "
    "between and within metastases means a biopsy can under-grade the disease.",
    "Cox proportional hazards: each factor multiplies the hazard by the same amount at every "
    "time; the evaluation report's proportional-hazards checks (Retrain page and "
    "'python -m risk evaluate') say where this is doubtful.",
    "Risk groups are the tertiles of the training cohort's predicted 5-year survival: a "
    "convention for communication, not clinically validated thresholds.",
)
SYNTHETIC_LIMITATION = (
    "Trained on a synthetic cohort calibrated to published figures, not on real patients: "
    "every number on this page illustrates the method and none describes real performance.")

# --------------------------------------------------------------------------- hazard ratios

def describe_term(column: DesignColumn) -> tuple[str, str]:
    """(characteristic, comparison) of one design column in the clinic's words."""
    name, level = column.input, column.level
    title = schema.column_label(name)
    if name == "age":
        return title, f"per {AGE_SCALE:g} years"
    if level is None:  # ln(1 + Ki-67)
        return title, "per unit of ln(1 + Ki-67 %)"
    reference = "0" if name in FLAG_INPUTS else reference_level(name)
    return title, f"{schema.level_label(name, level)} vs {schema.level_label(name, reference)}"


def hazard_ratios(cox_model: CoxModel, model: str) -> pd.DataFrame:
    """Hazard ratios with Wald 95% intervals and p-values of one fitted Cox model.

    Columns: ``model`` (the key, e.g. ``"biopsy"``), ``term`` (the design column),
    ``characteristic``, ``comparison``, ``coef``, ``se``, ``hazard_ratio``, ``lower_95``,
    ``upper_95``, ``p_value``. ``se`` is the square root of the stored covariance's
    diagonal (lifelines' ``variance_matrix_``, penalised when the fit was).
    """
    coef = cox_model.coef_.to_numpy(dtype=float)
    se = np.sqrt(np.diag(cox_model.covariance_.to_numpy(dtype=float)))
    words = [describe_term(c) for c in cox_model.columns_]
    return pd.DataFrame({
        "model": model,
        "term": list(cox_model.coef_.index),
        "characteristic": [w[0] for w in words],
        "comparison": [w[1] for w in words],
        "coef": coef,
        "se": se,
        "hazard_ratio": np.exp(coef),
        "lower_95": np.exp(coef - Z_95 * se),
        "upper_95": np.exp(coef + Z_95 * se),
        "p_value": 2.0 * stats.norm.sf(np.abs(coef / se)),
    })


def hazard_ratio_table(model: BiopsyRiskModel) -> pd.DataFrame:
    """Both models of a :class:`risk.model.BiopsyRiskModel`, the biopsy model first."""
    return pd.concat([hazard_ratios(cox, name) for name, cox in model.models_.items()],
                     ignore_index=True)


def hazard_ratios_side_by_side(table: pd.DataFrame) -> pd.DataFrame:
    """One row per term with each model's hazard ratio (95% CI) and p-value as text
    (blank where a model does not have the term), for reading on screen."""
    out = table[["characteristic", "comparison"]].drop_duplicates().reset_index(drop=True)
    out.columns = ["Characteristic", "Comparison"]
    for model, name in MODEL_NAMES.items():
        part = table[table["model"] == model].set_index(["characteristic", "comparison"])
        keys = list(zip(out["Characteristic"], out["Comparison"], strict=True))
        text, p = [], []
        for key in keys:
            if key in part.index:
                row = part.loc[key]
                text.append(f"{row['hazard_ratio']:.2f} ({row['lower_95']:.2f}-"
                            f"{row['upper_95']:.2f})")
                p.append("< 0.001" if row["p_value"] < 0.001 else f"{row['p_value']:.3f}")
            else:
                text.append("")
                p.append("")
        out[f"{name}: HR (95% CI)"] = text
        out[f"{name}: p"] = p
    return out


# --------------------------------------------------------------------------- baseline

def baseline_survival(cox_model: CoxModel) -> pd.DataFrame:
    """The baseline on its monthly grid: ``months``, ``cumulative_hazard`` (Breslow,
    covariates at the training means, as lifelines centres them) and ``survival``
    (``exp(-H0)``)."""
    base = cox_model.baseline_
    return pd.DataFrame({"months": base.months, "cumulative_hazard": base.cumulative_hazard,
                         "survival": np.exp(-base.cumulative_hazard)})


def reference_survival(cox_model: CoxModel, reference_patient: dict[str, Any]) -> pd.DataFrame:
    """Survival of the reference patient under one model, on the monthly grid."""
    months = cox_model.baseline_.months
    survival = cox_model.survival_at(patient_frame(reference_patient), months)[0]
    return pd.DataFrame({"months": months, "survival": survival})


def baseline_table(model: BiopsyRiskModel, horizons: Sequence[int] = schema.HORIZONS_MONTHS
                   ) -> pd.DataFrame:
    """Baseline and reference-patient survival of both models at the reported horizons."""
    rows = []
    for name, cox in model.models_.items():
        base = baseline_survival(cox).set_index("months")
        ref = reference_survival(cox, model.reference_patient_).set_index("months")
        for m in horizons:
            rows.append({"model": name, "months": int(m),
                         "baseline_cumulative_hazard": float(base.at[float(m),
                                                                     "cumulative_hazard"]),
                         "baseline_survival": float(base.at[float(m), "survival"]),
                         "reference_patient_survival": float(ref.at[float(m), "survival"])})
    return pd.DataFrame(rows)


def describe_reference_patient(patient: dict[str, Any]) -> str:
    """The reference patient in one line, inputs in the data dictionary's order."""
    parts = []
    for column in schema.COLUMNS:
        value = patient.get(column.name)
        if value is None or column.name.endswith("_ki67"):
            continue
        if column.kind in ("number", "integer"):
            text = f"{value:g}" + (f" {column.unit}" if column.unit else "")
        else:
            text = schema.label(column.name, value)
        parts.append(f"{column.label}: {text}")
    return "; ".join(parts)


# --------------------------------------------------------------------------- training data

def _count(value: int | None) -> str:
    return "?" if value is None else f"{value:,}"


def training_counts(data: TrainingData) -> list[tuple[str, str]]:
    """What a version was trained on, counted (its card's :class:`TrainingData`): patients,
    deaths, liver-biopsy grades, follow-up and, when the cohort had it, progression-free
    survival (patients, PFS events, progressions), as (what, value) rows."""
    follow_up = data.median_follow_up_months
    rows = [("Patients", _count(data.patients)), ("Deaths", _count(data.events)),
            ("With a liver-biopsy grade", _count(data.patients_with_biopsy_grade)),
            ("Median follow-up (reverse Kaplan-Meier)",
             "?" if follow_up is None else f"{follow_up:.1f} months")]
    if data.pfs_patients is not None:
        events, progressed = data.pfs_events, data.progressions
        rest = "?" if events is None or progressed is None else f"{events - progressed:,}"
        rows += [("With progression-free survival recorded", _count(data.pfs_patients)),
                 ("Progression-free survival events",
                  f"{_count(events)} ({_count(progressed)} progressions, {rest} deaths "
                  "without progression)")]
    return rows


# --------------------------------------------------------------------------- limitations

def method_lines(model: BiopsyRiskModel, card: ModelCard) -> list[str]:
    """How the coefficients and the 95% intervals were computed: as stored in the card
    (this software's methods for older cards), and any penalty this version used."""
    from risk.model.fit import MIN_PENALIZER
    from risk.registry.card import methods as current_methods

    stored = card.methods or current_methods()
    out = [stored.estimation, stored.intervals]
    penalties = {name: getattr(m, "penalizer_", 0.0)
                 for name, m in (getattr(model, "models_", None) or {}).items()}
    shrunk = {name: p for name, p in penalties.items() if p and p > MIN_PENALIZER}
    if shrunk:
        out.append("This version was fitted with a ridge penalty set by hand ("
                   + ", ".join(f"{MODEL_NAMES.get(n, n)}: {p:g}" for n, p in shrunk.items())
                   + "): its estimates are pulled toward the average patient and its 95% "
                   "intervals do not allow for that bias.")
    models = getattr(model, "models_", None) or {}
    terms = {name: list(getattr(m, "terms_", ()) or ()) for name, m in models.items()}
    chosen = "; ".join(f"{MODEL_NAMES.get(n, n)}: {', '.join(t) or 'none'}"
                       for n, t in terms.items())
    out.append("Optional terms (Ki-67 within a grade, a grade change beyond the two grades) "
               "are added only when they raise the 5-fold cross-validated C-index by at "
               f"least 0.005; added in this version: {chosen or 'none'}.")
    if not any(getattr(m, "notes_", None) for m in models.values()):
        out.append("Columns left out of this version's fit, and penalties needed: none.")
    return out


def limitations(model: BiopsyRiskModel, card: ModelCard, synthetic: bool) -> list[str]:
    """The general limitations, the synthetic-data one when it applies, then the model's
    own fitting notes."""
    out = ([SYNTHETIC_LIMITATION] if synthetic else []) + list(LIMITATIONS)
    out += [f"Fitting note: {note}" for note in (getattr(model, "notes_", None) or [])]
    if card.notes:
        out.append(f"Note stored with this version: {card.notes}")
    return out


# --------------------------------------------------------------------------- evaluation

#: The headline numbers the Model page shows, in reading order (their words:
#: :data:`risk.evaluation.headline.METRIC_LABELS`).
HEADLINE = ("harrell_c", "harrell_c_corrected", "uno_c", "auc_12", "auc_36", "auc_60",
            "brier_12", "brier_36", "brier_60", "ibs", "calibration_slope_60",
            "calibration_slope_corrected", "ici_60")
def stored_evaluation(card: ModelCard) -> tuple[str, EvaluationReport | Headline | None]:
    """The evaluation stored with a version, and how complete it is.

    Returns ``("report", report)`` when the card's metrics hold a full report
    (:meth:`risk.registry.card.CardMetrics.stored_report`, with the calibration and
    decision curves), ``("headline", metrics)`` when they hold only the headline numbers
    (:class:`risk.registry.card.CardMetrics`, a :class:`risk.evaluation.headline.Headline`
    with what it was measured on, as the retraining page stores them), and
    ``("none", None)`` otherwise (e.g. only the apparent C-index of training).
    """
    report = card.metrics.stored_report()
    if report is not None and report.headline.harrell_c is not None:
        return "report", report
    if card.metrics.harrell_c is not None:
        return "headline", card.metrics
    return "none", None


def _with_interval(metrics: MetricSet | None, key: str) -> str:
    if metrics is None:
        return ""
    value = metrics.value(key)
    if value is None:
        return ""
    low, high = metrics.interval(key)
    text = f"{value:.3f}"
    return text if low is None or high is None else f"{text} ({low:.3f} to {high:.3f})"


def headline_metrics(headline: Headline, comparator: MetricSet | None = None) -> pd.DataFrame:
    """The headline numbers (95% intervals in brackets where stored) of the served
    predictions and of the primary-only comparator, as text."""
    rows = [{"Metric": metric_label(key),
             "Served (with the liver biopsy)": _with_interval(headline, key),
             "Primary only (comparator)": _with_interval(comparator, key)}
            for key in HEADLINE if headline.value(key) is not None]
    return pd.DataFrame(rows, columns=["Metric", "Served (with the liver biopsy)",
                                       "Primary only (comparator)"])


def biopsy_value_lines(headline: Headline) -> list[str]:
    """What the liver biopsy adds, in sentences (empty when not evaluated)."""
    lines = []
    if headline.delta_c is not None:
        text = f"Harrell's C rises by {headline.delta_c:+.3f} with the liver-biopsy grade"
        if headline.delta_c_lower is not None:
            text += (f" (95% CI {headline.delta_c_lower:+.3f} to "
                     f"{headline.delta_c_upper:+.3f})")
        lines.append(text + ", in the patients with a biopsy grade.")
    if headline.nri_60 is not None:
        lines.append(f"Net reclassification across the risk groups at 60 months: "
                     f"{headline.nri_60:+.3f}.")
    if headline.lr_test_p is not None:
        p = headline.lr_test_p
        lines.append("Likelihood-ratio test of the liver-biopsy terms: "
                     + ("p < 0.001." if p < 0.001 else f"p = {p:.3f}."))
    return lines


# --------------------------------------------------------------------------- versions

def version_history(registry: Registry) -> pd.DataFrame:
    """Every version of a :class:`risk.registry.store.Registry`: created (UTC), kind, parent,
    active, status, training patients and deaths; newest first."""
    rows = [{"Version": v.version, "Created (UTC)": v.created_utc or "",
             "Kind": v.kind or "", "Parent": v.parent or "", "Active": "yes" if v.active else "",
             "Patients": v.patients, "Deaths": v.events, "Status": v.status}
            for v in registry.list_versions()]
    columns = ["Version", "Created (UTC)", "Kind", "Parent", "Active", "Patients", "Deaths",
               "Status"]
    return pd.DataFrame(rows[::-1], columns=columns)


def activation_history(registry: Registry) -> pd.DataFrame:
    """Activations and rollbacks, newest first: when (UTC), action, version served and
    the version served before."""
    rows = [{"When (UTC)": e.get("utc", ""), "Action": e.get("action", ""),
             "Version": e.get("version", ""), "Before": e.get("previous") or ""}
            for e in registry.history()[::-1]]
    return pd.DataFrame(rows, columns=["When (UTC)", "Action", "Version", "Before"])
