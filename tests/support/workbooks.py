"""Excel workbooks for tests, written with openpyxl as Excel would write them.

openpyxl writes a formula without the value Excel saves beside it; :func:`with_cached_values`
puts the values into the sheet's XML, so a test workbook holds what a workbook saved by
Excel holds (a formula and its last calculated value).
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from decimal import Decimal, InvalidOperation
from pathlib import Path

#: Columns written as percent-formatted cells (19 -> 0.19 shown as "19.0%").
PERCENT_COLUMNS = ("primary_ki67", "met_ki67")


def _number(text: str):
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None
    return int(value) if value == value.to_integral_value() and "." not in text else float(value)


def workbook_bytes(rows: list[list[object]], title: str = "Cohort", formats=None,
                   extra_sheets: tuple[str, ...] = ()) -> bytes:
    """A one-sheet (plus ``extra_sheets``) workbook; ``formats``: {(row, col): format}."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = title
    for row in rows:
        sheet.append(row)
    for (r, c), fmt in (formats or {}).items():
        sheet.cell(r, c).number_format = fmt
    for name in extra_sheets:
        book.create_sheet(name).append(["notes"])
    return saved(book)


def saved(book) -> bytes:
    """An openpyxl workbook's bytes, the same on every run (fixed dates)."""
    import datetime

    fixed = datetime.datetime(2020, 1, 1)
    book.properties.created = book.properties.modified = fixed
    out = io.BytesIO()
    book.save(out)
    stamp = re.compile(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*")
    return rezipped(out.getvalue(), lambda name, body: stamp.sub(
        rb"\g<1>2020-01-01T00:00:00Z", body) if name == "docProps/core.xml" else body)


def rezipped(data: bytes, edit=None) -> bytes:
    """The zip's parts again, with fixed dates; ``edit(name, body) -> body`` may change
    a part."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            body = source.read(info.filename)
            if edit is not None:
                body = edit(info.filename, body)
            target.writestr(zipfile.ZipInfo(info.filename, (2020, 1, 1, 0, 0, 0)), body,
                            zipfile.ZIP_DEFLATED)
    return out.getvalue()


def cohort_rows(csv_text: str, percent: tuple[str, ...] = PERCENT_COLUMNS):
    """The CSV's cells as a person types them into Excel: numbers as numbers, the
    ``percent`` columns as fractions with a percent format (Excel stores 19% as 0.19)."""
    table = list(csv.reader(io.StringIO(csv_text)))
    header = table[0]
    formats = {}
    rows: list[list[object]] = [header]
    for r, line in enumerate(table[1:], start=2):
        cells: list[object] = []
        for c, (name, text) in enumerate(zip(header, line, strict=True), start=1):
            value = _number(text) if text else None
            if name in percent and value is not None:
                value = float(Decimal(text) / 100)  # the double Excel stores for "19%"
                formats[(r, c)] = "0.0%"
            cells.append(text if value is None and text else value)
        rows.append(cells)
    return rows, formats


def cohort_workbook(csv_path: Path, formula_cell: str = "B2", **kwargs) -> bytes:
    """The cohort CSV as a workbook: percent-formatted Ki-67, and ``formula_cell`` (an
    age) a formula whose saved value is the CSV's number."""
    rows, formats = cohort_rows(Path(csv_path).read_text(encoding="utf-8"))
    column = ord(formula_cell[0]) - 64
    row = int(formula_cell[1:])
    value = rows[row - 1][column - 1]
    rows[row - 1][column - 1] = f"={value}-1+1"
    data = workbook_bytes(rows, formats=formats, **kwargs)
    return with_cached_values(data, {formula_cell: value})


def with_cached_values(data: bytes, values: dict[str, object], sheet: int = 1) -> bytes:
    """The workbook with each formula cell of ``values`` (e.g. {"B2": 45}) holding that
    saved value, as Excel writes it."""
    part = f"xl/worksheets/sheet{sheet}.xml"

    def edit(name: str, body: bytes) -> bytes:
        if name != part:
            return body
        text = body.decode("utf-8")
        for cell, value in values.items():
            text, n = re.subn(rf'(<c r="{cell}"[^>]*>\s*<f>[^<]*</f>)\s*<v\s*/>',
                              rf"\g<1><v>{value}</v>", text)
            assert n == 1, f"no formula cell {cell}"
        return text.encode("utf-8")

    return rezipped(data, edit)


def sheet_xml_edit(data: bytes, change, sheet: int = 1) -> bytes:
    """The workbook with its sheet's XML text passed through ``change(text) -> text``."""
    part = f"xl/worksheets/sheet{sheet}.xml"
    return rezipped(data, lambda name, body: change(body.decode()).encode()
                    if name == part else body)
