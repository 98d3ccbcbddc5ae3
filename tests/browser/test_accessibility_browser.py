"""Languages and accessibility in a real browser.

- A clinician switches to 简体中文, enters a patient and reads the same percentages as in
  English, with labels, charts and the PDF in Chinese (the PDF's first page rendered to PNG
  under ``tests/artifacts``).
- axe-core (axe-playwright-python) on every page in both languages, before and after a
  patient is submitted and after an upload: no "serious" or "critical" violation. The
  others are written to ``tests/artifacts/axe_<page>_<language>.json``.
- The Patient page completed with the keyboard only, down to the PDF download.
"""

from __future__ import annotations

import io
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect
from pypdf import PdfReader
from test_patient_browser import idle

from risk.synthetic.generator import cohort_csv_text, generate_cohort

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

ARTIFACTS = Path(__file__).resolve().parents[2] / "tests" / "artifacts"
PAGES = ("", "patient", "cohort", "model", "retrain")
BLOCKING = ("serious", "critical")
#: The patient, with each choice as each language shows it.
ENTRIES = {
    "en": [("age", "number", "63"), ("sex", "select", "Female"),
           ("ecog", "select", "1 - light work only"), ("met_timing", "select", "Synchronous"),
           ("liver_burden", "select", "25-50%"), ("sstr_status", "select", "Positive"),
           ("primary_site", "select", "Pancreas"), ("primary_ki67", "number", "12"),
           ("primary_resected", "check", None), ("met_ki67", "number", "25")],
    "zh": [("age", "number", "63"), ("sex", "select", "女"),
           ("ecog", "select", "1 - 仅能从事轻体力工作"), ("met_timing", "select", "同时性"),
           ("liver_burden", "select", "25-50%"), ("sstr_status", "select", "阳性"),
           ("primary_site", "select", "胰腺"), ("primary_ki67", "number", "12"),
           ("primary_resected", "check", None), ("met_ki67", "number", "25")],
}
LOCALES = {"en": "en-US", "zh": "zh-CN"}
HORIZONS = (12, 36, 60, 120)


@pytest.fixture
def page_in(browser):
    """A page whose browser reports ``locale`` (the app's first language comes from it)."""
    contexts = []

    def make(language: str):
        context = browser.new_context(viewport={"width": 1400, "height": 1000},
                                      locale=LOCALES[language], accept_downloads=True)
        contexts.append(context)
        pg = context.new_page()
        pg.set_default_timeout(60_000)
        return pg

    yield make
    for context in contexts:
        context.close()


def audit(page, name: str) -> list[dict]:
    """axe-core on the page as it is: the blocking violations (the rest saved).

    A page found with blocking violations is audited again a second later, and only what
    both runs see counts: an element still fading in after a run (seen once under CI load
    as low contrast) is gone by then; a real violation stays."""
    idle(page)
    violations = Axe().run(page).response["violations"]
    if any(v["impact"] in BLOCKING for v in violations):
        page.wait_for_timeout(1000)
        idle(page)
        again = {(v["id"], str([n["target"] for n in v["nodes"]]))
                 for v in Axe().run(page).response["violations"]}
        violations = [v for v in violations
                      if (v["id"], str([n["target"] for n in v["nodes"]])) in again]
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / f"axe_{name}.json").write_text(json.dumps(
        [{"id": v["id"], "impact": v["impact"], "nodes": len(v["nodes"]),
          "help": v["help"], "where": [n["target"] for n in v["nodes"][:3]]}
         for v in violations], indent=1, ensure_ascii=False))
    return [{"id": v["id"], "impact": v["impact"], "help": v["help"],
             "where": [n["target"] for n in v["nodes"][:3]]}
            for v in violations if v["impact"] in BLOCKING]


def enter(page, key: str, kind: str, value: str | None) -> None:
    field = page.locator(f".st-key-{key}")
    if kind == "number":
        field.locator("input").fill(value)
        field.locator("input").press("Tab")
        expect(field.locator("input")).to_have_value(value)
    elif kind == "check":
        field.locator("label").click()
        expect(field.locator("input")).to_be_checked()
    else:
        field.locator("input").click()
        page.get_by_role("option", name=value, exact=True).click()
        expect(field.locator("input")).to_have_value(value)


