"""A Cox fit on the shown cohort, for the tumor board's forest plot.

Descriptive, not the served model: it answers "in this cohort, how do the hazards of
these groups compare?". The design is a plain encoding of the schema columns (age per 10
years; each category against a stated reference level), fitted by
:func:`risk.model.fit.estimate`, the project's one Cox fit (Efron ties, the same estimates
as lifelines' ``CoxPHFitter`` but vectorised), so aliased levels (e.g. unknown primary
site and unassessed primary grade always together) are estimated once and said so, as
R's ``coxph`` does.

It never raises on data: a cohort that is too small, a level with too few patients or
deaths, or a fit that fails gives a message or a note instead.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from risk import schema
from risk.i18n import _, format_integer, format_number
from risk.model.fit import estimate
from risk.stats.cox_solver import TieStructure
from risk.stats.estimability import DroppedColumn
from risk.stats.normal import Z_95

#: Larger cohorts are fitted on a fixed-seed random subsample of this many patients
#: (the fit takes about 0.6 s per 100,000 patients here).
MAX_COX_PATIENTS = 100_000
#: Below these the page shows a message instead of a forest plot.
MIN_PATIENTS = 20
MIN_DEATHS = 10
#: A level needs this many patients (and at least one death and one survivor) to be shown.
MIN_LEVEL_PATIENTS = 5
#: No shrinkage: hazard ratios are maximum partial likelihood (stabilised only where
#: the likelihood has no finite maximum, as every fit of risk.model.fit).
PENALIZER = 0.0

#: ECOG scores as the models' levels (2, 3 and 4 together).
_ECOG_LEVELS = {0: "0", 1: "1", 2: "2+", 3: "2+", 4: "2+"}

# (column, preferred reference code) for every categorical covariate, in display order.
_CATEGORICAL = (
    ("sex", "female"),
    ("primary_site", "small_intestine"),  # as in risk.model.features
    ("primary_grade", "G1"),
    ("met_grade", "G1"),
    ("met_timing", "synchronous"),
    ("liver_burden", "lt25"),
    ("extrahepatic_mets", 0),
    ("primary_resected", 0),
    ("functional_syndrome", 0),
    ("ecog", "0"),
    ("sstr_status", "positive"),
)


@dataclass(frozen=True)
class ForestResult:
    """Hazard ratios for a forest plot, or the reason there are none.

    ``table`` columns: ``covariate`` (the clinic's name), ``comparison`` (e.g.
    ``"G3 vs G1"``), ``level`` and ``reference`` (the two sides of the comparison;
    ``"per 10 years"`` and ``""`` for age), ``hazard_ratio``, ``lower_95``, ``upper_95``,
    ``p_value``, ``patients`` (in the level), ``note`` (why a row has no estimate). A
    higher hazard ratio means shorter survival.
    """

    table: pd.DataFrame
    patients: int
    deaths: int
    fitted_patients: int
    message: str = ""
    notes: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.message and not self.table.empty


_TABLE_COLUMNS = ["covariate", "comparison", "level", "reference", "hazard_ratio", "lower_95",
                  "upper_95", "p_value", "patients", "note"]


def _level_codes(frame: pd.DataFrame, name: str) -> pd.Series:
    values = frame[name]
    if name == "ecog":
        return values.map(_ECOG_LEVELS)
    if name in ("primary_grade", "met_grade"):
        return values.fillna("unknown")  # the models' level of a blank grade
    return values


def design(frame: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The design matrix and one row per term (covariate, comparison, its level and
    reference, patients, note).

    Terms with too few patients, no deaths or no survivors get a note and no column.
    """
    died = frame["death"].to_numpy(dtype=float) == 1
    columns, rows = {}, []
    if frame["age"].nunique() > 1:
        columns["age_per_10_years"] = frame["age"].to_numpy(dtype=float) / 10.0
        rows.append(("age_per_10_years", schema.column_label("age"), _("per 10 years"),
                     _("per 10 years"), "", len(frame), ""))
    for name, preferred in _CATEGORICAL:
        # integer codes once per column: comparing object arrays per level is slow at 100k
        index, levels = pd.factorize(_level_codes(frame, name))
        counts = pd.Series(np.bincount(index[index >= 0], minlength=len(levels)),
                           index=levels).sort_values(ascending=False, kind="stable")
        if len(counts) < 2:
            continue  # one level only in the shown cohort: nothing to compare
        reference = preferred if counts.get(preferred, 0) >= MIN_LEVEL_PATIENTS \
            else counts.index[0]
        title = schema.column_label(name)
        for code in _ordered_levels(name, counts.index):
            if code == reference:
                continue
            mask = index == levels.get_loc(code)
            term = f"{name}={code}"
            level, versus = schema.level_label(name, code), schema.level_label(name, reference)
            note = _estimability(mask, died)
            rows.append((term, title, _("{level} vs {reference}").format(
                level=level, reference=versus), level, versus, int(mask.sum()), note))
            if not note:
                columns[term] = mask.astype(float)
    terms = pd.DataFrame(rows, columns=["term", "covariate", "comparison", "level", "reference",
                                        "patients", "note"])
    return pd.DataFrame(columns, index=frame.index), terms


