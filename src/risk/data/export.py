"""CSV export that a spreadsheet cannot turn into a formula (OWASP CSV injection).

A text cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is
prefixed with a single quote, so Excel/LibreOffice show it as text instead of running
it. Numbers (numeric columns, and numeric values in mixed columns) are written as they
are: ``-1.5`` stays a number.
"""

from __future__ import annotations

import numbers

import numpy as np
import pandas as pd

#: First characters a spreadsheet reads as the start of a formula (OWASP).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise_cell(value: object) -> object:
    """``value`` with a leading ``'`` if it is text that a spreadsheet would evaluate."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def neutralise(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` with every formula-like text cell (and header) neutralised."""
    out = frame.copy()
    for name in out.columns:
        column = out[name]
        if pd.api.types.is_numeric_dtype(column) or pd.api.types.is_bool_dtype(column):
            continue
        if isinstance(column.dtype, pd.CategoricalDtype):
            column = column.astype(object)
        out[name] = column.map(_neutralise_text, na_action="ignore")
    out.columns = [neutralise_cell(str(c)) if not isinstance(c, numbers.Number) else c
                   for c in out.columns]
    if out.index.dtype == object:
        out.index = out.index.map(_neutralise_text)
    return out


def _neutralise_text(value: object) -> object:
    # Numbers in a mixed (object) column stay numbers; anything else is text to a sheet.
    if isinstance(value, numbers.Number | np.bool_):
        return value
    return neutralise_cell(value if isinstance(value, str) else str(value))


def to_csv_bytes(frame: pd.DataFrame, index: bool = False) -> bytes:
    """UTF-8 CSV of ``frame`` with formula-like text neutralised, for a download button.

    Written with a byte-order mark so spreadsheet programs read the units (e.g. "mm²")
    correctly, and with CRLF line ends (RFC 4180), which also makes the writer quote any
    cell holding a bare carriage return.
    """
    return neutralise(frame).to_csv(index=index, lineterminator="\r\n").encode("utf-8-sig")
