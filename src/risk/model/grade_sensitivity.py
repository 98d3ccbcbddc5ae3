"""The estimate under each grade that a count near a WHO cut-off allows.

When the 95% interval of the Ki-67 index or mitotic count behind a grade crosses a WHO
cut-off (:mod:`risk.grade_uncertainty`), the served model predicts the patient again with
each grade the interval allows in place of the uncertain one. Everything else stays as
entered, the Ki-67 index too (a model with a Ki-67 term reads it: the measured index is
still the best estimate of the true one). The grade change is derived again from the two
grades. One patient (:func:`grade_sensitivity`, for the page and the report) and a file
(:func:`with_grade_sensitivity`, for ``python -m risk predict``) use the same re-prediction.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from risk import grading
from risk.grade_uncertainty import (
    GradeUncertainty,
    grade_levels,
    grade_ranges,
    grade_uncertainty,
)
from risk.i18n import N_, Words, _, format_integer
from risk.schema import DEFAULT_CELLS_COUNTED, GRADES

if TYPE_CHECKING:
    from numpy.typing import ArrayLike, NDArray

    from risk.model.pair import BiopsyRiskModel

#: For each site: the grade and the counts it rests on (Ki-67, mitoses, cells counted).
GRADE_COUNTS = {site: (f"{site}_grade", f"{site}_ki67", f"{site}_mitoses",
                       f"{site}_cells_counted") for site in ("primary", "met")}
#: The horizon the alternatives are reported at: 5-year survival.
SENSITIVITY_MONTHS = 60
SITE_WORDS = Words({"primary": N_("primary grade"), "met": N_("liver grade")})

#: The columns ``python -m risk predict`` adds (blank where the grade is not in doubt, or
#: the interval does not allow that grade).
GRADE_SENSITIVITY_COLUMNS = (
    "grade_uncertain",
    *[f"p_{site}_{g}" for site in GRADE_COUNTS for g in GRADES],
    *[f"surv_{SENSITIVITY_MONTHS}_if_{site}_{g}{part}" for site in GRADE_COUNTS
      for g in GRADES for part in ("", "_lower", "_upper")],
)

#: The heading of the page's box and the report's paragraph.
GRADE_SENSITIVITY_TITLE = N_("The grade rests on a count near a WHO cut-off")
#: How the box and the report compute what they show, in words.
GRADE_SENSITIVITY_METHOD = (
    N_("How this is computed: positive cells = Ki-67 x cells counted (500 when not given), "
    "rounded. The 95% interval of the Ki-67 index is the exact (Clopper-Pearson) binomial "
    "interval, that of the mitotic count the exact Poisson (Garwood) interval per 2 mm²; "
    "a grade is in doubt when that interval crosses a WHO cut-off (Ki-67 3% or 20%; 2 or "
    "20 mitoses). The probability of each grade is the share of the count's posterior "
    "distribution (Jeffreys prior: Beta(k + 1/2, n - k + 1/2) for the Ki-67 proportion, "
    "Gamma(m + 1/2, 1) for the mitotic rate) that lies in that grade's WHO range; with both "
    "counts the grade is the higher of the two, the counts taken as independent. Given a "
    "time alive, each probability is updated by how likely a patient with that grade was "
    "to live that long (Bayes' rule). Each estimate is the same model's, with only that "
    "grade changed."))


@dataclass(frozen=True)
class GradeAlternative:
    """The estimate under one grade the interval allows."""

    grade: str
    probability: float  # P(this grade | the counts)
    survival: float  # at SENSITIVITY_MONTHS, with its 95% interval
    lower: float
    upper: float
    as_estimated: bool  # the grade the patient's estimate uses


@dataclass(frozen=True)
class SiteGradeSensitivity:
    """One grade in doubt (``site`` "primary" or "met") and the estimate under each grade
    its counts allow, lowest grade first."""

    site: str
    uncertainty: GradeUncertainty
    alternatives: tuple[GradeAlternative, ...]


@dataclass(frozen=True)
class GradeSensitivity:
    """The grades of one patient that are in doubt (at least one), and their estimates."""

    months: int
    sites: tuple[SiteGradeSensitivity, ...]


def with_grade(frame: pd.DataFrame, grade_column: str, grade: str) -> pd.DataFrame:
    """The canonical frame with ``grade_column`` set to ``grade`` and the grade change
    derived again."""
    out = frame.assign(**{grade_column: grade})
    change, steps = grading.grade_changes(out["primary_grade"], out["met_grade"])
    return out.assign(grade_change=change.to_numpy(), grade_change_steps=steps.to_numpy())


def _survival_under(model: BiopsyRiskModel, frame: pd.DataFrame, grade_column: str,
                    grade: str, alive_months: ArrayLike | None = None,
                    months: int = SENSITIVITY_MONTHS) -> NDArray[np.float64]:
    """(n, 3): survival at ``months``, lower, upper, with that grade (conditional on
    being alive at ``alive_months``, one number or one per patient, as the estimate is)."""
    changed = with_grade(frame, grade_column, grade)
    table = model.predict_horizons(changed, [months], alive_months)
    survival: NDArray[np.float64] = table.to_numpy(dtype=float)
    return survival


def _counts(row: pd.Series, site: str) -> GradeUncertainty | None:
    _, ki67, mitoses, cells = GRADE_COUNTS[site]
    return grade_uncertainty(row.get(ki67), row.get(mitoses), row.get(cells))


def _reached(model: BiopsyRiskModel, frame: pd.DataFrame, grade_column: str, grade: str,
             alive_months: np.ndarray) -> NDArray[np.float64]:
    """S(alive_months) at the biopsy of each patient of ``frame`` with that grade (the
    curves read log-linearly between the months of their grid)."""
    curves = model.predict(with_grade(frame, grade_column, grade)).curves
    months = np.arange(curves.shape[1], dtype=float)
    log = np.log(np.clip(curves, 1e-300, None))
    reached: NDArray[np.float64] = np.exp([np.interp(s, months, row)
                                           for s, row in zip(alive_months, log, strict=True)])
    return reached


def _bayes(chances: np.ndarray, allowed: np.ndarray, reached: np.ndarray) -> np.ndarray:
    """(n, grades) chances given alive: each allowed grade's chance times its S(alive),
    scaled so the allowed grades keep their total (the others are left as they are)."""
    weighted = np.where(allowed, chances * reached, 0.0)
    kept = np.where(allowed, chances, 0.0).sum(axis=1, keepdims=True)
    total = weighted.sum(axis=1, keepdims=True)
    scaled = np.divide(weighted * kept, total, out=np.zeros_like(weighted), where=total > 0)
    return np.where(allowed & (total > 0), scaled, chances)


def _chances_given_alive(model: BiopsyRiskModel, patient: pd.DataFrame, grade_column: str,
                         uncertainty: GradeUncertainty,
                         alive_months: float | None) -> dict[str, float]:
    """P(each allowed grade | the counts), and given alive at ``alive_months`` updated by
    Bayes' rule (times S(alive_months) under that grade, at the biopsy), as the
    before-biopsy scenarios are; the allowed grades keep their total."""
    chances = {g: float(uncertainty.probabilities[g]) for g in uncertainty.grades}
    if not alive_months:
        return chances
    grades = list(chances)
    reached = np.array([[_reached(model, patient, grade_column, g,
                                  np.array([alive_months]))[0] for g in grades]])
    updated = _bayes(np.array([[chances[g] for g in grades]]), np.ones((1, len(grades)), bool),
                     reached)[0]
    return dict(zip(grades, map(float, updated), strict=True))


def _probabilities_given_alive(model: BiopsyRiskModel, frame: pd.DataFrame, grade_column: str,
                               chances: np.ndarray, allowed: np.ndarray,
                               alive_months: np.ndarray | None) -> np.ndarray:
    """:func:`_bayes` for the patients of a file alive at their ``alive_months`` (NaN or
    0: at the biopsy, unchanged), as the page's :func:`_chances_given_alive`."""
    if alive_months is None:
        return chances
    alive = np.nan_to_num(np.asarray(alive_months, dtype=float), nan=0.0)
    rows = np.flatnonzero(allowed.any(axis=1) & (alive > 0))
    if not rows.size:
        return chances
    reached = np.ones((rows.size, len(GRADES)))
    for level, grade in enumerate(GRADES):
        some = np.flatnonzero(allowed[rows, level])
        if some.size:
            reached[some, level] = _reached(model, frame.iloc[rows[some]], grade_column, grade,
                                            alive[rows[some]])
    out = chances.copy()
    out[rows] = _bayes(chances[rows], allowed[rows], reached)
    return out


