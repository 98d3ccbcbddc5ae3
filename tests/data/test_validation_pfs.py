"""The optional PFS pair (schema version 2): both columns or neither, both cells or
neither, pfs_months <= os_months, ignored for predictions; an OS-only file is unchanged."""

import numpy as np
import pytest
from validation_helpers import BASE_ROWS, rows, to_csv

from risk import schema
from risk.data.validation import load_cohort
from risk.errors import ValidationError
from risk.stats.outcome import has_pfs, pfs_event, pfs_outcome

WITH_PFS = [*schema.COLUMN_NAMES, "pfs_months", "progression"]
# per BASE_ROWS patient (os 30.5 died, 84 alive, 12.25 died, 60 alive): progression at 20;
# no PFS recorded; death without progression (pfs = os); censored at last follow-up
PFS = ({"pfs_months": "20", "progression": "1"}, {},
       {"pfs_months": "12.25", "progression": "0"}, {"pfs_months": "60", "progression": "no"})


def _load(records, purpose="training", columns=WITH_PFS):
    return load_cohort(to_csv(records, columns).encode(), purpose)


def _problems(records, purpose="training", columns=WITH_PFS):
    with pytest.raises(ValidationError) as caught:
        _load(records, purpose, columns)
    return caught.value.problems


def test_a_file_with_pfs_gives_it_in_the_canonical_frame():
    result = _load(rows(*PFS))
    frame = result.frame
    assert list(frame.columns[-2:]) == ["pfs_months", "progression"]
    np.testing.assert_array_equal(frame["pfs_months"], [20, np.nan, 12.25, 60])
    np.testing.assert_array_equal(frame["progression"], [1, np.nan, 0, 0])
    rows_, months, event = pfs_outcome(frame)
    assert rows_.tolist() == [0, 2, 3] and months.tolist() == [20, 12.25, 60]
    assert event.tolist() == [True, True, False]  # death at pfs = os counts
    assert has_pfs(frame)


def test_an_os_only_file_has_no_pfs_columns():
    frame = load_cohort(to_csv(BASE_ROWS).encode(), "training").frame
    assert "pfs_months" not in frame and not has_pfs(frame)
    assert list(frame.columns[:len(schema.COLUMN_NAMES)]) == list(schema.COLUMN_NAMES)


@pytest.mark.parametrize("given, missing", [("pfs_months", "progression"),
                                            ("progression", "pfs_months")])
def test_the_two_columns_come_together(given, missing):
    columns = [*schema.COLUMN_NAMES, given]
    problems = _problems(rows(*PFS), columns=columns)
    assert [(p.row, p.column) for p in problems] == [(None, missing)]
    assert given in problems[0].message and "or neither" in problems[0].message


def test_a_row_with_one_pfs_cell_blank_is_an_error_naming_it():
    problems = _problems(rows({"pfs_months": "20", "progression": ""},
                              {"pfs_months": "", "progression": "1"}))
    assert [(p.row, p.column) for p in problems] == [(1, "progression"), (2, "pfs_months")]
    assert all("leave both blank" in p.message for p in problems)


def test_pfs_after_os_names_the_row_and_both_values():
    (problem,) = _problems(rows({"pfs_months": "31", "progression": "1"}))
    assert (problem.row, problem.column, problem.value) == (1, "pfs_months", "31")
    assert "31" in problem.message and "30.5" in problem.message
    assert "<= os_months" in problem.allowed


def test_pfs_equal_to_os_and_zero_are_allowed():
    frame = _load(rows({"pfs_months": "30.5", "progression": "0"},
                       {"pfs_months": "0", "progression": "1"})).frame
    assert frame["pfs_months"].tolist()[:2] == [30.5, 0.0]


def test_cohort_pfs_needs_overall_survival():
    columns = [c for c in WITH_PFS if c not in schema.OUTCOME_COLUMNS]
    problems = _problems(rows(*PFS), "cohort", columns)
    assert [(p.row, p.column) for p in problems] == [(None, "os_months")]
    assert "needs overall survival" in problems[0].message


def test_prediction_ignores_the_pfs_columns_and_their_values():
    result = _load(rows({"pfs_months": "-1", "progression": "maybe"}), "prediction")
    assert result.ignored_columns == ["os_months", "death", "pfs_months", "progression"]
    assert "pfs_months" not in result.frame
    assert any("pfs_months, progression" in note for note in result.notes)


def test_the_event_definition():
    assert pfs_event([1, 0, 0, 0], [0, 1, 1, 0], [5, 9, 4, 9], [9, 9, 9, 9]).tolist() == \
        [True, True, False, False]
