"""The small-cell rule (:mod:`risk.cohort.disclosure`): the setting, primary suppression,
and that no suppressed number can be worked out from what is published.

The audit here is the test's own: a linear programme (``scipy.optimize.linprog``, the
relaxation: any whole-number solution is also a real one, so a range that differs here
may still be pinned for whole numbers, which the rule's own integer programme covers)
and, for small tables, the brute-force list of every whole-number table that agrees
with what is published: each suppressed number must take at least two values there.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from risk.cohort.disclosure import (
    HIDDEN,
    THRESHOLD_ENV,
    CountTable,
    Disclosure,
    disclosure_for,
    protect,
    protect_grid,
)

RULE = Disclosure(5)
SETTINGS = settings(max_examples=60, deadline=None, derandomize=True)


# --------------------------------------------------------------------------- setting

def test_the_shipped_cohort_is_not_suppressed_and_others_are_by_default():
    assert not disclosure_for(shipped=True, environ={THRESHOLD_ENV: "10"}).active
    rule = disclosure_for(shipped=False, environ={})
    assert rule.active and rule.threshold == 5 and rule.mark == "<5"
    assert disclosure_for(shipped=False, environ={THRESHOLD_ENV: " 11 "}).threshold == 11


@pytest.mark.parametrize("text", ["five", "1", "0", "-3", "101", "4.5"])
def test_a_bad_threshold_names_the_setting_the_value_and_the_range(text):
    with pytest.raises(ValueError) as error:
        disclosure_for(shipped=False, environ={THRESHOLD_ENV: text})
    message = str(error.value)
    assert THRESHOLD_ENV in message and repr(text) in message and "2 to 100" in message


def test_counts_read_as_the_rule_says():
    assert [RULE.count(v) for v in (0, 1, 4, 5, 1234)] == ["0", "<5", "<5", "5", "1,234"]
    assert RULE.count(12, hidden=True) == HIDDEN
    off = Disclosure(active=False)
    assert off.count(3) == "3" and off.count(12, hidden=True) == "12"
    assert "'<5'" in RULE.words() and THRESHOLD_ENV in RULE.words() and off.words() == ""


# --------------------------------------------------------------------------- the audit

def reader_bounds(values, shown, suppressed, t):
    """What a reader knows of each number (the test's own statement of the rule)."""
    out = []
    for i, v in enumerate(values):
        if not shown[i]:
            out.append((0, None))
        elif i not in suppressed:
            out.append((v, v))
        elif 1 <= v < t:
            out.append((1, t - 1))
        else:
            out.append((t, None))
    return out


def lp_range(values, sums, bounds, i):
    """Smallest and largest value of number ``i`` over the real solutions."""
    n = len(values)
    a_eq = np.zeros((len(sums), n))
    for r, (total, parts) in enumerate(sums):
        a_eq[r, list(parts)] = 1
        a_eq[r, total] -= 1
    c = np.zeros(n)
    c[i] = 1.0
    low = linprog(c, A_eq=a_eq, b_eq=np.zeros(len(sums)), bounds=bounds, method="highs")
    high = linprog(-c, A_eq=a_eq, b_eq=np.zeros(len(sums)), bounds=bounds, method="highs")
    assert low.status == 0 and high.status in (0, 3)  # the true table is a solution
    return low.fun, (np.inf if high.status == 3 else -high.fun)


def grid_table(grid):
    """A grid with its row, column and grand totals as numbers and sums."""
    grid = np.asarray(grid)
    r, c = grid.shape
    values = [*grid.ravel().tolist(), *grid.sum(1).tolist(), *grid.sum(0).tolist(),
              int(grid.sum())]
    sums = [(r * c + i, tuple(i * c + j for j in range(c))) for i in range(r)]
    sums += [(r * c + r + j, tuple(i * c + j for i in range(r))) for j in range(c)]
    grand = r * c + r + c
    sums += [(grand, tuple(r * c + i for i in range(r))),
             (grand, tuple(r * c + r + j for j in range(c)))]
    return values, sums


def suppressed_set(mask, values):
    hidden = [*mask.cells.ravel().tolist(), *mask.row_totals.tolist(),
              *mask.column_totals.tolist(), mask.grand_total]
    return {i for i, h in enumerate(hidden) if h}


grids = st.integers(2, 4).flatmap(lambda rows: st.integers(2, 4).flatmap(
    lambda cols: st.lists(st.lists(st.sampled_from([0, 1, 2, 3, 4, 5, 6, 8, 12, 20, 40]),
                                   min_size=cols, max_size=cols),
                          min_size=rows, max_size=rows)))


@SETTINGS
@given(grids)
def test_no_suppressed_cell_of_a_random_table_can_be_worked_out(grid):
    mask = protect_grid(np.array(grid), RULE)
    values, sums = grid_table(grid)
    if mask.withheld:
        return
    hidden = suppressed_set(mask, values)
    # primary: every small number is suppressed; zeros never are
    assert {i for i, v in enumerate(values) if 1 <= v < 5} - {len(values) - 1} <= hidden
    assert not any(values[i] == 0 for i in hidden)
    assert not mask.grand_total  # the cohort's size is published
    bounds = reader_bounds(values, [True] * len(values), hidden, 5)
    for i in hidden:
        low, high = lp_range(values, sums, bounds, i)
        assert low < high, (i, values[i], low, high)


def whole_solutions(values, sums, bounds, limit):
    """Every whole-number assignment of the unknown numbers that fits (brute force)."""
    unknown = [i for i, (lo, hi) in enumerate(bounds) if lo != hi]
    ranges = [range(bounds[i][0], (bounds[i][1] if bounds[i][1] is not None else limit) + 1)
              for i in unknown]
    for guess in itertools.product(*ranges):
        x = list(values)
        for i, v in zip(unknown, guess, strict=True):
            x[i] = v
        if all(x[total] == sum(x[p] for p in parts) for total, parts in sums):
            yield dict(zip(unknown, guess, strict=True))


small_grids = st.lists(st.lists(st.sampled_from([0, 1, 2, 3, 5, 7]), min_size=2, max_size=3),
                       min_size=2, max_size=2).filter(lambda g: len({len(r) for r in g}) == 1)


@settings(max_examples=30, deadline=None, derandomize=True)
@given(small_grids)
def test_every_suppressed_cell_takes_two_whole_values_in_the_tables_a_reader_can_build(grid):
    """Brute force: each suppressed number has at least two values among all whole-number
    tables that agree with the published ones (the proof that none is recoverable)."""
    mask = protect_grid(np.array(grid), RULE)
    if mask.withheld:
        return
    values, sums = grid_table(grid)
    hidden = suppressed_set(mask, values)
    if len(hidden) > 6:
        return  # too many to enumerate quickly; the programme test above covers them
    bounds = reader_bounds(values, [True] * len(values), hidden, 5)
    seen = {i: set() for i in hidden}
    for solution in whole_solutions(values, sums, bounds, limit=int(np.sum(grid))):
        for i, v in solution.items():
            seen[i].add(v)
    assert all(len(v) >= 2 for v in seen.values()), seen


# --------------------------------------------------------------------------- examples

def test_a_lone_small_cell_beside_a_published_total_gets_a_partner():
    # 3 and 57 of a published 60: hiding the 3 alone would leave 60 - 57
    result = protect(CountTable((3, 57, 60), ((2, (0, 1)),), fixed=frozenset({2})), RULE)
    assert result.suppressed == {0, 1} and not result.withheld


def test_two_small_cells_that_add_up_to_their_least_are_protected():
    # "<5" + "<5" = 12 - 10 = 2 would give 1 and 1: a third number must be hidden
    table = CountTable((1, 1, 10, 12), ((3, (0, 1, 2)),))
    result = protect(table, RULE)
    assert {0, 1} < result.suppressed
    bounds = reader_bounds(table.values, [True] * 4, result.suppressed, 5)
    for i in result.suppressed:
        low, high = lp_range(table.values, table.sums, bounds, i)
        assert low < high


def test_a_small_number_never_shown_is_protected_too():
    # a group of 10 with 8 deaths shown: the 2 survivors would follow
    table = CountTable((8, 2, 10), ((2, (0, 1)),), shown=(True, False, True),
                       fixed=frozenset({2}))
    result = protect(table, RULE)
    assert 0 in result.suppressed


def test_a_small_number_published_elsewhere_withholds_the_table():
    result = protect(CountTable((3, 9, 12), ((2, (0, 1)),), fixed=frozenset({0})), RULE)
    assert result.withheld


def test_nothing_is_suppressed_when_the_rule_is_off():
    mask = protect_grid(np.array([[1, 2], [3, 40]]), Disclosure(active=False))
    assert not mask.cells.any() and not mask.row_totals.any()


@settings(max_examples=8, deadline=None, derandomize=True)
@given(st.integers(20, 120), st.integers(0, 10_000))
def test_no_suppressed_grade_transition_can_be_worked_out(n, seed):
    """The transitions grid with its published grade-change counts (sums of cells)."""
    from cohort_frames import make_cohort

    from risk.cohort.shown import CHANGES, _change_parts, shown_transitions
    from risk.cohort.summary import grade_transitions
    from risk.schema import GRADES

    shown = shown_transitions(grade_transitions(make_cohort(n, seed=seed)), RULE)
    if shown.grid.withheld:
        return
    grid = shown.transitions.counts.to_numpy()
    values, sums = grid_table(grid)
    cols = grid.shape[1]
    for name in CHANGES:
        parts = _change_parts(len(GRADES))[name]
        sums.append((len(values), tuple(r * cols + c for r, c in parts)))
        values.append(int(sum(grid[r, c] for r, c in parts)))
    hidden = suppressed_set(shown.grid, values) | {
        len(values) - len(CHANGES) + k for k, h in enumerate(shown.grid.extra) if h}
    assert all(i in hidden for i, v in enumerate(values[:grid.size]) if 1 <= v < 5)
    bounds = reader_bounds(values, [True] * len(values), hidden, 5)
    for i in hidden:
        low, high = lp_range(values, sums, bounds, i)
        assert low < high, (i, values[i])
