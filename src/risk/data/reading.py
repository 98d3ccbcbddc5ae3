"""Safe reading of a cohort file, CSV or Excel workbook: an upload (bytes, a file-like) or
a path, held in memory.

The one reader, :func:`read_cells`, only turns bytes into a frame of text cells;
:mod:`risk.data.validation` gives the cells their meaning. A workbook (.xlsx, recognised
by its bytes, not its name) is read by :mod:`risk.data.workbook` into the same frame,
which also carries the sheet it came from so that messages name the sheet, Excel row and
column letter. For a CSV it guarantees:

- the bytes are UTF-8 text (a UTF-8 byte-order mark is fine); anything else (Latin-1,
  UTF-16, an old .xls or encrypted workbook, binary data) is refused with a message
  saying what to do;
- at most :data:`risk.schema.MAX_FILE_BYTES` bytes and :data:`risk.schema.MAX_ROWS` data
  rows;
- every cell is a ``str`` exactly as written (no ``NA``/``null`` conversion, ``007``
  stays ``007``; empty cells are ``""``);
- header names are trimmed and lower-cased (the data dictionary's matching rule);
- the separator is a comma, or a semicolon/tab when the header line has no comma (as some
  spreadsheet exports write it);
- nothing is written to disk and nothing is logged.

Rows keep their order: row ``i`` of the frame (0-based) is data row ``i + 1`` of the file,
blank lines included, so messages can name rows as a spreadsheet user sees them.
"""

from __future__ import annotations

import codecs
import hashlib
import io
import os
import re
from pathlib import Path
from typing import IO, Any

import pandas as pd

from risk.errors import Problem, ValidationError
from risk.schema import MAX_FILE_BYTES, MAX_ROWS

__all__ = ["read_cells", "file_fingerprint", "read_source_bytes", "sheet_names",
           "is_workbook"]

#: What a file can be given as: its bytes, a path, or a file-like (e.g. an upload).
FileSource = bytes | str | os.PathLike[str] | IO[Any]

_SAVE_AS = "save it from your spreadsheet as 'CSV UTF-8 (comma delimited)'"

# Signatures of files people upload by mistake instead of a CSV export.
_SIGNATURES = {
    b"%PDF": "a PDF document",
}
#: A zip archive (an .xlsx is one) and an OLE2 compound file (an .xls, or an encrypted
#: workbook).
ZIP_SIGNATURE = b"PK\x03\x04"
OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def _refuse(message: str, allowed: str | None = None) -> ValidationError:
    return ValidationError([Problem(message, allowed=allowed)], summary="the file cannot be read")


def _too_big(size: int) -> ValidationError:
    return _refuse(f"the file is larger than {MAX_FILE_BYTES / 2**20:g} MB "
                   f"({size / 2**20:.1f} MB or more)",
                   allowed=f"a CSV file of at most {MAX_FILE_BYTES / 2**20:g} MB")


def _path_bytes(path: Path) -> bytes:
    try:
        if path.is_dir():
            raise _refuse(f"'{path}' is a folder, not a file")
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise _too_big(size)
        with path.open("rb") as handle:
            return handle.read(MAX_FILE_BYTES + 1)
    except FileNotFoundError:
        raise _refuse(f"no file named '{path}'") from None
    except PermissionError:
        raise _refuse(f"no permission to read '{path}'") from None
    except OSError as exc:  # e.g. a name too long, a device, a broken link
        raise _refuse(f"'{path}' cannot be read ({exc.strerror or type(exc).__name__})") from None


def _stream_bytes(stream: IO[Any]) -> bytes:
    """Read a file-like from where it stands, and put it back there (when seekable)."""
    seekable = getattr(stream, "seekable", lambda: False)()
    position = stream.tell() if seekable else None
    data = stream.read(MAX_FILE_BYTES + 1)
    if position is not None:  # seekable
        stream.seek(position)
    if isinstance(data, str):  # a text-mode handle: its text becomes UTF-8 bytes again
        data = data.encode("utf-8", errors="surrogatepass")
    return bytes(data or b"")


def read_source_bytes(source: FileSource) -> bytes:
    """The bytes of ``source``: ``bytes``, a path (``str``/``Path``) or a binary file-like.

    A file-like (e.g. Streamlit's ``UploadedFile``, a ``BytesIO``) is read from its current
    position and left there, so reading it twice gives the same bytes. More than
    :data:`~risk.schema.MAX_FILE_BYTES` bytes raise :class:`ValidationError`.
    """
    if isinstance(source, bytes | bytearray | memoryview):
        data = bytes(source)
    elif isinstance(source, str | os.PathLike):
        data = _path_bytes(Path(source))
    elif hasattr(source, "read"):
        data = _stream_bytes(source)
    else:
        raise TypeError(f"cannot read a cohort from a {type(source).__name__}; "
                        "give bytes, a path or a binary file-like")
    if len(data) > MAX_FILE_BYTES:
        raise _too_big(len(data))
    return data


def file_fingerprint(source: FileSource) -> str:
    """SHA-256 (hex) of the file's bytes: identifies a cohort in caches and model cards."""
    return hashlib.sha256(read_source_bytes(source)).hexdigest()


