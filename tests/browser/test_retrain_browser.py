"""The retrain page in a real browser: a researcher uploads a cohort file, trains with a
small bootstrap, reads the report beside the active model, saves and activates the new
version with the confirmation, then rolls back; and a bad file is refused.

The server of this module runs on a private copy of the model registry
(``RISK_MODEL_DIR``), so the shipped ``models/`` folder is never changed. Screenshots go
to ``tests/artifacts/retrain_*.png``.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import SCREENSHOTS, running_app
from playwright.sync_api import expect

from risk.registry.store import MODEL_DIR_ENV, Registry

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

REPO = Path(__file__).resolve().parents[2]
SHIPPED_COHORT = REPO / "data" / "synthetic" / "cohort.csv"
TRAINING_SECONDS = 240_000  # ms: fit, two evaluations with 5 resamples, on a busy machine


@pytest.fixture(scope="module")
def registry(tmp_path_factory) -> Registry:
    """A private copy of the shipped registry (its active version included)."""
    folder = tmp_path_factory.mktemp("retrain_browser") / "models"
    shutil.copytree(REPO / "models", folder, ignore=shutil.ignore_patterns(".lock", ".tmp-*"))
    registry = Registry(folder)
    if not registry.active_version():
        pytest.fail(f"no active model in {REPO / 'models'}: run 'make model' first")
    return registry


@pytest.fixture(scope="module")
def server(registry, tmp_path_factory):
    """The app (as `make run` serves it) with RISK_MODEL_DIR on the private registry."""
    with running_app(tmp_path_factory.mktemp("retrain_server"),
                     {MODEL_DIR_ENV: str(registry.root)}) as app:
        yield app["url"]


@pytest.fixture(scope="module")
def cohort_file(tmp_path_factory) -> Path:
    """The first 300 patients of the shipped cohort, as a researcher's file."""
    lines = SHIPPED_COHORT.read_text(encoding="utf-8").splitlines(keepends=True)
    path = tmp_path_factory.mktemp("upload") / "centre_cohort.csv"
    path.write_text("".join(lines[:301]), encoding="utf-8")
    return path


def open_retrain(page, server: str):
    page.goto(f"{server}/retrain")
    expect(page.get_by_role("heading", name="Retrain: your cohort, a new model version")
           ).to_be_visible(timeout=60_000)
    return page


def settle(page, timeout: int = 60_000) -> None:
    """Wait until the script run is over: until then the previous run's elements stay on
    the page (stale) beside the new ones."""
    page.wait_for_timeout(300)
    expect(page.locator("[data-testid='stStatusWidget']")).to_have_count(0, timeout=timeout)


def whole_page(page, screenshot, name: str) -> None:
    """A picture of the whole page: Streamlit scrolls inside its main block, so the
    viewport is made as tall as the content for the picture, then put back."""
    size = page.viewport_size
    height = page.evaluate("Math.max(...Array.from(document.querySelectorAll("
                           "'[data-testid=stMain], [data-testid=stMainBlockContainer]'),"
                           " e => e.scrollHeight))")
    page.set_viewport_size({"width": size["width"], "height": min(int(height) + 80, 12_000)})
    page.wait_for_timeout(1500)  # charts redraw at the new size
    screenshot(page, name)
    page.set_viewport_size(size)


def upload(page, path: Path) -> None:
    page.locator(".st-key-cohort_file input[type=file]").set_input_files(str(path))


