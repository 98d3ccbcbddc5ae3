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

__all__ = ["CountText", "Note", "add_notes"]


#: How a count of patients' rows or cells is shown (a small-cell rule's ``count``).
CountText = Callable[[int], str]


def _form(shown: str, count: int) -> int:
    """The count that picks the noun's plural form: a suppressed count ("<5") takes the
    plural, so the noun never tells a 1 from the other small counts."""
    return count if shown.replace(",", "").isdigit() else 2


def _rows(count: CountText, n: int) -> str:
    shown = count(n)
    return ngettext("{n} row", "{n} rows", _form(shown, n)).format(n=shown)


def _cells(count: CountText, n: int) -> str:
    shown = count(n)
    return ngettext("{n} cell", "{n} cells", _form(shown, n)).format(n=shown)


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
        return self.words()

    def words(self, count: CountText = format_integer) -> str:
        """The note in the current language; ``count`` shows its counts of patients' rows
        or cells (:meth:`risk.cohort.Disclosure.count` shows a small one as "<5")."""
        words = _WORDS.get(self.code)
        if words is None:
            raise ValueError(f"unknown note code {self.code!r}")
        return words(self, count)

    @property
    def where(self) -> str:
        """The column, with its letter in a workbook: ``column E (primary_ki67)``."""
        if not self.letter:
            return self.column
        return _("column {letter} ({column})").format(letter=self.letter, column=self.column)


def _sheets(names: tuple[str, ...]) -> str:
    return _(", ").join(f"'{s}'" for s in names)


def _sheet_read(note: Note, count: CountText) -> str:
    if not note.columns:
        return _("read sheet '{sheet}' of the workbook").format(sheet=note.sheet)
    return _("read sheet '{sheet}' of the workbook; its other worksheets ({others}) were "
             "not read: choose one with the sheet picker or --sheet NAME").format(
        sheet=note.sheet, others=_sheets(note.columns))


def _derived(n: Note, count: CountText) -> str:
    return _("{column} derived from Ki-67/mitoses in {rows}").format(
        column=n.column, rows=_rows(count, n.count))


def _default(n: Note, count: CountText) -> str:
    return _("{column} blank in {rows}, read as '{default}'").format(
        column=n.column, rows=_rows(count, n.count),
        default=BY_NAME[n.column].default)


def _blank_rows(n: Note, count: CountText) -> str:  # empty rows: no patient to protect
    return ngettext("{n} blank row skipped", "{n} blank rows skipped", n.count).format(
        n=format_integer(n.count))


def _percent(n: Note, count: CountText) -> str:
    return _("{where}: {cells} formatted as percent in Excel, read as the number shown "
             "(19% as 19, not 0.19)").format(
        where=n.where, cells=_cells(count, n.count))


def _dates(n: Note, count: CountText) -> str:
    return _("{where}: {cells} formatted as dates or times in Excel, read as the numbers "
             "they hold (a number formatted as a date shows as one; check these "
             "cells)").format(
        where=n.where, cells=_cells(count, n.count))


def _formulas(n: Note, count: CountText) -> str:
    shown = count(n.count)
    return ngettext("{n} formula cell read as the value Excel last saved (formulas are "
                    "never run here)", "{n} formula cells read as the values Excel last "
                    "saved (formulas are never run here)", _form(shown, n.count)).format(n=shown)


def _empty_stop(n: Note, count: CountText) -> str:  # empty rows: no patient to protect
    return _("sheet '{sheet}': reading stopped at row {row} after {count} empty rows in a "
             "row; anything further down the sheet was not read").format(
        sheet=n.sheet, row=format_integer(n.row), count=format_integer(n.count))


_WORDS: dict[str, Callable[[Note, CountText], str]] = {
    "derived": _derived,
    "default": _default,
    "blank_rows": _blank_rows,
    "outcomes_ignored": lambda n, count: _("outcome columns ignored for a prediction: "
                                           "{columns}").format(columns=_(", ").join(n.columns)),
    "sheet": _sheet_read,
    "chart_sheet": lambda n, count: _("chart sheets skipped (they hold no table): "
                                      "{sheets}").format(sheets=_sheets(n.columns)),
    "percent": _percent,
    "dates": _dates,
    "formulas": _formulas,
    "empty_stop": _empty_stop,
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
