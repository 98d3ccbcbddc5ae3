"""The cohort and model pages in a real browser: the shipped synthetic cohort renders its
Sankey diagram and heatmap; a cohort CSV uploaded through the file input replaces it and
every section draws its chart; a file with an identifier column lists its problem; the
model page shows the active version. Screenshots go to tests/artifacts/ (look at them).
"""

from __future__ import annotations

import pytest

from risk.synthetic.generator import cohort_csv_text, generate_cohort

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

TALL = {"width": 1400, "height": 2600}
SHOT = ("Survival by group", "Hazard ratios", "Risk distribution")  # screenshots kept  # Streamlit scrolls inside the page: grow the window
SECTIONS = {  # tab -> text in its chart's title (or its table)
    "Survival by group": "Overall survival by",
    "Hazard ratios": "Hazard ratios on the shown cohort",
    # an upload's Ki-67 scatter is not drawn (each point is one patient): said in words
    "Ki-67": "The Ki-67 scatter plot is not drawn for this file",
    "Table 1": "Table 1",
    "Biopsy safety": "Liver biopsy complications",
    "Risk distribution": "Risk scores in the cohort",
}


@pytest.fixture(scope="module")
def cohort_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("upload") / "board-cohort.csv"
    path.write_text(cohort_csv_text(generate_cohort(2_000, 99)), encoding="utf-8")
    return path


def open_cohort_page(page, url: str) -> None:
    page.goto(url + "/cohort")
    page.get_by_text("Synthetic cohort.").first.wait_for()
    wait_for_charts(page, 2)


def wait_for_charts(page, count: int) -> None:
    page.wait_for_function(
        f"document.querySelectorAll('.js-plotly-plot .main-svg').length >= {count}")


def upload(page, path) -> None:
    page.locator(".st-key-cohort_file input[type=file]").set_input_files(str(path))


def assert_forest_plot_is_wide(page) -> None:
    """The forest plot's drawing area takes a real share of the chart at 1,400 px (the
    labels once squeezed it into a strip)."""
    chart = page.locator(".js-plotly-plot", has=page.locator(
        ".gtitle", has_text="Hazard ratios on the shown cohort")).first
    whole = chart.bounding_box()["width"]
    plot = chart.locator(".draglayer .xy .nsewdrag").first  # exactly the drawing area
    assert plot.bounding_box()["width"] >= 0.3 * whole


def assert_table_one_fits(page) -> None:
    """Every Table 1 column, p-values included, is on screen without scrolling."""
    table = page.locator(".st-key-table_one table").first
    table.wait_for()
    fits = table.evaluate("t => t.parentElement.scrollWidth <= t.parentElement.clientWidth + 1")
    assert fits
    assert table.locator("th", has_text="p-value").first.is_visible()


def test_shipped_cohort_shows_the_sankey_and_the_heatmap(app_server, page, screenshot):
    open_cohort_page(page, app_server["url"])
    assert page.locator(".js-plotly-plot .sankey").count() >= 1
    assert page.locator(".js-plotly-plot .hm").count() >= 1  # the heatmap trace
    assert page.get_by_text("Synthetic data: not real patients").count() >= 2
    page.set_viewport_size(TALL)
    screenshot(page, "cohort_default")


def test_uploaded_cohort_renders_every_section(app_server, page, screenshot, cohort_file):
    open_cohort_page(page, app_server["url"])
    upload(page, cohort_file)
    page.get_by_text("(2,000 patients)").first.wait_for()
    wait_for_charts(page, 2)
    assert page.locator(".js-plotly-plot .sankey").count() >= 1
    assert page.get_by_text("Synthetic cohort.").count() == 0
    page.set_viewport_size(TALL)
    screenshot(page, "cohort_upload_transitions")
    for tab, title in SECTIONS.items():
        page.get_by_role("tab", name=tab).click()
        page.get_by_text(title).first.wait_for()
        if tab not in ("Table 1", "Ki-67"):
            page.locator(".js-plotly-plot .gtitle", has_text=title).first.wait_for()
        if tab in SHOT:
            screenshot(page, "cohort_upload_" + tab.lower().replace(" ", "_"))
        if tab == "Hazard ratios":
            assert_forest_plot_is_wide(page)
        if tab == "Table 1":
            assert_table_one_fits(page)
    page.get_by_role("tab", name="Survival by group").click()
    page.locator(".st-key-km_grouping").click()
    page.get_by_role("option", name="Primary site").click()
    page.locator(".js-plotly-plot .gtitle", has_text="Overall survival by primary site") \
        .first.wait_for()
    page.get_by_text("Pairwise log-rank tests").first.wait_for()
    screenshot(page, "cohort_upload_survival_by_site")


def test_identifier_column_is_listed_as_a_problem(app_server, page, screenshot, tmp_path):
    text = cohort_csv_text(generate_cohort(50, 5)).splitlines()
    rows = [text[0] + ",patient_name"] + [line + ",Jane Doe" for line in text[1:]]
    path = tmp_path / "with-names.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    open_cohort_page(page, app_server["url"])
    upload(page, path)
    page.get_by_text("cannot be used").first.wait_for()
    page.locator(".st-key-upload_problems").get_by_text("direct identifier").wait_for()
    assert page.locator(".st-key-upload_problems").get_by_text("patient_name").count() == 1
    page.set_viewport_size(TALL)
    screenshot(page, "cohort_bad_upload")
    assert page.locator(".js-plotly-plot").count() == 0


def test_model_page_shows_the_active_version(app_server, page, screenshot):
    page.goto(app_server["url"] + "/model")
    page.get_by_text("Intended use").first.wait_for()
    page.get_by_text("Library versions").first.wait_for()
    page.set_viewport_size(TALL)
    screenshot(page, "model_card")
    page.get_by_role("tab", name="Hazard ratios").click()
    page.locator(".js-plotly-plot .gtitle", has_text="Hazard ratios of the served models") \
        .first.wait_for()
    screenshot(page, "model_hazard_ratios")
    page.get_by_role("tab", name="Validation", exact=True).click()
    page.get_by_text("Harrell's C, optimism-corrected").first.wait_for()
    screenshot(page, "model_validation")
