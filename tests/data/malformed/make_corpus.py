"""Write the corpus of malformed (and awkward but valid) cohort files in this folder.

Run ``python tests/data/malformed/make_corpus.py`` after changing it; the files are
committed so a reader can open them. What each file must produce is asserted in
``tests/data/test_validation.py`` (CORPUS); ``README.md`` here lists them.
"""

from __future__ import annotations

import codecs
import io
import sys
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1] / "support"))

from validation_helpers import BASE_ROWS, rows, to_csv  # noqa: E402
from workbooks import (  # noqa: E402
    cohort_rows,
    rezipped,
    saved,
    sheet_xml_edit,
    with_cached_values,
    workbook_bytes,
)

from risk.schema import VERSION_1_COLUMN_NAMES  # noqa: E402

VALID = to_csv(BASE_ROWS)
#: Cells counted for a Ki-67 index (columns added in schema version 2).
CELLS = ("primary_cells_counted", "met_cells_counted")


def _without(*names: str) -> list[str]:
    return [c for c in VERSION_1_COLUMN_NAMES if c not in names]


def _zip_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        # a fixed date: the same bytes on every run
        archive.writestr(zipfile.ZipInfo("xl/workbook.xml", (2020, 1, 1, 0, 0, 0)),
                         "<workbook/>")
    return buffer.getvalue()


def corpus() -> dict[str, bytes]:
    files = {
        # encodings and non-text
        "latin1.csv": to_csv(rows({"centre": "Hôpital Nord"}),
                             list(VERSION_1_COLUMN_NAMES) + ["centre"]).encode("latin-1"),
        "utf16_bom.csv": VALID.encode("utf-16"),
        "utf16_no_bom.csv": VALID.encode("utf-16-le"),
        "binary.csv": b"\x89PNG\r\n\x1a\n" + bytes(range(256)),
        "workbook.csv": _zip_bytes(),
        "empty.csv": b"",
        "whitespace_only.csv": b" \n\r\n  \n",
        "header_only.csv": (",".join(VERSION_1_COLUMN_NAMES) + "\n").encode(),
        # columns
        "missing_required_columns.csv": to_csv(BASE_ROWS, _without("age", "ecog")).encode(),
        "extra_columns.csv": to_csv(rows({"centre": "north", "notes": "x"}),
                                    list(VERSION_1_COLUMN_NAMES) + ["centre", "notes"]).encode(),
        "identifier_columns.csv": to_csv(
            rows({"Patient Name": "Jane Roe", "MRN": "123456", "DOB": "1960-01-01",
                  "Email": "jane@example.org"}),
            ["Patient Name", "MRN", "DOB", "Email"] + list(VERSION_1_COLUMN_NAMES)).encode(),
        "duplicate_header.csv": to_csv(BASE_ROWS, list(VERSION_1_COLUMN_NAMES) + ["age"]).encode(),
        "renamed_id_column.csv": to_csv(
            [{**r, "Patient ID": r["patient_id"]} for r in BASE_ROWS],
            ["Patient ID"] + _without("patient_id")).encode(),
        # cells
        "wrong_types.csv": to_csv(rows({"age": "sixty"}, {"ecog": "one"},
                                       {"extrahepatic_mets": "maybe"},
                                       {"primary_ki67": "12,5", "primary_grade": ""})).encode(),
        "out_of_range.csv": to_csv(rows({"age": "17"}, {"primary_ki67": "101"},
                                        {"met_mitoses": "-1", "ecog": "5"},
                                        {"os_months": "0"})).encode(),
        "cells_counted_out_of_range.csv": to_csv(
            rows({"met_cells_counted": "99"}, {"primary_cells_counted": "500.5"},
                 {"met_cells_counted": "2,000"}, {"primary_cells_counted": "100001",
                                                  "met_cells_counted": "many"}),
            list(VERSION_1_COLUMN_NAMES) + list(CELLS)).encode(),
        "grade_contradicts_ki67.csv": to_csv(rows(
            {"primary_grade": "G1", "primary_ki67": "25"}, {},
            {"met_grade": "G3", "met_ki67": "2", "met_mitoses": "1"})).encode(),
        "duplicate_ids.csv": to_csv(rows({}, {"patient_id": "P001"}, {},
                                         {"patient_id": "P001"})).encode(),
        "all_censored.csv": to_csv(rows({"death": "0"}, {"death": "0"}, {"death": "0"},
                                        {"death": "0"})).encode(),
        "na_text_in_required.csv": to_csv(rows({"age": "NA"}, {"sex": "null"},
                                               {"ecog": "None"},
                                               {"sstr_status": "NA"})).encode(),
        "formula_text.csv": to_csv(
            rows({"patient_id": "=cmd|' /C calc'!A0"}, {"sex": "=1+1"},
                 {"primary_site": "@SUM(A1:A9)"}, {"notes": "+danger()"}),
            list(VERSION_1_COLUMN_NAMES) + ["notes"]).encode(),
        "poor_differentiation.csv": to_csv(rows({}, {"differentiation": "poor"}, {},
                                                {"differentiation": "Poor"})).encode(),
        "no_grade.csv": to_csv(rows({}, {"primary_grade": "", "primary_ki67": ""})).encode(),
        "outcome_without_death.csv": to_csv(BASE_ROWS, _without("death")).encode(),
        "ragged_rows.csv": (VALID.rstrip("\n") + ",extra\n").encode(),
        "unclosed_quote.csv": (VALID + '"P005,60,female\n').encode(),
        "blank_line_then_error.csv": VALID.replace("\nP002", "\n\nP002").replace(
            "P003,55,", "P003,5,").encode(),
        # awkward but valid
        "utf8_bom.csv": codecs.BOM_UTF8 + VALID.encode(),
        "crlf.csv": to_csv(BASE_ROWS, newline="\r\n").encode(),
        "semicolons.csv": to_csv(BASE_ROWS, sep=";").encode(),
        "mixed_case_and_spaces.csv": to_csv(
            rows({"sex": " Female ", "primary_grade": "g2", "extrahepatic_mets": "No"},
                 {"primary_site": "Small_Intestine", "death": "FALSE"})).replace(
            ",".join(VERSION_1_COLUMN_NAMES), ",".join(f" {c.upper()} " for c in VERSION_1_COLUMN_NAMES), 1),
    }
    return {name: data if isinstance(data, bytes) else data.encode()
            for name, data in files.items()}


