"""The clinician's next questions in one real-browser visit (issue 12's "Done when"):

a G2 primary with a liver Ki-67 of 19% (500 cells), alive 24 months after the biopsy,
shows conditional overall survival with intervals (the ``surv_*`` containers, equal to
``python -m risk predict --alive-months 24`` for the same patient), progression-free
survival with intervals (``pfs_12``/``pfs_36``/``pfs_60``), the estimate under G2 and
under G3 with the chance of each (``grade_sensitivity``) and a curve whose months already
survived are greyed and labelled; a Ki-67 of 10% shows no grade-sensitivity box; an age
of 150 typed after a result is refused at its field naming the allowed range, and no
estimate is left on screen; a time alive past the model's last training death is
refused. The Model page shows the PFS model's validation (``eval_pfs``). Screenshots are
saved to ``tests/artifacts/clinician_*.png`` to be looked at.
"""

from __future__ import annotations

import csv
import json
import subprocess
import sys

import pytest
from playwright.sync_api import expect
from test_patient_browser import REPO, SCREENSHOTS, enter, idle, shown, whole_page

from risk.registry.store import Registry, default_model_dir

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

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
    ("alive_months", "number", "24"),
]
CSV_ROW = {
    "patient_id": "clinician1", "age": "63", "sex": "female", "primary_site": "pancreas",
    "primary_ki67": "", "primary_mitoses": "", "primary_grade": "G2", "met_ki67": "19",
    "met_cells_counted": "500", "met_mitoses": "", "met_grade": "",
    "met_timing": "synchronous", "liver_burden": "25to50", "extrahepatic_mets": "0",
    "primary_resected": "1", "functional_syndrome": "0", "ecog": "1",
    "sstr_status": "positive",
}


@pytest.fixture(scope="module")
def served():
    registry = Registry(default_model_dir())
    loaded = registry.load(None)
    if loaded.model.pfs_model is None:
        pytest.fail("the active model has no PFS model: run 'make model' first")
    return loaded


