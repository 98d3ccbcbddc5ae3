"""Table 1 by group, biopsy safety with Wilson intervals, and a patient's risk percentile.

Table 1 shows continuous characteristics as median (IQR) with a Kruskal-Wallis test and
categorical ones as n (%) with a chi-square test (Fisher's exact test when an expected
count is below 5: exact for 2x2 tables, Monte Carlo with a fixed seed for larger ones).
Tests compare the assessed groups; a "Not assessed" group is shown but not tested, and
missing values are counted in their own row but left out of the tests.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from scipy import stats

from risk import schema
from risk.cohort.summary import group_labels
from risk.i18n import N_, _, format_integer, format_number
from risk.schema import NOT_ASSESSED, NOT_RECORDED

if TYPE_CHECKING:
    from numpy.typing import ArrayLike, NDArray

#: One row of Table 1 (variable, level, a cell per group, p-value, test) and one of its
#: long form (variable, level, group, count, of, percent, median, q1, q3).
_Row = tuple[str, str, dict[str, str], float, str]
_LongRow = tuple[str, str, str, int, int, float, float, float, float]

TABLE_ONE_CONTINUOUS = ("age", "primary_ki67", "met_ki67", "primary_mitoses", "met_mitoses")
TABLE_ONE_CATEGORICAL = (
    "sex", "primary_site", "primary_grade", "met_grade", "met_timing", "liver_burden",
    "extrahepatic_mets", "primary_resected", "functional_syndrome", "ecog", "sstr_status",
)
#: An empty cell of Table 1 (an en dash: a plain "-" would be neutralised in a CSV to "'-").
NO_VALUE = "\u2013"
#: The group of every patient: its key in ``long``, worded in the headers.
ALL_PATIENTS = "All patients"
ALL_PATIENTS_WORDS = N_("All patients")
#: The level of a continuous characteristic's row (in the current language).
MEDIAN_IQR = N_("median (IQR)")
MONTE_CARLO_TABLES = 10_000


@dataclass(frozen=True)
class TableOne:
    """Table 1: ``display`` is ready to show/export (text cells), ``long`` holds the numbers.

    ``display`` columns: ``Characteristic``, ``Level``, one column per group headed
    ``"<group> (n=...)"``, ``All patients (n=...)``, ``p-value``, ``Test``.
    ``p-value`` is text (``"< 0.001"``, ``"0.042"``); the numbers are in ``p_values``
    (``characteristic, p_value, test``).
    ``long`` columns: ``characteristic, level, group, n, denominator, percent, median,
    q1, q3`` (one row per cell; ``percent`` for counts, quartiles for continuous rows).
    """

    display: pd.DataFrame
    long: pd.DataFrame
    group_sizes: pd.Series
    p_values: pd.DataFrame


def _fmt(x: float) -> str:
    return f"{x:.1f}" if abs(x) < 100 else f"{x:.0f}"


def _continuous_rows(values: NDArray[np.float64], codes: NDArray[np.intp], groups: list[str],
                     name: str) -> tuple[list[_Row], list[_LongRow]]:
    unit = schema.unit_label(name)
    label = schema.column_label(name) + (f" ({unit})" if unit else "")
    long: list[_LongRow] = []
    cells: dict[str, str] = {}
    missing_cells: dict[str, str] = {}
    any_missing = bool(np.isnan(values).any())
    for i, g in enumerate([*groups, ALL_PATIENTS]):
        v = values if g == ALL_PATIENTS else values[codes == i]
        known = v[~np.isnan(v)]
        if known.size:
            q1, median, q3 = np.percentile(known, [25, 50, 75])
            cells[g] = f"{_fmt(median)} ({_fmt(q1)}-{_fmt(q3)})"
        else:
            q1 = median = q3 = np.nan
            cells[g] = NO_VALUE
        long.append((label, _(MEDIAN_IQR), g, int(known.size), int(v.size), np.nan,
                     median, q1, q3))
        if any_missing:
            n_missing = int(v.size - known.size)
            missing_cells[g] = _count_cell(n_missing, v.size)
            long.append((label, _(NOT_RECORDED), g, n_missing, int(v.size),
                         _percent(n_missing, v.size), np.nan, np.nan, np.nan))
    samples = [values[(codes == i) & ~np.isnan(values)] for i, g in enumerate(groups)
               if g != _(NOT_ASSESSED)]
    p, test = _kruskal(samples)
    rows: list[_Row] = [(label, _(MEDIAN_IQR), cells, p, test)]
    if any_missing:
        rows.append((label, _(NOT_RECORDED), missing_cells, np.nan, ""))
    return rows, long


def _kruskal(samples: list[np.ndarray]) -> tuple[float, str]:
    samples = [s for s in samples if s.size]
    if len(samples) < 2:
        return np.nan, ""
    try:
        return float(stats.kruskal(*samples).pvalue), _("Kruskal-Wallis")
    except ValueError:  # all values identical
        return np.nan, _("Kruskal-Wallis (all values equal)")


def _percent(k: int, n: int) -> float:
    return 100.0 * k / n if n else np.nan


def _count_cell(k: int, n: int) -> str:
    return f"{format_integer(k)} ({format_number(_percent(k, n), 1)}%)" if n else NO_VALUE


def _categorical_rows(series: pd.Series, codes: NDArray[np.intp], groups: list[str], name: str
                      ) -> tuple[list[_Row], list[_LongRow]]:
    column = schema.column(name)
    levels = list((0, 1) if column.kind == "flag" else column.categories)
    if column.kind == "integer":
        levels = sorted(series.dropna().unique().tolist())
    level_code = pd.Categorical(series, categories=levels).codes  # -1 for missing
    k, g_all = len(levels) + 1, len(groups)
    counts = np.bincount(codes * k + np.where(level_code < 0, k - 1, level_code),
                         minlength=g_all * k).reshape(g_all, k)
    sizes = counts.sum(axis=1)
    tested = [i for i, g in enumerate(groups) if g != _(NOT_ASSESSED)]
    title = schema.column_label(name)
    p, test = _independence_test(counts[tested, :-1])
    keep = [j for j in range(k - 1) if counts[:, j].sum() > 0]
    if counts[:, -1].sum() > 0:
        keep.append(k - 1)
    rows: list[_Row] = []
    long: list[_LongRow] = []
    for j in keep:
        level = schema.label(name, None if j == k - 1 else levels[j])
        cells = {g: _count_cell(int(counts[i, j]), int(sizes[i])) for i, g in enumerate(groups)}
        total, n_all = int(counts[:, j].sum()), int(sizes.sum())
        cells[ALL_PATIENTS] = _count_cell(total, n_all)
        first = not rows
        rows.append((title, level, cells, p if first else np.nan, test if first else ""))
        for i, g in enumerate(groups):
            long.append((title, level, g, int(counts[i, j]), int(sizes[i]),
                         _percent(int(counts[i, j]), int(sizes[i])), np.nan, np.nan, np.nan))
        long.append((title, level, ALL_PATIENTS, total, n_all,
                     _percent(total, n_all), np.nan, np.nan, np.nan))
    return rows, long


def _independence_test(table: np.ndarray) -> tuple[float, str]:
    """Chi-square, or Fisher's exact test when an expected count is below 5."""
    table = table[table.sum(axis=1) > 0][:, table.sum(axis=0) > 0]
    if table.shape[0] < 2 or table.shape[1] < 2:
        return np.nan, ""
    expected = stats.contingency.expected_freq(table)
    if (expected >= 5).all():
        return float(stats.chi2_contingency(table).pvalue), _("Chi-square")
    if table.shape == (2, 2):
        return float(stats.fisher_exact(table).pvalue), _("Fisher exact")
    method = stats.MonteCarloMethod(n_resamples=MONTE_CARLO_TABLES,
                                    rng=np.random.default_rng(0))
    # ravel: scipy returns a 1-element array for some shapes
    return (float(np.ravel(stats.fisher_exact(table, method=method).pvalue)[0]),
            _("Fisher exact (Monte Carlo, {n} tables)").format(
                n=format_integer(MONTE_CARLO_TABLES)))


