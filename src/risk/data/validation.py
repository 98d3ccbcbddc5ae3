"""Validation of a cohort file or of one patient's form, against the data dictionary.

Every problem is reported at once, each a :class:`risk.errors.Problem` with the row, the
column, the value as written and what is allowed. Row numbers are 1-based data rows: the
first row after the header is row 1 (a spreadsheet shows it as row 2); blank lines count,
so the numbers match the file. At most
:data:`~risk.data.cells.MAX_LISTED_PROBLEMS` problems are listed, the rest counted.

Purposes
--------
``"cohort"``
    Outcome columns optional; when both ``os_months`` and ``death`` are given they are
    checked and needed in every row.
``"training"``
    Outcomes required in every row (``os_months`` > 0 and <= 600, ``death`` 0/1), and not
    every patient censored.
``"prediction"``
    Outcome columns are ignored (listed in ``ignored_columns``).

For every purpose, ``differentiation = poor`` (neuroendocrine carcinoma) is refused: it is
outside the tool's intended use. The result is the *canonical cohort frame* described in
:mod:`risk.schema`.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from risk import grading
from risk.data.cells import Cells, Findings
from risk.data.notes import Note
from risk.data.progression import check_pfs
from risk.data.reading import FileSource, read_cells
from risk.data.rules import (
    GRADE_INPUTS,
    Layout,
    check_grades,
    check_intended_use,
    check_outcomes,
    check_typed,
    derived_grades,
    parse_column,
    read_header,
)
from risk.data.sheet import origin_of
from risk.errors import Problem, ValidationError
from risk.i18n import _
from risk.schema import (
    BY_NAME,
    COLUMN_NAMES,
    COLUMNS,
    OUTCOME_COLUMNS,
    PFS_COLUMNS,
    PREDICTION_COLUMNS,
)

if TYPE_CHECKING:
    from numpy.typing import ArrayLike

    from risk.schema import Column

__all__ = ["PURPOSES", "CohortResult", "load_cohort", "validate_cohort", "validate_patient",
           "canonicalise", "median_follow_up"]

PURPOSES = ("cohort", "training", "prediction")
#: patient_id given to a form's patient when the form has none.
FORM_PATIENT_ID = "patient"


@dataclass(frozen=True)
class CohortResult:
    """A validated cohort: the canonical frame and what the user should be told.

    Attributes
    ----------
    frame : pandas.DataFrame
        The canonical cohort frame (see :mod:`risk.schema`), index ``0..n-1``.
    ignored_columns : list of str
        Columns of the file not read (unknown ones; outcomes for a prediction).
    note_records : tuple of Note
        What was derived or assumed, as codes and counts; ``notes`` words them, e.g.
        ``"primary_grade derived from Ki-67/mitoses in 12 rows"``.
    n_patients : int
    n_deaths : int or None
        None when the file has no outcomes (or they were ignored).
    median_follow_up_months : float or None
        Reverse Kaplan-Meier median follow-up; None without outcomes or when not reached.
    """

    frame: pd.DataFrame
    ignored_columns: list[str]
    note_records: tuple[Note, ...]
    n_patients: int
    n_deaths: int | None
    median_follow_up_months: float | None
    #: Each patient's data row in the file (1 = the first under the header): blank rows
    #: are skipped, so a later check can still name the row a person sees.
    row_numbers: np.ndarray

    @property
    def notes(self) -> list[str]:
        return [str(note) for note in self.note_records]


def _check_purpose(purpose: str) -> None:
    if purpose not in PURPOSES:
        raise ValueError(f"purpose must be one of {', '.join(PURPOSES)}; got {purpose!r}")


def load_cohort(source: FileSource, purpose: str = "cohort", sheet: str | None = None
                ) -> CohortResult:
    """Read (:func:`risk.data.reading.read_cells`; ``sheet`` of a workbook) and validate
    a cohort file.

    Raises
    ------
    risk.errors.ValidationError
        Listing every problem of the file.
    """
    _check_purpose(purpose)
    return validate_cohort(read_cells(source, sheet), purpose=purpose)


def _headers(raw: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """Header names trimmed and lower-cased; a blank one named by its position (and
    dropped when its cells are blank too, as a trailing separator leaves it)."""
    names, keep = [], []
    for position, name in enumerate(raw.columns):
        name = str(name).strip().lower()
        if name or not Cells(raw.iloc[:, position]).blank().all():
            names.append(name or _("(column {position} without a header)").format(position=position + 1))
            keep.append(position)
    return raw.iloc[:, keep], names


def _cells(raw: pd.DataFrame, layout: Layout) -> tuple[dict[str, Cells], pd.Index, int]:
    """The schema columns' cells; blank rows dropped (rows keep their numbers)."""
    cells = {name: Cells(raw.iloc[:, position]) for name, position in layout.used.items()}
    blank = np.ones(len(raw), dtype=bool)
    for column_cells in cells.values():
        blank &= column_cells.blank()
    if blank.any():  # a row with text only in ignored columns is not blank
        rest = raw.iloc[blank]
        for position in range(rest.shape[1]):
            blank[blank] = Cells(rest.iloc[:, position]).blank()
    if blank.any():
        cells = {name: c.subset(~blank) for name, c in cells.items()}
    return cells, pd.Index(np.flatnonzero(~blank) + 1), int(blank.sum())


