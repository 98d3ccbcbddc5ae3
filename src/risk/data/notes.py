"""Notes about a file: what reading and validating it did, as codes and counts.

One type for the validator's notes (grades derived, defaults, blank rows) and the
workbook reader's (:mod:`risk.data.workbook`: which sheet, percent and date cells,
formulas); ``str`` words each one, once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
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
        words = _WORDS.get(self.code)
        if words is None:
            raise ValueError(f"unknown note code {self.code!r}")
        return words(self)

    @property
    def where(self) -> str:
        """The column, with its letter in a workbook: ``column E (primary_ki67)``."""
        return f"column {self.letter} ({self.column})" if self.letter else self.column


def _sheets(names: tuple[str, ...]) -> str:
    return ", ".join(f"'{s}'" for s in names)


def _sheet_read(note: Note) -> str:
    text = f"read sheet '{note.sheet}' of the workbook"
    if note.columns:
        text += (f"; its other worksheets ({_sheets(note.columns)}) were not read: choose "
                 "one with the sheet picker or --sheet NAME")
    return text


_WORDS: dict[str, Callable[[Note], str]] = {
    "derived": lambda n: f"{n.column} derived from Ki-67/mitoses in {_rows(n.count)}",
    "default": lambda n: (f"{n.column} blank in {_rows(n.count)}, read as "
                          f"'{BY_NAME[n.column].default}'"),
    "blank_rows": lambda n: f"{_rows(n.count, 'blank row')} skipped",
    "outcomes_ignored": lambda n: ("outcome columns ignored for a prediction: "
                                   + ", ".join(n.columns)),
    "sheet": _sheet_read,
    "chart_sheet": lambda n: f"chart sheets skipped (they hold no table): {_sheets(n.columns)}",
    "percent": lambda n: (f"{n.where}: {_rows(n.count, 'cell')} formatted as percent in "
                          "Excel, read as the number shown (19% as 19, not 0.19)"),
    "dates": lambda n: (f"{n.where}: {_rows(n.count, 'cell')} formatted as dates or times "
                        "in Excel, read as the numbers they hold (a number formatted as a "
                        "date shows as one; check these cells)"),
    "formulas": lambda n: (f"{_rows(n.count, 'formula cell')} read as the values Excel "
                           "last saved (formulas are never run here)"),
    "empty_stop": lambda n: (f"sheet '{n.sheet}': reading stopped at row {n.row:,} after "
                             f"{n.count:,} empty rows in a row; anything further down the "
                             "sheet was not read"),
}


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
