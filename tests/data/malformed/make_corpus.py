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


def main() -> None:
    for name, data in corpus().items():
        (HERE / name).write_bytes(data)
    print(f"wrote {len(corpus())} files to {HERE}")


if __name__ == "__main__":
    main()
