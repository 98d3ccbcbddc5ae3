"""The one CSV writer: every table a user downloads from a page and the file
``python -m risk predict`` writes, the same bytes conventions for all of them.

- UTF-8 with a byte-order mark, so spreadsheet programs read the units (e.g. "mm²")
  correctly;
- CRLF line ends (RFC 4180), which also makes the writer quote any cell holding a bare
  carriage return;
- numbers as numbers: floats rounded to :data:`SIGNIFICANT_DIGITS` significant digits and
  written as their shortest decimal by Arrow's formatter (``0.823457``, ``3e-9``, ``50``),
  vectorised because formatting floats one by one was most of ``predict``'s time; blanks
  (NaN, None) as empty cells;
- text a spreadsheet would run as a formula made inert (OWASP CSV injection): a text cell,
  header or index label that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
  return is prefixed with a single quote. Numbers (numeric columns, and numeric values in
  mixed columns) are written as they are: ``-1.5`` stays a number.

The cohort file of the data dictionary (:func:`risk.synthetic.write_cohort`) is not an
export: it is an input file whose bytes ``data/synthetic/README.md`` fixes (no byte-order
mark, ``\\n`` line ends, fixed decimals per column), so it has its own writer.
"""

from __future__ import annotations

import csv
import io
import numbers
import re
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv

#: First characters a spreadsheet reads as the start of a formula (OWASP).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
#: Significant digits of every float written for people (survival to 1e-6, p-values kept).
SIGNIFICANT_DIGITS = 6
#: For files that programs read back (``predict``): survival to 1e-12, so a result can
#: be checked against the API or a reference pack to 1e-9.
MACHINE_DIGITS = 12
_BOM = "\ufeff"
_LINE_END = "\r\n"


def neutralise_cell(value: object) -> object:
    """``value`` with a leading ``'`` if it is text that a spreadsheet would evaluate."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def to_csv_bytes(frame: pd.DataFrame, index: bool = False, header: bool = True,
                 digits: int = SIGNIFICANT_DIGITS) -> bytes:
    """``frame`` as CSV bytes with the conventions of this module (its doc).

    Parameters
    ----------
    index : bool
        Write the index as the first column(s), headed by its name (blank if unnamed).
    header : bool
        ``True`` (default) starts a file: the byte-order mark and the header row, then
        the rows. ``False`` writes the rows only, for a part appended to a file that a
        call with ``header=True`` began (chunked batch output): the parts of a table
        written this way are byte for byte the table written at once.
    digits : int
        Significant digits of the floats (:data:`MACHINE_DIGITS` for ``predict``).
    """
    if index:
        frame = frame.reset_index(names=[n if n is not None else ""
                                         for n in frame.index.names])
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator=_LINE_END)
    if header:
        buffer.write(_BOM)
        writer.writerow([c if isinstance(c, numbers.Number) else neutralise_cell(str(c))
                         for c in frame.columns])
    cells = [_text_cells(frame.iloc[:, j], digits) for j in range(frame.shape[1])]
    # Number columns stay numbers for Arrow's writer (it formats them as pc.cast does,
    # in C++) and never need quotes: only text columns are searched for , " CR LF.
    if frame.shape[1] > 1 and not any(pa.types.is_string(c.type) and _needs_quotes(c)
                                      for c in cells):
        # Arrow writes the same bytes as the csv module when no cell needs quoting, in
        # C++: a 50,000-patient chunk of predict's 54 columns in 0.2 s instead of 1.3 s.
        table = pa.table({str(j): c for j, c in enumerate(cells)})
        out = io.BytesIO()
        pa_csv.write_csv(table, out, pa_csv.WriteOptions(
            include_header=False, eol=_LINE_END, quoting_style="none"))
        return buffer.getvalue().encode("utf-8") + out.getvalue()
    texts = [c if pa.types.is_string(c.type) else pc.cast(c, pa.string()) for c in cells]
    writer.writerows(zip(*[t.to_pylist() for t in texts], strict=True))
    return buffer.getvalue().encode("utf-8")


_NEEDS_QUOTES = r'[,"\r\n]'
_FORMULA_START = "^[" + "".join(re.escape(c) for c in FORMULA_STARTS) + "]"


def _text_cells(column: pd.Series, digits: int) -> pa.Array:
    """One column's cells (null: an empty cell): text as the file shows it, or numbers
    (rounded floats, integers) that Arrow's cast to text writes as the file shows them."""
    values = column.to_numpy()
    kind = values.dtype.kind
    if kind == "f":
        return pa.array(_rounded(values, digits), from_pandas=True)
    if kind in "iu":
        return pa.array(values)
    if kind == "b":
        return pa.array(np.where(values, "True", "False"), type=pa.string())
    values = column.astype(object).to_numpy(dtype=object)  # categories as their values
    if pd.api.types.infer_dtype(values, skipna=True) in ("string", "empty"):
        text = pa.array(values, type=pa.string(), from_pandas=True)
        risky = pc.fill_null(pc.match_substring_regex(text, _FORMULA_START), False)
        return pc.if_else(risky, pc.binary_join_element_wise("'", text, ""), text)
    cells = [_as_text(_cell(v), digits) for v in values]
    return pa.array(cells, type=pa.string())


