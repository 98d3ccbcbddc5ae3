"""A grade near a WHO cut-off (risk.grade_uncertainty): the crossing rule at and around
every cut-off, the exact intervals, and the grade probabilities.

Expected values are computed here independently of the module: the intervals with
``scipy.stats.binomtest`` and the chi-square form of Garwood's interval, the crossing rule
from the WHO table written out, and the posterior probabilities by integrating the
binomial/Poisson likelihood against the Jeffreys prior numerically (``scipy.integrate``),
not from the Beta/Gamma posteriors the module uses.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import integrate
from scipy.stats import binom, binomtest, chi2, poisson

from risk import grade_uncertainty as gu
from risk.schema import GRADES

# --- the WHO table, written out here (not read from the module) -----------------------


def who_ki67(value: float) -> int:
    """0, 1, 2 for G1-G3: Ki-67 < 3 G1, 3-20 G2, > 20 G3."""
    return 0 if value < 3 else (1 if value <= 20 else 2)


def who_mitoses(value: float) -> int:
    return 0 if value < 2 else (1 if value <= 20 else 2)


def crossing_grades(lower: float, upper: float, grade_of) -> tuple[str, ...]:
    """The grades of an interval: it crosses a cut-off when it holds values on both sides
    (for 3%: some value < 3 and some >= 3; for 20%: some <= 20 and some > 20)."""
    cuts = (3, 20) if grade_of is who_ki67 else (2, 20)
    low = 0
    if lower >= cuts[0]:
        low = 1
    if lower > cuts[1]:
        low = 2
    high = 0
    if upper >= cuts[0]:
        high = 1
    if upper > cuts[1]:
        high = 2
    return GRADES[low: high + 1]


# --- the crossing rule at the exact boundaries ----------------------------------------

@pytest.mark.parametrize(("lower", "upper", "grades"), [
    (0.0, 2.99, ("G1",)),
    (2.5, 3.0, ("G1", "G2")),      # 3% is G2: the interval holds both sides of 3
    (3.0, 4.0, ("G2",)),           # starts at 3: nothing below it
    (3.0, 20.0, ("G2",)),          # both ends are G2 values
    (19.0, 20.0, ("G2",)),         # 20% is G2: nothing above the cut-off
    (20.0, 20.01, ("G2", "G3")),   # 20 and something above it
    (20.01, 30.0, ("G3",)),
    (2.0, 25.0, ("G1", "G2", "G3")),
])
def test_ki67_interval_crosses_a_cut_off_only_with_values_on_both_sides(lower, upper, grades):
    assert gu.grades_between(lower, upper, "ki67") == grades
    assert crossing_grades(lower, upper, who_ki67) == grades


@pytest.mark.parametrize(("lower", "upper", "grades"), [
    (0.0, 1.99, ("G1",)),
    (1.5, 2.0, ("G1", "G2")),      # 2 mitoses is G2
    (2.0, 20.0, ("G2",)),
    (20.0, 20.5, ("G2", "G3")),
    (20.5, 40.0, ("G3",)),
    (1.0, 21.0, ("G1", "G2", "G3")),
])
def test_mitotic_interval_crosses_a_cut_off_only_with_values_on_both_sides(lower, upper,
                                                                          grades):
    assert gu.grades_between(lower, upper, "mitoses") == grades
    assert crossing_grades(lower, upper, who_mitoses) == grades


# --- counts around every cut-off --------------------------------------------------------

KI67_NEAR_CUTS = [0, 0.2, 0.4, 1, 1.4, 1.6, 2, 2.4, 2.6, 3, 3.4, 3.8, 4, 4.4, 5, 6, 8, 10, 12,
                  14, 15, 15.6, 16, 17, 18, 19, 19.8, 20, 20.2, 21, 22, 23, 24, 25, 26, 30, 50]


@pytest.mark.parametrize("cells", [100, 500, 2000])
@pytest.mark.parametrize("ki67", KI67_NEAR_CUTS)
def test_ki67_counts_around_3_and_20_percent(ki67, cells):
    k = math.floor(ki67 * cells / 100 + 0.5)  # round half up, here with exact decimals
    ci = binomtest(k, cells).proportion_ci(confidence_level=0.95, method="exact")
    expected = crossing_grades(100 * ci.low, 100 * ci.high, who_ki67)
    u = gu.grade_uncertainty(ki67=ki67, cells_counted=cells)
    assert u.ki67.events == k and u.ki67.counted == cells
    assert u.ki67.lower == pytest.approx(100 * ci.low, abs=1e-9)
    assert u.ki67.upper == pytest.approx(100 * ci.high, abs=1e-9)
    assert u.grades == u.ki67.grades == expected
    assert u.in_doubt == (len(expected) > 1)
    assert u.grade == GRADES[who_ki67(ki67)]  # the grade of the value as entered
    assert u.grade in u.grades


def test_the_issues_examples():
    """19% of 500 cells may be G2 or G3; 10% of 500 is G2 beyond doubt."""
    near = gu.grade_uncertainty(ki67=19, cells_counted=500)
    assert near.ki67.events == 95 and near.grades == ("G2", "G3") and near.in_doubt
    assert gu.grade_uncertainty(ki67=19).grades == ("G2", "G3")  # blank count: 500 cells
    far = gu.grade_uncertainty(ki67=10, cells_counted=500)
    assert far.grades == ("G2",) and not far.in_doubt
    # more cells, a narrower interval: 19% of 10,000 cells is G2
    assert gu.grade_uncertainty(ki67=19, cells_counted=10_000).grades == ("G2",)


@pytest.mark.parametrize("m", range(0, 41))
def test_mitoses_around_2_and_20(m):
    # Garwood's interval in its chi-square form
    lower = chi2.ppf(0.025, 2 * m) / 2 if m > 0 else 0.0
    upper = chi2.ppf(0.975, 2 * m + 2) / 2
    u = gu.grade_uncertainty(mitoses=m)
    assert u.mitoses.lower == pytest.approx(lower, rel=1e-9, abs=1e-12)
    assert u.mitoses.upper == pytest.approx(upper, rel=1e-9)
    expected = crossing_grades(lower, upper, who_mitoses)
    assert u.grades == expected and u.in_doubt == (len(expected) > 1)
    assert u.grade == GRADES[who_mitoses(m)]


def test_mitoses_far_from_a_cut_off_are_not_in_doubt():
    assert gu.grade_uncertainty(mitoses=10).grades == ("G2",)
    assert gu.grade_uncertainty(mitoses=35).grades == ("G3",)
    # 0-5 mitoses in 2 mm² cannot exclude a rate of 2 or more
    assert all(gu.grade_uncertainty(mitoses=m).grades == ("G1", "G2") for m in range(6))


# --- the intervals are exact ------------------------------------------------------------

@pytest.mark.parametrize(("k", "n"), [(0, 100), (1, 100), (15, 500), (95, 500), (100, 500),
                                      (499, 500), (500, 500), (3, 100_000), (20_000, 100_000)])
def test_clopper_pearson_is_scipys_exact_interval_and_its_definition(k, n):
    lower, upper = gu.ki67_interval(k, n)
    ci = binomtest(k, n).proportion_ci(confidence_level=0.95, method="exact")
    assert lower / 100 == pytest.approx(ci.low, abs=1e-12)
    assert upper / 100 == pytest.approx(ci.high, abs=1e-12)
    # each limit leaves 2.5% of the binomial on its side
    if k > 0:
        assert binom.sf(k - 1, n, lower / 100) == pytest.approx(0.025, rel=1e-6)
    if k < n:
        assert binom.cdf(k, n, upper / 100) == pytest.approx(0.025, rel=1e-6)


@pytest.mark.parametrize("m", [1, 2, 5, 19, 20, 21, 60])
def test_garwood_limits_leave_2_5_percent_of_the_poisson_on_each_side(m):
    lower, upper = gu.mitoses_interval(m)
    assert poisson.sf(m - 1, lower) == pytest.approx(0.025, rel=1e-6)
    assert poisson.cdf(m, upper) == pytest.approx(0.025, rel=1e-6)


def test_positive_cells_round_half_up_and_blank_is_500():
    assert gu.positive_cells(19, 500) == 95
    assert gu.positive_cells(0.1, 500) == 1        # 0.5 cells: half up
    assert gu.positive_cells(2.9, 500) == 15       # 14.5 in decimals, 14.4999... in binary
    assert gu.positive_cells(19, None) == 95
    assert gu.positive_cells(100, 123) == 123
    np.testing.assert_array_equal(gu.positive_cells([19, 20], [np.nan, 1000]), [95, 200])


# --- the probability of each grade --------------------------------------------------------

def ki67_probabilities_by_integration(k: int, n: int) -> np.ndarray:
    """P(G1), P(G2), P(G3) from Bayes' rule: binomial likelihood x Jeffreys prior
    p^-1/2 (1-p)^-1/2, integrated over each grade's range. With p = sin(t)^2 the prior
    times dp is 2 dt, so the integrand is smooth."""
    cuts = [0.0, math.asin(math.sqrt(0.03)), math.asin(math.sqrt(0.20)), math.pi / 2]
    mode = math.asin(math.sqrt(min(max(k / n, 1e-9), 1 - 1e-9)))
    mass = []
    for a, b in zip(cuts[:-1], cuts[1:], strict=True):
        points = [mode] if a < mode < b else None
        value, _ = integrate.quad(lambda t: binom.pmf(k, n, math.sin(t) ** 2), a, b,
                                  points=points, limit=200, epsabs=0, epsrel=1e-10)
        mass.append(value)
    return np.array(mass) / sum(mass)


def mitoses_probabilities_by_integration(m: int) -> np.ndarray:
    """Poisson likelihood x Jeffreys prior rate^-1/2; with rate = u^2 the prior times
    d(rate) is 2 du."""
    cuts = [0.0, math.sqrt(2), math.sqrt(20), math.sqrt(20) + 40]
    mass = [integrate.quad(lambda u: poisson.pmf(m, u * u), a, b, limit=200,
                           epsabs=0, epsrel=1e-10)[0]
            for a, b in zip(cuts[:-1], cuts[1:], strict=True)]
    return np.array(mass) / sum(mass)


@pytest.mark.parametrize(("ki67", "cells"), [(19, 500), (20, 500), (21, 500), (2, 500),
                                             (3, 500), (10, 500), (3, 100), (19, 2000),
                                             (0, 500), (60, 200)])
def test_ki67_probabilities_are_the_jeffreys_posteriors_mass_in_each_grade(ki67, cells):
    u = gu.grade_uncertainty(ki67=ki67, cells_counted=cells)
    expected = ki67_probabilities_by_integration(int(u.ki67.events), cells)
    got = np.array([u.probabilities[g] for g in GRADES])
    np.testing.assert_allclose(got, expected, atol=1e-7)
    assert u.ki67.probabilities == u.probabilities  # one measure: the same


@pytest.mark.parametrize("m", [0, 1, 2, 3, 5, 15, 19, 20, 21, 25, 30])
def test_mitotic_probabilities_are_the_jeffreys_posteriors_mass_in_each_grade(m):
    u = gu.grade_uncertainty(mitoses=m)
    got = np.array([u.probabilities[g] for g in GRADES])
    np.testing.assert_allclose(got, mitoses_probabilities_by_integration(m), atol=1e-7)


@pytest.mark.parametrize(("ki67", "mitoses"), [(19, 3), (19, 19), (2, 1), (10, 25), (21, 0)])
def test_both_counts_the_higher_grade_with_independent_counts(ki67, mitoses):
    u = gu.grade_uncertainty(ki67=ki67, mitoses=mitoses, cells_counted=500)
    by_ki67 = [u.ki67.probabilities[g] for g in GRADES]
    by_mitoses = [u.mitoses.probabilities[g] for g in GRADES]
    # P(WHO grade = g): every pair of grades whose higher one is g
    expected = np.zeros(3)
    for a in range(3):
        for b in range(3):
            expected[max(a, b)] += by_ki67[a] * by_mitoses[b]
    np.testing.assert_allclose([u.probabilities[g] for g in GRADES], expected, atol=1e-12)
    low = max(GRADES.index(u.ki67.grades[0]), GRADES.index(u.mitoses.grades[0]))
    high = max(GRADES.index(u.ki67.grades[-1]), GRADES.index(u.mitoses.grades[-1]))
    assert u.grades == GRADES[low: high + 1]
    assert u.grade == GRADES[max(who_ki67(ki67), who_mitoses(mitoses))]


@given(st.floats(0, 100), st.integers(100, 100_000),
       st.one_of(st.none(), st.floats(0, 500)))
def test_probabilities_sum_to_one_and_hold_the_grade_as_entered(ki67, cells, mitoses):
    u = gu.grade_uncertainty(ki67=ki67, mitoses=mitoses, cells_counted=cells)
    values = np.array([u.probabilities[g] for g in GRADES])
    assert (values >= 0).all() and values.sum() == pytest.approx(1, abs=1e-12)
    assert u.grade in u.grades
    assert u.ki67.grades == gu.grades_between(u.ki67.lower, u.ki67.upper, "ki67")
    assert u.ki67.lower <= ki67 + 100 / cells and u.ki67.upper >= ki67 - 100 / cells


def test_probabilities_are_monotone_in_the_count():
    """More positive cells (of 500), or more mitoses: the higher grades only gain."""
    ki67 = [gu.grade_uncertainty(ki67=k / 5, cells_counted=500).probabilities
            for k in range(0, 501)]
    mitoses = [gu.grade_uncertainty(mitoses=m).probabilities for m in range(0, 80)]
    for series in (ki67, mitoses):
        g1 = np.array([p["G1"] for p in series])
        g3 = np.array([p["G3"] for p in series])
        assert (np.diff(g1) <= 1e-15).all() and (np.diff(g3) >= -1e-15).all()
        assert g1[0] > 0.9 and g3[-1] > 0.9


def test_nothing_to_weigh_without_a_count():
    assert gu.grade_uncertainty() is None
    assert gu.grade_uncertainty(ki67=float("nan"), mitoses=None) is None


# --- a cohort at once ---------------------------------------------------------------------

@given(st.lists(st.tuples(st.one_of(st.none(), st.floats(0, 100)),
                          st.one_of(st.none(), st.integers(100, 100_000)),
                          st.one_of(st.none(), st.floats(0, 500))), min_size=1, max_size=20))
def test_a_cohorts_ranges_are_each_patients_uncertainty(patients):
    ki67, cells, mitoses = (pd.Series([p[i] for p in patients], dtype=float)
                            for i in range(3))
    ranges = gu.grade_ranges(ki67, mitoses, cells)
    for i, (k, n, m) in enumerate(patients):
        one = gu.grade_uncertainty(ki67=k, mitoses=m, cells_counted=n)
        if one is None:
            assert ranges.lowest[i] is None and ranges.probabilities.iloc[i].isna().all()
            assert not ranges.in_doubt[i]
            continue
        assert (ranges.lowest[i], ranges.highest[i]) == (one.grades[0], one.grades[-1])
        assert bool(ranges.in_doubt[i]) == one.in_doubt
        np.testing.assert_allclose(ranges.probabilities.iloc[i].to_numpy(),
                                   [one.probabilities[g] for g in GRADES], atol=1e-12)
