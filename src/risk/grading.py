"""WHO 2019 grading of digestive neuroendocrine tumors, and grade change.

| grade | Ki-67       | mitoses per 2 mm² |
|-------|-------------|-------------------|
| G1    | < 3 %       | < 2               |
| G2    | 3 - 20 %    | 2 - 20            |
| G3    | > 20 %      | > 20              |

The grade from Ki-67 and the grade from mitoses: the higher one is the WHO grade.
Functions take scalars or array-likes; missing values are ``None``/``NaN``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from risk.i18n import _
from risk.schema import GRADES

if TYPE_CHECKING:
    from typing_extensions import TypeIs

#: Upper bounds (inclusive of G2) for each measure: below low -> G1, above high -> G3.
KI67_G2_FROM = 3.0
KI67_G2_TO = 20.0
MITOSES_G2_FROM = 2.0
MITOSES_G2_TO = 20.0


def _is_missing(value: object) -> TypeIs[None]:  # None, NaN or NA (the callers then stop)
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def grade_from_ki67(ki67: float | None) -> str | None:
    """WHO grade from a Ki-67 index in percent: < 3 G1, 3-20 G2, > 20 G3."""
    if _is_missing(ki67):
        return None
    ki67 = float(ki67)
    if ki67 < KI67_G2_FROM:
        return "G1"
    return "G2" if ki67 <= KI67_G2_TO else "G3"


def grade_from_mitoses(mitoses: float | None) -> str | None:
    """WHO grade from mitoses per 2 mm²: < 2 G1, 2-20 G2, > 20 G3."""
    if _is_missing(mitoses):
        return None
    mitoses = float(mitoses)
    if mitoses < MITOSES_G2_FROM:
        return "G1"
    return "G2" if mitoses <= MITOSES_G2_TO else "G3"


def higher_grade(*grades: str | None) -> str | None:
    """The highest of the given grades, ignoring missing ones."""
    known = [g for g in grades if not _is_missing(g)]
    return max(known, key=GRADES.index) if known else None


def who_grade(ki67: float | None = None, mitoses: float | None = None) -> str | None:
    """WHO grade from Ki-67 and/or mitotic count: the higher of the two wins."""
    return higher_grade(grade_from_ki67(ki67), grade_from_mitoses(mitoses))


@dataclass(frozen=True)
class GradeCheck:
    """The grade to use, where it came from, and whether an entered grade contradicts."""

    grade: str | None
    derived: str | None
    source: str  # "entered", "derived", "entered and consistent", "missing"
    contradiction: str | None = None  # a sentence, when the entered grade disagrees


def check_grade(entered: str | None, ki67: float | None, mitoses: float | None) -> GradeCheck:
    """Reconcile an entered grade with the grade derived from Ki-67/mitoses."""
    derived = who_grade(ki67, mitoses)
    if _is_missing(entered):
        return GradeCheck(derived, derived, "derived" if derived else "missing")
    if derived is None:
        return GradeCheck(entered, None, "entered")
    if derived == entered:
        return GradeCheck(entered, derived, "entered and consistent")
    basis = describe_basis(ki67, mitoses)
    return GradeCheck(entered, derived, "entered",
                      _("grade {entered} contradicts {basis}, which give {derived}").format(entered=entered, basis=basis, derived=derived))


def describe_basis(ki67: float | None, mitoses: float | None) -> str:
    """'Ki-67 25% and 3 mitoses per 2 mm²' for messages and the derivation shown."""
    parts = []
    if not _is_missing(ki67):
        parts.append(_("Ki-67 {ki67:g}%").format(ki67=float(ki67)))
    if not _is_missing(mitoses):
        parts.append(_("{mitoses:g} mitoses per 2 mm²").format(mitoses=float(mitoses)))
    return _(" and ").join(parts) if parts else _("no Ki-67 or mitotic count")


def grade_change(primary: str | None, met: str | None) -> str:
    """'concordant', 'upgraded', 'downgraded' or 'unknown' (either grade missing)."""
    steps = grade_change_steps(primary, met)
    if steps is None:
        return "unknown"
    if steps == 0:
        return "concordant"
    return "upgraded" if steps > 0 else "downgraded"


def grade_change_steps(primary: str | None, met: str | None) -> int | None:
    """Size of the change: liver grade minus primary grade (-2..2), None if unknown."""
    if _is_missing(primary) or _is_missing(met):
        return None
    return GRADES.index(met) - GRADES.index(primary)


# Vectorised forms for cohort frames (no Python loop over patients).

def grades_from_ki67(ki67: pd.Series | np.ndarray) -> pd.Series:
    """Vectorised :func:`grade_from_ki67`; missing stays missing."""
    return _grades(pd.Series(ki67, dtype="float64"), KI67_G2_FROM, KI67_G2_TO)


def grades_from_mitoses(mitoses: pd.Series | np.ndarray) -> pd.Series:
    """Vectorised :func:`grade_from_mitoses`."""
    return _grades(pd.Series(mitoses, dtype="float64"), MITOSES_G2_FROM, MITOSES_G2_TO)


def _grades(values: pd.Series, g2_from: float, g2_to: float) -> pd.Series:
    level = np.where(values < g2_from, 0, np.where(values <= g2_to, 1, 2)).astype(float)
    level[values.isna().to_numpy()] = np.nan
    return _levels_to_grades(pd.Series(level, index=values.index))


def _grade_levels(grades: pd.Series) -> pd.Series:
    return grades.map({g: i for i, g in enumerate(GRADES)}).astype("float64")


def _levels_to_grades(levels: pd.Series) -> pd.Series:
    arr = levels.to_numpy(dtype=float)
    out = np.full(len(arr), None, dtype=object)
    known = ~np.isnan(arr)
    out[known] = np.asarray(GRADES, dtype=object)[arr[known].astype(int)]
    return pd.Series(out, index=levels.index, dtype=object)


def who_grades(ki67: pd.Series, mitoses: pd.Series) -> pd.Series:
    """Vectorised :func:`who_grade`: the higher of the Ki-67 and mitoses grades."""
    a = _grade_levels(grades_from_ki67(ki67))
    b = _grade_levels(grades_from_mitoses(mitoses).set_axis(a.index))
    return _levels_to_grades(pd.concat([a, b], axis=1).max(axis=1, skipna=True))


def grade_changes(primary: pd.Series, met: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Vectorised grade change: (labels, steps as float with NaN for unknown)."""
    steps = _grade_levels(met).to_numpy() - _grade_levels(primary).to_numpy()
    labels = np.select([steps == 0, steps > 0, steps < 0],
                       ["concordant", "upgraded", "downgraded"], default="unknown")
    index = primary.index
    return pd.Series(labels, index=index, dtype=object), pd.Series(steps, index=index)
