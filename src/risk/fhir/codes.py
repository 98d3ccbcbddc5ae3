"""How each input of the model is coded in FHIR R4: the one table the writer and the
reader share.

Codes from public terminologies are used where one exists and was checked (as mCODE
does): LOINC 33732-9 "Histology grade [Identifier] in Cancer specimen" for a WHO grade
(the grade itself as a local code, :data:`WHO_GRADE_SYSTEM`), LOINC 29593-1
"Cells.Ki-67 nuclear Ag/cells in Tissue by Immune stain" for a Ki-67 index (a
percentage in any tissue; 85330-9 is the breast-cancer-specimen code and 85319-2 is
HER2, so neither fits a liver metastasis of a NET), LOINC 89247-1 "ECOG Performance
Status score" for ECOG (as mCODE's ECOGPerformanceStatus). Which tumour a grade or
Ki-67 belongs to is the Observation's ``bodySite`` (SNOMED CT 10200004 "Liver structure"
for the biopsy of the liver metastasis). Every Observation also carries a local code,
the data dictionary's column name (:data:`INPUT_SYSTEM`), so a bundle written here reads
back exactly; the inputs without a checked public code have only that.
"""

from __future__ import annotations

from dataclasses import dataclass

from risk import schema

LOINC = "http://loinc.org"
SNOMED = "http://snomed.info/sct"
UCUM = "http://unitsofmeasure.org"
_BASE = "urn:gepnet-risk:fhir"
#: Local code system of the inputs: the data dictionary's column names.
INPUT_SYSTEM = f"{_BASE}:input"
#: Local code system of the WHO 2019 grades of digestive NETs (G1, G2, G3).
WHO_GRADE_SYSTEM = f"{_BASE}:who-grade-2019"
#: Local code system of the tumour an Observation is about (primary or liver metastasis).
SITE_SYSTEM = f"{_BASE}:tumour-site"
#: Local code systems of a RiskAssessment: the outcome, the model version, its sha256.
OUTCOME_SYSTEM = f"{_BASE}:outcome"
MODEL_SYSTEM = f"{_BASE}:model-version"
MODEL_SHA256_SYSTEM = f"{_BASE}:model-sha256"
#: Extensions: the patient's age at the liver biopsy (Patient) and a prediction's 95%
#: interval (RiskAssessment.prediction: probabilityDecimal holds the estimate, so the
#: interval cannot also be probabilityRange, one choice of the same element).
AGE_EXTENSION = f"{_BASE}:extension:age-at-liver-biopsy"
INTERVAL_EXTENSION = f"{_BASE}:extension:probability-95-interval"
LIVER = (SNOMED, "10200004", "Liver structure")
GRADE_LOINC = ("33732-9", "Histology grade [Identifier] in Cancer specimen")
KI67_LOINC = ("29593-1", "Cells.Ki-67 nuclear Ag/cells in Tissue by Immune stain")
ECOG_LOINC = ("89247-1", "ECOG Performance Status score")
#: UCUM codes of the units (blank: a unit with no clean UCUM code, written as text).
UCUM_CODES = {"%": "%", "years": "a", "months": "mo", "cells": "{cells}"}


@dataclass(frozen=True)
class InputCode:
    """One model input as an Observation: its column, public code and tumour site."""

    name: str
    loinc: tuple[str, str] | None = None
    site: str | None = None  # "primary" or "met": which tumour (bodySite)


#: Measurements of one tumour (its bodySite says which): Ki-67, cells counted, mitoses, grade.
_MEASURED = ("_ki67", "_cells_counted", "_mitoses", "_grade")


def _site(name: str) -> str | None:
    if not name.endswith(_MEASURED):
        return None
    return "primary" if name.startswith("primary_") else "met"


def _loinc(name: str) -> tuple[str, str] | None:
    if name.endswith("_grade"):
        return GRADE_LOINC
    if name.endswith("_ki67"):
        return KI67_LOINC
    return ECOG_LOINC if name == "ecog" else None


#: Written on the Patient resource (gender and the age extension), not as Observations.
ON_PATIENT = ("age", "sex")
#: Every input written as an Observation, in the data dictionary's order.
OBSERVED = tuple(name for name in (*schema.PATIENT_INPUTS, "differentiation",
                                   *schema.PREDICTION_COLUMNS) if name not in ON_PATIENT)
INPUT_CODES = {name: InputCode(name, _loinc(name), _site(name))
               for name in OBSERVED}


def value_system(name: str) -> str:
    """The code system of a category input's values (the WHO grades share one)."""
    return WHO_GRADE_SYSTEM if name.endswith("_grade") else f"{_BASE}:value:{name}"


def by_loinc(code: str, site: str | None) -> str | None:
    """The input a LOINC code names at a tumour site (None: not one of ours)."""
    for item in INPUT_CODES.values():
        if item.loinc and item.loinc[0] == code and item.site == site:
            return item.name
    return None
