"""In a real browser: a clinician enters a patient known alive 24 months after the biopsy
and reads conditional estimates equal to ``python -m risk predict --alive-months 24``."""

from __future__ import annotations

import csv
import subprocess
import sys

import pytest
from playwright.sync_api import expect
from test_patient_browser import CSV_ROW, ENTRIES, REPO, enter, idle, shown, whole_page

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


def cli_conditional(tmp_path, months: str) -> dict:
    source, output = tmp_path / "patient.csv", tmp_path / "predictions.csv"
    with source.open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(CSV_ROW))
        writer.writeheader()
        writer.writerow(CSV_ROW)
    done = subprocess.run([sys.executable, "-m", "risk", "predict", "--input", str(source),
                           "--output", str(output), "--alive-months", months], cwd=REPO,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    with output.open() as f:
        return next(csv.DictReader(f))


def test_alive_24_months_after_the_biopsy(app_server, page, screenshot, tmp_path):
    page.goto(app_server["url"] + "/patient")
    page.locator(".st-key-predict button").wait_for()
    idle(page)
    for key, kind, value in [*ENTRIES, ("alive_months", "number", "24")]:
        enter(page, key, kind, value)
    page.locator(".st-key-predict button").click()
    page.locator(".st-key-conditional").wait_for()
    expect(page.locator(".st-key-conditional")).to_contain_text(
        "Alive 24 months after the biopsy")
    assert shown(page, "surv_12") == "Already survived"
    expected = cli_conditional(tmp_path, "24")
    assert float(expected["alive_months"]) == 24
    for months in (36, 60, 120):
        assert shown(page, f"surv_{months}") == \
            f"{100 * float(expected[f'surv_{months}']):.1f}%"
    interval = page.locator(".st-key-surv_60").inner_text()
    assert f"95% CI {100 * float(expected['surv_60_lower']):.1f}% to " \
           f"{100 * float(expected['surv_60_upper']):.1f}%" in interval
    page.locator(".st-key-contributions .js-plotly-plot").wait_for()
    expect(page.locator(".st-key-survival_curve")).to_contain_text(
        "given alive at 24 months")
    whole_page(page, screenshot, "patient_conditional")
