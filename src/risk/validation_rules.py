"""The data dictionary's rules, applied to a frame of text cells, every problem collected.

Used by :mod:`risk.validation` (which holds the public API); every rule reads its
columns, bounds and categories from :mod:`risk.schema`, and its grades from
:mod:`risk.grading`.

Row numbers in every problem are 1-based *data rows*: the first row after the header is
row 1 (a spreadsheet shows it as row 2, under the header). Blank lines count as rows, so
the numbers match the file. A problem about the whole file (a missing column, an
identifier-like column) has no row.

Problems are collected as :class:`Finding` objects (a rule and the rows it fails) and
turned into :class:`~risk.errors.Problem` objects only for the rows that are listed, so
a million bad cells cost a few vector operations, not a million objects.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pandera.pandas as pa

from risk import grading
from risk.errors import Problem, ValidationError
from risk.schema import (
    COLUMN_NAMES,
    COLUMNS,
    FLAG_FALSE,
    FLAG_TRUE,
    MISSING_WORDS,
    OUTCOME_COLUMNS,
    PATIENT_ID_PATTERN,
    Column,
    column,
    looks_like_identifier,
)

#: At most this many problems are listed; the rest are counted ("and N more").
MAX_LISTED_PROBLEMS = 200
#: Longer cell values are shortened in messages.
SHOWN_CHARS = 60

_ORDER = {name: i for i, name in enumerate(COLUMN_NAMES)}
_GRADE_RULE = ("the grade its Ki-67/mitoses give (WHO 2019: Ki-67 < 3% G1, 3-20% G2, > 20% G3; "
               "mitoses < 2 G1, 2-20 G2, > 20 G3), or blank to derive it")
_GRADE_INPUTS = {site: (f"{site}_grade", f"{site}_ki67", f"{site}_mitoses")
                 for site in ("primary", "met")}


def shown(value: object) -> str:
    """A cell value as a message shows it (shortened when long)."""
    text = str(value)
    return text if len(text) <= SHOWN_CHARS else text[: SHOWN_CHARS - 3] + "..."


class Cells:
    """One column's cells as trimmed text, held as codes into its distinct values.

    Every rule about a single cell runs once per distinct value (a column of 100,000
    patients has a few categories, a few thousand numbers) and is spread back to the rows
    by the codes. Missing cells (``None``/``NaN`` in a frame not read from a file) are
    blank.
    """

    def __init__(self, values: pd.Series | np.ndarray, rows: np.ndarray | None = None):
        codes, distinct = pd.factorize(np.asarray(values, dtype=object), use_na_sentinel=True)
        if pd.api.types.infer_dtype(distinct, skipna=False) not in ("string", "empty"):
            distinct = np.array([str(v) for v in distinct], dtype=object)
        trimmed = pd.Series(distinct, dtype=object).str.strip()
        #: the distinct trimmed texts, the last one "" for missing cells
        self.distinct = pd.concat([trimmed, pd.Series([""], dtype=object)], ignore_index=True)
        codes[codes < 0] = len(self.distinct) - 1
        self.codes = codes
        #: 1-based data row of each cell
        self.rows = np.arange(1, len(codes) + 1) if rows is None else rows

    def subset(self, keep: np.ndarray) -> Cells:
        """The cells of the rows where ``keep``."""
        out = object.__new__(Cells)
        out.distinct, out.codes, out.rows = self.distinct, self.codes[keep], self.rows[keep]
        return out

    def spread(self, per_distinct: pd.Series | np.ndarray) -> pd.Series:
        """A per-distinct-value result as one value per row (index = row numbers)."""
        return pd.Series(np.asarray(per_distinct)[self.codes], index=self.rows)

    def blank(self) -> np.ndarray:
        return (self.distinct == "").to_numpy()[self.codes]

    def text_at(self, row: int) -> str:
        return self.distinct.iat[self.codes[np.searchsorted(self.rows, row)]]

    def text(self) -> pd.Series:
        return self.spread(self.distinct.to_numpy())


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
        return self.message(row) if callable(self.message) else self.message


@dataclass
class Findings:
    """Every problem found so far, in the order a reader fixes them."""

    items: list[Finding] = field(default_factory=list)

    def file(self, message: str, column: str | None = None, value: object = None,
             allowed: str | None = None) -> None:
        self.items.append(Finding(message, column, None, None, allowed, value))

    def cells(self, failing: pd.Series | np.ndarray, column: str | None,
              message: str | Callable[[int], str], values: Cells | pd.Series | None = None,
              allowed: str | None = None) -> None:
        """Rows where ``failing`` (a boolean Series indexed by row, or row numbers)."""
        if isinstance(failing, pd.Series) and failing.dtype == bool:
            rows = failing.index.to_numpy()[failing.to_numpy()]
        else:
            rows = np.sort(np.asarray(failing, dtype=np.int64))
        if len(rows):
            self.items.append(Finding(message, column, rows, values, allowed))

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
        listed, total = self.problems(limit), self.total
        summary = f"{total} problem{'s' if total != 1 else ''} found"
        if total > len(listed):
            summary += f" (the first {len(listed)} are listed)"
            listed.append(Problem(f"... and {total - len(listed)} more problems not listed; "
                                  "fix these and check the file again"))
        return ValidationError(listed, summary=summary)


# -- the header --------------------------------------------------------------------------

@dataclass
class Layout:
    """Which columns of the file are read, and which are ignored."""

    used: dict[str, int]  # schema column -> position in the file (first occurrence)
    ignored: list[str]
    outcomes: bool  # outcome columns read, and then required in every row


def _hint(name: str, unknown: list[str]) -> str:
    for other in unknown:
        if other.replace(" ", "_").replace("-", "_") == name:
            return f"required column is missing (found '{other}': rename it '{name}')"
    return "required column is missing"


def read_header(names: list[str], purpose: str, findings: Findings) -> Layout:
    """Sort the header into schema columns, ignored columns and refused ones."""
    used: dict[str, int] = {}
    unknown: list[str] = []
    for position, name in enumerate(names):
        if name in used:
            findings.file("the column appears more than once (only one may be given)", name)
        elif name in _ORDER:
            used[name] = position
        elif looks_like_identifier(name):
            findings.file("looks like a direct identifier (a name, record number, date of "
                          "birth or contact detail): remove this column from the file; "
                          "only the pseudonymous patient_id may identify a patient", name)
        elif name not in unknown:
            unknown.append(name)
    ignored = list(unknown)
    outcomes = purpose == "training"
    present = [n for n in OUTCOME_COLUMNS if n in used]
    if purpose == "prediction":
        ignored += present
        for name in present:
            del used[name]
    elif purpose == "cohort" and present:
        outcomes = len(present) == len(OUTCOME_COLUMNS)
        for name in set(OUTCOME_COLUMNS) - set(present):
            findings.file(f"the file has {present[0]} but not {name}: give both outcome "
                          "columns or neither", name)
    for name in COLUMN_NAMES:
        needed = column(name).required or (column(name).outcome and outcomes)
        if needed and name not in used:
            why = "" if column(name).required else f" for {purpose}"
            findings.file(_hint(name, unknown) + why, name,
                          allowed=f"a column named '{name}'")
    return Layout(used, ignored, outcomes)


# -- one column of text --------------------------------------------------------------------

_FLAGS = {**{word: 1.0 for word in FLAG_TRUE}, **{word: 0.0 for word in FLAG_FALSE}}
_KIND_MESSAGES = {
    "number": "not a number",
    "integer": "not a number",
    "category": "not one of the allowed values",
    "flag": "not a 0/1 flag",
}


def _float(text: object) -> float:
    try:
        return float(text)
    except (TypeError, ValueError):
        return np.nan


def _numbers(text: pd.Series) -> pd.Series:
    """Finite numbers, correctly rounded as Python reads them (``pandas.to_numeric`` can be
    an ulp off, which matters at a grade boundary); NaN where not a finite number."""
    try:
        values = text.astype("float64")
    except (TypeError, ValueError):  # some cells are not numbers: one at a time
        values = pd.Series([_float(v) for v in text], index=text.index, dtype="float64")
    return values.where(np.isfinite(values.to_numpy()))


def _typed(col: Column, text: pd.Series, lowered: pd.Series) -> pd.Series:
    """The cells' values (NaN where missing or not readable)."""
    if col.kind in ("number", "integer"):
        return _numbers(text)
    if col.kind == "category":
        return lowered.map({code.lower(): code for code in col.categories}).astype(object)
    if col.kind == "flag":
        return lowered.map(_FLAGS).astype("float64")
    return text.astype(object)  # text: its pattern and uniqueness are checked with pandera


