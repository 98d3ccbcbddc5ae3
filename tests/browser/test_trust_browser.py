"""In a real browser: the active version was altered (its model.json and manifest hash both
rewritten), so the pages serve the previous signed version, say so, and still estimate."""

from __future__ import annotations

import json

import pytest
from cohort_frames import make_cohort
from conftest import running_app
from playwright.sync_api import expect
from test_patient_browser import ENTRIES, enter, idle

from risk.model import BiopsyRiskModel
from risk.registry import MODEL_DIR_ENV, Registry, build_card, data_fingerprint
from risk.registry.store import canonical_json, sha256

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


@pytest.fixture(scope="module")
def tampered_server(tmp_path_factory):
    frame = make_cohort(300, seed=3)
    folder = tmp_path_factory.mktemp("trust") / "models"
    registry = Registry(folder)
    for version, penalizer in (("v1", 0.1), ("v2", 0.2)):
        model = BiopsyRiskModel(penalizer=penalizer, extra_terms=[]).fit(frame)
        registry.save(model.to_dict(), build_card(training_data=data_fingerprint(frame)),
                      version=version, activate=True)
    params = json.loads((folder / "v2" / "model.json").read_bytes())
    params["biopsy_model"]["coefficients"][0] += 1.0
    changed = canonical_json(params)
    (folder / "v2" / "model.json").write_bytes(changed)
    manifest = json.loads((folder / "v2" / "manifest.json").read_bytes())
    manifest["files"]["model.json"] = sha256(changed)
    (folder / "v2" / "manifest.json").write_bytes(canonical_json(manifest))
    with running_app(tmp_path_factory.mktemp("trust_server"),
                     {MODEL_DIR_ENV: str(folder)}) as server:
        yield server


def test_the_pages_serve_the_previous_signed_version_and_say_why(tampered_server, page,
                                                                  screenshot):
    url = tampered_server["url"]
    page.goto(url + "/patient")
    page.locator(".st-key-predict button").wait_for(timeout=60_000)
    idle(page)
    notice = page.locator("[data-testid='stAlertContentWarning']", has_text="not served")
    expect(notice).to_be_visible()
    text = notice.inner_text()
    assert "The active version v2 is not served" in text
    assert "altered after signing" in text and "Serving version v1 instead" in text
    screenshot(page, "trust_patient_notice")  # the notice above the form
    # the hidden warm-up block renders once the model is loaded: enter after it
    expect(page.locator(".st-key-browser_warm_up [data-testid='stMetric']")).to_have_count(
        1, timeout=30_000)
    for key, kind, value in ENTRIES:
        if key == "sstr_status":  # its default (unknown) serves here: this is about trust
            continue
        enter(page, key, kind, value)
        idle(page)  # each entry's rerun ends before the next dropdown opens (busy machine)
    page.locator(".st-key-predict button").click()
    page.locator(".st-key-surv_60 [data-testid='stMetricValue']").wait_for(timeout=60_000)
    idle(page)
    screenshot(page, "trust_patient_fallback")

    page.goto(url + "/model")
    expect(page.get_by_text("Served version:")).to_be_visible(timeout=60_000)
    idle(page)
    assert "v1" in page.get_by_text("Served version:").inner_text()
    expect(page.locator("[data-testid='stAlertContentWarning']",
                        has_text="not served")).to_be_visible()
    screenshot(page, "trust_model_fallback")
