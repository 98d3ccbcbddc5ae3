"""The Model page in a real browser says the shipped version is verified on this
installation (its reference test pack re-computed here), in a new session too. Screenshot: tests/artifacts/model_verified.png."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import running_app
from playwright.sync_api import expect
from shipped_pack import SHIPPED, registry_copy_with_pack

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """The app on a copy of the registry whose shipped version carries its pack."""
    folder = tmp_path_factory.mktemp("verified")
    models = registry_copy_with_pack(folder)
    with running_app(folder, {"RISK_MODEL_DIR": str(models)}) as app:
        yield app, models


def test_the_model_page_says_the_installation_is_verified(page, server, screenshot):
    app_server, models = server
    patients = sum(1 for _ in (models / SHIPPED / "testpack.csv").open()) - 1
    box = page.locator(".st-key-model_verification")
    page.goto(f"{app_server['url']}/model")
    expect(box.get_by_text(f"Verified on this installation: {patients:,} of {patients:,} "
                           "reference patients")).to_be_visible(timeout=90_000)
    expect(page.get_by_text("Not reproduced on this installation")).to_have_count(0)
    page.wait_for_timeout(800)
    screenshot(page, "model_verified")
    box.screenshot(path=str(REPO / "tests" / "artifacts" / "model_verified_box.png"))

    page.reload()  # a new session: the cached result is shown again
    expect(box.get_by_text("Verified on this installation")).to_be_visible(timeout=30_000)