#: Rows a sheet can have (Excel's limit): a sheet formatted down to the last one.
EXCEL_ROWS = 1_048_576


def _cohort(**changes) -> tuple[list[list[object]], dict]:
    """BASE_ROWS as typed into Excel (Ki-67 as percent); ``changes``: {"B3": value}."""
    table, formats = cohort_rows(VALID)
    for cell, value in changes.items():
        table[int(cell[1:]) - 1][ord(cell[0]) - 65] = value
    return table, formats


def _book(**changes) -> bytes:
    table, formats = _cohort(**changes)
    return workbook_bytes(table, formats=formats)


def _formatted_empty_rows(text: str) -> str:
    # what formatting a whole column leaves: a styled, empty cell in every row (rows
    # and cells without their optional numbers, so the file compresses to a few kB)
    empty = '<row><c s="1"/></row>' * (EXCEL_ROWS - len(BASE_ROWS) - 1)
    return text.replace("</sheetData>", empty + "</sheetData>")


def _chart_first() -> bytes:
    from openpyxl import Workbook
    from openpyxl.chart import BarChart, Reference

    book = Workbook()
    sheet = book.active
    sheet.title = "Cohort"
    table, formats = _cohort()
    for line in table:
        sheet.append(line)
    for (r, c), fmt in formats.items():
        sheet.cell(r, c).number_format = fmt
    chart = BarChart()
    chart.add_data(Reference(sheet, min_col=2, min_row=1, max_row=len(table)), titles_from_data=True)
    book.create_chartsheet("Ages", 0).add_chart(chart)
    return saved(book)


