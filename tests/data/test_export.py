"""The one CSV writer (risk.data.export): OWASP CSV-injection neutralisation, and the bytes
conventions every download and output file shares."""

import io

import numpy as np
import pandas as pd
import pytest
from csv_checks import check_csv_conventions

from risk.data.export import neutralise_cell, to_csv_bytes

HOSTILE = ["=SUM(A1:A9)", "+1+1", "-2+3", "@SUM(1)", "\tcmd", "\r=1",
           "=cmd|' /C calc'!A0", '=HYPERLINK("http://x.invalid","click")']


def _read(data: bytes) -> pd.DataFrame:
    assert data.startswith(b"\xef\xbb\xbf")  # BOM: spreadsheets read UTF-8 correctly
    return pd.read_csv(io.BytesIO(data), encoding="utf-8-sig", dtype=str,
                       keep_default_na=False)


@pytest.mark.parametrize("cell", HOSTILE)
def test_hostile_text_is_prefixed_with_a_quote(cell):
    assert neutralise_cell(cell) == "'" + cell


@pytest.mark.parametrize("cell", ["G1 (Ki-67 < 3%)", "Same grade", "", "3 (12.5%)",
                                  "a=b", "x-1", "'=already"])
def test_ordinary_text_is_unchanged(cell):
    assert neutralise_cell(cell) == cell


def test_numbers_are_left_alone():
    assert neutralise_cell(-1.5) == -1.5
    assert neutralise_cell(-3) == -3
    frame = pd.DataFrame({"hazard_ratio": [-0.5, 1.2], "n": [-1, 2]})
    out = _read(to_csv_bytes(frame))
    assert list(out["hazard_ratio"]) == ["-0.5", "1.2"]
    assert list(out["n"]) == ["-1", "2"]


def test_a_hostile_table_round_trips_safely():
    frame = pd.DataFrame({
        "group": HOSTILE,
        "value": np.arange(len(HOSTILE)) - 3.5,
        "mixed": [-1, "=1+2", 2.5, None, "-x", True, "ok", "@a"],
        "category": pd.Categorical(["+a", "b"] * 4),
    })
    out = _read(to_csv_bytes(frame))
    assert list(out["group"]) == ["'" + c for c in HOSTILE]
    assert list(out["value"]) == [f"{v}" for v in np.arange(len(HOSTILE)) - 3.5]
    assert list(out["mixed"]) == ["-1", "'=1+2", "2.5", "", "'-x", "True", "ok", "'@a"]
    assert list(out["category"]) == ["'+a", "b"] * 4
    # Nothing in the file starts a cell with a formula character any more.
    for column in ("group", "mixed", "category"):
        assert not any(str(v).startswith(("=", "+", "@", "\t", "\r")) for v in out[column])


def test_hostile_headers_and_index_are_neutralised():
    frame = pd.DataFrame({"=cmd()": ["a"], "ok": ["b"]}, index=pd.Index(["+x"], name="id"))
    out = _read(to_csv_bytes(frame, index=True))
    assert list(out.columns) == ["id", "'=cmd()", "ok"]
    assert out.iloc[0, 0] == "'+x"


def test_the_input_frame_is_not_changed():
    frame = pd.DataFrame({"group": ["=1"]})
    to_csv_bytes(frame)
    assert frame.iloc[0, 0] == "=1"


def test_unicode_survives():
    frame = pd.DataFrame({"unit": ["per 2 mm²"], "label": ["Ki-67 ≥ 20%"]})
    out = _read(to_csv_bytes(frame))
    assert list(out.iloc[0]) == ["per 2 mm²", "Ki-67 ≥ 20%"]


