"""Reading a FHIR R4 Bundle of a patient's Observations (and a Patient for age and sex)
into the Patient page's form values.

The bundle is parsed as JSON only (nothing unpickled, nothing written to disk or logged),
checked against the R4 models of ``fhir.resources``, then read with the codes of
:mod:`risk.fhir.codes`: a bundle written by :mod:`risk.fhir.writing` reads back exactly,
and another system's Observations are read where their LOINC code and ``bodySite`` name
one of the model's inputs. From a Patient only ``gender`` and the age extension are read;
a name, identifier, date of birth, address or anything else is ignored, never kept, and
listed by field name only. Any problem refuses the whole bundle, each problem naming the
entry, its resource and the field.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from risk import schema
from risk.errors import Problem, ValidationError
from risk.fhir import codes

MAX_BUNDLE_BYTES = 5 * 2**20
#: Patient fields read; every other field present is listed as ignored.
_PATIENT_READ = ("resourceType", "id", "meta", "text", "gender", "extension")
_SKIPPED_STATUS = ("entered-in-error", "cancelled")
_SUMMARY = "the FHIR bundle cannot be read"


@dataclass(frozen=True)
class ReadValue:
    """One form field filled from the bundle, and where it came from."""

    name: str
    value: object
    source: str


@dataclass(frozen=True)
class BundlePatient:
    """One patient of a bundle: the form values read (schema name -> the form's type:
    float, int for ECOG, bool for a flag, a code for a category), what each came from,
    and what was ignored."""

    label: str
    values: dict[str, object]
    read: tuple[ReadValue, ...]
    ignored: tuple[str, ...]


@dataclass(frozen=True)
class BundleReading:
    patients: tuple[BundlePatient, ...]
    ignored: tuple[str, ...]  # resources that belong to no patient, or are not read


def _refuse(message: str, where: str | None = None, allowed: str | None = None) -> ValidationError:
    return ValidationError([Problem(message, column=where, allowed=allowed)], summary=_SUMMARY)


def _parse(data: bytes) -> dict[str, Any]:
    if len(data) > MAX_BUNDLE_BYTES:
        raise _refuse(f"the file is {len(data) / 2**20:.1f} MB", allowed="at most 5 MB")
    try:
        value = json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise _refuse("the file is not UTF-8 text", allowed="a FHIR JSON file") from None
    except json.JSONDecodeError as exc:
        raise _refuse(f"not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})",
                      allowed="a FHIR Bundle in JSON") from None
    except RecursionError:  # nesting no FHIR resource needs
        raise _refuse("JSON nested too deeply to be a FHIR Bundle",
                      allowed="a FHIR Bundle in JSON") from None
    if not isinstance(value, dict) or value.get("resourceType") != "Bundle":
        kind = value.get("resourceType") if isinstance(value, dict) else type(value).__name__
        raise _refuse(f"not a FHIR Bundle (resourceType {kind!r})",
                      allowed='a JSON object with "resourceType": "Bundle"')
    return value


def _resource_name(bundle: Mapping[str, Any], index: int) -> str:
    """'entry 3 (Observation p1-met-ki67)' for the entry at ``index`` (0-based)."""
    entries = bundle.get("entry")
    resource = entries[index].get("resource") if isinstance(entries, list) and \
        index < len(entries) and isinstance(entries[index], dict) else None
    if not isinstance(resource, dict):
        return f"entry {index + 1}"
    rid = resource.get("id")
    return f"entry {index + 1} ({resource.get('resourceType', '?')}" + \
        (f" {rid})" if isinstance(rid, str) else ")")


def _location(bundle: Mapping[str, Any], loc: tuple[Any, ...]) -> tuple[str, bool]:
    """Where a pydantic error points, in words, and whether it is inside a Patient."""
    parts, patient = list(loc), False
    where = "Bundle"
    if len(parts) >= 2 and parts[0] == "entry" and isinstance(parts[1], int):
        where = _resource_name(bundle, parts[1])
        patient = "(Patient" in where
        parts = parts[3:] if len(parts) > 2 and parts[2] == "resource" else parts[2:]
    field = "".join(f"[{p + 1}]" if isinstance(p, int) else f".{p}" for p in parts)
    return where + (f", field {field.lstrip('.')}" if field else ""), patient


def _check_r4(bundle: dict[str, Any]) -> None:
    from fhir.resources.R4B.bundle import Bundle
    from pydantic import ValidationError as PydanticError

    try:
        Bundle.model_validate(bundle)
    except PydanticError as exc:
        problems = []
        for error in exc.errors()[:50]:
            where, patient = _location(bundle, tuple(error["loc"]))
            value = error.get("input")
            shown = value if not patient and isinstance(value, str | int | float) \
                and len(str(value)) <= 40 else None  # a Patient's values are never shown
            problems.append(Problem(f"not valid FHIR R4: {error['msg']}", column=where,
                                    value=shown))
        raise ValidationError(problems, summary=_SUMMARY) from None


# --------------------------------------------------------------------------- values

def _codes(concept: object) -> list[tuple[str, str]]:
    if not isinstance(concept, dict):
        return []
    return [(str(c.get("system", "")), str(c.get("code", "")))
            for c in concept.get("coding") or [] if isinstance(c, dict)]


def _site_of(resource: Mapping[str, Any]) -> str | None:
    for system, code in _codes(resource.get("bodySite")):
        if system == codes.SITE_SYSTEM and code in ("primary", "met"):
            return code
        if (system, code) == codes.LIVER[:2]:
            return "met"
    return None


def input_of(resource: Mapping[str, Any]) -> tuple[str | None, str]:
    """The input an Observation holds (None: not one of ours), and its code in words."""
    found = _codes(resource.get("code"))
    for system, code in found:
        if system == codes.INPUT_SYSTEM and code in codes.INPUT_CODES:
            return code, f"local code {code}"
    for system, code in found:
        if system == codes.LOINC:
            name = codes.by_loinc(code, _site_of(resource))
            if name:
                return name, f"LOINC {code}"
            if any(item.loinc and item.loinc[0] == code for item in codes.INPUT_CODES.values()):
                return None, (f"LOINC {code} without a bodySite saying primary tumour or "
                              "liver metastasis")
    shown = ", ".join(code for _, code in found[:3]) or "no code"
    return None, f"not an input of this model ({shown})"


def _bounded(name: str, number: float, where: str) -> tuple[object, Problem | None]:
    col = schema.column(name)
    low, high = col.minimum, col.maximum
    below = low is not None and (number <= low if col.exclusive_minimum else number < low)
    if below or (high is not None and number > high) or number != number:
        return None, Problem(f"{col.label}: out of range", column=where, value=number,
                             allowed=col.allowed())
    if col.kind == "integer" and name != "ecog" and not float(number).is_integer():
        return None, Problem(f"{col.label}: not a whole number", column=where, value=number,
                             allowed=col.allowed())
    return (int(number) if name == "ecog" else float(number)), None


def _number(name: str, resource: Mapping[str, Any], where: str) -> tuple[object, Problem | None]:
    col = schema.column(name)
    if name == "ecog" and isinstance(resource.get("valueInteger"), int):
        return _bounded(name, resource["valueInteger"], where)
    quantity = resource.get("valueQuantity")
    if not isinstance(quantity, dict) or not isinstance(quantity.get("value"), int | float):
        return None, Problem(f"{col.label}: no valueQuantity.value", column=where,
                             allowed=f"a valueQuantity in {col.unit}" if col.unit else
                             "a valueInteger")
    unit = quantity.get("code") or quantity.get("unit")
    expected = {col.unit, codes.UCUM_CODES.get(col.unit, col.unit)}
    if col.unit in ("%", "years", "months") and unit is not None and unit not in expected:
        return None, Problem(f"{col.label}: unit {unit!r}", column=where + ", field "
                             "valueQuantity.unit", allowed=f"{col.unit} (UCUM "
                             f"{codes.UCUM_CODES[col.unit]})")
    return _bounded(name, float(quantity["value"]), where)


def observed_value(name: str, resource: Mapping[str, Any],
                   where: str) -> tuple[object, Problem | None]:
    """The form value of an input's Observation, or the problem with it."""
    col = schema.column(name)
    if col.kind == "flag":
        value = resource.get("valueBoolean")
        if isinstance(value, bool):
            return value, None
        return None, Problem(f"{col.label}: no valueBoolean", column=where,
                             allowed="valueBoolean true or false")
    if col.kind == "category":
        wanted = {c.lower(): c for c in col.categories}
        grade = name.endswith("_grade")  # G1-G3 mean the WHO grade in any local system
        for system, code in _codes(resource.get("valueCodeableConcept")):
            if (grade or system in (codes.value_system(name), "")) and code.lower() in wanted:
                return wanted[code.lower()], None
        return None, Problem(f"{col.label}: no valueCodeableConcept with one of its codes",
                             column=where, allowed=f"a coding of {codes.value_system(name)} "
                             f"with code {', '.join(col.categories)}")
    return _number(name, resource, where)


