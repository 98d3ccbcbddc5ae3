"""One patient's estimate, with everything the clinician's page and the report show.

:func:`estimate_patient` validates the form values, predicts with the served model, and
adds the two views of the liver biopsy: the estimate without it (the primary-only
comparator) and, before a biopsy, the outcomes under each liver grade it could show,
weighted by how often each follows this primary grade in the training cohort.

Nothing here keeps or writes the patient: the result is a plain value for the caller.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any, SupportsFloat

import numpy as np
import pandas as pd

from risk import grading, schema
from risk.errors import Problem, ValidationError
from risk.i18n import N_, Words, _, ngettext
from risk.model.grade_sensitivity import GradeSensitivity, grade_sensitivity
from risk.model.patient_grades import (  # noqa: F401 - part of this module's words
    describe_grade,
    describe_grade_comparison,
    grade_problems,
    grades_as_entered,
)
from risk.schema import GRADES, HORIZONS_MONTHS

if TYPE_CHECKING:
    from risk.model.pair import BiopsyRiskModel
    from risk.model.prediction import Predictions


@dataclass(frozen=True)
class SurvivalEstimate:
    """One model's estimate for the patient: the curve with its 95% band and a summary.

    ``summary`` holds the prediction table's row (``surv_60``, ``surv_60_lower``, ...,
    ``median_os_months``, ``risk_group``, ``flags``, ``model_used``).
    """

    months: np.ndarray
    survival: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    summary: dict[str, Any]
    contributions: pd.Series
    #: Conditional on being alive this many months after the biopsy (None: at it).
    alive_months: float | None = None

    def survived(self, months: float) -> bool:
        """True for a time the patient is already known to have survived."""
        return self.alive_months is not None and months <= self.alive_months

    @property
    def model_used(self) -> str:
        return str(self.summary.get("model_used", ""))

    def at(self, months: int) -> tuple[float, float, float]:
        """(estimate, lower, upper) survival at a reported horizon."""
        s = self.summary
        return (float(s[f"surv_{months}"]), float(s[f"surv_{months}_lower"]),
                float(s[f"surv_{months}_upper"]))

    def median(self) -> tuple[float, float, float]:
        """(median, lower, upper) overall survival in months; NaN when not reached."""
        s = self.summary
        median, lower, upper = (float(s.get(k, np.nan)) for k in
                                ("median_os_months", "median_os_lower", "median_os_upper"))
        return median, lower, upper


@dataclass(frozen=True)
class BiopsyScenarios:
    """Outcomes under each liver grade the biopsy could show, for this primary grade.

    ``primary_grade`` is G1-G3 or ``"unknown"``. ``scenarios`` has one row per liver
    grade: ``liver_grade``, ``probability`` (its share after this primary grade in the
    training cohort), ``patients`` (that count) and ``surv_60``; ``curves`` maps each
    liver grade to its survival curve and ``expected`` is the probability-weighted curve.
    """

    primary_grade: str
    months: np.ndarray
    scenarios: pd.DataFrame
    curves: dict[str, np.ndarray]
    expected: np.ndarray

    def survival_at(self, months: int) -> list[float]:
        """Survival at ``months`` under each liver grade, in the scenarios' order."""
        return [float(np.interp(months, self.months, self.curves[g]))
                for g in self.scenarios["liver_grade"]]

    def expected_at(self, months: int) -> float:
        return float(np.interp(months, self.months, self.expected))


