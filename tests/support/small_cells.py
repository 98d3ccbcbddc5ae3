"""Checks that a rendered page, a chart or a download shows no count from 1 to 4.

Written independently of :mod:`risk.cohort.disclosure`: they read what a person reads.
Text is searched for a whole number 1 to 4 standing alone (not a digit of a larger
number, a decimal, a percentage, a range such as "3-20%" or "ECOG 2-4", nor a grade such
as "G1"), after known phrases that hold small numbers which are not counts of patients
are removed (degrees of freedom, the number of groups compared, the rule's own words).
"""

from __future__ import annotations

import csv
import io
import re

import pandas as pd

#: A whole number 1 to 4 on its own: a count a reader could take as patients.
SMALL = re.compile(r"(?<![\w.,\-<>=/\[])([1-4])(?![\w.,%\-\]])")
#: Phrases whose small numbers are not counts of patients.
NOT_COUNTS = [
    re.compile(r"on \d+ degrees? of freedom"),
    re.compile(r"across \d+ groups"),
    re.compile(r"\(\d+ groups; pairwise"),
    re.compile(r"a count from 1 to \d+"),
    re.compile(r"1 to \d+ patients"),
    re.compile(r"chi-square [\d.]+"),
    re.compile(r"Chi-square"),
    re.compile(r"Table 1"),
    re.compile(r"(?i)line 2 in a spreadsheet|row 1 is the first line"),
    re.compile(r"fewer than \d+ patients"),
    re.compile(r"\d+ patients are needed"),
    re.compile(r"grade \d"),
    re.compile(r"ECOG \d"),
    re.compile(r"choice codes \(sex 1/2\)"),
    re.compile(r"> 1 means"),
    re.compile(r"\d+ deaths per estimated term"),
]
#: Keys of a plotly figure whose values are not read as text (packed arrays, axis ticks).
NOT_TEXT = {"bdata", "dtype", "shape", "ticktext", "tickvals", "colorscale"}
#: Table columns that name things (a level "1" of an integer characteristic is no count).
LABEL_COLUMNS = {"Characteristic", "Level", "Group", "Compared with", "Complication",
                 "Risk group", "Comparison", "Note"}


def small_counts_in_text(text: str) -> list[str]:
    """Each stretch of ``text`` around a small count (empty when there is none)."""
    for phrase in NOT_COUNTS:
        text = phrase.sub(" ", text)
    return [text[max(0, m.start() - 40):m.end() + 40] for m in SMALL.finditer(text)]


def strings_in(value) -> list[str]:
    """Every string inside a JSON-like value (a plotly figure's data and layout)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for k, v in value.items() if k not in NOT_TEXT for s in strings_in(v)]
    if isinstance(value, list | tuple):
        return [s for v in value for s in strings_in(v)]
    return []


def small_counts_in_chart(spec: dict) -> list[str]:
    """Small counts in a plotly chart: its texts, and the sizes of its bars and links."""
    found = [hit for s in strings_in(spec) if not s.startswith(("rgb", "#"))
             and len(s) < 5_000 for hit in small_counts_in_text(s.replace("<br>", " "))]
    for trace in spec.get("data", []):
        if trace.get("type") == "sankey":
            found += [f"sankey link {v}" for v in trace["link"]["value"] if 1 <= v < 5]
        if trace.get("type") == "bar" and isinstance(trace.get("y"), list):
            found += [f"bar {v}" for v in trace["y"]
                      if isinstance(v, int | float) and 1 <= v < 5 and float(v).is_integer()
                      and "Patients (count)" in str(spec.get("layout", {}))]
    return found


def csv_rows(data: bytes) -> list[dict]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))


def xlsx_rows(data: bytes) -> list[dict]:
    """A downloaded workbook's first sheet as rows keyed by its header (cells as text)."""
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(data), read_only=True).worksheets[0]
    values = [["" if v is None else (f"{v:g}" if isinstance(v, float) else str(v))
               for v in row] for row in sheet.iter_rows(values_only=True)]
    return [dict(zip(values[0], row, strict=False)) for row in values[1:]] if values else []


def small_counts_in_download(data: bytes, count_columns: set[str]) -> list[str]:
    """Small counts in a downloaded CSV or Excel workbook: in the named count columns,
    and at the start of a Table 1 cell ("3 (5.0%)")."""
    rows = xlsx_rows(data) if data[:2] == b"PK" else csv_rows(data)
    found = []
    for k, row in enumerate(rows):
        for name, value in row.items():
            value = (value or "").strip()
            counted = name in count_columns or name.endswith(" months") or "(n=" in name
            if counted and re.fullmatch(r"[1-4](\.0)?", value):
                found.append(f"row {k + 1}, {name}: {value}")
            if "(n=" in name and re.match(r"[1-4] \(", value):
                found.append(f"row {k + 1}, {name}: {value}")
        found += [f"header {h}" for h in row if re.search(r"\(n=[1-4]\)", h)]
    return found


def frame_text(frame: pd.DataFrame) -> str:
    """A table's headers and cells as one text (without the columns that name things)."""
    counted = frame[[c for c in frame.columns if c not in LABEL_COLUMNS]]
    return " | ".join([*map(str, frame.columns), *map(str, counted.to_numpy().ravel())])
