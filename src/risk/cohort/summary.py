"""Cohort analytics for the tumor board: filters, groupings and grade transitions.

Every function takes a *canonical cohort frame* (see :mod:`risk.schema`) and returns plain
pandas/numpy results in the clinic's words; figures are built from them in
:mod:`risk.present.figures.cohort`. Survival by group lives in :mod:`risk.cohort.survival`, the
Cox fit for the forest plot in :mod:`risk.cohort.forest`, Table 1 and biopsy safety in
:mod:`risk.cohort.tables`.

Missing grades
--------------
A blank grade is a group of its own, labelled :data:`risk.schema.NOT_ASSESSED`, shown
last (so the groups always add up to the cohort), never silently dropped. The statistical tests
compare the assessed groups only (see :func:`risk.cohort.survival.survival_by_group`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from risk import schema
from risk.i18n import Words, _, format_integer, format_percent, ngettext
from risk.schema import GRADE_CHANGES, GRADES, NOT_ASSESSED

if TYPE_CHECKING:
    from numpy.typing import NDArray

    from risk.cohort.shown import ShownTransitions

#: The code a filter accepts for "grade not assessed" (``None`` works too).
NOT_ASSESSED_CODE = "not_assessed"

#: Groupings the cohort page offers, with their titles (in the current language).
GROUPINGS = Words(keys=("grade_change", "met_grade", "primary_grade", "primary_site"),
                  words=lambda name: schema.column_label(str(name)))

_GRADE_COLUMNS = ("primary_grade", "met_grade")


# --------------------------------------------------------------------------- filters

def filter_cohort(frame: pd.DataFrame, sites: Sequence[str] | None = None,
                  primary_grades: Sequence[str | None] | None = None,
                  met_grades: Sequence[str | None] | None = None,
                  timings: Sequence[str] | None = None,
                  age_range: tuple[float, float] | None = None) -> pd.DataFrame:
    """The patients that match every given filter (``None`` means "do not filter").

    Parameters
    ----------
    frame : canonical cohort frame.
    sites : primary-site codes to keep, e.g. ``["pancreas", "small_intestine"]``.
    primary_grades, met_grades : grade codes to keep (``"G1"``...); ``None`` or
        ``"not_assessed"`` in the list keeps patients whose grade is blank.
    timings : ``"synchronous"`` and/or ``"metachronous"``.
    age_range : ``(youngest, oldest)`` in years, both included.

    An empty list keeps nobody: the page shows "no patients match" rather than guessing.
    Unknown codes raise ``ValueError`` naming the allowed ones.
    """
    keep = np.ones(len(frame), dtype=bool)
    keep &= _isin(frame, "primary_site", sites)
    keep &= _isin(frame, "met_timing", timings)
    keep &= _grade_isin(frame, "primary_grade", primary_grades)
    keep &= _grade_isin(frame, "met_grade", met_grades)
    if age_range is not None:
        youngest, oldest = (float(a) for a in age_range)
        if youngest > oldest:
            raise ValueError(f"age_range must be (youngest, oldest); got {age_range!r}")
        age = frame["age"].to_numpy(dtype=float)
        keep &= (age >= youngest) & (age <= oldest)
    return frame.loc[keep]


def _check_codes(name: str, values: Sequence[str | None], allowed: Sequence[str | None]
                 ) -> None:
    unknown = [v for v in values if v not in allowed]
    if unknown:
        raise ValueError(f"{name}: unknown code(s) {unknown!r}; allowed: {list(allowed)!r}")


def _isin(frame: pd.DataFrame, name: str, values: Sequence[str] | None) -> NDArray[np.bool_]:
    if values is None:
        return np.ones(len(frame), dtype=bool)
    _check_codes(name, values, schema.column(name).categories)
    keep: NDArray[np.bool_] = frame[name].isin(list(values)).to_numpy()
    return keep


def _grade_isin(frame: pd.DataFrame, name: str, values: Sequence[str | None] | None
                ) -> NDArray[np.bool_]:
    if values is None:
        return np.ones(len(frame), dtype=bool)
    _check_codes(name, values, (*GRADES, NOT_ASSESSED_CODE, None))
    column = frame[name]
    keep: NDArray[np.bool_] = column.isin([v for v in values if v in GRADES]).to_numpy()
    if None in values or NOT_ASSESSED_CODE in values:
        keep |= column.isna().to_numpy()
    return keep


# --------------------------------------------------------------------------- groupings

def grouping_title(by: str | pd.Series) -> str:
    """The title of a grouping, e.g. ``"Liver biopsy WHO grade"``."""
    if isinstance(by, str):
        return GROUPINGS.get(by, by)
    return str(by.name) if by.name is not None else _("Group")


def group_labels(frame: pd.DataFrame, by: str | pd.Series) -> pd.Series:
    """Each patient's group in the clinic's words, as an ordered categorical.

    ``by`` is one of :data:`GROUPINGS` or a Series aligned with ``frame`` (e.g. the risk
    group under the active model; a categorical keeps its order, other values are sorted).
    Missing values become :data:`NOT_ASSESSED`, the last group. Only groups with at least
    one patient are kept as categories.
    """
    if isinstance(by, str):
        if by not in GROUPINGS:
            raise ValueError(f"by must be one of {list(GROUPINGS)} or a Series; got {by!r}")
        codes = frame[by]
        order = _code_order(by)
        labels = [schema.label(by, c) for c in order]
        mapped = codes.map(dict(zip(order, labels, strict=True)))
    else:
        by = _aligned(frame, by)
        codes = pd.Series(np.asarray(by, dtype=object), index=frame.index)
        if isinstance(by.dtype, pd.CategoricalDtype):
            labels = [str(c) for c in by.cat.categories]
        else:
            labels = sorted({str(v) for v in codes.dropna()})
        mapped = codes.map(lambda v: None if pd.isna(v) else str(v))
    mapped = mapped.fillna(_(NOT_ASSESSED))
    categories = list(dict.fromkeys([*labels, _(NOT_ASSESSED)]))
    out = pd.Categorical(mapped, categories=categories, ordered=True)
    return pd.Series(out, index=frame.index, name=grouping_title(by)).cat.remove_unused_categories()


def _aligned(frame: pd.DataFrame, by: pd.Series) -> pd.Series:
    """``by`` in the frame's row order: by index label when it covers the frame's rows
    (e.g. risk groups of the whole cohort and a filtered frame), else by position."""
    by = by if isinstance(by, pd.Series) else pd.Series(by)
    if by.index.is_unique and frame.index.isin(by.index).all():
        return by.reindex(frame.index)
    if len(by) != len(frame):
        raise ValueError(f"the grouping has {len(by)} values for {len(frame)} patients")
    return by


def _code_order(by: str) -> tuple[str, ...]:
    if by == "grade_change":
        return GRADE_CHANGES
    return schema.column(by).categories


# --------------------------------------------------------------------------- transitions

@dataclass(frozen=True)
class GradeTransitions:
    """Primary grade x liver-biopsy grade: counts and row percentages.

    Rows are the primary grade, columns the liver grade, both in the clinic's words with
    :data:`NOT_ASSESSED` last. ``row_percent`` is 100 x count / row total (NaN for an
    empty row). The diagonal is concordant, above it upgraded, below it downgraded.
    """

    counts: pd.DataFrame
    row_percent: pd.DataFrame

    @property
    def n(self) -> int:
        return int(self.counts.to_numpy().sum())

    def change_counts(self) -> dict[str, int]:
        """Patients per grade change (concordant, upgraded, downgraded, unknown)."""
        c = self.counts.to_numpy()
        k = len(GRADES)
        assessed = c[:k, :k]
        upper = int(np.triu(assessed, 1).sum())
        lower = int(np.tril(assessed, -1).sum())
        same = int(np.trace(assessed))
        return {"concordant": same, "upgraded": upper, "downgraded": lower,
                "unknown": self.n - same - upper - lower}


def grade_transitions(frame: pd.DataFrame, include_not_assessed: bool = True
                      ) -> GradeTransitions:
    """Count patients by (primary grade, liver grade); vectorised with one ``bincount``.

    With ``include_not_assessed=False`` the "Not assessed" row and column are left out
    (the percentages are then among patients with both grades).
    """
    k = len(GRADES) + 1  # grades, then "not assessed"
    level = {g: i for i, g in enumerate(GRADES)}
    primary = frame["primary_grade"].map(level).fillna(k - 1).to_numpy(dtype=np.int64)
    met = frame["met_grade"].map(level).fillna(k - 1).to_numpy(dtype=np.int64)
    counts = np.bincount(primary * k + met, minlength=k * k).reshape(k, k)
    keep = k if include_not_assessed else k - 1
    counts = counts[:keep, :keep]
    rows = [schema.label("primary_grade", g) for g in (*GRADES, None)]
    columns = [schema.label("met_grade", g) for g in (*GRADES, None)]
    table = pd.DataFrame(counts, index=pd.Index(rows[:keep], name=GROUPINGS["primary_grade"]),
                         columns=pd.Index(columns[:keep], name=GROUPINGS["met_grade"]))
    totals = table.sum(axis=1).replace(0, np.nan)
    return GradeTransitions(table, table.div(totals, axis=0) * 100.0)


@dataclass(frozen=True)
class SankeyData:
    """Nodes and links of a primary-grade -> liver-grade Sankey diagram."""

    nodes: tuple[str, ...]
    sources: tuple[int, ...]
    targets: tuple[int, ...]
    values: tuple[int, ...]
    link_labels: tuple[str, ...]


def sankey_data(transitions: GradeTransitions, shown: ShownTransitions | None = None
                ) -> SankeyData:
    """Sankey nodes (primary grades, then liver grades) and the non-empty links. With
    ``shown`` under an active small-cell rule, a suppressed link has a nominal value (the
    threshold) and its label reads "<5" or "hidden", without a share of the row."""
    counts = transitions.counts
    rule = shown.rule if shown is not None and shown.rule.active else None
    left = [_("Primary {grade}").format(grade=r) for r in counts.index]
    right = [_("Liver {grade}").format(grade=c) for c in counts.columns]
    sources, targets, values, labels = [], [], [], []
    for i, row in enumerate(counts.index):
        row_total = counts.loc[row].sum()
        for j, col in enumerate(counts.columns):
            value = int(counts.iat[i, j])
            if value == 0:
                continue
            sources.append(i)
            targets.append(len(left) + j)
            if rule is not None and shown is not None:
                cell = shown.cell(i, j)
                percent = shown.percent(i, j)
                values.append(value if isinstance(cell, int) else rule.threshold)
                count = cell if isinstance(cell, str) else format_integer(cell)
                labels.append(_("Primary {primary} -> liver {liver}: {count} patients").format(
                    primary=row, liver=col, count=count) if np.isnan(percent) else
                    _("Primary {primary} -> liver {liver}: {count} patients ({percent} of the "
                      "row)").format(primary=row, liver=col, count=count,
                                     percent=format_percent(percent / 100)))
                continue
            values.append(value)
            labels.append(ngettext(
                "Primary {primary} -> liver {liver}: {count} patient ({percent} of the row)",
                "Primary {primary} -> liver {liver}: {count} patients ({percent} of the row)",
                value).format(primary=row, liver=col, count=format_integer(value),
                              percent=format_percent(value / row_total)))
    return SankeyData(tuple(left + right), tuple(sources), tuple(targets), tuple(values),
                      tuple(labels))
