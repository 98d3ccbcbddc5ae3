"""AppTest flows of the model page: the card of the active version, hazard ratios of both
models, baseline survival, the stored evaluation (a full report, headline numbers only,
or none: said plainly), the version history, the synthetic-data label, and no model.

A small model is fitted in memory and saved, with different cards, to temporary
registries that ``RISK_MODEL_DIR`` points the app at.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest
from cohort_frames import make_cohort
from streamlit.testing.v1 import AppTest

from risk.evaluation.report import evaluate
from risk.model import BiopsyRiskModel
from risk.registry.card import build_card, data_fingerprint
from risk.registry.store import MODEL_DIR_ENV, Registry

REPO = Path(__file__).resolve().parents[2]
APP = str(REPO / "app.py")
SHIPPED = REPO / "data" / "synthetic" / "cohort.csv"


@pytest.fixture(scope="module")
def frame():
    return make_cohort(400, seed=3)


@pytest.fixture(scope="module")
def fitted(frame):
    return BiopsyRiskModel(penalizer=0.1, extra_terms=[]).fit(frame)


@pytest.fixture(scope="module")
def report(fitted, frame) -> dict:
    return evaluate(fitted, frame, bootstrap=0).to_dict()


def save(folder: Path, fitted, card: dict, version: str, activate: bool = True) -> str:
    return Registry(folder).save(fitted.to_dict(), card, version=version, activate=activate)


def model_page(tab: str | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120).run()
    at.switch_page("pages/model.py")
    if tab:
        at.session_state["model_tab"] = tab
    at.run()
    assert not at.exception
    return at


@pytest.fixture
def registry_with(tmp_path, monkeypatch, fitted, frame):
    """Save the fitted model with the given metrics (and extra card fields) as 'v1'."""

    def make(metrics: dict | None = None, raw: bytes | None = None, **card) -> Path:
        fingerprint = data_fingerprint(frame, raw)
        save(tmp_path, fitted, build_card(training_data=fingerprint, metrics=metrics, **card),
             "v1")
        monkeypatch.setenv(MODEL_DIR_ENV, str(tmp_path))
        return tmp_path

    return make


def tables(at: AppTest) -> list:
    """The static tables, as read on screen (cells are sent Markdown-escaped)."""
    def as_read(cell):
        return re.sub(r"\\(.)", r"\1", cell).replace("\u2060", "") \
            if isinstance(cell, str) else cell
    return [t.value.map(as_read) for t in at.get("table")]


def facts(at: AppTest) -> dict[str, str]:
    """The card's headline facts (version, created, kind, parent), as read on screen."""
    labels = ("Version", "Created", "Kind", "Parent version")
    values = [re.sub(r"\\(.)", r"\1", c.markdown[0].value) for c in at.columns[:len(labels)]]
    return dict(zip(labels, values, strict=True))


def table_text(at: AppTest) -> str:
    return " ".join(t.to_csv() for t in tables(at))


def test_the_card_of_the_active_version(registry_with, frame):
    registry_with(notes="trained for the test")
    at = model_page()
    assert facts(at)["Version"] == "v1" and facts(at)["Parent version"] == "none"
    assert "Research and decision-support prototype" in at.info[0].value
    cells = table_text(at)
    assert f"{len(frame):,}" in cells and f"{int(frame['death'].sum()):,}" in cells
    for library in ("lifelines", "numpy", "pandas", "scikit-learn"):
        assert library in cells
    bullets = " ".join(m.value for m in at.markdown)
    assert "Prognostic, not predictive" in bullets and "trained for the test" in bullets
    assert not any("synthetic" in w.value.lower() for w in at.warning)  # not trained on it


@pytest.mark.parametrize(("language", "date"), [("en", "Dec 2, 2026"),
                                                ("zh_Hans", "2026年12月2日")])
def test_the_creation_date_is_shown_once_in_the_languages_format(
        tmp_path, monkeypatch, fitted, frame, language, date):
    """The card once read "Created 2026-12-02 / 2026-12-02 at 17:03:06 UTC"."""
    card = build_card(training_data=data_fingerprint(frame)).model_copy(
        update={"created_utc": "2026-12-02T17:03:06Z"})
    save(tmp_path, fitted, card, "v1")
    monkeypatch.setenv(MODEL_DIR_ENV, str(tmp_path))
    at = AppTest.from_file(APP, default_timeout=120)
    at.session_state["language"] = language
    at.run()
    at.switch_page("pages/model.py").run()
    assert not at.exception
    shown = [e.value for c in at.columns[:4] for e in [*c.markdown, *c.caption]]
    assert [text for text in shown if "2026" in text or "12月" in text] == [date]
    assert "17:03 UTC" in shown


def test_the_shipped_synthetic_model_is_labelled(registry_with):
    registry_with(raw=SHIPPED.read_bytes())
    at = model_page()
    assert "Trained on synthetic data" in at.warning[0].value
    assert "data/synthetic/cohort.csv" in table_text(at)
    at.session_state["model_tab"] = "Hazard ratios"
    at.run()
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert "Synthetic data" in json.dumps(spec["layout"]["annotations"])


