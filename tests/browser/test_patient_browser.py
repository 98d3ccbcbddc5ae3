"""The patient page in a real browser: a clinician enters a patient, submits, and reads
the 5-year survival, which must equal ``python -m risk predict`` for the same patient.

Uses the active model of the default registry (``$RISK_MODEL_DIR`` or ``models/``), the
same one the CLI reads. Timings are printed (run with ``-s``) and saved to
``tests/artifacts/patient_timings.json``; they are measured, not asserted.
"""

from __future__ import annotations

import csv
import json
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from playwright.sync_api import expect

from risk.registry.store import Registry, default_model_dir

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

REPO = Path(__file__).resolve().parents[2]
SCREENSHOTS = REPO / "tests" / "artifacts"

# The patient as the clinician types it: (field key, kind, value shown in the form).
ENTRIES = [
    ("age", "number", "63"),
    ("sex", "select", "Female"),
    ("ecog", "select", "1 - light work only"),
    ("met_timing", "select", "Synchronous"),
    ("liver_burden", "select", "25-50%"),
    ("sstr_status", "select", "Positive"),
    ("primary_site", "select", "Pancreas"),
    ("primary_ki67", "number", "12"),
    ("primary_resected", "check", None),
    ("met_ki67", "number", "25"),
]
# The same patient as a cohort file row for the CLI.
CSV_ROW = {
    "patient_id": "browser1", "age": "63", "sex": "female", "primary_site": "pancreas",
    "primary_ki67": "12", "primary_mitoses": "", "primary_grade": "", "met_ki67": "25",
    "met_mitoses": "", "met_grade": "", "met_timing": "synchronous",
    "liver_burden": "25to50", "extrahepatic_mets": "0", "primary_resected": "1",
    "functional_syndrome": "0", "ecog": "1", "sstr_status": "positive",
}


@pytest.fixture(scope="module")
def active_model():
    version = Registry(default_model_dir()).active_version()
    if not version:
        pytest.fail(f"no active model in {default_model_dir()}: run 'make model' first")
    return version


def enter(page, key: str, kind: str, value: str | None) -> None:
    """Type or pick a value as a user does, and check the field shows it."""
    field = page.locator(f".st-key-{key}")
    if kind == "number":
        field.locator("input").fill(value)
        field.locator("input").press("Tab")
        expect(field.locator("input")).to_have_value(value)
    elif kind == "check":
        field.locator("label").click()
        expect(field.locator("input")).to_be_checked()
    else:
        field.locator("input").click()
        page.get_by_role("option", name=value, exact=True).click()
        expect(field.locator("input")).to_have_value(value)


