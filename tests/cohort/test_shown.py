"""The cohort page's counts under the small-cell rule (:mod:`risk.cohort.shown`): nothing
changes with the rule off; with it on, small counts and their shares are suppressed the
same way in every table. Expected counts are computed with pandas on the frame."""

from __future__ import annotations

import numpy as np
import pandas as pd
from cohort_frames import make_cohort

from risk.cohort import NO_SUPPRESSION, Disclosure, shown
from risk.cohort.summary import grade_transitions
from risk.cohort.tables import table_one

RULE = Disclosure(5)


def test_with_the_rule_off_every_count_is_shown_as_it_is():
    t = grade_transitions(make_cohort(300, seed=2))
    under = shown.shown_transitions(t, NO_SUPPRESSION)
    counts = t.counts.to_numpy()
    assert [[under.cell(i, j) for j in range(4)] for i in range(4)] == counts.tolist()
    assert under.change_text("upgraded") == f"{t.change_counts()['upgraded']:,}"
    assert not under.grid.cells.any()


def test_small_transitions_and_their_row_shares_are_suppressed():
    frame = make_cohort(60, seed=5)
    t = grade_transitions(frame)
    under = shown.shown_transitions(t, RULE)
    counts = pd.crosstab(frame["primary_grade"].fillna("-"), frame["met_grade"].fillna("-"))
    assert int(counts.to_numpy().sum()) == 60
    for i in range(4):
        for j in range(4):
            n = int(t.counts.iat[i, j])
            if 1 <= n < 5:
                assert under.cell(i, j) == "<5" and np.isnan(under.percent(i, j))
            if n == 0:
                assert under.cell(i, j) == "0"


def test_deaths_of_a_group_are_hidden_when_its_survivors_would_follow():
    groups = pd.DataFrame({"group": ["A", "B", "C"], "patients": [10, 30, 20],
                           "deaths": [8, 15, 12]})
    hidden = shown.deaths_hidden(groups, RULE, {}, fixed_total=True)
    # A: 10 - 8 = 2 survivors; hiding A's deaths alone leaves it as total - B - C
    assert hidden[0] and hidden.sum() >= 2


def test_table_one_headers_and_cells_read_as_suppressed():
    frame = make_cohort(60, seed=5)
    result = table_one(frame, "grade_change")
    under = shown.shown_transitions(grade_transitions(frame), RULE)
    hidden = under.group_hidden("grade_change")
    groups = [str(g) for g in result.group_sizes.index]
    cells = shown.table_one_cells(result.long, groups, "All patients", RULE, hidden)
    display = shown.table_one_shown(result, RULE, hidden, cells)
    sizes = frame["grade_change"].value_counts()
    small = [g for g in groups if 1 <= int(result.group_sizes[g]) < 5]
    assert all(f"{g} (n=<5)" in display.columns for g in small)
    text = " ".join(display.drop(columns=["Characteristic", "Level"]).astype(str)
                    .to_numpy().ravel())
    assert "<5" in text and "hidden" in text
    assert int(sizes.sum()) == 60


def test_a_percentile_is_not_worded_when_few_patients_lie_beyond_it():
    assert shown.percentile_words(RULE, 57, 3, 95.0) == \
        "higher than all but <5 of the shown patients"
    assert shown.percentile_words(RULE, 2, 58, 3.3) == "higher than <5 of the shown patients"
    assert shown.percentile_words(RULE, 30, 30, 50.0) == "higher than 50% of the shown patients"
    assert shown.percentile_words(NO_SUPPRESSION, 2, 58, 3.3) == \
        "higher than 3% of the shown patients"
