"""Notes about a file: what reading and validating it did, as codes and counts.

One type for the validator's notes (grades derived, defaults, blank rows) and the
workbook reader's (:mod:`risk.data.workbook`: which sheet, percent and date cells,
formulas); ``str`` words each one, once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from risk.i18n import _, format_integer, ngettext
from risk.schema import BY_NAME

__all__ = ["Note", "add_notes"]


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
        return (_("column {letter} ({column})").format(letter=self.letter, column=self.column)
                if self.letter else self.column)


def _sheets(names: tuple[str, ...]) -> str:
    return ", ".join(f"'{s}'" for s in names)


def _sheet_read(note: Note) -> str:
    if note.columns:
        return _("read sheet '{sheet}' of the workbook; its other worksheets ({others}) were "
                 "not read: choose one with the sheet picker or --sheet NAME").format(
                     sheet=note.sheet, others=_sheets(note.columns))
    return _("read sheet '{sheet}' of the workbook").format(sheet=note.sheet)


_WORDS: dict[str, Callable[[Note], str]] = {
    "derived": lambda n: ngettext("{column} derived from Ki-67/mitoses in {n} row",
                                  "{column} derived from Ki-67/mitoses in {n} rows",
                                  n.count).format(column=n.column, n=format_integer(n.count)),
    "default": lambda n: ngettext("{column} blank in {n} row, read as '{default}'",
                                  "{column} blank in {n} rows, read as '{default}'",
                                  n.count).format(column=n.column, n=format_integer(n.count),
                                                  default=BY_NAME[n.column].default),
    "blank_rows": lambda n: ngettext("{n} blank row skipped", "{n} blank rows skipped",
                                     n.count).format(n=format_integer(n.count)),
    "outcomes_ignored": lambda n: _("outcome columns ignored for a prediction: "
                                    "{columns}").format(columns=", ".join(n.columns)),
    "sheet": _sheet_read,
    "chart_sheet": lambda n: _("chart sheets skipped (they hold no table): {sheets}").format(
        sheets=_sheets(n.columns)),
    "percent": lambda n: ngettext(
        "{where}: {n} cell formatted as percent in Excel, read as the number shown (19% as "
        "19, not 0.19)", "{where}: {n} cells formatted as percent in Excel, read as the "
        "number shown (19% as 19, not 0.19)", n.count).format(
            where=n.where, n=format_integer(n.count)),
    "dates": lambda n: ngettext(
        "{where}: {n} cell formatted as a date or time in Excel, read as the number it "
        "holds (a number formatted as a date shows as one; check this cell)",
        "{where}: {n} cells formatted as dates or times in Excel, read as the numbers they "
        "hold (a number formatted as a date shows as one; check these cells)",
        n.count).format(where=n.where, n=format_integer(n.count)),
    "formulas": lambda n: ngettext(
        "{n} formula cell read as the value Excel last saved (formulas are never run here)",
        "{n} formula cells read as the values Excel last saved (formulas are never run here)",
        n.count).format(n=format_integer(n.count)),
    "empty_stop": lambda n: _(
        "sheet '{sheet}': reading stopped at row {row} after {n} empty rows in a row; "
        "anything further down the sheet was not read").format(
            sheet=n.sheet, row=format_integer(n.row), n=format_integer(n.count)),
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
