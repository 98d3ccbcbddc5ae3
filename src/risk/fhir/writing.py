"""A FHIR R4 Bundle of survival estimates: per patient a Patient (age and sex only), the
inputs as Observations (coded as :mod:`risk.fhir.codes` says) and a RiskAssessment.

The RiskAssessment has one prediction per reported horizon (``probabilityDecimal``: the
probability of being alive then; its 95% interval in the extension
:data:`risk.fhir.codes.INTERVAL_EXTENSION`), ``basis`` referencing the Patient and the
Observations, ``method`` naming the model version and the sha256 of its ``model.json``,
and a note when the model rests on synthetic data (:func:`risk.registry.trained_on_synthetic`,
carried as ``LoadedModel.synthetic``). Nothing that identifies a person is written: no
name, identifier, date of birth or study code (resource ids are ``p1``, ``p2``... in the
order of the patients). Every bundle is checked against the R4 models of
``fhir.resources`` before it is returned.
"""

from __future__ import annotations

import json
import math
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from risk import schema
from risk.fhir import codes

if TYPE_CHECKING:
    from risk.model import PatientEstimate

#: What every RiskAssessment says first.
NOT_A_DEVICE = ("Research prototype, not a medical device: this estimate must not guide "
                "the care of a patient on its own.")
SYNTHETIC_FHIR_NOTE = ("The model was trained on synthetic patients calibrated to published "
                       "figures: this estimate illustrates the method only.")


@dataclass(frozen=True)
class ModelIdentity:
    """The model version that made the estimates, as a RiskAssessment names it."""

    version: str
    sha256: str  # of the version's model.json (its manifest)
    synthetic: bool  # rests on synthetic data (risk.registry.lineage)


@dataclass(frozen=True)
class Assessment:
    """One patient's estimate for a bundle.

    ``inputs``: schema name -> the value as entered (None or NaN = blank, not written);
    ``summary``: the prediction row (``surv_12``, ``surv_12_lower``, ..., ``model_used``,
    ``risk_group``), as :func:`risk.model.estimate_patient` and ``predict`` give it,
    with ``pfs_12``, ``pfs_12_lower``... when the model has progression-free survival.
    """

    inputs: Mapping[str, object]
    summary: Mapping[str, object]
    alive_months: float | None = None
    created: datetime = field(default_factory=lambda: datetime.now(UTC))


def assessment_of(estimate: PatientEstimate) -> Assessment:
    """The bundle's view of the Patient page's estimate (PFS named as ``predict`` names it)."""
    summary = dict(estimate.estimate.summary)
    if estimate.pfs is not None:
        summary.update({key.replace("surv_", "pfs_", 1): value
                        for key, value in estimate.pfs.summary.items()
                        if key.startswith("surv_")})
    return Assessment(dict(estimate.inputs), summary, estimate.alive_months)


def is_blank(value: object) -> bool:
    return value is None or value == "" or (isinstance(value, float) and math.isnan(value))


def _url() -> str:
    return f"urn:uuid:{uuid.uuid4()}"


def _quantity(value: float, unit: str) -> dict[str, Any]:
    out: dict[str, Any] = {"value": value}
    if unit:
        out["unit"] = unit
    if unit in codes.UCUM_CODES:
        out.update(system=codes.UCUM, code=codes.UCUM_CODES[unit])
    return out


def observation_value(name: str, value: object) -> dict[str, Any]:
    """The ``value[x]`` of an input's Observation."""
    col = schema.column(name)
    if col.kind == "flag":
        return {"valueBoolean": bool(value)}
    if name == "ecog":
        return {"valueInteger": int(value)}  # type: ignore[call-overload]
    if col.kind == "category":
        words = schema.label(name, value)
        return {"valueCodeableConcept": {"coding": [
            {"system": codes.value_system(name), "code": str(value), "display": words}],
            "text": words}}
    number = float(value)  # type: ignore[arg-type]
    return {"valueQuantity": _quantity(int(number) if col.kind == "integer" else number,
                                       col.unit)}


def _site(site: str) -> dict[str, Any]:
    if site == "met":
        system, code, display = codes.LIVER
        return {"coding": [{"system": system, "code": code, "display": display},
                           {"system": codes.SITE_SYSTEM, "code": "met",
                            "display": "Liver metastasis (CT-guided core-needle biopsy)"}],
                "text": "Liver metastasis"}
    return {"coding": [{"system": codes.SITE_SYSTEM, "code": "primary",
                        "display": "Primary tumour"}], "text": "Primary tumour"}


def _observation(rid: str, name: str, value: object, subject: str) -> dict[str, Any]:
    # no effective[x]: when a Ki-67 was counted is not known here, and the bundle's date
    # would claim it was today
    item, col = codes.INPUT_CODES[name], schema.column(name)
    coding = [{"system": codes.LOINC, "code": item.loinc[0], "display": item.loinc[1]}] \
        if item.loinc else []
    coding.append({"system": codes.INPUT_SYSTEM, "code": name, "display": col.label})
    out: dict[str, Any] = {"resourceType": "Observation", "id": rid, "status": "final",
                           "code": {"coding": coding, "text": col.label},
                           "subject": {"reference": subject}}
    if item.site:
        out["bodySite"] = _site(item.site)
    return out | observation_value(name, value)


