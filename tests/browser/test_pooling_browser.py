"""The Model page's multi-centre validation in a real browser: a researcher uploads three
centres' site summaries (of the shipped model, evaluated on three simulated hospitals) and
sees the pooled table and the forest plots. Screenshot: tests/artifacts/pooling_forest.png.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from coverage_sim import hospital_of, simulate_cohort
from playwright.sync_api import expect

from risk.evaluation import build_site_summary, evaluate
from risk.registry.store import Registry

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def summary_files(tmp_path_factory) -> list[Path]:
    registry = Registry(REPO / "models")
    loaded = registry.load()
    sha = registry.show(loaded.version)["manifest"]["files"]["model.json"]
    folder = tmp_path_factory.mktemp("site_summaries")
    paths = []
    for seed, name in ((0, "North"), (1, "South"), (2, "East")):
        frame = simulate_cohort(hospital_of(seed), 300, seed)
        report = evaluate(loaded.model, frame, bootstrap=0)
        summary = build_site_summary(report, frame["os_months"], frame["death"],
                                     site=f"{name} hospital", model_version=loaded.version,
                                     model_sha256=sha)
        path = folder / f"{name.lower()}.json"
        path.write_text(summary.to_json(), encoding="utf-8")
        paths.append(path)
    return paths


def test_three_site_summaries_give_forest_plots(page, app_server, summary_files, screenshot):
    page.goto(f"{app_server['url']}/model")
    page.get_by_role("tab", name="Multi-centre validation").click()
    expect(page.get_by_text("No site summaries uploaded yet")).to_be_visible(timeout=60_000)
    page.locator(".st-key-site_summaries input[type=file]").set_input_files(
        [str(p) for p in summary_files])
    chart = page.locator(".stPlotlyChart").first
    expect(chart).to_be_visible(timeout=60_000)
    expect(page.locator(".stPlotlyChart")).to_have_count(5, timeout=60_000)
    expect(chart.get_by_text("Pooled (random effects)")).to_be_visible()
    expect(chart.get_by_text("Prediction interval").first).to_be_visible()
    for name in ("North hospital", "South hospital", "East hospital"):
        expect(chart.get_by_text(name)).to_be_visible()
    expect(page.get_by_text("Pooled performance: served predictions")).to_be_visible()
    page.wait_for_timeout(1500)
    chart.scroll_into_view_if_needed()
    page.wait_for_timeout(800)
    screenshot(page, "pooling_forest")
    chart.screenshot(path=str(REPO / "tests" / "artifacts" / "pooling_forest_chart.png"))
