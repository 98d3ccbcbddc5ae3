"""What the cohort page shows of each analysis under a :class:`Disclosure`: the counts of
the grade transitions, groups, Table 1, survival, biopsy safety and risk groups, with the
small-cell rule of :mod:`risk.cohort.disclosure` applied (and nothing changed when it is
off). Pages, figures and downloads read these, never the raw counts.

A cell is a number (shown as it is) or the rule's text (``"<5"``, ``"hidden"``): with the
rule off every cell stays a number, so the shipped cohort's tables are unchanged.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from risk import schema
from risk.cohort.disclosure import (
    CountTable,
    Disclosure,
    GridSuppression,
    protect,
    protect_grid,
)
from risk.cohort.summary import GradeTransitions, group_labels
from risk.cohort.tables import ALL_PATIENTS, MEDIAN_IQR, TableOne, group_header
from risk.i18n import _, format_integer, format_percent
from risk.schema import GRADES

Cell = int | str
CellKey = tuple[str, str, str]  # (characteristic, level, group) of Table 1


def cell(rule: Disclosure, value: float, hidden: bool = False) -> Cell:
    """A count as a table cell: the number with the rule off; with it on, text (``"12"``,
    ``"<5"``, ``"hidden"``), so a column has one type for the CSV and Excel writers."""
    if not rule.active:
        return int(value)
    if rule.small(value) or hidden:
        return rule.count(value, hidden)
    return str(int(value))


def text(rule: Disclosure, value: float, hidden: bool = False) -> str:
    """A count as words read it: ``"1,234"``, ``"<5"`` or ``"hidden"``."""
    return rule.count(value, hidden)


def suppressed(rule: Disclosure, value: float, hidden: bool = False) -> bool:
    return rule.small(value) or (hidden and rule.active)


def share(rule: Disclosure, part: float, whole: float, part_hidden: bool = False,
          whole_hidden: bool = False) -> float | None:
    """``100 * part / whole``, or None when either is suppressed (or whole is 0)."""
    if not whole or suppressed(rule, part, part_hidden) or suppressed(rule, whole, whole_hidden):
        return None
    return 100.0 * part / whole


# --------------------------------------------------------------------------- one list

def protect_list(counts: Iterable[float], rule: Disclosure, total_fixed: bool = True,
                 forced: Sequence[bool] | None = None) -> NDArray[np.bool_]:
    """Which counts of a list that adds up to a published total are suppressed."""
    values = [int(v) for v in counts]
    k = len(values)
    forced_set = frozenset(i for i, f in enumerate(forced or ()) if f)
    table = CountTable((*values, sum(values)), ((k, tuple(range(k))),),
                       fixed=frozenset({k}) if total_fixed else frozenset(), forced=forced_set)
    result = protect(table, rule)
    if result.withheld:
        return np.array([v > 0 for v in values], dtype=bool)
    return np.array([i in result.suppressed for i in range(k)], dtype=bool)


# --------------------------------------------------------------------------- transitions

CHANGES = ("concordant", "upgraded", "downgraded", "unknown", "both", "changed")


@dataclass(frozen=True)
class ShownTransitions:
    """The transition grid under the rule: each cell, total and grade-change count is
    suppressed or not (``grid``), and the change counts with their suppression."""

    transitions: GradeTransitions
    grid: GridSuppression
    change: dict[str, int]
    change_hidden: dict[str, bool]
    rule: Disclosure

    def cell(self, i: int, j: int) -> Cell:
        return cell(self.rule, int(self.transitions.counts.iat[i, j]),
                    bool(self.grid.cells[i, j]))

    def percent(self, i: int, j: int) -> float:
        """The row percentage, NaN when the cell or its row total is suppressed."""
        value = float(self.transitions.row_percent.iat[i, j])
        if self.grid.cells[i, j] or self.grid.row_totals[i]:
            return np.nan
        if self.rule.small(int(self.transitions.counts.iat[i, j])):
            return np.nan
        return value

    def change_text(self, name: str) -> str:
        return text(self.rule, self.change[name], self.change_hidden[name])

    def change_share(self, name: str) -> float | None:
        return share(self.rule, self.change[name], self.change["both"],
                     self.change_hidden[name], self.change_hidden["both"])

    def group_hidden(self, by: str) -> dict[str, bool]:
        """Group label -> suppressed, for the groupings the grid decides."""
        counts = self.transitions.counts
        if by == "primary_grade":
            return dict(zip(counts.index, self.grid.row_totals.tolist(), strict=True))
        if by == "met_grade":
            return dict(zip(counts.columns, self.grid.column_totals.tolist(), strict=True))
        if by == "grade_change":
            return {schema.label("grade_change", c): self.change_hidden[c]
                    for c in ("concordant", "upgraded", "downgraded", "unknown")}
        raise ValueError(f"no group sizes of {by!r} in the transitions")


def _change_parts(k: int) -> dict[str, list[tuple[int, int]]]:
    """The cells of each grade-change count in a (k + 1) x (k + 1) grid (last: blank)."""
    assessed = [(r, c) for r in range(k) for c in range(k)]
    parts = {"concordant": [(r, c) for r, c in assessed if r == c],
             "upgraded": [(r, c) for r, c in assessed if c > r],
             "downgraded": [(r, c) for r, c in assessed if c < r],
             "unknown": [(r, c) for r in range(k + 1) for c in range(k + 1)
                         if r == k or c == k]}
    parts["both"] = assessed
    parts["changed"] = parts["upgraded"] + parts["downgraded"]
    return parts


def shown_transitions(transitions: GradeTransitions, rule: Disclosure) -> ShownTransitions:
    """The transition counts, totals and grade changes under ``rule`` (the whole grid is
    protected at once: a grade-change count is a published sum of its cells)."""
    counts = transitions.counts.to_numpy()
    change = transitions.change_counts()
    change["both"] = change["concordant"] + change["upgraded"] + change["downgraded"]
    change["changed"] = change["upgraded"] + change["downgraded"]
    if counts.shape != (len(GRADES) + 1, len(GRADES) + 1):
        raise ValueError("the transitions must include the row and column of blank grades")
    parts = _change_parts(len(GRADES))
    grid = protect_grid(counts, rule, extra_sums=[parts[c] for c in CHANGES])
    return ShownTransitions(transitions, grid, change,
                            dict(zip(CHANGES, grid.extra, strict=True)), rule)


# --------------------------------------------------------------------------- Table 1

def level_sizes_hidden(long: pd.DataFrame, rule: Disclosure,
                       known: dict[str, dict[str, bool]] | None = None
                       ) -> dict[tuple[str, str], bool]:
    """(characteristic, level) -> size suppressed, for Table 1's "All patients" column and
    the forest plot's patients alike: the page's group sizes where the characteristic is
    a grouping (``known``, by characteristic), else the levels as a list adding up to the
    shown patients."""
    out: dict[tuple[str, str], bool] = {}
    rows = long[(long["group"] == ALL_PATIENTS) & (long["level"] != _(MEDIAN_IQR))]
    for characteristic, part in rows.groupby("characteristic", sort=False):
        levels, counts = list(part["level"]), part["n"].to_numpy()
        if characteristic in (known or {}):
            page = (known or {})[characteristic]
            hidden = [page.get(lv, rule.small(n)) for lv, n in zip(levels, counts, strict=True)]
        elif len(levels) == 1:  # a continuous row's "Not recorded": no total ties it
            hidden = [rule.small(int(counts[0]))]
        else:
            hidden = protect_list(counts, rule).tolist()
        out.update({(str(characteristic), lv): bool(h)
                    for lv, h in zip(levels, hidden, strict=True)})
    return out


def table_one_cells(long: pd.DataFrame, groups: list[str], all_label: str,
                    rule: Disclosure, group_hidden: dict[str, bool],
                    level_hidden: dict[tuple[str, str], bool] | None = None
                    ) -> dict[CellKey, bool]:
    """(characteristic, level, group) -> suppressed, for the count rows of Table 1: each
    characteristic's levels x groups are protected as one grid whose column totals are the
    group sizes and whose row totals (the "All patients" column) are the level sizes, both
    suppressed as elsewhere on the page (:func:`level_sizes_hidden`)."""
    out: dict[CellKey, bool] = {}
    level_hidden = level_sizes_hidden(long, rule) if level_hidden is None else level_hidden
    counts = long[long["level"] != _(MEDIAN_IQR)]
    for characteristic, part in counts.groupby("characteristic", sort=False):
        levels = list(dict.fromkeys(part["level"]))
        grid = part.pivot_table(index="level", columns="group", values="n", aggfunc="sum",
                                sort=False).reindex(index=levels, columns=groups).fillna(0)
        is_missing_row = len(levels) == 1  # a continuous characteristic's "Not recorded"
        values = grid.to_numpy(dtype=np.int64)
        mask = protect_grid(values, rule,
                            column_totals_shown=not is_missing_row,
                            column_totals_fixed=not is_missing_row,
                            forced_column_totals=[group_hidden.get(g, False) for g in groups],
                            row_totals_fixed=True,
                            forced_row_totals=[level_hidden.get((str(characteristic), lv),
                                                                False) for lv in levels])
        cells = mask.cells | (values > 0) if mask.withheld else mask.cells
        for i, level in enumerate(levels):
            for j, g in enumerate(groups):
                out[(characteristic, level, g)] = bool(cells[i, j])
            out[(characteristic, level, all_label)] = bool(mask.row_totals[i]) or bool(
                level_hidden.get((str(characteristic), level), False))
    return out


# --------------------------------------------------------------------------- groups

def group_sizes_hidden(frame: pd.DataFrame, by: str | pd.Series, rule: Disclosure,
                       transitions: ShownTransitions | None = None) -> dict[str, bool]:
    """Group label -> size suppressed, the same everywhere on the page: the transition
    grid decides the grades and grade changes, a list with the cohort's size as total
    decides the other groupings."""
    if transitions is not None and isinstance(by, str) and by in (
            "primary_grade", "met_grade", "grade_change"):
        return transitions.group_hidden(by)
    sizes = group_labels(frame, by).value_counts(sort=False)
    hidden = protect_list(sizes.to_numpy(), rule)
    return dict(zip([str(g) for g in sizes.index], hidden.tolist(), strict=True))


def deaths_hidden(groups: pd.DataFrame, rule: Disclosure, sizes_hidden: dict[str, bool],
                  total_deaths_hidden: bool = False, fixed_total: bool = False
                  ) -> NDArray[np.bool_]:
    """Which groups' death counts are suppressed: groups x (deaths, survivors) with the
    group sizes as row totals and the total deaths as a published column total;
    survivors are never shown but follow from the two, so they are protected too.
    ``fixed_total``: the total deaths is published elsewhere (the page's overview).
    A small group size published elsewhere withholds the deaths of every group."""
    counts = np.column_stack([groups["deaths"].to_numpy(np.int64),
                              (groups["patients"] - groups["deaths"]).to_numpy(np.int64)])
    mask = protect_grid(counts, rule, columns_shown=[True, False],
                        forced_row_totals=[sizes_hidden.get(str(g), False)
                                           for g in groups["group"]],
                        forced_column_totals=[total_deaths_hidden, total_deaths_hidden],
                        row_totals_fixed=True, column_totals_fixed=fixed_total)
    if mask.withheld:
        return np.ones(len(groups), dtype=bool)
    return mask.cells[:, 0]



# --------------------------------------------------------------------------- biopsy safety

def shown_complications(rates: pd.DataFrame, rule: Disclosure, patients: int) -> pd.DataFrame:
    """:func:`risk.cohort.tables.complication_rates` under ``rule``: ``patients`` and
    ``assessed`` become cells, and a suppressed count has no percentage or interval.
    ``patients`` is the size of the shown cohort (published on the page). The result's
    ``attrs``: ``not_recorded`` (a cell) and ``suppressed`` (one flag per row)."""
    out = rates.copy()
    k = {o: int(v) for o, v in zip(rates["outcome"], rates["patients"], strict=True)}
    none, minor, major, any_ = (k[schema.label("biopsy_complication", c)]
                                for c in ("none", "minor", "major", "any"))
    assessed = int(rates["assessed"].iloc[0])
    not_recorded = int(rates.attrs.get("not_recorded", patients - assessed))
    # none, minor, major, any, assessed, not recorded, patients
    table = CountTable((none, minor, major, any_, assessed, not_recorded, patients),
                       ((4, (0, 1, 2)), (3, (1, 2)), (6, (4, 5))),
                       fixed=frozenset({6}))
    result = protect(table, rule)
    hidden = [result.withheld or i in result.suppressed for i in range(7)]
    flags = hidden[:4]
    out["patients"] = [cell(rule, v, h) for v, h in zip(table.values[:4], flags, strict=True)]
    out["assessed"] = cell(rule, assessed, hidden[4])
    for name in ("percent", "lower_95", "upper_95"):
        out[name] = [np.nan if h or hidden[4] else v
                     for v, h in zip(rates[name], flags, strict=True)]
    out.attrs["not_recorded"] = cell(rule, not_recorded, hidden[5])
    out.attrs["suppressed"] = flags
    return out


# --------------------------------------------------------------------------- risk groups

def percentile_words(rule: Disclosure, below: int, above: int, percentile: float,
                     of_cohort: bool = False) -> str:
    """"higher than 40% of the shown patients" (``of_cohort``: "of the cohort"), unless
    fewer than ``threshold`` patients lie on one side of the patient (their number would
    follow from the percentage)."""
    if rule.small(below):
        words = (_("higher than {mark} of the cohort") if of_cohort
                 else _("higher than {mark} of the shown patients"))
    elif rule.small(above):
        words = (_("higher than all but {mark} of the cohort") if of_cohort
                 else _("higher than all but {mark} of the shown patients"))
    else:
        words = (_("higher than {percent} of the cohort") if of_cohort
                 else _("higher than {percent} of the shown patients"))
    return words.format(mark=rule.mark, percent=format_percent(percentile / 100))


# --------------------------------------------------------------------------- Table 1 text

def table_one_shown(result: TableOne, rule: Disclosure, group_hidden: dict[str, bool],
                    cells: dict[CellKey, bool]) -> pd.DataFrame:
    """Table 1's ``display`` under ``rule``: suppressed counts read "<5" or "hidden", a
    percentage shows only with its count and group size, a median (IQR) of fewer than
    ``threshold`` patients is not shown, and group sizes are suppressed in the headers
    as elsewhere on the page. ``cells``: :func:`table_one_cells`."""
    display = result.display.copy()
    sizes = {str(g): int(n) for g, n in result.group_sizes.items()}
    total = int(sum(sizes.values()))
    columns = {g: group_header(g, format_integer(n)) for g, n in sizes.items()}
    columns[ALL_PATIENTS] = group_header(ALL_PATIENTS, format_integer(total))
    size_hidden = {**{g: group_hidden.get(g, False) for g in sizes}, ALL_PATIENTS: False}
    sizes[ALL_PATIENTS] = total
    long = result.long.set_index(["characteristic", "level", "group"])
    for r in display.index[1:]:
        key = (display.at[r, "Characteristic"], display.at[r, "Level"])
        for g, column in columns.items():
            row = long.loc[(*key, g)]
            size_off = suppressed(rule, sizes[g], size_hidden[g])
            if key[1] == _(MEDIAN_IQR):
                if rule.small(int(row["n"])) or rule.small(sizes[g]):
                    display.at[r, column] = rule.mark
                continue
            k, hidden = int(row["n"]), cells.get((*key, g), False)
            if suppressed(rule, k, hidden):
                display.at[r, column] = rule.count(k, hidden)
            elif size_off:
                display.at[r, column] = format_integer(k)
    for g, column in columns.items():
        display.at[display.index[0], column] = text(rule, sizes[g], size_hidden[g])
    return display.rename(columns={column: group_header(g, text(rule, sizes[g], size_hidden[g]))
                                   for g, column in columns.items()})
