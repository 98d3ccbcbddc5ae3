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
    row: int | None = None  # 1-based data row, as a spreadsheet shows it after the header
    column: str | None = None
    value: object = None
    allowed: str | None = None

    def __str__(self) -> str:
        where = []
        if self.row is not None:
            where.append(_("row {row}").format(row=self.row))
        if self.column is not None:
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
