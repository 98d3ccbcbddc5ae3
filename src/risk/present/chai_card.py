"""A version's machine-readable model card in the structure of the Coalition for Health AI
(CHAI) Applied Model Card, written as ``chai_card.json`` beside ``card.json``.

Structure followed: the CHAI Applied Model Card schema **v0.2** (draft,
``https://mc.chai.org/v0.2/schema.xsd``, repository coalition-for-health-ai/mc-schema).
That schema is XML; this is its JSON twin: one object per XML element, the same element
names in the same order (``AppliedModelCard`` > ``BasicInfo``, ``ReleaseInfo``,
``ModelSummary``, ``UsesAndDirections``, ``Warnings``, ``TrustIngredients``
(``AISystemFacts``, ``TransparencyInformation``), ``KeyMetrics``
(``UsefulnessUsabilityEfficacy``, ``FairnessEquity``, ``SafetyReliability``, each with
``MetricGoal``, ``Results``/``MetricResult`` (``Label``, ``ValueJson``), ``Interpretation``,
``TestType``, ``TestingDataDescription``, ``ValidationProcessAndJustification``),
``Resources``, ``Bibliography``), repeated elements as lists, and ``ValueJson`` kept as the
JSON text the schema asks for (kinds ``single`` and ``estimate_ci``, as CHAI's examples).
A ``ChaiSchemaVersion`` member names the version. The optional ``EHRCompatibility``,
``FoundationModels``, ``ClinicalTrial``, ``ReimbursementStatus`` and the XML signature are
left out (the manifest's Ed25519 signature covers this file).

Every text is the Model Facts label's (:mod:`risk.present.model_facts`: each part from the
card or a named code constant) or this module's own words without digits; every number of
``KeyMetrics`` is read from the card's JSON at the path its :class:`ChaiMetric` names (a test
traces each to ``card.json``). Whether the version rests on synthetic data is the one answer
of :func:`risk.registry.lineage.trained_on_synthetic`, given by the caller.

Fields stated as "Not available" (the card does not record them, and guessing would mislead):
``ModelDeveloper`` and ``DeveloperContact`` (no developer is recorded with a version; a
site's retrained version is its own), ``GlobalAvailability``, ``RegulatoryApproval`` and
``ClinicalRiskLevel`` (a research prototype with no regulatory submission recorded),
``KnownBiasesOrEthicalConsiderations``, ``BiasMitigationApproaches`` and the
``FairnessEquity`` metrics (no subgroup analysis is stored with a version; the schema wants
one ``MetricResult``, so one says "Not available" with a null value), ``FundingSource``,
``StakeholdersConsulted``, ``PeerReviewedPublications`` and ``PatientConsentOrDisclosure``
(not recorded), and ``Bibliography`` (left empty: no BibTeX is stored).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from risk.evaluation.headline import metric_label
from risk.i18n import DEFAULT_LANGUAGE, using_language
from risk.present.model_facts import INTERVAL_PERCENT, build_model_facts, card_value

if TYPE_CHECKING:
    from risk.registry.card import ModelCard

CHAI_SCHEMA_VERSION = "v0.2"
CHAI_SCHEMA_URL = "https://mc.chai.org/v0.2/schema.xsd"
MODEL_NAME = "GEP-NET liver-biopsy survival model"
NOT_AVAILABLE = "Not available"
#: The card's metrics in each CHAI group, in reading order.
USEFULNESS = ("harrell_c", "harrell_c_corrected", "uno_c", "auc_12", "auc_36", "auc_60",
              "delta_c")
SAFETY = ("calibration_slope_60", "calibration_slope_corrected", "calibration_in_the_large_60",
          "ici_60", "e50_60", "brier_60", "brier_60_corrected", "ibs")
TEST_TYPE = ("Retrospective validation on the cohort the card names (optimism-corrected by "
             "Harrell's bootstrap where a metric says so)")
_DELTA_LABEL = "Change in Harrell's C with the liver-biopsy grade"


@dataclass(frozen=True)
class ChaiMetric:
    """One ``MetricResult``: its label, value and the card paths the numbers come from
    (None for "Not available")."""

    label: str
    source: str | None
    value: float | None
    lower: float | None = None
    upper: float | None = None

    def value_json(self) -> str:
        if self.value is None:
            return json.dumps({"kind": "single", "value": None})
        if self.lower is None or self.upper is None:
            return json.dumps({"kind": "single", "value": self.value})
        return json.dumps({"kind": "estimate_ci", "estimate": self.value, "lower": self.lower,
                           "upper": self.upper, "level": int(INTERVAL_PERCENT.rstrip("%"))})


@dataclass(frozen=True)
class ChaiCard:
    """The card as a JSON object (:attr:`document`) and its metrics with their sources."""

    document: dict[str, Any]
    metrics: tuple[ChaiMetric, ...]

    def to_json_bytes(self) -> bytes:
        return (json.dumps(self.document, indent=2, ensure_ascii=False) + "\n").encode()


def _metrics(card_json: dict[str, Any], keys: tuple[str, ...]) -> tuple[ChaiMetric, ...]:
    report = isinstance(card_value(card_json, "metrics.evaluation.harrell_c"), int | float)
    base = "metrics.evaluation" if report else "metrics"
    out = []
    for key in keys:
        value = card_value(card_json, f"{base}.{key}")
        if not isinstance(value, int | float) or isinstance(value, bool):
            continue
        low, high = (card_value(card_json, f"{base}.{key}_{end}") for end in ("lower", "upper"))
        bounded = isinstance(low, int | float) and isinstance(high, int | float)
        out.append(ChaiMetric(_DELTA_LABEL if key == "delta_c" else metric_label(key),
                              f"{base}.{key}", value, low if bounded else None,
                              high if bounded else None))
    return tuple(out) or (ChaiMetric(NOT_AVAILABLE, None, None),)


def _key_metric(goal: str, results: tuple[ChaiMetric, ...], interpretation: str,
                testing: str, validation: str) -> dict[str, Any]:
    return {"MetricGoal": goal,
            "Results": {"MetricResult": [{"Label": m.label, "ValueJson": m.value_json()}
                                         for m in results]},
            "Interpretation": interpretation,
            "TestType": TEST_TYPE if testing else NOT_AVAILABLE,
            "TestingDataDescription": testing or NOT_AVAILABLE,
            "ValidationProcessAndJustification": validation or NOT_AVAILABLE}


def build_chai_card(card: ModelCard, synthetic: bool) -> ChaiCard:
    """The CHAI Applied Model Card of a version (``synthetic``: the lineage's answer), in
    English whatever the current language (it is stored beside card.json and signed)."""
    with using_language(DEFAULT_LANGUAGE):
        return _chai_card(card, synthetic)


def _chai_card(card: ModelCard, synthetic: bool) -> ChaiCard:
    facts = build_model_facts(card, synthetic)
    text = {s.title: [line.text for line in s.lines] for s in facts.sections}

    def section(title: str, start: str = "") -> str:
        return "\n".join(t for t in text[title] if t.startswith(start)) or NOT_AVAILABLE

    card_json = card.to_dict()
    usefulness, safety = _metrics(card_json, USEFULNESS), _metrics(card_json, SAFETY)
    validation = "\n".join(text["Validation and performance"])
    testing = section("Validation and performance", "Measured on ")
    testing = "" if testing == NOT_AVAILABLE else testing
    lineage = ("Trained on synthetic data (or recalibrated from a version that was): not "
               "for clinical use." if synthetic else "Not trained on the shipped synthetic "
               "cohort.")
    trained = section("Mechanism of risk score calculation", "Trained on ")
    document = {
        "ChaiSchemaVersion": CHAI_SCHEMA_VERSION,
        "ChaiSchema": CHAI_SCHEMA_URL,
        "AppliedModelCard": {
            "BasicInfo": {"ModelName": MODEL_NAME, "ModelDeveloper": NOT_AVAILABLE,
                          "DeveloperContact": NOT_AVAILABLE},
            "ReleaseInfo": {
                "ReleaseStage": "Research and decision-support prototype" +
                                (" trained on synthetic data" if synthetic else ""),
                "ReleaseDate": card.created_utc or NOT_AVAILABLE,
                "ReleaseVersion": facts.version,
                "GlobalAvailability": NOT_AVAILABLE,
                "RegulatoryApproval": NOT_AVAILABLE},
            "ModelSummary": {"Summary": section("Summary"),
                             "Keywords": {"Keyword": ["neuroendocrine tumor", "GEP-NET",
                                                      "liver biopsy", "overall survival",
                                                      "Cox proportional hazards"]}},
            "UsesAndDirections": {
                "IntendedUseAndWorkflow": "\n".join([card.intended_use or NOT_AVAILABLE,
                                                     *text["Uses and directions"][:1]]),
                "PrimaryIntendedUsers": "Clinicians of a tumor board (oncologists, "
                                        "radiologists, pathologists) discussing a patient.",
                "HowToUse": section("Uses and directions", "Directions: "),
                "TargetedPatientPopulation": card.intended_use or NOT_AVAILABLE,
                "CautionedOutOfScopeSettings": section("Uses and directions", "Not for: ")},
            "Warnings": {"KnownRisksAndLimitations": section("Warnings"),
                         "KnownBiasesOrEthicalConsiderations": NOT_AVAILABLE,
                         "ClinicalRiskLevel": NOT_AVAILABLE},
            "TrustIngredients": {
                "AISystemFacts": {
                    "OutcomesAndOutputs": section("Summary", "Output: "),
                    "ModelType": (card.methods.estimation if card.methods else "")
                                 or NOT_AVAILABLE,
                    "InputDataSource": "Values a clinician enters or fills from a FHIR "
                                       "Bundle, or a cohort file (CSV, Excel workbook or "
                                       "REDCap export).",
                    "OutputAndInputDataTypes": "\n".join(
                        [section("Mechanism of risk score calculation", "Inputs "),
                         section("Summary", "Output: ")]),
                    "DevelopmentDataCharacterization": "\n".join([trained, lineage]),
                    "BiasMitigationApproaches": NOT_AVAILABLE,
                    "OngoingMaintenance": "A site validates a version on its own cohort "
                                          "(python -m risk evaluate), recalibrates it "
                                          "(python -m risk recalibrate) or retrains it; "
                                          "each version's reference test pack is "
                                          "re-computed by python -m risk models verify.",
                    "Security": "Each version's files are listed with their SHA-256 in a "
                                "manifest signed with Ed25519; a version whose signature "
                                "or hashes do not verify is not served. Nothing a user "
                                "uploads is written to disk.",
                    "Transparency": "\n".join(
                        [section("Mechanism of risk score calculation", "Intervals: "),
                         "The model card (card.json) and the Model Facts label are shown "
                         "on the Model page."])},
                "TransparencyInformation": {
                    "FundingSource": NOT_AVAILABLE,
                    "ThirdPartyInformation": section("Other information", "Software: "),
                    "StakeholdersConsulted": NOT_AVAILABLE}},
            "KeyMetrics": {
                "UsefulnessUsabilityEfficacy": _key_metric(
                    "Discrimination: how well the estimates order patients by survival, and "
                    "what the liver-biopsy grade adds.", usefulness,
                    "C and AUC: higher is better, one half is chance.", testing, validation),
                "FairnessEquity": _key_metric(
                    "Performance across patient subgroups.", (ChaiMetric(
                        NOT_AVAILABLE, None, None),),
                    "No subgroup analysis is stored with this version.", "", ""),
                "SafetyReliability": _key_metric(
                    "Calibration and accuracy: whether the estimated survival matches the "
                    "observed.", safety, "Each label says what is ideal.", testing,
                    validation)},
            "Resources": {
                "EvaluationReferences": "The evaluation report of python -m risk evaluate "
                                        "(HTML), with the TRIPOD+AI and PROBAST+AI "
                                        "checklists.",
                "PeerReviewedPublications": NOT_AVAILABLE,
                "PatientConsentOrDisclosure": NOT_AVAILABLE},
            "Bibliography": ""}}
    return ChaiCard(document, (*usefulness, *safety))


def chai_card_bytes(card: ModelCard, synthetic: bool) -> bytes:
    """The bytes of ``chai_card.json`` (what the registry stores and the page offers)."""
    return build_chai_card(card, synthetic).to_json_bytes()
