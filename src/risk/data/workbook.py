"""Excel workbooks (.xlsx) for the one reader, :func:`risk.data.reading.read_cells`.

A sheet becomes the same frame of text cells a CSV does, so validation and its messages
are the same; the frame carries a :class:`risk.data.sheet.SheetOrigin` (see
:func:`risk.data.sheet.origin_of`) with which
validation names every problem's sheet, Excel row (header row counted) and column letter.

What a cell becomes, and why:

- a formula: the value Excel last saved with it (openpyxl ``data_only``), never
  evaluated; a formula without a saved value (a file written by a program that does not
  calculate) or with an error (``#DIV/0!``) is a problem naming its cell;
- a number formatted as percent: the number shown (Ki-67 typed as 19% is stored as
  0.19; it is read as 19), with a note; a number formatted as a date or time: the number
  stored (the serial day count), with a note;
- TRUE/FALSE: 1/0; text as written; a whole number without a trailing ``.0``.

Refused with a message saying what to do: a macro-enabled workbook, a zip that is not a
workbook, merged cells, hidden rows or columns that hold data, a header not on row 1, a
formula without a saved value. Reading stops after :data:`risk.data.sheet.EMPTY_RUN` empty rows in a row
(a sheet formatted down to row 1,048,576 is read in bounded work), with a note.

The bytes are read from memory (``BytesIO``), in openpyxl's read-only streaming mode;
nothing is written to disk. openpyxl's sheet parser (pinned version) is used for the
cells, with one addition: whether a cell held a formula.
"""

from __future__ import annotations

import io
import zipfile
from typing import TYPE_CHECKING

import pandas as pd

from risk.data.notes import Note
from risk.data.sheet import SheetReader
from risk.errors import Problem, ValidationError

if TYPE_CHECKING:
    from openpyxl.workbook import Workbook

__all__ = ["read_workbook", "workbook_sheets", "ole_refusal"]

#: A workbook's parts may unpack to at most this many bytes (its XML compresses ~10x).
MAX_UNPACKED_BYTES = 1 << 30
_SAVE_XLSX = "save it as 'Excel Workbook (.xlsx)' or 'CSV UTF-8'"

def _refuse(message: str, sheet: str | None = None, allowed: str | None = None
            ) -> ValidationError:
    return ValidationError([Problem(message, sheet=sheet, allowed=allowed)],
                           summary="the file cannot be read")


# OLE2 compound files: an .xls, or an .xlsx encrypted with a password.
_ENCRYPTED = "EncryptedPackage".encode("utf-16-le")


def ole_refusal(data: bytes) -> ValidationError:
    """What to say about an OLE2 compound file (an old .xls, or an encrypted workbook)."""
    if _ENCRYPTED in data:
        return _refuse("the workbook is protected with a password (encrypted), so it "
                       "cannot be read: open it in Excel, remove the password (File > Info "
                       "> Protect Workbook > Encrypt with Password) and save it again")
    return _refuse("the file is an old-style Excel 97-2003 workbook (.xls), which is not "
                   f"read here: open it in Excel and {_SAVE_XLSX}")


def _archive_check(data: bytes) -> None:
    try:
        infos = zipfile.ZipFile(io.BytesIO(data)).infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        raise _refuse("the file is a damaged zip archive (an .xlsx is one): save the "
                      "workbook again from Excel") from None
    names = {info.filename for info in infos}
    # zipfile reads no more than a part's stated size: a zip bomb is refused here
    if sum(info.file_size for info in infos) > MAX_UNPACKED_BYTES:
        raise _refuse(f"the workbook unpacks to more than {MAX_UNPACKED_BYTES / 2**30:g} GB",
                      allowed="a workbook of one cohort table")
    if "xl/workbook.xml" not in names:
        kind = ("a Word document" if "word/document.xml" in names else
                "a PowerPoint file" if "ppt/presentation.xml" in names else
                "a zip archive but not an Excel workbook")
        raise _refuse(f"the file is {kind}; upload a workbook (.xlsx) or a CSV file")
    if "xl/vbaProject.bin" in names:
        raise _refuse("the workbook is macro-enabled (.xlsm, it holds macros); macros are "
                      "never run here, but such a file is not accepted: in Excel choose "
                      "File > Save a Copy > 'Excel Workbook (.xlsx)' and upload that")


def _open(data: bytes) -> Workbook:
    from openpyxl import load_workbook

    _archive_check(data)
    try:
        return load_workbook(io.BytesIO(data), read_only=True, data_only=True,
                             keep_links=False)
    except Exception as exc:  # noqa: BLE001 - any damage in the workbook's parts
        raise _refuse(f"the workbook cannot be read ({type(exc).__name__}); {_SAVE_XLSX}, "
                      "then try again") from None


def _worksheets(book: Workbook) -> tuple[list[str], list[str]]:
    """The worksheets' names and the chart sheets', in the workbook's order."""
    from openpyxl.chartsheet import Chartsheet

    sheets = [s.title for s in book._sheets if not isinstance(s, Chartsheet)]
    charts = [s.title for s in book._sheets if isinstance(s, Chartsheet)]
    return sheets, charts


def workbook_sheets(data: bytes) -> list[str]:
    """The names of a workbook's worksheets (chart sheets left out), in order."""
    book = _open(data)
    try:
        return _worksheets(book)[0]
    except Exception as exc:  # noqa: BLE001 - a damaged workbook
        raise _refuse(f"the workbook cannot be read ({type(exc).__name__}); {_SAVE_XLSX}, "
                      "then try again") from None
    finally:
        book.close()


def read_workbook(data: bytes, sheet: str | None = None) -> pd.DataFrame:
    """One sheet of an .xlsx as text cells (as :func:`risk.data.reading.read_cells`).

    ``sheet``: its name; default the first worksheet. Raises ValidationError.
    """
    book = _open(data)
    try:
        names, charts = _worksheets(book)
        notes: list[Note] = []
        if sheet is None:
            if not names:
                raise _refuse("the workbook has no worksheet (only chart sheets)")
            sheet = names[0]
            if len(names) > 1:
                notes.append(Note("sheet", sheet=sheet, columns=tuple(names[1:])))
            if charts and book.sheetnames.index(charts[0]) < book.sheetnames.index(sheet):
                notes.append(Note("chart_sheet", columns=tuple(charts)))
        elif sheet in charts:
            raise _refuse(f"'{sheet}' is a chart sheet, not a table",
                          allowed="a worksheet: " + ", ".join(f"'{s}'" for s in names))
        elif sheet not in names:
            raise _refuse(f"the workbook has no sheet named '{sheet}'",
                          allowed="one of " + ", ".join(f"'{s}'" for s in names))
        try:
            return SheetReader(book, sheet, notes).frame()
        except ValidationError:
            raise
        except Exception as exc:  # noqa: BLE001 - a damaged sheet: XML, zip or cell errors
            raise _refuse(f"the sheet cannot be read ({type(exc).__name__}); "
                          f"{_SAVE_XLSX}, then try again", sheet) from None
    finally:
        book.close()
