"""What the model page shows about a model version, as plain tables: hazard ratios with
95% intervals for both models, the baseline survival, the limitations, the stored
evaluation's headline numbers (the version history: :mod:`risk.present.version_history`).

Everything is read from the fitted model, its card and the registry: no patient rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from scipy.special import ndtr  # not scipy.stats: about a second to import

from risk import schema
from risk.evaluation.headline import metric_label
from risk.i18n import N_, Words, _, format_integer, format_number
from risk.model.features import AGE_SCALE, FLAG_INPUTS, patient_frame, reference_level
from risk.stats.normal import Z_95

if TYPE_CHECKING:
    from risk.evaluation.document import EvaluationReport
    from risk.evaluation.headline import Headline, MetricSet
    from risk.model.cox import CoxModel
    from risk.model.features import DesignColumn
    from risk.model.fit_notes import FitNote
    from risk.model.pair import BiopsyRiskModel
    from risk.registry.card import ModelCard, TrainingData

MODEL_NAMES = Words({"biopsy": N_("With the liver biopsy (biopsy model)"),
                     "primary_only": N_("Primary only (comparator)")})

#: What a reader must keep in mind, for every version (the card's own notes are added).
#: (English msgids: translated where shown, ``_(line)``.)
LIMITATIONS = (
    N_("Prognostic, not predictive: it estimates overall survival from the features given; "
       "it does not say which treatment helps."),
    N_("Not for neuroendocrine carcinoma (poorly differentiated) or patients outside the "
       "training ranges; the patient page flags ages and rare categories outside them."),
    N_("Grades come from one core-needle biopsy of one metastasis: grade heterogeneity "
       "between and within metastases means a biopsy can under-grade the disease."),
    N_("Cox proportional hazards: each factor multiplies the hazard by the same amount at "
       "every time; the evaluation report's proportional-hazards checks (Retrain page and "
       "'python -m risk evaluate') say where this is doubtful."),
    N_("Risk groups are the tertiles of the training cohort's predicted 5-year survival: a "
       "convention for communication, not clinically validated thresholds."),
)
SYNTHETIC_LIMITATION = N_(
    "Trained on a synthetic cohort calibrated to published figures, not on real patients: "
    "every number on this page illustrates the method and none describes real performance.")

# --------------------------------------------------------------------------- hazard ratios

def describe_term(column: DesignColumn) -> tuple[str, str]:
    """(characteristic, comparison) of one design column in the clinic's words."""
    name, level = column.input, column.level
    title = schema.column_label(name)
    if name == "age":
        return title, _("per {years:g} years").format(years=AGE_SCALE)
    if level is None:  # ln(1 + Ki-67)
        return title, _("per unit of ln(1 + Ki-67 %)")
    reference = "0" if name in FLAG_INPUTS else reference_level(name)
    return title, _("{level} vs {reference}").format(
        level=schema.level_label(name, level), reference=schema.level_label(name, reference))


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
        "p_value": 2.0 * ndtr(-np.abs(coef / se)),  # = norm.sf(|z|), as scipy computes it
    })


def hazard_ratio_table(model: BiopsyRiskModel) -> pd.DataFrame:
    """Both models of a :class:`risk.model.BiopsyRiskModel`, the biopsy model first."""
    return pd.concat([hazard_ratios(cox, name) for name, cox in model.models_.items()],
                     ignore_index=True)


def hazard_ratios_side_by_side(table: pd.DataFrame) -> pd.DataFrame:
    """One row per term with each model's hazard ratio (95% CI) and p-value as text
    (blank where a model does not have the term), for reading on screen."""
    out = table[["characteristic", "comparison"]].drop_duplicates().reset_index(drop=True)
    characteristic, comparison = _("Characteristic"), _("Comparison")
    out.columns = [characteristic, comparison]
    for model, name in MODEL_NAMES.items():
        part = table[table["model"] == model].set_index(["characteristic", "comparison"])
        keys = list(zip(out[characteristic], out[comparison], strict=True))
        text, p = [], []
        for key in keys:
            if key in part.index:
                row = part.loc[key]
                text.append(f"{format_number(row['hazard_ratio'], 2)} "
                            f"({format_number(row['lower_95'], 2)}-"
                            f"{format_number(row['upper_95'], 2)})")
                p.append("< 0.001" if row["p_value"] < 0.001
                         else format_number(row["p_value"], 3))
            else:
                text.append("")
                p.append("")
        out[_("{model}: HR (95% CI)").format(model=name)] = text
        out[_("{model}: p").format(model=name)] = p
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
            text = f"{value:g}" + (f" {_(column.unit)}" if column.unit else "")
        else:
            text = schema.label(column.name, value)
        parts.append(_("{input}: {value}").format(input=schema.column_label(column.name),
                                                  value=text))
    return _("; ").join(parts)