def cli_prediction(tmp_path) -> dict:
    source, output = tmp_path / "patient.csv", tmp_path / "predictions.csv"
    with source.open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(CSV_ROW))
        writer.writeheader()
        writer.writerow(CSV_ROW)
    done = subprocess.run([sys.executable, "-m", "risk", "predict", "--input", str(source),
                           "--output", str(output)], cwd=REPO, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    with output.open() as f:
        return next(csv.DictReader(f))


def idle(page) -> None:
    """Wait until the app's script run has finished (Streamlit's running indicator gone)
    and nothing is drawn stale: on a loaded machine a run starts late, and a stale element
    is the last run's (a third of its opacity; axe reads it as low contrast)."""
    page.wait_for_timeout(400)
    page.locator("[data-testid='stStatusWidgetRunningIcon']").wait_for(state="detached",
                                                                       timeout=90_000)
    page.wait_for_function("() => !document.querySelector('[data-stale=\"true\"]')",
                           timeout=90_000)
    page.wait_for_timeout(300)


def whole_page(page, screenshot, name: str) -> None:
    """Screenshot all of the page: Streamlit scrolls inside its main area, so the window
    is made as tall as the content first (a full-page shot alone shows one screen)."""
    height = page.evaluate(
        "() => document.querySelector('[data-testid=stMainBlockContainer]').scrollHeight")
    size = page.viewport_size
    page.set_viewport_size({"width": size["width"], "height": int(height) + 160})
    page.wait_for_timeout(500)  # let the charts resize
    screenshot(page, name)
    page.set_viewport_size(size)


def shown(page, key: str) -> str:
    return page.locator(f".st-key-{key} [data-testid='stMetricValue']").inner_text().strip()


def test_clinician_enters_a_patient_and_reads_the_cli_estimate(
        app_server, page, screenshot, active_model, tmp_path):
    timings = {}
    started = time.perf_counter()
    page.goto(app_server["url"] + "/patient")
    page.locator(".st-key-predict button").wait_for()
    page.locator(".st-key-met_grade input").wait_for()
    timings["first_render_s"] = time.perf_counter() - started
    idle(page)  # the model loads and warms up while a clinician types
    timings["first_render_to_idle_s"] = time.perf_counter() - started
    timings["server_start_to_up_s"] = app_server["up"] - app_server["started"]
    assert page.locator("h1").first.inner_text() == "Patient: survival estimate"
    # the results' element code loads while the clinician types, from a block never seen
    expect(page.locator(".st-key-browser_warm_up")).to_be_hidden()
    expect(page.locator(".st-key-browser_warm_up [data-testid='stMetric']")).to_have_count(
        1, timeout=30_000)  # the warm-up block renders after the model loads (slow under load)
    whole_page(page, screenshot, "patient_form")

    for key, kind, value in ENTRIES:
        enter(page, key, kind, value)
    clicked = time.perf_counter()
    page.locator(".st-key-predict button").click()
    page.locator(".st-key-surv_60 [data-testid='stMetricValue']").wait_for()
    timings["submit_to_results_s"] = time.perf_counter() - clicked
    page.get_by_text("Download the report (PDF)").wait_for()
    page.locator(".st-key-contributions .js-plotly-plot").wait_for()
    timings["submit_to_all_charts_drawn_s"] = time.perf_counter() - clicked

    five_years = shown(page, "surv_60")
    assert re.fullmatch(r"\d{1,3}\.\d%", five_years), five_years
    expected = cli_prediction(tmp_path)
    assert expected["model_version"] == active_model
    assert expected["model_used"] == "biopsy"
    assert five_years == f"{100 * float(expected['surv_60']):.1f}%"
    for months in (12, 36, 120):
        assert shown(page, f"surv_{months}") == f"{100 * float(expected[f'surv_{months}']):.1f}%"
    interval = page.locator(".st-key-surv_60").inner_text()
    assert f"95% CI {100 * float(expected['surv_60_lower']):.1f}% to " \
           f"{100 * float(expected['surv_60_upper']):.1f}%" in interval
    # every plotly figure drew (5 with a biopsy grade, 2 more for PFS when the model has it)
    pfs = page.locator(".st-key-pfs_60").count() > 0
    assert page.locator(".js-plotly-plot").count() == (7 if pfs else 5)
    whole_page(page, screenshot, "patient_results")

    # the printable report: a PDF with the curve as an image
    clicked = time.perf_counter()
    with page.expect_download(timeout=60_000) as download:
        page.get_by_text("Download the report (PDF)").click()
    report = Path(download.value.path()).read_bytes()
    timings["report_download_s"] = time.perf_counter() - clicked
    assert report.startswith(b"%PDF-")
    assert b"/Subtype /Image" in report
    assert download.value.suggested_filename.endswith(".pdf")

    # another page and back: the form still shows the patient of the estimate on screen
    page.get_by_role("link", name="Home").click()
    page.get_by_text("Who it is for").wait_for()
    page.get_by_role("link", name="Patient").click()
    page.locator(".st-key-surv_60 [data-testid='stMetricValue']").wait_for()
    expect(page.locator(".st-key-age input")).to_have_value("63")
    expect(page.locator(".st-key-met_ki67 input")).to_have_value("25")
    assert shown(page, "surv_60") == five_years

    # the next patient: every field blank again in the browser, not only on the server
    page.locator(".st-key-clear button").click()
    page.locator(".st-key-surv_60").wait_for(state="detached")
    expect(page.locator(".st-key-age input")).to_have_value("")
    expect(page.locator(".st-key-sex input")).to_have_value("")
    expect(page.locator(".st-key-primary_resected input")).not_to_be_checked()
    expect(page.locator(".st-key-sstr_status input")).to_have_value("Unknown / not done")

    # reference in the same run: the home page in a fresh tab of the warm server
    reference = page.context.new_page()
    started = time.perf_counter()
    reference.goto(app_server["url"] + "/")
    reference.get_by_text("Not a medical device").first.wait_for()
    timings["reference_home_render_s"] = time.perf_counter() - started
    started = time.perf_counter()
    reference.goto(app_server["url"] + "/patient")
    reference.locator(".st-key-predict button").wait_for()
    timings["warm_patient_render_s"] = time.perf_counter() - started
    reference.close()

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    (SCREENSHOTS / "patient_timings.json").write_text(json.dumps(timings, indent=1))
    print("\npatient page timings (s):", json.dumps({k: round(v, 3) for k, v in timings.items()}))


def test_contradictory_grade_shows_a_message_at_the_field(app_server, page, screenshot,
                                                          active_model):
    page.goto(app_server["url"] + "/patient")
    page.locator(".st-key-predict button").wait_for()
    for key, kind, value in ENTRIES:
        enter(page, key, kind, value)
    enter(page, "met_grade", "select", "G1 (Ki-67 < 3%)")
    page.locator(".st-key-predict button").click()
    message = page.get_by_text("grade G1 contradicts Ki-67 25%")
    message.wait_for()
    assert page.locator(".st-key-surv_60").count() == 0
    whole_page(page, screenshot, "patient_contradiction")


def test_age_beyond_the_form_bounds_is_refused_at_the_field(app_server, page, active_model):
    page.goto(app_server["url"] + "/patient")
    page.locator(".st-key-predict button").wait_for()
    for key, kind, value in ENTRIES:
        enter(page, key, kind, value)
    enter(page, "age", "number", "150")
    page.locator(".st-key-predict button").click()
    # the typed value reaches the validator (a widget with bounds kept the previous one)
    page.get_by_text("Out of range; allowed: a number ≥ 18 and ≤ 100 (years).").wait_for()
    expect(page.locator(".st-key-age input")).to_have_value("150")
    idle(page)
    assert page.locator(".st-key-surv_60").count() == 0