def grade_sensitivity(model: BiopsyRiskModel, patient: pd.DataFrame,
                      alive_months: float | None = None) -> GradeSensitivity | None:
    """The estimates under each allowed grade, for each grade of ``patient`` (a one-row
    canonical frame) in doubt; None when no grade is (or none rests on a count). Given
    ``alive_months`` they are conditional on it, at 5 years, or 10 once 5 are survived."""
    months = 120 if alive_months is not None and alive_months >= 60 else SENSITIVITY_MONTHS
    row = patient.iloc[0]
    sites = []
    for site, (grade_column, *_rest) in GRADE_COUNTS.items():
        uncertainty = _counts(row, site)
        if uncertainty is None or not uncertainty.in_doubt:
            continue
        alternatives = []
        chances = _chances_given_alive(model, patient, grade_column, uncertainty,
                                       alive_months)
        for grade in uncertainty.grades:
            survival, lower, upper = _survival_under(model, patient, grade_column, grade,
                                                     alive_months, months)[0]
            alternatives.append(GradeAlternative(
                grade, chances[grade], float(survival), float(lower),
                float(upper), grade == row[grade_column]))
        sites.append(SiteGradeSensitivity(site, uncertainty, tuple(alternatives)))
    return GradeSensitivity(months, tuple(sites)) if sites else None


