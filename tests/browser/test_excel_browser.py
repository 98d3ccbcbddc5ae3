"""Excel workbooks on the Cohort page in a real browser: a workbook of two sheets
uploaded through the file input gets a sheet picker; the cohort sheet chosen replaces the
synthetic cohort, and its tables offer an Excel download beside the CSV one; a bad
workbook's problems name sheet, row and column letter. Screenshots: tests/artifacts/."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from workbooks import cohort_rows, saved, workbook_bytes

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

REPO = Path(__file__).resolve().parents[2]
TALL = {"width": 1400, "height": 2400}


@pytest.fixture(scope="module")
def workbook(tmp_path_factory) -> Path:
    from openpyxl import load_workbook

    rows, formats = cohort_rows((REPO / "data/synthetic/cohort.csv").read_text("utf-8"))
    book = load_workbook(io.BytesIO(workbook_bytes(rows[:401], formats=formats)))
    book.create_sheet("Read me", 0).append(["Exported from the study database"])
    path = tmp_path_factory.mktemp("xlsx") / "board-cohort.xlsx"
    path.write_bytes(saved(book))
    return path


def open_cohort_page(page, url: str) -> None:
    page.goto(url + "/cohort")
    page.get_by_text("Synthetic cohort.").first.wait_for()


def upload(page, path) -> None:
    page.locator(".st-key-cohort_file input[type=file]").set_input_files(str(path))


def test_a_workbook_is_read_from_the_sheet_chosen(app_server, page, screenshot, workbook):
    open_cohort_page(page, app_server["url"])
    upload(page, workbook)
    page.get_by_text("cannot be used").first.wait_for()  # 'Read me' is not a cohort
    page.locator(".st-key-upload_problems").get_by_text("Read me").first.wait_for()
    page.set_viewport_size(TALL)
    screenshot(page, "excel_first_sheet_problems")
    page.locator(".st-key-cohort_sheet").click()
    page.get_by_role("option", name="Cohort").click()
    page.get_by_text("Showing board-cohort.xlsx (400 patients)").wait_for()
    page.get_by_text("How the file was read").click()
    page.get_by_text("formatted as percent in Excel").first.wait_for()
    page.get_by_role("tab", name="Table 1").click()
    page.get_by_text("Download this table (Excel)").first.wait_for()
    with page.expect_download() as caught:
        page.get_by_text("Download this table (Excel)").first.click()
    download = caught.value
    assert download.suggested_filename == "table-1-by-grade-change.xlsx"
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(Path(download.path()).read_bytes())).active
    assert sheet.max_row > 5 and sheet.cell(1, 1).value
    screenshot(page, "excel_cohort_table_one")


def test_a_bad_workbook_lists_sheet_row_and_letter(app_server, page, screenshot):
    open_cohort_page(page, app_server["url"])
    upload(page, REPO / "tests/data/malformed/bad_cells.xlsx")
    problems = page.locator(".st-key-upload_problems")
    problems.get_by_text("B (age)").wait_for()
    assert problems.get_by_text("C (sex)").count() == 1
    page.get_by_text("as Excel shows them").wait_for()
    page.set_viewport_size(TALL)
    screenshot(page, "excel_bad_workbook")
