"""`python -m risk validate`: a summary and exit 0, or one line per problem and exit 2."""

import subprocess
import sys
from pathlib import Path

import pytest
from validation_helpers import BASE_ROWS, rows, to_csv

from risk import schema
from risk.cli import main

CORPUS = Path(__file__).resolve().parents[1] / "data" / "malformed"


def _write(tmp_path, text: str, name: str = "cohort.csv") -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_a_valid_training_file_prints_its_summary(tmp_path, capsys):
    path = _write(tmp_path, to_csv(rows({"centre": "north"}), list(schema.COLUMN_NAMES)
                                   + ["centre"]))
    assert main(["validate", "--data", path, "--purpose", "training"]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    assert out.splitlines() == [
        f"{path}: valid for training",
        "patients: 4",
        "deaths: 2 (50.0%)",
        # reverse KM flat at 1/2 from 60 to 84 months: R's midpoint (test_validation.py)
        "median follow-up: 72.0 months (reverse Kaplan-Meier)",
        "columns ignored: centre",
        "note: met_grade derived from Ki-67/mitoses in 1 row",
        "note: sstr_status blank in 1 row, read as 'unknown'",
        "note: differentiation blank in 1 row, read as 'well'",
    ]


def test_without_outcomes_the_summary_says_so(tmp_path, capsys):
    columns = [c for c in schema.COLUMN_NAMES if c not in schema.OUTCOME_COLUMNS]
    path = _write(tmp_path, to_csv(BASE_ROWS, columns))
    assert main(["validate", "--data", path]) == 0
    out = capsys.readouterr().out
    assert "deaths: not given (no outcome columns)" in out
    assert "median follow-up: not given" in out
    assert "columns ignored: none" in out


def test_prediction_lists_the_outcomes_as_ignored(tmp_path, capsys):
    path = _write(tmp_path, to_csv(BASE_ROWS))
    assert main(["validate", "--data", path, "--purpose", "prediction"]) == 0
    assert "columns ignored: os_months, death" in capsys.readouterr().out


def test_problems_are_one_line_each_and_exit_2(tmp_path, capsys):
    path = _write(tmp_path, to_csv(rows({"age": "17"}, {"sex": "x", "ecog": "NA"},
                                        {"differentiation": "poor"})))
    assert main(["validate", "--data", path]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    lines = err.splitlines()
    assert lines[0] == f"error: {path}: 4 problems found"
    assert lines[1:] == [
        "row 1, column 'age': out of range (got '17'); allowed: a number >= 18 and <= 100 "
        "(years)",
        "row 2, column 'sex': not one of the allowed values (got 'x'); allowed: one of "
        "female, male",
        "row 2, column 'ecog': missing-value text is not accepted in a required column: "
        "enter the value (got 'NA'); allowed: a whole number from 0 to 4",
        "row 3, column 'differentiation': poorly differentiated neuroendocrine carcinoma is "
        "outside this tool's intended use (well-differentiated NET only): remove this "
        "patient (got 'poor'); allowed: well (or blank)",
    ]


def test_training_refuses_an_all_censored_file(capsys):
    assert main(["validate", "--data", str(CORPUS / "all_censored.csv"),
                 "--purpose", "training"]) == 2
    assert "every patient is censored" in capsys.readouterr().err
    assert main(["validate", "--data", str(CORPUS / "all_censored.csv")]) == 0


@pytest.mark.parametrize("name", sorted(p.name for p in CORPUS.glob("*.csv")))
def test_never_a_traceback_whatever_the_file(name, capsys):
    code = main(["validate", "--data", str(CORPUS / name), "--purpose", "training"])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    assert "unexpected" not in err
    assert code in (0, 2)
    if code == 2:
        assert err.startswith("error: ") and len(err.splitlines()) >= 2


def test_missing_file_and_folder(tmp_path, capsys):
    assert main(["validate", "--data", str(tmp_path / "absent.csv")]) == 2
    assert "no file named" in capsys.readouterr().err
    assert main(["validate", "--data", str(tmp_path)]) == 2
    assert "is a folder" in capsys.readouterr().err


def test_an_unknown_purpose_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as exc_info:
        main(["validate", "--data", "x.csv", "--purpose", "fitting"])
    assert exc_info.value.code == 2
    assert "invalid choice" in capsys.readouterr().err


def test_as_a_subprocess_a_binary_file_gets_a_clear_line(repo_root):
    done = subprocess.run(
        [sys.executable, "-m", "risk", "validate", "--data", str(CORPUS / "binary.csv")],
        capture_output=True, text=True, cwd=repo_root, timeout=120)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert done.stderr.splitlines()[1].startswith("the file is not UTF-8 text")
