"""The Model page's Model facts and Reporting checklists tabs in a real browser: the
label's sections on screen, its PDF downloaded (one page, the card's numbers), the CHAI
card downloaded (JSON, the card's numbers), and the
TRIPOD+AI table with every item. Screenshots: tests/artifacts/model_facts*.png."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader
from test_patient_browser import whole_page

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

REPO = Path(__file__).resolve().parents[2]


def test_model_facts_tab_and_pdf(page, app_server, screenshot):
    card = json.loads((REPO / "models" / "synthetic-v1" / "card.json").read_text())
    page.goto(f"{app_server['url']}/model")
    page.get_by_role("tab", name="Model facts").click()
    label = page.locator(".st-key-model_facts")
    expect(label.get_by_text("Validation and performance")).to_be_visible(timeout=60_000)
    c_index = f"{card['metrics']['evaluation']['harrell_c']:.3f}"
    expect(label.get_by_text(f"Harrell's C: {c_index}", exact=False)).to_be_visible()
    expect(label.get_by_text("Label form: Sendak", exact=False)).to_be_visible()  # drawn last
    page.wait_for_timeout(500)
    whole_page(page, screenshot, "model_facts")
    with page.expect_download(timeout=60_000) as download:
        page.get_by_text("Download the Model Facts label (PDF)").click()
    data = Path(download.value.path()).read_bytes()
    reader = PdfReader(io.BytesIO(data))
    assert len(reader.pages) == 1 and c_index in reader.pages[0].extract_text()
    (REPO / "tests" / "artifacts" / "model_facts.pdf").write_bytes(data)


def test_chai_card_download(page, app_server):
    card = json.loads((REPO / "models" / "synthetic-v1" / "card.json").read_text())
    page.goto(f"{app_server['url']}/model")
    page.get_by_role("tab", name="Model facts").click()
    label = page.locator(".st-key-model_facts")
    expect(label.get_by_text("Label form: Sendak", exact=False)).to_be_visible(timeout=60_000)
    page.wait_for_timeout(500)  # the script run finished: one button, not a stale one too
    button = page.locator(".st-key-chai_card_json button").first
    expect(button).to_contain_text("Download the CHAI Applied Model Card (JSON)")
    expect(button).to_be_visible(timeout=60_000)
    with page.expect_download(timeout=60_000) as download:
        button.click()
    assert download.value.suggested_filename == "chai-card-synthetic-v1.json"
    chai = json.loads(Path(download.value.path()).read_bytes())["AppliedModelCard"]
    results = chai["KeyMetrics"]["UsefulnessUsabilityEfficacy"]["Results"]["MetricResult"]
    harrell = json.loads(results[0]["ValueJson"])
    assert harrell["estimate"] == card["metrics"]["evaluation"]["harrell_c"]


def test_checklists_tab(page, app_server, screenshot):
    page.goto(f"{app_server['url']}/model")
    page.get_by_role("tab", name="Reporting checklists").click()
    table = page.locator(".st-key-tripod_table table")
    expect(table).to_be_visible(timeout=60_000)
    assert table.locator("tbody tr").count() == 52
    expect(page.locator(".st-key-probast_table table tbody tr")).to_have_count(8)
    whole_page(page, screenshot, "model_checklists")