def test_a_recalibration_of_the_synthetic_model_is_labelled_synthetic(
        tmp_path, monkeypatch, fitted, frame):
    """A recalibrated version keeps its parent's coefficients: recalibrating the shipped
    synthetic model on a local file leaves every hazard ratio synthetic, and the page
    must say so (it once looked at the version's own file only). Its long name is shown
    whole (a metric cut it to "synthetic-v1...")."""
    save(tmp_path, fitted, build_card(training_data=data_fingerprint(
        frame, SHIPPED.read_bytes())), "synthetic-v1", activate=False)
    local = data_fingerprint(frame, b"a local cohort file")
    name = "synthetic-v1-recalibrated-centre-b"
    save(tmp_path, fitted, build_card(training_data=local, kind="recalibrated",
                                      parent="synthetic-v1"), name)
    monkeypatch.setenv(MODEL_DIR_ENV, str(tmp_path))
    at = model_page()
    assert "Trained on synthetic data" in at.warning[0].value
    assert facts(at)["Version"] == name and facts(at)["Parent version"] == "synthetic-v1"
    cells = table_text(at)
    assert "coefficients are those of version synthetic-v1" in cells
    assert "itself resting on the shipped synthetic cohort" in cells
    assert any(m.value.startswith("**Recalibration data**") for m in at.markdown)
    at.session_state["model_tab"] = "Hazard ratios"
    at.run()
    assert "Synthetic data" in json.dumps(
        json.loads(at.get("plotly_chart")[0].proto.spec)["layout"]["annotations"])


def test_hazard_ratios_of_both_models(registry_with, fitted):
    registry_with()
    at = model_page("Hazard ratios")
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    names = [t["name"] for t in spec["data"]]
    assert len(names) == 2 and "biopsy model" in names[0] and "comparator" in names[1]
    served = next(t for t in spec["data"] if "biopsy model" in t["name"])
    assert len(served["customdata"]) == len(fitted.biopsy_model_.coef_)
    table = tables(at)[0]  # static: both models' columns on screen
    assert [c for c in table.columns if c.endswith(": p")] == [
        "With the liver biopsy (biopsy model): p", "Primary only (comparator): p"]
    liver = table[table["Characteristic"] == "Liver biopsy WHO grade"].iloc[-1]
    g3 = float(np.exp(fitted.biopsy_model_.coef_["met_grade[G3]"]))
    assert liver.iloc[2].startswith(f"{g3:.2f} (")


def test_baseline_survival(registry_with, fitted):
    registry_with()
    at = model_page("Baseline survival")
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert len(spec["data"]) == 4  # reference patient and baseline, for each model
    h0 = fitted.biopsy_model_.baseline_.cumulative_hazard[60]
    assert f"{100 * np.exp(-h0):.1f}%" in table_text(at)
    assert "The reference patient:" in " ".join(m.value for m in at.markdown)


def test_a_stored_full_report_is_shown_with_its_figures(registry_with, report):
    registry_with(metrics={"evaluation": report})
    at = model_page("Validation")
    table = tables(at)[0]
    first = table.iloc[0]
    assert first["Metric"] == "Harrell's C"
    assert first.iloc[1] == f"{report['harrell_c']:.3f}"
    assert first.iloc[2] == f"{report['comparator']['harrell_c']:.3f}"
    assert len(at.get("plotly_chart")) >= 4
    assert f"Measured on {report['n']:,} patients" in " ".join(m.value for m in at.markdown)


def test_headline_numbers_only(registry_with):
    registry_with(metrics={"harrell_c": 0.712, "harrell_c_lower": 0.69,
                           "harrell_c_upper": 0.735, "measured_on": "the board's cohort"})
    at = model_page("Validation")
    assert "0.712 (0.690 to 0.735)" in table_text(at)
    assert "the board's cohort" in " ".join(m.value for m in at.markdown)
    assert "Only the headline numbers" in " ".join(c.value for c in at.caption)
    assert not at.get("plotly_chart")


def test_no_stored_evaluation_is_said_plainly(registry_with):
    registry_with(metrics={"c_index_apparent_training": 0.7712})
    at = model_page("Validation")
    assert "No stored evaluation for version v1" in at.info[0].value
    assert "0.771" in " ".join(m.value for m in at.markdown)


def test_version_history_with_parents(registry_with, fitted, frame):
    folder = registry_with()
    save(folder, fitted, build_card(training_data=data_fingerprint(frame),
                                    kind="recalibrated", parent="v1"), "v2")
    at = model_page("Version history")
    versions = at.dataframe[0].value
    assert versions["Version"].tolist() == ["v2", "v1"]
    assert versions.set_index("Version").loc["v2", "Parent"] == "v1"
    assert versions.set_index("Version").loc["v2", "Active"] == "yes"
    history = tables(at)[0]
    assert history["Version"].tolist() == ["v2", "v1"]
    # counts written like the rest of the app ("1,000", not "1000")
    config = json.loads(at.dataframe[0].proto.columns)
    assert {config[c]["type_config"]["format"] for c in ("Patients", "Deaths")} == {"localized"}


def test_without_a_model_the_page_says_so(tmp_path, monkeypatch):
    monkeypatch.setenv(MODEL_DIR_ENV, str(tmp_path))
    at = model_page()
    assert "No model can be shown" in at.error[0].value
