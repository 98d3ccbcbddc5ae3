"""FHIR R4 bundles: what ``predict --fhir-out`` and the Patient page write, checked
against the R4 models of fhir.resources, and read back into the same estimate."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pandas as pd
import pytest
from fhir.resources.R4B import get_fhir_model_class

from risk.cli import main
from risk.fhir import Assessment, ModelIdentity, assessment_of, read_bundle, risk_bundle
from risk.model import estimate_patient
from risk.registry import Registry

REPO = Path(__file__).resolve().parents[2]
MODELS = REPO / "models"
INTERVAL = "urn:gepnet-risk:fhir:extension:probability-95-interval"
#: A patient as the form holds her (a study code never reaches a bundle).
FORM = {"age": 61.0, "sex": "female", "primary_site": "small_intestine", "primary_ki67": 4.0,
        "primary_cells_counted": None, "primary_mitoses": None, "primary_grade": None,
        "met_ki67": 19.0, "met_cells_counted": 500.0, "met_mitoses": 3.0, "met_grade": "G2",
        "differentiation": "well", "met_timing": "synchronous", "liver_burden": "25to50",
        "extrahepatic_mets": True, "primary_resected": False, "functional_syndrome": True,
        "ecog": 1, "sstr_status": "positive", "alive_months": None}


@pytest.fixture(scope="module")
def loaded():
    return Registry(MODELS).load()


@pytest.fixture(scope="module")
def cli_bundle(tmp_path_factory):
    folder = tmp_path_factory.mktemp("fhir")
    lines = (REPO / "data" / "synthetic" / "cohort.csv").read_text().splitlines()[:7]
    (folder / "in.csv").write_text("\n".join(lines) + "\n")
    code = main(["predict", "--model-dir", str(MODELS), "--input", str(folder / "in.csv"),
                 "--output", str(folder / "out.csv"), "--fhir-out", str(folder / "b.json")])
    assert code == 0
    table = pd.read_csv(folder / "out.csv", encoding="utf-8-sig", dtype={"patient_id": str})
    raw = pd.read_csv(folder / "in.csv", dtype=str, keep_default_na=False)
    return json.loads((folder / "b.json").read_bytes()), table, raw, folder


def _of(bundle, kind):
    return [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == kind]


def test_every_resource_validates_as_fhir_r4(cli_bundle):
    bundle = cli_bundle[0]
    get_fhir_model_class("Bundle").model_validate(bundle)
    kinds = set()
    for entry in bundle["entry"]:
        resource = entry["resource"]
        kinds.add(resource["resourceType"])
        get_fhir_model_class(resource["resourceType"]).model_validate(resource)
    assert kinds == {"Patient", "Observation", "RiskAssessment"}
    assert len(_of(bundle, "Patient")) == len(_of(bundle, "RiskAssessment")) == 6


def test_patients_carry_age_and_sex_only(cli_bundle):
    bundle, _, raw, folder = cli_bundle
    for patient, (_, row) in zip(_of(bundle, "Patient"), raw.iterrows(), strict=True):
        assert set(patient) <= {"resourceType", "id", "gender", "extension"}
        assert patient["gender"] == row["sex"]
        assert patient["extension"][0]["valueAge"]["value"] == float(row["age"])
    text = (folder / "b.json").read_text()
    assert not any(pid in text for pid in raw["patient_id"])  # no study code either


def test_predictions_are_the_csv_numbers_with_their_intervals(cli_bundle):
    bundle, table, _, _ = cli_bundle
    for risk, (_, row) in zip(_of(bundle, "RiskAssessment"), table.iterrows(), strict=True):
        outcomes = [(p["outcome"]["coding"][0]["code"], p["whenRange"]["high"]["value"])
                    for p in risk["prediction"]]
        assert outcomes == [*((f"alive-{m}-months", m) for m in (12, 36, 60, 120)),
                            *((f"progression-free-{m}-months", m) for m in (12, 36, 60))]
        for p, (code, m) in zip(risk["prediction"], outcomes, strict=True):
            column = f"{'pfs' if code.startswith('progression') else 'surv'}_{m}"
            assert p["probabilityDecimal"] == pytest.approx(row[column], abs=1e-11)
            interval = next(e for e in p["extension"] if e["url"] == INTERVAL)["valueRange"]
            assert interval["low"]["value"] == pytest.approx(row[f"{column}_lower"], abs=1e-11)
            assert interval["high"]["value"] == pytest.approx(row[f"{column}_upper"], abs=1e-11)
            assert interval["low"]["value"] <= p["probabilityDecimal"] <= interval["high"]["value"]


def test_method_names_the_version_and_sha256_and_basis_resolves(cli_bundle):
    bundle = cli_bundle[0]
    sha = hashlib.sha256((MODELS / "synthetic-v1" / "model.json").read_bytes()).hexdigest()
    urls = {e["fullUrl"]: e["resource"] for e in bundle["entry"]}
    for risk in _of(bundle, "RiskAssessment"):
        assert [c["code"] for c in risk["method"]["coding"]] == ["synthetic-v1", sha]
        assert sha in risk["method"]["text"]
        basis = [urls[b["reference"]] for b in risk["basis"]]
        assert basis[0]["resourceType"] == "Patient"
        assert urls[risk["subject"]["reference"]] is basis[0]
        assert all(b["resourceType"] == "Observation" for b in basis[1:]) and len(basis) > 10
        assert any("synthetic" in n["text"] for n in risk["note"])  # the shipped model


def test_blank_cells_are_not_observations_and_codes_are_loinc(cli_bundle):
    bundle, _, raw, _ = cli_bundle
    first = raw.iloc[0]
    obs = [o for o in _of(bundle, "Observation") if o["id"].startswith("p1-")]
    written = {c["code"] for o in obs for c in o["code"]["coding"]
               if c["system"] == "urn:gepnet-risk:fhir:input"}
    entered = {k for k, v in first.items() if v.strip() and k not in (
        "patient_id", "age", "sex", "biopsy_complication", "os_months", "death",
        "pfs_months", "progression")}
    assert written == entered
    by_name = {next(c["code"] for c in o["code"]["coding"] if "input" in c["system"]): o
               for o in obs}
    loinc = {n: [c["code"] for c in o["code"]["coding"] if c["system"] == "http://loinc.org"]
             for n, o in by_name.items()}
    assert loinc["met_ki67"] == ["29593-1"] and loinc["met_grade"] == ["33732-9"]
    assert loinc["ecog"] == ["89247-1"] and loinc["liver_burden"] == []
    liver = by_name["met_grade"]["bodySite"]["coding"][0]
    assert (liver["system"], liver["code"]) == ("http://snomed.info/sct", "10200004")
    grade = by_name["met_grade"]["valueCodeableConcept"]["coding"][0]
    assert grade["code"] == first["met_grade"]
    assert by_name["met_ki67"]["valueQuantity"]["value"] == float(first["met_ki67"])


def test_a_real_patients_model_has_no_synthetic_note():
    bundle = risk_bundle([Assessment({"age": 50.0, "sex": "male"},
                                     {f"surv_{m}{p}": 0.5 for m in (12, 36, 60, 120)
                                      for p in ("", "_lower", "_upper")})],
                         ModelIdentity("v2", "0" * 64, synthetic=False))
    notes = [n["text"] for n in _of(bundle, "RiskAssessment")[0]["note"]]
    assert notes and not any("synthetic" in n for n in notes)


def test_page_bundle_round_trips_to_the_same_estimate(loaded):
    first = estimate_patient(loaded.model, FORM, model_version=loaded.version,
                             synthetic=loaded.synthetic)
    model = ModelIdentity(loaded.version, "a" * 64, loaded.synthetic)
    data = json.dumps(risk_bundle([assessment_of(first)], model)).encode()
    reading = read_bundle(data)
    assert len(reading.patients) == 1
    values = reading.patients[0].values
    assert {k: v for k, v in FORM.items() if v is not None} == values
    again = estimate_patient(loaded.model, {**dict.fromkeys(FORM), **values},
                             model_version=loaded.version, synthetic=loaded.synthetic)
    for key in ("surv_12", "surv_60", "surv_60_lower", "surv_120_upper", "risk_group"):
        assert again.estimate.summary[key] == first.estimate.summary[key]


def test_conditional_estimate_keeps_its_months(loaded):
    est = estimate_patient(loaded.model, {**FORM, "alive_months": 24.0},
                           model_version=loaded.version, synthetic=True)
    bundle = risk_bundle([assessment_of(est)], ModelIdentity("v", "b" * 64, True))
    risk = _of(bundle, "RiskAssessment")[0]
    alive = [p for p in risk["prediction"] if p["outcome"]["coding"][0]["code"].startswith("alive")]
    assert [p["whenRange"]["high"]["value"] for p in alive] == [36, 60, 120]
    assert all(p["whenRange"]["low"]["value"] == 24 for p in alive)
    pfs = [p for p in risk["prediction"] if p not in alive]  # always at the biopsy
    assert [p["probabilityDecimal"] for p in pfs] == [est.pfs.at(m)[0] for m in (12, 36, 60)]
    assert all("low" not in p["whenRange"] for p in pfs)
    assert read_bundle(json.dumps(bundle).encode()).patients[0].values["alive_months"] == 24


def test_too_many_patients_for_a_bundle_is_one_clear_line(cli_bundle, monkeypatch, capsys):
    import risk.fhir.batch

    folder = cli_bundle[3]
    monkeypatch.setattr(risk.fhir.batch, "MAX_FHIR_PATIENTS", 3)
    code = main(["predict", "--model-dir", str(MODELS), "--input", str(folder / "in.csv"),
                 "--output", str(folder / "o2.csv"), "--fhir-out", str(folder / "b2.json")])
    err = capsys.readouterr().err
    assert code == 2 and "at most 3 patients" in err and "Traceback" not in err
    assert not (folder / "b2.json").exists()


def test_fhir_out_must_not_overwrite_the_input(cli_bundle, capsys):
    folder = cli_bundle[3]
    code = main(["predict", "--model-dir", str(MODELS), "--input", str(folder / "in.csv"),
                 "--output", str(folder / "o3.csv"), "--fhir-out", str(folder / "in.csv")])
    assert code == 2 and "different file" in capsys.readouterr().err


def test_a_workbook_in_and_out_gives_the_csv_bundle(cli_bundle, capsys):
    from workbooks import cohort_rows, workbook_bytes

    folder = cli_bundle[3]
    rows, formats = cohort_rows((folder / "in.csv").read_text())  # Ki-67 as 19.0%
    (folder / "in.xlsx").write_bytes(workbook_bytes(rows, formats=formats))
    code = main(["predict", "--model-dir", str(MODELS), "--input", str(folder / "in.xlsx"),
                 "--output", str(folder / "out.xlsx"), "--fhir-out", str(folder / "x.json")])
    assert code == 0, capsys.readouterr().err
    ours, theirs = json.loads((folder / "x.json").read_bytes()), cli_bundle[0]
    for a, b in zip(_of(ours, "RiskAssessment"), _of(theirs, "RiskAssessment"), strict=True):
        assert [p["probabilityDecimal"] for p in a["prediction"]] == pytest.approx(
            [p["probabilityDecimal"] for p in b["prediction"]], abs=1e-11)
    values = [{k: v for k, v in o.items() if k.startswith("value")}
              for o in _of(ours, "Observation")]
    assert values == [{k: v for k, v in o.items() if k.startswith("value")}
                      for o in _of(theirs, "Observation")]
