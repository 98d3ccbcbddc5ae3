"""The data dictionary's rules, applied to a column of text cells, every problem collected.

Used by :mod:`risk.data.validation` (which holds the public API). Every rule reads its
columns, bounds and categories from :mod:`risk.schema` and its grades from
:mod:`risk.grading`. Row numbers follow :mod:`risk.data.cells`: 1-based data rows,
the first row after the header is row 1.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from risk import grading
from risk.data.cells import Cells, Findings
from risk.data.progression import pfs_header
from risk.i18n import N_, _, ngettext
from risk.schema import (
    COLUMN_NAMES,
    COLUMNS,
    FLAG_FALSE,
    FLAG_TRUE,
    MISSING_WORDS,
    OUTCOME_COLUMNS,
    PATIENT_ID_PATTERN,
    PFS_COLUMNS,
    PFS_OUTCOMES,
    PREDICTION_COLUMNS,
    PREDICTION_ONLY,
    Column,
    column,
    looks_like_identifier,
)

_GRADE_RULE = (N_("the grade its Ki-67/mitoses give (WHO 2019: Ki-67 < 3% G1, 3-20% G2, > 20% G3; "
               "mitoses < 2 G1, 2-20 G2, > 20 G3), or blank to derive it"))
#: For each site: its grade and the two measures the grade is derived from.
GRADE_INPUTS = {site: (f"{site}_grade", f"{site}_ki67", f"{site}_mitoses")
                for site in ("primary", "met")}


# -- the header --------------------------------------------------------------------------

@dataclass
class Layout:
    """Which columns of the file are read, and which are ignored."""

    used: dict[str, int]  # schema column -> position in the file (first occurrence)
    ignored: list[str]
    outcomes: bool  # outcome columns read, and then required in every row
    pfs: bool = False  # both PFS columns read (risk.data.progression)


def _hint(name: str, unknown: list[str]) -> str:
    for other in unknown:
        if other.replace(" ", "_").replace("-", "_") == name:
            return _("required column is missing (found '{other}': rename it '{name}')").format(other=other, name=name)
    return _("required column is missing")


def read_header(names: list[str], purpose: str, findings: Findings) -> Layout:
    """Sort the header into schema columns, ignored columns and refused ones."""
    used, unknown = _sort_header(names, findings)
    ignored = list(unknown)
    outcomes = purpose == "training"
    present = [n for n in OUTCOME_COLUMNS if n in used]
    if purpose != "prediction":  # e.g. alive_months: a condition of a prediction only
        for name in [n for n in PREDICTION_COLUMNS if n in used]:
            ignored.append(name)
            del used[name]
    if purpose == "prediction":
        ignored += present
        for name in present:
            del used[name]
    elif purpose == "cohort" and present:
        outcomes = len(present) == len(OUTCOME_COLUMNS)
        for name in set(OUTCOME_COLUMNS) - set(present):
            findings.file(_("the file has {v0} but not {name}: give both outcome columns or neither").format(v0=present[0], name=name), name)
    pfs = pfs_header(used, ignored, purpose, findings)
    for name in COLUMN_NAMES:
        needed = column(name).required or (column(name).outcome and outcomes)
        if needed and name not in used:
            why = "" if column(name).required else f" for {purpose}"
            findings.file(_hint(name, unknown) + why, name,
                          allowed=_("a column named '{name}'").format(name=name))
    return Layout(used, ignored, outcomes, pfs)


def _sort_header(names: list[str], findings: Findings) -> tuple[dict[str, int], list[str]]:
    """Schema columns by position, and the unknown names; duplicates and identifiers are
    findings."""
    used: dict[str, int] = {}
    unknown: list[str] = []
    for position, name in enumerate(names):
        if name in used:
            findings.file(_("the column appears more than once (only one may be given)"), name)
        elif name in COLUMN_NAMES or name in PFS_COLUMNS or name in PREDICTION_COLUMNS:
            used[name] = position
        elif looks_like_identifier(name):
            findings.file(_("looks like a direct identifier (a name, record number, date of "
                          "birth or contact detail): remove this column from the file; "
                          "only the pseudonymous patient_id may identify a patient"), name)
        elif name not in unknown:
            unknown.append(name)
    return used, unknown


# -- one column of text --------------------------------------------------------------------

_FLAGS = {**{word: 1.0 for word in FLAG_TRUE}, **{word: 0.0 for word in FLAG_FALSE}}
_MISSING = frozenset(MISSING_WORDS)
_DECIMAL_COMMA = re.compile(r"[+-]?\d+,\d+")
_THOUSANDS = re.compile(r"\d{1,3}(,\d{3})+")  # 2,000 cells counted
_KIND_MESSAGES = {
    "number": N_("not a number"),
    "integer": N_("not a number"),
    "category": N_("not one of the allowed values"),
    "flag": N_("not a 0/1 flag"),
}


def _float(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        return np.nan


def _numbers(text: np.ndarray, present: np.ndarray) -> np.ndarray:
    """Finite numbers, correctly rounded as Python reads them (``pandas.to_numeric`` can be
    an ulp off, which matters at a grade boundary); NaN where not a finite number."""
    values = np.full(len(text), np.nan)
    try:
        values[present] = text[present].astype("float64")
    except ValueError:  # some cells are not numbers: one at a time
        values[present] = [_float(v) for v in text[present]]
    values[~np.isfinite(values)] = np.nan
    return values


def _typed(col: Column, text: np.ndarray, lowered: np.ndarray, present: np.ndarray
           ) -> np.ndarray:
    """Each distinct text's value (NaN/None where missing or not readable)."""
    if col.kind in ("number", "integer"):
        return _numbers(text, present)
    if col.kind == "category":
        codes = {code.lower(): code for code in col.categories}
        return np.array([codes.get(t) if p else None for t, p in zip(lowered, present,
                                                                       strict=True)],
                        dtype=object)
    if col.kind == "flag":
        return np.array([_FLAGS.get(t, np.nan) if p else np.nan
                         for t, p in zip(lowered, present, strict=True)], dtype="float64")
    return np.where(present, text, None)  # type: ignore[call-overload, no-any-return]  # numpy's stubs lack a None branch  # text: pattern and uniqueness checked below