@dataclass(frozen=True)
class PatientEstimate:
    """Everything shown for one patient; built by :func:`estimate_patient`."""

    inputs: dict[str, Any]
    patient: pd.DataFrame
    grades: dict[str, grading.GradeCheck]
    estimate: SurvivalEstimate
    without_biopsy: SurvivalEstimate | None
    before_biopsy: BiopsyScenarios | None
    model_version: str
    risk_cutpoints: tuple[float, ...] = ()
    warnings: tuple[str, ...] = ()
    created: date = field(default_factory=date.today)
    #: The model's reference patient, whom each contribution is measured against.
    reference_patient: dict[str, Any] = field(default_factory=dict[str, Any])
    #: The model rests on the shipped synthetic cohort (risk.registry.lineage): every
    #: page and report of this estimate says so, and only then.
    synthetic: bool = False
    #: Months after the biopsy the patient is known alive: every estimate above is
    #: conditional on it (None: at the biopsy).
    alive_months: float | None = None
    #: Progression-free survival from the model serving this patient, and from the
    #: primary-only model when a liver grade was given (None: the model has no PFS).
    #: Always at the biopsy (:data:`risk.model.progression.PFS_AT_BIOPSY_NOTE`).
    pfs: SurvivalEstimate | None = None
    pfs_without_biopsy: SurvivalEstimate | None = None

    @property
    def headline_months(self) -> int:
        """The horizon the page leads with: 5 years, or 10 once 5 are survived."""
        return 120 if self.estimate.survived(60) else 60
    #: The estimates under each grade a count near a WHO cut-off allows (None: no doubt).
    grade_sensitivity: GradeSensitivity | None = None

    @property
    def has_biopsy(self) -> bool:
        """True when a liver-biopsy grade (entered or derived) fed the estimate."""
        return self.estimate.model_used == "biopsy"


# --------------------------------------------------------------------------- estimate

def _survival_estimate(predictions: Predictions, alive_months: float | None = None
                       ) -> SurvivalEstimate:
    months = np.asarray(predictions.months, dtype=float)
    summary = predictions.table.iloc[0].to_dict()
    contributions = predictions.contributions.iloc[0].astype(float)
    return SurvivalEstimate(months, np.asarray(predictions.curves[0], float),
                            np.asarray(predictions.lower[0], float),
                            np.asarray(predictions.upper[0], float), summary, contributions,
                            alive_months)


def liver_grade_scenarios(model: BiopsyRiskModel, patient: pd.DataFrame,
                          alive_months: float | None = None) -> BiopsyScenarios:
    """Survival under each liver grade, weighted by P(liver grade | primary grade).

    The probabilities are the training cohort's shares
    (:meth:`risk.model.BiopsyRiskModel.predict_before_biopsy`), updated for survival to
    ``alive_months`` when given; ``patients`` gives the counts behind them.
    """
    result = model.predict_before_biopsy(patient, alive_months=alive_months)
    primary = patient["primary_grade"].iloc[0]
    level = primary if primary in GRADES else "unknown"
    counts = (getattr(model, "transition_counts_", None) or {}).get(level, {})
    curves = {g: np.asarray(result.by_liver_grade[g].curves[0], float) for g in GRADES}
    scenarios = pd.DataFrame({
        "liver_grade": list(GRADES),
        "probability": result.probabilities.iloc[0][list(GRADES)].to_numpy(dtype=float),
        "patients": [int(counts.get(g, 0)) for g in GRADES],
        "surv_60": [float(result.by_liver_grade[g].table["surv_60"].iloc[0]) for g in GRADES],
    })
    months = np.asarray(result.comparator.months, dtype=float)
    return BiopsyScenarios(level, months, scenarios, curves,
                        np.asarray(result.expected_curves[0], float))


#: Flags that the page states in its own words (not warnings about the inputs).
_STATED_ELSEWHERE = ("no liver-biopsy grade",)