def table_one(frame: pd.DataFrame, by: str | pd.Series = "grade_change") -> TableOne:
    """Table 1 of the cohort by group (grade-change groups by default)."""
    groups_series = group_labels(frame, by)
    groups = [str(g) for g in groups_series.cat.categories]
    codes = groups_series.cat.codes.to_numpy()
    sizes = pd.Series(np.bincount(codes, minlength=len(groups)), index=groups)
    headers = {g: group_header(g, format_integer(int(sizes[g]))) for g in groups}
    headers[ALL_PATIENTS] = group_header(ALL_PATIENTS, format_integer(len(frame)))
    display_rows, long_rows = [], []
    for name in TABLE_ONE_CONTINUOUS:
        if name in frame and frame[name].notna().any():
            rows, long = _continuous_rows(frame[name].to_numpy(dtype=float), codes, groups, name)
            display_rows += rows
            long_rows += long
    for name in TABLE_ONE_CATEGORICAL:
        if name in frame:
            rows, long = _categorical_rows(frame[name], codes, groups, name)
            display_rows += rows
            long_rows += long
    display = pd.DataFrame(
        [{"Characteristic": c, "Level": lvl,
          **{headers[g]: cells.get(g, NO_VALUE) for g in [*groups, ALL_PATIENTS]},
          "p-value": format_p_value(p), "Test": test}
         for c, lvl, cells, p, test in display_rows])
    n_row = {"Characteristic": _("Patients"), "Level": "n",
             **{headers[g]: format_integer(int(sizes[g])) for g in groups},
             headers[ALL_PATIENTS]: format_integer(len(frame)), "p-value": "", "Test": ""}
    display = pd.concat([pd.DataFrame([n_row]), display], ignore_index=True)
    long = pd.DataFrame(long_rows, columns=["characteristic", "level", "group", "n",
                                            "denominator", "percent", "median", "q1", "q3"])
    p_values = pd.DataFrame([(c, p, test) for c, _, _, p, test in display_rows if test],
                            columns=["characteristic", "p_value", "test"])
    return TableOne(display, long, sizes, p_values)