# --------------------------------------------------------------------------- patients

def _patient_values(resource: Mapping[str, Any], where: str, values: dict[str, object],
                    read: list[ReadValue], ignored: list[str], problems: list[Problem]) -> None:
    for key in resource:
        if key not in _PATIENT_READ:
            ignored.append(f"{where}: {key} (never read or kept)")
    gender = resource.get("gender")
    if gender in ("female", "male"):
        values["sex"] = gender
        read.append(ReadValue("sex", gender, f"{where}, gender"))
    elif gender is not None:
        problems.append(Problem("the model needs female or male", column=f"{where}, field "
                                "gender", value=gender, allowed="female, male"))
    for ext in resource.get("extension") or []:
        if not isinstance(ext, dict) or ext.get("url") != codes.AGE_EXTENSION:
            ignored.append(f"{where}: extension {ext.get('url') if isinstance(ext, dict) else ''}")
            continue
        age = ext.get("valueAge") or {}
        field = f"{where}, field extension valueAge"
        if not isinstance(age.get("value"), int | float):
            problems.append(Problem("age: no value", column=field, allowed="a number of years"))
            continue
        unit = age.get("code") or age.get("unit")
        if unit not in (None, "a", "years"):
            problems.append(Problem(f"age: unit {unit!r}", column=field,
                                    allowed="years (UCUM a)"))
            continue
        value, problem = _bounded("age", float(age["value"]), field)
        if problem:
            problems.append(problem)
        else:
            values["age"] = value
            read.append(ReadValue("age", value, field))