def estimate_patient(
    model: BiopsyRiskModel,
    values: Mapping[str, object],
    *,
    model_version: str,
    synthetic: bool,
) -> PatientEstimate:
    """Validate one patient's form values and estimate their survival.

    Parameters
    ----------
    model : risk.model.BiopsyRiskModel
        The fitted, served model (read only: never changed here).
    values : mapping of schema column name -> value as entered (None = blank).
    model_version : the registry version, shown with the estimate.
    synthetic : whether that version rests on synthetic data (``LoadedModel.synthetic``).

    Raises
    ------
    ValidationError
        Every problem with the values at once, each naming its column (the form shows it
        at the field), including a grade that contradicts its Ki-67 or mitoses.
    """
    from risk.data.validation import validate_patient  # the single patient validator

    inputs = {k: values.get(k) for k in (*schema.PATIENT_INPUTS, "differentiation",
                                         *schema.PREDICTION_COLUMNS) if k in values}
    grades = grades_as_entered(values)
    contradictions = grade_problems(grades)
    try:
        patient = validate_patient(dict(values))
    except ValidationError as exc:
        named = {p.column for p in exc.problems}
        extra = [p for p in contradictions if p.column not in named]
        raise ValidationError([*exc.problems, *extra], exc.summary if not extra else None) \
            from None
    if contradictions:
        raise ValidationError(contradictions)
    alive = patient_alive_months(model, patient)
    both = model.predict_both(patient, alive_months=alive)
    with_biopsy = bool(pd.notna(patient["met_grade"].iloc[0]))
    without = _survival_estimate(both["primary_only"], alive)
    estimate = _survival_estimate(both["biopsy"], alive) if with_biopsy else without
    pfs = _pfs_estimates(model, patient, with_biopsy)
    flags = [f.strip() for f in str(estimate.summary.get("flags") or "").split(";")]
    warnings = tuple(f for f in flags if f and not f.startswith(_STATED_ELSEWHERE))
    return PatientEstimate(
        inputs=inputs, patient=patient, grades=grades, estimate=estimate,
        without_biopsy=without if with_biopsy else None,
        before_biopsy=liver_grade_scenarios(model, patient, alive),
        model_version=model_version,
        risk_cutpoints=tuple(float(c) for c in (getattr(model, "risk_cutpoints_", None) or ())),
        warnings=warnings,
        reference_patient=dict(getattr(model, "reference_patient_", None) or {}),
        synthetic=synthetic, alive_months=alive, pfs=pfs[0], pfs_without_biopsy=pfs[1],
        grade_sensitivity=grade_sensitivity(model, patient, alive),
    )


def _pfs_estimates(model: BiopsyRiskModel, patient: pd.DataFrame, with_biopsy: bool
                   ) -> tuple[SurvivalEstimate | None, SurvivalEstimate | None]:
    """(served PFS, primary-only PFS when a liver grade was given), at the biopsy."""
    pfs_model = getattr(model, "pfs_model", None)
    if pfs_model is None:
        return None, None
    both = pfs_model.predict_both(patient)
    without = _survival_estimate(both["primary_only"])
    return (_survival_estimate(both["biopsy"]), without) if with_biopsy else (without, None)


def patient_alive_months(model: BiopsyRiskModel, patient: pd.DataFrame) -> float | None:
    """The validated months known alive (None: at the biopsy); one beyond the model's
    last training death is a problem at the field."""
    if "alive_months" not in patient or pd.isna(patient["alive_months"].iloc[0]):
        return None
    alive = float(patient["alive_months"].iloc[0])
    limit = model.alive_limit_months
    if alive >= limit:
        raise ValidationError([Problem(
            _("this model's training cohort has no deaths after month {limit:g}, so it cannot say what follows that long a survival: enter less than {limit:g} months, or leave it blank (at the biopsy)").format(limit=limit), column="alive_months",
            value=f"{alive:g}", allowed=_("0 to below {limit:g} months, or blank").format(limit=limit))])
    return alive if alive > 0 else None


# --------------------------------------------------------------------------- words

