"""`--columns`: the command line matches a file's own column names to the data
dictionary, as the retrain page does, and suggests the matching when columns are missing."""

from __future__ import annotations

import json

import pytest

from risk.cli import main
from risk.registry.store import Registry
from risk.synthetic.generator import generate_cohort

THEIRS = {"age": "Age_years", "met_grade": "Liver grade", "death": "Died"}
MATCHING = "age=Age_years,met_grade=Liver grade"


def run(capsys, *argv) -> tuple[int, str, str]:
    try:
        code = main([str(a) for a in argv])
    except SystemExit as exc:
        code = exc.code
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    root = tmp_path_factory.mktemp("columns")
    frame = generate_cohort(240, seed=4)
    ours = root / "ours.csv"
    frame.to_csv(ours, index=False, na_rep="")
    theirs = root / "theirs.csv"
    frame.rename(columns=THEIRS).to_csv(theirs, index=False, na_rep="")
    return {"root": root, "ours": ours, "theirs": theirs}


def test_missing_columns_come_with_the_matching_to_try(capsys, files):
    code, _, err = run(capsys, "validate", "--data", files["theirs"], "--purpose", "training")
    assert code == 2
    first = err.splitlines()[0]
    assert "your file has columns the data dictionary does not know" in first
    assert first.endswith("e.g. --columns age=age_years")  # the sure guess
    assert "(age_years, liver grade, died)" in first  # every unknown column listed


def test_validate_says_which_columns_were_matched(capsys, files):
    code, out, _ = run(capsys, "validate", "--data", files["theirs"], "--purpose", "training",
                       "--columns", MATCHING + ",death=Died")
    assert code == 0
    assert "columns matched: Age_years -> age, Liver grade -> met_grade, Died -> death" in out


def test_a_matched_file_trains_the_same_model_as_the_file_with_our_names(capsys, files):
    models = files["root"] / "models"
    fast = ["--penalizer", "0.1", "--model-dir", models]
    assert run(capsys, "train", "--data", files["ours"], "--version", "ours", *fast)[0] == 0
    code, _, err = run(capsys, "train", "--data", files["theirs"], "--version", "theirs",
                       "--columns", MATCHING, "--columns", "death=Died", *fast)
    assert code == 0, err
    registry = Registry(models)
    (ours, _), (theirs, card) = registry.read("ours"), registry.read("theirs")
    assert theirs["biopsy_model"]["coefficients"] == ours["biopsy_model"]["coefficients"]
    assert card.settings["column_mapping"] == {"age": "Age_years",
                                                  "met_grade": "Liver grade", "death": "Died"}


def test_evaluate_and_recalibrate_take_the_matching_too(capsys, files, tmp_path):
    models = tmp_path / "models"
    assert run(capsys, "train", "--data", files["ours"], "--penalizer", "0.1", "--activate",
               "--model-dir", models)[0] == 0
    matching = ["--columns", MATCHING + ",death=Died"]
    code, _, err = run(capsys, "evaluate", "--data", files["theirs"], "--out", tmp_path / "r",
                       "--bootstrap", "0", "--model-dir", models, *matching)
    assert code == 0, err
    data = json.loads((tmp_path / "r" / "report.json").read_text())
    assert data["n"] == 240 and data["data"]["column_mapping"]["death"] == "Died"
    code, out, err = run(capsys, "recalibrate", "--data", files["theirs"], "--model-dir",
                         models, *matching)
    assert code == 0, err
    card = Registry(models).read(out.splitlines()[-1])[1]
    assert card.settings["column_mapping"]["age"] == "Age_years"


@pytest.mark.parametrize(("columns", "message"), [
    ("age", "use OURS=YOURS pairs separated by commas (e.g. age=Age_years); got 'age'"),
    ("age=", "got 'age='"),
])
def test_a_malformed_matching_is_a_usage_error(capsys, files, columns, message):
    code, _, err = run(capsys, "validate", "--data", files["theirs"], "--columns", columns)
    assert code == 2 and message in err


def test_a_matching_to_a_column_the_file_lacks_is_named(capsys, files):
    code, _, err = run(capsys, "validate", "--data", files["theirs"], "--columns", "age=Age")
    assert code == 2
    assert "the column matching cannot be used" in err
    assert "the file has no column 'age' to read 'age' from" in err