def _subject(resource: Mapping[str, Any], urls: Mapping[str, str]) -> str:
    ref = resource.get("subject", {}).get("reference") if isinstance(
        resource.get("subject"), dict) else None
    return urls.get(str(ref), str(ref)) if ref else ""


def _label(n: int, values: Mapping[str, object]) -> str:
    age, sex = values.get("age"), values.get("sex")
    about = ", ".join(p for p in (f"{age:g} years" if isinstance(age, float) else "",
                                  str(sex or "")) if p)
    return f"Patient {n}" + (f" ({about})" if about else "")


def _groups(bundle: Mapping[str, Any]) -> tuple[dict[str, dict[str, Any]], list[str]]:
    """Each patient's Patient entry and Observations (by the subject they reference),
    and the resources that are not read."""
    entries = [(i, e["resource"]) for i, e in enumerate(bundle.get("entry") or [])
               if isinstance(e.get("resource"), dict)]
    full = bundle.get("entry") or []
    urls: dict[str, str] = {}  # every name of a patient -> one key
    groups: dict[str, dict[str, Any]] = {}
    for i, resource in entries:
        if resource.get("resourceType") == "Patient":
            key = str(full[i].get("fullUrl") or f"Patient/{resource.get('id')}")
            for name in (full[i].get("fullUrl"), f"Patient/{resource.get('id')}"):
                if name:
                    urls[str(name)] = key
            groups[key] = {"patient": (i, resource), "observations": []}
    ignored: list[str] = []
    for i, resource in entries:
        kind = resource.get("resourceType")
        if kind == "Observation":
            groups.setdefault(_subject(resource, urls), {"patient": None, "observations": []}
                              )["observations"].append((i, resource))
        elif kind != "Patient":
            ignored.append(f"{_resource_name(bundle, i)}: not read (only a Patient and its "
                           "Observations are; an estimate is made anew)")
    return groups, ignored


def read_bundle(data: bytes) -> BundleReading:
    """The patients of a FHIR R4 Bundle, as form values.

    Raises
    ------
    risk.errors.ValidationError
        Every problem at once, each naming the entry, its resource and the field (the
        ``column`` of each :class:`risk.errors.Problem`); nothing is read then.
    """
    bundle = _parse(data)
    _check_r4(bundle)
    groups, ignored = _groups(bundle)
    problems: list[Problem] = []
    patients: list[BundlePatient] = []
    for group in groups.values():
        patient = _read_patient(bundle, group, len(patients) + 1, problems)
        if patient.read or group["patient"] is not None:
            patients.append(patient)
    if problems:
        raise ValidationError(problems, summary=_SUMMARY)
    if not patients:
        raise _refuse("no Patient and no Observation of this model's inputs",
                      allowed="Observations coded as risk.fhir.codes describes")
    return BundleReading(tuple(patients), tuple(ignored))


def _read_patient(bundle: Mapping[str, Any], group: Mapping[str, Any], n: int,
                  problems: list[Problem]) -> BundlePatient:
    values: dict[str, object] = {}
    read: list[ReadValue] = []
    ignored: list[str] = []
    if group["patient"] is not None:
        i, resource = group["patient"]
        _patient_values(resource, _resource_name(bundle, i), values, read, ignored, problems)
    sources: dict[str, str] = {}
    for i, resource in group["observations"]:
        where = _resource_name(bundle, i)
        if resource.get("status") in _SKIPPED_STATUS:
            ignored.append(f"{where}: status {resource['status']}")
            continue
        name, code = input_of(resource)
        if name is None:
            ignored.append(f"{where}: {code}")
            continue
        if name in sources:
            problems.append(Problem(f"a second Observation of {schema.column(name).label} "
                                    f"(the first: {sources[name]})", column=where,
                                    allowed="one Observation per input"))
            continue
        sources[name] = where
        value, problem = observed_value(name, resource, where)
        if problem:
            problems.append(problem)
            continue
        values[name] = value
        read.append(ReadValue(name, value, f"{where}, {code}"))
    return BundlePatient(_label(n, values), values, tuple(read), tuple(ignored))
