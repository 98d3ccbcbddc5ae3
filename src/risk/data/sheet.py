"""One worksheet of an .xlsx read into text cells (for :mod:`risk.data.workbook`), and
where those cells came from (:class:`SheetOrigin`, read with :func:`origin_of`).

One pass over the sheet's XML with openpyxl's parser (pinned version), which also says
whether a cell held a formula: what each cell becomes, and what is refused, is told in
:mod:`risk.data.workbook`. Reading stops after :data:`EMPTY_RUN` empty rows in a row.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import pandas as pd

from risk.data.notes import Note
from risk.errors import Problem, ValidationError
from risk.schema import BY_NAME, MAX_ROWS

if TYPE_CHECKING:
    from openpyxl.workbook import Workbook

__all__ = ["SheetOrigin", "origin_of", "column_letter", "EMPTY_RUN"]

#: Reading stops after this many empty rows in a row.
EMPTY_RUN = 1_000
#: At most this many cell problems (formulas, errors) are listed.
MAX_CELL_PROBLEMS = 200
_ORIGIN = "risk.sheet_origin"  # the frame's attrs key (read only through origin_of)


@dataclass(frozen=True)
class SheetOrigin:
    """Where a frame of text cells came from: a workbook's sheet, header on row 1.

    ``notes``: what reading the sheet did (percent and date cells, formulas...).
    """

    sheet: str
    header_row: int = 1
    notes: tuple[Note, ...] = ()

    def locate(self, problems: list[Problem], headers: list[str]) -> list[Problem]:
        """Problems numbered as validation numbers them (data rows, the frame's column
        names) told as Excel shows them: the sheet, its row, the column's letter.
        ``headers`` are the frame's column names, in the sheet's order from column A."""
        from risk.data.chunks import renumbered

        letters: dict[str, list[str]] = {}
        for position, name in enumerate(headers):
            letters.setdefault(str(name), []).append(column_letter(position + 1))
        out = []
        for problem in problems:
            if problem.row is not None:
                problem = renumbered(problem, self.header_row)
            letter = ", ".join(letters.get(problem.column or "", [])) or None
            out.append(replace(problem, sheet=self.sheet, letter=letter))
        return out


def origin_of(frame: pd.DataFrame) -> SheetOrigin | None:
    """The sheet a frame of text cells was read from (None for a CSV)."""
    origin = frame.attrs.get(_ORIGIN)
    return origin if isinstance(origin, SheetOrigin) else None


def column_letter(number: int) -> str:
    """1 -> 'A', 27 -> 'AA' (Excel's column names)."""
    letters = ""
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters



def _too_many_rows(sheet: str) -> ValidationError:
    return ValidationError([Problem(f"the sheet has more than {MAX_ROWS:,} data rows",
                                    sheet=sheet, allowed=f"at most {MAX_ROWS:,} patients")],
                           summary="the file cannot be read")


def _parser_class() -> Any:
    from openpyxl.worksheet._reader import FORMULA_TAG, WorkSheetParser

    class FormulaAware(WorkSheetParser):  # type: ignore[misc]  # openpyxl is untyped
        """openpyxl's parser, also saying whether a cell held a formula."""

        def parse_cell(self, element):  # type: ignore[no-untyped-def]
            cell = super().parse_cell(element)
            cell["formula"] = element.find(FORMULA_TAG) is not None
            return cell

    return FormulaAware


_MERGE = re.compile(rb'<(?:\w+:)?mergeCell\s+ref="([A-Z]+[0-9]+(?::[A-Z]+[0-9]+)?)"')


class SheetReader:
    """One pass over a sheet's XML: text cells, notes and problems."""

    def __init__(self, book: Workbook, sheet: str, notes: list[Note]):
        self.book, self.sheet, self.notes = book, sheet, notes
        self.ws = book[sheet]
        self.problems: list[Problem] = []
        self.n_problems = 0
        self.formats: dict[int, bool] = {}  # style id -> a percent format
        self.percent: dict[int, int] = {}  # column -> cells
        self.dates: dict[int, int] = {}
        self.formulas = 0
        self.header: dict[int, str] = {}  # row 1's text by column number

    # ------------------------------------------------------------------ cells
    def _is_percent(self, style_id: int) -> bool:
        if style_id not in self.formats:
            from openpyxl.styles.numbers import BUILTIN_FORMATS, BUILTIN_FORMATS_MAX_SIZE

            fmt_id = self.book._cell_styles[style_id].numFmtId
            fmt = (BUILTIN_FORMATS.get(fmt_id, "General") if fmt_id < BUILTIN_FORMATS_MAX_SIZE
                   else self.book._number_formats[fmt_id - BUILTIN_FORMATS_MAX_SIZE])
            unquoted = re.sub(r'"[^"]*"|\\.', "", str(fmt))
            self.formats[style_id] = "%" in unquoted
        return self.formats[style_id]

    def _problem(self, row: int, column: int, message: str, value: object = None) -> None:
        self.n_problems += 1
        if len(self.problems) < MAX_CELL_PROBLEMS:
            name = self.header.get(column, "").strip().lower() or None
            self.problems.append(Problem(message, row=row, column=name, value=value,
                                         sheet=self.sheet, letter=column_letter(column)))

    def _text(self, cell: dict[str, Any]) -> str:
        value, kind, row, column = cell["value"], cell["data_type"], cell["row"], cell["column"]
        if cell.get("formula"):
            self.formulas += 1
            if value is None:
                self._problem(row, column, "a formula without a saved value (the file was "
                              "written by a program that does not calculate): open it in "
                              "Excel, let it calculate and save it, or type the value")
                return ""
        if value is None:
            return ""
        if kind == "e":
            self._problem(row, column, "holds an Excel error instead of a value", value)
            return ""
        if isinstance(value, bool):
            return "1" if value else "0"
        if kind == "d":  # an ISO date cell (t="d"): its serial number
            from openpyxl.utils.datetime import to_excel

            self.dates[column] = self.dates.get(column, 0) + 1
            return _number_text(to_excel(value, self.book.epoch))
        if not isinstance(value, int | float):
            return str(value)
        style = int(cell["style_id"] or 0)
        if style in self.book._date_formats:  # the serial number, as stored
            self.dates[column] = self.dates.get(column, 0) + 1
        elif self._is_percent(style):
            self.percent[column] = self.percent.get(column, 0) + 1
            exact = Decimal(repr(value)) * 100
            return _number_text(float(exact), exact)
        return _number_text(value)

    # ------------------------------------------------------------------ rows
    def _rows(self) -> Iterator[tuple[int, list[dict[str, Any]]]]:
        ws = self.ws
        self.source = ws._get_source()
        # no date formats: a date-formatted number stays the number stored (turning it
        # into a date and back loses Excel's 29 February 1900, serial 60)
        self.parser = _parser_class()(self.source, ws._shared_strings, data_only=True,
                                      epoch=self.book.epoch)
        yield from self.parser.parse()

    def frame(self) -> pd.DataFrame:
        grid: dict[int, dict[int, str]] = {}
        last, stopped = 0, 0
        try:
            for number, cells in self._rows():
                if number - max(last, 1) > EMPTY_RUN:
                    stopped = max(last, 1) + EMPTY_RUN
                    break
                texts = {c["column"]: self._text(c) for c in cells}
                texts = {k: v for k, v in texts.items() if v != ""}
                if number == 1:
                    self.header = texts
                if texts:
                    grid[number], last = texts, number
                    if number > MAX_ROWS + 1:
                        raise _too_many_rows(self.sheet)
            merges = self._merges(stopped)
        finally:
            self.source.close()
        self._check_layout(grid, merges)
        if stopped:
            self.notes.append(Note("empty_stop", EMPTY_RUN, sheet=self.sheet, row=stopped))
        return self._table(grid)

    def _merges(self, stopped: int) -> list[str]:
        if not stopped:
            found = self.parser.merged_cells
            return [m.coord for m in found.mergeCell] if found is not None else []
        # stopped early: find the merges in the rest of the XML without parsing it
        refs, tail = [], b""
        while chunk := self.source.read(1 << 20):
            text = tail + chunk
            refs += [m.decode() for m in _MERGE.findall(text)]
            tail = text[-200:]
            refs = list(dict.fromkeys(refs))
        return refs

    def _hidden(self, grid: dict[int, dict[int, str]]) -> tuple[list[int], list[str]]:
        def hidden(attrs: dict[str, str]) -> bool:
            return str(attrs.get("hidden", "0")).lower() in ("1", "true")

        rows = sorted(int(r) for r, a in self.parser.row_dimensions.items()
                      if hidden(a) and int(r) in grid)
        used = {c for cells in grid.values() for c in cells}
        columns = []
        for attrs in self.parser.column_dimensions.values():
            if hidden(attrs):
                span = range(int(attrs.get("min", 0)), int(attrs.get("max", 0)) + 1)
                columns += [column_letter(c) for c in span if c in used]
        return rows, columns

    def _check_layout(self, grid: dict[int, dict[int, str]], merges: list[str]) -> None:
        sheet = self.sheet
        if self.n_problems:
            more = self.n_problems - len(self.problems)
            listed = self.problems + ([Problem(f"... and {more} more cells like these")]
                                      if more else [])
            cells = f"{self.n_problems} cell{'s' if self.n_problems != 1 else ''}"
            raise ValidationError(listed, summary=f"{cells} of the workbook cannot be read")
        problems = []
        if merges:
            problems.append(Problem(
                "merged cells: " + ", ".join(merges[:10]) + (", ..." if len(merges) > 10
                                                             else "")
                + " (a merged cell's value is in its first cell only); unmerge them "
                "(Home > Merge & Center) and fill in every cell", sheet=sheet))
        rows, columns = self._hidden(grid)
        if rows:
            problems.append(Problem(
                "hidden rows hold data: " + ", ".join(map(str, rows[:10]))
                + (", ..." if len(rows) > 10 else "") + "; unhide them (or delete them) so "
                "that what is read is what you see", sheet=sheet))
        if columns:
            problems.append(Problem("hidden columns hold data: " + ", ".join(columns[:10])
                                    + "; unhide them (or delete them)", sheet=sheet))
        problems += self._header_problems(grid)
        if problems:
            raise ValidationError(problems, summary="the sheet cannot be read as a table")

    def _header_problems(self, grid: dict[int, dict[int, str]]) -> list[Problem]:
        if not grid:
            return [Problem("the sheet is empty", sheet=self.sheet,
                            allowed="a header row on row 1 and one row per patient")]
        known = {r: sum(str(v).strip().lower() in BY_NAME for v in cells.values())
                 for r, cells in grid.items() if r <= 20}
        first = min(grid)
        best = max(known, key=lambda r: (known[r], -r))
        if first == 1 and (known.get(1, 0) or not known[best]):
            return []
        found = f"; the column names seem to be on row {best}" if known[best] else ""
        above = ("row 1 is empty" if first > 1 else
                 f"row 1 holds {', '.join(repr(v) for v in list(grid[1].values())[:3])}")
        return [Problem(f"the header (the column names) must be on row 1: {above}{found}; "
                        "delete the rows above the header", sheet=self.sheet)]

    def _table(self, grid: dict[int, dict[int, str]]) -> pd.DataFrame:
        width = max(max(cells) for cells in grid.values())
        header = grid.pop(1)
        names = [header.get(c, "").strip().lower() for c in range(1, width + 1)]
        last = max(grid, default=1)
        rows = [[grid.get(r, {}).get(c, "") for c in range(1, width + 1)]
                for r in range(2, last + 1)]
        frame = pd.DataFrame(rows, columns=range(width), dtype=object)
        frame.columns = names
        notes = list(self.notes)
        for code, counts in (("percent", self.percent), ("dates", self.dates)):
            notes += [Note(code, n, header.get(c, "").strip().lower(), letter=column_letter(c))
                      for c, n in sorted(counts.items())]
        if self.formulas:
            notes.append(Note("formulas", self.formulas))
        frame.attrs[_ORIGIN] = SheetOrigin(self.sheet, 1, tuple(notes))
        return frame


def _number_text(value: float | int, exact: Decimal | None = None) -> str:
    """A number as a person types it: ``63``, not ``63.0``; the shortest exact decimal."""
    if exact is not None:
        text = format(exact.normalize(), "f")
        return text if float(text) == value else repr(value)
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return str(int(value))
    return repr(value) if isinstance(value, float) else str(value)
