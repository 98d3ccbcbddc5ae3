"""Reading an uploaded FHIR bundle: what is read, what is ignored (a name never kept),
and bad bundles refused with the entry, the resource and the field named."""

from __future__ import annotations

import copy
import json

import pytest

from risk.errors import ValidationError
from risk.fhir import Assessment, ModelIdentity, read_bundle, risk_bundle

SUMMARY = {f"surv_{m}{p}": 0.5 for m in (12, 36, 60, 120) for p in ("", "_lower", "_upper")}
INPUTS = {"age": 70.0, "sex": "male", "primary_site": "pancreas", "met_ki67": 25.0,
          "met_grade": "G3", "met_timing": "metachronous", "liver_burden": "gt50",
          "extrahepatic_mets": False, "primary_resected": True, "functional_syndrome": False,
          "ecog": 2, "sstr_status": "negative"}


@pytest.fixture()
def bundle() -> dict:
    return risk_bundle([Assessment(INPUTS, SUMMARY)], ModelIdentity("v", "c" * 64, True))


def _bytes(value) -> bytes:
    return json.dumps(value).encode()


def _problems(data: bytes) -> list:
    with pytest.raises(ValidationError) as info:
        read_bundle(data)
    assert info.value.summary == "the FHIR bundle cannot be read"
    return info.value.problems


def _observation(bundle: dict, code: str) -> dict:
    return next(e["resource"] for e in bundle["entry"]
                if e["resource"]["resourceType"] == "Observation"
                and any(c["code"] == code for c in e["resource"]["code"]["coding"]))


def test_reads_every_input_and_names_its_source(bundle):
    patient = read_bundle(_bytes(bundle)).patients[0]
    assert patient.values == INPUTS
    sources = {r.name: r.source for r in patient.read}
    assert sources["met_ki67"].endswith("local code met_ki67")
    assert "gender" in sources["sex"] and "valueAge" in sources["age"]


def test_names_and_identifiers_are_ignored_and_never_kept(bundle):
    person = bundle["entry"][0]["resource"]
    person.update(name=[{"family": "Doe-Secret", "given": ["Jane"]}],
                  identifier=[{"system": "urn:mrn", "value": "MRN-998877"}],
                  birthDate="1950-01-02", address=[{"city": "Springfield"}])
    reading = read_bundle(_bytes(bundle))
    text = repr(reading)
    for secret in ("Doe-Secret", "MRN-998877", "1950-01-02", "Springfield"):
        assert secret not in text
    ignored = " ".join(reading.patients[0].ignored)
    for field in ("name", "identifier", "birthDate", "address"):
        assert f"{field} (never read or kept)" in ignored


def test_foreign_observation_read_by_loinc_and_body_site(bundle):
    ki67 = _observation(bundle, "met_ki67")
    ki67["code"]["coding"] = [c for c in ki67["code"]["coding"] if c["system"] == "http://loinc.org"]
    ki67["bodySite"]["coding"] = [ki67["bodySite"]["coding"][0]]  # SNOMED liver only
    patient = read_bundle(_bytes(bundle)).patients[0]
    assert patient.values["met_ki67"] == 25.0
    assert "LOINC 29593-1" in {r.name: r.source for r in patient.read}["met_ki67"]
    del ki67["bodySite"]  # primary or liver? not guessed
    patient = read_bundle(_bytes(bundle)).patients[0]
    assert "met_ki67" not in patient.values
    assert any("29593-1 without a bodySite" in i for i in patient.ignored)


@pytest.mark.parametrize(("data", "words"), [
    (b"{not json", "not valid JSON (line 1"),
    (b'{"resourceType": "Patient"}', "not a FHIR Bundle (resourceType 'Patient')"),
    (b"\xff\xfe\x00", "not UTF-8"),
    (b"[" * 100_000, "nested too deeply"),
])
def test_unreadable_files(data, words):
    assert words in str(_problems(data)[0])


def test_invalid_r4_field_names_entry_resource_and_field(bundle):
    _observation(bundle, "met_ki67")["valueQuantity"]["value"] = "twenty"
    _observation(bundle, "ecog")["colour"] = "blue"
    problems = _problems(_bytes(bundle))
    where = {p.column for p in problems}
    assert any("(Observation p1-met-ki67), field valueQuantity.value" in w for w in where)
    assert any("(Observation p1-ecog), field colour" in w for w in where)