def _parse(cells: dict[str, Cells], rows: pd.Index, layout: Layout, findings: Findings
           ) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
    """Typed frame (index = row numbers) and a problem mask per column."""
    typed, bad = {}, {}
    given = tuple(BY_NAME[n] for n in (*PFS_COLUMNS, *PREDICTION_COLUMNS) if n in cells)
    for col in (*COLUMNS, *given):
        if col.name in cells:
            required = col.required or (col.outcome and layout.outcomes)
            typed[col.name], bad[col.name] = parse_column(col, cells[col.name], required,
                                                          findings)
        else:
            numeric = col.kind in ("number", "integer", "flag")
            typed[col.name] = np.full(len(rows), np.nan if numeric else None,
                                      dtype="float64" if numeric else object)
            bad[col.name] = np.zeros(len(rows), dtype=bool)
    return pd.DataFrame(typed, index=rows), bad


def validate_cohort(raw: pd.DataFrame, purpose: str = "cohort") -> CohortResult:
    """Validate a frame of text cells (as :func:`risk.data.reading.read_cells` returns).

    Parameters
    ----------
    raw : pandas.DataFrame
        Cells as text (other values are turned into text; missing values become blank).
        Row ``i`` (0-based) is data row ``i + 1`` in messages; blank rows are skipped
        (and counted in the notes). Read from a workbook's sheet
        (:func:`risk.data.sheet.origin_of`), messages name the sheet, its row and
        the column's letter, and the reader's notes come first.
    purpose : {"cohort", "training", "prediction"}

    Raises
    ------
    risk.errors.ValidationError
        Listing every problem (the first 200, and how many more).
    """
    _check_purpose(purpose)
    findings = Findings()
    origin, sheet_headers = origin_of(raw), [str(c) for c in raw.columns]
    raw, names = _headers(raw)
    layout = read_header(names, purpose, findings)
    cells, rows, n_blank = _cells(raw, layout)
    if rows.empty:
        findings.file(_("the file has no patient rows (only a header)"),
                      allowed=_("one line per patient under the header"))
    typed, bad = _parse(cells, rows, layout, findings)
    check_typed(typed, cells, bad, findings)
    derived = check_grades(typed, bad, set(layout.used), findings)
    check_intended_use(typed, findings)
    check_outcomes(typed, bad, purpose, findings)
    if layout.pfs:
        check_pfs(typed, cells, bad, findings)
    if findings:
        error = findings.error()
        if origin is None:
            raise error
        raise ValidationError(origin.locate(error.problems, sheet_headers),
                              summary=error.summary)
    frame = _canonical(typed, derived)
    row_numbers = frame.index.to_numpy(dtype=np.int64)
    frame = frame.reset_index(drop=True)
    notes = _notes(typed, frame, n_blank, layout, purpose)
    if origin is not None:
        notes = origin.notes + notes
    deaths = follow_up = None
    if layout.outcomes:
        deaths = int(frame["death"].sum())
        follow_up = median_follow_up(frame["os_months"], frame["death"])
    return CohortResult(frame, list(layout.ignored), notes, len(frame), deaths, follow_up,
                        row_numbers)


def _notes(typed: pd.DataFrame, frame: pd.DataFrame, n_blank: int, layout: Layout,
           purpose: str) -> tuple[Note, ...]:
    notes = []
    for grade in ("primary_grade", "met_grade"):
        derived = int((typed[grade].isna().to_numpy() & frame[grade].notna().to_numpy()).sum())
        if derived:
            notes.append(Note("derived", derived, grade))
    for name in ("sstr_status", "differentiation"):
        filled = int(typed[name].isna().sum())
        if filled and name in layout.used:
            notes.append(Note("default", filled, name))
    if n_blank:
        notes.append(Note("blank_rows", n_blank))
    dropped = tuple(n for n in (*OUTCOME_COLUMNS, *PFS_COLUMNS) if n in layout.ignored)
    if purpose == "prediction" and dropped:
        notes.append(Note("outcomes_ignored", columns=dropped))
    return tuple(notes)


def _canonical_values(col: Column, values: pd.Series) -> np.ndarray:
    if col.default is not None:
        values = values.where(values.notna(), col.default)
    if col.kind == "number":
        return values.to_numpy(dtype="float64")  # type: ignore[no-any-return]  # pandas is untyped
    if col.kind in ("flag", "integer"):
        numbers = values.to_numpy(dtype="float64")
        return numbers if np.isnan(numbers).any() else numbers.astype("int64")  # type: ignore[no-any-return]  # pandas is untyped
    return _objects(values.to_numpy(dtype=object))


