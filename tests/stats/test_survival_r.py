"""Log-rank degrees of freedom and Kaplan-Meier medians by R's rules (survival 3.5-3),
where R and lifelines differ. The R calls and their printed output are in each
docstring; each test also checks an independent computation."""

import numpy as np
import pandas as pd
import pytest
from lifelines import KaplanMeierFitter
from lifelines.datasets import load_lung
from lifelines.statistics import multivariate_logrank_test
from scipy import stats

from risk.cohort.survival import holm, logrank_test, survival_by_group
from risk.data.validation import median_follow_up
from risk.stats.kaplan_meier import kaplan_meier, median_time

#: Groups a and b have deaths; everyone in z is censored before the first death (2).
TIME = np.array([2, 4, 6, 8, 10, 3, 5, 7, 9, 11, 0.5, 1, 1.5])
DEATH = np.array([1, 1, 0, 1, 1, 1, 0, 1, 1, 0, 0, 0, 0])
GROUP = np.array(["a"] * 5 + ["b"] * 5 + ["z"] * 3)


# --------------------------------------------------------------------------- log-rank

def test_a_group_without_expected_deaths_adds_no_degree_of_freedom():
    """R: d <- data.frame(time = c(2,4,6,8,10, 3,5,7,9,11, 0.5,1,1.5),
                          status = c(1,1,0,1,1, 1,0,1,1,0, 0,0,0),
                          group = rep(c("a", "b", "z"), c(5, 5, 3)))
    survdiff(Surv(time, status) ~ group, d)
            N Observed Expected (O-E)^2/E (O-E)^2/V
    group=a 5        4  3.17778  0.212743   0.39555
    group=b 5        3  3.82222  0.176873   0.39555
    group=z 3        0  0.00000       NaN       NaN
     Chisq= 0.4  on 1 degrees of freedom, p= 0.5294
    ($chisq 0.395550419)
    """
    ours = logrank_test(TIME, DEATH, GROUP)
    assert ours.statistic == pytest.approx(0.395550419, abs=1e-9)
    assert ours.degrees_of_freedom == 1
    assert ours.p_value == pytest.approx(0.5294, abs=5e-5)
    assert ours.without_expected_deaths == ("z",)
    # independent: lifelines on the two groups with deaths gives the same test, and on
    # all three the same statistic but one degree of freedom too many
    tested = GROUP != "z"
    two = multivariate_logrank_test(TIME[tested], GROUP[tested], DEATH[tested])
    assert ours.statistic == pytest.approx(two.test_statistic, rel=1e-12)
    assert ours.p_value == pytest.approx(two.p_value, rel=1e-12)
    three = multivariate_logrank_test(TIME, GROUP, DEATH)
    assert three.test_statistic == pytest.approx(ours.statistic, rel=1e-12)
    assert three.degrees_of_freedom == 2
    assert three.p_value == pytest.approx(stats.chi2.sf(ours.statistic, 2))


def test_pairs_without_a_test_are_nan_and_not_counted_by_holm():
    """Pairs with z have no test: NaN, as R's ``p.adjust`` leaves NA and does not count
    it (``p.adjust(c(0.01, NA, 0.04), "holm")`` prints ``0.02 NA 0.04``)."""
    pairs = logrank_test(TIME, DEATH, GROUP).pairwise.set_index(["group_a", "group_b"])
    assert np.isnan(pairs.loc[("a", "z"), "p_value"]) and np.isnan(pairs.loc[("b", "z"),
                                                                             "p_value"])
    only = pairs.loc[("a", "b")]
    assert only["p_holm"] == pytest.approx(only["p_value"])  # the one test: no adjustment
    assert np.allclose(holm([0.01, np.nan, 0.04]), [0.02, np.nan, 0.04], equal_nan=True)


