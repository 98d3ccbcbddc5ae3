"""Excel workbooks through the one reader: the Excel corpus, the shipped cohort as a
workbook, and the sheet, row and column letter in every message."""

import importlib.util
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from workbooks import cohort_rows, cohort_workbook, workbook_bytes

from risk.data import load_cohort, origin_of, read_cells, sheet_names
from risk.data.sheet import EMPTY_RUN
from risk.errors import ValidationError

CORPUS = Path(__file__).parent / "malformed"
SHIPPED = Path(__file__).parents[2] / "data" / "synthetic" / "cohort.csv"

# Each refused file: (sheet, row, letter, column, words in the message).
REFUSED = {
    "formula_without_value.xlsx": [("Cohort", 3, "B", "age", "formula without a saved value")],
    "excel_error.xlsx": [("Cohort", 4, "B", "age", "Excel error instead of a value")],
    "bad_cells.xlsx": [("Cohort", 3, "B", "age", "not a number (got 'sixty')"),
                       ("Cohort", 5, "C", "sex", "not one of the allowed values (got 'x')")],
    "merged_cells.xlsx": [("Cohort", None, None, None, "merged cells: C3:C4")],
    "hidden_row.xlsx": [("Cohort", None, None, None, "hidden rows hold data: 3")],
    "header_not_first.xlsx": [("Cohort", None, None, None,
                               "must be on row 1: row 1 holds 'GEP-NET cohort")],
    "macro_enabled.xlsm": [(None, None, None, None, "macro-enabled")],
    "encrypted.xlsx": [(None, None, None, None, "protected with a password")],
    "old_format.xls": [(None, None, None, None, "Excel 97-2003 workbook (.xls)")],
    "not_a_workbook.xlsx": [(None, None, None, None, "zip archive but not an Excel workbook")],
}
# Each valid file: words of a note it must carry.
VALID = {
    "percent_ki67.xlsx": "column E (primary_ki67): 3 cells formatted as percent",
    "formula_cached.xlsx": "1 formula cell read as the value Excel last saved",
    "dates.xlsx": "column T (os_months): 4 cells formatted as dates",
    "several_sheets.xlsx": "read sheet 'Cohort' of the workbook; its other worksheets ('Notes')",
    "chart_sheet_first.xlsx": "chart sheets skipped (they hold no table): 'Ages'",
    "empty_rows_to_the_end.xlsx": f"reading stopped at row {EMPTY_RUN + 5:,}",
}


