"""The sections of an evaluation report, typed as ``report.json`` holds them.

:mod:`risk.evaluation.sections` computes each section; :class:`risk.evaluation.document.
EvaluationReport` holds them as these records and writes them back with the same keys,
in the same order. A number that could not be computed (NaN) is None.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from risk._records import Number, Record


class CalibrationGroup(Record):
    """One risk group: mean predicted and Kaplan-Meier observed risk, 95% interval."""

    group: int
    n: int
    deaths: int
    mean_predicted_risk: Number = None
    observed_risk: Number = None
    observed_risk_lower: Number = None
    observed_risk_upper: Number = None


class CalibrationPoint(Record):
    """A point of the smoothed calibration curve, with its 95% band."""

    predicted_risk: Number = None
    observed_risk: Number = None
    lower: Number = None
    upper: Number = None


class CalibrationSection(Record):
    """Calibration at one horizon (:class:`risk.evaluation.metrics.calibration.Calibration`)."""

    months: Number = None
    n: int | None = None
    slope: Number = None
    slope_lower: Number = None
    slope_upper: Number = None
    calibration_in_the_large: Number = None
    observed_risk: Number = None
    observed_risk_lower: Number = None
    observed_risk_upper: Number = None
    mean_predicted_risk: Number = None
    oe_ratio: Number = None
    ici: Number = None
    e50: Number = None
    e90: Number = None
    emax: Number = None
    groups: list[CalibrationGroup] = Field(default_factory=list)
    curve: list[CalibrationPoint] = Field(default_factory=list)
    note: str = ""


class DecisionPoint(Record):
    """Net benefit at one threshold risk of death by 60 months."""

    threshold: float
    net_benefit: Number = None
    treat_all: Number = None
    treat_none: Number = None
    treated: Number = None
    net_benefit_comparator: Number = None


class Reclassification(Record):
    """Net reclassification of one kind (categorical or continuous)."""

    nri: Number = None
    nri_events: Number = None
    nri_nonevents: Number = None
    moved_up: int | None = None
    moved_down: int | None = None


class NetReclassification(Record):
    """Net reclassification at 60 months: any change of risk, and across risk groups."""

    months: Number = None
    continuous: Reclassification | None = None
    categorical: Reclassification | None = None


class ReclassificationCell(Record):
    """Patients moved from one risk group (primary only) to another (with the biopsy)."""

    old: str
    new: str
    n: int
    deaths: int
    observed_risk: Number = None


class LikelihoodRatioTest(Record):
    """The liver-biopsy terms on top of the comparator's, nested Cox models refitted."""

    statistic: Number = None
    df: int | None = None
    p: Number = None
    loglik_nested: Number = None
    loglik_full: Number = None
    dropped: list[str] = Field(default_factory=list)
    note: str | None = None


class BiopsyValue(Record):
    """What the liver-biopsy grade adds, on the patients who have one."""

    n: int | None = None
    events: int | None = None
    c_biopsy: Number = None
    c_comparator: Number = None
    delta_c: Number = None
    nri: NetReclassification | None = None
    reclassification: list[ReclassificationCell] = Field(default_factory=list)
    lr_test: LikelihoodRatioTest | None = None


class CovariateCheck(Record):
    """Schoenfeld residual test of one model term."""

    covariate: str
    statistic: Number = None
    p: Number = None
    violated: bool | None = None


class ProportionalHazards(Record):
    """Proportional-hazards checks of one model's terms."""

    covariates: list[CovariateCheck] = Field(default_factory=list)
    dropped: list[str] = Field(default_factory=list)
    time_transform: str | None = None
    note: str | None = None


class Subgroup(Record):
    """Key metrics of one subgroup (a primary site or a primary WHO grade)."""

    variable: str | None = None
    level: str | None = None
    label: str = ""
    n: int | None = None
    deaths: int | None = None
    harrell_c: Number = None
    comparator_harrell_c: Number = None
    observed_risk_60: Number = None
    mean_predicted_risk_60: Number = None
    calibration_in_the_large_60: Number = None
    brier_60: Number = None
    note: str | None = None


class OptimismMetric(Record):
    """Harrell's bootstrap correction of one metric."""

    apparent: Number = None
    optimism: Number = None
    corrected: Number = None
    resamples_used: int | None = None


class Optimism(Record):
    """Harrell's bootstrap optimism correction (:mod:`risk.evaluation.bootstrap`)."""

    resamples: int | None = None
    failed: int = 0
    failures: list[str] = Field(default_factory=list)
    metrics: dict[str, OptimismMetric] = Field(default_factory=dict)


class EvaluationSettings(Record):
    """How the evaluation was run."""

    bootstrap: int | None = None
    seed: int | None = None
    refit: str | None = None
    reselect: bool | None = None
    dask: bool | None = None
    uno_tau_months: Number = None
    horizons_months: list[int] = Field(default_factory=list)


class CohortFile(Record):
    """The cohort file a report measures (name and sha256, never rows), and whether it is
    the file the model was trained on (internal validation) or not (external)."""

    file: str | None = None
    sha256: str | None = None
    validation: Literal["internal", "external"] | None = None
    column_mapping: dict[str, str] | None = None


class StandardErrors(Record):
    """Standard errors of one model's C and Brier score
    (:mod:`risk.evaluation.standard_errors`): kept with the report for site summaries,
    not written in ``report.json``."""

    harrell_c: Number = None
    uno_c: Number = None
    brier_60: Number = None
    method: str = ""