def test_deaths_in_only_one_group_is_no_test():
    """R: survdiff(Surv(time, status) ~ group, d[d$group != "b", ])
    prints ``Chisq= 0  on 0 degrees of freedom, p= 1``: there is nothing to test, so we
    report no p-value, and the cohort page no test, with a note."""
    keep = GROUP != "b"
    ours = logrank_test(TIME[keep], DEATH[keep], GROUP[keep])
    assert (ours.statistic, ours.degrees_of_freedom) == (0.0, 0)
    assert np.isnan(ours.p_value)
    frame = pd.DataFrame({"os_months": TIME[keep], "death": DEATH[keep]})
    by = pd.Series(pd.Categorical(GROUP[keep]), name="Group")
    result = survival_by_group(frame, by)
    assert result.logrank is None
    assert "deaths expected in at least two assessed groups" in result.notes[-1]


def test_the_cohort_view_names_a_group_without_expected_deaths():
    frame = pd.DataFrame({"os_months": TIME, "death": DEATH})
    result = survival_by_group(frame, pd.Series(pd.Categorical(GROUP), name="Group"))
    assert result.logrank.degrees_of_freedom == 1
    assert any(note.startswith("'z' has no expected deaths") for note in result.notes)


# --------------------------------------------------------------------------- medians

def test_median_on_a_flat_at_one_half_is_its_midpoint():
    """R: f <- survfit(Surv(c(1,2,3,4,5,6), c(1,1,1,0,1,1)) ~ 1, conf.type = "log-log")
    summary(f)$table: median 4, 0.95LCL 1, 0.95UCL NA.
    S is 1/2 from 3 (after deaths at 1, 2, 3) until the death at 5: the median is the
    middle, (3 + 5) / 2. lifelines reads the first time below 1/2 instead (5: its
    product is 0.5000000000000001). The upper band is undefined where S = 0 (R: NA),
    so it never reaches 1/2."""
    curve = kaplan_meier([1, 2, 3, 4, 5, 6], [1, 1, 1, 0, 1, 1])
    assert (curve.median, curve.median_lower) == (4.0, 1.0)
    assert curve.median_upper == np.inf
    lifelines = KaplanMeierFitter().fit([1, 2, 3, 4, 5, 6], [1, 1, 1, 0, 1, 1])
    assert lifelines.median_survival_time_ == 5.0
    # the same rule on a curve given exactly (no product): the middle of the flat
    assert median_time(np.array([0.0, 2, 7, 9]), np.array([1.0, 0.5, 0.5, 0.2])) == 5.5


def test_a_flat_at_one_half_to_the_end_gives_its_start():
    """R: summary(survfit(Surv(c(1,2,3,4,5,6), c(1,1,1,0,0,0)) ~ 1))$table:
    median 3 (the curve never falls below 1/2, so there is no midpoint)."""
    assert kaplan_meier([1, 2, 3, 4, 5, 6], [1, 1, 1, 0, 0, 0]).median == 3.0
    assert median_time(np.array([0.0, 1.0]), np.array([1.0, 0.6])) == np.inf


def test_lung_medians_and_intervals_match_r():
    """R: summary(survfit(Surv(time, status) ~ 1, lung, conf.type = "log-log"))$table
    median 310, 0.95LCL 284, 0.95UCL 361; by sex: 270 (210, 306) and 426 (345, 524)."""
    lung = load_lung()
    expected = {None: (310, 284, 361), 1: (270, 210, 306), 2: (426, 345, 524)}
    for sex, (median, lower, upper) in expected.items():
        part = lung if sex is None else lung[lung["sex"] == sex]
        curve = kaplan_meier(part["time"], part["status"])
        assert (curve.median, curve.median_lower, curve.median_upper) == (median, lower,
                                                                           upper)


def test_median_follow_up_uses_the_same_rule():
    """Reverse Kaplan-Meier (censorings are its events): with deaths only at 4, its
    curve is the one above. R: survfit(Surv(time, 1 - status) ~ 1) on
    time = 1:6, status = c(0,0,0,1,0,0) has median 4."""
    assert median_follow_up(np.arange(1.0, 7.0), np.array([0, 0, 0, 1, 0, 0])) == 4.0