def with_grade_sensitivity(model: BiopsyRiskModel, frame: pd.DataFrame, table: pd.DataFrame,
                           alive_months: np.ndarray | None = None) -> pd.DataFrame:
    """``table`` (the predictions of ``frame``, row for row) with
    :data:`GRADE_SENSITIVITY_COLUMNS`; the model predicts again only the patients whose
    grade is in doubt, once per site and grade (conditional on ``alive_months``, one per
    patient, NaN = at the biopsy, as the table is). Under a patient's own grade the
    estimate is the table's (the same inputs, so the same numbers to the last bit): only
    the other grades are predicted."""
    n = len(frame)
    as_estimated = table[[f"surv_{SENSITIVITY_MONTHS}{part}" for part in ("", "_lower", "_upper")]
                         ].to_numpy(dtype=float)
    columns: dict[str, np.ndarray] = {}
    uncertain = np.zeros(n, dtype=bool)
    for site, (grade_column, ki67, mitoses, cells) in GRADE_COUNTS.items():
        ranges = grade_ranges(frame[ki67].to_numpy(dtype=float),
                              frame[mitoses].to_numpy(dtype=float),
                              frame[cells].to_numpy(dtype=float) if cells in frame else None)
        doubt = ranges.in_doubt.to_numpy()
        uncertain |= doubt
        low, high = grade_levels(ranges.lowest), grade_levels(ranges.highest)
        levels = np.arange(len(GRADES))
        allowed = doubt[:, None] & (low[:, None] <= levels) & (levels <= high[:, None])
        chances = np.column_stack([ranges.probabilities[g].to_numpy(dtype=float)
                                   for g in GRADES])
        chances = _probabilities_given_alive(model, frame, grade_column, chances, allowed,
                                             alive_months)
        for level, grade in enumerate(GRADES):
            columns[f"p_{site}_{grade}"] = np.where(doubt, chances[:, level], np.nan)
            values = np.full((n, 3), np.nan)
            rows = np.flatnonzero(doubt & (low <= level) & (level <= high))
            own = frame[grade_column].to_numpy()[rows] == grade
            values[rows[own]] = as_estimated[rows[own]]
            rows = rows[~own]
            if rows.size:
                values[rows] = _survival_under(
                    model, frame.iloc[rows], grade_column, grade,
                    None if alive_months is None else alive_months[rows])
            name = f"surv_{SENSITIVITY_MONTHS}_if_{site}_{grade}"
            for j, part in enumerate(("", "_lower", "_upper")):
                columns[name + part] = values[:, j]
    columns["grade_uncertain"] = np.where(uncertain, "true", "false").astype(object)
    return table.assign(**{name: columns[name] for name in GRADE_SENSITIVITY_COLUMNS})


# --------------------------------------------------------------------------- words

def probability_words(p: float) -> str:
    """A grade's probability as said aloud: two decimals, '< 0.01' and '> 0.99' at the ends."""
    if p < 0.005:
        return "< 0.01"
    return "> 0.99" if p > 0.995 else f"{p:.2f}"


