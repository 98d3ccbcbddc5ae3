"""The command line with Excel workbooks: validate, train, evaluate, recalibrate and
predict read .xlsx (first sheet or --sheet), predict writes .xlsx."""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from workbooks import cohort_workbook

from risk.cli import main

ROOT = Path(__file__).parents[2]
SHIPPED = ROOT / "data" / "synthetic" / "cohort.csv"
CORPUS = ROOT / "tests" / "data" / "malformed"


@pytest.fixture(scope="module")
def workbook(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("excel") / "cohort.xlsx"
    path.write_bytes(cohort_workbook(SHIPPED, extra_sheets=("Read me",)))
    return path


def test_validate_reads_the_first_sheet_and_names_the_others(workbook, capsys):
    assert main(["validate", "--data", str(workbook), "--purpose", "training"]) == 0
    out = capsys.readouterr().out
    assert "patients: 1,000" in out
    assert "read sheet 'Cohort' of the workbook; its other worksheets ('Read me')" in out
    assert "column E (primary_ki67): 804 cells formatted as percent" in out


def test_validate_a_bad_workbook_names_sheet_row_and_letter(capsys):
    assert main(["validate", "--data", str(CORPUS / "bad_cells.xlsx")]) == 2
    err = capsys.readouterr().err
    assert "sheet 'Cohort', row 3, column B 'age': not a number (got 'sixty')" in err
    assert "Traceback" not in err


@pytest.mark.parametrize(("args", "words"), [
    (["--sheet", "Nope"], "no sheet named 'Nope'; allowed: one of 'Cohort', 'Notes'"),
    (["--sheet", "Cohort"], None),
])
def test_validate_sheet_option(args, words, capsys):
    code = main(["validate", "--data", str(CORPUS / "several_sheets.xlsx"), *args])
    captured = capsys.readouterr()
    assert code == (0 if words is None else 2)
    if words:
        assert words in captured.err
    else:
        assert "read sheet" not in captured.out  # asked for: no note about the others


@pytest.mark.parametrize("name", ["old_format.xls", "encrypted.xlsx", "macro_enabled.xlsm",
                                  "not_a_workbook.xlsx"])
def test_refused_workbooks_exit_2_with_one_reason(name, capsys):
    assert main(["validate", "--data", str(CORPUS / name)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "Traceback" not in err


def test_train_on_the_workbook_gives_the_csv_model(workbook, tmp_path, capsys):
    models = tmp_path / "models"
    for data, version in ((workbook, "from-excel"), (SHIPPED, "from-csv")):
        assert main(["train", "--data", str(data), "--model-dir", str(models),
                     "--version", version]) == 0
    capsys.readouterr()
    excel = json.loads((models / "from-excel" / "model.json").read_text())
    csv = json.loads((models / "from-csv" / "model.json").read_text())
    assert excel == csv


def test_evaluate_and_recalibrate_read_a_workbook(workbook, tmp_path, capsys):
    models = tmp_path / "models"
    assert main(["train", "--data", str(SHIPPED), "--model-dir", str(models),
                 "--version", "base", "--activate"]) == 0
    assert main(["evaluate", "--data", str(workbook), "--sheet", "Cohort", "--out",
                 str(tmp_path / "report"), "--model-dir", str(models),
                 "--bootstrap", "0"]) == 0
    assert main(["recalibrate", "--data", str(workbook), "--model-dir", str(models),
                 "--version", "recal"]) == 0
    out = capsys.readouterr().out
    assert "evaluating model base on 1000 patients" in out
    assert "saved model version recal" in out


def test_predict_reads_and_writes_workbooks(workbook, tmp_path, capsys):
    from openpyxl import load_workbook

    csv_out, xlsx_out = tmp_path / "p.csv", tmp_path / "p.xlsx"
    assert main(["predict", "--input", str(SHIPPED), "--output", str(csv_out)]) == 0
    assert main(["predict", "--input", str(workbook), "--output", str(xlsx_out),
                 "--chunk-rows", "300", "--jobs", "1"]) == 0
    capsys.readouterr()
    rows = list(load_workbook(xlsx_out, read_only=True).active.values)
    from_excel = pd.DataFrame(rows[1:], columns=rows[0])
    from_csv = pd.read_csv(csv_out, keep_default_na=False, na_values=[""],
                           float_precision="round_trip")
    assert list(from_excel.columns) == list(from_csv.columns)
    numeric = from_csv.select_dtypes("number").columns
    np.testing.assert_allclose(from_excel[numeric].astype(float), from_csv[numeric],
                               rtol=0)  # the same 12 significant digits
    assert from_excel["patient_id"].tolist() == from_csv["patient_id"].tolist()


def test_predict_problems_of_a_workbook_in_chunks_name_excel_rows(tmp_path, capsys):
    from workbooks import cohort_rows, workbook_bytes

    rows, formats = cohort_rows(SHIPPED.read_text(encoding="utf-8"))
    rows = rows[:11]
    rows[8][1] = "old"  # Excel row 9, the third chunk of 3 rows
    rows[10][0] = rows[2][0]  # row 11 repeats row 3's id: two chunks
    path = tmp_path / "bad.xlsx"
    path.write_bytes(workbook_bytes(rows, formats=formats))
    assert main(["predict", "--input", str(path), "--output", str(tmp_path / "o.xlsx"),
                 "--chunk-rows", "3", "--jobs", "1"]) == 2
    err = capsys.readouterr().err
    assert "sheet 'Cohort', row 9, column B 'age': not a number (got 'old')" in err
    assert "sheet 'Cohort', row 3, column A 'patient_id': patient_id is not unique " \
           "(also in row 11)" in err
    assert not (tmp_path / "o.xlsx").exists()


def test_predict_from_a_workbook_to_excel_writes_the_same_fhir_bundle(workbook, tmp_path,
                                                                      capsys):
    """--fhir-out reads the input as predict did (the sheet) and the .xlsx predictions."""
    csv_bundle, xlsx_bundle = tmp_path / "csv.json", tmp_path / "xlsx.json"
    head = tmp_path / "head.csv"
    head.write_text("".join(SHIPPED.read_text().splitlines(keepends=True)[:41]))
    small = tmp_path / "head.xlsx"
    small.write_bytes(cohort_workbook(head))
    assert main(["predict", "--input", str(head), "--output", str(tmp_path / "a.csv"),
                 "--fhir-out", str(csv_bundle)]) == 0
    assert main(["predict", "--input", str(small), "--output", str(tmp_path / "b.xlsx"),
                 "--fhir-out", str(xlsx_bundle)]) == 0
    capsys.readouterr()
    a, b = (json.loads(p.read_text()) for p in (csv_bundle, xlsx_bundle))
    assert len(a["entry"]) == len(b["entry"]) > 40
    risks = [[e["resource"]["prediction"] for e in bundle["entry"]
              if e["resource"]["resourceType"] == "RiskAssessment"] for bundle in (a, b)]
    def numbers(node):  # every number of the predictions, in order
        if isinstance(node, dict):
            return [x for v in node.values() for x in numbers(v)]
        if isinstance(node, list):
            return [x for v in node for x in numbers(v)]
        return [node] if isinstance(node, int | float) else []

    # The same to the 12 significant digits both files keep.
    np.testing.assert_allclose(numbers(risks[1]), numbers(risks[0]), rtol=1e-11)
