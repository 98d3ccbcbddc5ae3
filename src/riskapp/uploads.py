"""Cohort uploads: the server-side file-type check and the problems as a table.

An upload stays in memory: its bytes are read once from Streamlit's ``UploadedFile`` (a
BytesIO) and never written to disk or logged. The bytes are then read and validated by
:func:`risk.data.validation.load_cohort`, the same rules and messages as the command line.

The uploader is given :data:`UPLOAD_TYPES` (CSV and Excel workbooks): the browser's file
picker offers those files, and because a MIME type is listed Streamlit skips its own
extension check, which would raise an uncatchable exception before the page runs.
:func:`check_upload_name` checks the file name on the server instead and says what to do,
as a problem. An old .xls or a macro-enabled .xlsm passes the name check so that the
reader, which looks at the bytes, says exactly what the file is and what to do.
A workbook of several worksheets gets a sheet picker (:func:`sheet_picker`).
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import streamlit as st

from risk.cohort import Disclosure, disclosure_for
from risk.data import read_source_bytes, sheet_names
from risk.errors import Problem, ValidationError
from risk.i18n import N_, _
from risk.schema import MAX_FILE_BYTES

#: What the uploader's file picker offers (see the module doc for the MIME type).
UPLOAD_TYPES = [".csv", ".xlsx", "text/csv"]
ALLOWED_SUFFIXES = (".csv", ".xlsx", ".xlsm", ".xls")
#: The sheet picker's words.
SHEET_LABEL = N_("Sheet of the workbook to read")
#: The uploader's size cap in MB (the reader refuses larger files too).
MAX_UPLOAD_MB = MAX_FILE_BYTES // 2**20
#: Columns of the problems table, as the user reads them.
PROBLEM_COLUMNS = [N_("Row"), N_("Column"), N_("Value"), N_("Problem"), N_("Allowed")]


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
            [Problem(_("'{name}' is neither a CSV file nor an Excel workbook; save the "
                       "table from your spreadsheet as 'CSV UTF-8 (comma delimited)' or "
                       "'Excel Workbook (.xlsx)' and upload that file").format(name=name),
                     allowed=_("a file ending in .csv or .xlsx"))],
            summary=_("the file cannot be read"))


def read_upload(uploaded) -> Upload:
    """The name and bytes of a Streamlit ``UploadedFile`` (or any named binary file-like).

    Raises
    ------
    risk.errors.ValidationError
        The name is not a CSV file's or a workbook's, or the file is larger than the
        reader accepts.
    """
    name = str(getattr(uploaded, "name", "") or "upload")
    check_upload_name(name)
    return Upload(name, read_source_bytes(uploaded))


def sheet_picker(data: bytes, key: str) -> str | None:
    """A workbook's sheet to read: a select box when it has several worksheets (the first
    chosen to start with), else None (a CSV, or the only sheet).

    Raises ValidationError for a workbook that cannot be opened."""
    names = sheet_names(data)
    if len(names) < 2:
        return None
    if st.session_state.get(key) not in names:  # another workbook: start at its first
        st.session_state.pop(key, None)
    return st.selectbox(_(SHEET_LABEL), names, key=key,
                        help=_("The workbook has several worksheets; the first is read "
                               "unless you choose another."))


def problems_table(problems: list[Problem]) -> pd.DataFrame:
    """One row per problem: row number (blank for the whole file), column, value as
    written, what is wrong and what is allowed; text only, ready to show or export.
    A workbook's problems also name the sheet (first column), and the column's letter
    ("C (age)"); their rows are the sheet's own, as Excel numbers them."""
    rows = [("" if p.row is None else str(p.row),
             (f"{p.letter} ({p.column})" if p.letter and p.column else
              p.letter or p.column or ""),
             "" if p.value is None else str(p.value), p.message, p.allowed or "")
            for p in problems]
    table = pd.DataFrame(rows, columns=[_(c) for c in PROBLEM_COLUMNS])
    if any(p.sheet for p in problems):
        table.insert(0, _("Sheet"), [p.sheet or "" for p in problems])
    return table


def rows_caption(problems: list[Problem] | tuple) -> str:
    """How the problems' row numbers count, for the caption under the table."""
    if any(p.sheet for p in problems):
        return _("Rows and column letters are the workbook's own, as Excel shows them (the "
                 "header is row 1). A blank row means the whole sheet or file.")
    return _("Row numbers count data rows: row 1 is the first line under the header "
             "(line 2 in a spreadsheet). A blank row number means the whole file.")


REDCAP_HELP = N_("A REDCap 'raw' export holds field names and choice codes (sex 1/2). Add the "
               "project's data dictionary (REDCap: Project Setup > Data Dictionary > "
               "Download the current Data Dictionary) and its fields and codes are matched "
               "to ours; check the matching below before you use the cohort.")


def redcap_dictionary(key: str):
    """An optional REDCap data dictionary upload, in an expander: its fields, or None
    (none given, or refused: its problems are shown)."""
    from risk.data import read_cells, read_dictionary

    with st.expander(_("A REDCap export? Add its data dictionary"),
                     icon=":material/dataset:", expanded=key in st.session_state
                     and st.session_state[key] is not None):
        st.caption(_(REDCAP_HELP))
        uploaded = st.file_uploader(_("REDCap data dictionary (CSV)"), type=[".csv", "text/csv"],
                                    key=key, max_upload_size=MAX_UPLOAD_MB)
        if uploaded is None:
            return None
        try:
            check_upload_name(str(uploaded.name or ""))
            return read_dictionary(read_cells(uploaded.getvalue()))
        except ValidationError as exc:
            st.error(_("The data dictionary cannot be used: {summary}. {problems}").format(
                summary=exc.summary, problems=" ".join(str(p) for p in exc.problems)),
                icon=":material/error:")
            return None


def show_preset(preset) -> None:
    """The REDCap matching for a person to check: field, label, our column, codes."""
    st.markdown(_("**REDCap fields matched to the data dictionary.** Check each line; a "
                  "choice that matches none of ours is named, and its rows are refused."))
    with st.container(key="redcap_preset"):
        st.dataframe(preset.review(), hide_index=True, width="stretch")
    if preset.ignored:
        st.caption(_("Not read: {fields}").format(fields=_(", ").join(preset.ignored)))


def small_cell_rule(shipped: bool) -> Disclosure:
    """The small-cell rule of an uploaded cohort (off for the shipped synthetic one), or
    the page stops with the site setting's problem."""
    try:
        return disclosure_for(shipped)
    except ValueError as exc:
        st.error(_("{problem} Ask whoever runs this server to correct the setting.").format(
                 problem=exc),
                 icon=":material/error:")
        st.stop()
        raise  # st.stop() raises; this keeps the type checker sure
