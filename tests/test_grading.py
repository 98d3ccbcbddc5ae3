"""WHO 2019 grading: exact boundaries, the higher grade wins, monotonicity, grade change."""

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from risk import grading
from risk.schema import GRADES

ki67s = st.floats(min_value=0, max_value=100, allow_nan=False)
mitoses = st.floats(min_value=0, max_value=500, allow_nan=False)
maybe = st.one_of(st.none(), st.sampled_from(GRADES))


@pytest.mark.parametrize(("ki67", "grade"), [
    (0, "G1"), (2.99, "G1"), (3, "G2"), (3.0001, "G2"), (20, "G2"), (20.01, "G3"), (100, "G3"),
])
def test_ki67_boundaries(ki67, grade):
    assert grading.grade_from_ki67(ki67) == grade


@pytest.mark.parametrize(("count", "grade"), [
    (0, "G1"), (1.9, "G1"), (2, "G2"), (20, "G2"), (21, "G3"), (500, "G3"),
])
def test_mitoses_boundaries(count, grade):
    assert grading.grade_from_mitoses(count) == grade


def test_higher_grade_wins_and_missing_is_ignored():
    assert grading.who_grade(ki67=1, mitoses=25) == "G3"
    assert grading.who_grade(ki67=25, mitoses=0) == "G3"
    assert grading.who_grade(ki67=None, mitoses=5) == "G2"
    assert grading.who_grade(ki67=float("nan"), mitoses=None) is None


@given(ki67s, ki67s)
def test_ki67_grade_is_monotone(a, b):
    lo, hi = sorted((a, b))
    assert GRADES.index(grading.grade_from_ki67(lo)) <= GRADES.index(grading.grade_from_ki67(hi))


@given(ki67s, mitoses)
def test_who_grade_is_the_max_of_both(k, m):
    g = grading.who_grade(k, m)
    assert GRADES.index(g) == max(GRADES.index(grading.grade_from_ki67(k)),
                                  GRADES.index(grading.grade_from_mitoses(m)))


@given(st.lists(st.one_of(st.none(), ki67s), min_size=1, max_size=30),
       st.lists(st.one_of(st.none(), mitoses), min_size=30, max_size=30))
def test_vectorised_equals_scalar(ks, ms):
    ms = ms[: len(ks)]
    vec = grading.who_grades(pd.Series(ks, dtype=float), pd.Series(ms, dtype=float))
    assert list(vec) == [grading.who_grade(k, m) for k, m in zip(ks, ms, strict=True)]


@given(maybe, maybe)
def test_grade_change_label_and_steps(primary, met):
    label = grading.grade_change(primary, met)
    steps = grading.grade_change_steps(primary, met)
    if primary is None or met is None:
        assert (label, steps) == ("unknown", None)
    else:
        assert steps == GRADES.index(met) - GRADES.index(primary)
        assert label == {0: "concordant", 1: "upgraded", -1: "downgraded"}[int(np.sign(steps))]
    labels, vsteps = grading.grade_changes(pd.Series([primary], dtype=object),
                                           pd.Series([met], dtype=object))
    assert labels.iloc[0] == label
    assert (math.isnan(vsteps.iloc[0]) if steps is None else vsteps.iloc[0] == steps)


def test_check_grade_reports_contradiction_with_values():
    check = grading.check_grade("G1", ki67=25, mitoses=None)
    assert check.derived == "G3"
    assert "G1" in check.contradiction and "Ki-67 25%" in check.contradiction
    assert grading.check_grade(None, 10, None).grade == "G2"
    assert grading.check_grade(None, 10, None).source == "derived"
    assert grading.check_grade("G2", 10, 3).contradiction is None
    assert grading.check_grade(None, None, None).source == "missing"
