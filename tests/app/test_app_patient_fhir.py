"""AppTest of the Patient page's FHIR R4: the estimate offered as a Bundle, the form
filled from an uploaded Bundle (what was read and ignored shown; a name never kept), the
same estimate again, and bad bundles refused with the resource and field named."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from risk.fhir import ModelIdentity, assessment_of, bundle_bytes
from risk.registry.store import MODEL_DIR_ENV

REPO = Path(__file__).resolve().parents[2]
APP = str(REPO / "app.py")
PATIENT = {"age": 58.0, "sex": "male", "primary_site": "small_intestine",
           "primary_ki67": 2.0, "met_ki67": 8.5, "met_timing": "metachronous",
           "liver_burden": "lt25", "ecog": 0, "sstr_status": "positive",
           "primary_resected": True}
NUMBERS = ("age", "primary_ki67", "met_ki67")
FLAGS = ("extrahepatic_mets", "primary_resected", "functional_syndrome")


@pytest.fixture(autouse=True)
def shipped_model(monkeypatch):
    monkeypatch.setenv(MODEL_DIR_ENV, str(REPO / "models"))


def patient_page() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=90).run()
    at.switch_page("pages/patient.py").run()
    assert not at.exception
    return at


def estimated(at: AppTest, values: dict) -> AppTest:
    for name, value in values.items():
        if name in NUMBERS:
            at.number_input(key=name).set_value(value)
        elif name in FLAGS:
            at.checkbox(key=name).set_value(value)
        else:
            at.selectbox(key=name).set_value(value)
    at.button(key="predict").click().run()
    assert not at.exception
    return at


def page_bundle(at: AppTest) -> bytes:
    """The bytes the "Download as FHIR" button serves (the same call, on the same estimate)."""
    est = at.session_state["patient_estimate"]
    return bundle_bytes([assessment_of(est)], ModelIdentity(est.model_version, "d" * 64, True))


def upload(at: AppTest, data: bytes, name: str = "bundle.json") -> AppTest:
    at.file_uploader(key="fhir_upload").set_value((name, data, "application/json")).run()
    assert not at.exception
    return at


def test_download_round_trips_to_the_same_estimate():
    first = estimated(patient_page(), PATIENT)
    labels = [b.proto.label for b in at_downloads(first)]
    assert "Download as FHIR (R4 Bundle, JSON)" in labels
    before = first.session_state["patient_estimate"].estimate.summary
    at = upload(patient_page(), page_bundle(first))
    for name, value in PATIENT.items():
        widget = at.number_input(key=name) if name in NUMBERS else \
            at.checkbox(key=name) if name in FLAGS else at.selectbox(key=name)
        assert widget.value == value, name
    # the 10 entered, the two unticked flags (False is an answer) and differentiation
    assert any("Read 13 field(s)" in s.value for s in at.success)
    at.button(key="predict").click().run()
    after = at.session_state["patient_estimate"].estimate.summary
    for key in ("surv_12", "surv_60", "surv_60_lower", "surv_120_upper", "risk_group"):
        assert after[key] == before[key]


def cells_of(at: AppTest) -> list[str]:
    """The first table's cells as read (static tables escape Markdown)."""
    return [str(c).replace("\\", "") for c in at.table[0].value.to_numpy().ravel()]


def at_downloads(at: AppTest):
    return at.get("download_button")


def test_a_name_in_the_bundle_is_ignored_and_never_kept():
    first = estimated(patient_page(), PATIENT)
    bundle = json.loads(page_bundle(first))
    bundle["entry"][0]["resource"]["name"] = [{"family": "Zebedee-Secret"}]
    at = upload(patient_page(), json.dumps(bundle).encode())
    shown = " ".join(m.value for m in at.markdown).replace("\\", "")  # Markdown escapes
    assert "name (never read or kept)" in shown and "Zebedee" not in shown
    kept = " ".join(repr(at.session_state[k]) for k in ("fhir_reading", *PATIENT))
    assert "Zebedee" not in kept


def test_bad_bundle_names_the_resource_and_the_field():
    first = estimated(patient_page(), PATIENT)
    bundle = json.loads(page_bundle(first))
    ki67 = next(e["resource"] for e in bundle["entry"] if e["resource"].get("id") == "p1-met-ki67")
    ki67["valueQuantity"]["value"] = 250
    at = upload(patient_page(), json.dumps(bundle).encode())
    assert any("nothing was filled in" in e.value for e in at.error)
    cells = cells_of(at)
    assert any("Observation p1-met-ki67" in str(c) for c in cells)
    assert any("out of range" in str(c) for c in cells)
    assert at.number_input(key="met_ki67").value is None  # nothing filled


def test_not_json_is_refused_by_name():
    at = upload(patient_page(), b"age,sex\n60,male\n", name="patient.csv")
    assert any("nothing was filled in" in e.value for e in at.error)
    assert "'patient.csv' is not a JSON file" in cells_of(at)


def test_a_bundle_of_several_patients_asks_which():
    first = estimated(patient_page(), PATIENT)
    est = first.session_state["patient_estimate"]
    second = estimated(patient_page(), {**PATIENT, "age": 44.0, "sex": "female"})
    data = bundle_bytes([assessment_of(est),
                         assessment_of(second.session_state["patient_estimate"])],
                        ModelIdentity("v", "e" * 64, True))
    at = upload(patient_page(), data)
    assert at.number_input(key="age").value is None  # nothing filled before a choice
    at.selectbox(key="fhir_patient").set_value("Patient 2 (44 years, female)")
    at.button(key="fhir_fill").click().run()
    assert at.number_input(key="age").value == 44.0
    assert at.selectbox(key="sex").value == "female"
