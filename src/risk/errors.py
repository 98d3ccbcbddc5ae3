"""The package's own errors: what a user can act on, never a traceback."""

from __future__ import annotations

from dataclasses import dataclass

from risk.i18n import _, ngettext


class RiskError(Exception):
    """Base of every error that reaches a user as a clear message."""


@dataclass(frozen=True)
class Problem:
    """One problem in a file or form: where, what was found, and what is allowed."""

    message: str
    #: 1-based data row of a CSV (1 = the line under the header); in a workbook
    #: (``sheet`` set) the sheet's own row number, as Excel shows it (header row counted).
    row: int | None = None
    column: str | None = None
    value: object = None
    allowed: str | None = None
    sheet: str | None = None  # the workbook's sheet the problem is in
    letter: str | None = None  # the column's letter in that sheet (e.g. "C")

    def __str__(self) -> str:
        where = []
        if self.sheet is not None:
            where.append(f"sheet '{self.sheet}'")
        if self.row is not None:
            where.append(_("row {row}").format(row=self.row))
        if self.column is not None and self.letter:
            where.append(_("column {letter} '{column}'").format(letter=self.letter,
                                                               column=self.column))
        elif self.column is not None:
            where.append(_("column '{column}'").format(column=self.column))
        text = (", ".join(where) + ": " if where else "") + self.message
        if self.value is not None:
            text += _(" (got {value!r})").format(value=self.value)
        if self.allowed:
            text += _("; allowed: {allowed}").format(allowed=self.allowed)
        return text


class ValidationError(RiskError):
    """A cohort file or a patient form with one or more problems, all listed."""

    def __init__(self, problems: list[Problem], summary: str | None = None):
        self.problems = list(problems)
        n = len(self.problems)
        self.summary = summary or ngettext("{n} problem found", "{n} problems found", n).format(n=n)
        super().__init__(self.summary + "\n" + "\n".join(str(p) for p in self.problems))


class ModelError(RiskError):
    """A model that cannot be fitted, loaded or used as asked."""


class RegistryError(RiskError):
    """The model registry refused an operation (missing, modified, locked...)."""