def cli(tmp_path) -> dict:
    source, output = tmp_path / "patient.csv", tmp_path / "predictions.csv"
    with source.open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(CSV_ROW))
        writer.writeheader()
        writer.writerow(CSV_ROW)
    done = subprocess.run([sys.executable, "-m", "risk", "predict", "--input", str(source),
                           "--output", str(output), "--alive-months", "24"], cwd=REPO,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    with output.open(encoding="utf-8-sig") as f:
        return next(csv.DictReader(f))


def pct(value: str) -> str:
    return f"{100 * float(value):.1f}%"


def interval(row: dict, name: str) -> str:
    return f"95% CI {pct(row[f'{name}_lower'])} to {pct(row[f'{name}_upper'])}"


def element_shot(locator, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    locator.scroll_into_view_if_needed()
    locator.screenshot(path=str(SCREENSHOTS / f"{name}.png"))


def submit(page) -> None:
    page.locator(".st-key-predict button").click()
    idle(page)


def test_the_clinician_scenario(app_server, page, screenshot, tmp_path, served):
    expected = cli(tmp_path)
    page.goto(app_server["url"] + "/patient")
    page.locator(".st-key-predict button").wait_for()
    idle(page)
    for key, kind, value in ENTRIES:
        enter(page, key, kind, value)
    submit(page)
    expect(page.locator(".st-key-conditional")).to_contain_text(
        "Alive 24 months after the biopsy")

    # conditional overall survival, with its intervals, as predict --alive-months 24
    assert shown(page, "surv_12") == "Already survived"
    for months in (36, 60, 120):
        assert shown(page, f"surv_{months}") == pct(expected[f"surv_{months}"])
        assert interval(expected, f"surv_{months}") in \
            page.locator(f".st-key-surv_{months}").inner_text()
    # progression-free survival with its intervals
    page.locator(".st-key-pfs_60 [data-testid='stMetricValue']").wait_for()
    for months in (12, 36, 60):
        assert shown(page, f"pfs_{months}") == pct(expected[f"pfs_{months}"])
        assert interval(expected, f"pfs_{months}") in \
            page.locator(f".st-key-pfs_{months}").inner_text()

    # the estimate under G2 and under G3, with the chance of each
    box = page.locator(".st-key-grade_sensitivity")
    box.locator("table tbody tr").nth(1).wait_for()
    rows = [[cell.inner_text().strip() for cell in row.locator("td").all()]
            for row in box.locator("table tbody tr").all()]
    p_g2, p_g3 = float(expected["p_met_G2"]), float(expected["p_met_G3"])
    assert [row[:2] for row in rows] == [["G2 (used above)", f"{p_g2:.2f}"],
                                         ["G3", f"{p_g3:.2f}"]]
    assert rows[0][2].startswith(pct(expected["surv_60_if_met_G2"]) + " (")
    assert rows[1][2].startswith(pct(expected["surv_60_if_met_G3"]) + " (")
    assert expected["grade_uncertain"] == "true"

    # the curve: the months already survived greyed and labelled
    curve = page.locator(".st-key-survival_curve")
    curve.locator(".js-plotly-plot").wait_for()
    expect(curve).to_contain_text("Already survived")
    expect(curve).to_contain_text("given alive at 24 months")
    page.get_by_text("Download the report (PDF)").wait_for()
    whole_page(page, screenshot, "clinician_alive_24_g2_19pct")
    element_shot(curve, "clinician_curve_already_survived")
    element_shot(box, "clinician_grade_sensitivity")
    element_shot(page.locator(".st-key-pfs_60"), "clinician_pfs_60")

    # a Ki-67 of 10%: the grade is not in doubt, no box
    enter(page, "met_ki67", "number", "10")
    submit(page)
    page.get_by_text("derived from Ki-67 10%").wait_for()
    page.locator(".st-key-surv_60 [data-testid='stMetricValue']").wait_for()
    expect(page.locator(".st-key-grade_sensitivity")).to_have_count(0)

    # an age of 150 typed after a result: refused at the field, no estimate left on screen
    enter(page, "age", "number", "150")
    submit(page)
    expect(page.locator(".st-key-age input")).to_have_value("150")
    expect(page.locator("[data-testid='stForm']")).to_contain_text(
        "Out of range; allowed: a number ≥ 18 and ≤ 100 (years).")
    expect(page.locator(".st-key-surv_60")).to_have_count(0)
    expect(page.locator(".st-key-pfs_60")).to_have_count(0)
    element_shot(page.locator("[data-testid='stForm']"), "clinician_age_150_refused")

    # alive past the model's last training death: refused, naming the limit
    limit = served.model.alive_limit_months
    enter(page, "age", "number", "63")
    enter(page, "alive_months", "number", f"{int(limit) + 1}")
    submit(page)
    form = page.locator("[data-testid='stForm']")
    expect(form).to_contain_text(f"below {limit:g} months")
    expect(page.locator(".st-key-surv_60")).to_have_count(0)
    element_shot(form, "clinician_alive_past_limit")


def test_the_model_page_shows_the_pfs_validation(app_server, page, screenshot, served):
    report = served.card.metrics.stored_report()
    pfs = report.pfs
    page.goto(app_server["url"] + "/model")
    page.get_by_role("tab", name="Validation", exact=True).click()
    box = page.locator(".st-key-eval_pfs")
    box.locator(".js-plotly-plot").wait_for()
    c = pfs.served
    expect(box).to_contain_text(
        f"{c.harrell_c:.3f} ({c.harrell_c_lower:.3f} to {c.harrell_c_upper:.3f})")
    expect(box).to_contain_text(f"{pfs.events:,} PFS events ({pfs.progressions:,} progressions")
    expect(box).to_contain_text("Predicted risk of progression or death by 60 months")
    element_shot(box, "clinician_model_eval_pfs")
    page.get_by_role("tab", name="Model card", exact=True).click()
    expect(page.get_by_text("With progression-free survival recorded", exact=True)).to_be_visible()
    whole_page(page, screenshot, "clinician_model_card")
    assert json.dumps(report.to_dict()["pfs"])  # the stored report holds it