def group_header(group: str, n: str) -> str:
    """A group's column of Table 1: "Upgraded in the liver (n=120)"."""
    name = _(ALL_PATIENTS_WORDS) if group == ALL_PATIENTS else group
    return _("{group} (n={n})").format(group=name, n=n)


#: Table 1's own columns (the data's keys) and their words on screen and in downloads.
TABLE_ONE_HEADERS = {"Characteristic": N_("Characteristic"), "Level": N_("Level"),
                     "p-value": N_("p-value"), "Test": N_("Test")}


def table_one_words(display: pd.DataFrame) -> pd.DataFrame:
    """Table 1's ``display`` with its own column names in the current language."""
    return display.rename(columns={k: _(v) for k, v in TABLE_ONE_HEADERS.items()})


def format_p_value(p: float) -> str:
    """``"< 0.001"``, ``"0.042"``, or ``""`` when there is no test."""
    if p is None or not np.isfinite(p):
        return ""
    return "< 0.001" if p < 0.001 else f"{p:.3f}"


# --------------------------------------------------------------------------- biopsy safety

def wilson_interval(successes: ArrayLike, trials: ArrayLike, confidence: float = 0.95
                    ) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Wilson score interval for a proportion (vectorised); (nan, nan) when trials = 0."""
    k = np.asarray(successes, dtype=float)
    n = np.asarray(trials, dtype=float)
    z = stats.norm.ppf(0.5 + confidence / 2)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = k / n
        centre = (p + z * z / (2 * n)) / (1 + z * z / n)
        half = z / (1 + z * z / n) * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return np.clip(centre - half, 0, 1), np.clip(centre + half, 0, 1)


def complication_rates(frame: pd.DataFrame) -> pd.DataFrame | None:
    """Biopsy complication rates with Wilson 95% intervals, or None without the column.

    Rows: none, minor, major, any (minor or major); columns ``outcome, patients,
    assessed, percent, lower_95, upper_95`` (percentages of patients with a recorded
    outcome; ``not_recorded`` in ``attrs``).
    """
    if "biopsy_complication" not in frame or frame["biopsy_complication"].isna().all():
        return None
    column = frame["biopsy_complication"]
    assessed = int(column.notna().sum())
    counts = {code: int((column == code).sum()) for code in ("none", "minor", "major")}
    counts["any"] = counts["minor"] + counts["major"]
    k = np.array(list(counts.values()))
    low, high = wilson_interval(k, assessed)
    out = pd.DataFrame({"outcome": [schema.label("biopsy_complication", c) for c in counts],
                        "patients": k, "assessed": assessed, "percent": 100.0 * k / assessed,
                        "lower_95": 100.0 * low, "upper_95": 100.0 * high})
    out.attrs["not_recorded"] = int(len(frame) - assessed)
    return out


# --------------------------------------------------------------------------- risk percentile

def risk_percentile(cohort_scores: ArrayLike, patient_score: float) -> float:
    """Where a patient's risk score sits in the cohort: the percentage of cohort patients
    with a lower score, ties counted half (``scipy.stats.percentileofscore(kind="mean")``).
    A higher score means a higher risk; 90 means riskier than 90% of the cohort.
    """
    scores = np.asarray(cohort_scores, dtype=float)
    scores = scores[np.isfinite(scores)]
    if scores.size == 0:
        raise ValueError("the cohort has no risk scores")
    if not np.isfinite(patient_score):
        raise ValueError(f"the patient's risk score must be a finite number; got {patient_score!r}")
    below = np.count_nonzero(scores < patient_score)
    equal = np.count_nonzero(scores == patient_score)
    return float(100.0 * (below + 0.5 * equal) / scores.size)