def parse_column(col: Column, cells: Cells, required: bool,
                 findings: Findings) -> tuple[np.ndarray, np.ndarray]:
    """Typed values of one column (NaN/None where missing or invalid), and its problem
    mask, one per row of ``cells``."""
    text = cells.distinct
    blank = text == ""
    lowered = np.array([t.lower() for t in text], dtype=object)
    # A category code wins over a missing-value word ('none' is a biopsy_complication code).
    codes = {code.lower() for code in col.categories}
    word = np.array([t in _MISSING and t not in codes for t in lowered], dtype=bool) & ~blank
    present = ~(blank | word)
    bad = np.zeros(len(text), dtype=bool)
    if required:
        findings.cells(cells.rows_where(blank), col.name, _("required but empty"),
                       allowed=col.allowed())
        findings.cells(cells.rows_where(word), col.name, _("missing-value text is not accepted "
                       "in a required column: enter the value"), cells, col.allowed())
        bad = blank | word
    typed = _typed(col, text, lowered, present)
    invalid = present & pd.isna(typed)
    if invalid.any():
        thousands = invalid & np.array([col.kind == "integer" and bool(
            _THOUSANDS.fullmatch(t)) for t in text])
        comma = invalid & ~thousands & np.array([bool(_DECIMAL_COMMA.fullmatch(t))
                                                 for t in text])
        findings.cells(cells.rows_where(thousands), col.name, _("not a number: write it "
                       "without a thousands separator (2000, not 2,000)"), cells, col.allowed())
        findings.cells(cells.rows_where(comma), col.name, _("not a number: use '.' as the "
                       "decimal point"), cells, col.allowed())
        findings.cells(cells.rows_where(invalid & ~comma & ~thousands), col.name,
                       _(_KIND_MESSAGES[col.kind]), cells, col.allowed())
    return cells.spread(typed), cells.spread(bad | invalid)


# -- checks on typed values --------------------------------------------------------------------
# Plain numpy rather than pandera: the same checks without pandera's 0.2 s import and its
# per-check frames on the path of every upload and of ``predict``.

@dataclass(frozen=True)
class TypedCheck:
    """One rule on a column's typed values (blanks always pass)."""

    column: str
    name: str  # in_range, whole_number, str_matches, field_uniqueness


@functools.cache
def typed_checks() -> tuple[TypedCheck, ...]:
    """Bounds, whole numbers, the patient_id pattern and uniqueness, from the schema."""
    checks = []
    for col in (*COLUMNS, *PFS_OUTCOMES, *PREDICTION_ONLY):
        if col.kind in ("number", "integer"):
            checks.append(TypedCheck(col.name, "in_range"))
        if col.kind == "integer":
            checks.append(TypedCheck(col.name, "whole_number"))
        if col.kind == "text":
            checks += [TypedCheck(col.name, "str_matches"),
                       TypedCheck(col.name, "field_uniqueness")]
    return tuple(checks)


_PATIENT_ID = re.compile(PATIENT_ID_PATTERN)


def _failing(check: TypedCheck, values: pd.Series) -> np.ndarray:
    """Where ``values`` break ``check`` (a boolean mask; blanks never fail)."""
    present: np.ndarray = values.notna().to_numpy()
    col = column(check.column)
    failing: np.ndarray
    if check.name in ("in_range", "whole_number"):
        x = values.to_numpy(dtype="float64")
        with np.errstate(invalid="ignore"):
            if check.name == "whole_number":
                failing = x % 1 != 0
            else:
                low = x <= col.minimum if col.exclusive_minimum else x < col.minimum
                failing = low | (x > col.maximum)
    elif check.name == "str_matches":
        failing = np.array([v is not None and not _PATIENT_ID.match(str(v))
                            for v in values.to_numpy(dtype=object)], dtype=bool)
    else:
        failing = values.duplicated(keep=False).to_numpy()
    out: np.ndarray = present & failing
    return out


