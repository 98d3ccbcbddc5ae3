"""What the cohort page shows of each analysis under a :class:`Disclosure`: the counts of
the grade transitions, groups, Table 1, survival, biopsy safety and risk groups, with the
small-cell rule of :mod:`risk.cohort.disclosure` applied (and nothing changed when it is
off). Pages, figures and downloads read these, never the raw counts.

A cell is a number (shown as it is) or the rule's text (``"<5"``, ``"hidden"``): with the
rule off every cell stays a number, so the shipped cohort's tables are unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from risk import schema
from risk.cohort.disclosure import (
    CountTable,
    Disclosure,
    GridSuppression,
    protect,
    protect_grid,
)
from risk.cohort.summary import GradeTransitions, group_labels
from risk.schema import GRADES

Cell = int | str


def cell(rule: Disclosure, value: float, hidden: bool = False) -> Cell:
    """A count as a table cell: the number, or ``"<5"``/``"hidden"`` when suppressed."""
    if rule.small(value) or (hidden and rule.active):
        return rule.count(value, hidden)
    return int(value)


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

def protect_list(counts, rule: Disclosure, total_fixed: bool = True,
                 forced=None) -> np.ndarray:
    """Which counts of a list that adds up to a published total are suppressed."""
    values = [int(v) for v in counts]
    k = len(values)
    forced_set = frozenset(i for i, f in enumerate(forced or ()) if f)
    table = CountTable((*values, sum(values)), ((k, tuple(range(k))),),
                       fixed=frozenset({k}) if total_fixed else frozenset(), forced=forced_set)
    result = protect(table, rule)
    if result.withheld:
        return np.ones(k, dtype=bool) & np.array([v > 0 for v in values])
    return np.array([i in result.suppressed for i in range(k)])


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
        raise ValueError("the transitions must include the 'Not assessed' row and column")
    parts = _change_parts(len(GRADES))
    grid = protect_grid(counts, rule, extra_sums=[parts[c] for c in CHANGES])
    return ShownTransitions(transitions, grid, change,
                            dict(zip(CHANGES, grid.extra, strict=True)), rule)


# --------------------------------------------------------------------------- Table 1

def table_one_cells(long: pd.DataFrame, groups: list[str], all_label: str,
                    rule: Disclosure, group_hidden: dict[str, bool]) -> dict[tuple, bool]:
    """(characteristic, level, group) -> suppressed, for the count rows of Table 1: each
    characteristic's levels x groups are protected as one grid whose column totals are the
    group sizes (suppressed as elsewhere on the page) and whose row totals are the "All
    patients" column."""
    out: dict[tuple, bool] = {}
    counts = long[long["level"] != "median (IQR)"]
    for characteristic, part in counts.groupby("characteristic", sort=False):
        levels = list(dict.fromkeys(part["level"]))
        grid = part.pivot_table(index="level", columns="group", values="n", aggfunc="sum",
                                sort=False).reindex(index=levels, columns=groups).fillna(0)
        is_missing_row = len(levels) == 1  # a continuous characteristic's "Not recorded"
        mask = protect_grid(grid.to_numpy(dtype=np.int64), rule,
                            column_totals_shown=not is_missing_row,
                            forced_column_totals=[group_hidden.get(g, False) for g in groups])
        for i, level in enumerate(levels):
            for j, g in enumerate(groups):
                out[(characteristic, level, g)] = bool(mask.cells[i, j])
            out[(characteristic, level, all_label)] = bool(mask.row_totals[i])
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
                  total_deaths_hidden: bool = False) -> np.ndarray:
    """Which groups' death counts are suppressed: groups x (deaths, survivors) with the
    group sizes as row totals and the total deaths as a published column total;
    survivors are never shown but follow from the two, so they are protected too."""
    counts = np.column_stack([groups["deaths"].to_numpy(np.int64),
                              (groups["patients"] - groups["deaths"]).to_numpy(np.int64)])
    mask = protect_grid(counts, rule, columns_shown=[True, False],
                        forced_row_totals=[sizes_hidden.get(str(g), False)
                                           for g in groups["group"]],
                        forced_column_totals=[total_deaths_hidden, total_deaths_hidden])
    if mask.withheld:
        return np.ones(len(groups), dtype=bool)
    return mask.cells[:, 0]