def _objects(values: np.ndarray) -> np.ndarray:
    """An object array with None (not NaN) for missing values."""
    values = np.array(values, dtype=object)
    values[pd.isna(values)] = None
    return values


def canonicalise(frame: pd.DataFrame) -> pd.DataFrame:
    """The canonical cohort frame from typed, validated columns (see :mod:`risk.schema`).

    Absent optional columns are added as missing; blank ``sstr_status``/``differentiation``
    take their defaults; blank grades are derived from Ki-67/mitoses (an entered grade is
    kept: contradictions are for :func:`validate_cohort` to catch); ``grade_change`` and
    ``grade_change_steps`` are added. Flags and ``ecog`` become ``int64`` (``float64``
    when some are missing, e.g. ``death`` without outcomes). The index is kept.
    """
    return _canonical(frame, None)


def _canonical(frame: pd.DataFrame, derived: dict[str, pd.Series] | None) -> pd.DataFrame:
    index = frame.index
    out = {}
    for col in COLUMNS:
        values = frame[col.name] if col.name in frame else pd.Series(np.nan, index=index)
        out[col.name] = _canonical_values(col, values)
    for grade, ki67, mitoses in GRADE_INPUTS.values():
        if derived is None:
            given = derived_grades(pd.Series(out[ki67], index=index),
                                   pd.Series(out[mitoses], index=index))
        else:
            given = derived[grade]
        entered = out[grade]
        out[grade] = _objects(np.where(pd.isna(entered), given.to_numpy(dtype=object), entered))
    change, steps = grading.grade_changes(pd.Series(out["primary_grade"], index=index),
                                          pd.Series(out["met_grade"], index=index))
    out["grade_change"], out["grade_change_steps"] = change.to_numpy(), steps.to_numpy()
    for name in (*PFS_COLUMNS, *PREDICTION_COLUMNS):  # only when given
        if name in frame:
            out[name] = _canonical_values(BY_NAME[name], frame[name])
    return pd.DataFrame(out, index=index)


def median_follow_up(os_months: ArrayLike, death: ArrayLike) -> float | None:
    """Median follow-up in months by the reverse Kaplan-Meier method.

    The Kaplan-Meier estimate of the *censoring* distribution: being alive at last contact
    is the event, a death censors follow-up (Schemper & Smith, Control Clin Trials 1996).
    The median is read off as every Kaplan-Meier median (R's rule,
    :data:`risk.stats.kaplan_meier.MEDIAN_RULE`); None if the estimate never falls to 0.5.
    """
    from risk.stats.kaplan_meier import kaplan_meier

    months = np.asarray(os_months, dtype="float64")
    if months.size == 0:
        return None
    reverse = kaplan_meier(months, np.asarray(death, dtype="float64") == 0)
    return reverse.median if np.isfinite(reverse.median) else None


def _as_text(value: object) -> str:
    """A form value as the cell text a file would hold (numbers round-trip exactly)."""
    if value is None:
        return ""
    if isinstance(value, bool | np.bool_):
        return "1" if value else "0"
    if isinstance(value, numbers.Integral):
        return str(int(value))
    if isinstance(value, numbers.Real):
        return "" if np.isnan(float(value)) else repr(float(value))
    return str(value)


def validate_patient(values: dict[str, Any]) -> pd.DataFrame:
    """Validate one patient from the form, with the same rules as a cohort file.

    Parameters
    ----------
    values : dict
        Schema column names to typed values (numbers, ``None`` for missing, category codes,
        ``True``/``False`` or 0/1 for flags). A missing or blank ``patient_id`` becomes
        ``"patient"``; outcome columns are ignored.

    Returns
    -------
    pandas.DataFrame
        The one-row canonical frame.

    Raises
    ------
    risk.errors.ValidationError
        Each problem names its ``column`` (no row), for a message next to the field.
    """
    unknown = [Problem(_("not a field of the patient form"), column=str(key))
               for key in values if key not in BY_NAME]
    row = {name: _as_text(values.get(name)) for name in COLUMN_NAMES
           if name not in OUTCOME_COLUMNS and name not in PFS_COLUMNS}
    row.update({name: _as_text(values[name]) for name in PREDICTION_COLUMNS
                if values.get(name) is not None})
    row["patient_id"] = row["patient_id"] or FORM_PATIENT_ID
    try:
        frame = validate_cohort(pd.DataFrame([row], dtype=object), "prediction").frame
    except ValidationError as exc:
        raise ValidationError(unknown + [replace(p, row=None) for p in exc.problems]) from None
    if unknown:
        raise ValidationError(unknown)
    return frame
