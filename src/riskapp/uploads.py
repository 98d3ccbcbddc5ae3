"""Cohort uploads: the server-side file-type check and the problems as a table.

An upload stays in memory: its bytes are read once from Streamlit's ``UploadedFile`` (a
BytesIO) and never written to disk or logged. The bytes are then read and validated by
:func:`risk.data.validation.load_cohort`, the same rules and messages as the command line.

The uploader is given ``type=[".csv", "text/csv"]``: the browser's file picker offers CSV
files, and because a MIME type is listed Streamlit skips its own extension check, which
would raise an uncatchable exception before the page runs. :func:`check_upload_name`
checks the file name on the server instead and says what to do, as a problem.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from risk.data import read_source_bytes
from risk.errors import Problem, ValidationError
from risk.schema import MAX_FILE_BYTES

#: What the uploader's file picker offers (see the module doc for the MIME type).
UPLOAD_TYPES = [".csv", "text/csv"]
ALLOWED_SUFFIXES = (".csv",)
#: The uploader's size cap in MB (the reader refuses larger files too).
MAX_UPLOAD_MB = MAX_FILE_BYTES // 2**20
#: Columns of the problems table, as the user reads them.
PROBLEM_COLUMNS = ["Row", "Column", "Value", "Problem", "Allowed"]


@dataclass(frozen=True)
class Upload:
    """An uploaded file held in memory: its name and its bytes."""

    name: str
    data: bytes


def check_upload_name(name: str) -> None:
    """Refuse a file whose name does not end in ``.csv`` (checked on the server).

    Raises
    ------
    risk.errors.ValidationError
        With one problem naming the file and what to upload instead.
    """
    if not str(name).lower().endswith(ALLOWED_SUFFIXES):
        raise ValidationError(
            [Problem(f"'{name}' is not a CSV file; save the table from your spreadsheet as "
                     "'CSV UTF-8 (comma delimited)' and upload that file",
                     allowed="a file ending in .csv")],
            summary="the file cannot be read")


def read_upload(uploaded) -> Upload:
    """The name and bytes of a Streamlit ``UploadedFile`` (or any named binary file-like).

    Raises
    ------
    risk.errors.ValidationError
        The name is not a CSV file's, or the file is larger than the reader accepts.
    """
    name = str(getattr(uploaded, "name", "") or "upload")
    check_upload_name(name)
    return Upload(name, read_source_bytes(uploaded))


def problems_table(problems: list[Problem]) -> pd.DataFrame:
    """One row per problem: row number (blank for the whole file), column, value as
    written, what is wrong and what is allowed; text only, ready to show or export."""
    rows = [{"Row": "" if p.row is None else str(p.row),
             "Column": p.column or "",
             "Value": "" if p.value is None else str(p.value),
             "Problem": p.message,
             "Allowed": p.allowed or ""} for p in problems]
    return pd.DataFrame(rows, columns=PROBLEM_COLUMNS)
