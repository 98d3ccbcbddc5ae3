"""Safe CSV reading: sources, encodings, caps, text cells, nothing written or logged."""

import builtins
import codecs
import hashlib
import io
import logging
import os

import pandas as pd
import pytest
from validation_helpers import BASE_ROWS, to_csv

from risk.data import reading as risk_io
from risk.data.reading import file_fingerprint, read_cells
from risk.errors import ValidationError
from risk.schema import VERSION_1_COLUMN_NAMES

VALID = to_csv(BASE_ROWS)


def _message(exc_info) -> str:
    return " ".join(str(p) for p in exc_info.value.problems)


class _Upload(io.BytesIO):
    """Like Streamlit's UploadedFile: a BytesIO with a name."""

    name = "cohort.csv"


@pytest.mark.parametrize("make", [
    lambda data, tmp: data,
    lambda data, tmp: bytearray(data),
    lambda data, tmp: memoryview(data),
    lambda data, tmp: io.BytesIO(data),
    lambda data, tmp: _Upload(data),
    lambda data, tmp: _write(tmp / "c.csv", data),
    lambda data, tmp: str(_write(tmp / "c.csv", data)),
], ids=["bytes", "bytearray", "memoryview", "BytesIO", "upload", "Path", "str path"])
def test_every_kind_of_source_gives_the_same_frame(make, tmp_path):
    frame = read_cells(make(VALID.encode(), tmp_path))
    assert list(frame.columns) == list(VERSION_1_COLUMN_NAMES)
    assert frame.shape == (len(BASE_ROWS), len(VERSION_1_COLUMN_NAMES))
    assert frame.loc[0, "patient_id"] == "P001"


def _write(path, data):
    path.write_bytes(data)
    return path


def test_cells_are_text_exactly_as_written():
    frame = read_cells(b"patient_id,age,sex,extra\n007,64.50,NA,\n  P2 ,null,None, x\n")
    assert frame.to_dict("records") == [
        {"patient_id": "007", "age": "64.50", "sex": "NA", "extra": ""},
        {"patient_id": "  P2 ", "age": "null", "sex": "None", "extra": " x"},
    ]
    assert all(isinstance(v, str) for v in frame.to_numpy().ravel())


def test_header_is_trimmed_and_lower_cased_and_bom_removed():
    frame = read_cells(codecs.BOM_UTF8 + b" Patient_ID ,AGE\r\nP1,50\r\n")
    assert list(frame.columns) == ["patient_id", "age"]
    assert frame.loc[0, "age"] == "50"  # CRLF: no '\r' left in the last cell


def test_a_file_like_is_left_where_it_was():
    upload = _Upload(VALID.encode())
    first = read_cells(upload)
    assert upload.tell() == 0
    assert file_fingerprint(upload) == hashlib.sha256(VALID.encode()).hexdigest()
    pd.testing.assert_frame_equal(read_cells(upload), first)


def test_text_mode_handle_is_read_as_utf8():
    frame = read_cells(io.StringIO("patient_id,site\nP1,Hôpital\n"))
    assert frame.loc[0, "site"] == "Hôpital"


def test_fingerprint_is_sha256_of_the_bytes_whatever_the_source(tmp_path):
    data = VALID.encode()
    expected = hashlib.sha256(data).hexdigest()
    path = _write(tmp_path / "c.csv", data)
    assert {file_fingerprint(data), file_fingerprint(path), file_fingerprint(str(path)),
            file_fingerprint(io.BytesIO(data))} == {expected}
    assert file_fingerprint(data + b"\n") != expected


def test_semicolon_and_tab_separated_files_are_read():
    for sep in (";", "\t"):
        frame = read_cells(to_csv(BASE_ROWS, sep=sep).encode())
        assert list(frame.columns) == list(VERSION_1_COLUMN_NAMES)
        assert frame.loc[0, "os_months"] == "30.5"


