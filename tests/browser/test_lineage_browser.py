"""In a real browser: a model trained on a hospital's (non-synthetic) cohort and activated
is never called synthetic, on the Home, Patient (after an estimate) and Model pages.

The server of this module reads a private registry (``RISK_MODEL_DIR``) whose only version
was trained on patients without the generator's ``SYN-`` ids.
"""

from __future__ import annotations

import re

import pytest
from cohort_frames import make_cohort
from conftest import running_app
from playwright.sync_api import expect
from test_patient_browser import ENTRIES, enter, idle

from risk.model import BiopsyRiskModel
from risk.registry import MODEL_DIR_ENV, Registry, build_card, data_fingerprint

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]
#: How a page would say the model is synthetic (rendered text, Markdown gone).
CALLS_IT_SYNTHETIC = re.compile(r"trained on (the shipped )?synthetic|synthetic data", re.I)


@pytest.fixture(scope="module")
def hospital_server(tmp_path_factory):
    frame = make_cohort(400, seed=21)
    frame["patient_id"] = "HOSP-" + frame["patient_id"]
    fitted = BiopsyRiskModel(extra_terms=[]).fit(frame)
    folder = tmp_path_factory.mktemp("hospital") / "models"
    registry = Registry(folder)
    card = build_card(training_data=data_fingerprint(frame))
    registry.save(fitted.to_dict(), card, version="hospital-v1", activate=True)
    assert not registry.load().synthetic
    with running_app(tmp_path_factory.mktemp("hospital_server"),
                     {MODEL_DIR_ENV: str(folder)}) as server:
        yield server


def _main_text(page) -> str:
    return page.locator("[data-testid=stMainBlockContainer]").inner_text()


def test_a_hospital_model_is_never_called_synthetic(hospital_server, page, screenshot):
    url = hospital_server["url"]
    page.goto(url + "/")
    expect(page.get_by_text("Active model:")).to_be_visible(timeout=60_000)
    idle(page)
    assert "hospital-v1" in _main_text(page)
    assert not CALLS_IT_SYNTHETIC.search(_main_text(page)), "home"

    page.goto(url + "/patient")
    page.locator(".st-key-predict button").wait_for(timeout=60_000)
    idle(page)
    for key, kind, value in ENTRIES:
        enter(page, key, kind, value)
    page.locator(".st-key-predict button").click()
    page.locator(".st-key-surv_60 [data-testid='stMetricValue']").wait_for(timeout=60_000)
    idle(page)
    # the basis line is drawn after the figures: wait for it, not for a moment
    expect(page.locator("[data-testid=stMainBlockContainer]")).to_contain_text(
        "trained on 400 patients", timeout=60_000)
    text = _main_text(page)
    assert "hospital-v1" in text and "trained on 400 patients" in text
    assert not CALLS_IT_SYNTHETIC.search(text), "patient"
    screenshot(page, "lineage_patient")

    page.goto(url + "/model")
    expect(page.get_by_text("Active version: hospital-v1")).to_be_visible(timeout=60_000)
    idle(page)
    assert not CALLS_IT_SYNTHETIC.search(_main_text(page)), "model"
    screenshot(page, "lineage_model")
