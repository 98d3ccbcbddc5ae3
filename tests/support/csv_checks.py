"""The bytes conventions every CSV the tool writes keeps (:mod:`risk.data.export`): a
check shared by the writer's, the pages' and the batch command's tests."""

from __future__ import annotations

import csv
import io

BOM = b"\xef\xbb\xbf"


def check_csv_conventions(data: bytes) -> list[list[str]]:
    """Assert the conventions of one whole file; return its rows as text cells."""
    assert data.startswith(BOM), "UTF-8 with a byte-order mark"
    assert BOM not in data[len(BOM):], "one byte-order mark, at the start"
    text = data[len(BOM):].decode("utf-8")
    assert text.endswith("\r\n"), "CRLF after the last row"
    assert "\n" not in text.replace("\r\n", ""), "no bare LF: every line ends in CRLF"
    rows = list(csv.reader(io.StringIO(text, newline="")))
    for row in rows:
        for cell in row:
            assert not cell.startswith(("=", "+", "@", "\t", "\r")), cell
            if cell.startswith("-"):
                float(cell)  # a leading minus only on a number
    return rows
