"""The one table writer, CSV and Excel: every table a user downloads from a page and the
file ``python -m risk predict`` writes, the same conventions for all of them (an Excel
workbook, :func:`to_xlsx_bytes` and :class:`XlsxTable`, holds the same cells as the CSV,
typed, with the same neutralisation).

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
import zipfile
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


#: 10**0 .. 10**22, each exactly a double. numpy's vectorised ``10.0 ** k`` is not
#: correctly rounded on every CPU (its SIMD pow): an inexact scale made "6.3757861981e-12"
#: "6.3757861981000005e-12" on one machine and not on another.
_EXACT_POWERS = np.array([float(10**k) for k in range(23)])


def _rounded(values: np.ndarray, significant: int = SIGNIFICANT_DIGITS) -> np.ndarray:
    """Floats to ``significant`` digits, the same on every machine. ``n / 10**k`` of a
    whole ``n`` and an exact ``10**k`` is the double nearest that decimal (IEEE division),
    so it is written as the short decimal; a scale beyond 10**22 (a value below about
    1e-12) is rounded through its decimal text."""
    out = np.array(values, dtype=float)
    finite = np.isfinite(out) & (out != 0)
    x = out[finite]
    digits = significant - 1 - np.floor(np.log10(np.abs(x))).astype(int)
    rounded = x.copy()
    exact = np.abs(digits) < len(_EXACT_POWERS)
    small, large = exact & (digits >= 0), exact & (digits < 0)
    with np.errstate(over="ignore", invalid="ignore"):
        scale = _EXACT_POWERS[digits[small]]
        rounded[small] = np.round(x[small] * scale) / scale
        scale = _EXACT_POWERS[-digits[large]]
        rounded[large] = np.round(x[large] / scale) * scale
    rounded[~exact] = [float(f"{v:.{significant - 1}e}") for v in x[~exact]]
    out[finite] = np.where(np.isfinite(rounded), rounded, x)  # subnormals: as they are
    return out


# --------------------------------------------------------------------------- Excel
# The same tables as Excel workbooks (.xlsx), written here rather than by openpyxl,
# which puts every sheet in a temporary file on disk first: these bytes are built in
# memory (a download) or streamed into the one output file (``predict``), a chunk at a
# time. Cells are typed (numbers stay numbers), rounded as in the CSV, and text a
# spreadsheet would run as a formula is neutralised exactly as in the CSV.

_XML_ESCAPES = (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"))
#: Characters XML 1.0 cannot hold (text cells show U+FFFD instead).
_NOT_XML = "[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]"
_EMPTY = "<c/>"
_PARTS = {
    "[Content_Types].xml": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
        'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
        'officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/'
        'sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.'
        'spreadsheetml.worksheet+xml"/><Override PartName="/xl/styles.xml" ContentType='
        '"application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/></Types>'),
    "_rels/.rels": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>'),
    "xl/_rels/workbook.xml.rels": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" '
        'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" '
        'Target="styles.xml"/></Relationships>'),
    "xl/styles.xml": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        '<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font><font><b/>'
        '<sz val="11"/><name val="Calibri"/></font></fonts><fills count="2"><fill>'
        '<patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/>'
        '</fill></fills><borders count="1"><border><left/><right/><top/><bottom/><diagonal/>'
        '</border></borders><cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" '
        'borderId="0"/></cellStyleXfs><cellXfs count="2"><xf numFmtId="0" fontId="0" '
        'fillId="0" borderId="0" xfId="0"/><xf numFmtId="0" fontId="1" fillId="0" '
        'borderId="0" xfId="0" applyFont="1"/></cellXfs><cellStyles count="1"><cellStyle '
        'name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>'),
}
_SHEET_START = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                '<sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" '
                'activePane="bottomLeft" state="frozen"/></sheetView></sheetViews><sheetData>')
_SHEET_END = "</sheetData></worksheet>"


def _workbook_part(sheet: str) -> str:
    name = sheet
    for plain, escaped in _XML_ESCAPES:
        name = name.replace(plain, escaped)
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
            f'<sheets><sheet name="{name.replace(chr(34), "&quot;")}" sheetId="1" r:id="rId1"/>'
            '</sheets></workbook>')


class XlsxTable:
    """A one-sheet workbook streamed into ``target`` (a binary file or ``BytesIO``):
    :meth:`header`, then :meth:`rows` once per chunk, then :meth:`close`."""

    def __init__(self, target: Any, sheet: str = "Table"):
        self._zip = zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, allowZip64=True)
        parts = {**_PARTS, "xl/workbook.xml": _workbook_part(_sheet_title(sheet))}
        for name, text in parts.items():
            self._zip.writestr(zipfile.ZipInfo(name, _ZIP_DATE), text, zipfile.ZIP_DEFLATED)
        info = zipfile.ZipInfo("xl/worksheets/sheet1.xml", _ZIP_DATE)
        info.compress_type = zipfile.ZIP_DEFLATED
        self._sheet = self._zip.open(info, "w", force_zip64=True)
        self._sheet.write(_SHEET_START.encode("utf-8"))

    def header(self, names: list[object]) -> None:
        cells = "".join(_number_xml(n) if isinstance(n, numbers.Number) and
                        not isinstance(n, bool) else _text_xml(str(n), bold=True)
                        for n in names)
        self._sheet.write(f"<row>{cells}</row>".encode())

    def rows(self, data: bytes) -> None:
        """Rows made by :func:`xlsx_rows` (in a worker process, for ``predict``)."""
        self._sheet.write(data)

    def close(self) -> None:
        self._sheet.write(_SHEET_END.encode("utf-8"))
        self._sheet.close()
        self._zip.close()


_ZIP_DATE = (2020, 1, 1, 0, 0, 0)  # the same bytes for the same table


def _sheet_title(text: str) -> str:
    # Excel's rules: at most 31 characters, none of []:*?/\
    return re.sub(r"[\[\]:*?/\\]", "-", text)[:31] or "Table"


def to_xlsx_bytes(frame: pd.DataFrame, index: bool = False,
                  digits: int = SIGNIFICANT_DIGITS, sheet: str = "Table") -> bytes:
    """``frame`` as an Excel workbook (.xlsx): the same cells as :func:`to_csv_bytes`
    (rounded to ``digits``, formula-like text neutralised), numbers as numbers, the
    header row bold and frozen."""
    if index:
        frame = frame.reset_index(names=[n if n is not None else ""
                                         for n in frame.index.names])
    out = io.BytesIO()
    table = XlsxTable(out, sheet)
    table.header(list(frame.columns))
    table.rows(xlsx_rows(frame, digits))
    table.close()
    return out.getvalue()


def xlsx_rows(frame: pd.DataFrame, digits: int = SIGNIFICANT_DIGITS) -> bytes:
    """The sheet XML of ``frame``'s rows (no header), for :meth:`XlsxTable.rows`."""
    if frame.empty:
        return b""
    cells = [_xml_cells(frame.iloc[:, j], digits) for j in range(frame.shape[1])]
    rows = pc.binary_join_element_wise(pa.scalar("<row>"), *cells, pa.scalar("</row>"), "")
    return "".join(rows.to_pylist()).encode("utf-8")


