"""The command line as a researcher meets it: bad numbers, files where folders belong
(and back), the already-active model, an empty history, and model cards that stay
readable whatever their metrics hold. Each error is one `error:` line, exit 2."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from risk.cli import main
from risk.cli.models import format_card

REPO = Path(__file__).resolve().parents[1]
COHORT = REPO / "data" / "synthetic" / "cohort.csv"


def run(capsys, *argv) -> tuple[int, str, str]:
    try:
        code = main([str(a) for a in argv])
    except SystemExit as exc:  # argparse's usage errors
        code = exc.code
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def models(tmp_path) -> Path:
    """A private copy of the shipped registry."""
    copy = tmp_path / "models"
    shutil.copytree(REPO / "models", copy, ignore=shutil.ignore_patterns(".lock", ".tmp-*"))
    return copy


@pytest.mark.parametrize(("argv", "message"), [
    (["train", "--data", COHORT, "--evaluate", "-5", "--model-dir", "m"],
     "argument --evaluate: must be a whole number >= 0; got '-5'"),
    (["evaluate", "--data", COHORT, "--out", "r", "--jobs", "0", "--model-dir", "m"],
     "argument --jobs: must be -1 (all cores) or a whole number >= 1; got '0'"),
    (["models", "list", "--model-dir", COHORT], "is a file, not a folder"),
    (["predict", "--input", COHORT, "--output", "o.csv", "--model-dir", COHORT],
     "is a file, not a folder"),
])
def test_bad_settings_are_refused_before_any_work(capsys, tmp_path, monkeypatch, argv,
                                                  message):
    monkeypatch.chdir(tmp_path)
    code, out, err = run(capsys, *argv)
    assert code == 2
    assert message in err
    assert "Traceback" not in err and not list(tmp_path.iterdir())


def test_a_folder_given_as_the_input_file_is_named_as_a_folder(capsys, tmp_path, models):
    code, _, err = run(capsys, "predict", "--input", tmp_path, "--output",
                       tmp_path / "o.csv", "--model-dir", models)
    assert code == 2
    assert err.strip() == f"error: --input {tmp_path} is a folder: give the CSV file"


def test_a_file_given_as_the_report_folder_is_refused(capsys, tmp_path, models):
    taken = tmp_path / "report"
    taken.write_text("mine\n")
    code, _, err = run(capsys, "evaluate", "--data", COHORT, "--out", taken, "--model-dir",
                       models, "--bootstrap", "0")
    assert code == 2
    assert f"error: --out {taken} is a file" in err
    assert taken.read_text() == "mine\n"


def test_activating_the_active_version_says_so(capsys, models):
    code, out, _ = run(capsys, "models", "activate", "synthetic-v1", "--model-dir", models)
    assert code == 0
    assert out.strip() == "active model: synthetic-v1 (it already was)"


def test_an_empty_history_is_said_plainly(capsys, tmp_path):
    code, out, _ = run(capsys, "models", "history", "--model-dir", tmp_path / "none")
    assert code == 0
    assert out.strip().startswith("no model version has been activated in")


# ---------------------------------------------------------------- models show
def _shown(metrics: dict, settings: dict | None = None) -> dict:
    card = {"kind": "trained", "created_utc": "2026-01-01T00:00:00Z", "intended_use": "x",
            "training_data": {"patients": 800, "events": 339},
            "settings": settings or {}, "metrics": metrics, "libraries": {}}
    return {"version": "v", "active": False, "card": card, "model": {},
            "manifest": {"files": {"model.json": "ab" * 32}}}


def test_a_stored_validation_report_is_summarised_in_one_line_not_dumped():
    curve = [{"predicted_risk": i / 50, "observed_risk": i / 50} for i in range(50)]
    report = {"n": 1000, "events": 445, "harrell_c": 0.768, "harrell_c_lower": 0.745,
              "harrell_c_upper": 0.791, "harrell_c_corrected": 0.759,
              "calibration_slope_60": 1.096, "delta_c": 0.034, "delta_c_lower": 0.019,
              "delta_c_upper": 0.047, "settings": {"bootstrap": 200},
              "calibration": {"60": {"curve": curve}}}
    text = format_card(_shown({"c_index_apparent_training": 0.7682, "evaluation": report}))
    lines = text.splitlines()
    assert len(lines) < 12 and max(map(len, lines)) < 300
    assert ("validation report on 1000 patients (445 deaths, 200 bootstrap resamples): "
            "Harrell's C 0.768 (0.745-0.791); optimism-corrected 0.759") in text
    assert "C gained with the liver biopsy 0.034 (0.019-0.047)" in text
    assert "predicted_risk" not in text


def test_nested_metrics_and_settings_read_as_text_not_python():
    metrics = {"harrell_c": 0.76061, "measured_on": "the training cohort",
               "compared_with": {"version": "synthetic-v1", "harrell_c": 0.7547,
                                 "measured_on": "the same cohort"},
               "biopsy_model_observed_vs_predicted": [
                   {"months": 12, "observed": 0.8207, "predicted_after": 0.8174}]}
    text = format_card(_shown(metrics, {"biopsy_model_slope": 1.0113149428003136,
                                        "column_mapping": {"age": "age_years"}}))
    assert "{'" not in text and "[{" not in text
    assert "biopsy_model_slope 1.011," in text
    assert "column_mapping {age: age_years}" in text
    assert ("compared_with synthetic-v1: harrell_c 0.7547; measured on the same cohort"
            in text)
    assert "  months 12, observed 0.8207, predicted_after 0.8174" in text