def describe_counts(uncertainty: GradeUncertainty) -> str:
    """'95 of 500 cells positive (19%)', '3 mitoses per 2 mm²', or both."""
    parts = []
    if uncertainty.ki67 is not None:
        k = uncertainty.ki67
        parts.append(_("{events:.0f} of {counted:,} cells positive ({value:g}%)").format(events=k.events, counted=k.counted, value=k.value))
    if uncertainty.mitoses is not None:
        m = uncertainty.mitoses
        parts.append((_("{value:g} mitosis per 2 mm²") if m.value == 1 else
                      _("{value:g} mitoses per 2 mm²")).format(value=m.value))
    return _(" and ").join(parts)


def describe_assumed_count(site: SiteGradeSensitivity, inputs: Mapping[str, object]) -> str:
    """A sentence when the Ki-67 count the box weighs was not entered but assumed ("" when
    it was entered, or the grade rests on mitoses only)."""
    if site.uncertainty.ki67 is None or inputs.get(f"{site.site}_cells_counted") is not None:
        return ""
    return _("No number of cells counted was entered, so {n} cells (the WHO minimum) are "
             "assumed; enter the count from the pathology report if it differs.").format(
        n=format_integer(DEFAULT_CELLS_COUNTED))


def describe_intervals(uncertainty: GradeUncertainty) -> list[str]:
    """Each count's 95% interval and the cut-off it crosses, one line each."""
    lines = []
    for count, unit, cuts in ((uncertainty.ki67, "%", ("3%", "20%")),
                              (uncertainty.mitoses, _(" per 2 mm²"), ("2", "20"))):
        if count is None:
            continue
        name = _("Ki-67 index") if count.measure == "ki67" else _("mitotic count")
        crossed = [cut for cut, (a, b) in zip(cuts, (("G1", "G2"), ("G2", "G3")), strict=True)
                   if a in count.grades and b in count.grades]
        across = (_(", across the WHO cut-offs at {cuts}") if len(crossed) > 1 else
                  _(", across the WHO cut-off at {cuts}")).format(cuts=_(" and ").join(crossed)) if crossed else ""
        lines.append(_("95% interval of the {name}: {lower} to {upper}{unit}{across}.").format(
            name=name, lower=_limit(count.lower), upper=_limit(count.upper), unit=unit,
            across=across))
    return lines


def _limit(value: float) -> str:
    return f"{value:.2f}" if 0 < value < 1 else f"{value:.1f}"


def describe_site(site: SiteGradeSensitivity, months: int = SENSITIVITY_MONTHS) -> str:
    """The sentence a clinician can read aloud, e.g. 'With 95 of 500 cells positive (19%),
    the liver grade is G2 with probability 0.71 and G3 with probability 0.29; under G3 the
    5-year survival would be 41.0% (95% CI ...), against ... under G2, the grade the
    estimate uses.'"""
    from risk.model.patient_estimate import percent  # imports this module: not at the top

    def survival(a: GradeAlternative) -> str:
        return _("{estimate} (95% CI {lower} to {upper})").format(
            estimate=percent(a.survival), lower=percent(a.lower), upper=percent(a.upper))

    chances = _(" and ").join(_("{grade} with probability {p}").format(
        grade=a.grade, p=probability_words(a.probability))
                           for a in site.alternatives)
    others = [a for a in site.alternatives if not a.as_estimated]
    used = [a for a in site.alternatives if a.as_estimated]
    horizon = (_("{years}-year").format(years=months // 12) if months % 12 == 0
               else _("{months}-month").format(months=months))
    text = (_("With {counts}, the {site} is {chances}; under ").format(
        counts=describe_counts(site.uncertainty), site=SITE_WORDS[site.site], chances=chances)
        + _(", under ").join(
            _("{grade} the {horizon} survival would be {survival}").format(
                grade=a.grade, horizon=horizon, survival=survival(a)) if i == 0 else
            f"{a.grade} {survival(a)}" for i, a in enumerate(others)))
    if used:
        text += _(", against {survival} under {grade}, the grade the estimate uses").format(
            survival=survival(used[0]), grade=used[0].grade)
    # TRANSLATORS: the end of a sentence: Chinese ends it with 。
    return _("{sentence}.").format(sentence=text)