def test_upload_train_compare_activate_and_roll_back(page, server, registry, cohort_file,
                                                      screenshot):
    before = registry.active_version()
    open_retrain(page, server)
    expect(page.get_by_text("Local single-user mode")).to_be_visible()
    upload(page, cohort_file)
    expect(page.get_by_text("is valid: 300 patients")).to_be_visible(timeout=60_000)

    bootstrap = page.locator(".st-key-bootstrap input")
    bootstrap.fill("5")
    bootstrap.press("Tab")
    expect(bootstrap).to_have_value("5")
    page.locator(".st-key-train button").click()
    expect(page.get_by_role("heading", name="Validation report: new model vs active model")
           ).to_be_visible(timeout=TRAINING_SECONDS)
    expect(page.get_by_text(f"Active model {before}: another file than its training file")
           ).to_be_visible(timeout=60_000)
    expect(page.locator(".stPlotlyChart").first).to_be_visible(timeout=30_000)
    assert page.locator(".stPlotlyChart").count() >= 8
    settle(page)
    # both models have a PFS model and the file has PFS: validated beside OS
    pfs = page.locator(".st-key-retrain_pfs")
    expect(pfs).to_contain_text("Progression-free survival model")
    expect(pfs).to_contain_text(
        "New model: Measured on 300 patients with progression-free survival recorded")
    expect(pfs).to_contain_text(f"Active model {before}: Measured on 300 patients")
    pfs.scroll_into_view_if_needed()
    pfs.screenshot(path=str(SCREENSHOTS / "retrain_pfs.png"))
    whole_page(page, screenshot, "retrain_report")
    with page.expect_download(timeout=60_000) as download:  # built on the press
        page.get_by_role("button", name="New model: full report (HTML)").click()
    report = Path(download.value.path()).read_text(encoding="utf-8")
    assert report.startswith("<!DOCTYPE html>")
    assert "Validation of the new model on the uploaded cohort" in report
    assert "Cohort file centre_cohort.csv" in report and "internal validation" in report
    assert "<h2>Progression-free survival</h2>" in report

    page.locator(".st-key-trained_version_name input").fill("browser-centre")
    page.locator(".st-key-trained_version_name input").press("Tab")
    page.locator(".st-key-trained_save button").click()
    expect(page.get_by_text("Saved as version browser-centre").first).to_be_visible(
        timeout=60_000)
    settle(page)
    assert "browser-centre" in registry.versions()
    assert registry.active_version() == before
    activate = page.locator(".st-key-trained_activate button")
    expect(activate).to_be_disabled()
    page.locator(".st-key-trained_confirm label").click()
    settle(page)
    expect(activate).to_be_enabled()
    activate.click()
    expect(page.get_by_text("browser-centre is now the active model").first).to_be_visible(
        timeout=60_000)
    settle(page)
    assert registry.active_version() == "browser-centre"
    assert registry.read("browser-centre")[1].training_data.patients == 300
    assert registry.read("browser-centre")[1].training_data.pfs_patients == 300

    page.get_by_role("tab", name="Model versions").click()
    expect(page.get_by_text("Roll back to " + before)).to_be_visible(timeout=60_000)
    whole_page(page, screenshot, "retrain_versions")
    page.locator(".st-key-rollback_confirm label").click()
    settle(page)
    page.locator(".st-key-rollback button").click()
    expect(page.get_by_text(f"version {before} is the active model again")).to_be_visible(
        timeout=60_000)
    assert registry.active_version() == before


def test_a_bad_file_is_refused_with_every_problem(page, server, tmp_path, screenshot):
    lines = SHIPPED_COHORT.read_text(encoding="utf-8").splitlines(keepends=True)
    header = lines[0].rstrip("\n").split(",")
    bad = lines[2].rstrip("\n").split(",")
    bad[header.index("age")] = "sixty"
    text = lines[0] + lines[1] + ",".join(bad) + "\n" + "".join(lines[3:40])
    path = tmp_path / "bad_cohort.csv"
    path.write_text(text.replace("death\n", "death,patient_name\n", 1), encoding="utf-8")
    open_retrain(page, server)
    upload(page, path)
    expect(page.get_by_text("nothing was trained")).to_be_visible(timeout=60_000)
    expect(page.locator("[data-testid='stTable']")).to_contain_text("sixty")
    settle(page)
    whole_page(page, screenshot, "retrain_bad_file")
    expect(page.locator(".st-key-train")).to_have_count(0)
