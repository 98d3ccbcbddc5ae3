"""How sure a WHO grade is when it rests on a count near a cut-off (3% or 20% Ki-67; 2 or
20 mitoses per 2 mm², see :mod:`risk.grading`).

A Ki-67 index is k positive of n counted cells (WHO 2019 asks for at least 500 in hot
spots) and a mitotic count is m events in 2 mm²: estimates of a proportion and of a rate.
19% of 500 cells is 95 cells, and 95 of 500 is as compatible with 22% as with 16%.

- Positive cells: k = round(Ki-67 / 100 x n), n blank = 500.
- 95% interval: Clopper-Pearson (exact binomial) for the proportion; exact Poisson
  (Garwood) for the rate. Exact, because the counts that matter are small (15 of 500 at
  3%; 2 mitoses), where normal approximations undercover.
- An interval *crosses* a cut-off when it holds values on both sides of it (the WHO
  table's boundaries: 3% and 20% are G2, as are 2 and 20 mitoses); the grade is then in
  doubt, between the grades of the interval's ends.
- P(each grade | count): the posterior under a Jeffreys prior (Beta(k + 1/2, n - k + 1/2)
  for the proportion, Gamma(m + 1/2, 1) for the rate), its mass in each grade's range.
- With both counts the WHO grade is the higher one, so P(grade <= g) = P(Ki-67 grade <= g)
  x P(mitotic grade <= g), the counts taken as independent.

Functions take scalars (:func:`grade_uncertainty`) or a cohort's columns
(:func:`grade_ranges`); both run the same vectorised code. The beta and gamma cdf and
quantiles are scipy.special's incomplete beta and gamma functions and their inverses
(scipy.stats would add ~0.6 s of imports to the patient page's first estimate).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from scipy.special import betainc, betaincinv, gammainc, gammaincinv

from risk.grading import (
    KI67_G2_FROM,
    KI67_G2_TO,
    MITOSES_G2_FROM,
    MITOSES_G2_TO,
    grade_from_ki67,
    grade_from_mitoses,
    grades_from_ki67,
    grades_from_mitoses,
    who_grade,
)
from risk.schema import DEFAULT_CELLS_COUNTED, GRADES

if TYPE_CHECKING:
    from numpy.typing import ArrayLike, NDArray

#: Confidence of the intervals shown beside a grade.
INTERVAL_LEVEL = 0.95
#: Jeffreys prior (Beta(1/2, 1/2) for a proportion, Gamma(1/2) for a Poisson rate): the
#: usual non-informative prior for both, invariant to the scale chosen; its intervals
#: cover well at small counts (Brown, Cai & DasGupta, Stat Sci 2001), so the probabilities
#: agree with the exact intervals shown beside them.
JEFFREYS = 0.5


@dataclass(frozen=True)
class CountUncertainty:
    """One count behind a grade: its 95% interval and the grades the interval allows.

    ``measure`` is ``"ki67"`` (``events`` positive of ``counted`` cells; ``value``,
    ``lower`` and ``upper`` in %) or ``"mitoses"`` (``events`` mitoses, ``counted`` None;
    per 2 mm²). ``probabilities``: P(grade | count) for G1-G3, summing to 1.
    """

    measure: str
    value: float
    events: float
    counted: int | None
    lower: float
    upper: float
    grades: tuple[str, ...]
    probabilities: dict[str, float]


@dataclass(frozen=True)
class GradeUncertainty:
    """How sure a WHO grade is, given the counts it rests on.

    ``grade`` is the grade of the values as entered; ``grades`` the grades the 95% intervals
    allow (lowest first; the higher of the Ki-67 and mitotic grades, as the WHO grade is);
    ``probabilities`` P(WHO grade | counts) for G1-G3, summing to 1.
    """

    grade: str
    grades: tuple[str, ...]
    probabilities: dict[str, float]
    ki67: CountUncertainty | None = None
    mitoses: CountUncertainty | None = None

    @property
    def in_doubt(self) -> bool:
        """True when an interval crosses a cut-off: more than one grade is allowed."""
        return len(self.grades) > 1


def grades_between(lower: float, upper: float, measure: str) -> tuple[str, ...]:
    """The grades of the values from ``lower`` to ``upper`` (Ki-67 % or mitoses), lowest
    first: an interval crosses a cut-off when it holds values on both sides of it."""
    grade_of = {"ki67": grade_from_ki67, "mitoses": grade_from_mitoses}[measure]
    return GRADES[GRADES.index(grade_of(lower)): GRADES.index(grade_of(upper)) + 1]


def positive_cells(ki67: ArrayLike, cells_counted: ArrayLike | None = None
                   ) -> NDArray[np.float64]:
    """k = round(Ki-67 / 100 x n), halves up; a blank n is the default 500 cells."""
    n = _counted(cells_counted, np.shape(ki67))
    # the tolerance keeps 2.9% of 500 (14.4999... in floating point) at 14.5 -> 15
    k = np.floor(np.asarray(ki67, dtype=float) * n / 100 + 0.5 + 1e-9)
    positive: NDArray[np.float64] = np.clip(k, 0, n)
    return positive


def ki67_interval(positive: ArrayLike, cells_counted: ArrayLike
                  ) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Clopper-Pearson (exact binomial) 95% interval of a Ki-67 index, in %.

    Exact because the counts near a cut-off are small (15 of 500 at 3%), where normal
    approximations undercover. Written as beta quantiles, to run on a whole cohort at once
    (equal to ``scipy.stats.binomtest(k, n).proportion_ci(method="exact")``, tested).
    """
    k, n = np.asarray(positive, dtype=float), np.asarray(cells_counted, dtype=float)
    tail = (1 - INTERVAL_LEVEL) / 2
    lower = np.where(k > 0, betaincinv(np.maximum(k, 1), n - k + 1, tail), 0.0)
    upper = np.where(k < n, betaincinv(k + 1, np.maximum(n - k, 1), 1 - tail), 1.0)
    missing = np.isnan(k)
    return 100 * np.where(missing, np.nan, lower), 100 * np.where(missing, np.nan, upper)


