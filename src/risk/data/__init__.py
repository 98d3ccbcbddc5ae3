"""Cohort and patient files: safe reading, validation with every problem at once, column matching, chunked reading, CSV export.

The names below are this package's public API; each lives in the module named
beside it and is imported on first use (so importing one part stays cheap).
"""

from __future__ import annotations

from risk._lazy import lazy_api

#: public name -> the module of this package that defines it
_WHERE = {
    "CHUNK_ROWS": "chunks",
    "FileProblems": "chunks",
    "PatientIds": "chunks",
    "chunk_ids": "chunks",
    "iter_record_chunks": "chunks",
    "apply_column_mapping": "columns",
    "suggest_mapping": "columns",
    "unmatched_columns": "columns",
    "to_csv_bytes": "export",
    "read_csv_text": "reading",
    "read_source_bytes": "reading",
    "CohortResult": "validation",
    "Note": "validation",
    "add_notes": "validation",
    "load_cohort": "validation",
    "median_follow_up": "validation",
    "validate_cohort": "validation",
    "validate_patient": "validation",
}
__all__, __getattr__, __dir__ = lazy_api(__name__, _WHERE)
