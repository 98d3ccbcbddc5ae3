"""CSV export with OWASP CSV-injection neutralisation (risk.data.export)."""

import io

import numpy as np
import pandas as pd
import pytest

from risk.data.export import neutralise, neutralise_cell, to_csv_bytes

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
    assert neutralise(frame).equals(frame)
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