# --------------------------------------------------------------------------- training data

def _count(value: int | None) -> str:
    return "?" if value is None else format_integer(value)


def training_counts(data: TrainingData) -> list[tuple[str, str]]:
    """What a version was trained on, counted (its card's :class:`TrainingData`): patients,
    deaths, liver-biopsy grades, follow-up and, when the cohort had it, progression-free
    survival (patients, PFS events, progressions), as (what, value) rows."""
    follow_up = data.median_follow_up_months
    rows = [(_("Patients"), _count(data.patients)), (_("Deaths"), _count(data.events)),
            (_("With a liver-biopsy grade"), _count(data.patients_with_biopsy_grade)),
            (_("Median follow-up (reverse Kaplan-Meier)"),
             "?" if follow_up is None else _("{months} months").format(
                 months=format_number(follow_up, 1)))]
    if data.pfs_patients is not None:
        events, progressed = data.pfs_events, data.progressions
        rest = "?" if events is None or progressed is None else format_integer(
            events - progressed)
        rows += [(_("With progression-free survival recorded"), _count(data.pfs_patients)),
                 (_("Progression-free survival events"),
                  _("{events} ({progressions} progressions, {deaths} deaths without "
                    "progression)").format(events=_count(events),
                                           progressions=_count(progressed), deaths=rest))]
    return rows


# --------------------------------------------------------------------------- stored words

def card_words(text: str) -> str:
    """A text this software stored in English with a version (the card's methods, intended
    use, a report's context) in the current language; a text a person wrote, as written."""
    from risk.model.fit import ESTIMATION_METHOD, ESTIMATION_TEMPLATE, MIN_PENALIZER

    if text == ESTIMATION_METHOD:
        return _(ESTIMATION_TEMPLATE).format(penalizer=f"{MIN_PENALIZER:g}")
    return _(text)


def fitting_note_words(note: FitNote | str) -> str:
    """A note of the fit (:class:`risk.model.fit_notes.FitNote`, or the sentence the model
    file or card stores) in the current language, the model it is about named first."""
    from risk.model.fit_notes import read_note

    note = read_note(note) if isinstance(note, str) else note
    if note.model is None:
        return note.words()
    template = (_("progression-free survival model, {model}: {note}") if note.pfs
                else _("{model}: {note}"))
    return template.format(model=MODEL_NAMES[note.model], note=note.words())


#: The card's settings in words (others keep their key); values that are codes, too.
SETTING_NAMES = Words({
    "penalizer": N_("Ridge penalty"), "bootstrap": N_("Bootstrap resamples"),
    "seed": N_("Random seed"), "cv_folds": N_("Cross-validation folds"),
    "biopsy_model_penalizer_chosen": N_("Ridge penalty used, biopsy model"),
    "comparator_model_penalizer_chosen": N_("Ridge penalty used, primary-only comparator"),
    "column_mapping": N_("Columns matched from the file"),
    "recalibration": N_("Recalibrated"),
    "biopsy_model_slope": N_("Slope applied, biopsy model"),
    "biopsy_model_slope_se": N_("Standard error of the slope, biopsy model"),
    "comparator_model_slope": N_("Slope applied, primary-only comparator"),
    "comparator_model_slope_se": N_("Standard error of the slope, primary-only comparator")})
SETTING_VALUES = Words({"auto": N_("auto"), "baseline": N_("baseline"),
                        "baseline and slope": N_("baseline and slope")})


def settings_rows(card: ModelCard) -> list[tuple[str, str]]:
    """The settings stored with a version, as (setting, value) rows in words."""
    return [(SETTING_NAMES.get(key, key.replace("_", " ")),
             SETTING_VALUES.get(value, str(value)) if isinstance(value, str) else str(value))
            for key, value in (card.settings or {}).items()]


# --------------------------------------------------------------------------- limitations

