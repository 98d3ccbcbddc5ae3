"""Valid patients as a researcher's CSV would hold them, for the io/validation tests.

Each row is written by hand from the data dictionary (not produced by our code); the
comments say what the canonical frame must hold for it.
"""

from __future__ import annotations

import csv
import io

from risk.schema import COLUMN_NAMES, VERSION_1_COLUMN_NAMES

BASE_ROWS = [
    # pancreas, primary G2 entered (Ki-67 5% gives G2), liver Ki-67 25% with G3: upgraded.
    {"patient_id": "P001", "age": "64", "sex": "female", "primary_site": "pancreas",
     "primary_ki67": "5", "primary_mitoses": "", "primary_grade": "G2", "met_ki67": "25",
     "met_mitoses": "", "met_grade": "G3", "differentiation": "well",
     "met_timing": "synchronous", "liver_burden": "lt25", "extrahepatic_mets": "0",
     "primary_resected": "1", "functional_syndrome": "0", "ecog": "1",
     "sstr_status": "positive", "biopsy_complication": "none", "os_months": "30.5",
     "death": "1"},
    # small intestine G1 (Ki-67 1.5%), no diagnostic liver biopsy: grade change unknown.
    {"patient_id": "P002", "age": "71.5", "sex": "male", "primary_site": "small_intestine",
     "primary_ki67": "1.5", "primary_mitoses": "", "primary_grade": "G1", "met_ki67": "",
     "met_mitoses": "", "met_grade": "", "differentiation": "",
     "met_timing": "metachronous", "liver_burden": "25to50", "extrahepatic_mets": "0",
     "primary_resected": "0", "functional_syndrome": "1", "ecog": "0",
     "sstr_status": "negative", "biopsy_complication": "", "os_months": "84",
     "death": "0"},
    # unknown primary: only the liver grade (G2: Ki-67 8%, 3 mitoses).
    {"patient_id": "P003", "age": "55", "sex": "female", "primary_site": "unknown",
     "primary_ki67": "", "primary_mitoses": "", "primary_grade": "", "met_ki67": "8",
     "met_mitoses": "3", "met_grade": "G2", "differentiation": "well",
     "met_timing": "synchronous", "liver_burden": "gt50", "extrahepatic_mets": "1",
     "primary_resected": "0", "functional_syndrome": "0", "ecog": "2",
     "sstr_status": "", "biopsy_complication": "minor", "os_months": "12.25",
     "death": "1"},
    # rectum G1 (Ki-67 2%), liver grade blank but Ki-67 15%: derived G2, upgraded.
    {"patient_id": "P004", "age": "48", "sex": "male", "primary_site": "rectum",
     "primary_ki67": "2", "primary_mitoses": "1", "primary_grade": "G1", "met_ki67": "15",
     "met_mitoses": "", "met_grade": "", "differentiation": "well",
     "met_timing": "metachronous", "liver_burden": "lt25", "extrahepatic_mets": "0",
     "primary_resected": "1", "functional_syndrome": "0", "ecog": "0",
     "sstr_status": "positive", "biopsy_complication": "none", "os_months": "60",
     "death": "0"},
]


def rows(*changes: dict) -> list[dict]:
    """BASE_ROWS with per-row changes (``{}`` keeps a row), e.g. rows({}, {"age": "17"})."""
    out = [dict(r) for r in BASE_ROWS]
    for row, change in zip(out, changes, strict=False):
        row.update(change)
    return out


def to_csv(records: list[dict], columns=None, sep: str = ",", newline: str = "\n") -> str:
    """The records as CSV text, columns in ``columns`` order (default: a schema-version-1
    file's, which stays valid, and the later schema columns that a record holds)."""
    columns = list(columns or [c for c in COLUMN_NAMES if c in VERSION_1_COLUMN_NAMES
                               or any(c in record for record in records)])
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=sep, lineterminator=newline)
    writer.writerow(columns)
    for record in records:
        writer.writerow([record.get(c, "") for c in columns])
    return buffer.getvalue()
