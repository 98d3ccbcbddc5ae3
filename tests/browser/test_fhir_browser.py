"""The Patient page's FHIR round trip in a real browser: estimate a patient, download the
FHIR R4 Bundle, start a new patient, upload the bundle, and get the same estimate."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fhir.resources.R4B import get_fhir_model_class
from playwright.sync_api import expect
from test_patient_browser import ENTRIES, enter, idle, shown, whole_page

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


def test_fhir_download_and_upload_give_the_same_estimate(app_server, page, screenshot,
                                                         tmp_path):
    page.goto(app_server["url"] + "/patient")
    page.locator(".st-key-predict button").wait_for()
    idle(page)
    for key, kind, value in ENTRIES:
        enter(page, key, kind, value)
    page.locator(".st-key-predict button").click()
    page.locator(".st-key-surv_60 [data-testid='stMetricValue']").wait_for()
    estimate = {m: shown(page, f"surv_{m}") for m in (12, 36, 60, 120)}

    with page.expect_download(timeout=60_000) as download:
        page.get_by_text("Download as FHIR (R4 Bundle, JSON)").click()
    assert download.value.suggested_filename.endswith(".fhir.json")
    data = Path(download.value.path()).read_bytes()
    bundle = json.loads(data)
    get_fhir_model_class("Bundle").model_validate(bundle)
    risk = next(e["resource"] for e in bundle["entry"]
                if e["resource"]["resourceType"] == "RiskAssessment")
    alive = [p for p in risk["prediction"]
             if p["outcome"]["coding"][0]["code"].startswith("alive-")]
    assert len(alive) == 4
    for p in alive:
        months = p["whenRange"]["high"]["value"]
        assert f"{100 * p['probabilityDecimal']:.1f}%" == estimate[months]
    saved = tmp_path / "patient.fhir.json"
    saved.write_bytes(data)

    page.locator(".st-key-clear button").click()
    page.locator(".st-key-surv_60").wait_for(state="detached")
    expect(page.locator(".st-key-age input")).to_have_value("")
    page.get_by_text("Fill the form from a FHIR R4 bundle").click()
    page.locator(".st-key-fhir_upload input[type=file]").set_input_files(str(saved))
    page.get_by_text("into the form below: check them, then estimate").wait_for()
    idle(page)
    expect(page.locator(".st-key-age input")).to_have_value("63")
    expect(page.locator(".st-key-met_ki67 input")).to_have_value("25")
    expect(page.locator(".st-key-sex input")).to_have_value("Female")
    expect(page.locator(".st-key-primary_resected input")).to_be_checked()
    assert page.locator(".st-key-fhir_read table tbody tr").count() >= 10
    whole_page(page, screenshot, "patient_fhir_filled")

    page.locator(".st-key-predict button").click()
    page.locator(".st-key-surv_60 [data-testid='stMetricValue']").wait_for()
    assert {m: shown(page, f"surv_{m}") for m in (12, 36, 60, 120)} == estimate
    whole_page(page, screenshot, "patient_fhir_estimate")