def shown(page, months: int) -> str:
    return page.locator(f".st-key-surv_{months} [data-testid='stMetricValue']").inner_text()


def submit_patient(page, url: str, language: str) -> dict[int, str]:
    page.goto(url + "/patient")
    page.locator(".st-key-predict button").wait_for()
    idle(page)
    for key, kind, value in ENTRIES[language]:
        enter(page, key, kind, value)
    page.locator(".st-key-predict button").click()
    page.locator(".st-key-surv_60 [data-testid='stMetricValue']").wait_for()
    page.locator(".st-key-contributions .js-plotly-plot").wait_for()
    idle(page)
    return {m: shown(page, m) for m in HORIZONS}


def whole_page(page, name: str) -> None:
    height = page.evaluate(
        "() => document.querySelector('[data-testid=stMainBlockContainer]').scrollHeight")
    size = page.viewport_size
    page.set_viewport_size({"width": size["width"], "height": int(height) + 160})
    page.wait_for_timeout(600)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
    page.set_viewport_size(size)


def test_a_clinician_switches_to_chinese_and_gets_the_same_percentages(app_server, page_in):
    url = app_server["url"]
    english = page_in("en")
    expected = submit_patient(english, url, "en")
    assert all(re.fullmatch(r"\d{1,3}\.\d%", v) for v in expected.values()), expected

    page = page_in("en")
    page.goto(url + "/")
    page.get_by_role("heading", level=1).first.wait_for()
    # the selector, in the sidebar, switches every word (and the page names)
    page.locator(".st-key-language").get_by_text("简体中文").click()
    expect(page.get_by_role("heading", level=1).first).to_contain_text("肝转移")
    expect(page.get_by_role("link", name="患者")).to_be_visible()
    page.get_by_role("link", name="患者").click()
    page.locator(".st-key-predict button").wait_for()
    expect(page.get_by_role("heading", level=1).first).to_have_text("患者：生存估计")
    idle(page)
    for key, kind, value in ENTRIES["zh"]:
        enter(page, key, kind, value)
    page.locator(".st-key-predict button").click()
    page.locator(".st-key-contributions .js-plotly-plot").wait_for()
    idle(page)
    assert {m: shown(page, m) for m in HORIZONS} == expected
    assert "生存率" in page.locator(".st-key-surv_60").inner_text()
    assert "95% CI" in page.locator(".st-key-surv_60").inner_text()
    # the charts' titles and axes are Chinese
    titles = page.locator(".js-plotly-plot .gtitle").all_text_contents()
    assert titles and all(re.search(r"[\u4e00-\u9fff]", t) for t in titles), titles
    whole_page(page, "patient_results_zh")

    with page.expect_download(timeout=90_000) as download:
        page.get_by_text("下载报告（PDF）").click()
    report = Path(download.value.path()).read_bytes()
    reader = PdfReader(io.BytesIO(report))
    text = "".join(p.extract_text() for p in reader.pages).replace("\x00", "")
    flat = re.sub(r"\s+", "", text)
    for heading in ("生存估计", "估计总生存期", "录入的输入项", "估计的依据"):
        assert heading in flat
    for value in expected.values():
        assert value in flat
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "patient_report_zh.pdf").write_bytes(report)
    if shutil.which("pdftoppm"):
        subprocess.run(["pdftoppm", "-r", "70", "-png", "-f", "1", "-l", "1",
                        str(ARTIFACTS / "patient_report_zh.pdf"),
                        str(ARTIFACTS / "patient_report_zh")], check=True)