def _float_text(values: np.ndarray, digits: int) -> pa.Array:
    return pc.cast(pa.array(_rounded(values, digits), from_pandas=True), pa.string())


def _as_text(cell: Any, digits: int) -> str | None:
    # A number in a mixed column: the same text as in a column of numbers.
    if cell is None or isinstance(cell, str):
        return cell
    if isinstance(cell, bool):
        return str(cell)
    if isinstance(cell, float):
        return str(_float_text(np.array([cell]), digits)[0])
    return str(cell)


def _needs_quotes(cells: pa.Array) -> bool:
    return bool(pc.any(pc.match_substring_regex(cells, _NEEDS_QUOTES)).as_py())


def _cells(column: pd.Series, digits: int = SIGNIFICANT_DIGITS) -> np.ndarray:
    """One column's cells for the csv module (None is an empty cell)."""
    values = column.to_numpy()
    kind = values.dtype.kind
    if kind == "f":
        cells = _rounded(values, digits).astype(object)
        cells[np.isnan(values)] = None
        return cells
    if kind in "iub":
        return values.astype(object)  # type: ignore[no-any-return]  # pandas is untyped
    values = column.astype(object).to_numpy(dtype=object)  # categories as their values
    if pd.api.types.infer_dtype(values, skipna=True) in ("string", "empty"):
        blank = pd.isna(values)
        cells = np.where(blank, None, values)  # type: ignore[assignment]  # numpy's stubs lack a None branch
        risky = np.zeros(len(values), dtype=bool)
        risky[~blank] = pd.Series(values[~blank], dtype=object).str.startswith(
            FORMULA_STARTS).to_numpy(dtype=bool)
        cells[risky] = ["'" + cell for cell in cells[risky]]
        return cells
    return np.array([_cell(v) for v in values], dtype=object)


def _cell(value: object) -> object:
    # Numbers in a mixed (object) column stay numbers; anything else is text to a sheet.
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        return float(_rounded(np.array([value], dtype=float))[0])
    return neutralise_cell(str(value))


def _rounded(values: np.ndarray, significant: int = SIGNIFICANT_DIGITS) -> np.ndarray:
    """Floats to ``significant`` digits. ``n / 10**k`` of a whole
    ``n`` is the double nearest that decimal, so it is written as the short decimal."""
    out = np.array(values, dtype=float)
    finite = np.isfinite(out) & (out != 0)
    x = out[finite]
    digits = significant - 1 - np.floor(np.log10(np.abs(x))).astype(int)
    rounded = x.copy()
    small, large = digits >= 0, digits < 0
    with np.errstate(over="ignore", invalid="ignore"):
        scale = 10.0 ** digits[small]
        rounded[small] = np.round(x[small] * scale) / scale
        scale = 10.0 ** -digits[large]
        rounded[large] = np.round(x[large] / scale) * scale
    out[finite] = np.where(np.isfinite(rounded), rounded, x)  # subnormals: as they are
    return out