def _xml_cells(column: pd.Series, digits: int) -> pa.Array:
    """One column's cells as sheet XML (vectorised for numbers and text)."""
    values = column.to_numpy()
    kind = values.dtype.kind
    if kind in "fiu":
        numeric = _rounded(values, digits) if kind == "f" else values
        finite = np.isfinite(numeric) if kind == "f" else np.ones(len(values), dtype=bool)
        text = pc.cast(pa.array(numeric, from_pandas=True), pa.string())
        xml = pc.binary_join_element_wise("<c><v>", text, "</v></c>", "")
        if not finite.all():  # NaN blank; infinities as text, as the CSV writes them
            odd = pa.array([_EMPTY if np.isnan(v) else _text_xml(str(v))
                            for v in numeric[~finite]], type=pa.string())
            merged = np.array(xml.to_pylist(), dtype=object)
            merged[~finite] = odd.to_pylist()
            return pa.array(merged, type=pa.string())
        return xml
    if kind == "b":
        return pa.array(np.where(values, '<c t="b"><v>1</v></c>', '<c t="b"><v>0</v></c>'),
                        type=pa.string())
    values = column.astype(object).to_numpy(dtype=object)
    if pd.api.types.infer_dtype(values, skipna=True) in ("string", "empty"):
        text = pa.array(values, type=pa.string(), from_pandas=True)
        risky = pc.fill_null(pc.match_substring_regex(text, _FORMULA_START), False)
        text = pc.if_else(risky, pc.binary_join_element_wise("'", text, ""), text)
        text = pc.replace_substring_regex(text, _NOT_XML, "\ufffd")
        for plain, escaped in _XML_ESCAPES:
            text = pc.replace_substring(text, plain, escaped)
        xml = pc.binary_join_element_wise(
            '<c t="inlineStr"><is><t xml:space="preserve">', text, "</t></is></c>", "")
        return pc.fill_null(xml, _EMPTY)
    return pa.array([_cell_xml(_cell(v)) for v in values], type=pa.string())


def _cell_xml(cell: object) -> str:
    if cell is None:
        return _EMPTY
    if isinstance(cell, bool):
        return f'<c t="b"><v>{int(cell)}</v></c>'
    if isinstance(cell, numbers.Number):
        return _number_xml(cell)
    return _text_xml(str(cell))  # already neutralised by _cell


def _number_xml(value: Any) -> str:
    if isinstance(value, float) and not np.isfinite(value):
        return _EMPTY if np.isnan(value) else _text_xml(str(value))
    return f"<c><v>{value!r}</v></c>" if isinstance(value, float) else f"<c><v>{value}</v></c>"


def _text_xml(text: str, bold: bool = False) -> str:
    text = re.sub(_NOT_XML, "\ufffd", str(neutralise_cell(text)))
    for plain, escaped in _XML_ESCAPES:
        text = text.replace(plain, escaped)
    style = ' s="1"' if bold else ""
    return f'<c t="inlineStr"{style}><is><t xml:space="preserve">{text}</t></is></c>'