def parse_column(col: Column, cells: Cells, required: bool,
                 findings: Findings) -> tuple[pd.Series, pd.Series]:
    """Typed values of one column (NaN where missing or invalid) and its problem mask."""
    text = cells.distinct
    blank = text == ""
    lowered = text.str.lower()
    # A category code wins over a missing-value word ('none' is a biopsy_complication code).
    codes = [code.lower() for code in col.categories]
    word = lowered.isin(MISSING_WORDS) & ~lowered.isin(codes) & ~blank
    present = ~(blank | word)
    bad = pd.Series(False, index=text.index)
    if required:
        findings.cells(cells.spread(blank), col.name, "required but empty",
                       allowed=col.allowed())
        findings.cells(cells.spread(word), col.name, "missing-value text is not accepted in a "
                       "required column: enter the value", values=cells, allowed=col.allowed())
        bad = blank | word
    typed = _typed(col, text.where(present), lowered.where(present))
    invalid = present & typed.isna()
    if invalid.any():
        comma = invalid & text.str.fullmatch(r"[+-]?\d+,\d+").fillna(False).astype(bool)
        findings.cells(cells.spread(comma), col.name, "not a number: use '.' as the decimal "
                       "point", values=cells, allowed=col.allowed())
        findings.cells(cells.spread(invalid & ~comma), col.name, _KIND_MESSAGES[col.kind],
                       values=cells, allowed=col.allowed())
    return cells.spread(typed).astype(typed.dtype), cells.spread(bad | invalid)


