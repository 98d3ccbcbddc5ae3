"""AppTest flows with Excel workbooks: the Cohort and Retrain pages take an .xlsx upload
(a sheet picker when it has several worksheets, problems with sheet, row and column
letter), and every table's CSV button has an Excel button beside it (Cohort, Model)."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest
from cohort_frames import make_cohort
from streamlit.testing.v1 import AppTest
from workbooks import cohort_rows, workbook_bytes

from risk.model import BiopsyRiskModel
from risk.registry.card import build_card, data_fingerprint
from risk.registry.store import MODEL_DIR_ENV, Registry
from risk.schema import COLUMN_NAMES

REPO = Path(__file__).resolve().parents[2]
APP = str(REPO / "app.py")
SHIPPED = REPO / "data" / "synthetic" / "cohort.csv"
TIMEOUT = 180


@pytest.fixture(scope="module")
def base_registry(tmp_path_factory) -> Path:
    frame = make_cohort(300, seed=3)
    model = BiopsyRiskModel(penalizer=0.1, extra_terms=[]).fit(frame)
    folder = tmp_path_factory.mktemp("excel") / "models"
    Registry(folder).save(model.to_dict(), build_card(training_data=data_fingerprint(frame)),
                          version="base", activate=True)
    return folder


@pytest.fixture
def registry(base_registry, tmp_path, monkeypatch) -> Path:
    folder = tmp_path / "models"
    shutil.copytree(base_registry, folder)
    monkeypatch.setenv(MODEL_DIR_ENV, str(folder))
    return folder


def two_sheet_workbook(csv_text: str) -> bytes:
    """A 'Read me' sheet first, then the cohort (Ki-67 formatted as percent)."""
    from openpyxl import load_workbook
    from workbooks import saved

    rows, formats = cohort_rows(csv_text)
    book = load_workbook(io.BytesIO(workbook_bytes(rows, formats=formats)))
    book.create_sheet("Read me", 0).append(["Exported from the study database"])
    return saved(book)


def page(path: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    at.switch_page(path).run()
    assert not at.exception, at.exception
    return at


def upload(at: AppTest, name: str, data: bytes) -> AppTest:
    mime = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    at.file_uploader(key="cohort_file").set_value((name, data, mime)).run()
    assert not at.exception, at.exception
    return at


def problem_rows(at: AppTest):
    """The problems table as read on screen (static cells are sent Markdown-escaped)."""
    import re

    table = [*at.table, *at.dataframe][0].value
    table = table.reset_index() if table.index.name in ("Row", "Sheet") else table
    return table.map(lambda c: re.sub(r"\\(.)", r"\1", c).replace("\u2060", "")
                     if isinstance(c, str) else c)


def download_labels(at: AppTest) -> list[str]:
    return [b.proto.label for b in at.get("download_button")]


# --------------------------------------------------------------------------- cohort page

def test_cohort_page_reads_the_sheet_chosen(registry):
    at = upload(page("pages/cohort.py"), "cohort.xlsx",
                two_sheet_workbook(SHIPPED.read_text(encoding="utf-8")))
    picker = at.selectbox(key="cohort_sheet")
    assert picker.options == ["Read me", "Cohort"] and picker.value == "Read me"
    # the first sheet is not a cohort: its problems name the sheet
    table = problem_rows(at)
    assert set(table["Sheet"]) == {"Read me"}
    assert "required column is missing" in " ".join(table["Problem"])
    picker.set_value("Cohort").run()
    assert not at.exception
    assert next(m.value for m in at.metric if m.label == "Patients shown") == "1,000"
    notes = " ".join(m.value for m in at.markdown)
    assert "formatted as percent in Excel" in notes


def test_cohort_page_lists_a_bad_workbook_s_cells_by_sheet_row_and_letter(registry):
    at = upload(page("pages/cohort.py"), "bad.xlsx",
                (REPO / "tests/data/malformed/bad_cells.xlsx").read_bytes())
    assert not at.get("selectbox") or "cohort_sheet" not in [s.key for s in at.selectbox]
    found = {(r.Sheet, r.Row, r.Column) for r in problem_rows(at).itertuples()}
    assert found == {("Cohort", "3", "B (age)"), ("Cohort", "5", "C (sex)")}
    assert "as Excel shows them" in " ".join(c.value for c in at.caption)


def test_cohort_page_refuses_an_old_xls_saying_what_to_do(registry):
    at = upload(page("pages/cohort.py"), "old.xls",
                (REPO / "tests/data/malformed/old_format.xls").read_bytes())
    # a problem of the whole file is said in the error itself, without a table of it
    assert "Excel 97-2003" in at.error[0].value.replace("\\", "")
    assert not at.table and not at.dataframe


def test_every_cohort_table_has_an_excel_download_beside_its_csv(registry):
    at = page("pages/cohort.py")
    at.session_state["cohort_tab"] = "Table 1"
    at.run()
    labels = download_labels(at)
    assert "Download this table (CSV)" in labels and "Download this table (Excel)" in labels
    assert labels.count("Download this table (CSV)") == labels.count(
        "Download this table (Excel)")


# --------------------------------------------------------------------------- retrain page

def test_retrain_page_validates_a_workbook_with_a_sheet_picker(registry):
    frame = make_cohort(220, seed=5)
    text = frame[[c for c in COLUMN_NAMES if c in frame]].to_csv(index=False)
    at = upload(page("pages/retrain.py"), "centre.xlsx", two_sheet_workbook(text))
    picker = at.selectbox(key="retrain_sheet")
    assert picker.options == ["Read me", "Cohort"]
    assert "nothing was trained" in " ".join(e.value for e in at.error)
    picker.set_value("Cohort").run()
    assert not at.exception
    success = " ".join(s.value for s in at.success)
    assert "**centre.xlsx** is valid: 220 patients" in success
    assert "formatted as percent in Excel" in " ".join(c.value for c in at.caption)
    assert [b for b in at.button if b.key == "train"]


# --------------------------------------------------------------------------- model page

@pytest.mark.parametrize("tab", ["Hazard ratios", "Baseline survival", "Version history"])
def test_model_page_tables_download_as_excel_too(registry, tab):
    at = page("pages/model.py")
    at.session_state["model_tab"] = tab
    at.run()
    labels = download_labels(at)
    assert labels.count("Download this table (Excel)") == labels.count(
        "Download this table (CSV)") == 1


# --------------------------------------------------------------------------- REDCap

def add_dictionary(at: AppTest, key: str) -> AppTest:
    from redcap_export import dictionary_csv

    at.file_uploader(key=key).set_value(("dictionary.csv", dictionary_csv(), "text/csv")).run()
    assert not at.exception, at.exception
    return at


def test_cohort_page_reads_a_redcap_export_with_its_dictionary(registry):
    from redcap_export import raw_export

    at = upload(page("pages/cohort.py"), "export.csv", raw_export(SHIPPED))
    assert problem_rows(at)["Problem"].str.contains("required column is missing").any()
    add_dictionary(at, "cohort_redcap_dictionary")
    review = at.dataframe[0].value
    row = review[review["Our column"] == "sex"].iloc[0]
    assert (row["REDCap field"], row["Codes"]) == ("gender", "1 = female; 2 = male")
    assert next(m.value for m in at.metric if m.label == "Patients shown") == "1,000"


def test_retrain_page_preselects_the_redcap_matching_for_review(registry):
    from redcap_export import raw_export

    at = upload(page("pages/retrain.py"), "export.csv", raw_export(SHIPPED, n=300))
    add_dictionary(at, "retrain_redcap_dictionary")
    assert at.selectbox(key="map_sex").value == "gender"
    assert at.selectbox(key="map_age").value == "age_biopsy"
    assert "**export.csv** is valid: 300 patients" in " ".join(s.value for s in at.success)
    # the user may overrule a line of the preset: its codes then stay as written
    at.selectbox(key="map_sex").set_value("").run()
    assert "nothing was trained" in " ".join(e.value for e in at.error)