def _table(n: int = 7) -> pd.DataFrame:
    return pd.DataFrame({
        "patient_id": [f"-P{i}" if i % 3 == 0 else f"P{i}" for i in range(n)],
        "surv_60": [0.1234567891, 0.98765432109, 0.5, 1 / 3, 0.0, 1.0, 0.1 + 0.2][:n],
        "p_value": [3.2e-9, np.nan, 0.5, 1.0, 0.04999999, 1e-4, 2.0][:n],
        "n": np.arange(n),
        "group": pd.Categorical(["=G1", "G2"] * (n // 2) + ["G3"] * (n % 2)),
        "note": ["", "a,b", "line\rbreak", None, "ok", "@x", "+1"][:n],
    })


def test_the_conventions_every_csv_keeps():
    data = to_csv_bytes(_table())
    rows = check_csv_conventions(data)
    assert rows[0] == ["patient_id", "surv_60", "p_value", "n", "group", "note"]
    assert [r[1] for r in rows[1:]] == ["0.123457", "0.987654", "0.5", "0.333333", "0",
                                     "1", "0.3"]  # 6 significant digits
    assert [r[2] for r in rows[1:]] == ["3.2e-9", "", "0.5", "1", "0.05", "0.0001", "2"]
    assert [r[0] for r in rows[1:4]] == ["'-P0", "P1", "P2"]
    assert [r[5] for r in rows[1:]] == ["", "a,b", "line\rbreak", "", "ok", "'@x", "'+1"]


def test_parts_written_after_the_header_are_the_table_written_at_once():
    """Chunked output (python -m risk predict): the header once, then each part's rows."""
    table = _table()
    parts = [table.iloc[:2], table.iloc[2:3], table.iloc[3:3], table.iloc[3:]]
    chunked = to_csv_bytes(table.iloc[:0]) + b"".join(to_csv_bytes(p, header=False)
                                                       for p in parts)
    assert chunked == to_csv_bytes(table)
    assert not to_csv_bytes(table.iloc[2:], header=False).startswith(b"\xef\xbb\xbf")


@pytest.mark.parametrize("special", ["a,b", 'say "x"', "cr\rhere"])
def test_a_cell_that_needs_quotes_changes_no_other_cell(special):
    """Cells are written by Arrow when none needs quoting, else by the csv module: the
    two give every other cell the same text."""
    table = _table().drop(columns="note")
    plain = check_csv_conventions(to_csv_bytes(table))
    quoted = check_csv_conventions(to_csv_bytes(table.assign(note=special)))
    assert [row[:-1] for row in quoted] == plain
    assert [row[-1] for row in quoted[1:]] == [special] * len(table)


def test_numbers_in_a_mixed_column_read_as_in_a_column_of_numbers():
    frame = pd.DataFrame({"mixed": [0.1234567891, "text", 50.0, 3, True, None],
                          "pure": [0.1234567891, 1.0, 50.0, 3.0, 1.0, np.nan]})
    rows = check_csv_conventions(to_csv_bytes(frame))[1:]
    assert [r[0] for r in rows] == ["0.123457", "text", "50", "3", "True", ""]
    assert rows[0][0] == rows[0][1] and rows[2][0] == rows[2][1]


# --------------------------------------------------------------------------- Excel

def _sheet(data: bytes):
    from io import BytesIO

    from openpyxl import load_workbook

    return load_workbook(BytesIO(data)).active


def test_the_workbook_holds_the_csv_cells_typed_and_neutralised():
    import numpy as np

    from risk.data.export import to_xlsx_bytes

    frame = pd.DataFrame({"id": ["=cmd|' /C calc'!A0", "+1", "plain <b>&", None],
                          "survival": [0.123456789, np.nan, 3.2e-9, 1.0],
                          "n": [1, 2, 3, 4], "uncertain": [True, False, True, False],
                          "mixed": [1.23456789, "-x", None, 7]})
    sheet = _sheet(to_xlsx_bytes(frame, sheet="Risk groups"))
    assert sheet.title == "Risk groups"
    values = [list(r) for r in sheet.values]
    assert values[0] == ["id", "survival", "n", "uncertain", "mixed"]
    assert values[1:] == [["'=cmd|' /C calc'!A0", 0.123457, 1, True, 1.23457],
                          ["'+1", None, 2, False, "'-x"],
                          ["plain <b>&", 3.2e-9, 3, True, None],
                          [None, 1, 4, False, 7]]
    # no cell of the workbook is a formula
    assert all(c.data_type != "f" for row in sheet.iter_rows() for c in row)
    assert sheet["B2"].data_type == "n" and sheet["A2"].data_type == "s"


def test_the_workbook_has_the_index_and_machine_digits_when_asked():
    from risk.data.export import MACHINE_DIGITS, to_xlsx_bytes

    frame = pd.DataFrame({"s": [0.1234567890123456]}, index=pd.Index(["=a"], name="grp"))
    values = [list(r) for r in _sheet(to_xlsx_bytes(frame, index=True,
                                                    digits=MACHINE_DIGITS)).values]
    assert values == [["grp", "s"], ["'=a", 0.123456789012]]


def test_the_workbook_is_built_in_memory_and_is_the_same_every_time(monkeypatch):
    import tempfile

    from risk.data.export import to_xlsx_bytes

    def refuse(*args, **kwargs):
        raise AssertionError("a temporary file was made")

    monkeypatch.setattr(tempfile, "NamedTemporaryFile", refuse)
    monkeypatch.setattr(tempfile, "mkstemp", refuse)
    frame = pd.DataFrame({"a": ["x\x01y", "ok"], "b": [1.5, 2.5]})
    first = to_xlsx_bytes(frame)
    assert first == to_xlsx_bytes(frame)
    assert [list(r) for r in _sheet(first).values][1] == ["x\ufffdy", 1.5]


def test_rounding_is_the_same_on_every_machine():
    """Each float rounded to its significant digits as scalar IEEE arithmetic gives it with
    exact powers of ten (n / 10**k: the double nearest the decimal), whatever the CPU's
    vectorised pow (an inexact 10**k made a shipped pack differ in a last bit)."""
    import math

    import numpy as np

    from risk.data.export import _rounded

    def reference(v: float, significant: int) -> float:
        k = significant - 1 - math.floor(math.log10(abs(v)))
        if abs(k) > 22:
            return float(f"{v:.{significant - 1}e}")
        return round(v * float(10**k)) / float(10**k) if k >= 0 else \
            round(v / float(10**-k)) * float(10**-k)

    rng = np.random.default_rng(7)
    x = rng.uniform(1, 10, 20_000) * 10.0 ** rng.integers(-30, 30, 20_000)
    x[::3] *= -1
    for significant in (6, 11):
        assert [reference(v, significant) for v in x.tolist()] == \
            _rounded(x, significant).tolist()
    # the value of the shipped pack's last-bit difference is its short decimal
    assert repr(float(_rounded(np.array([6.37578619810000048e-12]), 11)[0])) == \
        "6.3757861981e-12"
