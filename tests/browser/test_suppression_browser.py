"""Small-cell suppression in a real browser: a 60-patient cohort uploaded on the cohort
page shows no count from 1 to 4 in the page's text, in its charts' drawn text, or in any
file its download buttons give (CSV and Excel), in every tab and survival grouping; the
rule is stated in words. Screenshots go to tests/artifacts/ (look at them).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from cohort_frames import make_cohort
from small_cells import LABEL_COLUMNS, small_counts_in_download, small_counts_in_text

from risk.cohort import RISK_GROUP_TITLE, summary
from risk.schema import COLUMN_NAMES

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

TALL = {"width": 1400, "height": 2600}
TABS = ("Grade transitions", "Survival by group", "Hazard ratios", "Ki-67", "Table 1",
        "Biopsy safety", "Risk distribution")
GROUPINGS = (*summary.GROUPINGS.values(), RISK_GROUP_TITLE)
COUNT_COLUMNS = {"Patients", "Deaths", "Progressions or deaths", "Of (recorded outcome)",
                 "patients"}
#: Every text the reader sees in the page's main part, HTML and charts alike, except axis
#: ticks and the table columns that name things (a level "1" of ECOG is no count).
READ_TEXT = """labels => {
  const main = document.querySelector("[data-testid='stMain']");
  const walk = document.createTreeWalker(main, NodeFilter.SHOW_TEXT);
  const out = [];
  for (let node = walk.nextNode(); node; node = walk.nextNode()) {
    const el = node.parentElement;
    if (el.closest('.xtick, .ytick, style, script') || !el.getClientRects().length) continue;
    const cell = el.closest('td, th');
    if (cell) {
      const head = cell.closest('table').querySelector('thead tr');
      const name = head && head.cells[cell.cellIndex] ? head.cells[cell.cellIndex].innerText.trim() : '';
      if (labels.includes(name) && cell.tagName === 'TD') continue;
    }
    out.push(node.textContent);
  }
  return out.join(' | ');
}"""


@pytest.fixture(scope="module")
def sixty(tmp_path_factory):
    frame = make_cohort(100, seed=5)
    frame = frame[frame["primary_grade"].notna() | frame["met_grade"].notna()].head(60)
    path = tmp_path_factory.mktemp("upload") / "sixty-patients.csv"
    frame[list(COLUMN_NAMES)].to_csv(path, index=False)
    return path


def page_text(page) -> str:
    return page.evaluate(READ_TEXT, sorted(LABEL_COLUMNS))


def settle(page) -> None:
    """Wait for the rerun to finish: no element left from the previous run."""
    page.wait_for_timeout(400)
    page.wait_for_function("!document.querySelector('[data-stale=\"true\"]')")
    page.wait_for_timeout(200)


def downloaded(page) -> list[tuple[str, bytes]]:
    """Every file the shown download buttons give: (file name, bytes)."""
    files = []
    buttons = page.locator("[data-testid='stDownloadButton'] button:visible")
    for k in range(buttons.count()):
        with page.expect_download() as info:
            buttons.nth(k).click()
        download = info.value
        files.append((download.suggested_filename, Path(download.path()).read_bytes()))
    return files


def test_a_60_patient_upload_shows_no_count_below_5(app_server, page, screenshot, sixty):
    page.goto(app_server["url"] + "/cohort")
    page.get_by_text("Synthetic cohort.").first.wait_for()
    page.locator(".st-key-cohort_file input[type=file]").set_input_files(str(sixty))
    page.get_by_text("(60 patients)").first.wait_for()
    page.get_by_text("Small numbers are suppressed").first.wait_for()
    page.wait_for_function("document.querySelectorAll('.js-plotly-plot .main-svg').length >= 2")
    page.set_viewport_size(TALL)
    found, files, seen = [], [], {}
    for tab in TABS:
        page.get_by_role("tab", name=tab).click()
        settle(page)
        groupings = GROUPINGS if tab == "Survival by group" else (None,)
        for grouping in groupings:
            if grouping:
                page.locator(".st-key-km_grouping input").fill(grouping)
                page.keyboard.press("Enter")
                page.locator(".js-plotly-plot .gtitle", has_text="Overall survival by") \
                    .first.wait_for()
                settle(page)
            if tab == "Table 1":
                page.locator(".st-key-table_one table").first.wait_for()
            elif tab != "Ki-67":
                page.locator(".js-plotly-plot .main-svg").first.wait_for()
            text = seen[tab] = page_text(page)
            found += [f"{tab} {grouping or ''}: {hit}" for hit in small_counts_in_text(text)]
            files += downloaded(page)
            if grouping in (None, "Primary site"):
                screenshot(page, "suppression_" + (tab + (f" {grouping}" if grouping else ""))
                           .lower().replace(" ", "_"))
    found += [f"{name}: {hit}" for name, data in files
              for hit in small_counts_in_download(data, COUNT_COLUMNS)]
    assert found == [], "\n".join(found)
    # the reading did reach the charts (SVG) and tables, where "<5" stands
    assert "Number at risk" in seen["Survival by group"] and "<5" in seen["Survival by group"]
    assert "<5" in seen["Grade transitions"] and "hidden" in seen["Table 1"]
    names = {name for name, _ in files}
    assert {"table-1-by-grade-change.csv", "table-1-by-grade-change.xlsx",
            "grade-transitions.csv", "biopsy-complications.xlsx"} <= names
    assert any(b"<5" in data for name, data in files if name.endswith(".csv"))