def mitoses_interval(mitoses: ArrayLike) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Exact Poisson (Garwood) 95% interval of the mitotic rate per 2 mm².

    The count of one 2 mm² area is a Poisson count; Garwood's interval (gamma quantiles,
    equal to the chi-square form) holds its level for counts as small as 0-5.
    """
    m = np.asarray(mitoses, dtype=float)
    tail = (1 - INTERVAL_LEVEL) / 2
    lower = np.where(m > 0, gammaincinv(np.maximum(m, 1e-12), tail), 0.0)
    return np.where(np.isnan(m), np.nan, lower), gammaincinv(m + 1, 1 - tail)


def _counted(cells_counted: ArrayLike | None, shape: tuple[int, ...]) -> NDArray[np.float64]:
    n = np.broadcast_to(np.asarray(np.nan if cells_counted is None else cells_counted,
                                   dtype=float), shape)
    return np.where(np.isnan(n), DEFAULT_CELLS_COUNTED, n)


def grade_levels(grades: pd.Series) -> NDArray[np.float64]:
    """Grade index 0-2 of each grade code (NaN for none)."""
    levels: NDArray[np.float64] = grades.map({g: float(i) for i, g in enumerate(GRADES)}
                                             ).to_numpy(dtype=float)
    return levels


@dataclass(frozen=True)
class _Counts:
    """One measure for many patients: counts, intervals, lowest/highest grade index and
    P(grade <= G1, G2, G3) (rows of NaN where the measure is missing)."""

    events: np.ndarray
    counted: np.ndarray | None
    lower: np.ndarray
    upper: np.ndarray
    low: np.ndarray
    high: np.ndarray
    cdf: np.ndarray


def _ki67_counts(ki67: ArrayLike, cells_counted: ArrayLike | None) -> _Counts:
    """Posterior Beta(k + 1/2, n - k + 1/2); G1 is p < 3%, G3 is p > 20%."""
    ki67 = np.atleast_1d(np.asarray(ki67, dtype=float))
    n = _counted(cells_counted, ki67.shape)
    k = positive_cells(ki67, n)
    codes, first = _distinct(k, n)
    k1, n1 = k[first], n[first]
    lower, upper = ki67_interval(k1, n1)
    a, b = k1 + JEFFREYS, n1 - k1 + JEFFREYS
    cdf = np.column_stack([betainc(a, b, KI67_G2_FROM / 100), betainc(a, b, KI67_G2_TO / 100),
                           np.ones_like(k1)])
    return _Counts(k, n, lower[codes], upper[codes], grade_levels(grades_from_ki67(lower))[codes],
                   grade_levels(grades_from_ki67(upper))[codes], cdf[codes])


def _mitoses_counts(mitoses: ArrayLike) -> _Counts:
    """Posterior Gamma(m + 1/2, 1) of the rate per 2 mm²; G1 is < 2, G3 is > 20."""
    m = np.atleast_1d(np.asarray(mitoses, dtype=float))
    codes, first = _distinct(m)
    m1 = m[first]
    lower, upper = mitoses_interval(m1)
    a = m1 + JEFFREYS
    cdf = np.column_stack([gammainc(a, MITOSES_G2_FROM), gammainc(a, MITOSES_G2_TO),
                           np.ones_like(m1)])
    return _Counts(m, None, lower[codes], upper[codes],
                   grade_levels(grades_from_mitoses(lower))[codes],
                   grade_levels(grades_from_mitoses(upper))[codes], cdf[codes])


def _distinct(*columns: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Codes of each row's distinct values and a row holding each: a cohort has a few
    hundred distinct counts, so the special functions run once per count, not per patient."""
    frame = pd.DataFrame(dict(enumerate(columns)))
    codes = frame.groupby(list(frame.columns), dropna=False, sort=False).ngroup().to_numpy()
    first = np.zeros(codes.max() + 1 if len(codes) else 0, dtype=np.int64)
    first[codes[::-1]] = np.arange(len(codes))[::-1]
    return codes, first