# -- checks on typed values, with pandera ------------------------------------------------------

def _whole(values: pd.Series) -> pd.Series:
    return (values % 1 == 0) | ~np.isfinite(values)


@functools.cache
def typed_schema() -> pa.DataFrameSchema:
    """Bounds, whole numbers, the patient_id pattern and uniqueness, from the schema."""
    columns = {}
    for col in COLUMNS:
        checks = []
        if col.kind in ("number", "integer"):
            checks.append(pa.Check.in_range(col.minimum, col.maximum,
                                            include_min=not col.exclusive_minimum))
        if col.kind == "integer":
            checks.append(pa.Check(_whole, name="whole_number"))
        if col.kind == "text":
            checks.append(pa.Check.str_matches(PATIENT_ID_PATTERN))
        if checks:
            columns[col.name] = pa.Column(None, checks, nullable=True, required=False,
                                          unique=col.kind == "text")
    return pa.DataFrameSchema(columns)


def _duplicate_message(ids: pd.Series, rows: np.ndarray) -> Callable[[int], str]:
    groups = pd.Series(rows, index=ids.loc[rows].to_numpy()).groupby(level=0).agg(list)

    def message(row: int) -> str:
        others = [r for r in groups[ids.at[row]] if r != row]
        listed = ", ".join(str(r) for r in others[:5]) + (", ..." if len(others) > 5 else "")
        return f"patient_id is not unique (also in row{'s' if len(others) > 1 else ''} {listed})"
    return message


def check_typed(typed: pd.DataFrame, cells: dict[str, Cells], bad: dict[str, pd.Series],
                findings: Findings) -> None:
    """Run the pandera checks; each failure becomes our message, and marks its cell bad."""
    try:
        typed_schema().validate(typed[list(cells)], lazy=True)
        return
    except pa.errors.SchemaErrors as exc:
        cases = exc.failure_cases
    for (name, check), group in cases.groupby(["column", "check"], sort=False):
        rows = np.unique(group["index"].to_numpy(dtype=np.int64))
        col = column(name)
        if check.startswith("in_range"):
            message = "out of range"
        elif check == "whole_number":
            message = "not a whole number"
        elif check.startswith("str_matches"):
            message = "not a valid study code"
        elif check == "field_uniqueness":
            message = _duplicate_message(typed[name], rows)
        else:  # a pandera check added to the schema without its message here
            message = f"fails the check {check}"
        findings.cells(rows, name, message, values=cells[name], allowed=col.allowed())
        bad[name] = bad[name] | pd.Series(bad[name].index.isin(rows), index=bad[name].index)