def _patient(rid: str, inputs: Mapping[str, object]) -> dict[str, Any]:
    out: dict[str, Any] = {"resourceType": "Patient", "id": rid}
    if not is_blank(inputs.get("sex")):
        out["gender"] = str(inputs["sex"])
    if not is_blank(inputs.get("age")):
        age = float(inputs["age"])  # type: ignore[arg-type]
        out["extension"] = [{"url": codes.AGE_EXTENSION,
                             "valueAge": _quantity(age, "years")}]
    return out


#: The outcomes predicted: (prefix of the prediction row, outcome code, words).
OUTCOMES = (("surv", "alive", "Alive"),
            ("pfs", "progression-free", "Alive without progression"))


def _prediction(summary: Mapping[str, object], months: int, alive: float | None,
                outcome: tuple[str, str, str] = OUTCOMES[0]) -> dict[str, Any]:
    prefix, code, said = outcome
    value, low, high = (float(summary[f"{prefix}_{months}{p}"])  # type: ignore[arg-type]
                        for p in ("", "_lower", "_upper"))
    words = f"{said} {months} months after the liver biopsy"
    when: dict[str, Any] = {"high": _quantity(months, "months")}
    if alive:
        when["low"] = _quantity(alive, "months")
    return {"outcome": {"coding": [{"system": codes.OUTCOME_SYSTEM,
                                    "code": f"{code}-{months}-months", "display": words}],
                        "text": words},
            "probabilityDecimal": value, "whenRange": when,
            "extension": [{"url": codes.INTERVAL_EXTENSION,
                           "valueRange": {"low": {"value": low}, "high": {"value": high}}}],
            "rationale": f"95% interval {100 * low:.1f}% to {100 * high:.1f}%"}


def _notes(assessment: Assessment, model: ModelIdentity) -> list[dict[str, str]]:
    notes = [NOT_A_DEVICE]
    if model.synthetic:
        notes.append(SYNTHETIC_FHIR_NOTE)
    if assessment.alive_months:
        notes.append(f"Every probability of being alive is conditional on being alive "
                     f"{assessment.alive_months:g} months after the liver biopsy; "
                     "progression-free survival is estimated at the biopsy.")
    group = assessment.summary.get("risk_group")
    if not is_blank(group):
        notes.append(f"Risk group at the biopsy: {schema.label('risk_group', group)}.")
    return [{"text": text} for text in notes]


def _method(model: ModelIdentity, used: str) -> dict[str, Any]:
    which = {"biopsy": "the biopsy model (with the liver-biopsy grade)",
             "primary_only": "the primary-only model (no liver-biopsy grade)"}.get(used, used)
    return {"coding": [{"system": codes.MODEL_SYSTEM, "code": model.version},
                       {"system": codes.MODEL_SHA256_SYSTEM, "code": model.sha256}],
            "text": f"Cox proportional-hazards model, version {model.version} (model.json "
                    f"sha256 {model.sha256}); {which}"}


def _entries(index: int, assessment: Assessment, model: ModelIdentity) -> list[dict[str, Any]]:
    from risk.model.progression import PFS_HORIZONS  # pandas: not on the page's first render

    when = assessment.created.strftime("%Y-%m-%dT%H:%M:%SZ")
    patient_url, rid = _url(), f"p{index}"
    entries = [{"fullUrl": patient_url, "resource": _patient(rid, assessment.inputs)}]
    for name in codes.OBSERVED:
        value = assessment.inputs.get(name)
        if not is_blank(value):
            entries.append({"fullUrl": _url(), "resource": _observation(
                f"{rid}-{name.replace('_', '-')}", name, value, patient_url)})
    alive = assessment.alive_months
    predictions = [_prediction(assessment.summary, m, alive) for m in schema.HORIZONS_MONTHS
                   if not (alive and m <= alive)]
    predictions += [_prediction(assessment.summary, m, None, OUTCOMES[1])  # at the biopsy
                    for m in PFS_HORIZONS if not is_blank(assessment.summary.get(f"pfs_{m}"))]
    risk = {"resourceType": "RiskAssessment", "id": f"{rid}-risk", "status": "final",
            "subject": {"reference": patient_url}, "occurrenceDateTime": when,
            "method": _method(model, str(assessment.summary.get("model_used", ""))),
            "basis": [{"reference": e["fullUrl"]} for e in entries],
            "prediction": predictions, "note": _notes(assessment, model)}
    return [*entries, {"fullUrl": _url(), "resource": risk}]


def risk_bundle(assessments: Sequence[Assessment], model: ModelIdentity) -> dict[str, Any]:
    """The Bundle (type ``collection``) of every patient's resources, checked against R4."""
    from fhir.resources.R4B.bundle import Bundle

    entries = [e for i, a in enumerate(assessments, 1) for e in _entries(i, a, model)]
    bundle = {"resourceType": "Bundle", "type": "collection",
              "timestamp": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
              "entry": entries}
    Bundle.model_validate(bundle)  # a bundle this code writes is always valid R4
    return bundle


def bundle_bytes(assessments: Sequence[Assessment], model: ModelIdentity) -> bytes:
    """The Bundle as UTF-8 JSON (``application/fhir+json``)."""
    return json.dumps(risk_bundle(assessments, model), indent=1,
                      ensure_ascii=False).encode("utf-8")