def _combined(ki67: _Counts, mitoses: _Counts) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Lowest and highest WHO grade index and P(each grade) of both measures.

    The WHO grade is the higher of the two, so P(grade <= g) = P(Ki-67 grade <= g) x
    P(mitotic grade <= g), taking the two counts as independent; a missing measure counts
    as certain to be low (its factor is 1).
    """
    low, high = np.fmax(ki67.low, mitoses.low), np.fmax(ki67.high, mitoses.high)
    cdf = np.nan_to_num(ki67.cdf, nan=1.0) * np.nan_to_num(mitoses.cdf, nan=1.0)
    probabilities = np.diff(cdf, axis=1, prepend=0.0)
    probabilities[np.isnan(low)] = np.nan
    return low, high, probabilities


def _count_uncertainty(measure: str, value: float, counts: _Counts) -> CountUncertainty:
    cdf = counts.cdf[0]
    return CountUncertainty(
        measure, float(value), float(counts.events[0]),
        None if counts.counted is None else int(counts.counted[0]),
        float(counts.lower[0]), float(counts.upper[0]),
        GRADES[int(counts.low[0]): int(counts.high[0]) + 1],
        dict(zip(GRADES, np.diff(cdf, prepend=0.0).tolist(), strict=True)))


def grade_uncertainty(ki67: float | None = None, mitoses: float | None = None,
                      cells_counted: float | None = None) -> GradeUncertainty | None:
    """The WHO grade of a Ki-67 index and/or mitotic count, with how sure it is.

    None without either count (an entered grade alone has nothing to weigh). A blank
    ``cells_counted`` is 500. See :class:`GradeUncertainty`.
    """
    ki67 = None if ki67 is None or pd.isna(ki67) else float(ki67)
    mitoses = None if mitoses is None or pd.isna(mitoses) else float(mitoses)
    if ki67 is None and mitoses is None:
        return None
    by_ki67 = _ki67_counts(np.nan if ki67 is None else ki67, cells_counted)
    by_mitoses = _mitoses_counts(np.nan if mitoses is None else mitoses)
    low, high, probabilities = _combined(by_ki67, by_mitoses)
    grade = who_grade(ki67, mitoses)
    assert grade is not None  # a count is given, so it has a grade
    return GradeUncertainty(
        grade, GRADES[int(low[0]): int(high[0]) + 1],
        dict(zip(GRADES, probabilities[0].tolist(), strict=True)),
        None if ki67 is None else _count_uncertainty("ki67", ki67, by_ki67),
        None if mitoses is None else _count_uncertainty("mitoses", mitoses, by_mitoses))


@dataclass(frozen=True)
class GradeRanges:
    """:func:`grade_uncertainty` for a cohort: per patient the lowest and highest grade the
    intervals allow (None without a count) and P(each grade) (NaN without a count)."""

    lowest: pd.Series
    highest: pd.Series
    probabilities: pd.DataFrame  # columns G1, G2, G3

    @property
    def in_doubt(self) -> pd.Series:
        return self.lowest.notna() & (self.lowest != self.highest)


def grade_ranges(ki67: ArrayLike, mitoses: ArrayLike, cells_counted: ArrayLike | None = None
                 ) -> GradeRanges:
    """Vectorised :func:`grade_uncertainty` (one row per patient, same index as ``ki67``)."""
    ki67_column = pd.Series(ki67, dtype="float64")
    low, high, probabilities = _combined(_ki67_counts(ki67_column.to_numpy(), cells_counted),
                                         _mitoses_counts(np.asarray(mitoses, dtype=float)))
    index = ki67_column.index
    return GradeRanges(pd.Series(_grade_codes(low), index=index, dtype=object),
                       pd.Series(_grade_codes(high), index=index, dtype=object),
                       pd.DataFrame(probabilities, index=index, columns=list(GRADES)))


def _grade_codes(levels: np.ndarray) -> np.ndarray:
    out = np.full(len(levels), None, dtype=object)
    known = ~np.isnan(levels)
    out[known] = np.asarray(GRADES, dtype=object)[levels[known].astype(int)]
    return out
