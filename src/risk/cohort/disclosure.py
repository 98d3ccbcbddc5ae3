"""Small-cell suppression: the one rule for what an uploaded cohort's counts may show.

A count from 1 to ``threshold - 1`` (default 5) is shown as ``"<5"`` (primary
suppression). A count that would let a reader work such a cell out from a published
total is hidden too (complementary suppression, shown as :data:`HIDDEN`), and the choice
is audited: for every suppressed number the smallest and largest value consistent with
everything published (the totals, the other cells, ``"<5"`` meaning 1 to 4 and a hidden
cell meaning at least 5, all counts whole numbers) must differ. Percentages are shown only
when both their count and its denominator are shown. Zero is shown as 0.

The rule applies to every cohort except the shipped synthetic one (the page decides
"shipped" by the file's SHA-256, as it always has); the threshold is a site setting,
:data:`THRESHOLD_ENV`.

A table is a :class:`CountTable`: numbers (cells and totals alike) and the sums that tie
them together (``total = sum of parts``), some numbers published elsewhere on the page
(``fixed``: they stay shown) or hidden elsewhere (``forced``: they stay hidden), some
never shown but worked out by a reader from the others (``shown=False``, e.g. the
survivors of a group whose size and deaths are shown: they must not be recoverable when
small). :func:`protect` returns the :class:`Suppression`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from risk.i18n import N_, _, format_integer

THRESHOLD_ENV = "RISK_SMALL_CELL_THRESHOLD"
DEFAULT_THRESHOLD = 5
#: The smallest and largest thresholds a site may set (1 would suppress nothing).
THRESHOLD_RANGE = (2, 100)
#: A count hidden so that a suppressed neighbour cannot be worked out from a total.
HIDDEN = N_("hidden")


@dataclass(frozen=True)
class Disclosure:
    """Whether counts are suppressed (``active``) and below which count (``threshold``)."""

    threshold: int = DEFAULT_THRESHOLD
    active: bool = True

    @property
    def mark(self) -> str:
        """How a suppressed small count reads: ``"<5"``."""
        return f"<{self.threshold}"

    def small(self, count: float) -> bool:
        """True when ``count`` must not be shown (1 to threshold - 1, rule active)."""
        return self.active and 1 <= count < self.threshold

    def count(self, value: float, hidden: bool = False) -> str:
        """A count as shown: ``"<5"``, :data:`HIDDEN` or ``"1,234"``."""
        if self.small(value):
            return self.mark
        if hidden and self.active:
            return _(HIDDEN)
        return format_integer(int(value))

    def words(self) -> str:
        """The rule in a sentence for the page."""
        if not self.active:
            return ""
        t = self.threshold
        return _("**Small numbers are suppressed.** To protect the patients of this file, a "
                 "count from 1 to {most} is shown as '{mark}', and a count that would let one "
                 "be worked out from a total is shown as '{hidden}'; percentages of those are "
                 "not shown. Survival curves of groups with fewer than {threshold} patients "
                 "are not drawn, and each curve stops where fewer than {threshold} patients "
                 "remain at risk. This applies to the tables, charts and every download of "
                 "this page. (Site setting `{setting}`, now {threshold}.)").format(
                     most=t - 1, mark=self.mark, hidden=_(HIDDEN), threshold=t,
                     setting=THRESHOLD_ENV)

    def limits(self) -> str:
        """What the rule does not prevent, in words for the page."""
        return _("Limits: the drawn survival curves still step at each death while "
                 "{threshold} or more patients are at risk, and two filter settings compared "
                 "with each other can single out the few patients between them. Share the "
                 "page with people allowed to see the file.").format(threshold=self.threshold)


NO_SUPPRESSION = Disclosure(active=False)


def disclosure_for(shipped: bool, environ: Mapping[str, str] | None = None) -> Disclosure:
    """The rule for a cohort: off for the shipped synthetic cohort, else on with the
    site's threshold (:data:`THRESHOLD_ENV`, default 5). A bad setting raises
    ``ValueError`` naming the variable, the value and what is allowed."""
    if shipped:
        return NO_SUPPRESSION
    text = (os.environ if environ is None else environ).get(THRESHOLD_ENV, "").strip()
    if not text:
        return Disclosure()
    low, high = THRESHOLD_RANGE
    try:
        threshold = int(text)
    except ValueError:
        threshold = None
    if threshold is None or not low <= threshold <= high:
        raise ValueError(f"{THRESHOLD_ENV} must be a whole number from {low} to {high} "
                         f"(the smallest count shown); got {text!r}.")
    return Disclosure(threshold)


# --------------------------------------------------------------------------- tables

@dataclass(frozen=True)
class CountTable:
    """Counts tied by sums: ``sums`` holds ``(total, parts)`` index pairs into ``values``."""

    values: tuple[int, ...]
    sums: tuple[tuple[int, tuple[int, ...]], ...] = ()
    shown: tuple[bool, ...] | None = None  # None: every number is shown
    fixed: frozenset[int] = frozenset()  # published elsewhere: stays shown
    forced: frozenset[int] = frozenset()  # hidden elsewhere: stays hidden
    #: which numbers to hide first (lower first): cells before the totals readers want
    rank: tuple[int, ...] | None = None

    def is_shown(self, i: int) -> bool:
        return self.shown is None or self.shown[i]


@dataclass(frozen=True)
class Suppression:
    """Which numbers of a :class:`CountTable` are suppressed; ``withheld`` when no safe
    pattern exists (the table is then not shown at all)."""

    suppressed: frozenset[int] = frozenset()
    withheld: bool = False


def _neighbours(table: CountTable) -> list[set[int]]:
    """For each number, the numbers it shares a sum with."""
    near: list[set[int]] = [set() for _ in table.values]
    for total, parts in table.sums:
        group = {total, *parts}
        for i in group:
            near[i] |= group - {i}
    return near


Bound = tuple[int, int | None]  # (lowest, highest or None: unbounded)


def _bounds(table: CountTable, suppressed: set[int], rule: Disclosure) -> list[Bound]:
    """What a reader knows of each number: its value when shown, 1 to t - 1 for "<5",
    at least t for a hidden one, at least 0 for one never shown."""
    out: list[Bound] = []
    for i, v in enumerate(table.values):
        if not table.is_shown(i):
            out.append((0, None))
        elif i not in suppressed:
            out.append((v, v))
        elif rule.small(v):
            out.append((1, rule.threshold - 1))
        else:
            out.append((rule.threshold, None))
    return out


def value_range(table: CountTable, suppressed: set[int], rule: Disclosure, i: int
                ) -> tuple[float, float]:
    """The smallest and largest whole value of number ``i`` consistent with what is
    published (an integer programme; ``inf`` when unbounded)."""
    from scipy.optimize import Bounds, LinearConstraint, milp

    n = len(table.values)
    rows = np.zeros((len(table.sums), n))
    for r, (total, parts) in enumerate(table.sums):
        rows[r, list(parts)] = 1.0
        rows[r, total] -= 1.0
    low, high = zip(*_bounds(table, suppressed, rule), strict=True)
    bounds = Bounds(np.array(low, float), np.array([np.inf if h is None else h for h in high],
                                                   float))
    constraints = [LinearConstraint(rows, 0.0, 0.0)] if len(table.sums) else []
    ends = []
    for sign in (1.0, -1.0):
        c = np.zeros(n)
        c[i] = sign
        result = milp(c, constraints=constraints, integrality=np.ones(n), bounds=bounds)
        if result.status == 0:
            ends.append(sign * result.fun)
        else:  # unbounded (or, never for true data, infeasible): not pinned
            ends.append(sign * np.inf)
    return ends[0], ends[1]


def _exposed(table: CountTable, suppressed: set[int], rule: Disclosure, i: int) -> bool:
    """Whether number ``i`` needs protecting: suppressed, or small and never shown (a
    number hidden on another page part but not small is not at risk when worked out)."""
    if i in suppressed:
        return rule.small(table.values[i]) or i not in table.forced
    return not table.is_shown(i) and rule.small(table.values[i])


def _first_pinned(table: CountTable, suppressed: set[int], rule: Disclosure) -> int | None:
    """A number needing protection (:func:`_exposed`) that a reader can work out."""
    for i in range(len(table.values)):
        if _exposed(table, suppressed, rule, i) and \
                np.subtract(*value_range(table, suppressed, rule, i)) == 0:
            return i
    return None


def _unknowns(table: CountTable, suppressed: set[int], group: set[int]) -> int:
    return sum(1 for j in group if j in suppressed or not table.is_shown(j))


def _candidate(table: CountTable, suppressed: set[int], rule: Disclosure,
               pool: set[int]) -> int | None:
    """The shown count of at least t in ``pool`` best hidden next: the one that leaves
    the fewest sums with a single unknown (closing two gaps at once beats opening a new
    one), then the smallest."""
    free = [i for i in pool if table.is_shown(i) and i not in suppressed
            and i not in table.fixed and table.values[i] >= rule.threshold]
    if not free:
        return None

    def cost(i: int) -> tuple[int, int, int, int]:
        change = 0
        for total, parts in table.sums:
            group = {total, *parts}
            if i in group:
                before = _unknowns(table, suppressed, group)
                change += (before == 0) - (before == 1)
        return (0 if table.rank is None else table.rank[i]), change, table.values[i], i

    return min(free, key=cost)


def _lone_sum(table: CountTable, suppressed: set[int], rule: Disclosure
              ) -> tuple[set[int], int] | None:
    """A sum with a single unknown number that needs protection, and that number."""
    for total, parts in table.sums:
        group = {total, *parts}
        unknown = [j for j in group if j in suppressed or not table.is_shown(j)]
        if len(unknown) == 1 and _exposed(table, suppressed, rule, unknown[0]):
            return group, unknown[0]
    return None


def protect(table: CountTable, rule: Disclosure) -> Suppression:
    """Primary suppression of small shown counts, then complementary suppression (the
    smallest count of at least t sharing a sum) until no suppressed number, and no small
    number never shown, can be worked out. See the module docstring."""
    if not rule.active:
        return Suppression()
    suppressed = set(table.forced) | {i for i, v in enumerate(table.values)
                                      if table.is_shown(i) and rule.small(v)}
    if suppressed & table.fixed:  # a small number published elsewhere: not safe here
        return Suppression(frozenset(suppressed), withheld=True)
    near = _neighbours(table)
    settled: set[int] = set()  # hidden counts that proved derivable: shown instead
    while True:
        # a sum with one unknown gives it away (cheap); else the integer programme's audit
        lone = _lone_sum(table, suppressed, rule)
        if lone is not None:
            pool, pinned = lone
        else:
            found = _first_pinned(table, suppressed, rule)
            if found is None:
                return Suppression(frozenset(suppressed))
            pool, pinned = near[found], found
        if not rule.small(table.values[pinned]) and pinned in suppressed:
            # a hidden count a reader can work out protects nothing: show it
            suppressed.discard(pinned)
            settled.add(pinned)
            continue
        added = _candidate(table, suppressed | settled, rule, pool)
        if added is None:  # nothing left to hide beside it: any count that may be hidden
            added = _candidate(table, suppressed | settled, rule,
                               set(range(len(table.values))))
        if added is None:
            return Suppression(frozenset(suppressed), withheld=True)
        suppressed.add(added)


# --------------------------------------------------------------------------- grids

@dataclass(frozen=True)
class GridSuppression:
    """A rows x columns table with its totals: which cells, row totals, column totals
    (and the grand total) are suppressed."""

    cells: np.ndarray  # bool, rows x columns
    row_totals: np.ndarray  # bool, rows
    column_totals: np.ndarray  # bool, columns
    grand_total: bool = False
    withheld: bool = False
    rule: Disclosure = field(default=NO_SUPPRESSION)
    extra: tuple[bool, ...] = ()  # the extra sums, in their order

    def cell_text(self, counts: np.ndarray) -> list[list[str]]:
        return [[self.rule.count(v, bool(h)) for v, h in zip(row, hidden, strict=True)]
                for row, hidden in zip(np.asarray(counts), self.cells, strict=True)]


def protect_grid(counts: np.ndarray, rule: Disclosure, *, row_totals_shown: bool = True,
                 column_totals_shown: bool = True, grand_total_fixed: bool = True,
                 forced_row_totals: Sequence[bool] | None = None,
                 forced_column_totals: Sequence[bool] | None = None,
                 extra_sums: Sequence[Sequence[tuple[int, int]]] = (),
                 extra_fixed: Sequence[bool] = (),
                 columns_shown: Sequence[bool] | None = None,
                 row_totals_fixed: bool = False,
                 column_totals_fixed: bool = False) -> GridSuppression:
    """:func:`protect` for a grid: each row and column sums to its total, the totals to
    the grand total (published on the page unless ``grand_total_fixed=False``). Totals
    not shown in the table still tie it (a reader can add a column up). ``extra_sums``:
    further published sums of cells (e.g. a grade-change count = the cells above the
    diagonal), fixed where ``extra_fixed`` says so. ``columns_shown``: False for a
    column never shown but worked out by a reader (e.g. survivors = patients - deaths).
    ``row_totals_fixed``/``column_totals_fixed``: the totals not forced hidden are
    published elsewhere on the page (e.g. group sizes in a header), so stay shown."""
    grid = np.asarray(counts, dtype=np.int64)
    n_rows, n_cols = int(grid.shape[0]), int(grid.shape[1])

    def cell(r: int, c: int) -> int:
        return r * n_cols + c

    def row_total(r: int) -> int:
        return n_rows * n_cols + r

    def col_total(c: int) -> int:
        return n_rows * n_cols + n_rows + c

    grand = n_rows * n_cols + n_rows + n_cols
    values = [*grid.ravel().tolist(), *grid.sum(axis=1).tolist(), *grid.sum(axis=0).tolist(),
              int(grid.sum())]
    sums = [(row_total(r), tuple(cell(r, c) for c in range(n_cols))) for r in range(n_rows)]
    sums += [(col_total(c), tuple(cell(r, c) for r in range(n_rows))) for c in range(n_cols)]
    sums += [(grand, tuple(row_total(r) for r in range(n_rows))),
             (grand, tuple(col_total(c) for c in range(n_cols)))]
    visible = [True] * n_cols if columns_shown is None else [bool(v) for v in columns_shown]
    shown = visible * n_rows + [row_totals_shown] * n_rows \
        + [column_totals_shown] * n_cols + [True]
    forced = {row_total(r) for r, f in enumerate(forced_row_totals or ()) if f}
    forced |= {col_total(c) for c, f in enumerate(forced_column_totals or ()) if f}
    fixed = {grand} if grand_total_fixed else set()
    if row_totals_fixed:
        fixed |= {row_total(r) for r in range(n_rows)} - forced
    if column_totals_fixed:
        fixed |= {col_total(c) for c in range(n_cols)} - forced
    for k, parts in enumerate(extra_sums):
        index = len(values)
        values.append(int(sum(grid[r, c] for r, c in parts)))
        shown.append(True)
        sums.append((index, tuple(cell(r, c) for r, c in parts)))
        if k < len(extra_fixed) and extra_fixed[k]:
            fixed.add(index)
    rank = [0] * (n_rows * n_cols) + [1] * (n_rows + n_cols) + [2] \
        + [1] * (len(values) - grand - 1)
    result = protect(CountTable(tuple(values), tuple(sums), tuple(shown), frozenset(fixed),
                                frozenset(forced), tuple(rank)), rule)
    hidden = np.array([i in result.suppressed for i in range(len(values))])
    return GridSuppression(
        hidden[:n_rows * n_cols].reshape(n_rows, n_cols),
        hidden[n_rows * n_cols:n_rows * n_cols + n_rows],
        hidden[n_rows * n_cols + n_rows:grand], bool(hidden[grand]), result.withheld, rule,
        tuple(bool(h) for h in hidden[grand + 1:]))
