"""Plumbing for validation: a column's cells as text, and the problems found in them.

Row numbers are 1-based *data rows*: the first row after the header is row 1 (a
spreadsheet shows it as row 2, under the header). Blank lines count as rows, so the
numbers match the file. A problem about the whole file has no row.

Problems are collected as :class:`Finding` objects (a rule and the rows it fails) and
turned into :class:`~risk.errors.Problem` objects only for the rows that are listed, so a
million bad cells cost a few vector operations, not a million objects.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from risk.errors import Problem, ValidationError
from risk.i18n import _, ngettext
from risk.schema import FILE_COLUMNS

#: At most this many problems are listed; the rest are counted ("and N more").
MAX_LISTED_PROBLEMS = 200
#: Longer cell values are shortened in messages.
SHOWN_CHARS = 60

_ORDER: dict[str | None, int] = {name: i for i, name in enumerate(FILE_COLUMNS)}


def shown(value: object) -> str:
    """A cell value as a message shows it (shortened when long)."""
    text = str(value)
    return text if len(text) <= SHOWN_CHARS else text[: SHOWN_CHARS - 3] + "..."


class Cells:
    """One column's cells as trimmed text, held as codes into its distinct values.

    Every rule about a single cell runs once per distinct value (a column of 100,000
    patients holds a few categories, a few thousand numbers) and is spread back to the
    rows by the codes. Missing cells (``None``/``NaN`` in a frame not read from a file)
    are blank; other values are read as their text.
    """

    def __init__(self, values: pd.Series | np.ndarray):
        codes, distinct = pd.factorize(np.asarray(values, dtype=object), use_na_sentinel=True)
        trimmed = [v.strip() if isinstance(v, str) else str(v).strip() for v in distinct]
        #: the distinct trimmed texts; the last one, "", stands for missing cells
        self.distinct = np.array(trimmed + [""], dtype=object)
        codes[codes < 0] = len(trimmed)
        self.codes = codes
        #: 1-based data row of each cell
        self.rows = np.arange(1, len(codes) + 1)

    def subset(self, keep: np.ndarray) -> Cells:
        """The cells of the rows where ``keep`` (rows keep their numbers)."""
        out = object.__new__(Cells)
        out.distinct, out.codes, out.rows = self.distinct, self.codes[keep], self.rows[keep]
        return out

    def spread(self, per_distinct: np.ndarray) -> np.ndarray:
        """A result per distinct value, as one value per row."""
        return np.asarray(per_distinct)[self.codes]  # type: ignore[no-any-return]  # numpy: indexing is typed Any

    def rows_where(self, per_distinct: np.ndarray) -> np.ndarray:
        """Row numbers whose value is flagged in ``per_distinct``."""
        return self.rows[np.asarray(per_distinct, dtype=bool)[self.codes]]  # type: ignore[no-any-return]  # numpy: indexing is typed Any

    def blank(self) -> np.ndarray:
        return self.spread(self.distinct == "")

    def text_at(self, row: int) -> str:
        return self.distinct[self.codes[np.searchsorted(self.rows, row)]]  # type: ignore[no-any-return]  # numpy: indexing is typed Any


def _cell(values: Cells | pd.Series, row: int) -> object:
    return values.text_at(row) if isinstance(values, Cells) else values.at[row]


@dataclass
class Finding:
    """One rule failed by some rows (``rows`` None: about the whole file)."""

    message: str | Callable[[int], str]
    column: str | None = None
    rows: np.ndarray | None = None
    values: Cells | pd.Series | None = None  # the cells as written, by row number
    allowed: str | None = None
    value: object = None

    @property
    def count(self) -> int:
        return 1 if self.rows is None else len(self.rows)

    def problems(self, limit: int) -> list[Problem]:
        if self.rows is None:
            return [Problem(self._text(None), None, self.column, self.value, self.allowed)]
        out = []
        for row in self.rows[:limit]:
            row = int(row)
            value = None if self.values is None else shown(_cell(self.values, row))
            out.append(Problem(self._text(row), row, self.column, value, self.allowed))
        return out

    def _text(self, row: int | None) -> str:
        if callable(self.message):
            assert row is not None  # a message per row comes with the rows
            return self.message(row)
        return self.message


@dataclass
class Findings:
    """Every problem found so far, in the order a reader fixes them."""

    items: list[Finding] = field(default_factory=list)

    def file(self, message: str, column: str | None = None, value: object = None,
             allowed: str | None = None) -> None:
        """A problem of the whole file (a column missing, refused...)."""
        self.items.append(Finding(message, column, None, None, allowed, value))

    def cells(self, rows: np.ndarray, column: str | None, message: str | Callable[[int], str],
              values: Cells | pd.Series | None = None, allowed: str | None = None) -> None:
        """A problem in each of ``rows`` (row numbers, ascending)."""
        if len(rows):
            self.items.append(Finding(message, column, np.asarray(rows), values, allowed))

    @property
    def total(self) -> int:
        return sum(f.count for f in self.items)

    def __bool__(self) -> bool:
        return bool(self.items)

    def problems(self, limit: int | None = MAX_LISTED_PROBLEMS) -> list[Problem]:
        """The first ``limit`` problems: file-wide ones as found, then by row and column."""
        per_rule = limit if limit is not None else max(f.count for f in self.items)
        found = [p for f in self.items for p in f.problems(per_rule)]
        found.sort(key=lambda p: (-1, 0) if p.row is None else (  # file-wide: as found
            p.row, _ORDER.get(p.column, len(_ORDER))))
        return found if limit is None else found[:limit]

    def error(self, limit: int = MAX_LISTED_PROBLEMS) -> ValidationError:
        """All problems as one error: the first ``limit`` listed, the rest counted."""
        listed, total = self.problems(limit), self.total
        summary = ngettext("{n} problem found", "{n} problems found", total).format(n=total)
        if total > len(listed):
            summary += _(" (the first {n} are listed)").format(n=len(listed))
            listed.append(Problem(_("... and {n} more problems not listed; fix these and check the file again").format(
                n=total - len(listed))))
        return ValidationError(listed, summary=summary)