def _hidden_row() -> bytes:
    return sheet_xml_edit(_book(), lambda t: t.replace('<row r="3"', '<row r="3" hidden="1"', 1))


def _merged() -> bytes:
    return sheet_xml_edit(_book(C4=None), lambda t: t.replace(
        "</sheetData>", '</sheetData><mergeCells count="1"><mergeCell ref="C3:C4"/></mergeCells>'))


def _ole(*streams: str) -> bytes:
    # an OLE2 compound file's signature and directory names (UTF-16), padded to a sector
    body = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504
    for name in streams:
        body += name.encode("utf-16-le").ljust(64, b"\x00") + b"\x00" * 64
    return body


def _macro() -> bytes:
    def add_project(name: str, body: bytes) -> bytes:
        return body.replace(b"</Types>", b'<Default Extension="bin" ContentType='
                            b'"application/vnd.ms-office.vbaProject"/></Types>') \
            if name == "[Content_Types].xml" else body
    data = rezipped(_book(), add_project)
    buffer = io.BytesIO(data)
    with zipfile.ZipFile(buffer, "a") as archive:
        archive.writestr(zipfile.ZipInfo("xl/vbaProject.bin", (2020, 1, 1, 0, 0, 0)),
                         _ole("VBA", "PROJECT"))
    return buffer.getvalue()


def _not_a_workbook() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(zipfile.ZipInfo("cohort/readme.txt", (2020, 1, 1, 0, 0, 0)),
                         "a zip of notes")
    return buffer.getvalue()


def excel_corpus() -> dict[str, bytes]:
    """The Excel cases (what each must give: tests/data/test_workbook.py)."""
    no_value = _book(B3="=60+4")  # openpyxl writes the formula without a saved value
    return {
        "percent_ki67.xlsx": _book(),
        "formula_cached.xlsx": with_cached_values(_book(B3="=71+0.5"), {"B3": 71.5}),
        "formula_without_value.xlsx": no_value,
        "excel_error.xlsx": sheet_xml_edit(_book(), lambda t: t.replace(
            '<c r="B4" t="n"><v>55</v></c>', '<c r="B4" t="e"><f>1/0</f><v>#DIV/0!</v></c>')),
        "bad_cells.xlsx": _book(B3="sixty", C5="x"),
        "dates.xlsx": _date_formatted(),
        "several_sheets.xlsx": workbook_bytes(_cohort()[0], formats=_cohort()[1],
                                              extra_sheets=("Notes",)),
        "chart_sheet_first.xlsx": _chart_first(),
        "empty_rows_to_the_end.xlsx": sheet_xml_edit(_book(), _formatted_empty_rows),
        "merged_cells.xlsx": _merged(),
        "hidden_row.xlsx": _hidden_row(),
        "header_not_first.xlsx": workbook_bytes([["GEP-NET cohort, export of 2026-11"], [],
                                                 *_cohort()[0]]),
        "macro_enabled.xlsm": _macro(),
        "encrypted.xlsx": _ole("EncryptionInfo", "EncryptedPackage"),
        "old_format.xls": _ole("Workbook", "SummaryInformation"),
        "not_a_workbook.xlsx": _not_a_workbook(),
    }


def _date_formatted() -> bytes:
    table, formats = _cohort()
    column = table[0].index("os_months") + 1
    formats.update({(r, column): "yyyy-mm-dd" for r in range(2, len(table) + 1)})
    return workbook_bytes(table, formats=formats)


def main() -> None:
    files = {**corpus(), **excel_corpus()}
    for name, data in files.items():
        (HERE / name).write_bytes(data)
    print(f"wrote {len(files)} files to {HERE}")


if __name__ == "__main__":
    main()