def test_blank_lines_are_kept_as_rows_so_row_numbers_match_the_file():
    frame = read_cells(b"\n\npatient_id,age\nP1,50\n\nP2,60\n")
    assert frame["patient_id"].tolist() == ["P1", "", "P2"]


def test_short_lines_are_padded_with_blank_cells():
    frame = read_cells(b"a,b,c\n1\n")
    assert frame.loc[0].tolist() == ["1", "", ""]


def test_quoted_values_keep_commas_and_newlines():
    frame = read_cells(b'patient_id,notes\nP1,"a, b\nc"\n')
    assert frame.loc[0, "notes"] == "a, b\nc"


@pytest.mark.parametrize(("data", "expected"), [
    (b"", "empty"),
    (b"  \r\n\n", "empty"),
    ("patient_id\nHôpital\n".encode("latin-1"), "not UTF-8 text: line 2 holds the byte 0xf4"),
    ("patient_id\nP1\n".encode("utf-16"), "UTF-16"),
    ("patient_id\nP1\n".encode("utf-16-le"), "NUL bytes"),
    ("patient_id\nP1\n".encode("utf-32"), "UTF-16 (or UTF-32)"),
    (b"PK\x03\x04\x14\x00rest", "damaged zip archive"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "old-style Excel"),
    (b"%PDF-1.7\n", "PDF"),
    (b"a,b\n1,2\n3,4,5\n", "line 3 has 3 values but the header has 2 columns"),
    (b'a,b\n"1,2\n', "never closed"),
])
def test_unreadable_files_get_a_clear_error(data, expected):
    with pytest.raises(ValidationError) as exc_info:
        read_cells(data)
    assert expected in _message(exc_info)
    assert exc_info.value.summary == "the file cannot be read"


def test_missing_file_and_folder_are_clear_errors(tmp_path):
    with pytest.raises(ValidationError, match="no file named"):
        read_cells(tmp_path / "absent.csv")
    with pytest.raises(ValidationError, match="is a folder"):
        read_cells(tmp_path)
    with pytest.raises(ValidationError, match="no file named"):
        file_fingerprint(str(tmp_path / "absent.csv"))


def test_a_source_of_another_type_is_a_programming_error():
    with pytest.raises(TypeError, match="cannot read a cohort from a int"):
        read_cells(42)


def test_size_cap(monkeypatch, tmp_path):
    monkeypatch.setattr(risk_io, "MAX_FILE_BYTES", 100)
    data = VALID.encode()
    assert len(data) > 100
    for source in (data, io.BytesIO(data), _write(tmp_path / "big.csv", data)):
        with pytest.raises(ValidationError, match="larger than"):
            read_cells(source)
    read_cells(data[:90])  # under the cap: read


def test_row_cap(monkeypatch):
    monkeypatch.setattr(risk_io, "MAX_ROWS", 3)
    read_cells(b"a\n1\n2\n3\n")
    with pytest.raises(ValidationError, match="more than 3 data rows"):
        read_cells(b"a\n1\n2\n3\n4\n")


def test_reading_writes_nothing_and_logs_no_cell(monkeypatch, caplog):
    real_open = builtins.open

    def no_writes(file, mode="r", *args, **kwargs):
        if any(flag in mode for flag in "wax+"):
            raise AssertionError(f"the reader opened {file!r} for writing")
        return real_open(file, mode, *args, **kwargs)

    real_os_open = os.open

    def no_os_writes(path, flags, *args, **kwargs):
        if flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT):
            raise AssertionError(f"the reader opened {path!r} for writing")
        return real_os_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", no_writes)
    monkeypatch.setattr(os, "open", no_os_writes)
    caplog.set_level(logging.DEBUG)
    secret = to_csv([{**BASE_ROWS[0], "patient_id": "ZQXSECRET7"}]).encode()
    read_cells(secret)
    from risk.data.validation import load_cohort
    load_cohort(secret)
    with pytest.raises(ValidationError):
        load_cohort(secret.replace(b"ZQXSECRET7,64", b"ZQXSECRET7,640"))
    assert "ZQXSECRET7" not in caplog.text