def test_patient_values_never_shown_in_r4_errors(bundle):
    bundle["entry"][0]["resource"]["birthDate"] = "Jane Doe-Secret"
    problems = _problems(_bytes(bundle))
    assert "birthDate" in problems[0].column and problems[0].value is None
    assert "Doe-Secret" not in str(problems)


@pytest.mark.parametrize(("change", "words"), [
    (lambda b: _observation(b, "met_ki67")["valueQuantity"].update(value=140), "out of range"),
    (lambda b: _observation(b, "met_ki67")["valueQuantity"].update(code="/100", unit="/100"),
     "unit '/100'"),
    (lambda b: b["entry"][0]["resource"].update(gender="unknown"), "female or male"),
    (lambda b: _observation(b, "met_grade")["valueCodeableConcept"]["coding"][0].update(
        code="G4"), "no valueCodeableConcept with one of its codes"),
    (lambda b: b["entry"].append(copy.deepcopy(next(
        e for e in b["entry"] if e["resource"].get("id") == "p1-ecog"))),
     "a second Observation of ECOG"),
])
def test_bad_values_are_refused_at_their_resource(bundle, change, words):
    change(bundle)
    problems = _problems(_bytes(bundle))
    assert any(words in str(p) for p in problems), problems
    assert all(p.column and p.column.startswith("entry ") for p in problems)


def test_retired_observation_is_ignored(bundle):
    _observation(bundle, "ecog")["status"] = "entered-in-error"
    patient = read_bundle(_bytes(bundle)).patients[0]
    assert "ecog" not in patient.values
    assert any("status entered-in-error" in i for i in patient.ignored)


def test_several_patients_are_kept_apart():
    data = risk_bundle([Assessment(INPUTS, SUMMARY), Assessment({**INPUTS, "age": 40.0,
                                                                  "sex": "female"}, SUMMARY)],
                       ModelIdentity("v", "c" * 64, False))
    patients = read_bundle(_bytes(data)).patients
    assert [p.label for p in patients] == ["Patient 1 (70 years, male)",
                                           "Patient 2 (40 years, female)"]
    assert patients[1].values["sex"] == "female" and patients[0].values["ecog"] == 2


def test_a_bundle_without_inputs_is_refused():
    assert "no Patient and no Observation" in str(_problems(
        _bytes({"resourceType": "Bundle", "type": "collection"}))[0])


def test_a_grade_from_another_system_is_read(bundle):
    grade = _observation(bundle, "met_grade")
    grade["code"]["coding"] = [c for c in grade["code"]["coding"] if c["system"] == "http://loinc.org"]
    grade["valueCodeableConcept"] = {"coding": [{"system": "http://hospital.example/grades",
                                                 "code": "G3"}]}
    assert read_bundle(_bytes(bundle)).patients[0].values["met_grade"] == "G3"


from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False)
                     | st.text(max_size=8),
                     lambda inner: st.lists(inner, max_size=4)
                     | st.dictionaries(st.sampled_from(["resourceType", "entry", "resource",
                                                        "code", "coding", "system",
                                                        "valueQuantity", "value", "gender",
                                                        "subject", "reference", "id"]),
                                       inner, max_size=4), max_leaves=20)


@given(_JSON)
def test_any_json_is_read_or_refused_clearly(value):
    try:
        read_bundle(json.dumps(value).encode())
    except ValidationError as exc:
        assert exc.problems and all(p.message for p in exc.problems)


@given(st.dictionaries(st.sampled_from(["valueQuantity", "valueBoolean", "valueInteger",
                                        "status", "bodySite"]), _JSON, max_size=3))
def test_any_observation_body_is_read_or_refused_clearly(extra):
    bundle = risk_bundle([Assessment(INPUTS, SUMMARY)], ModelIdentity("v", "c" * 64, True))
    _observation(bundle, "met_ki67").update(extra)
    try:
        read_bundle(_bytes(bundle))
    except ValidationError as exc:
        assert all(p.column for p in exc.problems)