# -- rules across columns --------------------------------------------------------------------

def derived_grades(ki67: pd.Series, mitoses: pd.Series) -> pd.Series:
    """:func:`risk.grading.who_grades`, evaluated once per distinct (Ki-67, mitoses) pair.

    A cohort holds far fewer distinct pairs than patients; the result is the same.
    """
    ki67_codes, _ = pd.factorize(ki67.to_numpy(dtype="float64"))
    mitoses_codes, _ = pd.factorize(mitoses.to_numpy(dtype="float64"))
    pair = (ki67_codes + 1).astype(np.int64) * (len(mitoses_codes) + 1) + mitoses_codes + 1
    pair_codes, distinct = pd.factorize(pair)
    first = np.zeros(len(distinct), dtype=np.int64)
    first[pair_codes[::-1]] = np.arange(len(pair))[::-1]  # a row holding each pair
    grades = grading.who_grades(ki67.iloc[first].reset_index(drop=True),
                                mitoses.iloc[first].reset_index(drop=True))
    return pd.Series(grades.to_numpy(dtype=object)[pair_codes], index=ki67.index,
                     dtype=object)


def _contradiction(entered: pd.Series, ki67: pd.Series, mitoses: pd.Series):
    def message(row: int) -> str:
        return grading.check_grade(entered.at[row], ki67.at[row], mitoses.at[row]).contradiction
    return message


def check_grades(typed: pd.DataFrame, bad: dict[str, pd.Series], given: set[str],
                 findings: Findings) -> None:
    """Entered grades against Ki-67/mitoses; at least one grade per patient."""
    if not given & {name for names in _GRADE_INPUTS.values() for name in names}:
        findings.file("the file has no grade columns: give primary_grade or met_grade (or "
                      "the Ki-67/mitoses they are derived from)", "primary_grade",
                      allowed="a column named 'primary_grade' or 'met_grade'")
        return
    unclear = pd.Series(False, index=typed.index)
    graded = pd.Series(False, index=typed.index)
    for grade, ki67, mitoses in _GRADE_INPUTS.values():
        inputs_bad = bad[grade] | bad[ki67] | bad[mitoses]
        unclear |= inputs_bad
        entered = typed[grade]
        derived = derived_grades(typed[ki67], typed[mitoses])
        contradicts = entered.notna() & derived.notna() & (entered != derived) & ~inputs_bad
        findings.cells(contradicts, grade,
                       _contradiction(entered, typed[ki67], typed[mitoses]),
                       values=entered, allowed=_GRADE_RULE)
        bad[grade] = bad[grade] | contradicts
        graded |= entered.notna() | derived.notna()
    findings.cells(~graded & ~unclear, "primary_grade",
                   "no grade for the primary tumor or the liver biopsy: give a WHO grade, a "
                   "Ki-67 index or a mitotic count for at least one",
                   allowed="primary_grade and/or met_grade (given or derived)")


def check_intended_use(typed: pd.DataFrame, findings: Findings) -> None:
    """Neuroendocrine carcinoma (differentiation = poor) is outside the intended use."""
    findings.cells(typed["differentiation"] == "poor", "differentiation",
                   "poorly differentiated neuroendocrine carcinoma is outside this tool's "
                   "intended use (well-differentiated NET only): remove this patient",
                   values=typed["differentiation"], allowed="well (or blank)")


def check_outcomes(typed: pd.DataFrame, bad: dict[str, pd.Series], purpose: str,
                   findings: Findings) -> None:
    """A training file needs deaths: one where every patient is censored is refused."""
    death = typed["death"]
    if purpose == "training" and len(death) and not bad["death"].any() and (death == 0).all():
        findings.file("every patient is censored (death = 0): a survival model cannot be "
                      "trained without deaths", "death",
                      allowed="at least one patient with death = 1")