def check_typed(typed: pd.DataFrame, cells: dict[str, Cells], bad: dict[str, np.ndarray],
                findings: Findings) -> None:
    """Run the checks on typed values; each failure becomes our message, and marks its
    cell bad."""
    for check in typed_checks():
        if check.column not in cells:
            continue
        failing = _failing(check, typed[check.column])
        if not failing.any():
            continue
        name, col = check.column, column(check.column)
        rows = typed.index.to_numpy()[failing].astype(np.int64)
        message: str | Callable[[int], str] = {
            "in_range": _("out of range"), "whole_number": _("not a whole number"),
            "str_matches": _("not a valid study code")}.get(check.name, "")
        if check.name == "field_uniqueness":
            message = _duplicate_message(typed[name], rows)
        findings.cells(rows, name, message, values=cells[name], allowed=col.allowed())
        bad[name] = bad[name] | failing


def _duplicate_message(ids: pd.Series, rows: np.ndarray) -> Callable[[int], str]:
    groups = pd.Series(rows, index=ids.loc[rows].to_numpy()).groupby(level=0).agg(list)

    def message(row: int) -> str:
        others = [r for r in groups[ids.at[row]] if r != row]
        listed = ", ".join(str(r) for r in others[:5]) + (", ..." if len(others) > 5 else "")
        return ngettext("patient_id is not unique (also in row {listed})",
                        "patient_id is not unique (also in rows {listed})",
                        len(others)).format(listed=listed)
    return message


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


def _contradiction(entered: pd.Series, ki67: pd.Series, mitoses: pd.Series
                   ) -> Callable[[int], str]:
    def message(row: int) -> str:
        return grading.check_grade(entered.at[row], ki67.at[row], mitoses.at[row]).contradiction or ""
    return message


def check_grades(typed: pd.DataFrame, bad: dict[str, np.ndarray], given: set[str],
                 findings: Findings) -> dict[str, pd.Series]:
    """Entered grades against Ki-67/mitoses; at least one grade per patient.

    Returns the grades derived from Ki-67/mitoses, by grade column (for the canonical frame).
    """
    rows = typed.index.to_numpy()
    derived = {grade: derived_grades(typed[ki67], typed[mitoses])
               for grade, ki67, mitoses in GRADE_INPUTS.values()}
    if not given & {name for names in GRADE_INPUTS.values() for name in names}:
        findings.file(_("the file has no grade columns: give primary_grade or met_grade (or "
                      "the Ki-67/mitoses they are derived from)"), "primary_grade",
                      allowed=_("a column named 'primary_grade' or 'met_grade'"))
        return derived
    unclear = np.zeros(len(rows), dtype=bool)
    graded = np.zeros(len(rows), dtype=bool)
    for grade, ki67, mitoses in GRADE_INPUTS.values():
        inputs_bad = bad[grade] | bad[ki67] | bad[mitoses]
        unclear |= inputs_bad
        entered, from_measures = typed[grade].to_numpy(), derived[grade].to_numpy()
        both = pd.notna(entered) & pd.notna(from_measures)
        contradicts = both & (entered != from_measures) & ~inputs_bad
        findings.cells(rows[contradicts], grade,
                       _contradiction(typed[grade], typed[ki67], typed[mitoses]),
                       values=typed[grade], allowed=_(_GRADE_RULE))
        bad[grade] = bad[grade] | contradicts
        graded |= pd.notna(entered) | pd.notna(from_measures)
    findings.cells(rows[~graded & ~unclear], "primary_grade",
                   _("no grade for the primary tumor or the liver biopsy: give a WHO grade, a "
                   "Ki-67 index or a mitotic count for at least one"),
                   allowed=_("primary_grade and/or met_grade (given or derived)"))
    return derived


def check_intended_use(typed: pd.DataFrame, findings: Findings) -> None:
    """Neuroendocrine carcinoma (differentiation = poor) is outside the intended use."""
    poor = (typed["differentiation"] == "poor").to_numpy()
    findings.cells(typed.index.to_numpy()[poor], "differentiation",
                   _("poorly differentiated neuroendocrine carcinoma is outside this tool's "
                   "intended use (well-differentiated NET only): remove this patient"),
                   values=typed["differentiation"], allowed=_("well (or blank)"))


def check_outcomes(typed: pd.DataFrame, bad: dict[str, np.ndarray], purpose: str,
                   findings: Findings) -> None:
    """A training file needs deaths: one where every patient is censored is refused."""
    death = typed["death"].to_numpy()
    if purpose == "training" and len(death) and not bad["death"].any() and (death == 0).all():
        findings.file(_("every patient is censored (death = 0): a survival model cannot be "
                      "trained without deaths"), "death",
                      allowed=_("at least one patient with death = 1"))
