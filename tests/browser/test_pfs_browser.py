"""Progression-free survival in a real browser: the Patient page shows pfs_60 with its
95% interval, equal to ``python -m risk predict``'s pfs_60 for the same patient, and its
curve; the Cohort page's PFS tab draws the Kaplan-Meier of PFS with the log-rank test.
Uses the active model of the default registry (the shipped one has PFS)."""

from __future__ import annotations

import pytest
from test_cohort_browser import open_cohort_page
from test_patient_browser import ENTRIES, cli_prediction, enter, idle, shown, whole_page

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


def test_patient_page_shows_pfs_with_its_interval(app_server, page, screenshot, tmp_path):
    page.goto(app_server["url"] + "/patient")
    page.locator(".st-key-predict button").wait_for()
    idle(page)
    for key, kind, value in ENTRIES:
        enter(page, key, kind, value)
    page.locator(".st-key-predict button").click()
    page.locator(".st-key-pfs_60 [data-testid='stMetricValue']").wait_for()
    page.locator(".st-key-pfs_curve .js-plotly-plot").wait_for()
    expected = cli_prediction(tmp_path)
    for months in (12, 36, 60):
        assert shown(page, f"pfs_{months}") == f"{100 * float(expected[f'pfs_{months}']):.1f}%"
    box = page.locator(".st-key-pfs_60").inner_text()
    assert (f"95% CI {100 * float(expected['pfs_60_lower']):.1f}% to "
            f"{100 * float(expected['pfs_60_upper']):.1f}%") in box
    assert float(expected["pfs_60"]) < float(expected["surv_60"])
    page.locator(".st-key-pfs_60").scroll_into_view_if_needed()
    screenshot(page, "patient_pfs")
    whole_page(page, screenshot, "patient_pfs_whole")


def test_cohort_page_shows_the_pfs_km(app_server, page, screenshot):
    page.set_viewport_size({"width": 1400, "height": 1800})
    open_cohort_page(page, app_server["url"])
    page.get_by_role("tab", name="Progression-free survival").click()
    title = "Progression-free survival by"
    page.locator(".js-plotly-plot .gtitle", has_text=title).first.wait_for()
    page.locator(".st-key-pfs_logrank").get_by_text("Log-rank test").wait_for()
    assert "chi-square" in page.locator(".st-key-pfs_logrank").inner_text()
    screenshot(page, "cohort_pfs_km")