def _decode(data: bytes) -> str:
    """UTF-8 text (byte-order mark removed), or a ValidationError saying what the file is."""
    if not data.strip():
        raise _refuse("the file is empty", allowed="a header line and one line per patient")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise _refuse(f"the file is UTF-16 (or UTF-32) text, not UTF-8; {_SAVE_AS}")
    if data.startswith(OLE_SIGNATURE):
        from risk.data.workbook import ole_refusal

        raise ole_refusal(data)
    for signature, kind in _SIGNATURES.items():
        if data.startswith(signature):
            raise _refuse(f"the file is {kind}, not a CSV text file; {_SAVE_AS}")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise _refuse(
            f"the file is not UTF-8 text: line {line} holds the byte 0x{data[exc.start]:02x} "
            "(as a Latin-1/Windows export writes an accented letter, or a non-text file "
            "holds); " + _SAVE_AS
        ) from None
    if "\x00" in text:
        raise _refuse("the file holds binary data (NUL bytes), e.g. UTF-16 text without a "
                      f"byte-order mark or a non-text file; {_SAVE_AS}")
    return text


def _separator(text: str) -> str:
    """',' unless the header line has none and uses ';' or a tab instead."""
    header = text.split("\n", 1)[0]
    if "," in header:
        return ","
    if ";" in header:
        return ";"
    return "\t" if "\t" in header else ","


_FIELDS = re.compile(r"Expected (\d+) fields in line (\d+), saw (\d+)")


def _parse_error(exc: Exception) -> ValidationError:
    """pandas' tokenizer messages carry no cell values; say them in the user's words."""
    text = str(exc)
    found = _FIELDS.search(text)
    if found:
        want, line, saw = found.groups()
        return _refuse(
            f"line {line} has {saw} values but the header has {want} columns: a value with "
            "a comma must be quoted, or the line has extra separators",
            allowed="the same number of values on every line")
    if "EOF inside string" in text or "EOF following escape" in text:
        return _refuse("a quoted value is never closed (a '\"' without its partner)")
    return _refuse(f"the file is not a well-formed CSV ({text.strip().splitlines()[-1][:120]})")


def _parse(text: str) -> pd.DataFrame:
    try:
        return pd.read_csv(
            io.StringIO(text), sep=_separator(text), header=None, dtype=str,
            keep_default_na=False, na_filter=False, skip_blank_lines=False,
            nrows=MAX_ROWS + 2, engine="c",
        )
    except pd.errors.EmptyDataError:
        raise _refuse("the file is empty") from None
    except (pd.errors.ParserError, ValueError, OverflowError) as exc:
        raise _parse_error(exc) from None


def is_workbook(data: bytes) -> bool:
    """The bytes are a zip archive, so read as an Excel workbook (or refused as one)."""
    return data.startswith(ZIP_SIGNATURE)


def sheet_names(source: FileSource) -> list[str]:
    """A workbook's worksheets, in order (chart sheets left out); ``[]`` for a CSV.

    Raises ValidationError for a workbook that cannot be read."""
    data = read_source_bytes(source)
    if not is_workbook(data):
        return []
    from risk.data.workbook import workbook_sheets

    return workbook_sheets(data)


def read_cells(source: FileSource, sheet: str | None = None) -> pd.DataFrame:
    """Read a cohort CSV or Excel workbook into a frame of text cells.

    Parameters
    ----------
    source : str, Path, bytes or binary file-like
        A path, the raw bytes, or an upload (e.g. Streamlit's ``UploadedFile``).
    sheet : str, optional
        A workbook's sheet to read (default: its first worksheet); refused for a CSV.

    Returns
    -------
    pandas.DataFrame
        One column per header cell (names trimmed and lower-cased; a blank header cell
        becomes ``""``), one row per line after the header (blank lines included, as rows
        of ``""``), every cell a ``str``; index ``0..n-1``.

    Raises
    ------
    risk.errors.ValidationError
        The file is missing, too large, not UTF-8 text, not a well-formed CSV, or has
        more than :data:`~risk.schema.MAX_ROWS` data rows; for a workbook, see
        :mod:`risk.data.workbook`.
    """
    data = read_source_bytes(source)
    if is_workbook(data):
        from risk.data.workbook import read_workbook

        return read_workbook(data, sheet)
    if sheet is not None:
        raise _refuse(f"a sheet ('{sheet}') was asked for, but the file is CSV text, "
                      "which has no sheets", allowed="a sheet only for an Excel workbook")
    text = _decode(data)
    text = text.lstrip("\r\n")  # blank lines before the header carry nothing
    grid = _parse(text)
    if len(grid) - 1 > MAX_ROWS:
        raise _refuse(f"the file has more than {MAX_ROWS:,} data rows",
                      allowed=f"at most {MAX_ROWS:,} patients per file")
    header = [str(name).strip().lower() for name in grid.iloc[0]]
    frame = grid.iloc[1:].reset_index(drop=True)
    frame.columns = header
    return frame
