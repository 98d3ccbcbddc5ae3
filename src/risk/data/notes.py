"""Notes about a file: what reading and validating it did, as codes and counts.

One type for the validator's notes (grades derived, defaults, blank rows) and the
workbook reader's (:mod:`risk.data.workbook`: which sheet, percent and date cells,
formulas); ``str`` words each one, once.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from risk.schema import BY_NAME

__all__ = ["Note", "add_notes"]


def _rows(count: int, what: str = "row") -> str:
    return f"{count:,} {what}{'s' if count != 1 else ''}"


@dataclass(frozen=True)
class Note:
    """Something reading a file did to it, as a code and counts; ``str`` words it.

    Validation: ``"derived"`` (a grade derived from Ki-67/mitoses in ``count`` rows of
    ``column``), ``"default"`` (``column`` blank in ``count`` rows, read as its default),
    ``"blank_rows"`` (``count`` blank rows skipped), ``"outcomes_ignored"`` (``columns``
    not read for a prediction). A workbook: ``"sheet"`` (``sheet`` read; ``columns``:
    the other worksheets), ``"chart_sheet"`` (chart sheets ``columns`` skipped),
    ``"percent"`` / ``"dates"`` (``count`` cells of ``column``, letter ``letter``,
    formatted as percent / dates), ``"formulas"`` (``count`` formula cells read as their
    saved values), ``"empty_stop"`` (reading stopped at ``row`` after a run of ``count``
    empty rows). Notes of several chunks add up with :func:`add_notes`.
    """

    code: str
    count: int = 0
    column: str = ""
    columns: tuple[str, ...] = ()
    sheet: str = ""
    letter: str = ""
    row: int = 0

    def __str__(self) -> str:
        rows = _rows(self.count)
        where = f"column {self.letter} ({self.column})" if self.letter else self.column
        if self.code == "derived":
            return f"{self.column} derived from Ki-67/mitoses in {rows}"
        if self.code == "default":
            return f"{self.column} blank in {rows}, read as '{BY_NAME[self.column].default}'"
        if self.code == "blank_rows":
            return f"{_rows(self.count, 'blank row')} skipped"
        if self.code == "outcomes_ignored":
            return f"outcome columns ignored for a prediction: {', '.join(self.columns)}"
        if self.code == "sheet":
            others = ", ".join(f"'{s}'" for s in self.columns)
            return (f"read sheet '{self.sheet}' of the workbook" + (
                f"; its other worksheets ({others}) were not read: choose one with the "
                "sheet picker or --sheet NAME" if others else ""))
        if self.code == "chart_sheet":
            return ("chart sheets skipped (they hold no table): "
                    + ", ".join(f"'{s}'" for s in self.columns))
        if self.code == "percent":
            return (f"{where}: {_rows(self.count, 'cell')} formatted as percent in Excel, "
                    "read as the number shown (19% as 19, not 0.19)")
        if self.code == "dates":
            return (f"{where}: {_rows(self.count, 'cell')} formatted as dates or times in "
                    "Excel, read as the numbers they hold (a number formatted as a date "
                    "shows as one; check these cells)")
        if self.code == "formulas":
            return (f"{_rows(self.count, 'formula cell')} read as the values Excel last "
                    "saved (formulas are never run here)")
        if self.code == "empty_stop":
            return (f"sheet '{self.sheet}': reading stopped at row {self.row:,} after "
                    f"{self.count:,} empty rows in a row; anything further down the sheet "
                    "was not read")
        raise ValueError(f"unknown note code {self.code!r}")


def add_notes(*groups: Iterable[Note]) -> tuple[Note, ...]:
    """Notes of several reads (e.g. chunks of one file) with the counts of the same note
    (all but the count equal) summed, in order of first appearance."""
    totals: dict[tuple[Any, ...], Note] = {}
    for note in (n for group in groups for n in group):
        key = (note.code, note.column, note.columns, note.sheet, note.letter, note.row)
        known = totals.get(key)
        totals[key] = note if known is None else Note(
            note.code, known.count + note.count, note.column, note.columns, note.sheet,
            note.letter, note.row)
    return tuple(totals.values())