def _ordered_levels(name: str, present: Collection[str | int]) -> list[str | int]:
    order: tuple[str | int, ...] = ({"ecog": ("0", "1", "2+")}.get(name)
                                    or schema.column(name).categories)
    order = (0, 1) if schema.column(name).kind == "flag" else order
    known = [c for c in order if c in set(present)]
    return known + [c for c in present if c not in known]


def _estimability(mask: np.ndarray, died: np.ndarray) -> str:
    if mask.sum() < MIN_LEVEL_PATIENTS:
        return _("fewer than {n} patients").format(n=MIN_LEVEL_PATIENTS)
    if not died[mask].any():
        return _("no deaths in this group")
    if died[mask].all():
        return _("no survivors in this group")
    return ""


def cox_forest(frame: pd.DataFrame, max_patients: int = MAX_COX_PATIENTS,
               penalizer: float = PENALIZER, seed: int = 0) -> ForestResult:
    """Hazard ratios with 95% intervals from a Cox fit on the shown cohort.

    Patients without follow-up are left out. Above ``max_patients`` a fixed-seed random
    subsample is fitted and a note says so.
    """
    known = frame[frame["os_months"].notna() & frame["death"].notna()]
    patients, deaths = len(known), int(known["death"].sum())
    empty = pd.DataFrame(columns=_TABLE_COLUMNS)
    if patients < MIN_PATIENTS or deaths < MIN_DEATHS:
        return ForestResult(empty, patients, deaths, 0,
                            _("Too few patients for a Cox model: {patients} patients and "
                              "{deaths} deaths in the shown cohort; at least {min_patients} "
                              "patients and {min_deaths} deaths are needed.").format(
                                  patients=format_integer(patients),
                                  deaths=format_integer(deaths), min_patients=MIN_PATIENTS,
                                  min_deaths=MIN_DEATHS))
    notes = []
    if patients > max_patients:
        known = known.sample(n=max_patients, random_state=seed)
        notes.append(_("Fitted on a random subsample of {shown} of {n} patients (fixed seed "
                       "{seed}) to stay fast.").format(shown=format_integer(max_patients),
                                                       n=format_integer(patients), seed=seed))
    x, terms = design(known)
    try:
        summary = _fit(x, known["os_months"].to_numpy(dtype=float),
                       known["death"].to_numpy(dtype=float), penalizer)
    except Exception as error:  # noqa: BLE001 - any failed fit becomes a message, never a crash
        return ForestResult(empty, patients, deaths, len(known),
                            _("The Cox model could not be fitted on this cohort "
                              "({error}).").format(error=f"{type(error).__name__}: "
                                                   f"{str(error).splitlines()[0][:160]}"),
                            tuple(notes))
    summary, left_out = summary
    table = terms.join(summary, on="term")
    words = {t: f"{c}: {lv}" for t, c, lv in zip(terms["term"], terms["covariate"],
                                                  terms["level"], strict=True)}
    table["note"] = [_left_out_note(left_out[t], words) if t in left_out else note
                     for t, note in zip(table["term"], table["note"], strict=True)]
    events_per_term = int(known["death"].sum()) / max(x.shape[1], 1)
    if events_per_term < 10:
        notes.append(_("Only {n} deaths per estimated term: hazard ratios are unstable; read "
                       "them with care.").format(n=format_number(events_per_term, 0)))
    return ForestResult(table[_TABLE_COLUMNS].reset_index(drop=True), patients, deaths,
                        len(known), "", tuple(notes))


def _fit(x: pd.DataFrame, durations: np.ndarray, deaths: np.ndarray,
         penalizer: float) -> tuple[pd.DataFrame, dict[str, DroppedColumn]]:
    """Hazard ratios, 95% Wald intervals and p-values per estimated design column, and a
    note for each column the data could not estimate (:mod:`risk.stats.estimability`)."""
    fit = estimate(x.to_numpy(dtype=float), TieStructure(durations, deaths), penalizer,
                   list(x.columns))
    se = np.sqrt(np.diag(fit.covariance))
    z = Z_95
    out = pd.DataFrame({
        "hazard_ratio": np.exp(fit.coef),
        "lower_95": np.exp(fit.coef - z * se),
        "upper_95": np.exp(fit.coef + z * se),
        "p_value": 2 * stats.norm.sf(np.abs(fit.coef / se)),
    }, index=pd.Index(fit.columns, name="term"))
    return out, {d.column: d for d in fit.left_out}


def _left_out_note(record: DroppedColumn, words: dict[str, str]) -> str:
    if record.reason == "aliased":
        same = ", ".join(words.get(c, c) for c in record.same_as)
        if record.sign > 0 and len(record.same_as) == 1:
            return _("the same patients as {other}: one effect is estimated for "
                     "both").format(other=same)
        return _("determined by {other}: one effect is estimated for both").format(other=same)
    return {"constant": _("the same for every patient"),
            "no_deaths": _("no deaths in this group"),
            "all_deaths": _("every death is in this group")}[record.reason]