def format_input(name: str, value: object) -> str:
    """A value as the clinician entered it, in the clinic's words."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        default = schema.column(name).default
        if isinstance(default, int | float):  # a blank count is read as its default
            return _("{blank} ({default})").format(blank=schema.missing_label(name),
                                                   default=format_input(name, default))
    col = schema.column(name)
    if value is None or (isinstance(value, float) and np.isnan(value)) \
            or col.kind in ("flag", "category"):
        return schema.label(name, value)
    if col.kind in ("number", "integer") and isinstance(value, str | SupportsFloat):
        text = f"{float(value):g}"
        return f"{text} {schema.unit_label(name)}" if col.unit else text
    return str(value)


def describe_reference(reference: Mapping[str, object]) -> list[tuple[str, str]]:
    """(label, value) pairs of the model's reference patient, in schema order.

    Ki-67 values are left out: the model uses the grades, which are shown.
    """
    return [(schema.column_label(n), format_input(n, reference[n]))
            for n in schema.COLUMN_NAMES
            if n in reference and n not in ("primary_ki67", "met_ki67", "primary_mitoses",
                                            "met_mitoses")]


def describe_inputs(inputs: Mapping[str, object]) -> list[tuple[str, str]]:
    """(label, value) pairs for the inputs as entered, in schema order."""
    return [(schema.column_label(n), format_input(n, inputs[n]))
            for n in (*schema.COLUMN_NAMES, *schema.PREDICTION_COLUMNS) if n in inputs]


def describe_entered(est: PatientEstimate) -> list[tuple[str, str]]:
    """The inputs as entered, a derived grade shown beside its blank ('not assessed ->
    G2 (derived)'), as the page and the report list them."""
    derived = {schema.column_label(name): check.grade for name, check in est.grades.items()
               if check.source == "derived"}
    return [(label, _("{value} -> {grade} (derived)").format(value=value, grade=derived[label]) if label in derived else value)
            for label, value in describe_inputs(est.inputs)]


def percent(value: float) -> str:
    """A survival probability as the page shows it: ``61.2%`` (one decimal)."""
    return _("not available") if not np.isfinite(value) else f"{100 * value:.1f}%"


def describe_horizon(estimate: SurvivalEstimate, months: int) -> str:
    """'61.2% (95% CI 52.0% to 69.8%)' for a horizon ('already survived' for one
    before the time the patient is known alive)."""
    if estimate.survived(months):
        return _("already survived (alive at {alive_months:g} months)").format(alive_months=estimate.alive_months)
    est, low, up = estimate.at(months)
    return _("{estimate} (95% CI {lower} to {upper})").format(
        estimate=percent(est), lower=percent(low), upper=percent(up))


#: How the model's median (and its interval) is read off the predicted curve, in words
#: for wherever it is shown (:meth:`risk.model.bands.BandCalculator.summarise`).
PREDICTED_MEDIAN_RULE = (
    N_("Median: the first whole month at which the predicted survival is 50% or lower (the "
    "curve is predicted month by month); its 95% interval: the first months at which the "
    "lower and the upper limits of the survival interval fall to 50% or lower. A survival that stays at exactly 50% for some months "
    "gives the first of them, not the middle as Kaplan-Meier medians do."))


def describe_median(estimate: SurvivalEstimate) -> str:
    """Median overall survival in words, 'not reached' when the curve stays above 50%."""
    med, low, up = estimate.median()
    last = int(estimate.months[-1])
    if not np.isfinite(med):
        text = _("not reached within {last} months").format(last=last)
        return text + (_(" (95% CI from {low:.0f} months)").format(low=low) if np.isfinite(low) else "")
    upper = _("{months:.0f} months").format(months=up) if np.isfinite(up) else _("beyond {last} months").format(last=last)
    lower = f"{low:.0f}" if np.isfinite(low) else "?"
    return _("{med:.0f} months (95% CI {lower} to {upper})").format(med=med, lower=lower, upper=upper)


def describe_alive(alive_months: float | None) -> str:
    """What a conditional estimate means, in words a clinician can read aloud."""
    if alive_months is None:
        return _("Estimated at the liver biopsy.")
    months = ngettext("{n:g} month", "{n:g} months", 1 if alive_months == 1 else 2).format(
        n=alive_months)
    return (_("Given that the patient is alive {months} after the liver biopsy: each survival is the chance of being alive at that time after the biopsy for a patient who has already survived {months} (S(t) / S({alive_months:g}), with its own 95% interval); the median is counted from the biopsy too. Times already survived are not estimated. Risk groups stay those at the biopsy.").format(months=months, alive_months=alive_months))


#: Which of the two served models gave an estimate, in words.
MODEL_WORDS = Words({"biopsy": N_("the biopsy model (primary grade, liver-biopsy grade and clinical "
                         "features)"),
               "primary_only": N_("the primary-only model (primary grade and clinical "
                               "features; no liver-biopsy grade)")})


#: Each reported horizon in words.
def _horizon_words(months: object) -> str:
    years = int(str(months)) // 12
    return ngettext("{years} year", "{years} years", years).format(years=years)


HORIZON_WORDS = Words(keys=HORIZONS_MONTHS, words=_horizon_words)
