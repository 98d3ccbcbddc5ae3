"""The evaluation report as a document: typed, with JSON in and out.

:class:`EvaluationReport` holds what :func:`risk.evaluation.report.evaluate` found: the
headline numbers (:mod:`risk.evaluation.headline`) and the sections
(:mod:`risk.evaluation.section_models`). :meth:`EvaluationReport.to_dict` writes the JSON
report (``report.json``, and the report a model card stores); :meth:`EvaluationReport.
from_dict` reads one back, and what it reads it writes again, key for key.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from risk._records import Record, json_safe
from risk.errors import ModelError
from risk.evaluation.headline import Headline, ModelMetrics
from risk.evaluation.progression import PfsEvaluation
from risk.evaluation.section_models import (
    BiopsyValue,
    CalibrationSection,
    CohortFile,
    DecisionPoint,
    EvaluationSettings,
    Optimism,
    ProportionalHazards,
    StandardErrors,
    Subgroup,
)
from risk.i18n import N_

#: The format of the JSON report (:meth:`EvaluationReport.to_dict`): the keys and sections
#: written, the ones :meth:`EvaluationReport.from_dict` reads. Format 1 writes no key of
#: its own (its reports are those of every earlier version); a later format will.
REPORT_FORMAT = 1
#: Said wherever performance is shown (literature.md, section 5).
SYNTHETIC_CONTEXT = N_(
    "Published prognostic models for GEP-NET liver metastases reach C-indices of about "
    "0.60-0.70 (e.g. NEPscore 0.60-0.66). A model trained or evaluated on the synthetic "
    "cohort looks better than that only because the data are synthetic: these numbers "
    "say nothing about performance in real patients.")
#: Said beside a report on real patients by a model that is not synthetic.
PUBLISHED_CONTEXT = N_(
    "Published prognostic models for GEP-NET liver metastases reach C-indices of about "
    "0.60-0.70 (e.g. NEPscore 0.60-0.66): compare these figures with that range, and the "
    "optimism-corrected ones above all.")

class EvaluationError(ModelError):
    """The cohort cannot be evaluated as asked (no outcomes, too few deaths, cluster...)."""


@dataclass
class EvaluationReport:
    """Everything the evaluation found, typed; :meth:`to_dict` gives the JSON report and
    :meth:`from_dict` reads it back (``report.json``, or the report a model card stores)."""

    headline: Headline
    comparator: ModelMetrics
    calibration: dict[str, CalibrationSection]
    comparator_calibration: dict[str, CalibrationSection]
    decision_curve: list[DecisionPoint]
    biopsy_value: BiopsyValue | None
    proportional_hazards: dict[str, ProportionalHazards]
    subgroups: list[Subgroup]
    optimism: Optimism | None
    settings: EvaluationSettings
    notes: list[str] = field(default_factory=list)
    model_version: str | None = None
    #: The cohort or the model is synthetic (risk.registry.lineage): says which context.
    synthetic: bool = False
    #: The cohort file measured (``data`` in the JSON), when the caller names it.
    source: CohortFile | None = None
    #: What the numbers must be read against (default: from ``synthetic``).
    context: str = ""
    #: Standard errors of C and Brier (:mod:`risk.evaluation.standard_errors`), for a
    #: site summary; not part of report.json (None in a report read back).
    standard_errors: StandardErrors | None = None
    comparator_standard_errors: StandardErrors | None = None
    #: The progression-free survival model's validation (``pfs`` in the JSON, written only
    #: when there is one: an OS-only model's report is that of every earlier version).
    pfs: PfsEvaluation | None = None

    def __post_init__(self) -> None:
        if not self.context:
            self.context = SYNTHETIC_CONTEXT if self.synthetic else PUBLISHED_CONTEXT

    def summary(self) -> dict[str, Any]:
        """The headline numbers (flat), as in report.json."""
        numbers: dict[str, Any] = json_safe(self.headline.to_dict())
        return numbers

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe report: the headline keys at the top, then each section."""
        cal60 = self.calibration.get("60") or CalibrationSection()
        out = {
            **self.headline.to_dict(), "comparator": self.comparator.to_dict(),
            "decision_curve": _dicts(self.decision_curve),
            "calibration_curve": {"months": 60, "groups": _dicts(cal60.groups),
                                  "smoothed": _dicts(cal60.curve)},
            "calibration": _dicts(self.calibration),
            "comparator_calibration": _dicts(self.comparator_calibration),
            "biopsy_value": _dicts(self.biopsy_value),
            "proportional_hazards": _dicts(self.proportional_hazards),
            "subgroups": _dicts(self.subgroups), "optimism": _dicts(self.optimism),
            "settings": self.settings.to_dict(), "model_version": self.model_version,
            "notes": list(self.notes), "context": self.context, "synthetic": self.synthetic,
        }
        if self.source is not None:
            out["data"] = self.source.to_dict()
        if self.pfs is not None:
            out["pfs"] = self.pfs.to_dict()
        document: dict[str, Any] = json_safe(out)
        return document

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> EvaluationReport:
        """The report of a JSON report (:meth:`to_dict`, ``report.json``): a report read
        back writes the same JSON. Sections an older or partial report lacks are empty;
        an EvaluationError says why a JSON object is not a report this code can read."""
        from pydantic import ValidationError

        if data.get("report_format", REPORT_FORMAT) != REPORT_FORMAT:
            raise EvaluationError(f"this report has format {data['report_format']!r}; this "
                                  f"version of the code reads format {REPORT_FORMAT}")
        try:
            return cls._read(data)
        except (ValidationError, AttributeError, TypeError) as exc:
            raise EvaluationError(f"not an evaluation report this version of the code can "
                                  f"read ({type(exc).__name__}: {exc})") from None

    @classmethod
    def _read(cls, data: Mapping[str, Any]) -> EvaluationReport:
        def each(key: str, kind: type[_Part]) -> dict[str, _Part]:
            return {name: kind.from_dict(v) for name, v in (data.get(key) or {}).items()}

        def listed(key: str, kind: type[_Part]) -> list[_Part]:
            return [kind.from_dict(v) for v in data.get(key) or []]

        def one(key: str, kind: type[_Part]) -> _Part | None:
            return kind.from_dict(data[key]) if data.get(key) else None

        synthetic = data.get("synthetic", data.get("context") == SYNTHETIC_CONTEXT)
        return cls(
            headline=Headline.from_dict(data),
            comparator=ModelMetrics.from_dict(data.get("comparator") or {}),
            calibration=each("calibration", CalibrationSection),
            comparator_calibration=each("comparator_calibration", CalibrationSection),
            decision_curve=listed("decision_curve", DecisionPoint),
            biopsy_value=one("biopsy_value", BiopsyValue),
            proportional_hazards=each("proportional_hazards", ProportionalHazards),
            subgroups=listed("subgroups", Subgroup), optimism=one("optimism", Optimism),
            settings=EvaluationSettings.from_dict(data.get("settings") or {}),
            notes=list(data.get("notes") or []), model_version=data.get("model_version"),
            synthetic=bool(synthetic), source=one("data", CohortFile), pfs=one("pfs", PfsEvaluation),
            context=data.get("context") or "")


#: A section's record type, as :meth:`EvaluationReport._read` reads it.
_Part = TypeVar("_Part", bound=Record)


def _dicts(value: object) -> object:
    """Records (in lists and dicts) as JSON objects."""
    if isinstance(value, Record):
        return value.to_dict()
    if isinstance(value, dict):
        return {k: _dicts(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_dicts(v) for v in value]
    return value
