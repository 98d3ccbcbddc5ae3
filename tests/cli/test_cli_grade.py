"""`python -m risk predict` and a grade near a WHO cut-off: grade_uncertain and the
alternative estimates, against the served model's prediction for the same patient entered
with each grade and no count (a different path from the command's)."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from cohort_frames import save_active_model
from scipy.stats import beta

from risk.cli import main
from risk.data.validation import validate_patient
from risk.model.batch import OUTPUT_COLUMNS
from risk.model.grade_sensitivity import GRADE_SENSITIVITY_COLUMNS

REPO = Path(__file__).resolve().parents[2]
BASE = {"age": "63", "sex": "female", "primary_site": "pancreas", "primary_grade": "G2",
        "met_timing": "synchronous", "liver_burden": "25to50", "extrahepatic_mets": "0",
        "primary_resected": "1", "functional_syndrome": "0", "ecog": "1",
        "sstr_status": "positive"}
ROWS = {  # patient_id -> what differs from BASE
    "near20": {"met_ki67": "19"},                                  # 95 of 500: G2 or G3
    "clear": {"met_ki67": "10"},                                   # G2 beyond doubt
    "many_cells": {"met_ki67": "19", "met_cells_counted": "10000"},  # G2 beyond doubt
    "near3": {"primary_grade": "", "primary_ki67": "3"},           # primary G1 or G2
}


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    folder = tmp_path_factory.mktemp("models")
    return save_active_model(folder, "grade-v1"), folder


def predict(served, tmp_path) -> pd.DataFrame:
    model, folder = served
    source, output = tmp_path / "in.csv", tmp_path / "out.csv"
    names = ["patient_id", *BASE, "primary_ki67", "met_ki67", "met_cells_counted"]
    with source.open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=names, restval="")
        writer.writeheader()
        for pid, change in ROWS.items():
            writer.writerow({"patient_id": pid, **BASE, **change})
    assert main(["predict", "--input", str(source), "--output", str(output),
                 "--model-dir", str(folder)]) == 0
    return pd.read_csv(output, dtype={"grade_uncertain": str}, keep_default_na=False,
                       na_values=[""]).set_index("patient_id")


def survival_with(model, change: dict) -> np.ndarray:
    values = {**BASE, **change}
    values = {k: (None if v == "" else v) for k, v in values.items()}
    table = model.predict(validate_patient(values)).table
    return table.loc[0, ["surv_60", "surv_60_lower", "surv_60_upper"]].to_numpy(dtype=float)


def triple(table: pd.DataFrame, pid: str, name: str) -> np.ndarray:
    return table.loc[pid, [name, name + "_lower", name + "_upper"]].to_numpy(dtype=float)


def test_predict_adds_the_grade_columns_and_the_alternative_estimates(served, tmp_path,
                                                                    capsys):
    table = predict(served, tmp_path)
    capsys.readouterr()
    model = served[0]
    assert list(table.reset_index().columns) == list(OUTPUT_COLUMNS)
    assert OUTPUT_COLUMNS[-len(GRADE_SENSITIVITY_COLUMNS):] == GRADE_SENSITIVITY_COLUMNS
    assert table["grade_uncertain"].to_dict() == {"near20": "true", "clear": "false",
                                                  "many_cells": "false", "near3": "true"}
    # 19% of 500 cells: the estimate under G3 and under G2 (the one the file gives)
    np.testing.assert_allclose(triple(table, "near20", "surv_60_if_met_G3"),
                               survival_with(model, {"met_grade": "G3"}), atol=1e-6)
    np.testing.assert_allclose(triple(table, "near20", "surv_60_if_met_G2"),
                               triple(table, "near20", "surv_60"), atol=1e-6)
    assert np.isnan(table.loc["near20", "surv_60_if_met_G1"])
    assert table.loc["near20", "p_met_G3"] == pytest.approx(beta.sf(0.2, 95.5, 405.5),
                                                            abs=1e-6)
    assert np.isnan(table.loc["near20", "p_primary_G2"])  # the primary grade is entered
    # 3% of the primary, no liver grade: G1 or G2, from the primary-only model as served
    np.testing.assert_allclose(
        triple(table, "near3", "surv_60_if_primary_G1"),
        survival_with(model, {"primary_ki67": "", "primary_grade": "G1"}), atol=1e-6)
    # no doubt: every added column blank
    added = [c for c in GRADE_SENSITIVITY_COLUMNS if c != "grade_uncertain"]
    assert table.loc[["clear", "many_cells"], added].isna().all().all()


def test_the_help_and_the_readme_name_the_columns(capsys):
    with pytest.raises(SystemExit):
        main(["predict", "--help"])
    text = capsys.readouterr().out
    readme = (REPO / "README.md").read_text()
    for words in ("grade_uncertain", "surv_60_if_met_G3", "p_met_G3", "met_cells_counted",
                  "Clopper-Pearson", "Garwood"):
        assert words in text and words in readme, words