def method_lines(model: BiopsyRiskModel, card: ModelCard) -> list[str]:
    """How the coefficients and the 95% intervals were computed: as stored in the card
    (this software's methods for older cards), and any penalty this version used."""
    from risk.model.fit import MIN_PENALIZER
    from risk.registry.card import methods as current_methods

    stored = card.methods or current_methods()
    # the stored words are this software's msgids unless an older version wrote others
    out = [card_words(stored.estimation), card_words(stored.intervals)]
    penalties = {name: getattr(m, "penalizer_", 0.0)
                 for name, m in (getattr(model, "models_", None) or {}).items()}
    shrunk = {name: p for name, p in penalties.items() if p and p > MIN_PENALIZER}
    if shrunk:
        out.append(_("This version was fitted with a ridge penalty set by hand ({penalties}): "
                     "its estimates are pulled toward the average patient and its 95% "
                     "intervals do not allow for that bias.").format(penalties=_(", ").join(
                         _("{model}: {penalty}").format(model=MODEL_NAMES.get(n, n),
                                                         penalty=f"{p:g}")
                         for n, p in shrunk.items())))
    models = getattr(model, "models_", None) or {}
    terms = {name: list(getattr(m, "terms_", ()) or ()) for name, m in models.items()}
    chosen = _("; ").join(_("{model}: {terms}").format(
        model=MODEL_NAMES.get(n, n), terms=_(", ").join(t) or _("none"))
        for n, t in terms.items())
    out.append(_("Optional terms (Ki-67 within a grade, a grade change beyond the two grades) "
                 "are added only when they raise the 5-fold cross-validated C-index by at "
                 "least 0.005; added in this version: {terms}.").format(
                     terms=chosen or _("none")))
    if not any(getattr(m, "notes_", None) for m in models.values()):
        out.append(_("Columns left out of this version's fit, and penalties needed: none."))
    return out


def limitations(model: BiopsyRiskModel, card: ModelCard, synthetic: bool) -> list[str]:
    """The general limitations, the synthetic-data one when it applies, then the model's
    own fitting notes."""
    out = [_(line) for line in ([SYNTHETIC_LIMITATION] if synthetic else []) + list(LIMITATIONS)]
    out += [_("Fitting note: {note}").format(note=fitting_note_words(note))
            for note in (getattr(model, "notes_", None) or [])]
    if card.notes:
        out.append(_("Note stored with this version: {note}").format(note=card.notes))
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
    text = format_number(value, 3)
    return text if low is None or high is None else _("{value} ({low} to {high})").format(
        value=text, low=format_number(low, 3), high=format_number(high, 3))


def headline_metrics(headline: Headline, comparator: MetricSet | None = None) -> pd.DataFrame:
    """The headline numbers (95% intervals in brackets where stored) of the served
    predictions and of the primary-only comparator, as text."""
    columns = [_("Metric"), _("Served (with the liver biopsy)"), _("Primary only (comparator)")]
    rows = [dict(zip(columns, (metric_label(key), _with_interval(headline, key),
                               _with_interval(comparator, key)), strict=True))
            for key in HEADLINE if headline.value(key) is not None]
    return pd.DataFrame(rows, columns=columns)


def biopsy_value_lines(headline: Headline) -> list[str]:
    """What the liver biopsy adds, in sentences (empty when not evaluated)."""
    lines = []
    if headline.delta_c is not None:
        delta = f"{headline.delta_c:+.3f}"
        if headline.delta_c_lower is not None and headline.delta_c_upper is not None:
            lines.append(_("Harrell's C rises by {delta} with the liver-biopsy grade (95% CI "
                           "{low} to {high}), in the patients with a biopsy grade.").format(
                delta=delta, low=f"{headline.delta_c_lower:+.3f}",
                high=f"{headline.delta_c_upper:+.3f}"))
        else:
            lines.append(_("Harrell's C rises by {delta} with the liver-biopsy grade, in the "
                           "patients with a biopsy grade.").format(delta=delta))
    if headline.nri_60 is not None:
        lines.append(_("Net reclassification across the risk groups at 60 months: "
                       "{nri}.").format(nri=f"{headline.nri_60:+.3f}"))
    if headline.lr_test_p is not None:
        p = headline.lr_test_p
        lines.append(_("Likelihood-ratio test of the liver-biopsy terms: {p}.").format(
            p="p < 0.001" if p < 0.001 else f"p = {p:.3f}"))
    return lines