def _make_corpus():
    spec = importlib.util.spec_from_file_location("make_corpus", CORPUS / "make_corpus.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_excel_corpus_is_what_make_corpus_writes():
    written = _make_corpus().excel_corpus()
    assert sorted(written) == sorted(REFUSED.keys() | VALID.keys())
    on_disk = {p.name for p in CORPUS.iterdir() if p.suffix in (".xlsx", ".xlsm", ".xls")}
    assert on_disk == set(written)
    for name, data in written.items():
        assert (CORPUS / name).read_bytes() == data, name


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_each_refused_workbook_names_sheet_row_and_column_letter(name):
    with pytest.raises(ValidationError) as caught:
        load_cohort(CORPUS / name, "training")
    found = [(p.sheet, p.row, p.letter, p.column, str(p)) for p in caught.value.problems]
    assert [f[:4] for f in found] == [e[:4] for e in REFUSED[name]], found
    for (*_, line), (*_, words) in zip(found, REFUSED[name], strict=True):
        assert words in line


def test_a_cell_problem_reads_as_excel_shows_it():
    with pytest.raises(ValidationError) as caught:
        load_cohort(CORPUS / "bad_cells.xlsx")
    assert str(caught.value.problems[0]).startswith("sheet 'Cohort', row 3, column B 'age': ")


@pytest.mark.parametrize("name", sorted(VALID))
def test_each_valid_workbook_gives_the_csv_cohort(name):
    from validation_helpers import BASE_ROWS, to_csv

    expected = load_cohort(to_csv(BASE_ROWS).encode(), "training")
    result = load_cohort(CORPUS / name, "training")
    assert any(VALID[name] in note for note in result.notes), result.notes
    if name == "dates.xlsx":  # os_months formatted as dates: the numbers they hold
        np.testing.assert_array_equal(result.frame["os_months"], expected.frame["os_months"])
        return
    pd.testing.assert_frame_equal(result.frame, expected.frame)


def test_percent_cells_are_the_numbers_typed():
    raw = read_cells(CORPUS / "percent_ki67.xlsx")
    # P001's primary Ki-67 of 5% is stored by Excel as 0.05; 1.5% as 0.015
    assert raw["primary_ki67"].tolist()[:2] == ["5", "1.5"]
    assert raw["met_ki67"].tolist()[0] == "25"


def test_a_sheet_formatted_to_the_last_row_is_read_in_bounded_work(monkeypatch):
    from openpyxl.worksheet._reader import WorkSheetParser

    parsed = []
    original = WorkSheetParser.parse_row
    monkeypatch.setattr(WorkSheetParser, "parse_row",
                        lambda self, row: parsed.append(1) or original(self, row))
    result = load_cohort(CORPUS / "empty_rows_to_the_end.xlsx", "training")
    assert result.n_patients == 4
    assert len(parsed) <= 5 + EMPTY_RUN + 1  # not 1,048,576


def test_sheet_names_and_choosing_a_sheet():
    data = workbook_bytes([["notes"], ["written by hand"]], title="Read me")
    assert sheet_names(data) == ["Read me"]
    several = CORPUS / "several_sheets.xlsx"
    assert sheet_names(several) == ["Cohort", "Notes"]
    assert sheet_names(SHIPPED) == []
    assert origin_of(read_cells(several, "Cohort")).sheet == "Cohort"
    with pytest.raises(ValidationError, match="no sheet named 'Patients'"):
        read_cells(several, "Patients")
    with pytest.raises(ValidationError, match="'Ages' is a chart sheet"):
        read_cells(CORPUS / "chart_sheet_first.xlsx", "Ages")
    with pytest.raises(ValidationError, match="CSV text, which has no sheets"):
        read_cells(SHIPPED, "Cohort")


def test_the_shipped_cohort_as_a_workbook_validates_as_the_csv():
    workbook = cohort_workbook(SHIPPED)
    from_excel = load_cohort(workbook, "training")
    from_csv = load_cohort(SHIPPED, "training")
    pd.testing.assert_frame_equal(from_excel.frame, from_csv.frame)
    assert from_excel.notes[-len(from_csv.notes):] == from_csv.notes
    assert "1 formula cell read as the value Excel last saved" in " ".join(from_excel.notes)


def test_the_shipped_cohort_as_a_workbook_trains_the_same_model():
    from risk.model import TrainingSettings, fit_models

    settings = TrainingSettings(penalizer="auto", bootstrap=0, seed=0).check()
    from_excel = fit_models(load_cohort(cohort_workbook(SHIPPED), "training").frame, settings)
    from_csv = fit_models(load_cohort(SHIPPED, "training").frame, settings)
    assert from_excel.to_dict() == from_csv.to_dict()


def test_problem_rows_of_a_workbook_count_the_header_and_blank_rows():
    rows, _ = cohort_rows(SHIPPED.read_text(encoding="utf-8"))
    rows = rows[:5]
    rows.insert(3, [None] * len(rows[0]))  # Excel row 4 left blank
    rows[5][1] = 17  # Excel row 6: age 17
    rows[4][0] = rows[1][0]  # Excel row 5 repeats row 2's id
    with pytest.raises(ValidationError) as caught:
        load_cohort(workbook_bytes(rows))
    found = {(p.row, p.letter, p.column): p.message for p in caught.value.problems}
    assert found[(6, "B", "age")] == "out of range"
    assert "also in row 2" in found[(5, "A", "patient_id")]
    assert "also in row 5" in found[(2, "A", "patient_id")]


def test_reading_a_workbook_writes_nothing(monkeypatch, tmp_path):
    import builtins
    import tempfile

    def refuse(*args, **kwargs):
        raise AssertionError("the workbook reader opened a file")

    data = (CORPUS / "percent_ki67.xlsx").read_bytes()
    monkeypatch.setattr(builtins, "open", refuse)
    monkeypatch.setattr(tempfile, "NamedTemporaryFile", refuse)
    monkeypatch.setattr(tempfile, "mkstemp", refuse)
    assert len(read_cells(data)) == 4


@pytest.mark.parametrize("seed", range(40))
def test_a_damaged_workbook_is_a_clear_error_never_a_crash(seed):
    """Bytes of a valid workbook changed at random places: the reader succeeds or raises
    ValidationError, nothing else (fixed seeds)."""
    rng = np.random.default_rng(seed)
    data = bytearray((CORPUS / "percent_ki67.xlsx").read_bytes())
    for position in rng.integers(0, len(data), size=1 + seed % 5):
        data[position] = int(rng.integers(0, 256))
    try:
        read_cells(bytes(data))
    except ValidationError as exc:
        assert exc.problems and exc.summary


def test_a_workbook_with_a_damaged_sheet_xml_names_the_sheet():
    from workbooks import sheet_xml_edit

    broken = sheet_xml_edit((CORPUS / "percent_ki67.xlsx").read_bytes(),
                            lambda t: t.replace("</sheetData>", "<row><c></sheetData>"))
    with pytest.raises(ValidationError) as caught:
        read_cells(broken)
    problem = caught.value.problems[0]
    assert problem.sheet == "Cohort" and "the sheet cannot be read" in problem.message


def test_a_workbook_that_unpacks_to_gigabytes_is_refused(monkeypatch):
    import risk.data.workbook as workbook

    monkeypatch.setattr(workbook, "MAX_UNPACKED_BYTES", 10_000)
    with pytest.raises(ValidationError, match="unpacks to more than"):
        read_cells(CORPUS / "empty_rows_to_the_end.xlsx")
