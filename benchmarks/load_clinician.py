"""The load benchmark's clinician: patients with the CLI's estimate of each, entered and
submitted on the Patient page in a real browser, and the timings' summary."""

from __future__ import annotations

import csv
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from benchmarks.load_server import REPO

RESULT = ".st-key-surv_60 [data-testid='stMetricValue']"
# Fields every patient shares (key, kind, value as shown); age and liver Ki-67 vary.
FIXED = [("sex", "select", "Female"), ("ecog", "select", "1 - light work only"),
         ("met_timing", "select", "Synchronous"), ("liver_burden", "select", "25-50%"),
         ("sstr_status", "select", "Positive"), ("primary_site", "select", "Pancreas"),
         ("primary_ki67", "number", "12")]
FIXED_ROW = {"sex": "female", "primary_site": "pancreas", "primary_ki67": "12",
             "primary_mitoses": "", "primary_grade": "", "met_mitoses": "", "met_grade": "",
             "met_timing": "synchronous", "liver_burden": "25to50", "extrahepatic_mets": "0",
             "primary_resected": "0", "functional_syndrome": "0", "ecog": "1",
             "sstr_status": "positive"}


@dataclass(frozen=True)
class Patient:
    age: int
    met_ki67: float
    expected: str  # the 5-year survival as the page shows it, from `python -m risk predict`


def load_patients(folder: Path) -> list[Patient]:
    """Patients whose 5-year survival differs at the page's precision, with the CLI's
    estimate of each."""
    pairs = [(age, ki67) for ki67 in (4, 9, 15, 24, 35, 50) for age in range(30, 90, 3)]
    source, output = folder / "patients.csv", folder / "predicted.csv"
    with source.open("w", newline="") as f:
        writer = csv.DictWriter(f, ["patient_id", "age", "met_ki67", *FIXED_ROW])
        writer.writeheader()
        for i, (age, ki67) in enumerate(pairs):
            writer.writerow({"patient_id": f"load{i}", "age": age, "met_ki67": ki67,
                             **FIXED_ROW})
    subprocess.run([sys.executable, "-m", "risk", "predict", "--input", str(source),
                    "--output", str(output)], cwd=REPO, check=True, capture_output=True)
    with output.open(encoding="utf-8-sig") as f:
        shown = [f"{100 * float(row['surv_60']):.1f}%" for row in csv.DictReader(f)]
    seen, out = set(), []
    for (age, ki67), text in zip(pairs, shown, strict=True):
        if text not in seen:  # distinct results: each submit is recognised by its number
            seen.add(text)
            out.append(Patient(age, ki67, text))
    return out


async def enter(page, key: str, kind: str, value: str) -> None:
    field = page.locator(f".st-key-{key}")
    if kind == "number":
        await field.locator("input").fill(value)
        await field.locator("input").press("Tab")
    else:
        await field.locator("input").click()
        await page.get_by_role("option", name=value, exact=True).click()


async def open_patient_page(context, url: str):
    page = await context.new_page()
    page.set_default_timeout(180_000)
    await page.goto(url + "/patient")
    await page.locator(".st-key-predict button").wait_for()
    for key, kind, value in FIXED:
        await enter(page, key, kind, value)
    return page


MISSED: list[str] = []  # submissions whose own result never showed (what showed instead)


async def submit(page, patient: Patient) -> float:
    """Enter ``patient``'s age and liver Ki-67, submit, and wait for their own result;
    seconds from the click to the result on screen (a result that never shows is
    recorded in :data:`MISSED` with the time waited)."""
    from playwright.async_api import TimeoutError as PlaywrightTimeout

    await enter(page, "age", "number", str(patient.age))
    await enter(page, "met_ki67", "number", f"{patient.met_ki67:g}")
    started = time.perf_counter()
    await page.locator(".st-key-predict button").click()
    try:
        await page.wait_for_function(
            "([sel, text]) => { const e = document.querySelector(sel);"
            " return e !== null && e.innerText.trim() === text; }",
            arg=[RESULT, patient.expected], timeout=120_000)
    except PlaywrightTimeout:
        shown = await page.locator(RESULT).all_inner_texts()
        MISSED.append(f"expected {patient.expected}, shown {shown}")
    return time.perf_counter() - started


async def exceptions(page) -> int:
    return await page.locator("[data-testid='stException']").count()


def summary(values: list[float]) -> str:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]
    return f"median {statistics.median(ordered):.3f} s, p95 {p95:.3f} s (n = {len(ordered)})"


#: Run in the page before its own scripts: the moment the form's button is first laid out
#: on screen (checked every frame), in the browser's clock as Unix time (ms). Playwright's
#: own wait polls, at growing intervals up to 0.5 s, so it returns later than that.
_BUTTON_PROBE = """
(() => {
  const check = () => {
    const button = document.querySelector('.st-key-predict button');
    const box = button && button.getBoundingClientRect();
    if (box && box.width > 0 && box.height > 0) {
      window.__buttonShownAt = performance.timeOrigin + performance.now();
    } else {
      requestAnimationFrame(check);
    }
  };
  requestAnimationFrame(check);
})();
"""


@dataclass(frozen=True)
class FormShown:
    """When a tab opened the Patient page and when its form's button was on screen
    (``time.perf_counter`` seconds)."""

    opened: float
    painted: float  # by the page's own clock, to a frame
    waited: float  # when Playwright's wait for the button returned

    @property
    def seconds(self) -> float:
        """From opening the tab to the button on screen."""
        return self.painted - self.opened


async def patient_form_shown(context, url: str) -> FormShown:
    """Open the Patient page in a new tab of ``context`` and wait for its form's button
    on screen (the tab is closed afterwards)."""
    page = await context.new_page()
    page.set_default_timeout(180_000)
    await page.add_init_script(_BUTTON_PROBE)
    opened = time.perf_counter()
    await page.goto(url + "/patient")
    await page.locator(".st-key-predict button").wait_for()
    waited = time.perf_counter()
    shown_at = await page.wait_for_function("window.__buttonShownAt")
    # the browser's Unix time to this process's perf_counter (one clock, one machine)
    painted = await shown_at.json_value() / 1000 - (time.time() - time.perf_counter())
    await page.close()
    return FormShown(opened, min(painted, waited), waited)
