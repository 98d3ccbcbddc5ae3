"""Cohort and patient files: safe reading, validation with every problem at once, column matching (and REDCap exports), chunked reading, CSV and Excel export.

The names below are this package's public API; each lives in the module named
beside it and is imported on first use (so importing one part stays cheap).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from risk._lazy import lazy_api

# one statement per module (ruff's isort would split the `as` re-exports)
# isort: off
if TYPE_CHECKING:  # the names' types for mypy; at run time each is imported on first use
    from risk.schema import CHUNK_ROWS as CHUNK_ROWS  # chunks' limit, defined with the schema
    from risk.data.chunks import (
        FileProblems as FileProblems,
        PatientIds as PatientIds,
        chunk_ids as chunk_ids,
        iter_record_chunks as iter_record_chunks,
    )
    from risk.data.columns import (
        apply_column_mapping as apply_column_mapping,
        apply_value_codes as apply_value_codes,
        suggest_mapping as suggest_mapping,
        unmatched_columns as unmatched_columns,
    )
    from risk.data.export import (
        XlsxTable as XlsxTable,
        to_csv_bytes as to_csv_bytes,
        to_xlsx_bytes as to_xlsx_bytes,
        xlsx_rows as xlsx_rows,
    )
    from risk.data.reading import (
        FileSource as FileSource,
        is_workbook as is_workbook,
        read_cells as read_cells,
        read_source_bytes as read_source_bytes,
        sheet_names as sheet_names,
    )
    from risk.data.redcap import (
        RedcapPreset as RedcapPreset,
        apply_preset as apply_preset,
        is_redcap_dictionary as is_redcap_dictionary,
        read_dictionary as read_dictionary,
        redcap_preset as redcap_preset,
    )
    from risk.data.sheet import (
        SheetOrigin as SheetOrigin,
        origin_of as origin_of,
    )
    from risk.data.notes import (
        Note as Note,
        add_notes as add_notes,
    )
    from risk.data.validation import (
        CohortResult as CohortResult,
        load_cohort as load_cohort,
        median_follow_up as median_follow_up,
        validate_cohort as validate_cohort,
        validate_patient as validate_patient,
    )
# isort: on

#: public name -> the module of this package that defines it
_WHERE = {
    "CHUNK_ROWS": "chunks",
    "FileProblems": "chunks",
    "PatientIds": "chunks",
    "chunk_ids": "chunks",
    "iter_record_chunks": "chunks",
    "apply_column_mapping": "columns",
    "apply_value_codes": "columns",
    "RedcapPreset": "redcap",
    "apply_preset": "redcap",
    "is_redcap_dictionary": "redcap",
    "read_dictionary": "redcap",
    "redcap_preset": "redcap",
    "suggest_mapping": "columns",
    "unmatched_columns": "columns",
    "to_csv_bytes": "export",
    "to_xlsx_bytes": "export",
    "XlsxTable": "export",
    "xlsx_rows": "export",
    "FileSource": "reading",
    "read_cells": "reading",
    "read_source_bytes": "reading",
    "is_workbook": "reading",
    "sheet_names": "reading",
    "SheetOrigin": "sheet",
    "origin_of": "sheet",
    "CohortResult": "validation",
    "Note": "notes",
    "add_notes": "notes",
    "load_cohort": "validation",
    "median_follow_up": "validation",
    "validate_cohort": "validation",
    "validate_patient": "validation",
}
__all__, __getattr__, __dir__ = lazy_api(__name__, _WHERE)