@pytest.mark.parametrize("language", ["en", "zh"])
def test_every_page_passes_axe_before_and_after_a_patient(app_server, page_in, language):
    page = page_in(language)
    found = {}
    for path in PAGES:
        page.goto(app_server["url"] + "/" + path)
        page.get_by_role("heading", level=1).first.wait_for()
        found[path or "home"] = audit(page, f"{path or 'home'}_{language}")
    submit_patient(page, app_server["url"], language)
    found["patient_results"] = audit(page, f"patient_results_{language}")
    assert found == {name: [] for name in found}


@pytest.mark.parametrize("language", ["en", "zh"])
def test_the_cohort_page_passes_axe_after_an_upload(app_server, page_in, language, tmp_path):
    path = tmp_path / "cohort.csv"
    path.write_text(cohort_csv_text(generate_cohort(600, 5)), encoding="utf-8")
    page = page_in(language)
    page.goto(app_server["url"] + "/cohort")
    page.locator(".st-key-cohort_file input[type=file]").wait_for(state="attached")
    idle(page)
    page.locator(".st-key-cohort_file input[type=file]").set_input_files(str(path))
    page.get_by_text("cohort.csv").first.wait_for()
    page.wait_for_function("document.querySelectorAll('.js-plotly-plot .main-svg').length >= 2")
    assert audit(page, f"cohort_upload_{language}") == []


def test_the_patient_page_by_keyboard_only(app_server, page_in):
    """Tab to each field, type or pick with the arrow keys and Enter, tick with Space,
    submit with Enter, then Tab to the report and download it with Enter: no mouse."""
    page = page_in("en")
    page.goto(app_server["url"] + "/patient")
    page.locator(".st-key-predict button").wait_for()
    idle(page)
    page.locator(".st-key-age input").focus()  # where a Tab from the page's top arrives

    def tab_to(key: str, element: str = "input") -> None:
        """Tab until the field's own control has the focus (past its help button)."""
        for _ in range(80):
            if page.evaluate(f"() => document.activeElement.matches('.st-key-{key} {element}')"):
                return
            page.keyboard.press("Tab")
        raise AssertionError(f"Tab never reached {key}")

    def pick(key: str, typed: str, shown_as: str) -> None:
        tab_to(key)
        page.keyboard.type(typed)
        page.keyboard.press("Enter")
        expect(page.locator(f".st-key-{key} input")).to_have_value(shown_as)

    page.keyboard.type("63")
    pick("sex", "Fem", "Female")
    pick("ecog", "light", "1 - light work only")
    pick("met_timing", "Synch", "Synchronous")
    pick("liver_burden", "25-", "25-50%")
    pick("sstr_status", "Posi", "Positive")
    pick("primary_site", "Pancr", "Pancreas")
    tab_to("primary_ki67")
    page.keyboard.type("12")
    tab_to("primary_resected")
    page.keyboard.press("Space")
    expect(page.locator(".st-key-primary_resected input")).to_be_checked()
    tab_to("met_ki67")
    page.keyboard.type("25")
    tab_to("predict", "button")
    page.keyboard.press("Enter")
    page.locator(".st-key-surv_60 [data-testid='stMetricValue']").wait_for()
    idle(page)
    assert re.fullmatch(r"\d{1,3}\.\d%", shown(page, 60))
    with page.expect_download(timeout=90_000) as download:
        tab_to("report", "button")
        page.keyboard.press("Enter")
    assert Path(download.value.path()).read_bytes().startswith(b"%PDF-")


def test_switching_language_with_a_filled_form_keeps_the_patient(app_server, page_in):
    """A clinician fills the form in English, switches to Chinese and estimates again: the
    choices keep their values (a selectbox keeps its chosen label, which the new language
    no longer offers)."""
    url = app_server["url"]
    page = page_in("en")
    expected = submit_patient(page, url, "en")
    page.locator(".st-key-language").get_by_text("简体中文").click()
    expect(page.get_by_role("heading", level=1).first).to_have_text("患者：生存估计")
    idle(page)
    page.locator(".st-key-predict button").click()
    page.locator(".st-key-contributions .js-plotly-plot").wait_for()
    idle(page)
    assert page.locator("[data-testid='stAlertContentError']").count() == 0
    assert {m: shown(page, m) for m in HORIZONS} == expected
