"""What a Cox fit can estimate, decided before fitting (as R's coxph reports NA)."""

import numpy as np
import pandas as pd
import pytest
from model_sim import simulate_cohort

from risk.cohort.forest import cox_forest
from risk.model.fit import fit_coefficients, fit_design
from risk.stats.estimability import DroppedColumn, describe_dropped, estimable_columns


def _design(n=200, seed=0):
    rng = np.random.default_rng(seed)
    a = (rng.random(n) < 0.3).astype(float)
    b = (rng.random(n) < 0.4).astype(float)
    age = rng.normal(size=n)
    died = (rng.random(n) < 0.5).astype(float)
    return rng, a, b, age, died


def test_a_duplicate_column_is_aliased_with_the_first():
    _, a, b, age, died = _design()
    X = np.column_stack([age, a, b, a])
    est = estimable_columns(X, died, ["age", "a", "b", "a_again"])
    assert est.keep.tolist() == [True, True, True, False]
    assert est.dropped == (DroppedColumn("a_again", "aliased", ("a",), 1),)


def test_a_complement_and_a_sum_are_aliased():
    _, a, b, age, died = _design()
    X = np.column_stack([a, 1 - a, age, b, 2 * age - b])
    est = estimable_columns(X, died, ["a", "not_a", "age", "b", "combo"])
    assert est.keep.tolist() == [True, False, True, True, False]
    not_a, combo = est.dropped
    assert (not_a.same_as, not_a.sign) == (("a",), -1)
    assert set(combo.same_as) == {"age", "b"}


def test_constant_and_no_death_levels_are_left_out():
    _, a, b, age, died = _design()
    nobody = np.zeros_like(a)
    only_survivors = ((died == 0) & (a == 1)).astype(float)  # no deaths at this level
    X = np.column_stack([age, nobody, only_survivors, b])
    est = estimable_columns(X, died, ["age", "nobody", "survivors", "b"])
    assert [(d.column, d.reason) for d in est.dropped] == [("nobody", "constant"),
                                                           ("survivors", "no_deaths")]
    assert est.keep.tolist() == [True, False, False, True]


def test_all_deaths_in_one_level_is_monotone():
    died = np.array([1, 1, 1, 0, 0, 0, 0, 0], float)
    x = np.array([1, 1, 1, 1, 0, 0, 0, 0], float)
    assert estimable_columns(x[:, None], died, ["x"]).dropped[0].reason == "all_deaths"


def test_a_level_with_one_death_is_estimated():
    _, a, b, age, died = _design()
    one = np.zeros_like(a)
    one[np.flatnonzero(died)[0]] = 1.0
    one[np.flatnonzero(died == 0)[:3]] = 1.0
    assert estimable_columns(np.column_stack([age, one]), died, ["age", "one"]).keep.all()


def test_words_for_each_reason():
    words = {"g": "'Primary WHO grade = Not assessed'", "s": "'Primary site = Unknown primary'",
             "x": "'X'", "y": "'Y'"}.get
    assert describe_dropped(DroppedColumn("g", "aliased", ("s",), 1), words) == (
        "'Primary WHO grade = Not assessed' is the same patients as 'Primary site = Unknown "
        "primary' in the training data: one effect is estimated for both")
    assert "exactly the patients without 'X'" in describe_dropped(
        DroppedColumn("y", "aliased", ("x",), -1), words)
    assert "determined by 'X' and 'Y'" in describe_dropped(
        DroppedColumn("g", "aliased", ("x", "y")), words)
    assert "merged with the reference level 'Z'" in describe_dropped(DroppedColumn("x", "no_deaths"), words,
                                                lambda _: "'Z'")
    for reason in ("constant", "all_deaths"):
        assert describe_dropped(DroppedColumn("x", reason), words).startswith("'X'")


def test_round_trip_of_a_record():
    record = DroppedColumn("g", "aliased", ("s", "t"), -1)
    assert DroppedColumn.from_dict(record.to_dict()) == record


def test_fit_paths_agree_on_an_aliased_design():
    """The served fit and the refit path drop the same column and agree on the rest;
    the duplicate gets coefficient 0 in the refit path (its patients count through the
    first column)."""
    rng, a, b, age, _ = _design(400, seed=3)
    t = rng.exponential(np.exp(-(0.5 * age + 0.7 * a)))
    e = (rng.random(400) < 0.7).astype(float)
    X = np.column_stack([age, a, b, a])
    served = fit_design(X, t, e, columns=["age", "a", "b", "dup"])
    coef, _ = fit_coefficients(X, t, e, 0.0)
    assert served.columns == ["age", "a", "b"] and served.penalizer == 0.0
    assert coef[3] == 0.0
    np.testing.assert_allclose(coef[:3], served.coef, atol=1e-10)
    assert [str(note) for note in served.notes] == [
        "dup is the same patients as a in the training data: one effect is estimated for both"]


def test_fit_with_no_estimable_column_is_the_null_model():
    t = np.array([1.0, 2.0, 3.0, 4.0])
    e = np.array([1.0, 0.0, 1.0, 1.0])
    fit = fit_design(np.ones((4, 1)), t, e, columns=["constant"])
    assert fit.columns == [] and fit.coef.size == 0 and fit.lr_statistic == 0.0
    assert fit.baseline.cumulative_hazard[-1] > 0


@pytest.fixture(scope="module")
def aliased_cohort():
    frame = simulate_cohort(600, seed=8, missing_primary_grade=0.0)
    frame.loc[frame["primary_site"] == "unknown", "primary_grade"] = None
    return frame


def test_forest_plot_names_the_alias_and_estimates_the_rest(aliased_cohort):
    result = cox_forest(aliased_cohort)
    assert result.ok
    table = result.table
    unknown_grade = table[(table["covariate"] == "Primary WHO grade")
                          & table["comparison"].str.startswith("Not assessed")]
    assert len(unknown_grade) == 1
    assert unknown_grade["note"].iloc[0].startswith("the same patients as Primary site")
    assert pd.isna(unknown_grade["hazard_ratio"].iloc[0])
    estimated = result.table[result.table["note"] == ""]
    assert np.all(np.isfinite(estimated["hazard_ratio"]))


def test_the_card_records_what_the_fit_left_out(aliased_cohort, tmp_path):
    """Training through the command line stores the fit's notes in the model card."""
    from risk.cli import main
    from risk.registry.store import Registry

    path = tmp_path / "aliased.csv"
    graded = aliased_cohort[aliased_cohort["met_grade"].notna()]  # a grade for everyone
    graded.drop(columns=["grade_change", "grade_change_steps"]).to_csv(path, index=False)
    assert main(["train", "--data", str(path), "--model-dir", str(tmp_path / "models"),
                 "--version", "aliased", "--penalizer", "auto"]) == 0
    card = Registry(tmp_path / "models").read("aliased")[1]
    assert any("'Primary WHO grade = Not assessed' is the same patients as 'Primary site = "
               "Unknown primary'" in note for note in card.fitting_notes)
