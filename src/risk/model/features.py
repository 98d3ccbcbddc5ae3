"""Encoding: a canonical cohort frame -> the Cox models' design matrix.

Every categorical input is coded as 0/1 indicators against a reference level; the
reference levels (chosen for interpretation, they do not change predictions) are:

============================  ==========================================================
input                         columns (reference level in brackets)
============================  ==========================================================
age                           ``age_per_10y`` = (age - 60) / 10  (per 10 years, centred)
sex                           ``sex[male]``  [female]
primary_site                  one per site  [small_intestine: the commonest primary of
                              GEP-NET liver metastases in Western series; rectum is too
                              rare to be a stable reference]
primary_grade                 ``[G2]``, ``[G3]``, ``[unknown]``  [G1]; blank = "unknown"
met_grade (biopsy model)      ``[G2]``, ``[G3]``  [G1]
met_timing                    ``[metachronous]``  [synchronous]
liver_burden                  ``[25to50]``, ``[gt50]``  [lt25]
extrahepatic_mets,            0/1 as given
primary_resected,
functional_syndrome
ecog                          ``[1]``, ``[2+]`` (2, 3 and 4 together)  [0]
sstr_status                   ``[negative]``, ``[unknown]``  [positive]
============================  ==========================================================

Optional extra terms (added only where cross-validation shows they help, see
:mod:`risk.model.tuning`):

- ``grade_change``: ``grade_change[upgraded]``, ``grade_change[downgraded]`` (reference:
  concordant or unknown), an effect of a change beyond the two grades' own effects;
  biopsy model only.
- ``ki67``: ``ki67_log`` = ln(1 + Ki-67 %) of the liver biopsy (biopsy model) or of the
  primary (primary-only model): the gradient of risk within a grade. A missing Ki-67 is
  replaced by the typical value of its grade (:data:`TYPICAL_KI67`).

The *reference patient* against which contributions are shown is computed from the
training cohort by :func:`reference_patient`: the median age (whole years) and the most
common level of every other input.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from risk.errors import ModelError
from risk.schema import BY_NAME, GRADE_CHANGE_REFERENCE, GRADES, column_label, label

if TYPE_CHECKING:
    from numpy.typing import NDArray

    #: A frame's column by name, as numpy (floats, or objects for codes).
    ColumnOf = Callable[[str], NDArray[np.generic]]

COVARIATE_SETS = ("biopsy", "primary_only")
EXTRA_TERMS = ("grade_change", "ki67")

AGE_CENTRE = 60.0
AGE_SCALE = 10.0
#: Ki-67 (%) assumed for a patient whose grade is known but whose Ki-67 is not.
TYPICAL_KI67 = {"G1": 1.5, "G2": 8.0, "G3": 35.0, "unknown": 8.0}

#: Inputs of each model, in display order (contributions are reported per input).
BASE_INPUTS = ("age", "sex", "primary_site", "primary_grade", "met_grade", "met_timing",
               "liver_burden", "extrahepatic_mets", "primary_resected",
               "functional_syndrome", "ecog", "sstr_status")
FLAG_INPUTS = ("extrahepatic_mets", "primary_resected", "functional_syndrome")

REFERENCE_LEVELS = {
    "sex": "female", "primary_site": "small_intestine", "primary_grade": "G1",
    "met_grade": "G1", "met_timing": "synchronous", "liver_burden": "lt25", "ecog": "0",
    "sstr_status": "positive", "grade_change": "concordant",
}
ECOG_LEVELS = ("0", "1", "2+")
GRADE_CHANGE_LEVELS = ("concordant", "upgraded", "downgraded", "unknown")


@functools.lru_cache(maxsize=64)
def levels_of(name: str) -> tuple[str, ...]:
    """The levels a categorical (or 0/1) input is coded with, reference first."""
    if name in FLAG_INPUTS:
        return ("0", "1")
    if name == "ecog":
        return ECOG_LEVELS
    if name == "primary_grade":
        return (*GRADES, "unknown")
    if name == "met_grade":
        return GRADES
    if name == "grade_change":
        return GRADE_CHANGE_LEVELS
    codes = BY_NAME[name].categories
    ref = REFERENCE_LEVELS[name]
    return (ref, *[c for c in codes if c != ref])


@functools.lru_cache(maxsize=64)
def model_inputs(covariates: str, terms: tuple[str, ...] = ()) -> tuple[str, ...]:
    """Input names of a model (contribution columns), in display order."""
    check_covariates(covariates, terms)
    inputs = [i for i in BASE_INPUTS if covariates == "biopsy" or i != "met_grade"]
    if "grade_change" in terms:
        inputs.append("grade_change")
    if "ki67" in terms:
        inputs.append(ki67_input(covariates))
    return tuple(inputs)


def ki67_input(covariates: str) -> str:
    return "met_ki67" if covariates == "biopsy" else "primary_ki67"


def check_covariates(covariates: str, terms: tuple[str, ...] = ()) -> None:
    if covariates not in COVARIATE_SETS:
        raise ModelError(f"The 'covariates' setting must be one of {COVARIATE_SETS}; "
                         f"got {covariates!r}.")
    unknown = [t for t in terms if t not in EXTRA_TERMS]
    if unknown:
        raise ModelError(f"Unknown extra term(s) {unknown}; allowed: {EXTRA_TERMS}.")
    if covariates == "primary_only" and "grade_change" in terms:
        raise ModelError("The grade_change term needs the liver-biopsy grade: "
                         "not available to the primary-only model.")


@dataclass(frozen=True)
class DesignColumn:
    """One column of the design matrix and the input it belongs to."""

    name: str
    input: str
    level: str | None = None  # None for numeric columns (age, Ki-67)


def level_words(name: str, level: str) -> str:
    """An input's level in the clinic's words (:mod:`risk.schema`'s vocabulary):
    "Primary site = Pancreas"."""
    return f"{column_label(name)} = {label(name, level)}"


def column_words(column: DesignColumn) -> str:
    """A design column in the clinic's words, quoted for use inside a sentence."""
    if column.level is None:
        return f"'{column_label(column.name)}'"
    return f"'{level_words(column.input, column.level)}'"


def reference_level(name: str) -> str:
    """The level an input's indicators are estimated against: the first of
    :func:`levels_of`; for the grade change, same grade and not assessed together."""
    return GRADE_CHANGE_REFERENCE if name == "grade_change" else levels_of(name)[0]


def reference_words(column: DesignColumn) -> str | None:
    """The level a left-out indicator's patients count as (None for a numeric column)."""
    if column.level is None:
        return None
    return f"'{level_words(column.input, reference_level(column.input))}'"


def candidate_columns(covariates: str, terms: tuple[str, ...] = ()) -> list[DesignColumn]:
    """Every column the model could use, before dropping those constant in training."""
    columns = []
    for name in model_inputs(covariates, terms):
        if name == "age":
            columns.append(DesignColumn("age_per_10y", "age"))
        elif name in ("met_ki67", "primary_ki67"):
            columns.append(DesignColumn("ki67_log", name))
        elif name in FLAG_INPUTS:
            columns.append(DesignColumn(name, name, "1"))
        elif name == "grade_change":
            columns += [DesignColumn(f"grade_change[{lv}]", name, lv)
                        for lv in ("upgraded", "downgraded")]
        else:
            columns += [DesignColumn(f"{name}[{lv}]", name, lv) for lv in levels_of(name)[1:]]
    return columns


#: Above this many patients, category codes come from pandas' hashing (faster); below
#: it, from plain comparisons (less overhead for one patient). Both give the same codes.
HASH_FROM = 256


def category_codes(values: np.ndarray, levels: tuple[str, ...]) -> np.ndarray:
    """Index of each value in ``levels``; -1 for a blank or any other value."""
    if len(values) >= HASH_FROM:
        hashed: NDArray[np.int64] = pd.Categorical(values, categories=list(levels)
                                                   ).codes.astype(np.int64)
        return hashed
    codes = np.full(len(values), -1, dtype=np.int64)
    for j, level in enumerate(levels):
        codes[values == level] = j
    return codes


def _codes(name: str, column: ColumnOf) -> NDArray[np.int64]:
    """Codes (positions in :func:`levels_of`) of input ``name``; -1 = blank or invalid.

    ``column(c)`` gives a frame column as numpy. A blank primary grade is the level
    "unknown", a blank SSTR status "unknown"; a blank liver grade stays -1.
    """
    if name == "ecog":
        ecog = np.asarray(column("ecog"), dtype=float)
        return np.where(ecog >= 2, 2, np.where(ecog >= 1, 1, 0))
    if name in FLAG_INPUTS:
        return (np.asarray(column(name), dtype=float) > 0).astype(np.int64)
    if name == "grade_change":
        primary, met = _codes("primary_grade", column), _codes("met_grade", column)
        known = (primary >= 0) & (primary < 3) & (met >= 0)
        steps = met - primary
        return np.where(known, np.select([steps == 0, steps > 0], [0, 1], 2), 3)
    values = column(name)
    codes = category_codes(values, levels_of(name))
    if name in ("primary_grade", "sstr_status"):
        codes = np.where((codes < 0) & pd.isna(values), len(levels_of(name)) - 1, codes)
    return codes


def input_levels(frame: pd.DataFrame, name: str) -> np.ndarray:
    """Each patient's level of a categorical or 0/1 input (object array of level codes;
    "unknown" for a blank grade, "" for anything not a level)."""
    labels = np.array([*levels_of(name), "unknown" if "grade" in name else ""], dtype=object)
    levels: NDArray[np.object_] = labels[_codes(name, lambda c: frame[c].to_numpy())]
    return levels


def _ki67_log(column: ColumnOf, input_name: str) -> NDArray[np.float64]:
    grade = _codes("met_grade" if input_name == "met_ki67" else "primary_grade", column)
    typical = np.array([*(TYPICAL_KI67[g] for g in GRADES), TYPICAL_KI67["unknown"]])
    ki67 = np.asarray(column(input_name), dtype=float)
    return np.log1p(np.where(np.isnan(ki67), typical[np.where(grade < 0, 3, grade)], ki67))


@functools.lru_cache(maxsize=64)
def required_columns(covariates: str, terms: tuple[str, ...] = ()) -> tuple[str, ...]:
    cols = [i for i in model_inputs(covariates, terms) if i != "grade_change"]
    if "grade_change" in terms:
        cols += ["primary_grade", "met_grade"]
    if "ki67" in terms:
        cols.append("met_grade" if covariates == "biopsy" else "primary_grade")
    return tuple(dict.fromkeys(cols))


NUMERIC_INPUTS = ("age", "ecog", *FLAG_INPUTS)


class _Columns:
    """The frame's needed columns as numpy arrays and codes, each computed once."""

    def __init__(self, frame: pd.DataFrame, needed: tuple[str, ...]):
        missing = [c for c in needed if c not in frame.columns]
        if missing:
            raise ModelError(f"The patient table lacks column(s) {', '.join(missing)}.")
        self.frame = frame
        self.arrays: dict[str, np.ndarray] = {}
        self.codes: dict[str, np.ndarray] = {}

    def __call__(self, name: str) -> np.ndarray:
        if name not in self.arrays:
            self.arrays[name] = self.frame[name].to_numpy()
        return self.arrays[name]

    def code(self, name: str) -> np.ndarray:
        if name not in self.codes:
            self.codes[name] = _codes(name, self)
        return self.codes[name]


def _problem(name: str, data: _Columns) -> str | None:
    """One sentence about blank or invalid values of an input, or None."""
    if name in ("met_ki67", "primary_ki67"):
        return None
    values = data(name)
    if name in NUMERIC_INPUTS:
        try:
            blank = np.isnan(np.asarray(values, dtype=float))
        except (TypeError, ValueError):
            return f"{name} must be a number"
        return f"{name} is blank for {int(blank.sum())} patient(s)" if blank.any() else None
    bad = data.code(name) < 0
    if not bad.any():
        return None
    blank = pd.isna(values[bad])
    if blank.any():
        if name == "met_grade":
            return (f"met_grade is blank for {int(blank.sum())} patient(s); "
                    "the biopsy model needs a liver-biopsy grade")
        return f"{name} is blank for {int(blank.sum())} patient(s)"
    shown = sorted({str(v) for v in values[bad][:1000]})[:5]
    return f"{name} has value(s) {shown}; allowed: {', '.join(levels_of(name))}"


def _check(data: _Columns, needed: tuple[str, ...]) -> None:
    problems = [p for p in (_problem(name, data) for name in needed) if p]
    if problems:
        raise ModelError("Cannot encode the patients: " + "; ".join(problems) + ".")


def encode(frame: pd.DataFrame, columns: list[DesignColumn], covariates: str,
           terms: tuple[str, ...] = ()) -> np.ndarray:
    """The design matrix (n, len(columns)) as float64; checks the inputs first."""
    needed = required_columns(covariates, tuple(terms))
    data = _Columns(frame, needed)
    _check(data, needed)
    out = np.empty((len(frame), len(columns)), dtype=float)
    for j, col in enumerate(columns):
        if col.input == "age":
            out[:, j] = (np.asarray(data("age"), dtype=float) - AGE_CENTRE) / AGE_SCALE
        elif col.level is None:
            out[:, j] = _ki67_log(data, col.input)
        else:
            out[:, j] = data.code(col.input) == levels_of(col.input).index(col.level)
    return out


def category_counts(frame: pd.DataFrame, inputs: tuple[str, ...]) -> dict[str, dict[str, int]]:
    """Patients per level of every categorical/0-1 input (aggregates, never rows)."""
    counts = {}
    for name in inputs:
        if name in ("age", "met_ki67", "primary_ki67"):
            continue
        levels = input_levels(frame, name)
        counts[name] = {lv: int(np.sum(levels == lv)) for lv in levels_of(name)}
    return counts


def reference_patient(frame: pd.DataFrame, met_frame: pd.DataFrame | None = None) -> dict[str, Any]:
    """The documented reference patient: median age, commonest level of each input.

    ``met_frame`` (patients with a liver-biopsy grade) gives the commonest liver grade;
    by default the patients of ``frame`` that have one.
    """
    if met_frame is None:
        met_frame = frame[frame["met_grade"].notna()] if "met_grade" in frame else frame[:0]
    patient: dict[str, object] = {"age": float(np.round(np.median(frame["age"])))}
    for name in BASE_INPUTS[1:]:
        source = met_frame if name == "met_grade" else frame
        if name == "met_grade" and len(source) == 0:
            patient[name] = REFERENCE_LEVELS["met_grade"]
            continue
        levels = input_levels(source, name)
        counts = [(int(np.sum(levels == lv)), -i, lv) for i, lv in enumerate(levels_of(name))]
        level = max(counts)[2]  # most common; ties go to the earlier (reference) level
        if name in FLAG_INPUTS:
            patient[name] = int(level)
        elif name == "ecog":
            patient[name] = {"0": 0, "1": 1, "2+": 2}[level]
        elif name == "primary_grade" and level == "unknown":
            patient[name] = None
        else:
            patient[name] = level
    patient.update({"primary_ki67": None, "met_ki67": None})
    return patient


def patient_frame(patient: dict[str, Any]) -> pd.DataFrame:
    """A one-row frame from a dict of canonical inputs (for the reference patient)."""
    return pd.DataFrame([patient])
