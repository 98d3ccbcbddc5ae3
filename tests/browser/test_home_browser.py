"""The home page in a real browser: it renders its content and the navigation."""

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


def test_home_renders_intended_use_and_navigation(app_server, page, screenshot):
    page.goto(app_server["url"] + "/")
    # /_stcore/health answers before the script ran: wait for the content itself.
    page.get_by_text("Not a medical device").first.wait_for()
    assert page.get_by_text("synthetic").first.is_visible()
    screenshot(page, "home")
