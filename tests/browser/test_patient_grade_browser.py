"""The patient page in a real browser: a liver Ki-67 of 19% (of 500 cells) behind a G2
primary shows the box of a grade near a WHO cut-off, with G2 and G3 and their
probabilities; a Ki-67 of 10% shows none. Screenshots of the box, the form and the whole
page are saved to ``tests/artifacts/patient_grade_*.png`` to be looked at.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect
from scipy.stats import beta
from test_patient_browser import enter, idle, whole_page

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

SCREENSHOTS = Path(__file__).resolve().parents[1] / "artifacts"

ENTRIES = [
    ("age", "number", "63"),
    ("sex", "select", "Female"),
    ("ecog", "select", "1 - light work only"),
    ("met_timing", "select", "Synchronous"),
    ("liver_burden", "select", "25-50%"),
    ("sstr_status", "select", "Positive"),
    ("primary_site", "select", "Pancreas"),
    ("primary_grade", "select", "G2 (Ki-67 3-20%)"),
    ("primary_resected", "check", None),
    ("met_ki67", "number", "19"),
    ("met_cells_counted", "number", "500"),
]


def test_a_ki67_near_20_percent_shows_each_grade_and_its_estimate(app_server, page,
                                                                  screenshot):
    page.goto(app_server["url"] + "/patient")
    page.locator(".st-key-predict button").wait_for()
    idle(page)
    counted = page.locator(".st-key-met_cells_counted input")
    expect(counted).to_have_attribute("placeholder", "500 if blank", timeout=60_000)
    for key, kind, value in ENTRIES:
        enter(page, key, kind, value)
    page.locator("[data-testid='stForm']").screenshot(path=str(_artifact("patient_grade_form")))
    page.locator(".st-key-predict button").click()
    box = page.locator(".st-key-grade_sensitivity")
    box.locator("table tbody tr").nth(1).wait_for()
    text = box.inner_text()
    # P(G3) = P(p > 20%) under Beta(95 + 1/2, 405 + 1/2): 95 of 500 cells
    p_g3 = beta.sf(0.20, 95.5, 405.5)
    p_g2 = beta.cdf(0.20, 95.5, 405.5) - beta.cdf(0.03, 95.5, 405.5)
    assert (f"With 95 of 500 cells positive (19%), the liver grade is G2 with probability "
            f"{p_g2:.2f} and G3 with probability {p_g3:.2f}") in text
    assert "across the WHO cut-off at 20%" in text
    rows = [[cell.inner_text().strip() for cell in row.locator("td").all()]
            for row in box.locator("table tbody tr").all()]
    five_years = page.locator(".st-key-surv_60 [data-testid='stMetricValue']").inner_text()
    assert [row[:2] for row in rows] == [["G2 (used above)", f"{p_g2:.2f}"],
                                         ["G3", f"{p_g3:.2f}"]]
    assert rows[0][2].startswith(five_years.strip() + " (")  # G2: the estimate shown above
    page.get_by_text("Download the report (PDF)").wait_for()
    box.scroll_into_view_if_needed()
    whole_page(page, screenshot, "patient_grade_sensitivity_page")
    box.screenshot(path=str(_artifact("patient_grade_sensitivity")))

    # the same patient with a Ki-67 of 10% (50 of 500 cells: 7.5-13.0%): no box
    enter(page, "met_ki67", "number", "10")
    page.locator(".st-key-predict button").click()
    page.get_by_text("derived from Ki-67 10%").wait_for()  # the new estimate is on screen
    page.locator(".st-key-surv_60 [data-testid='stMetricValue']").wait_for()
    expect(page.get_by_text("cells positive (10%)")).to_have_count(0)
    expect(page.locator(".st-key-grade_sensitivity")).to_have_count(0)


def _artifact(name: str) -> Path:
    """Where an element's screenshot goes (beside the fixture's full-page ones)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS / f"{name}.png"
